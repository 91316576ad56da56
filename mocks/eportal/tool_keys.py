"""Verifying tool-signed JWTs (Deep Linking responses, client assertions) with the tool's keys.

Why a cache with one refetch: a tool rotates by publishing a new kid; the platform must look
again once before rejecting an unknown kid, but a forged kid must not make it fetch on every
request. Static JWKS from the registration are used as-is.
"""

from __future__ import annotations

from typing import Any

import httpx

from harness.lti.jose import JoseFailure, verify_jwt
from mocks.eportal.config import EportalConfig, ToolRegistration

MAX_JWKS_BYTES = 256 * 1024


class ToolKeysUnavailable(Exception):
    """The tool's JWKS URL could not be fetched or did not return a JWKS; ``str()`` says why."""


class _SharedTransport(httpx.AsyncBaseTransport):
    """Keeps an injected transport open when a per-request client closes."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._inner.handle_async_request(request)


class ToolKeys:
    def __init__(self, config: EportalConfig) -> None:
        self._config = config
        self._cache: dict[str, tuple[dict[str, Any], float]] = {}
        self.fetch_count = 0

    async def _fetch(self, url: str) -> dict[str, Any]:
        self.fetch_count += 1
        transport = _SharedTransport(self._config.transport) if self._config.transport is not None else None
        try:
            async with httpx.AsyncClient(transport=transport, timeout=self._config.http_timeout,
                                         follow_redirects=False) as client:
                response = await client.get(url, headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise ToolKeysUnavailable(f"tool JWKS {url}: request failed ({exc.__class__.__name__})") from exc
        if response.status_code != 200:
            raise ToolKeysUnavailable(f"tool JWKS {url}: HTTP {response.status_code}, expected 200")
        if len(response.content) > MAX_JWKS_BYTES:
            raise ToolKeysUnavailable(f"tool JWKS {url}: body larger than {MAX_JWKS_BYTES} bytes")
        try:
            data = response.json()
        except ValueError as exc:
            raise ToolKeysUnavailable(f"tool JWKS {url}: body is not JSON") from exc
        if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
            raise ToolKeysUnavailable(f"tool JWKS {url}: not an object with a 'keys' array")
        self._cache[url] = (data, self._config.clock() + self._config.jwks_max_age_seconds)
        return data

    async def verify(self, tool: ToolRegistration, token: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """Signature check with kid lookup; raises ``JoseFailure`` or ``ToolKeysUnavailable``."""
        if tool.jwks is not None:
            return verify_jwt(token, tool.jwks)
        url = tool.jwks_url or ""
        cached = self._cache.get(url)
        fresh = cached is None or cached[1] <= self._config.clock()
        jwks = await self._fetch(url) if fresh else cached[0]  # type: ignore[index]
        try:
            return verify_jwt(token, jwks)
        except JoseFailure as failure:
            if failure.code != "kid_unknown" or fresh:
                raise
        return verify_jwt(token, await self._fetch(url))
