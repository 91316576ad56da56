"""Green/red runs of the lti13-platform profiles against the mock 学習eポータル, in-process."""

from __future__ import annotations

import pytest

from renkei.harness.core.profiles import load_profile, resolve
from renkei.harness.core.registry import REGISTRY
from renkei.mocks.eportal import FAULTS
from tests.harness.lti.platform.platform_env import RED, mock_platform_env, not_passed, run_checks


def test_every_mock_fault_has_an_expected_red_set() -> None:
    assert set(RED) == set(FAULTS)


@pytest.mark.parametrize("profile", ["lti13-platform", "lti13-platform-japan"])
def test_green_run_against_the_mock_eportal(profile: str) -> None:
    with mock_platform_env() as target:
        results = run_checks(target, profile)
    assert {cid: [f.message for f in o.findings] for cid, o in results.items() if o.status != "passed"} == {}
    assert len(results) == len(resolve(load_profile(profile)))


@pytest.mark.parametrize("fault", sorted(f for f in RED if RED[f]))  # rest_* faults: tests/mocks/eportal
def test_red_run_fails_exactly_the_expected_checks(fault: str) -> None:
    with mock_platform_env({fault}) as target:
        results = run_checks(target, "lti13-platform-japan")
    assert not_passed(results) == RED[fault]


def test_services_the_platform_does_not_offer_are_skipped_with_the_reason() -> None:
    services = {"deep_linking": True, "nrps": False, "ags": False}
    with mock_platform_env(tool={"nrps": False, "ags": False}, platform={"services": services}) as target:
        results = run_checks(target, "lti13-platform-japan")
    skipped = {cid: o.reason for cid, o in results.items() if o.status == "skipped"}
    assert set(skipped) == {c.id for c in REGISTRY.all()
                            if c.id.startswith(("lti.platform.token.", "lti.platform.nrps.", "lti.platform.ags.",
                                                "lti.platform.svc."))}
    assert "platform.services.nrps" in skipped["lti.platform.nrps.container"]
    assert not_passed(results) == set()


def test_base_profile_warns_when_the_platform_is_not_advantage_complete() -> None:
    services = {"deep_linking": True, "nrps": False, "ags": False}
    with mock_platform_env(tool={"nrps": False, "ags": False}, platform={"services": services}) as target:
        results = run_checks(target, "lti13-platform")
    assert not_passed(results) == {"lti.platform.cert.advantage_complete"}
    assert results["lti.platform.cert.advantage_complete"].status == "warning"
    assert [f.location.column for f in results["lti.platform.cert.advantage_complete"].findings] == [
        "platform.services.nrps", "platform.services.ags"]


def test_profiles_select_their_checks() -> None:
    base = {r.id for r in resolve(load_profile("lti13-platform"))}
    japan = {r.id: r for r in resolve(load_profile("lti13-platform-japan"))}
    assert not any(c.startswith("lti.platform.jp.") for c in base)
    assert set(japan) - base == {"lti.platform.jp.sub_uuid_v4", "lti.platform.jp.full_uri_roles",
                                 "lti.platform.jp.deployment_school_code", "lti.platform.jp.deep_linking_offered"}
    assert base - set(japan) == {"lti.platform.cert.advantage_complete"}
    assert all(japan[c].severity == "warning" for c in japan if c.startswith("lti.platform.jp."))
    assert {c.id for c in REGISTRY.all() if c.kind == "lti-platform"} == base | set(japan)
