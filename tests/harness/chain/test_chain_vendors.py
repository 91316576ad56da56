"""A vendor's product in one position, the mocks in the others, on real 127.0.0.1 ports.

The "vendors" here are renkei's own mocks run apart from the chain and given to it by the files a vendor
writes: a 校務支援's three OneRoster CSV exports, an app's ``lti-tool`` target file. A product that is
conformant alone but breaks a link (a 校務支援 that issues new UUIDs at 年次更新; an app that reports the
login name) is found at its position.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest

from renkei.harness.core.model import Outcome
from renkei.harness.serving import free_port
from renkei.mocks.app.xapi import LrsEndpoint
from renkei.mocks.chain.school_year import class_change, leave
from renkei.mocks.runner import serve_app
from renkei.mocks.school_affairs.generator import generate_bundle
from renkei.mocks.school_affairs.rest import lifecycle
from renkei.mocks.school_affairs.rest.exports import write_export
from renkei.mocks.school_affairs.rest.store import RosterStore
from tests.harness.chain.runs import SMALL, run_chain, write_yaml

GENERATED = {"profile": "oneroster12-csv-jpk12", "municipalities": 1, "schools_per_municipality": 3,
             "students_per_grade": 6, "school_year": 2026, "seed": 5}


def _export(store: RosterStore, path: Path) -> Path:
    with path.open("wb") as out:
        write_export(store, out, since=None, demographics=False)
    return path


def _school_year_exports(tmp: Path) -> dict[str, str]:
    """A vendor 校務支援's exports: 年度当初, after 年次更新, after the mid-year events."""
    generate_bundle(tmp / "generated.zip", **GENERATED)
    store = RosterStore()
    store.load_bundle(tmp / "generated.zip")
    lifecycle.remember_generation(store, **GENERATED)
    paths = {"start": str(_export(store, tmp / "start.zip"))}
    lifecycle.advance_year(store)
    paths["year_advance"] = str(_export(store, tmp / "year.zip"))
    classes = {c["sourcedId"]: c for c in store.iter_docs("class") if c["status"] == "active"}
    users = [u for u in store.iter_docs("user") if u["status"] == "active" and u["roles"][0]["role"] == "student"
             and u.get("grades") == ["P3"] and classes[u["metadata"]["jp"]["homeClass"]]["title"] != "特別支援学級"]
    schools = sorted({u["roles"][0]["org"]["sourcedId"] for u in users})
    moved, renamed, changed, gone = [u["sourcedId"] for u in users if u["roles"][0]["org"]["sourcedId"] == schools[0]][:4]
    lifecycle.transfer(store, moved, schools[1])
    lifecycle.edit(store, "user", renamed, {"givenName": "訂正"})
    special = next(k for k, c in classes.items() if c["title"] == "特別支援学級" and c["school"]["sourcedId"] == schools[0])
    class_change(store, changed, special)
    leave(store, gone)
    paths["changes"] = str(_export(store, tmp / "changes.zip"))
    store.close()
    return paths


def _reissue_identifiers(bundle: Path) -> None:
    """The 校務支援 that issues every pupil a new userMasterIdentifier at 年次更新."""
    with zipfile.ZipFile(bundle) as zf:
        files = {n: zf.read(n) for n in zf.namelist()}
    rows = list(csv.DictReader(io.StringIO(files["users.csv"].decode("utf-8"))))
    for row in rows:
        row["userMasterIdentifier"] = row["userMasterIdentifier"][:-4] + "beef"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    files["users.csv"] = out.getvalue().encode("utf-8")
    with zipfile.ZipFile(bundle, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)


def test_a_vendor_school_affairs_by_its_csv_exports(tmp_path: Path) -> None:
    bundles = _school_year_exports(tmp_path)
    target = write_yaml(tmp_path / "chain.yaml", {"kind": "chain", "mocks": {"import": "csv"}, **SMALL,
                                              "positions": {"school_affairs": {"name": "校務支援 X", "bundles": bundles}}})
    run = run_chain(target)
    assert {c.id: c.error for c in run.checks if c.outcome is not Outcome.PASSED} == {}
    assert run.target["chain"]["positions"]["school_affairs"]["mock"] is False
    kinds = {e["kind"] for e in run.target["chain"]["timeline"]}
    assert {"change.transfer", "change.rename", "change.class_change", "change.leave"} <= kinds


