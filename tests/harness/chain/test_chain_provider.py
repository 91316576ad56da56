"""A vendor 校務支援 by its OneRoster 1.2 REST provider in the chain, the mocks in the other positions.

The "vendor" is renkei's mock 校務支援 served apart from the chain on a real 127.0.0.1 port and given to it
the way a vendor would: an ``oneroster-rest-provider`` target file (client credentials as ``${ENV}``), and
a hook per school-year event aimed at its admin API (HTTP requests, and one command). The mock e-portal
pulls the roster from it; renkei reads it again after every hook and takes the school year from the
differences. A provider conformant alone that issues new sourcedIds at 年次更新 is found at
``school_affairs``; an event the vendor does not make skips the checks that need it.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from renkei.harness.core import secret_registry
from renkei.harness.core.model import Outcome, RunResult
from renkei.harness.core.session import RunOptions, RunSession
from renkei.harness.oneroster.model import rest as R
from renkei.mocks.runner import SchoolAffairs, serve_school_affairs
from renkei.mocks.school_affairs.generator import generate_bundle
from renkei.mocks.school_affairs.rest.config import Client

# the faults of the mock 校務支援 that only a school year shows, and the chain check that must catch each
SCHOOL_YEAR_FAULTS = {"reissue_ids_at_year_advance": "chain.year.identity_kept"}
GENERATED = {"profile": "oneroster12-csv-jpk12", "municipalities": 1, "schools_per_municipality": 3,
             "students_per_grade": 6, "school_year": 2026, "seed": 5}
SMALL = {"scenario": {"classes_per_school": 2, "learners_per_class": 1, "refusals": 1},
         "observation": {"xapi_wait_seconds": 20, "xapi_idle_seconds": 0.8}}
CLIENT, SECRET = "vendor-sis", "vendor-sis-secret-01"
# leaving the municipality by a command (no shell), as a vendor's script would call its own API
LEAVE = ("import os, sys, httpx; r = httpx.delete(sys.argv[1] + '/admin/objects/user/' + sys.argv[2], "
         "headers={'Authorization': os.environ['VENDOR_SIS_ADMIN']}, timeout=30); sys.exit(r.status_code != 200)")


@pytest.fixture(autouse=True)
def _fresh_secret_registry() -> None:
    secret_registry.begin_run()


def _write(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _run(target: Path) -> RunResult:
    session = RunSession.create(RunOptions(profile="chain-japan", target=str(target)))
    for check in session.checks:
        session.run_check(check)
    return session.finish()


def events(url: str, without: tuple[str, ...] = ()) -> dict[str, Any]:
    """Hooks at the mock 校務支援's admin API, as a vendor would aim them at its own."""
    hooks: dict[str, Any] = {
        "secrets": {"headers": {"Authorization": "${VENDOR_SIS_ADMIN}"}},
        "year_advance": {"url": url + "/admin/year-advance", "method": "POST"},
        "transfer": {"url": url + "/admin/transfer", "body": {"user": "{user}", "toSchool": "{to_school}"}},
        "rename": {"url": url + "/admin/objects/user/{user}", "method": "PATCH",
                   "body": {"familyName": "{family_name}", "givenName": "{given_name}"}},
        "class_change": {"url": url + "/admin/objects/enrollment/{enrollment}", "method": "PATCH",
                         "body": {"class": {"href": url + R.ROSTERING_PATH + "/classes/{to_class}",
                                            "sourcedId": "{to_class}", "type": "class"}}},
        "leave": {"mode": "hook", "command": [sys.executable, "-c", LEAVE, url, "{user}"], "wait_seconds": 60},
    }
    return {k: v for k, v in hooks.items() if k not in without}


