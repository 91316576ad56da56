"""Hostile Tool endpoints (simulated with respx) become findings, never hangs or tracebacks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx

from renkei.harness.lti.protocol import vocab
from renkei.harness.lti.protocol.browser import page_text, parse_forms, same_endpoint
from renkei.harness.lti.protocol.jose import generate_rsa_key, sign_jwt
from renkei.harness.lti.protocol.transport import TransportFailure
from renkei.harness.lti.tool.launches import ACCEPTED, ERROR, REJECTED, LaunchSpec
from renkei.harness.lti.tool.target import LtiToolTarget
from tests.harness.lti.tool.tool_env import PLATFORM, TOOL, run_one, target_config

LOGIN, LAUNCH, JWKS = TOOL + "/login", TOOL + "/launch", TOOL + "/jwks"
AUTH = PLATFORM + "/auth"
pytestmark = pytest.mark.respx(assert_all_called=False)


@pytest.fixture
def target() -> Iterator[LtiToolTarget]:
    t = LtiToolTarget(target_config(observation={"max_body_bytes": 1_000_000, "max_redirects": 3,
                                                 "timeout_seconds": 2}), serve=False)
    yield t
    t.close()


def _to_auth(request: httpx.Request) -> httpx.Response:
    """A well-behaved login: redirect to the harness auth endpoint with the usual parameters."""
    params = dict(request.url.params) if request.method == "GET" else dict(
        httpx.QueryParams(request.content.decode()))
    query = httpx.QueryParams({"scope": "openid", "response_type": "id_token", "response_mode": "form_post",
                               "prompt": "none", "client_id": "renkei-test-client", "redirect_uri": LAUNCH,
                               "login_hint": params.get("login_hint", ""), "state": "st", "nonce": "no",
                               "lti_message_hint": params.get("lti_message_hint", "")})
    return httpx.Response(302, headers={"Location": f"{AUTH}?{query}"})


def _launch(spec: LaunchSpec | None = None, target: LtiToolTarget | None = None) -> Any:
    assert target is not None
    return target.launcher.run(spec or LaunchSpec(), {})


@pytest.mark.parametrize(("side_effect", "text"), [
    (httpx.ConnectTimeout("slow"), "No response within 2 s"),
    (httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"), "TLS handshake failed"),
    (httpx.ConnectError("refused"), "connection could not be established"),
    (httpx.RemoteProtocolError("Server disconnected without sending a response."), "HTTP exchange failed"),
])
def test_a_transport_failure_is_not_evaluated_not_a_finding_nor_a_hang(
        target: LtiToolTarget, respx_mock: respx.MockRouter, side_effect: Exception, text: str) -> None:
    respx_mock.get(url__startswith=LOGIN).mock(side_effect=side_effect)
    if isinstance(side_effect, httpx.RemoteProtocolError):  # the Tool broke HTTP itself: its behaviour
        result = _launch(target=target)
        assert result.outcome == ERROR and text in result.en
        return
    with pytest.raises(TransportFailure) as raised:
        _launch(target=target)
    assert raised.value.code in ("timeout", "tls", "connect") and text in raised.value.en and raised.value.ja
    for check_id in ("lti.tool.core.login_get", "lti.tool.sec.alg_none", "lti.tool.auth.nonce"):
        outcome = run_one(target, check_id)
        assert outcome.status == "error" and not outcome.findings, check_id
        assert outcome.reason is not None and f"GET {LOGIN}" in outcome.reason
        assert text in outcome.reason or "circuit breaker open" in outcome.reason


def test_a_redirect_to_another_host_is_not_followed(target: LtiToolTarget, respx_mock: respx.MockRouter) -> None:
    evil = respx_mock.get(url__startswith="https://evil.test").mock(return_value=httpx.Response(200))
    respx_mock.get(url__startswith=LOGIN).mock(return_value=httpx.Response(302, headers={"Location": "https://evil.test/x"}))
    result = _launch(target=target)
    assert result.outcome == ERROR and "neither the Tool nor the harness" in result.en and not evil.called


def test_redirect_loops_and_non_http_redirects_stop(target: LtiToolTarget, respx_mock: respx.MockRouter) -> None:
    respx_mock.get(url__startswith=LOGIN).mock(return_value=httpx.Response(302, headers={"Location": LOGIN}))
    assert "More than 3 redirects" in _launch(target=target).en
    respx_mock.get(url__startswith=LOGIN).mock(return_value=httpx.Response(302, headers={"Location": "javascript:x()"}))
    assert "non-http(s)" in _launch(target=target).en


def test_a_huge_launch_page_is_capped(target: LtiToolTarget, respx_mock: respx.MockRouter) -> None:
    respx_mock.get(url__startswith=LOGIN).mock(side_effect=_to_auth)
    respx_mock.post(LAUNCH).mock(return_value=httpx.Response(200, content=b"x" * 10_000_000))
    result = _launch(target=target)
    assert result.outcome == ERROR and result.stage == "launch" and "exceeds the 1000000-byte cap" in result.en


def test_the_launcher_posts_the_id_token_and_classifies_by_status_and_marker(target: LtiToolTarget, respx_mock: respx.MockRouter) -> None:
    respx_mock.get(url__startswith=LOGIN).mock(side_effect=_to_auth)
    launch = respx_mock.post(LAUNCH).mock(return_value=httpx.Response(200, text="<main id='lti-launch'>ok</main>"))
    result = _launch(target=target)
    assert result.outcome == ACCEPTED and result.auth is not None and result.auth.params["nonce"] == "no"
    form = dict(httpx.QueryParams(launch.calls.last.request.content.decode()))
    assert form["state"] == "st" and form["id_token"] == result.id_token
    assert result.claims is not None and result.claims["nonce"] == "no"
    launch.mock(return_value=httpx.Response(200, text="<p>Sorry, something went wrong</p>"))
    unclear = _launch(target=target)
    assert unclear.outcome == "unclear" and "matches neither" in unclear.en
    launch.mock(return_value=httpx.Response(302, headers={"Location": PLATFORM + "/return?lti_errormsg=bad"}))
    assert _launch(target=target).outcome == REJECTED


def test_login_answered_with_an_error_page_is_a_rejection_at_login(target: LtiToolTarget, respx_mock: respx.MockRouter) -> None:
    respx_mock.get(url__startswith=LOGIN).mock(return_value=httpx.Response(400, text="unknown issuer"))
    result = _launch(target=target)
    assert (result.outcome, result.stage) == (REJECTED, "login")
    respx_mock.get(url__startswith=LOGIN).mock(return_value=httpx.Response(200, text="<html>welcome</html>"))
    assert "did not lead to the harness's OIDC auth endpoint" in _launch(target=target).en


def test_an_auth_request_sent_as_an_auto_submit_form_is_understood(target: LtiToolTarget, respx_mock: respx.MockRouter) -> None:
    page = (f"<form method=post action='{AUTH}'><input type=hidden name=scope value=openid>"
            "<input name=nonce value=n1><input name=state value=s1><input name=redirect_uri "
            f"value='{LAUNCH}'></form><script>document.forms[0].submit()</script>")
    respx_mock.get(url__startswith=LOGIN).mock(return_value=httpx.Response(200, text=page))
    respx_mock.post(LAUNCH).mock(return_value=httpx.Response(200, text="<main id=lti-launch>"))
    result = _launch(target=target)
    assert result.outcome == ACCEPTED and result.auth is not None
    assert result.auth.method == "POST" and result.auth.params["nonce"] == "n1"


def test_an_auth_request_sent_by_meta_refresh_is_understood(target: LtiToolTarget,
                                                            respx_mock: respx.MockRouter) -> None:
    page = f"<meta http-equiv='Refresh' content='0; URL={AUTH}?nonce=m1&amp;state=s2'>"
    respx_mock.get(url__startswith=LOGIN).mock(return_value=httpx.Response(200, text=page))
    respx_mock.post(LAUNCH).mock(return_value=httpx.Response(200, text="<main id=lti-launch>"))
    result = _launch(target=target)
    assert result.auth is not None and result.auth.params == {"nonce": "m1", "state": "s2"}
    assert result.outcome == ACCEPTED


def test_invalid_tool_jwks_json_is_a_deep_linking_signature_finding(target: LtiToolTarget, respx_mock: respx.MockRouter) -> None:
    tool_key = generate_rsa_key()
    respx_mock.get(url__startswith=LOGIN).mock(side_effect=_to_auth)
    token = sign_jwt({"iss": "renkei-test-client", vocab.CLAIM_MESSAGE_TYPE: vocab.MSG_DEEP_LINKING_RESPONSE},
                     tool_key)
    page = f"<form method=post action='{PLATFORM}/deep_link/return'><input name=JWT value='{token}'></form>"
    respx_mock.post(LAUNCH).mock(return_value=httpx.Response(200, text=page))
    respx_mock.get(JWKS).mock(return_value=httpx.Response(200, text="{not json"))
    outcome = run_one(target, "lti.tool.dl.signature")
    assert outcome.status == "failed" and "JWKS cannot be used: The response is not valid JSON" in \
        outcome.findings[0].message
    assert outcome.findings[0].location.endpoint == JWKS
    assert run_one(target, "lti.tool.dl.message_type").status == "passed"


def test_invalid_html_and_bytes_give_a_clear_deep_linking_finding(target: LtiToolTarget, respx_mock: respx.MockRouter) -> None:
    respx_mock.get(url__startswith=LOGIN).mock(side_effect=_to_auth)
    respx_mock.post(LAUNCH).mock(return_value=httpx.Response(
        200, content=b"<main id='lti-launch'><form action=<<<\xff\xfe<input name='JWT' value=\"unterminated",
        headers={"content-type": "text/html; charset=utf-8"}))
    outcome = run_one(target, "lti.tool.dl.response")
    assert outcome.status == "failed"
    assert "no form that posts to the deep_link_return_url" in outcome.findings[0].message


def test_page_text_keeps_only_visible_words() -> None:
    html = "<html><head><style>p{}</style><script>var a='<p>'</script></head><body><h1>LTI &amp; error</h1>" \
           "<p id=lti-error>bad   kid</p></body>"
    assert page_text(html) == "LTI & error bad kid"
    assert len(page_text("x" * 500)) == 160


def test_forms_are_read_from_broken_html_with_absolute_actions() -> None:
    forms = parse_forms("<form action='/x?a=1' method=POST><input name=a value=1><input type=checkbox name=c>"
                        "<textarea name=t></textarea><form action=<<< ><input name=b>", "https://h.test/p/q")
    assert forms[0].action == "https://h.test/x?a=1" and forms[0].method == "POST"
    assert forms[0].inputs == {"a": "1", "t": ""}
    assert len(forms) == 2
    assert same_endpoint("https://H.test/auth/?x=1", "https://h.test/auth")
    assert not same_endpoint("http://h.test/auth", "https://h.test/auth")
