"""The console command: exit codes 0/1/2 and one-line errors, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from harness.cli import main


def _renkei(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from harness.cli import main; main()", *args],
                          capture_output=True, text=True, cwd=cwd, timeout=300)


def test_unknown_profile_is_exit_2_with_one_line(tmp_path):
    proc = _renkei("run", "--profile", "nope", "--target", str(tmp_path))
    assert proc.returncode == 2
    assert "unknown profile" in proc.stderr and "Traceback" not in proc.stderr + proc.stdout
    assert len(proc.stderr.strip().splitlines()) == 1


def test_missing_option_is_exit_2():
    proc = _renkei("run", "--profile", "x")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_explain_unknown_check_is_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["explain", "no.such.check"])
    assert exc.value.code == 2
    assert "unknown check id" in capsys.readouterr().err


def test_bad_lang_is_exit_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["run", "--profile", "oneroster12-csv", "--target", str(tmp_path), "--lang", "fr"])
    assert exc.value.code == 2
    assert "--lang" in capsys.readouterr().err
