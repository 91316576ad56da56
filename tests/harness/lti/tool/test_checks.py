"""Failing inputs for every lti-tool check, from a naive knob-driven Tool (``FakeTool``).

The passing input of every check is the green run against the mock Tool (test_tool_profile.py);
here each single misbehaviour must make exactly the checks that judge it fail.
"""

from __future__ import annotations

from typing import Any

import pytest

from renkei.harness.core.registry import REGISTRY
from renkei.harness.lti.protocol import vocab
from tests.harness.lti.tool.tool_env import (
    CLIENT_ID,
    DEPLOYMENT,
    PLATFORM,
    TOOL,
    FakeTool,
    fake_tool_env,
    not_passed,
    run_checks,
    run_one,
)


def _tagged(tag: str) -> set[str]:
    return {c.id for c in REGISTRY.all() if c.kind == "lti-tool" and tag in c.tags}


def test_a_tool_that_accepts_everything_fails_exactly_the_must_reject_checks() -> None:
    with fake_tool_env() as target:
        results = run_checks(target, "lti13-tool")
    assert not_passed(results) == _tagged("reject")
    finding = results["lti.tool.sec.alg_none"].findings[0]
    assert finding.message == "The Tool accepted a launch it must reject."
    assert finding.location.endpoint == TOOL + "/launch" and finding.location.method == "POST"
    assert results["lti.tool.sec.wrong_iss"].findings[0].location.claim == "iss"


def test_a_tool_that_rejects_everything_fails_every_must_accept_check_and_cannot_be_judged() -> None:
    with fake_tool_env(FakeTool(reject_when=lambda c: True)) as target:
        results = run_checks(target, "lti13-tool-japan", only="lti.tool.c")
    accept = {c for c in _tagged("accept") if c in results}
    assert accept and all(results[c].status == "failed" for c in accept)
    refused = results["lti.tool.cert.student.no_pii"].findings[0]
    assert refused.message == "The Tool rejected a valid launch."
    assert refused.value == "HTTP 401 (launch): no"  # the Tool's own words help its vendor
    assert results["lti.tool.cert.no_kid"].findings[0].message.startswith("Cannot judge a rejection")


def test_an_error_page_outside_the_observation_rules_is_not_a_rejection() -> None:
    tool = FakeTool(reject_when=lambda c: c.get(vocab.CLAIM_VERSION) != vocab.LTI_VERSION, reject_status=418)
    with fake_tool_env(tool) as target:
        outcome = run_one(target, "lti.tool.cert.wrong_version")
    assert outcome.status == "failed"
    assert "matches neither the accept nor the reject rule" in outcome.findings[0].message


def _aud_ok(claims: dict[str, Any]) -> bool:
    aud = claims.get("aud")
    return CLIENT_ID in (aud if isinstance(aud, list) else [aud])


def test_a_server_error_refuses_the_launch_but_is_flagged() -> None:
    """A Tool whose token validation raises (HTTP 500) does not let the forged launch in, so the
    must-reject check passes; the unhandled error is the rejection_status warning."""
    with fake_tool_env(FakeTool(reject_when=lambda c: not _aud_ok(c), reject_status=500)) as target:
        assert run_one(target, "lti.tool.sec.wrong_aud").status == "passed"
        flagged = run_one(target, "lti.tool.sec.rejection_status")
    assert flagged.status == "warning" and "server error" in flagged.findings[0].message
    assert flagged.findings[0].value == "HTTP 500" and flagged.findings[0].location.claim == "aud"


def test_a_wrong_aud_refused_with_401_is_clean_and_403_is_flagged() -> None:
    with fake_tool_env(FakeTool(reject_when=lambda c: not _aud_ok(c), reject_status=401)) as target:
        assert run_one(target, "lti.tool.sec.rejection_status").status == "passed"
    with fake_tool_env(FakeTool(reject_when=lambda c: not _aud_ok(c), reject_status=403)) as target:
        flagged = run_one(target, "lti.tool.sec.rejection_status")
    assert flagged.status == "warning" and flagged.findings[0].value == "HTTP 403"


