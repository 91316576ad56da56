"""The platform's JWKS as the tool sees it: fetched over HTTP, cached, refetched on rotation.

Why refetch on an unknown ``kid``: a platform rotates by publishing a new key under a new kid
[SEC §6.4]; a tool holding a cached set must look again once before rejecting, but only once per
token, so a forged kid cannot make the tool hammer the platform.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from mocks.app.config import ToolConfig
from mocks.app.http import client

_MAX_AGE_RE = re.compile(r"max-age\s*=\s*(\d+)")
_MAX_JWKS_BYTES = 256 * 1024


class JwksUnavailable(Exception):
    """The platform key set could not be fetched or is not a JWKS; ``str()`` says why."""


class JwksCache:
    def __init__(self, config: ToolConfig) -> None:
        self._config = config
        self._jwks: dict[str, Any] | None = None
        self._expires = 0.0
        self.fetch_count = 0

    async def get(self) -> tuple[dict[str, Any], bool]:
        """The key set and whether it was fetched just now (then a refetch would be pointless)."""
        if self._jwks is not None and self._config.clock() < self._expires:
            return self._jwks, False
        return await self.refresh(), True

    async def refresh(self) -> dict[str, Any]:
        url = self._config.jwks_url
        self.fetch_count += 1
        try:
            async with client(self._config) as http:
                response = await http.get(url, headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise JwksUnavailable(f"platform JWKS {url}: request failed ({exc.__class__.__name__})") from exc
        if response.status_code != 200:
            raise JwksUnavailable(f"platform JWKS {url}: HTTP {response.status_code}, expected 200")
        if len(response.content) > _MAX_JWKS_BYTES:
            raise JwksUnavailable(f"platform JWKS {url}: body larger than {_MAX_JWKS_BYTES} bytes")
        try:
            data = response.json()
        except ValueError as exc:
            raise JwksUnavailable(f"platform JWKS {url}: body is not JSON") from exc
        if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
            raise JwksUnavailable(f"platform JWKS {url}: not an object with a 'keys' array")
        max_age = self._config.jwks_max_age_seconds
        match = _MAX_AGE_RE.search(response.headers.get("cache-control", ""))
        if match:
            max_age = min(max_age, int(match.group(1)))
        self._jwks = data
        self._expires = self._config.clock() + max_age
        return data