def _vendor(tmp: Path, monkeypatch: pytest.MonkeyPatch, faults: tuple[str, ...] = (),
            without: tuple[str, ...] = ()) -> tuple[Path, SchoolAffairs]:
    generate_bundle(tmp / "roster.zip", **GENERATED)
    served = serve_school_affairs(tmp / "roster.zip", generation=GENERATED, clients=[Client(CLIENT, SECRET)],
                                  faults=faults)
    monkeypatch.setenv("VENDOR_SIS_ID", CLIENT)
    monkeypatch.setenv("VENDOR_SIS_SECRET", SECRET)
    monkeypatch.setenv("VENDOR_SIS_ADMIN", "Bearer " + served.config.admin_key)
    provider = _write(tmp / "rest-provider.yaml", {
        "kind": "oneroster-rest-provider",
        "provider": {"name": "ベンダーの校務支援", "base_url": served.url, "token_url": served.token_url,
                     "client_id": "${VENDOR_SIS_ID}", "client_secret": "${VENDOR_SIS_SECRET}"}})
    chain = {"kind": "chain", **SMALL,
             "positions": {"school_affairs": {"target": provider.name, "events": events(served.url, without)}}}
    return _write(tmp / "chain.yaml", chain), served


def test_a_vendor_school_affairs_by_its_rest_provider(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target, served = _vendor(tmp_path, monkeypatch)
    try:
        run = _run(target)
        log = httpx.get(served.url + "/admin/requests", headers={"Authorization": "Bearer " + served.config.admin_key},
                        timeout=10).json()["requests"]
    finally:
        served.stop()
    assert {c.id: c.error or c.skip_reason for c in run.checks if c.outcome is not Outcome.PASSED} == {}
    chain = run.target["chain"]
    assert chain["positions"]["school_affairs"] == {"mock": False, "name": "ベンダーの校務支援",
                                                     "target": str(tmp_path / "rest-provider.yaml"), "faults": []}
    kinds = [e["kind"] for e in chain["timeline"] if e["position"] == "school_affairs"]
    assert {"change.year_advance", "change.transfer", "change.rename", "change.class_change", "change.leave"} <= set(kinds)
    assert chain["phases"][1]["school_year"] == "2027"
    # renkei (roster.readonly) and the mock e-portal (roster-core.readonly) both read the vendor's provider
    scopes = {tuple(r["scopes"]) for r in log if r["path"].endswith("/users") and r["client_id"] == CLIENT}
    assert {(R.SCOPE_ROSTER,), (R.SCOPE_CORE,)} <= scopes
    for secret in (SECRET, served.config.admin_key):
        assert secret not in str(run.target) and secret not in str([c.findings for c in run.checks])


def test_a_provider_that_issues_new_sourced_ids_at_年次更新_is_found_at_the_school_affairs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target, served = _vendor(tmp_path, monkeypatch, faults=("reissue_ids_at_year_advance",))
    try:
        run = _run(target)
    finally:
        served.stop()
    failed = {c.id: c for c in run.checks if c.outcome is Outcome.FAILED}
    assert set(SCHOOL_YEAR_FAULTS.values()) <= set(failed)
    for c in failed.values():
        assert {f.location.file for f in c.findings} == {"school_affairs"}, c.id
    kept = failed["chain.year.identity_kept"]
    assert {f.location.claim for f in kept.findings} == {"users.sourcedId"}
    assert all(f.location.endpoint.startswith("[year_advance]") for f in kept.findings)


def test_an_event_the_vendor_does_not_make_skips_the_checks_that_need_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target, served = _vendor(tmp_path, monkeypatch, without=("transfer", "class_change"))
    try:
        run = _run(target)
    finally:
        served.stop()
    not_passed = {c.id: (c.outcome, c.skip_reason) for c in run.checks if c.outcome is not Outcome.PASSED}
    assert set(not_passed) == {"chain.transfer.identity_kept", "chain.transfer.old_school_refused",
                               "chain.lifecycle.left_class_refused"}
    for outcome, reason in not_passed.values():
        assert outcome is Outcome.SKIPPED
        assert reason and "declares no" in reason and "hook" in reason