def test_wrong_aud_and_rejection_status_share_one_launch() -> None:
    seen: list[object] = []

    def reject(c: dict[str, Any]) -> bool:
        if not _aud_ok(c):
            seen.append(c.get("aud"))
            return True
        return False

    with fake_tool_env(FakeTool(reject_when=reject, reject_status=403)) as target:
        assert run_one(target, "lti.tool.sec.rejection_status").status == "warning"
        assert run_one(target, "lti.tool.sec.wrong_aud").status == "passed"
    assert seen == ["renkei-other-client"]


def _roles(c: dict[str, Any]) -> list[str]:
    return list(c.get(vocab.CLAIM_ROLES, []))


@pytest.mark.parametrize(("variant", "reject_when"), [
    ("multiple_roles", lambda c: len(_roles(c)) > 2),
    ("short_role", lambda c: any("://" not in r for r in _roles(c))),
    ("unknown_role", lambda c: any(r.startswith("http://example.com/") for r in _roles(c))),
    ("no_role", lambda c: _roles(c) == []),
    ("email_only", lambda c: "email" in c and "name" not in c and vocab.CLAIM_CONTEXT in c),
    ("names_only", lambda c: "name" in c and "email" not in c),
    ("no_pii", lambda c: "name" not in c and "email" not in c),
    ("email_no_context", lambda c: vocab.CLAIM_CONTEXT not in c),
])
def test_each_valid_cert_launch_fails_alone(variant: str, reject_when: Any) -> None:
    with fake_tool_env(FakeTool(reject_when=reject_when)) as target:
        results = run_checks(target, "lti13-tool", only="lti.tool.cert.")
    failing = not_passed(results) - _tagged("reject")
    assert failing == {f"lti.tool.cert.instructor.{variant}", f"lti.tool.cert.student.{variant}"}


def test_plain_launch_and_login_checks_fail_when_valid_launches_are_refused() -> None:
    plain = lambda c: "name" in c and "email" in c and vocab.CLAIM_CONTEXT in c and len(_roles(c)) == 2  # noqa: E731
    with fake_tool_env(FakeTool(reject_when=plain)) as target:
        results = {cid: run_one(target, cid) for cid in (
            "lti.tool.cert.instructor.launch", "lti.tool.cert.student.launch", "lti.tool.core.login_get",
            "lti.tool.core.login_post", "lti.tool.cert.student.no_pii")}
    assert {c for c, o in results.items() if o.status != "passed"} == set(results) - {"lti.tool.cert.student.no_pii"}


@pytest.mark.parametrize(("auth", "check_id"), [
    ({"response_type": "code"}, "lti.tool.auth.response_type"),
    ({"response_mode": "query"}, "lti.tool.auth.response_mode"),
    ({"prompt": None}, "lti.tool.auth.prompt"),
    ({"scope": "profile"}, "lti.tool.auth.scope"),
    ({"client_id": "someone-else"}, "lti.tool.auth.client_id"),
    ({"redirect_uri": TOOL + "/not-registered"}, "lti.tool.auth.redirect_uri"),
    ({"login_hint": "altered"}, "lti.tool.auth.login_hint"),
    ({"lti_message_hint": None}, "lti.tool.auth.lti_message_hint"),
    ({"nonce": None}, "lti.tool.auth.nonce"),
    ({"nonce": "always-the-same"}, "lti.tool.auth.nonce"),
    ({"state": None}, "lti.tool.auth.state"),
])
def test_each_auth_request_rule_fails_alone(auth: dict[str, str | None], check_id: str) -> None:
    with fake_tool_env(FakeTool(auth=auth)) as target:
        results = run_checks(target, "lti13-tool", only="lti.tool.auth.")
    assert not_passed(results) == {check_id}
    finding = results[check_id].findings[0]
    assert finding.location.endpoint == PLATFORM + "/auth" and finding.location.column == check_id.rsplit(".", 1)[1]


@pytest.mark.parametrize(("cookie", "status"), [
    ("lti_state=abc; Path=/; SameSite=None; Secure; HttpOnly", "passed"),
    ("lti_state=abc; Path=/; SameSite=Lax; Secure", "warning"),
    ("lti_state=abc; Path=/; SameSite=None", "warning"),
    ("lti_state=abc; Path=/", "warning"),
])
def test_login_cookies_must_survive_a_cross_site_post(cookie: str, status: str) -> None:
    with fake_tool_env(FakeTool(cookie=cookie)) as target:
        outcome = run_one(target, "lti.tool.core.state_cookie_samesite")
    assert outcome.status == status
    if outcome.findings:
        assert outcome.findings[0].value == "lti_state" and "abc" not in outcome.findings[0].message