def test_a_school_affairs_that_reissues_identifiers_at_年次更新_is_found_there(tmp_path: Path) -> None:
    bundles = _school_year_exports(tmp_path)
    _reissue_identifiers(Path(bundles["year_advance"]))
    target = write_yaml(tmp_path / "chain.yaml", {"kind": "chain", "mocks": {"import": "csv"}, **SMALL,
                                              "positions": {"school_affairs": {"bundles": bundles}}})
    run = run_chain(target)
    kept = next(c for c in run.checks if c.id == "chain.year.identity_kept")
    assert kept.outcome is Outcome.FAILED and {f.location.file for f in kept.findings} == {"school_affairs"}
    assert all(f.location.claim == "users.userMasterIdentifier" for f in kept.findings)
    joined = next(c for c in run.checks if c.id == "chain.xapi.joinable")  # the 年度当初 history is lost
    assert joined.outcome is Outcome.FAILED and {f.location.file for f in joined.findings} == {"school_affairs"}


def _vendor_app(tmp: Path, faults: tuple[str, ...]) -> tuple[Path, dict]:
    eportal, lrs = free_port(), free_port()
    app = serve_app(platform_issuer=f"http://127.0.0.1:{eportal}", client_id="vendor-app", deployment_ids=["dep-1"],
                    keys_dir=tmp / "app-keys", faults=faults,
                    lrs=LrsEndpoint(url=f"http://127.0.0.1:{lrs}/xapi/", key="vendor-app", secret="vendor-lrs-secret-1"))
    tool = write_yaml(tmp / "tool.yaml", {
        "kind": "lti-tool",
        "tool": {"name": "ベンダーの学習アプリ", "login_url": app.url + "/login", "redirect_uris": [app.url + "/launch"],
                 "target_link_uri": app.url + "/launch", "jwks_url": app.url + "/jwks", "client_id": "vendor-app",
                 "deployment_ids": ["dep-1"]},
        "harness": {"base_url": "http://127.0.0.1:1"},
        "observation": {"accept": {"status": [200], "marker_id": "lti-launch"}}})
    chain = {"kind": "chain", **SMALL, "mocks": {"listen": {"eportal": eportal, "lrs": lrs}},
             "positions": {"app": {"target": str(tool), "lrs_client": {"key": "vendor-app", "secret": "${VENDOR_LRS}"}}}}
    return write_yaml(tmp / "chain.yaml", chain), {"server": app}


@pytest.mark.parametrize("faults", [(), ("xapi_actor_login_name",)])
def test_a_vendor_app_by_its_lti_tool_target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             faults: tuple[str, ...]) -> None:
    monkeypatch.setenv("VENDOR_LRS", "vendor-lrs-secret-1")
    target, served = _vendor_app(tmp_path, faults)
    try:
        run = run_chain(target)
    finally:
        served["server"].stop()
    failed = {c.id for c in run.checks if c.outcome is Outcome.FAILED}
    if not faults:
        assert {c.id: c.error for c in run.checks if c.outcome is not Outcome.PASSED} == {}
        assert run.target["chain"]["positions"]["app"] == {"mock": False, "name": "ベンダーの学習アプリ",
                                                           "target": str(tmp_path / "tool.yaml"), "faults": []}
    else:
        assert {"chain.link.xapi_actor", "chain.xapi.joinable", "chain.pii.xapi"} <= failed
        for c in run.checks:
            if c.id in failed:
                assert {f.location.file for f in c.findings} == {"app"}, c.id


