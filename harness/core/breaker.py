"""A circuit breaker for one peer under test: after a few timeouts in a row, stop waiting on it.

Why: a product that accepts connections and never answers (or trickles a byte now and then) would
otherwise cost every remaining check its full timeout, holding a run for many minutes. Every
client that talks to the peer shares one breaker and reports to it; after ``threshold``
consecutive timeouts the breaker opens, and from then on ``guard()`` raises ``PeerUnavailable``
before anything is sent. ``PeerUnavailable`` is a ``NotEvaluated``: the engine makes the check
that needed the peer an ``error`` outcome with the reason, never ``passed`` or ``failed``.

An open breaker stays open for the rest of the run: a peer that stopped answering several times
in a row is not trusted to judge anything else. The overall wait on a silent peer is therefore
bounded by ``threshold`` x (the longest a single request may take). Knows nothing of HTTP or of
any standard, so the REST and xAPI suites can reuse it.
"""

from __future__ import annotations

import threading

from renkei.harness.core.context import NotEvaluated

DEFAULT_THRESHOLD = 3


class PeerUnavailable(NotEvaluated):
    """The peer could not be reached or stopped answering, so the check that needed it was not
    evaluated; ``reason`` says what happened (it becomes the check's not-evaluated reason)."""

    def __init__(self, reason: str, *, peer: str = "") -> None:
        super().__init__(reason)
        self.peer = peer


class CircuitBreaker:
    """Counts consecutive timeouts of one peer; opens at ``threshold``. Thread-safe."""

    def __init__(self, peer: str, threshold: int = DEFAULT_THRESHOLD) -> None:
        if threshold < 1:
            raise ValueError("a circuit breaker threshold must be at least 1")
        self.peer = peer
        self.threshold = threshold
        self._lock = threading.Lock()
        self._timeouts = 0
        self._reason: str | None = None

    @property
    def is_open(self) -> bool:
        with self._lock:
            return self._reason is not None

    @property
    def reason(self) -> str | None:
        """Why the breaker opened (None while closed)."""
        with self._lock:
            return self._reason

    def guard(self) -> None:
        """Raise ``PeerUnavailable`` when the breaker is open; call before each request."""
        with self._lock:
            reason = self._reason
        if reason is not None:
            raise PeerUnavailable(reason, peer=self.peer)

    def record_timeout(self, what: str) -> None:
        """One request got no (complete) answer in time; ``what`` names it (e.g. ``GET <url>``)."""
        with self._lock:
            if self._reason is not None:
                return
            self._timeouts += 1
            if self._timeouts >= self.threshold:
                self._reason = (f"circuit breaker open: {self.peer} did not answer {self._timeouts} requests in a "
                                f"row in time (last: {what}); nothing more is sent to it in this run")

    def record_answer(self) -> None:
        """The peer answered; the count of consecutive timeouts starts again."""
        with self._lock:
            if self._reason is None:
                self._timeouts = 0