def test_cookie_rule_is_skipped_for_a_plain_http_tool() -> None:
    http_tool = {"login_url": "http://tool.test/login"}
    with fake_tool_env(FakeTool(), tool=http_tool) as target:
        outcome = run_one(target, "lti.tool.core.state_cookie_samesite")
    assert outcome.status == "skipped" and "http" in (outcome.reason or "")


def test_unregistered_redirect_uri_stops_the_launch_like_a_platform_would() -> None:
    with fake_tool_env(FakeTool(auth={"redirect_uri": "https://evil.test/launch"})) as target:
        outcome = run_one(target, "lti.tool.core.login_get")
    assert outcome.status == "failed" and "redirect_uri that is not registered" in outcome.findings[0].message


@pytest.mark.parametrize(("tool", "check_id"), [
    (FakeTool(dl_field="jwt"), "lti.tool.dl.response"),
    (FakeTool(dl_sign=False), "lti.tool.dl.signature"),
    (FakeTool(dl_claims={"iss": "not-the-client"}), "lti.tool.dl.iss"),
    (FakeTool(dl_claims={"aud": "https://other-platform.test"}), "lti.tool.dl.aud"),
    (FakeTool(dl_claims={"aud": [PLATFORM, "https://other-platform.test"]}), "lti.tool.dl.aud"),
    (FakeTool(dl_claims={"exp": 1000}), "lti.tool.dl.timestamps"),
    (FakeTool(dl_claims={"iat": None}), "lti.tool.dl.timestamps"),
    (FakeTool(dl_claims={"nonce": None}), "lti.tool.dl.nonce"),
    (FakeTool(dl_claims={vocab.CLAIM_MESSAGE_TYPE: vocab.MSG_RESOURCE_LINK}), "lti.tool.dl.message_type"),
    (FakeTool(dl_claims={vocab.CLAIM_VERSION: "1.1"}), "lti.tool.dl.version"),
    (FakeTool(dl_claims={vocab.CLAIM_DEPLOYMENT_ID: "other"}), "lti.tool.dl.deployment_id"),
    (FakeTool(dl_claims={vocab.CLAIM_DL_DATA: "altered"}), "lti.tool.dl.data"),
    (FakeTool(dl_claims={vocab.CLAIM_DL_CONTENT_ITEMS: [{"type": "file", "url": "ftp://x"}]}),
     "lti.tool.dl.content_items"),
    (FakeTool(dl_claims={vocab.CLAIM_DL_CONTENT_ITEMS: [{"type": "ltiResourceLink", "custom": {"n": 1}}]}),
     "lti.tool.dl.content_items"),
])
def test_each_deep_linking_rule_fails_alone(tool: FakeTool, check_id: str) -> None:
    with fake_tool_env(tool) as target:
        results = run_checks(target, "lti13-tool", only="lti.tool.dl.")
    assert not_passed(results) == {check_id}


def test_no_deep_linking_response_fails_every_deep_linking_check() -> None:
    with fake_tool_env(FakeTool(dl_form=False)) as target:
        results = run_checks(target, "lti13-tool", only="lti.tool.dl.")
    assert not_passed(results) == {c for c in results}
    assert "deep_link_return_url" in results["lti.tool.dl.response"].findings[0].message


