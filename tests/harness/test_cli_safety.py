"""The console is not an attack surface, user mistakes are usage errors, and an interrupted run
ends with exit 2 and outputs that say so."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import tests.harness.cli_kinds  # noqa: F401  (registers the clitext and clislow kinds)
from renkei.harness.cli import main
from renkei.harness.core.model import CheckResult, Finding, Location, Outcome, Severity
from renkei.harness.plugin import _describe
from tests.harness.cli_kinds import SLOW_PROFILE, TEXT_PROFILE

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = ["entry\x1b[2J\x1b[31mred", "name\rPASS 合格", "bell\x07", "evil\u202etxt.exe", "[bold]markup[/] [/]"]


def _main(*args: str) -> int:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    return int(exc.value.code)


def _text_run(tmp_path: Path, lines: list[str], out: Path) -> int:
    profile = tmp_path / "clitext.yaml"
    profile.write_text(TEXT_PROFILE, encoding="utf-8")
    target = tmp_path / "lines.txt"
    target.write_text("\n".join(lines), encoding="utf-8")
    return _main("run", "--profile", str(profile), "--target", str(target), "--out", str(out))


def test_target_values_reach_the_console_escaped_and_never_as_markup(tmp_path: Path, capsys) -> None:
    assert _text_run(tmp_path, HOSTILE, tmp_path / "out") == 1
    captured = capsys.readouterr()
    shown = captured.out + captured.err
    for raw in ("\x1b", "\r", "\x07", "\u202e"):
        assert raw not in shown
    assert "entry\\x1b[2J\\x1b[31mred\\nname\\rPASS 合格\\nbell\\x07\\nevil\\u202etxt.exe" in shown  # one line
    assert "[bold]markup[/] [/]" in shown  # printed as it is, not as rich markup


def test_a_passed_run_whose_paths_have_brackets_ends_cleanly(tmp_path: Path, capsys) -> None:
    out = tmp_path / "results [2026]" / "[/]" / "[bold]x"
    assert _text_run(tmp_path, [], out) == 0
    captured = capsys.readouterr()
    assert f"report: {out / 'report.html'}" in captured.out and "error" not in captured.err
    assert (out / "report.html").is_file()


def test_pytest_failure_text_escapes_target_values() -> None:
    result = CheckResult(id="x.y", requirement="R", severity=Severity.ERROR, outcome=Outcome.FAILED, title="t",
                         title_ja="t", description="d", description_ja="d", error="boom\x1b[31m",
                         findings=[Finding(message="seen\rPASS", value="v\u202e", location=Location(entry="e\x07"))])
    text = _describe(result, None)
    assert not any(c in text for c in "\x1b\r\u202e\x07") and "seen\\rPASS" in text and "entry 'e\\x07'" in text


@pytest.mark.parametrize("args", [
    ["nosuch"], ["run", "--nosuch"], ["roster", "generate", "--profile", "oneroster12-csv", "--out", "x.zip",
                                       "--municipalities", "abc"],
    ["roster", "generate", "--profile", "oneroster12-csv", "--out", "x.zip", "--students-per-grade", "0"],
    ["explain"], ["lti", "keys", "--rotate"], ["run", "-p", "oneroster12-csv"],
])
def test_user_mistakes_are_one_line_usage_errors(args: list[str], capsys) -> None:
    assert _main(*args) == 2
    err = capsys.readouterr().err
    assert err.startswith("renkei: error: ") and len(err.strip().splitlines()) == 1
    assert "internal error" not in err and "Traceback" not in err


def test_no_arguments_prints_the_help_and_nothing_else(capsys) -> None:
    assert _main() == 2
    captured = capsys.readouterr()
    assert "Commands" in captured.out + captured.err and "internal error" not in captured.out + captured.err


# --- roster generate: never overwrite, never half-write ------------------------------------------------
def test_roster_generate_refuses_an_existing_file_unless_forced(tmp_path: Path, capsys) -> None:
    out = tmp_path / "roster.zip"
    out.write_bytes(b"keep me")
    assert _main("roster", "generate", "--profile", "oneroster12-csv", "--out", str(out)) == 2
    assert "already exists; give --force" in capsys.readouterr().err and out.read_bytes() == b"keep me"
    assert _main("roster", "generate", "--profile", "oneroster12-csv", "--out", str(out), "--force",
                 "--students-per-grade", "1") == 0
    assert out.read_bytes()[:2] == b"PK"


def test_a_failed_generation_leaves_nothing_behind(tmp_path: Path, monkeypatch, capsys) -> None:
    import renkei.mocks.school_affairs.generator as generator

    def broken(path: Path, **kwargs: object) -> None:
        Path(path).write_bytes(b"PK half a zip")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(generator, "generate_bundle", broken)
    assert _main("roster", "generate", "--profile", "oneroster12-csv", "--out", str(tmp_path / "r.zip")) == 2
    assert "No space left on device" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


# --- interruption --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("sig", "how"), [(signal.SIGTERM, "SIGTERM"), (signal.SIGINT, "Ctrl-C")])
def test_an_interrupted_run_exits_2_and_its_outputs_say_so(tmp_path: Path, sig: int, how: str) -> None:
    profile = tmp_path / "clislow.yaml"
    profile.write_text(SLOW_PROFILE, encoding="utf-8")
    started = tmp_path / "started"
    target = tmp_path / "slow.json"
    target.write_text(json.dumps({"sleep": 60, "started": str(started)}), encoding="utf-8")
    out = tmp_path / "out"
    code = "import tests.harness.cli_kinds; from renkei.harness.cli import main; main()"
    proc = subprocess.Popen([sys.executable, "-c", code, "run", "--profile", str(profile), "--target", str(target),
                             "--out", str(out)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        deadline = time.monotonic() + 60
        while not started.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert started.exists(), proc.communicate()
        proc.send_signal(sig)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 2, stdout + stderr
    assert stderr.strip() == (f"renkei: interrupted by {how}: 3 of 3 checks did not run; "
                              f"the reports in {out} say the run was interrupted")
    result = json.loads((out / "result.json").read_text(encoding="utf-8"))
    assert result["interrupted"] is True and result["verdict"] == "interrupted"
    assert {c["error"] for c in result["checks"]} == {"not run: the run was interrupted"}
    assert '<property name="verdict" value="interrupted"' in (out / "junit.xml").read_text(encoding="utf-8")
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "中断" in html and "終了コード 2" in html
