"""A vendor 校務支援 by its OneRoster 1.2 REST provider in the chain, the mocks in the other positions.

The "vendor" is renkei's mock 校務支援 served apart from the chain on a real 127.0.0.1 port and given to it
the way a vendor would: an ``oneroster-rest-provider`` target file (client credentials as ``${ENV}``), and
a hook per school-year event aimed at its admin API (HTTP requests, and one command). The mock e-portal
pulls the roster from it; renkei reads it again after every hook and takes the school year from the
differences. A provider conformant alone that issues new sourcedIds at 年次更新 is found at
``school_affairs``; an event the vendor does not make skips the checks that need it.
"""

from __future__ import annotations

import ssl
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from renkei.harness.core.model import Outcome
from renkei.harness.oneroster.model import rest as R
from renkei.harness.serving import LocalTls
from renkei.mocks.runner import SchoolAffairs, serve_school_affairs
from renkei.mocks.school_affairs.generator import generate_bundle
from renkei.mocks.school_affairs.rest.config import Client
from tests.harness.chain.runs import SMALL, run_chain, write_yaml

# the faults of the mock 校務支援 that only a school year shows, and the chain check that must catch each
SCHOOL_YEAR_FAULTS = {"reissue_ids_at_year_advance": "chain.year.identity_kept"}
GENERATED = {"profile": "oneroster12-csv-jpk12", "municipalities": 1, "schools_per_municipality": 3,
             "students_per_grade": 6, "school_year": 2026, "seed": 5}
CLIENT, SECRET = "vendor-sis", "vendor-sis-secret-01"
# leaving the municipality by a command (no shell), as a vendor's script would call its own API
LEAVE = ("import os, sys, httpx; r = httpx.delete(sys.argv[1] + '/admin/objects/user/' + sys.argv[2], "
         "headers={'Authorization': os.environ['VENDOR_SIS_ADMIN']}, timeout=30); sys.exit(r.status_code != 200)")


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
            without: tuple[str, ...] = (), *, tls: LocalTls | None = None,
            client_auth: str = "basic") -> tuple[Path, SchoolAffairs]:
    """The mock 校務支援 as a vendor's provider; with ``tls`` over https under that private CA, taking only
    ``client_auth`` at its token endpoint (its provider file says both, as a vendor's would)."""
    generate_bundle(tmp / "roster.zip", **GENERATED)
    served = serve_school_affairs(tmp / "roster.zip", generation=GENERATED, clients=[Client(CLIENT, SECRET)],
                                  faults=faults, tls=tls, client_auth=(client_auth,) if tls else ("basic", "form"))
    monkeypatch.setenv("VENDOR_SIS_ID", CLIENT)
    monkeypatch.setenv("VENDOR_SIS_SECRET", SECRET)
    monkeypatch.setenv("VENDOR_SIS_ADMIN", "Bearer " + served.config.admin_key)
    provider: dict[str, Any] = {
        "kind": "oneroster-rest-provider",
        "provider": {"name": "ベンダーの校務支援", "base_url": served.url, "token_url": served.token_url,
                     "client_id": "${VENDOR_SIS_ID}", "client_secret": "${VENDOR_SIS_SECRET}",
                     "client_auth": client_auth}}
    hooks = events(served.url, without)
    if tls is not None:
        (tmp / "vendor-ca.pem").write_bytes(tls.ca_file.read_bytes())
        provider["tls"] = {"ca_file": "vendor-ca.pem"}  # relative to the provider file
        # the leave command would need the CA too; over https the vendor's admin API is one request
        hooks["leave"] = {"url": served.url + "/admin/objects/user/{user}", "method": "DELETE"}
    path = write_yaml(tmp / "rest-provider.yaml", provider)
    chain = {"kind": "chain", **SMALL, "positions": {"school_affairs": {"target": path.name, "events": hooks}}}
    return write_yaml(tmp / "chain.yaml", chain), served


def test_a_vendor_school_affairs_by_its_rest_provider(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target, served = _vendor(tmp_path, monkeypatch)
    try:
        run = run_chain(target)
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


def test_a_vendor_provider_over_https_with_a_private_ca_taking_only_form_auth(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tls = LocalTls(tmp_path / "vendor-tls")  # the vendor's own CA, trusted nowhere but in its provider file
    target, served = _vendor(tmp_path, monkeypatch, tls=tls, client_auth="form")
    try:
        assert served.url.startswith("https://")
        basic = httpx.post(served.token_url, auth=(CLIENT, SECRET), verify=ssl.create_default_context(cafile=tls.ca_file), timeout=10,
                           data={"grant_type": "client_credentials", "scope": R.SCOPE_CORE})
        assert basic.status_code == 401  # the provider really refuses Basic
        run = run_chain(target)
        log = httpx.get(served.url + "/admin/requests", headers={"Authorization": "Bearer " + served.config.admin_key},
                        verify=ssl.create_default_context(cafile=tls.ca_file), timeout=10).json()["requests"]
    finally:
        served.stop()
    assert {c.id: c.error or c.skip_reason for c in run.checks if c.outcome is not Outcome.PASSED} == {}
    chain = run.target["chain"]
    kinds = [e["kind"] for e in chain["timeline"] if e["position"] == "school_affairs"]
    assert {"change.year_advance", "change.transfer", "change.rename", "change.class_change", "change.leave"} <= set(kinds)
    # the mock e-portal (roster-core.readonly) pulled every phase over https with its form-auth token
    tokens = [r for r in log if r["path"].endswith("/oauth/token")]
    assert [r["status"] for r in tokens if r["status"] != 200] == [401]  # only the Basic probe above was refused
    assert (R.SCOPE_CORE,) in {tuple(r["scopes"]) for r in tokens if r["client_id"] == CLIENT}
    pulls = [r for r in log if r["path"].endswith("/users") and tuple(r["scopes"]) == (R.SCOPE_CORE,)]
    assert len(pulls) >= 3  # one import per phase


def test_a_provider_that_issues_new_sourced_ids_at_年次更新_is_found_at_the_school_affairs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target, served = _vendor(tmp_path, monkeypatch, faults=("reissue_ids_at_year_advance",))
    try:
        run = run_chain(target)
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
        run = run_chain(target)
    finally:
        served.stop()
    not_passed = {c.id: (c.outcome, c.skip_reason) for c in run.checks if c.outcome is not Outcome.PASSED}
    assert set(not_passed) == {"chain.transfer.identity_kept", "chain.transfer.old_school_refused",
                               "chain.lifecycle.left_class_refused"}
    for outcome, reason in not_passed.values():
        assert outcome is Outcome.SKIPPED
        assert reason and "declares no" in reason and "hook" in reason
