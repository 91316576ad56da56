"""Every xapi-lrs check passes against the reference LRS (the mock) in 1.0.3 and 2.0, and each mock fault
fails exactly the checks whose rule it breaks."""

from __future__ import annotations

import re

import pytest

from renkei.harness.core.registry import REGISTRY
from renkei.harness.xapi.lrs import corpus
from renkei.harness.xapi.lrs.requirements import CONFIRMED
from renkei.mocks.lrs.config import FAULTS
from tests.harness.xapi.lrs.lrs_env import bad, open_lrs, run

FAULT_CHECKS: dict[str, set[str]] = {
    "accepts_missing_actor": {"xapi.data.structure", "xapi.comm.statements.batch"},
    "ignores_voiding": {"xapi.data.voiding"},
    "no_etag_checks": {"xapi.comm.documents.etag", "xapi.comm.documents.conflict"},
    "wrong_version_header": {"xapi.comm.version.header"},
    "drops_more": {"xapi.comm.statements.more"},
    "no_consistent_through": {"xapi.comm.statements.consistent_through"},
    "accepts_bad_timestamp": {"xapi.data.timestamp"},
    "no_auth": {"xapi.comm.auth"},
    "mutates_statement": {"xapi.data.roundtrip", "xapi.data.voiding", "xapi.comm.statements.immutable",
                          "xapi.comm.statements.post", "xapi.data.signature", "xapi.comm.alternate"},
    "post_merge_replaces": {"xapi.comm.documents.merge"},
    "accepts_bad_signature": {"xapi.data.signature"},
    "no_alternate_syntax": {"xapi.comm.alternate"},
    "alternate_syntax_in_2_0": {"xapi.comm.alternate.removed"},
}
# checks of one version only (skipped in the other), so a fault that breaks them fails nothing there
ONLY_IN = {"xapi.comm.alternate": "1.0.3", "xapi.comm.alternate.removed": "2.0.0"}
ALL = {"attachments": True}


@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
def test_the_mock_passes_every_check(version: str) -> None:
    lrs = open_lrs(version=version, declares=ALL)
    try:
        results = run(lrs.target)
    finally:
        lrs.close()
    assert not bad(results)
    skipped = {cid for cid, o in results.items() if o.outcome == "skipped"}
    assert skipped == ({"xapi.comm.alternate.removed"} if version == "1.0.3" else
                       {"xapi.data.context.arrays", "xapi.comm.alternate"})


@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
@pytest.mark.parametrize("fault", sorted(FAULT_CHECKS))
def test_each_fault_fails_its_checks(fault: str, version: str) -> None:
    lrs = open_lrs((fault,), version=version, declares=ALL)
    try:
        results = run(lrs.target)
    finally:
        lrs.close()
    failing = bad(results)
    assert set(failing) == {c for c in FAULT_CHECKS[fault] if ONLY_IN.get(c, version) == version}
    assert {o for o, _, _ in failing.values()} <= {"failed"}  # findings, not "not evaluated"


def test_every_mock_fault_is_covered() -> None:
    assert set(FAULT_CHECKS) == set(FAULTS)


def test_undeclared_resources_are_skipped_with_the_reason() -> None:
    lrs = open_lrs(declares={"state": False, "activity_profile": False, "agent_profile": False, "about": False,
                             "agents": False, "activities": False})
    try:
        results = run(lrs.target, "xapi.comm.*")
    finally:
        lrs.close()
    for cid in ("xapi.comm.documents.roundtrip", "xapi.comm.about", "xapi.comm.agents", "xapi.comm.activities",
                "xapi.comm.attachments"):
        assert results[cid].outcome == "skipped" and "declare" in results[cid].reason


def test_every_cited_requirement_id_is_confirmed() -> None:
    cited = {i for d in REGISTRY.match("xapi.*", kind="xapi-lrs") for i in re.findall(r"XAPI-\d{5}", d.requirement)}
    cited |= {i for c in corpus.CORPUS for i in re.findall(r"XAPI-\d{5}", c.requirement)}
    assert cited and cited <= set(CONFIRMED)


def test_everything_written_is_run_marked() -> None:
    lrs = open_lrs(declares=ALL)
    try:
        run(lrs.target, "xapi.comm.statements.*")
        answer = lrs.target.client.request("GET", "statements", params={"limit": "0"}).json()
    finally:
        lrs.close()
    objects = [s["object"].get("id", "") for s in answer["statements"] if s["object"].get("objectType") != "StatementRef"]
    assert objects and all(o.startswith(lrs.target.run_iri) for o in objects)
