"""Statement files through the runner and the CLI, end to end: the green file passes both profiles, the red
one fails with findings that name the statement, the line and the JSON path; bad targets are one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from renkei.harness.cli import main
from renkei.harness.core.session import RunOptions
from renkei.harness.runner import execute

DATA = Path(__file__).parent / "data"


def _run(profile: str, target: str, out: Path):  # type: ignore[no-untyped-def]
    return execute(RunOptions(profile=profile, target=str(DATA / target), out_dir=out, lang="en"), quiet=True)


@pytest.mark.parametrize("profile", ["xapi-statements", "xapi-statements-japan"])
def test_the_green_file_passes(tmp_path, profile):
    result = _run(profile, "green-target.yaml", tmp_path)
    bad = [(c.id, c.outcome.value, c.error, [f.message for f in c.findings][:2]) for c in result.checks
           if c.outcome.value not in ("passed", "skipped")]
    assert result.verdict == "pass" and not bad, bad
    assert result.target["statements_read"] == 20
    skipped = {c.id for c in result.checks if c.outcome.value == "skipped"}
    assert "xapi.statements.received" in skipped  # a file, not a capture
    if profile == "xapi-statements-japan":
        assert {"xapi.jp.actor.launched_user", "xapi.profile.templates"} & skipped == set()


def test_the_red_file_fails_with_located_findings(tmp_path):
    result = _run("xapi-statements-japan", "red-target.yaml", tmp_path)
    assert result.verdict == "fail"
    by_id = {c.id: c for c in result.checks}
    assert by_id["xapi.statements.data.statement"].outcome.value == "failed"
    assert by_id["xapi.jp.actor.launched_user"].outcome.value == "failed"
    for check_id in ("xapi.jp.actor.account", "xapi.jp.score.arithmetic", "xapi.jp.ext.grade",
                     "xapi.jp.ext.course_of_study_code", "xapi.jp.common.included"):
        assert by_id[check_id].outcome.value == "warning", check_id
    uuid_finding = by_id["xapi.statements.data.statement"].findings[0]
    loc = uuid_finding.location
    assert (loc.file, loc.index, loc.column, loc.entry) == ("red.json", 4, "$.id", "not-a-uuid")
    assert loc.row is not None and loc.row > 1
    score = by_id["xapi.jp.score.arithmetic"].findings[0]
    assert score.location.column == "$.result.score.scaled" and score.location.index == 2 and score.value == "0.95"
    written = json.loads((tmp_path / "result.json").read_text(encoding="utf-8"))
    assert written["verdict"] == "fail" and written["target"]["statements_read"] == 6


def test_the_cli_exit_codes(tmp_path, capsys):
    with pytest.raises(SystemExit) as ok:
        main(["run", "--profile", "xapi-statements-japan", "--target", str(DATA / "green-target.yaml"),
              "--out", str(tmp_path / "g")])
    assert ok.value.code == 0
    with pytest.raises(SystemExit) as bad:
        main(["run", "--profile", "xapi-statements-japan", "--target", str(DATA / "red-target.yaml"),
              "--out", str(tmp_path / "r")])
    assert bad.value.code == 1


@pytest.mark.parametrize("target, message", [
    ("kind: xapi-statements\nsource: file\n", "a 'file' section"),
    ("kind: xapi-statements\nsource: file\nfile: {path: nowhere.ndjson}\n", "file does not exist"),
    ("kind: xapi-statements\nsource: capture\ncapture: {client: {secret: plain}}\n", "${ENV_VAR} reference"),
    ("kind: xapi-statements\nsource: file\nfile: {path: x}\nprofiles: [missing.json]\n", "profile document"),
])
def test_bad_targets_are_one_line_exit_2(tmp_path, capsys, target, message):
    path = tmp_path / "target.yaml"
    path.write_text(target, encoding="utf-8")
    with pytest.raises(SystemExit) as exited:
        main(["run", "--profile", "xapi-statements", "--target", str(path), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert exited.value.code == 2 and message in err and "Traceback" not in err, err
