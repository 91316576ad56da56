"""``renkei run --format github``: annotations and a summary line, the job summary, the same exit codes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from renkei.harness import cli
from renkei.harness.core import secret_registry
from renkei.harness.core.model import Finding, Location, Outcome
from renkei.harness.core.redact import MASK, PERSONAL_FIELDS
from tests.reports.factories import make_check, make_run

COMMAND = re.compile(r"^::(error|warning) ([^:]*)::(.*)$")


def _renkei(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from renkei.harness.cli import main; main()", *args],
                          capture_output=True, text=True, timeout=300, env=env)


@pytest.fixture(scope="module")
def bundles(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from renkei.mocks.school_affairs.defects import break_bundle
    from renkei.mocks.school_affairs.generator import generate_bundle

    folder = tmp_path_factory.mktemp("bundles")
    good, broken = folder / "good.zip", folder / "broken.zip"
    generate_bundle(good, profile="oneroster12-csv-japan", students_per_grade=2)
    break_bundle(good, broken)
    return good, broken


def test_a_failing_run_prints_annotations_a_summary_line_and_the_job_summary(bundles: tuple[Path, Path],
                                                                          tmp_path: Path) -> None:
    summary = tmp_path / "step-summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    env = {**os.environ, "GITHUB_STEP_SUMMARY": str(summary)}
    proc = _renkei("run", "--profile", "oneroster12-csv-japan", "--target", str(bundles[1]), "--out",
                   str(tmp_path / "out"), "--format", "github", "--redact", "--lang", "en", env=env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    commands = [COMMAND.match(line) for line in lines if line.startswith("::")]
    assert commands and all(commands), lines
    errors = [m for m in commands if m and m.group(1) == "error"]
    assert errors and any(m.group(1) == "warning" for m in commands if m)
    assert any(re.fullmatch(r"file=users\.csv,line=\d+,title=or\.users\.required%3A .*", m.group(2))
               for m in errors if m)
    # --redact reaches the annotations: a value of a personal column is only ever the mask
    columns = [(re.search(r"\[([\w.]+)\]", m.group(3)), m.group(3)) for m in commands if m and " = " in m.group(3)]
    personal = [text for col, text in columns if col and {col.group(1), col.group(1).rsplit(".", 1)[-1]} & PERSONAL_FIELDS]
    assert any("[metadata.jp.kana" in text for text in personal)
    assert personal and all(text.endswith(f"= '{MASK}'") for text in personal)
    rest = [line for line in lines if not line.startswith("::")]
    assert rest[0].startswith("FAIL") and "oneroster12-csv-japan:" in rest[0]
    assert rest[1] == f"report: {tmp_path / 'out' / 'report.html'}"
    written = summary.read_text("utf-8")
    assert written.startswith("earlier step\n### renkei oneroster12\\-csv\\-japan: FAIL")
    assert "`or.users.required`" in written


def test_a_passing_run_has_no_error_annotation_and_exits_0(bundles: tuple[Path, Path], tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_STEP_SUMMARY"}
    proc = _renkei("run", "--profile", "oneroster12-csv-japan", "--target", str(bundles[0]), "--out",
                   str(tmp_path / "out"), "--format", "github", env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not [line for line in proc.stdout.splitlines() if line.startswith("::error")]
    assert "PASS" in proc.stdout and (tmp_path / "out" / "junit.xml").is_file()


def test_text_stays_the_default(bundles: tuple[Path, Path], tmp_path: Path) -> None:
    proc = _renkei("run", "--profile", "oneroster12-csv-japan", "--target", str(bundles[1]), "--out",
                   str(tmp_path / "out"))
    assert proc.returncode == 1
    assert "::error" not in proc.stdout and re.search(r"^FAILED\s+or\.users\.required", proc.stdout, re.M)


def test_an_unknown_format_is_exit_2_before_the_run(tmp_path: Path) -> None:
    proc = _renkei("run", "--profile", "oneroster12-csv-japan", "--target", str(tmp_path), "--format", "teamcity",
                   "--out", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert proc.stderr.strip() == "renkei: error: --format must be one of text, github, not 'teamcity'"
    assert not (tmp_path / "out").exists()


def test_annotations_go_through_the_runs_secret_scrubbing(capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A secret that reached a finding past the session (the last net of the console, applied here too)."""
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    secret = "tok-3f9a,b:c%d"
    secret_registry.begin_run().add(secret, "provider.client_secret")
    try:
        f = Finding(message=f"the answer echoed {secret}\x1b[2J", value=secret,
                    location=Location(method="GET", endpoint=f"http://127.0.0.1:9/users?t={secret}"))
        cli._github(make_run([make_check("or.rest.echo", Outcome.FAILED, findings=[f])], lang="en"), None)
    finally:
        secret_registry.begin_run()
    printed = capsys.readouterr().out
    assert "tok-3f9a" not in printed and "tok%2D" not in printed and "[secret%3Aprovider.client_secret]" in printed
    assert "\x1b" not in printed and "\\x1b[2J" in printed  # control characters made visible, not obeyed
