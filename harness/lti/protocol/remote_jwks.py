"""A party's JWKS fetched over HTTP: size-capped, validated, cached per URL, refetched on rotation.

Why one helper: a tool verifying id_tokens and a platform verifying Deep Linking responses or
client assertions both look up the other side's key by ``kid`` in a JWKS at a URL. A party rotates
by publishing a new key under a new kid [SEC §6.4], so a verifier holding a cached set must look
again once before rejecting an unknown kid, but only once per token, so a forged kid cannot make
it hammer the key server. ``Cache-Control: max-age`` can shorten (never extend) the caller's
default cache lifetime. Every failure is a ``JoseFailure``; fetch problems are ``JwksUnavailable``
(code ``jwks_unavailable``) so callers can tell "the key set is unreachable" from a bad token.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from typing import Any

import httpx

from renkei.harness.core.bounded import InputLimitError, load_json
from renkei.harness.lti.protocol.jose import LTI_ALGORITHMS, JoseFailure, verify_jwt

__all__ = ["MAX_JWKS_BYTES", "JwksUnavailable", "RemoteJwks", "SharedTransport"]

MAX_JWKS_BYTES = 256 * 1024
_MAX_AGE_RE = re.compile(r"(?:^|[,\s])max-age\s*=\s*\"?(\d+)", re.IGNORECASE)


class JwksUnavailable(JoseFailure):
    """The key set could not be fetched or is not a JWKS document; ``str()`` says which and why."""

    def __init__(self, message: str) -> None:
        super().__init__("jwks_unavailable", message)


class SharedTransport(httpx.AsyncBaseTransport):
    """Lends an injected transport to short-lived clients without letting them close it.

    Tests inject an in-process transport (``httpx.ASGITransport``, ``MockTransport``, respx); a fresh
    ``AsyncClient`` per operation would otherwise close it on exit.
    """

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        """The injected transport belongs to whoever configured it."""


def _max_age(cache_control: str) -> int | None:
    match = _MAX_AGE_RE.search(cache_control)
    return int(match.group(1)) if match else None


class RemoteJwks:
    """Remote key sets by URL. ``who`` ("platform"/"tool") prefixes fetch error messages.

    ``default_max_age`` is how long (seconds, by ``clock``) a fetched set is reused; a response's
    ``Cache-Control: max-age`` lowers it. Redirects are not followed: a JWKS URL that redirects is
    a misconfiguration to report, not to paper over. ``fetch_count`` counts HTTP fetches.
    """

    def __init__(
        self,
        *,
        default_max_age: float = 300,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 10.0,
        clock: Callable[[], float] = time.time,
        who: str = "",
        max_bytes: int = MAX_JWKS_BYTES,
    ) -> None:
        self._default_max_age = default_max_age
        self._transport = transport
        self._timeout = timeout
        self._clock = clock
        self._label = f"{who} JWKS" if who else "JWKS"
        self._max_bytes = max_bytes
        self._cache: dict[str, tuple[dict[str, Any], float]] = {}
        self.fetch_count = 0

    async def get(self, url: str) -> dict[str, Any]:
        """The key set at ``url``, from the cache while it is fresh."""
        return (await self._get(url))[0]

    async def _get(self, url: str) -> tuple[dict[str, Any], bool]:
        """The key set and whether it was fetched just now (then a refetch would be pointless)."""
        cached = self._cache.get(url)
        if cached is not None and self._clock() < cached[1]:
            return cached[0], False
        return await self.refresh(url), True

    async def refresh(self, url: str) -> dict[str, Any]:
        """Fetch ``url`` now, validate it and cache it; raises ``JwksUnavailable``."""
        where = f"{self._label} {url}"
        self.fetch_count += 1
        transport = SharedTransport(self._transport) if self._transport is not None else None
        try:
            async with (
                httpx.AsyncClient(transport=transport, timeout=self._timeout, follow_redirects=False) as client,
                client.stream("GET", url, headers={"Accept": "application/json"}) as response,
            ):
                if response.status_code != 200:
                    raise JwksUnavailable(f"{where}: HTTP {response.status_code}, expected 200")
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > self._max_bytes:
                        raise JwksUnavailable(f"{where}: body larger than {self._max_bytes} bytes")
                cache_control = response.headers.get("cache-control", "")
        except httpx.HTTPError as exc:
            raise JwksUnavailable(f"{where}: request failed ({exc.__class__.__name__})") from exc
        except httpx.InvalidURL as exc:
            raise JwksUnavailable(f"{where}: not a valid URL") from exc
        try:
            data = load_json(bytes(body))
        except InputLimitError as exc:
            raise JwksUnavailable(f"{where}: body is JSON {exc}") from exc
        except ValueError as exc:  # includes JSONDecodeError and UnicodeDecodeError
            raise JwksUnavailable(f"{where}: body is not JSON") from exc
        if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
            raise JwksUnavailable(f"{where}: not an object with a 'keys' array")
        max_age = self._default_max_age
        header_age = _max_age(cache_control)
        if header_age is not None:
            max_age = min(max_age, header_age)
        self._cache[url] = (data, self._clock() + max_age)
        return data

    async def verify(
        self, token: str, url: str, algorithms: Sequence[str] = LTI_ALGORITHMS
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """``verify_jwt`` against the set at ``url``; on ``kid_unknown`` refetch once and retry.

        No refetch when the set was fetched for this very call. Raises ``JoseFailure`` (including
        ``JwksUnavailable``).
        """
        jwks, fresh = await self._get(url)
        try:
            return verify_jwt(token, jwks, algorithms=algorithms)
        except JoseFailure as failure:
            if failure.code != "kid_unknown" or fresh:
                raise
        return verify_jwt(token, await self.refresh(url), algorithms=algorithms)
