"""The chain profile against the mock chain on real 127.0.0.1 ports: green as shipped; red, and located at the
right position and record, with the e-portal that re-issues sub after 年次更新 and the app that reports the login
name as the actor."""

from __future__ import annotations

from pathlib import Path

import yaml

from renkei.harness.core.model import Outcome, RunResult
from tests.harness.chain.runs import run_chain


def _target(tmp: Path, *, eportal: list[str] | None = None, app: list[str] | None = None,
            import_mode: str = "rest") -> Path:
    path = tmp / "chain.yaml"
    path.write_text(yaml.safe_dump({
        "kind": "chain", "name": "test chain",
        "mocks": {"roster": {"schools": 3, "students_per_grade": 4, "seed": 7}, "import": import_mode,
                  "eportal_faults": eportal or [], "app_faults": app or []},
        "scenario": {"classes_per_school": 2, "learners_per_class": 1, "refusals": 1},
        "observation": {"xapi_wait_seconds": 20, "xapi_idle_seconds": 0.8},
    }, allow_unicode=True), encoding="utf-8")
    return path


def _by_id(run: RunResult) -> dict[str, Outcome]:
    return {c.id: c.outcome for c in run.checks}


def test_the_mock_chain_is_green(tmp_path: Path) -> None:
    run = run_chain(_target(tmp_path))
    bad = {c.id: (c.error, [f.message for f in c.findings[:3]]) for c in run.checks if c.outcome is not Outcome.PASSED}
    assert not bad, bad
    chain = run.target["chain"]
    assert [p["name"] for p in chain["phases"]] == ["start", "year_advance", "changes"]
    assert [p["school_year"] for p in chain["phases"]] == ["2026", "2027", "2027"]
    kinds = [e["kind"] for e in chain["timeline"]]
    for kind in ("roster.read", "import", "launch", "nrps", "xapi", "change.year_advance", "change.transfer",
                 "change.rename", "change.class_change", "change.leave", "join"):
        assert kind in kinds
    assert all(e["ok"] for e in chain["timeline"]) and not chain["problems"]
    assert all(p["launches"] and p["statements"] for p in chain["phases"])  # every phase saw launches and logs


def test_the_csv_push_is_green_too(tmp_path: Path) -> None:
    run = run_chain(_target(tmp_path, import_mode="csv"))
    assert {c.id for c in run.checks if c.outcome is not Outcome.PASSED} == set()


def test_an_eportal_that_reissues_sub_after_年次更新_is_found_at_the_eportal(tmp_path: Path) -> None:
    run = run_chain(_target(tmp_path, eportal=["reissue_sub_after_year_advance"]))
    failed = {c.id for c in run.checks if c.outcome is Outcome.FAILED}
    assert failed == {"chain.link.sub", "chain.link.nrps_user_id", "chain.year.identity_kept", "chain.xapi.joinable"}
    for c in run.checks:
        if c.id in failed:
            assert {f.location.file for f in c.findings} == {"eportal"}, c.id
            # the break starts at 年次更新: nothing is found at the start of the year
            assert not [f for f in c.findings if (f.location.endpoint or "").startswith("[start]")], c.id
    assert {o for i, o in _by_id(run).items() if i not in failed} == {Outcome.PASSED}


def test_an_app_that_reports_the_login_name_is_found_at_the_app(tmp_path: Path) -> None:
    run = run_chain(_target(tmp_path, app=["xapi_actor_login_name"]))
    failed = {c.id for c in run.checks if c.outcome is Outcome.FAILED}
    assert {"chain.link.xapi_actor", "chain.xapi.joinable", "chain.pii.xapi"} <= failed
    assert failed <= {"chain.link.xapi_actor", "chain.link.xapi_reported", "chain.year.identity_kept",
                      "chain.transfer.identity_kept", "chain.xapi.joinable", "chain.pii.xapi"}
    for c in run.checks:
        if c.id in failed:
            assert {f.location.file for f in c.findings} == {"app"}, c.id
    actor = next(c for c in run.checks if c.id == "chain.link.xapi_actor")
    assert any("login name" in f.message for f in actor.findings)