@pytest.mark.parametrize(("tool", "check_id"), [
    (FakeTool(assertion={"iss": "not-the-client"}), "lti.tool.svc.assertion_claims"),
    (FakeTool(assertion={"jti": None}), "lti.tool.svc.assertion_claims"),
    (FakeTool(assertion={"exp": 1000}), "lti.tool.svc.assertion_claims"),
    (FakeTool(assertion_sign=False), "lti.tool.svc.assertion_signature"),
    (FakeTool(scopes=[vocab.SCOPE_NRPS_READONLY, *vocab.AGS_SCOPES, "https://example.com/scope/all"]),
     "lti.tool.svc.scopes"),
    (FakeTool(headers={"nrps_accept": "application/json"}), "lti.tool.nrps.accept"),
    (FakeTool(follow_next=False), "lti.tool.nrps.paging"),
    (FakeTool(max_pages=2), "lti.tool.nrps.paging"),  # the roster renkei serves has three pages
    (FakeTool(scopes=list(vocab.AGS_SCOPES)), "lti.tool.nrps.bearer"),
    (FakeTool(headers={"score_type": "application/json"}), "lti.tool.ags.media_types"),
    (FakeTool(scopes=[vocab.SCOPE_NRPS_READONLY]), "lti.tool.ags.bearer"),
    (FakeTool(score={"timestamp": "2026-04-01T10:00:00+09:00"}), "lti.tool.ags.score"),
    (FakeTool(score={"timestamp": "2026-04-01T10:00:00.123"}), "lti.tool.ags.score"),
    (FakeTool(score={"gradingProgress": "Done"}), "lti.tool.ags.score"),
    (FakeTool(score={"submission": {"startedAt": "2026-04-01T09:00:00Z"}}), "lti.tool.ags.score"),
    (FakeTool(score={"submission": {"startedAt": "2026-04-01T09:00:00.5Z", "submittedAt": "2026-04-01T08:00:00.5Z"}}),
     "lti.tool.ags.score"),
    (FakeTool(lineitem={"label": "x", "scoreMaximum": 10, "startDateTime": "2026-04-01T09:00:00"}),
     "lti.tool.ags.lineitem"),
    (FakeTool(lineitem={"label": " ", "scoreMaximum": 0}), "lti.tool.ags.lineitem"),
    (FakeTool(lineitem_pages=1), "lti.tool.ags.paging"),
    (FakeTool(lineitem_pages=2), "lti.tool.ags.paging"),  # the container renkei serves has three pages
])
def test_each_service_rule_fails_alone(tool: FakeTool, check_id: str) -> None:
    with fake_tool_env(tool) as target:
        results = run_checks(target, "lti13-tool", only="lti.tool.")
    failing = not_passed(results) - _tagged("reject")
    assert failing == {check_id}


def test_a_tool_reading_every_container_page_passes() -> None:
    with fake_tool_env(FakeTool(lineitem_pages=100)) as target:
        outcome = run_one(target, "lti.tool.ags.paging")
        reads = target.platform.calls_of("ags.lineitems")
        own = target.platform.contexts[reads[0].context_id or ""].lineitems
    assert outcome.status == "passed"
    assert [bool(c.link_next) for c in reads] == [True, True, False]
    assert list(own.values())[-1]["label"] == "renkei 小テスト"  # the launch's own item is on the last page


@pytest.mark.parametrize("tool", [FakeTool(), FakeTool(lineitem_pages=1, lineitem_query={"tag": "none"})])
def test_a_tool_that_never_meets_a_next_link_is_not_judged_on_container_paging(tool: FakeTool) -> None:
    with fake_tool_env(tool) as target:
        assert run_one(target, "lti.tool.ags.paging").status == "skipped"


@pytest.mark.parametrize("stamp", ["2017-04-16T18:54:36.736+00:00", "2017-04-16T18:54:36.736Z",
                                   "2017-04-16T18:54:36.736+00", "2017-04-16T18:54:36.736+0000",
                                   "2017-04-17T03:54:36.736123+09:00"])
def test_every_offset_form_of_the_ags_examples_is_a_valid_score_timestamp(stamp: str) -> None:
    lineitem = {"label": "x", "scoreMaximum": 10, "startDateTime": "2018-03-06T20:05:02Z",
                "endDateTime": "2018-04-06T22:05:03+0900"}
    score = {"timestamp": stamp, "submission": {"startedAt": stamp, "submittedAt": stamp}}
    with fake_tool_env(FakeTool(score=score, lineitem=lineitem)) as target:
        results = {cid: run_one(target, cid) for cid in ("lti.tool.ags.score", "lti.tool.ags.lineitem")}
    assert {cid: o.status for cid, o in results.items()} == {"lti.tool.ags.score": "passed",
                                                              "lti.tool.ags.lineitem": "passed"}


def test_a_bad_timestamp_finding_says_why_in_both_languages() -> None:
    with fake_tool_env(FakeTool(score={"timestamp": "2026-04-01T10:00:00.123"})) as target:
        finding = run_one(target, "lti.tool.ags.score").findings[0]
    assert finding.location.column == "timestamp" and finding.value == "2026-04-01T10:00:00.123"
    assert "no time zone designator" in finding.message and "タイムゾーン指定" in (finding.message_ja or "")


