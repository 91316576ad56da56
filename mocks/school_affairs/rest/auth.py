"""OAuth 2.0 client credentials for the mock provider (RFC 6749 §4.4), with really signed tokens.

The client authenticates with HTTP Basic (RFC 6749 §2.3.1, the way Google's OneRoster test suite
asks) or with ``client_id``/``client_secret`` form fields (``ProviderConfig.client_auth`` narrows this to
one, as a vendor's provider may: the other is refused with ``invalid_client`` saying which it takes); the token is an HS256 JWT carrying the
client, the granted scopes and ``exp``, verified on every API request (its signature checked once
per token and remembered: a client paging a million users sends the same token a thousand times;
expiry, the client's registration and the faults are judged afresh on every request). Requested scopes the client
may not have are refused with ``invalid_scope`` rather than silently dropped, so a consumer learns
that it asked for too much.
"""

from __future__ import annotations

import base64
import hmac
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import OctKey

from renkei.harness.oneroster.model.rest_token import AUTH_NAMES
from renkei.mocks.school_affairs.rest.config import ProviderConfig


class OAuthError(Exception):
    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description


@dataclass(frozen=True)
class Grant:
    client_id: str
    scopes: frozenset[str]
    expires: float


MAX_VERIFIED = 1024  # tokens whose signature is remembered; forgotten all at once when full


class TokenService:
    def __init__(self, config: ProviderConfig, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.clock = clock
        self.key = OctKey.import_key(config.signing_key)
        self._verified: dict[str, dict[str, Any]] = {}  # token -> its claims, signature checked with self.key

    def _claims(self, token: str) -> dict[str, Any]:
        """The claims of a token this provider signed (``OAuthError(401)`` otherwise). Decoding is a
        function of the token and the key alone (no clock), so its answer is kept per token."""
        claims = self._verified.get(token)
        if claims is None:
            try:
                claims = dict(jwt.decode(token, self.key, algorithms=["HS256"]).claims)
            except (JoseError, ValueError):
                raise OAuthError(401, "invalid_token", "the token is not one this provider issued") from None
            if len(self._verified) >= MAX_VERIFIED:
                self._verified.clear()
            self._verified[token] = claims
        return claims

    def _credentials(self, authorization: str | None, form: dict[str, str]) -> tuple[str, str]:
        accepted = self.config.client_auth
        only = " and ".join(AUTH_NAMES[m] for m in accepted)
        if authorization and authorization.lower().startswith("basic "):
            if "basic" not in accepted:
                raise OAuthError(401, "invalid_client", f"HTTP Basic client authentication is not accepted here; "
                                 f"this provider authenticates clients by {only} only")
            try:
                raw = base64.b64decode(authorization[6:].strip(), validate=True).decode("utf-8")
            except (ValueError, UnicodeDecodeError):
                raise OAuthError(401, "invalid_client", "the Basic credentials are not base64 of id:secret") from None
            client_id, sep, secret = raw.partition(":")
            if not sep:
                raise OAuthError(401, "invalid_client", "the Basic credentials are not id:secret")
            return client_id, secret
        if "client_id" in form and "client_secret" in form:
            if "form" not in accepted:
                raise OAuthError(401, "invalid_client", f"client_id/client_secret in the form body are not accepted "
                                 f"here; this provider authenticates clients by {only} only")
            return form["client_id"], form["client_secret"]
        raise OAuthError(401, "invalid_client", f"no client authentication (this provider accepts {only})")

    def issue(self, authorization: str | None, body: bytes) -> tuple[str, dict[str, object]]:
        """(client id, the token answer) for a token request."""
        try:
            form = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        except UnicodeDecodeError:
            raise OAuthError(400, "invalid_request", "the body is not UTF-8 form data") from None
        if form.get("grant_type") != "client_credentials":
            raise OAuthError(400, "unsupported_grant_type", "grant_type must be client_credentials")
        client_id, secret = self._credentials(authorization, form)
        client = self.config.client(client_id)
        secret_ok = client is not None and hmac.compare_digest(client.secret.encode(), secret.encode())
        if client is None or not (secret_ok or "bad_secret_accepted" in self.config.faults):
            raise OAuthError(401, "invalid_client", "unknown client or wrong secret")
        wanted = form.get("scope", "").split()
        if not wanted:
            raise OAuthError(400, "invalid_scope", "name the scopes you need (space-separated)")
        refused = [s for s in wanted if s not in client.scopes]
        if refused:
            raise OAuthError(400, "invalid_scope", f"scope not allowed for this client: {' '.join(refused)}")
        now = int(self.clock())
        claims = {"sub": client_id, "scope": " ".join(wanted), "iat": now, "exp": now + self.config.token_ttl,
                  "jti": str(uuid.uuid4())}
        token = jwt.encode({"alg": "HS256", "typ": "at+jwt"}, claims, self.key)
        return client_id, {"access_token": token, "token_type": "Bearer", "expires_in": self.config.token_ttl,
                           "scope": " ".join(wanted)}

    def verify(self, authorization: str | None) -> Grant:
        """The grant of a Bearer token; ``OAuthError(401)`` when there is none or it is not valid."""
        if not authorization or not authorization.lower().startswith("bearer "):
            raise OAuthError(401, "invalid_token", "no Bearer token")
        claims = self._claims(authorization[7:].strip())
        exp = claims.get("exp")
        if not isinstance(exp, int):
            raise OAuthError(401, "invalid_token", "the token has no expiry")
        if exp <= self.clock() and "expired_token_accepted" not in self.config.faults:
            raise OAuthError(401, "invalid_token", "the token has expired")
        client = self.config.client(str(claims.get("sub")))
        if client is None:
            raise OAuthError(401, "invalid_token", "the token's client is no longer registered")
        return Grant(client.client_id, frozenset(str(claims.get("scope", "")).split()), float(exp))
