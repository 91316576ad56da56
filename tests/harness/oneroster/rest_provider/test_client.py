"""The polite REST client (respx): tokens are reused for their lifetime, also when it is short; a token
that expired while renkei waited out a Retry-After, or that the provider ended early, is replaced once."""

from __future__ import annotations

import itertools

import httpx
import respx

from renkei.harness.oneroster.model import rest as R
from tests.harness.oneroster.rest_provider.provider_env import BASE, Clock, open_respx

ORGS = BASE + R.ROSTERING_PATH + "/orgs"
SCOPES = [R.SCOPE_CORE]


def _tokens(lifetime: int) -> respx.Route:
    counter = itertools.count(1)
    return respx.post(BASE + "/oauth/token").mock(side_effect=lambda request: httpx.Response(
        200, json={"access_token": f"token-{next(counter)}", "token_type": "Bearer", "expires_in": lifetime}))


@respx.mock
def test_a_short_lived_token_is_reused_until_shortly_before_it_expires() -> None:
    tokens = _tokens(2)
    respx.get(ORGS).mock(return_value=httpx.Response(200, json={"orgs": []}))
    target = open_respx()
    for _ in range(5):
        assert target.client.get(ORGS, SCOPES).status == 200
    assert tokens.call_count == 1  # not one token request per GET
    clock: Clock = target.client.clock  # type: ignore[assignment]  # provider_env's fake clock
    clock.sleep(2)
    target.client.get(ORGS, SCOPES)
    assert tokens.call_count == 2  # an expired token is replaced


@respx.mock
def test_a_token_that_expired_during_retry_after_is_replaced_before_the_retry() -> None:
    tokens = _tokens(10)
    orgs = respx.get(ORGS).mock(side_effect=[httpx.Response(429, headers={"Retry-After": "20"}),
                                              httpx.Response(200, json={"orgs": []})])
    target = open_respx(observation={"max_retry_after_seconds": 30})
    assert target.client.get(ORGS, SCOPES).status == 200
    sent = [call.request.headers["Authorization"] for call in orgs.calls]
    assert sent == ["Bearer token-1", "Bearer token-2"] and tokens.call_count == 2


@respx.mock
def test_a_token_the_provider_ended_early_is_replaced_once() -> None:
    tokens = _tokens(3600)
    unauthorised = httpx.Response(401, json=R.status_info(401, "unauthorisedrequest", "token expired"))
    orgs = respx.get(ORGS).mock(side_effect=[httpx.Response(200, json={"orgs": []}), unauthorised,
                                              httpx.Response(200, json={"orgs": []})])
    target = open_respx()
    assert target.client.get(ORGS, SCOPES).status == 200
    assert target.client.get(ORGS, SCOPES).status == 200  # the 401 was answered with a fresh token
    sent = [call.request.headers["Authorization"] for call in orgs.calls]
    assert sent == ["Bearer token-1", "Bearer token-1", "Bearer token-2"] and tokens.call_count == 2


@respx.mock
def test_a_token_the_caller_chose_is_sent_once_and_its_401_returned() -> None:
    tokens = _tokens(3600)
    orgs = respx.get(ORGS).mock(return_value=httpx.Response(401, json={}))
    target = open_respx()
    assert target.client.get(ORGS, SCOPES, token="not-a-token").status == 401
    assert target.client.get(ORGS, SCOPES, token="").status == 401
    assert orgs.call_count == 2 and tokens.call_count == 0  # no retry, and no token asked for
