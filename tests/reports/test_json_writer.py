from __future__ import annotations

import json
from pathlib import Path

import pytest

from renkei.harness.core.model import Finding, Location, Outcome
from renkei.reports.i18n import UnsupportedLanguage
from renkei.reports.json_writer import write
from tests.reports.factories import HOSTILE, make_check, make_run, mixed_run


def test_writes_the_model_dict_unchanged(tmp_path: Path) -> None:
    run = mixed_run()
    path = write(run, tmp_path / "out")
    assert path == tmp_path / "out" / "result.json"
    text = path.read_text(encoding="utf-8")
    assert json.loads(text) == run.to_json_dict()
    assert "山田" in text  # ensure_ascii=False: Japanese stays readable
    assert HOSTILE in json.loads(text)["checks"][0]["findings"][1]["value"]
    assert json.loads(text)["verdict"] == "fail"


def test_key_order_is_stable_and_follows_the_model(tmp_path: Path) -> None:
    a = write(mixed_run(), tmp_path / "a").read_bytes()
    b = write(mixed_run(), tmp_path / "b").read_bytes()
    assert a == b
    keys = list(json.loads(a))
    assert keys[:5] == ["tool", "profile", "scope", "limitations", "target"]  # no product declared: no key
    assert keys[-1] == "verdict"


def test_passing_run_has_pass_verdict(tmp_path: Path) -> None:
    run = make_run([make_check("a", Outcome.PASSED), make_check("b", Outcome.WARNING)])
    assert json.loads(write(run, tmp_path).read_text("utf-8"))["verdict"] == "pass"


def test_lone_surrogate_from_undecodable_input_is_still_valid_json(tmp_path: Path) -> None:
    bad = "abc\udcff".encode("utf-8", "surrogateescape").decode("utf-8", "surrogateescape")
    finding = Finding(message="not UTF-8", location=Location(file="users.csv", row=2), value=bad)
    run = make_run([make_check("enc", Outcome.FAILED, findings=[finding])])
    data = json.loads(write(run, tmp_path).read_bytes().decode("utf-8"))
    assert data["checks"][0]["findings"][0]["value"] == bad


def test_overwrites_atomically_without_leaving_temp_files(tmp_path: Path) -> None:
    write(mixed_run(), tmp_path)
    write(make_run([make_check("a")]), tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["result.json"]
    assert json.loads((tmp_path / "result.json").read_text("utf-8"))["summary"]["total"] == 1


def test_rejects_unknown_language(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedLanguage, match="'fr'"):
        write(mixed_run(), tmp_path, lang="fr")


def test_out_dir_that_is_a_file_gives_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "out"
    blocker.write_text("x")
    with pytest.raises(OSError, match="cannot create folder .*out"):
        write(mixed_run(), blocker)
