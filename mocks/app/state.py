"""Server-side memory of the mock tool: issued logins (state + nonce) and accepted launches.

Why server-side: the tool must bind ``state`` to the user agent and compare the ``nonce`` of the
id_token with the one it issued [SEC §5.1.1.2, §5.1.1.4, §5.1.3-9]; a login record therefore
outlives its first use (until its TTL) so a replayed id_token is recognised as a *nonce replay*
rather than as an unknown state.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from renkei.harness.lti.protocol.vocab import CLAIM_MESSAGE_TYPE


@dataclass
class LoginRecord:
    """What ``/login`` issued and must be matched at ``/launch``."""

    state: str
    nonce: str
    target_link_uri: str
    login_hint: str
    lti_message_hint: str | None
    lti_deployment_id: str | None
    created: float


@dataclass
class Launch:
    """An accepted launch; services and Deep Linking responses refer to it by ``id``."""

    id: str
    header: dict[str, Any]
    claims: dict[str, Any]
    created: float
    results: list[dict[str, Any]] = field(default_factory=list)

    @property
    def message_type(self) -> str:
        return str(self.claims.get(CLAIM_MESSAGE_TYPE, ""))


class LoginStore:
    """Issued logins by state and by nonce, expiring after ``ttl`` seconds, plus used nonces."""

    def __init__(self, clock: Callable[[], float], ttl: float) -> None:
        self._clock = clock
        self._ttl = ttl
        self._by_state: dict[str, LoginRecord] = {}
        self._by_nonce: dict[str, LoginRecord] = {}
        self._used_nonces: dict[str, float] = {}

    def issue(
        self,
        *,
        target_link_uri: str,
        login_hint: str,
        lti_message_hint: str | None,
        lti_deployment_id: str | None,
    ) -> LoginRecord:
        self._purge()
        record = LoginRecord(
            state=secrets.token_urlsafe(24),
            nonce=secrets.token_urlsafe(24),
            target_link_uri=target_link_uri,
            login_hint=login_hint,
            lti_message_hint=lti_message_hint,
            lti_deployment_id=lti_deployment_id,
            created=self._clock(),
        )
        self._by_state[record.state] = record
        self._by_nonce[record.nonce] = record
        return record

    def by_state(self, state: str) -> LoginRecord | None:
        self._purge()
        return self._by_state.get(state)

    def by_nonce(self, nonce: str) -> LoginRecord | None:
        self._purge()
        return self._by_nonce.get(nonce)

    def nonce_used(self, nonce: str) -> bool:
        return nonce in self._used_nonces

    def use_nonce(self, nonce: str) -> None:
        self._used_nonces[nonce] = self._clock()

    def _purge(self) -> None:
        horizon = self._clock() - self._ttl
        for state, record in list(self._by_state.items()):
            if record.created < horizon:
                del self._by_state[state]
                self._by_nonce.pop(record.nonce, None)
        # Used nonces are kept twice as long: a replay after the login expired must still be caught
        # even when the platform's exp is generous.
        for nonce, when in list(self._used_nonces.items()):
            if when < horizon - self._ttl:
                del self._used_nonces[nonce]


class LaunchStore:
    """Accepted launches by id (a random token, never the user's ``sub``)."""

    def __init__(self, clock: Callable[[], float], limit: int = 1000) -> None:
        self._clock = clock
        self._limit = limit
        self._launches: dict[str, Launch] = {}

    def add(self, header: dict[str, Any], claims: dict[str, Any]) -> Launch:
        while len(self._launches) >= self._limit:
            self._launches.pop(next(iter(self._launches)))
        launch = Launch(id=secrets.token_urlsafe(12), header=header, claims=claims, created=self._clock())
        self._launches[launch.id] = launch
        return launch

    def get(self, launch_id: str) -> Launch | None:
        return self._launches.get(launch_id)
