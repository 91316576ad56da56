"""In-memory state of one mock e-portal instance: keys, pending launches, replay caches, tokens,
links created by Deep Linking, and the gradebook (line items, scores, results).

Why in memory: a mock run is short and reproducible; only the signing keys persist (through
``KeyStore``) so that a tool which cached the JWKS keeps working across restarts.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from renkei.harness.lti.protocol.jose import KeyStore, RSAKey, generate_rsa_key, public_jwks
from renkei.mocks.eportal.config import EportalConfig
from renkei.mocks.eportal.roster import Roster
from renkei.mocks.eportal.tool_keys import ToolKeys


class MemoryKeys:
    """KeyStore's interface without a directory, for tests and throwaway runs."""

    def __init__(self, initial: list[RSAKey] | None = None) -> None:
        self._keys: list[RSAKey] = list(initial or [generate_rsa_key()])

    def current(self) -> RSAKey:
        return self._keys[-1]

    def rotate(self) -> RSAKey:
        self._keys.append(generate_rsa_key())
        return self._keys[-1]

    def jwks(self) -> dict[str, Any]:
        return public_jwks([self._keys[-1], *reversed(self._keys[:-1])])


@dataclass
class PendingLaunch:
    """What the launch starter issued; the auth request must match it [SEC §5.1.1.3, CORE §4.1]."""

    message_hint: str
    client_id: str
    deployment_id: str
    user_id: str  # roster sourcedId
    login_hint: str
    context_id: str | None
    message_type: str
    target_link_uri: str
    resource_link_id: str | None
    link_id: str | None
    pii: str
    created: float


@dataclass
class DeepLinkRequest:
    data: str
    client_id: str
    deployment_id: str
    context_id: str | None
    created: float


@dataclass
class Grant:
    client_id: str
    scopes: frozenset[str]
    expires: float


@dataclass
class Link:
    """A resource link created from a Deep Linking content item [DL §3.2]."""

    id: str
    client_id: str
    deployment_id: str
    context_id: str | None
    url: str | None
    title: str
    custom: dict[str, str] = field(default_factory=dict)
    line_item_ids: list[int] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "client_id": self.client_id, "deployment_id": self.deployment_id,
                "context_id": self.context_id, "url": self.url, "title": self.title,
                "custom": self.custom, "line_item_ids": self.line_item_ids}


@dataclass
class LineItem:
    """One AGS line item [AGS §3.2]; ``data`` is exactly what the tool gave (minus ``id``)."""

    number: int
    context_id: str
    client_id: str
    data: dict[str, Any]


@dataclass
class ScoreRecord:
    timestamp: Decimal  # exact epoch seconds of the score's timestamp (every fraction digit kept)
    timestamp_text: str
    score: dict[str, Any]


class EportalState:
    def __init__(self, config: EportalConfig, roster: Roster) -> None:
        self.config = config
        self.roster = roster
        self.tool_keys = ToolKeys(config)
        self.keys: KeyStore | MemoryKeys = (
            KeyStore(config.keys_dir) if config.keys_dir else MemoryKeys(config.signing_keys)
        )
        self.launches: dict[str, PendingLaunch] = {}
        self.dl_requests: dict[str, DeepLinkRequest] = {}
        self.dl_nonces: dict[str, float] = {}
        self.jtis: dict[tuple[str, str], float] = {}
        self.grants: dict[str, Grant] = {}
        self.links: dict[str, Link] = {}
        self.line_items: dict[int, LineItem] = {}
        self.scores: dict[tuple[int, str], ScoreRecord] = {}
        self._next_item = 1
        # accounts.reimport: subs the e-portal issued itself (only the reissue_sub_after_year_advance fault does)
        self.reissued_subs: dict[str, str] = {}
        self.account_generation = 0

    @staticmethod
    def token(nbytes: int = 24) -> str:
        return secrets.token_urlsafe(nbytes)

    def expire(self, now: float) -> None:
        """Drop replay-cache entries whose tokens have expired anyway (bounded memory)."""
        self.jtis = {k: exp for k, exp in self.jtis.items() if exp > now}
        self.dl_nonces = {k: exp for k, exp in self.dl_nonces.items() if exp > now}
        self.grants = {k: g for k, g in self.grants.items() if g.expires > now}
        ttl = self.config.launch_ttl
        self.launches = {k: v for k, v in self.launches.items() if v.created + ttl > now}
        self.dl_requests = {k: v for k, v in self.dl_requests.items() if v.created + ttl > now}

    def add_line_item(self, context_id: str, client_id: str, data: dict[str, Any]) -> LineItem:
        item = LineItem(self._next_item, context_id, client_id, {k: v for k, v in data.items() if k != "id"})
        self.line_items[item.number] = item
        self._next_item += 1
        return item

    def items_for_link(self, link_id: str) -> list[LineItem]:
        return [i for i in self.line_items.values() if i.data.get("resourceLinkId") == link_id]
