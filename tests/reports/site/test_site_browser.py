"""The listing in a real browser (headless chromium): Japanese first, the filters narrow the table from
the folder without a server, every link resolves, and the index and a product page render."""

from __future__ import annotations

import re
import struct
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from renkei.reports.site.build import feed_of, publish
from tests.reports.site.conftest import MakeResult
from tests.reports.test_html_browser import CHROMIUM, _chromium

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium)")
AS_OF = datetime(2026, 12, 4, tzinfo=UTC)


@pytest.fixture
def site(tmp_path: Path, make_result: MakeResult) -> Path:
    results = [make_result(), make_result(passed=False, days_ago=1),
               make_result("学習アプリ B", "2.0", role="tool", profile_id="lti13-tool", passed=False),
               make_result("学習アプリ B", "2.1", role="tool", profile_id="lti13-tool"),
               make_result("校務支援 C", role="provider", profile_id="oneroster12-csv-japan", days_ago=500)]
    return publish(results, tmp_path / "site", as_of=AS_OF).site


def _shown(dom: str) -> int:
    match = re.search(r'id="shown"[^>]*data-count="(\d+)"', dom)
    assert match, "the filter script did not run"
    return int(match.group(1))


def test_the_index_is_japanese_and_the_filters_narrow_it(tmp_path, site):
    dom = _chromium(tmp_path, site / "index.html", "--dump-dom")
    assert '<html lang="ja">' in dom and "連携標準の適合性テスト結果一覧" in dom and "自己評価" in dom
    assert '<form id="filters" class="filters" role="search"' in dom  # un-hidden by the script under the CSP
    assert _shown(dom) == 5
    base = (site / "index.html").resolve().as_uri()
    assert _shown(_chromium(tmp_path, base + "?verdict=fail", "--dump-dom")) == 2  # A's newest, B 2.0
    assert _shown(_chromium(tmp_path, base + "?verdict=pass&status=superseded", "--dump-dom")) == 1  # A's older
    assert _shown(_chromium(tmp_path, base + "?family=lti", "--dump-dom")) == 2
    assert _shown(_chromium(tmp_path, base + "?q=" + "校務支援", "--dump-dom")) == 1
    english = _chromium(tmp_path, site / "index.en.html", "--dump-dom")
    assert '<html lang="en">' in english and "Interoperability conformance results" in english


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.links += [v for k, v in attrs if k in ("href", "src") and v]


def test_every_link_resolves_inside_the_folder(site):
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 6
    for page in pages:
        parser = _Links()
        parser.feed(page.read_text("utf-8"))
        for link in parser.links:
            parts = urlsplit(link)
            assert not parts.scheme and not parts.netloc, f"{page}: {link} leaves the folder"
            if parts.path:
                target = (page.parent / unquote(parts.path)).resolve()
                assert target.is_file(), f"{page.relative_to(site)}: {link} does not resolve"
    for entry in feed_of(site)["results"]:
        if entry["report"]:
            assert (site / entry["report"]).is_file()


@pytest.mark.parametrize("which", ["index", "product"])
def test_screenshots_render(tmp_path, site, which):
    page = site / "index.html" if which == "index" else sorted((site / "products").rglob("*[!n].html"))[0]
    png = tmp_path / f"{which}.png"
    _chromium(tmp_path, page, f"--screenshot={png}", "--window-size=1280,1200")
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", data[16:24]) == (1280, 1200)
    assert len(data) > 40_000  # a blank or error page compresses far below this
