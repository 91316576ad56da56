"""The HTML report in a real browser (Debian chromium, headless): it parses, runs, and renders."""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from renkei.reports.html.writer import write
from tests.reports.factories import mixed_run

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium fonts-noto-cjk)"
)
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]


def _chromium(tmp_path: Path, page: Path | str, *extra: str) -> str:
    """Run headless chromium on a page (a file, or a file: URL with a query) and return its stdout."""
    profile = tmp_path / "chromium-profile"
    url = page if isinstance(page, str) else page.resolve().as_uri()
    cmd = [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *extra, url]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=180, cwd=tmp_path, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(f"chromium did not finish: {' '.join(cmd)}")
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_dom_has_verdict_findings_and_running_filter(tmp_path: Path) -> None:
    page = write(mixed_run(), tmp_path / "out")
    dom = _chromium(tmp_path, page, "--dump-dom")
    assert '<html lang="ja">' in dom
    assert '<h2 id="verdict-h" class="verdict-word">不合格</h2>' in dom
    assert dom.count('<td class="value">') == 7  # 3 + 2 + 1 + 1 in the failing/warning checks
    assert "必須項目が空です" in dom
    # The inline script ran under the page's CSP (it un-hides the filter bar) ...
    assert '<div id="filter" class="filter">' in dom
    # ... and the hostile value stayed text: the only script element is the page's own.
    assert dom.count("<script") == 1 and "&lt;script&gt;alert" in dom


def test_english_dom(tmp_path: Path) -> None:
    page = write(mixed_run(), tmp_path / "out", lang="en")
    dom = _chromium(tmp_path, page, "--dump-dom")
    assert '<html lang="en">' in dom and ">FAIL</h2>" in dom
    assert "required field is empty" in dom


def test_screenshot_is_rendered(tmp_path: Path) -> None:
    page = write(mixed_run(redacted=True), tmp_path / "out")
    png = tmp_path / "report.png"
    _chromium(tmp_path, page, f"--screenshot={png}", "--window-size=1280,2000")
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1280, 2000)
    assert len(data) > 50_000  # a blank or error page compresses far below this

