"""Reading the LRS: every page by ``more`` (same origin only), and waiting for the app's logs within bounds."""

from __future__ import annotations

import httpx
import pytest
import respx

from renkei.harness.chain.lrs_reader import LrsReader, wait_for_statements
from renkei.harness.core.breaker import PeerUnavailable
from renkei.harness.lti.protocol.http import ApiClient
from tests.clock import FakeClock

LRS = "https://lrs.test/xapi"


def _reader() -> LrsReader:
    return LrsReader(ApiClient(transport=None, timeout=2, max_body=100_000), LRS, "reader", "secret-0001")


@respx.mock
def test_pages_are_followed_and_credentials_sent() -> None:
    first = respx.get(url__startswith=LRS + "/statements?since").mock(return_value=httpx.Response(
        200, json={"statements": [{"id": "a"}], "more": "/xapi/statements?page=2"}))
    respx.get(LRS + "/statements?page=2").mock(return_value=httpx.Response(200, json={"statements": [{"id": "b"}]}))
    assert [s["id"] for s in _reader().since("2026-04-01T00:00:00Z")] == ["a", "b"]
    sent = first.calls[0].request
    assert sent.headers["X-Experience-API-Version"] == "1.0.3" and sent.headers["Authorization"].startswith("Basic ")


@respx.mock
def test_a_more_link_to_another_origin_is_not_followed() -> None:
    respx.get(url__startswith=LRS).mock(return_value=httpx.Response(
        200, json={"statements": [], "more": "https://evil.test/steal"}))
    with pytest.raises(PeerUnavailable, match="another origin"):
        _reader().by_account("https://eportal.test", "umi-1")


@respx.mock
def test_an_answer_that_is_not_a_statement_result_is_unavailable() -> None:
    respx.get(url__startswith=LRS).mock(return_value=httpx.Response(401, json={"error": "no"}))
    with pytest.raises(PeerUnavailable, match="HTTP 401"):
        _reader().since("2026-04-01T00:00:00Z")


def test_waiting_ends_once_the_lrs_is_quiet() -> None:
    clock = FakeClock()
    arrivals = [[], [{"id": "a"}], [{"id": "a"}, {"id": "b"}]]

    def read() -> list[dict]:
        return arrivals[min(int(clock.now), 2)]

    fresh = wait_for_statements(read, {"old"}, wait_seconds=30, idle_seconds=1.5, expect_some=True,
                                sleep=clock.sleep, clock=clock)
    assert [s["id"] for s in fresh] == ["a", "b"] and clock.now < 5


def test_waiting_is_bounded_when_nothing_arrives() -> None:
    clock = FakeClock()
    assert wait_for_statements(lambda: [{"id": "old"}], {"old"}, wait_seconds=3, idle_seconds=1, expect_some=True,
                               sleep=clock.sleep, clock=clock) == []
    assert 3 <= clock.now < 4
