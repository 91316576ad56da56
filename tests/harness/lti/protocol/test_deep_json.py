"""JSON a product sends (a JWT, a JWKS, a service answer, a page) nested past the limit is a finding's
reason, never a RecursionError that would crash the check."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from renkei.harness.core.bounded import MAX_DEPTH
from renkei.harness.lti.protocol.browser import Browser, BrowserError
from renkei.harness.lti.protocol.http import ApiClient
from renkei.harness.lti.protocol.jose import JoseFailure, b64url_encode, decode_unverified
from renkei.harness.lti.protocol.remote_jwks import JwksUnavailable, RemoteJwks

DEEP = '{"keys": [' + "[" * 5000 + "]" * 5000 + "]}"


def _answer(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, content=DEEP.encode(), headers={"content-type": "application/json"})


def test_a_deep_jwt_payload_is_malformed() -> None:
    token = ".".join([b64url_encode(b'{"alg":"RS256","kid":"k"}'), b64url_encode(DEEP.encode()), "sig"])
    with pytest.raises(JoseFailure, match=f"JWT payload is nested deeper than {MAX_DEPTH} levels") as err:
        decode_unverified(token)
    assert err.value.code == "malformed"


def test_a_deep_jwks_is_unavailable_with_the_reason() -> None:
    remote = RemoteJwks(transport=httpx.MockTransport(_answer))
    with pytest.raises(JwksUnavailable, match=f"body is JSON nested deeper than {MAX_DEPTH} levels"):
        asyncio.run(remote.get("https://party.test/jwks"))


def test_a_deep_service_answer_is_an_invalid_json_browser_error() -> None:
    client = ApiClient(transport=httpx.MockTransport(_answer), timeout=5, max_body=1_000_000)
    with pytest.raises(BrowserError) as err:
        client.get_json("https://party.test/nrps")
    assert err.value.code == "invalid_json" and f"nested deeper than {MAX_DEPTH} levels" in err.value.en
    assert "階層" in err.value.ja


def test_a_deep_page_fetched_as_json_is_an_invalid_json_browser_error() -> None:
    browser = Browser(transport=httpx.MockTransport(_answer), allowed_hosts={"party.test"}, stop_hosts=set(),
                      timeout=5, max_body=1_000_000, max_redirects=0)
    with pytest.raises(BrowserError) as err:
        browser.get_json("https://party.test/jwks")
    assert err.value.code == "invalid_json" and "nested deeper" in err.value.en


def test_shallow_json_still_parses() -> None:
    ok = httpx.MockTransport(lambda r: httpx.Response(200, json={"keys": [{"kid": "k"}]}))
    _, body = ApiClient(transport=ok, timeout=5, max_body=1_000_000).get_json("https://party.test/x")
    assert body == json.loads('{"keys": [{"kid": "k"}]}')
