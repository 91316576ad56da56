"""The generic circuit breaker: consecutive timeouts open it; an open breaker makes checks errors."""

from __future__ import annotations

import pytest

from renkei.harness.core.breaker import CircuitBreaker, PeerUnavailable
from renkei.harness.core.context import CheckContext
from renkei.harness.core.model import Outcome
from tests.harness.core.test_not_evaluated import _run


def test_opens_after_threshold_consecutive_timeouts() -> None:
    breaker = CircuitBreaker("the Tool", threshold=3)
    for n in range(2):
        breaker.record_timeout(f"GET https://tool.test/{n}")
        breaker.guard()  # still closed
    breaker.record_timeout("GET https://tool.test/last")
    assert breaker.is_open
    with pytest.raises(PeerUnavailable) as raised:
        breaker.guard()
    assert "the Tool did not answer 3 requests in a row" in raised.value.reason
    assert "GET https://tool.test/last" in raised.value.reason and raised.value.peer == "the Tool"


def test_an_answer_resets_the_count() -> None:
    breaker = CircuitBreaker("peer", threshold=2)
    breaker.record_timeout("a")
    breaker.record_answer()
    breaker.record_timeout("b")
    assert not breaker.is_open
    breaker.record_timeout("c")
    assert breaker.is_open
    breaker.record_answer()  # once open, it stays open for the run
    assert breaker.is_open and breaker.reason is not None


def test_threshold_must_be_positive() -> None:
    with pytest.raises(ValueError):
        CircuitBreaker("peer", threshold=0)


def test_peer_unavailable_raised_below_a_check_is_an_error_outcome() -> None:
    breaker = CircuitBreaker("the Platform", threshold=1)
    breaker.record_timeout("POST https://platform.test/token")

    def body(ctx: CheckContext) -> None:
        breaker.guard()  # what a client does before sending
        ctx.fail("never reached")

    result = _run(body)
    assert result.outcome is Outcome.ERROR and result.findings_count == 0
    assert result.not_evaluated and "circuit breaker open" in result.not_evaluated[0]


def test_a_finding_made_before_the_peer_went_silent_stays_a_failure() -> None:
    def body(ctx: CheckContext) -> None:
        ctx.fail("seen problem")
        raise PeerUnavailable("the peer stopped answering")

    result = _run(body)
    assert result.outcome is Outcome.FAILED and result.not_evaluated == ["the peer stopped answering"]
