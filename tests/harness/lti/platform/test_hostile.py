"""Hostile Platform endpoints (respx): foreign redirects, huge bodies, invalid JSON and garbage tokens
give findings with a clear message; timeouts, TLS and connection failures make the checks that
needed the answer errors (not evaluated), never failures; never a hang or a traceback."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import respx

from renkei.harness.lti.platform.target import LtiPlatformTarget
from tests.harness.lti.platform.platform_env import mock_platform_env, run_one, target_config
from tests.harness.lti.platform.platform_tamper import Rule, Tamper, replace_response

HOSTILE = "https://hostile.test"


@pytest.fixture
def hostile() -> Iterator[tuple[respx.MockRouter, LtiPlatformTarget]]:
    scenarios = {"instructor": f"{HOSTILE}/launch?u=t", "student": f"{HOSTILE}/launch?u=s"}
    config = target_config(
        platform={"issuer": HOSTILE, "auth_url": HOSTILE + "/auth", "token_url": HOSTILE + "/token",
                  "jwks_url": HOSTILE + "/jwks"},
        launches={"scenarios": scenarios}, observation={"timeout_seconds": 2, "max_body_bytes": 4096})
    with respx.mock(assert_all_called=False) as router:
        target = LtiPlatformTarget(config, serve=False)
        try:
            yield router, target
        finally:
            target.close()


@pytest.mark.parametrize(("response", "side_effect", "code_text"), [
    (httpx.Response(200, text="<html>not json</html>"), None, "not valid JSON"),
    (httpx.Response(200, content=b"{" + b" " * 10_000 + b"}"), None, "byte cap"),
    (httpx.Response(302, headers={"Location": "https://evil.test/keys"}), None, "redirect"),
])
def test_hostile_jwks_endpoint_gives_a_finding(hostile: tuple[respx.MockRouter, LtiPlatformTarget],
                                               response: httpx.Response | None, side_effect: Exception | None,
                                               code_text: str) -> None:
    router, target = hostile
    route = router.get(HOSTILE + "/jwks")
    if side_effect is not None:
        route.mock(side_effect=side_effect)
    else:
        route.mock(return_value=response)
    outcome = run_one(target, "lti.platform.jwks.keys")
    assert outcome.status == "failed"
    assert code_text in outcome.findings[0].message and outcome.findings[0].message_ja
    assert outcome.findings[0].location.endpoint == HOSTILE + "/jwks"


TRANSPORT_FAILURES = [
    (httpx.ReadTimeout("slow"), "No response within 2 s"),
    (httpx.ConnectTimeout("no route"), "No response within 2 s"),
    (httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"), "TLS handshake failed"),
    (httpx.ConnectError("[Errno 111] Connection refused"), "connection could not be established"),
    (httpx.ReadError("[Errno 104] Connection reset by peer"), "connection broke"),
]


@pytest.mark.parametrize(("side_effect", "text"), TRANSPORT_FAILURES)
def test_a_transport_failure_at_the_jwks_is_not_evaluated_never_failed(
        hostile: tuple[respx.MockRouter, LtiPlatformTarget], side_effect: Exception, text: str) -> None:
    router, target = hostile
    router.get(HOSTILE + "/jwks").mock(side_effect=side_effect)
    for check_id in ("lti.platform.jwks.keys", "lti.platform.jwks.kid_stable"):
        outcome = run_one(target, check_id)
        assert outcome.status == "error" and not outcome.findings, check_id
        assert outcome.reason is not None and f"GET {HOSTILE}/jwks" in outcome.reason and text in outcome.reason


@pytest.mark.parametrize(("side_effect", "text"), TRANSPORT_FAILURES)
def test_a_transport_failure_of_the_launch_leaves_every_launch_check_not_evaluated(
        hostile: tuple[respx.MockRouter, LtiPlatformTarget], side_effect: Exception, text: str) -> None:
    router, target = hostile
    route = router.get(url__startswith=HOSTILE + "/launch").mock(side_effect=side_effect)
    for check_id in ("lti.platform.login.launch_completes", "lti.platform.id_token.version",
                     "lti.platform.auth.requires_nonce", "lti.platform.id_token.nonce"):
        outcome = run_one(target, check_id)
        assert outcome.status == "error" and not outcome.findings, check_id
        assert text in (outcome.reason or "")
    assert route.call_count == 1  # the shared launch failed once and stays failed; no retry per check


@pytest.mark.parametrize(("response", "side_effect", "text"), [
    (httpx.Response(302, headers={"Location": "https://evil.test/phish"}), None, "neither the Tool nor the harness"),
    (httpx.Response(200, content=b"x" * 10_000), None, "byte cap"),
])
def test_hostile_launch_url_gives_a_finding(hostile: tuple[respx.MockRouter, LtiPlatformTarget],
                                            response: httpx.Response | None, side_effect: Exception | None,
                                            text: str) -> None:
    router, target = hostile
    route = router.get(url__startswith=HOSTILE + "/launch")
    if side_effect is not None:
        route.mock(side_effect=side_effect)
    else:
        route.mock(return_value=response)
    outcome = run_one(target, "lti.platform.login.launch_completes")
    assert outcome.status == "failed" and len(outcome.findings) == 2
    assert text in outcome.findings[0].message
    claims = run_one(target, "lti.platform.id_token.version")
    assert claims.status == "failed" and "No launch delivered" in claims.findings[0].message


@pytest.mark.parametrize(("side_effect", "text"), TRANSPORT_FAILURES)
def test_a_transport_failure_at_the_token_endpoint_is_not_evaluated(
        hostile: tuple[respx.MockRouter, LtiPlatformTarget], side_effect: Exception, text: str) -> None:
    router, target = hostile
    router.post(HOSTILE + "/token").mock(side_effect=side_effect)
    for check_id in ("lti.platform.token.valid", "lti.platform.token.bad_signature",
                     "lti.platform.token.replayed_jti", "lti.platform.token.unknown_scope"):
        outcome = run_one(target, check_id)
        assert outcome.status == "error" and not outcome.findings, check_id
        reason = outcome.reason or ""
        assert f"POST {HOSTILE}/token" in reason  # three timeouts in a row open the breaker: said so
        assert text in reason or "circuit breaker open" in reason


@pytest.mark.parametrize("response", [
    httpx.Response(302, headers={"Location": "https://evil.test/token"}),
    httpx.Response(200, text="{not json"),
    httpx.Response(200, json=["not", "an", "object"]),
])
def test_hostile_token_endpoint_gives_a_finding(hostile: tuple[respx.MockRouter, LtiPlatformTarget],
                                                response: httpx.Response) -> None:
    router, target = hostile
    router.post(HOSTILE + "/token").mock(return_value=response)
    outcome = run_one(target, "lti.platform.token.valid")
    assert outcome.status == "failed" and outcome.findings[0].location.endpoint == HOSTILE + "/token"
    refused = run_one(target, "lti.platform.token.bad_signature")
    assert refused.status == "failed" and "Cannot judge" in refused.findings[0].message


def test_a_garbage_id_token_is_reported_not_raised() -> None:
    garbage = (b'<form action="https://renkei-tool.test/launch" method="post">'
               b'<input name="id_token" value="not.a.jwt!"><input name="state" value="s"></form>')
    wrap = lambda app, _t: Tamper(app, Rule("GET", "/auth", response=replace_response(200, garbage, "text/html")))  # noqa: E731
    with mock_platform_env(wrap=wrap) as target:
        completes = run_one(target, "lti.platform.login.launch_completes")
        signature = run_one(target, "lti.platform.id_token.signature")
    assert completes.status == "failed" and "not a decodable" in completes.findings[0].message
    assert signature.status == "failed" and "No launch delivered" in signature.findings[0].message
