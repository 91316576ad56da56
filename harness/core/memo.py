"""Exchanges several checks judge, run once per target (a launch, a token, a survey of a provider).

Why the failure is kept: a peer that could not be reached for one check stays unreachable for every
check that needs the same exchange, so the failure (a ``PeerUnavailable``) is stored and raised again
instead of asking the peer once per check; those checks all become ``error`` with the same reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from renkei.harness.core.breaker import PeerUnavailable


class Memo:
    def __init__(self) -> None:
        self._values: dict[str, Any] = {}

    def __call__(self, name: str, factory: Callable[[], Any]) -> Any:
        if name not in self._values:
            try:
                self._values[name] = factory()
            except PeerUnavailable as failure:
                self._values[name] = failure
        got = self._values[name]
        if isinstance(got, PeerUnavailable):
            raise got
        return got

    def cached(self, name: str) -> Any:
        """The exchange if it already ran and reached the peer, else None (never starts one)."""
        got = self._values.get(name)
        return None if isinstance(got, PeerUnavailable) else got
