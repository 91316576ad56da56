"""One launch through e-portal and app, simulated with respx: what the browser sees decides the outcome."""

from __future__ import annotations

import re
from html import escape

import httpx
import pytest
import respx

from renkei.harness.chain.launcher import Launcher
from renkei.harness.lti.protocol.jose import generate_rsa_key, public_jwks, sign_jwt

PORTAL, APP = "https://eportal.test", "https://app.test"
KEY = generate_rsa_key("k1")
JWKS = public_jwks([KEY])
pytestmark = pytest.mark.respx(assert_all_called=False)


def _launcher() -> Launcher:
    return Launcher(hosts={"eportal.test", "app.test"}, accept=re.compile('id="ok"'), timeout=2, max_body=100_000)


def _flow(respx_mock: respx.MockRouter, token: str, answer: httpx.Response) -> None:
    respx_mock.get(url__startswith=PORTAL + "/launch").mock(
        return_value=httpx.Response(302, headers={"Location": APP + "/login?iss=x"}))
    respx_mock.get(url__startswith=APP + "/login").mock(
        return_value=httpx.Response(302, headers={"Location": PORTAL + "/auth?state=s"}))
    form = (f'<form action="{APP}/launch" method="post"><input type="hidden" name="id_token" value="{escape(token)}">'
            '<input type="hidden" name="state" value="s"></form>')
    respx_mock.get(url__startswith=PORTAL + "/auth").mock(return_value=httpx.Response(200, text=form))
    respx_mock.post(APP + "/launch").mock(return_value=answer)


def test_a_launch_the_app_accepts(respx_mock: respx.MockRouter) -> None:
    _flow(respx_mock, sign_jwt({"sub": "umi-1"}, KEY), httpx.Response(200, text='<main id="ok">'))
    result = _launcher().launch(PORTAL + "/launch?user=u1", JWKS)
    assert (result.outcome, result.accepted, result.claims) == ("launched", True, {"sub": "umi-1"})


def test_a_launch_the_app_rejects(respx_mock: respx.MockRouter) -> None:
    _flow(respx_mock, sign_jwt({"sub": "umi-1"}, KEY), httpx.Response(401, text="<p>invalid token</p>"))
    result = _launcher().launch(PORTAL + "/launch?user=u1", JWKS)
    assert result.outcome == "launched" and result.accepted is False and "HTTP 401 invalid token" in result.detail


def test_an_id_token_that_does_not_verify_is_not_trusted(respx_mock: respx.MockRouter) -> None:
    _flow(respx_mock, sign_jwt({"sub": "umi-1"}, generate_rsa_key("k1")), httpx.Response(200, text='id="ok"'))
    result = _launcher().launch(PORTAL + "/launch?user=u1", JWKS)
    assert result.outcome == "error" and result.claims is None and "does not verify" in result.detail
    assert _launcher().launch(PORTAL + "/launch?user=u1", None).outcome == "error"  # no key set: not verified


def test_an_eportal_that_refuses(respx_mock: respx.MockRouter) -> None:
    respx_mock.get(url__startswith=PORTAL).mock(return_value=httpx.Response(403, json={"error": "access_denied"}))
    result = _launcher().launch(PORTAL + "/launch?user=gone", JWKS)
    assert result.outcome == "refused" and "HTTP 403" in result.detail


def test_an_oidc_error_posted_back_is_a_refusal(respx_mock: respx.MockRouter) -> None:
    form = f'<form action="{APP}/launch" method="post"><input name="error" value="login_required"></form>'
    respx_mock.get(url__startswith=PORTAL).mock(return_value=httpx.Response(200, text=form))
    assert _launcher().launch(PORTAL + "/launch", JWKS).outcome == "refused"


def test_a_redirect_to_a_foreign_host_is_a_refusal(respx_mock: respx.MockRouter) -> None:
    respx_mock.get(url__startswith=PORTAL).mock(
        return_value=httpx.Response(302, headers={"Location": "https://elsewhere.test/"}))
    result = _launcher().launch(PORTAL + "/launch", JWKS)
    assert result.outcome == "refused" and "neither the Tool nor the harness" in result.detail


def test_a_peer_that_does_not_answer_is_not_evaluated(respx_mock: respx.MockRouter) -> None:
    respx_mock.get(url__startswith=PORTAL).mock(side_effect=httpx.ConnectTimeout("slow"))
    result = _launcher().launch(PORTAL + "/launch", JWKS)
    assert result.outcome == "error" and "No response within 2 s" in result.detail