def _vendor_eportal(tmp: Path, faults: tuple[str, ...]) -> tuple[Path, object]:
    from renkei.mocks.eportal.roster import Roster
    from renkei.mocks.runner import (
        APP_CLIENT_ID,
        DEPLOYMENT_ID,
        NRPS_READER_ID,
        mock_app_registration,
        nrps_reader_registration,
        serve_eportal,
    )

    app_port = free_port()
    key = tmp / "reader.pem"
    eportal = serve_eportal(None, [mock_app_registration(f"http://127.0.0.1:{app_port}"), nrps_reader_registration(key)],
                            roster=Roster(), keys_dir=tmp / "eportal-keys", faults=faults)
    url = eportal.url
    platform = write_yaml(tmp / "platform.yaml", {
        "kind": "lti-platform",
        "platform": {"name": "ベンダーの学習eポータル", "issuer": url, "client_id": APP_CLIENT_ID,
                     "deployment_ids": [DEPLOYMENT_ID], "auth_url": url + "/auth", "token_url": url + "/token",
                     "jwks_url": url + "/jwks"},
        "launches": {"mode": "scripted", "scenarios": {"instructor": url + "/launch?user=t", "student": url + "/launch?user=s"}},
        "harness": {"base_url": "http://127.0.0.1:1"}})
    chain = {"kind": "chain", **SMALL, "mocks": {"listen": {"app": app_port}},
             "positions": {"eportal": {
                 "target": str(platform),
                 "launch_url": url + "/launch?client_id={client_id}&user={user}&context={context}&pii={pii}",
                 "import": {"mode": "scripted", "url": url + "/admin/roster/import",
                            "body": {"base_url": "{base_url}", "token_url": "{token_url}", "client_id": "{client_id}",
                                     "client_secret": "{client_secret}"}},
                 "nrps": {"token_url": url + "/token", "client_id": NRPS_READER_ID, "deployment_id": DEPLOYMENT_ID,
                          "key_file": str(key), "memberships_url": url + "/nrps/{context}"}}}}
    return write_yaml(tmp / "chain.yaml", chain), eportal


@pytest.mark.parametrize("faults", [(), ("reissue_sub_after_year_advance",)])
def test_a_vendor_eportal_by_its_lti_platform_target(tmp_path: Path, faults: tuple[str, ...]) -> None:
    target, eportal = _vendor_eportal(tmp_path, faults)
    try:
        run = run_chain(target)
    finally:
        eportal.stop()  # type: ignore[attr-defined]
    failed = {c.id for c in run.checks if c.outcome is Outcome.FAILED}
    if not faults:
        assert {c.id: c.error for c in run.checks if c.outcome is not Outcome.PASSED} == {}
        assert run.target["chain"]["positions"]["eportal"]["mock"] is False
    else:
        assert failed == {"chain.link.sub", "chain.link.nrps_user_id", "chain.year.identity_kept", "chain.xapi.joinable"}
        for c in run.checks:
            if c.id in failed:
                assert {f.location.file for f in c.findings} == {"eportal"}, c.id


def test_a_vendor_lrs_by_its_xapi_lrs_target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from renkei.mocks.lrs.config import LrsClient, LrsConfig
    from renkei.mocks.lrs.server import serve_lrs

    monkeypatch.setenv("VENDOR_LRS_KEY", "vendor-lrs")
    monkeypatch.setenv("VENDOR_LRS_SECRET", "vendor-lrs-secret-01")
    with serve_lrs(LrsConfig(clients=[LrsClient(key="vendor-lrs", secret="vendor-lrs-secret-01")])) as lrs:
        lrs_file = write_yaml(tmp_path / "lrs.yaml", {"kind": "xapi-lrs", "lrs": {
            "name": "ベンダーの LRS", "endpoint": lrs.url + "/", "key": "${VENDOR_LRS_KEY}",
            "secret": "${VENDOR_LRS_SECRET}"}})
        run = run_chain(write_yaml(tmp_path / "chain.yaml", {"kind": "chain", **SMALL,
                                                    "positions": {"lrs": {"target": str(lrs_file)}}}))
    assert {c.id: c.error for c in run.checks if c.outcome is not Outcome.PASSED} == {}
    assert run.target["chain"]["positions"]["lrs"]["name"] == "ベンダーの LRS"
