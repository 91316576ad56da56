"""Hostile Platform endpoints (respx): timeouts, foreign redirects, huge bodies, invalid JSON, TLS
errors and garbage tokens give findings with a clear message, never a hang or a traceback."""

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
    (None, httpx.ReadTimeout("slow"), "No response within"),
    (httpx.Response(200, text="<html>not json</html>"), None, "not valid JSON"),
    (httpx.Response(200, content=b"{" + b" " * 10_000 + b"}"), None, "byte cap"),
    (None, httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"), "TLS handshake"),
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


@pytest.mark.parametrize(("response", "side_effect", "text"), [
    (httpx.Response(302, headers={"Location": "https://evil.test/phish"}), None, "neither the Tool nor the harness"),
    (None, httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"), "TLS handshake"),
    (None, httpx.ConnectTimeout("no route"), "No response within"),
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
