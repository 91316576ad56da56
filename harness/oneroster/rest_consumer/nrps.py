"""Reading what a consumer imported through its LTI NRPS memberships (``consumer.exposes_nrps``).

Many 学習eポータル show their roster only to the tools they launch: there is no export REST, but
every class is an LTI context whose Names and Role Provisioning Service lists its members. renkei
is then registered at the consumer as a Tool (a client id and the public half of ``key_file``),
obtains a service token with an RS256 client assertion [LTI SEC §4.1.1] and reads the membership of
a sample of the classes it served, following ``Link: rel="next"`` [NRPS §2.4.2] within bounds.
A consumer that cannot be read this way is not evaluated (``PeerUnavailable``), never a failure.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

from renkei.harness.core import secret_registry
from renkei.harness.core.breaker import PeerUnavailable
from renkei.harness.lti.protocol import vocab
from renkei.harness.lti.protocol.browser import BrowserError
from renkei.harness.lti.protocol.http import ApiClient
from renkei.harness.lti.protocol.jose import RSAKey, sign_jwt

ASSERTION_TTL = 300
MAX_PAGES_PER_CLASS = 200


@dataclass(frozen=True)
class Membership:
    class_id: str
    url: str  # the first page's URL: where a finding about this class points
    members: list[dict[str, Any]]


def service_token(api: ApiClient, *, token_url: str, client_id: str, deployment_id: str, key: RSAKey) -> str:
    """A bearer token for the NRPS read scope, by client credentials with a signed client assertion."""
    now = int(time.time())
    assertion = sign_jwt({"iss": client_id, "sub": client_id, "aud": token_url, "iat": now,
                          "exp": now + ASSERTION_TTL, "jti": secrets.token_urlsafe(16),
                          vocab.CLAIM_DEPLOYMENT_ID: deployment_id}, key)
    form = {"grant_type": vocab.GRANT_CLIENT_CREDENTIALS, "client_assertion_type": vocab.CLIENT_ASSERTION_TYPE,
            "client_assertion": assertion, "scope": vocab.SCOPE_NRPS_READONLY}
    try:
        resp = api.request("POST", token_url, data=form, headers={"Accept": "application/json"})
        body = resp.json() if resp.status == 200 else None
    except BrowserError as exc:
        raise PeerUnavailable(f"POST {token_url}: the consumer's LTI token endpoint: {exc.en}") from None
    token = body.get("access_token") if isinstance(body, dict) else None
    if not isinstance(token, str) or not token:
        raise PeerUnavailable(f"POST {token_url}: no NRPS access token for renkei's tool registration "
                              f"(HTTP {resp.status}); is client_id registered with the public key of key_file?")
    secret_registry.active().add(token, "exposes_nrps access_token", partial=False)
    return token


def read_membership(api: ApiClient, url: str, token: str, class_id: str) -> Membership:
    """Every member of one context, all pages; a page that is not a membership container stops the read."""
    members: list[dict[str, Any]] = []
    nxt: str | None = url
    seen: set[str] = set()
    while nxt is not None:
        if nxt in seen or len(seen) >= MAX_PAGES_PER_CLASS:
            raise PeerUnavailable(f"GET {url}: the membership's next links loop or exceed {MAX_PAGES_PER_CLASS} pages")
        seen.add(nxt)
        try:
            page = api.request("GET", nxt, headers={"Authorization": f"Bearer {token}",
                                                    "Accept": vocab.MEDIA_NRPS_MEMBERSHIP})
            body = page.json() if page.status == 200 else None
        except BrowserError as exc:
            raise PeerUnavailable(f"GET {nxt}: {exc.en}") from None
        items = body.get("members") if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise PeerUnavailable(f"GET {nxt}: HTTP {page.status}, not an NRPS membership container")
        members += [m for m in items if isinstance(m, dict)]
        nxt = page.link("next")
    return Membership(class_id, url, members)


def sample(ids: list[str], count: int) -> list[str]:
    """``count`` of ``ids`` spread evenly over the sorted list (deterministic: the same run twice reads the same)."""
    ordered = sorted(ids)
    if count <= 0:
        return []
    if len(ordered) <= count:
        return ordered
    step = len(ordered) / count
    return [ordered[int(i * step)] for i in range(count)]
