"""Green/red runs of the lti13-tool profiles against the mock Tool (renkei.mocks.app), in-process."""

from __future__ import annotations

import pytest

from renkei.harness.core.profiles import load_profile, resolve
from renkei.harness.core.registry import REGISTRY
from renkei.mocks.app import FAULTS
from tests.harness.lti.tool.tool_env import mock_tool_env, not_passed, run_checks

# fault -> the exact checks that must then fail (lti13-tool-japan = base + Japanese overlay)
RED: dict[str, set[str]] = {
    "skip_aud_check": {"lti.tool.sec.wrong_aud", "lti.tool.sec.extra_aud"},
    "skip_signature_check": {"lti.tool.cert.no_kid", "lti.tool.cert.unknown_kid", "lti.tool.sec.bad_signature",
                             "lti.tool.sec.alg_none", "lti.tool.sec.alg_hs256_public_key"},
    "accept_alg_none": {"lti.tool.sec.alg_none"},
    "skip_nonce_replay": {"lti.tool.sec.nonce_replay"},
    "skip_state_check": {"lti.tool.sec.state_mismatch"},
    "skip_exp_check": {"lti.tool.sec.expired", "lti.tool.cert.bad_timestamps"},
    "accept_missing_exp": {"lti.tool.sec.no_exp"},
    "skip_deployment_check": {"lti.tool.core.unknown_deployment"},
    "dl_no_data_echo": {"lti.tool.dl.data"},
    "assertion_wrong_aud": {"lti.tool.svc.assertion_claims"},
}


def test_every_mock_fault_has_an_expected_red_set() -> None:
    # the xapi_* faults break the app's study logs, not its LTI side: tests/harness/xapi/statements judge them
    assert set(RED) == {f for f in FAULTS if not f.startswith("xapi_")}


@pytest.mark.parametrize("profile", ["lti13-tool", "lti13-tool-japan"])
def test_green_run_against_the_mock_tool(profile: str) -> None:
    with mock_tool_env() as target:
        results = run_checks(target, profile)
    assert {cid: o.findings[0].message for cid, o in results.items() if o.status != "passed"} == {}
    assert len(results) == len(resolve(load_profile(profile)))


@pytest.mark.parametrize("fault", sorted(RED))
def test_red_run_fails_exactly_the_expected_checks(fault: str) -> None:
    with mock_tool_env({fault}) as target:
        results = run_checks(target, "lti13-tool-japan")
    assert not_passed(results) == RED[fault]


def test_services_the_tool_does_not_use_are_skipped_with_the_reason() -> None:
    with mock_tool_env(tool={"services": {"deep_linking": True, "nrps": False, "ags": False}}) as target:
        results = run_checks(target, "lti13-tool")
    skipped = {cid: o.reason for cid, o in results.items() if o.status == "skipped"}
    assert set(skipped) == {c.id for c in REGISTRY.all()
                            if c.id.startswith(("lti.tool.svc.", "lti.tool.nrps.", "lti.tool.ags."))}
    assert "tool.services" in skipped["lti.tool.nrps.accept"]
    assert not_passed(results) == set()


def test_profiles_select_their_checks() -> None:
    base = {r.id for r in resolve(load_profile("lti13-tool"))}
    japan = {r.id for r in resolve(load_profile("lti13-tool-japan"))}
    assert not any(c.startswith("lti.tool.jp.") for c in base)
    assert japan - base == {"lti.tool.jp.sub_uuid_v4", "lti.tool.jp.full_uri_roles",
                            "lti.tool.jp.deployment_school_code", "lti.tool.jp.deep_linking_offered"}
    assert len([c for c in base if c.startswith("lti.tool.cert.") and c.count(".") == 4]) == 18
    assert len([c for c in base if c.startswith("lti.tool.cert.") and c.count(".") == 3]) == 12
    params = resolve(load_profile("lti13-tool-japan"))[0].params
    assert params["sub_format"] == "uuid4" and params["deployment_id_prefix"] == "S_"
