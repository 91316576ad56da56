"""The harness Tool's service client: token requests (JWT client assertion) and NRPS/AGS calls.

[SEC §4.1.1] / [CORE §6.2]: a Tool obtains a bearer token by POSTing a client-credentials grant
with an RS256 client assertion (``iss`` = ``sub`` = client_id, ``aud`` = token endpoint, ``iat``,
``exp``, ``jti``). Checks need both the correct request and deliberately broken ones (signature by
another key under the right kid, wrong ``aud``/``iss``/``sub``, expired or without ``exp``, replayed
``jti``, wrong ``client_assertion_type``, unknown scope), so the assertion is built from claims the
caller may override. Tokens are cached per scope set: the
certification flow asks for one scope at a time [CERT §5.4].
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from renkei.harness.core import secret_registry
from renkei.harness.lti.protocol import vocab
from renkei.harness.lti.protocol.browser import BrowserError
from renkei.harness.lti.protocol.http import ApiClient, ApiResponse
from renkei.harness.lti.protocol.jose import RSAKey, sign_jwt

if TYPE_CHECKING:
    from renkei.harness.lti.platform.config import PlatformTargetConfig

ASSERTION_TTL = 300
WRONG_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:saml2-bearer"  # RFC 7522, not a JWT


@dataclass
class TokenResult:
    """One token endpoint exchange; ``error`` set when the answer was unusable (a redirect, a body
    over the cap); a network failure is raised instead, never recorded here."""

    response: ApiResponse | None
    error: BrowserError | None
    body: Any = None

    @property
    def status(self) -> int | None:
        return None if self.response is None else self.response.status

    @property
    def access_token(self) -> str | None:
        if self.status == 200 and isinstance(self.body, dict) and isinstance(self.body.get("access_token"), str):
            return self.body["access_token"]
        return None


class ServiceClient:
    def __init__(self, config: PlatformTargetConfig, api: ApiClient, key: RSAKey, attacker_key: RSAKey,
                 clock: Callable[[], float]) -> None:
        self.config = config
        self.api = api
        self.key = key
        self.attacker_key = attacker_key
        self.clock = clock
        self._tokens: dict[tuple[str, ...], TokenResult] = {}

    @property
    def token_url(self) -> str:
        return self.config.platform.token_url or ""

    def assertion_claims(self, **overrides: Any) -> dict[str, Any]:
        """Claims of a valid client assertion; an override of ``None`` drops the claim."""
        now = int(self.clock())
        client_id = self.config.platform.client_id
        claims: dict[str, Any] = {
            "iss": client_id, "sub": client_id, "aud": self.token_url, "iat": now, "exp": now + ASSERTION_TTL,
            "jti": secrets.token_urlsafe(16),
            vocab.CLAIM_DEPLOYMENT_ID: self.config.platform.deployment_ids[0],  # SHOULD [CORE §6.2.1]
        }
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def sign(self, claims: dict[str, Any], *, forged: bool = False) -> str:
        """RS256 with the harness key; ``forged`` signs with another key under the same kid."""
        if forged:
            return sign_jwt(claims, self.attacker_key, header={"kid": self.key.kid or self.key.thumbprint()})
        return sign_jwt(claims, self.key)

    def request_token(self, scopes: list[str], assertion: str | None = None, *,
                      assertion_type: str = vocab.CLIENT_ASSERTION_TYPE) -> TokenResult:
        """One token request; a transport failure raises ``TransportFailure`` (the check is not evaluated)."""
        form = {
            "grant_type": vocab.GRANT_CLIENT_CREDENTIALS,
            "client_assertion_type": assertion_type,
            "client_assertion": assertion or self.sign(self.assertion_claims()),
            "scope": " ".join(scopes),
        }
        try:
            resp = self.api.request("POST", self.token_url, data=form, headers={"Accept": "application/json"})
        except BrowserError as exc:
            return TokenResult(None, exc)
        try:
            body = resp.json()
        except BrowserError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("access_token"), str):  # a bearer credential: never in a report
            secret_registry.active().add(body["access_token"], "access token from the token endpoint")
        return TokenResult(resp, None, body)

    def token(self, *scopes: str) -> TokenResult:
        """A (cached) token for exactly these scopes."""
        key = tuple(sorted(scopes))
        if key not in self._tokens or self._tokens[key].access_token is None:
            self._tokens[key] = self.request_token(list(scopes))
        return self._tokens[key]

    def call(self, method: str, url: str, *, token: str | None, accept: str | None = None,
             json_body: Any = None, content_type: str | None = None,
             params: dict[str, str] | None = None) -> ApiResponse:
        """One service request; raises ``BrowserError`` when no HTTP answer was obtained."""
        headers: dict[str, str] = {}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if accept:
            headers["Accept"] = accept
        if content_type:
            headers["Content-Type"] = content_type
        return self.api.request(method, url, headers=headers, json_body=json_body, params=params)
