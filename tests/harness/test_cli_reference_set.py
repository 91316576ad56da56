"""``renkei roster reference-set``: a verified set appears whole or not at all; mistakes are one line, exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from renkei.harness.cli import main

PROFILE = "oneroster12-csv-jpk12"


def _main(*args: str) -> int:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    return int(exc.value.code)


def _one_line_error(err: str) -> None:
    assert err.startswith("renkei: error: ") and len(err.strip().splitlines()) == 1
    assert "internal error" not in err and "Traceback" not in err


def test_writes_a_set_that_renkei_run_agrees_with(tmp_path: Path, capsys) -> None:
    out = tmp_path / "set"
    assert _main("roster", "reference-set", "--profile", PROFILE, "--out", str(out), "--seed", "3") == 0
    printed = capsys.readouterr().out
    doc = json.loads((out / "expected.json").read_text(encoding="utf-8"))
    assert doc["seed"] == 3 and doc["profile"]["id"] == PROFILE
    for b in doc["bundles"]:
        assert b["file"] in printed and (out / b["file"]).is_file()
    assert {"expected.csv", "consumer-log-template.csv", "README.md"} <= {p.name for p in out.iterdir()}
    assert [p.name for p in tmp_path.iterdir()] == ["set"]  # no temporary folder left beside it
    valid = next(b for b in doc["bundles"] if b["kind"] == "valid")
    invalid = next(b for b in doc["bundles"] if b["kind"] == "invalid")
    assert _main("run", "-p", PROFILE, "-t", str(out / valid["file"]), "-o", str(tmp_path / "r1")) == 0
    assert _main("run", "-p", PROFILE, "-t", str(out / invalid["file"]), "-o", str(tmp_path / "r2")) == 1


def test_refuses_a_folder_with_files_unless_forced(tmp_path: Path, capsys) -> None:
    out = tmp_path / "set"
    out.mkdir()
    (out / "notes.txt").write_text("keep me", encoding="utf-8")
    assert _main("roster", "reference-set", "--profile", "oneroster12-csv", "--out", str(out)) == 2
    err = capsys.readouterr().err
    _one_line_error(err)
    assert "already has files; give --force" in err
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    assert _main("roster", "reference-set", "--profile", "oneroster12-csv", "--out", str(out), "--force") == 0
    names = {p.name for p in out.iterdir()}
    assert "notes.txt" not in names and "oneroster12-csv_valid01.zip" in names
    assert [p.name for p in tmp_path.iterdir()] == ["set"]


def test_an_empty_folder_is_fine(tmp_path: Path) -> None:
    (tmp_path / "set").mkdir()
    assert _main("roster", "reference-set", "--profile", "oneroster11-csv", "--out", str(tmp_path / "set")) == 0
    assert (tmp_path / "set" / "oneroster11-csv_invalid01.zip").is_file()


@pytest.mark.parametrize(("args", "says"), [
    (["--profile", "nope"], "unknown profile 'nope' for a reference set (known: oneroster11-csv,"),
    (["--profile", "lti13-tool"], "unknown profile 'lti13-tool'"),
    (["--profile", PROFILE, "--school-year", "1900"], "--school-year"),
    (["--profile", PROFILE, "--seed", "x"], "--seed"),
])
def test_bad_arguments_are_one_line_and_write_nothing(tmp_path: Path, capsys, args: list[str], says: str) -> None:
    assert _main("roster", "reference-set", "--out", str(tmp_path / "set"), *args) == 2
    err = capsys.readouterr().err
    _one_line_error(err)
    assert says in err
    assert list(tmp_path.iterdir()) == []


def test_a_file_in_the_way_is_kept(tmp_path: Path, capsys) -> None:
    out = tmp_path / "set"
    out.write_text("keep me", encoding="utf-8")
    assert _main("roster", "reference-set", "--profile", PROFILE, "--out", str(out), "--force") == 2
    err = capsys.readouterr().err
    _one_line_error(err)
    assert "exists and is not a folder" in err and out.read_text(encoding="utf-8") == "keep me"


@pytest.mark.parametrize(("exc", "says"), [
    (OSError(28, "No space left on device"), "renkei: error: cannot write"),
    (KeyboardInterrupt(), "renkei: interrupted by Ctrl-C: nothing was written to"),
])
def test_a_failed_build_leaves_nothing_behind(tmp_path: Path, monkeypatch, capsys, exc: BaseException,
                                              says: str) -> None:
    import renkei.mocks.school_affairs.reference_set as reference_set

    def broken(out: Path, **kwargs: object) -> None:
        (out / f"{PROFILE}_valid01.zip").write_bytes(b"PK half a zip")
        raise exc

    monkeypatch.setattr(reference_set, "build_reference_set", broken)
    assert _main("roster", "reference-set", "--profile", PROFILE, "--out", str(tmp_path / "set")) == 2
    err = capsys.readouterr().err
    assert err.startswith(says) and len(err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []
