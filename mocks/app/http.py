"""Outbound HTTP for the mock tool: one place that applies the configured transport and timeout.

Why a wrapper transport: tests inject an in-process transport (``httpx.ASGITransport``, respx);
a fresh ``AsyncClient`` per operation keeps request handling simple, and the wrapper stops each
client's ``aclose`` from closing the shared injected transport.
"""

from __future__ import annotations

import httpx

from mocks.app.config import ToolConfig


class _SharedTransport(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        """The injected transport belongs to whoever configured it."""


def client(config: ToolConfig) -> httpx.AsyncClient:
    """A client that never follows redirects (a platform endpoint that redirects is a finding)."""
    transport = _SharedTransport(config.transport) if config.transport is not None else None
    return httpx.AsyncClient(transport=transport, timeout=config.http_timeout, follow_redirects=False)