def test_a_bad_token_request_fails_it_and_the_calls_made_without_a_token() -> None:
    with fake_tool_env(FakeTool(token_form={"grant_type": "password"})) as target:
        results = run_checks(target, "lti13-tool", only="lti.tool.")
    failing = not_passed(results) - _tagged("reject")
    assert failing == {"lti.tool.svc.token_request", "lti.tool.nrps.bearer", "lti.tool.ags.bearer"}
    assert results["lti.tool.svc.token_request"].findings[0].location.column == "grant_type"


def test_a_tool_that_never_calls_services_fails_the_service_checks_after_the_wait() -> None:
    with fake_tool_env(FakeTool(call_services=False), services={"wait_seconds": 0.1}) as target:
        results = run_checks(target, "lti13-tool", only="lti.tool.")
    failing = not_passed(results) - _tagged("reject")
    assert failing == {c for c in results if c.startswith(("lti.tool.svc.", "lti.tool.nrps.", "lti.tool.ags."))}
    assert "no such call within 0.1 s" in results["lti.tool.nrps.accept"].findings[0].message


def _is_uuid_sub(c: dict[str, Any]) -> bool:
    return len(str(c.get("sub", ""))) == 36


@pytest.mark.parametrize(("tool", "sections", "expected"), [
    (FakeTool(reject_when=_is_uuid_sub), {}, {"lti.tool.jp.sub_uuid_v4", "lti.tool.jp.full_uri_roles",
                                              "lti.tool.jp.deployment_school_code"}),
    (FakeTool(reject_when=lambda c: vocab.ROLE_INST_ADMIN in _roles(c)), {}, {"lti.tool.jp.full_uri_roles"}),
    (FakeTool(reject_when=lambda c: c.get(vocab.CLAIM_DEPLOYMENT_ID) == DEPLOYMENT), {},
     {"lti.tool.jp.sub_uuid_v4", "lti.tool.jp.full_uri_roles", "lti.tool.jp.deployment_school_code"}),
    (FakeTool(), {"tool": {"deployment_ids": ["deploy-1"]}}, {"lti.tool.jp.deployment_school_code"}),
    (FakeTool(), {"tool": {"deployment_ids": ["S_B101200000018"]}}, {"lti.tool.jp.deployment_school_code"}),
    (FakeTool(), {"tool": {"services": {"deep_linking": False}}}, {"lti.tool.jp.deep_linking_offered"}),
])
def test_each_japanese_rule_fails_alone(tool: FakeTool, sections: dict[str, Any], expected: set[str]) -> None:
    with fake_tool_env(tool, **sections) as target:
        results = run_checks(target, "lti13-tool-japan", only="lti.tool.jp.")
    assert not_passed(results) == expected
    assert all(results[c].status == "warning" for c in expected)  # secondary sources: warnings only


def test_japanese_profile_launches_use_uuid_v4_subs_and_the_school_code_deployment() -> None:
    seen: list[dict[str, Any]] = []

    def record(claims: dict[str, Any]) -> bool:
        seen.append(claims)
        return False

    with fake_tool_env(FakeTool(reject_when=record), tool={"deployment_ids": ["deploy-2", DEPLOYMENT]}) as target:
        run_checks(target, "lti13-tool-japan", only="lti.tool.cert.student.launch")
    assert seen and _is_uuid_sub(seen[0]) and seen[0][vocab.CLAIM_DEPLOYMENT_ID] == DEPLOYMENT


def test_anonymous_launch_parameter_skips_the_no_sub_check() -> None:
    with fake_tool_env() as target:
        assert run_one(target, "lti.tool.cert.no_sub").status == "failed"
        skipped = run_one(target, "lti.tool.cert.no_sub", anonymous_launch_allowed=True)
    assert skipped.status == "skipped" and "anonymous" in (skipped.reason or "")


def test_finding_values_never_hold_the_id_token() -> None:
    with fake_tool_env() as target:
        results = run_checks(target, "lti13-tool", only="lti.tool.sec.")
    for outcome in results.values():
        for f in outcome.findings:
            assert f.value is None or f.value.count(".") < 2
            assert "eyJ" not in f.message
