"""Outbound HTTP for the mock tool: one place that applies the configured transport and timeout.

Why a wrapper transport: tests inject an in-process transport (``httpx.ASGITransport``, respx);
a fresh ``AsyncClient`` per operation keeps request handling simple, and ``SharedTransport`` stops
each client's ``aclose`` from closing the shared injected transport.
"""

from __future__ import annotations

import httpx

from renkei.harness.lti.protocol.remote_jwks import SharedTransport
from renkei.mocks.app.config import ToolConfig


def client(config: ToolConfig) -> httpx.AsyncClient:
    """A client that never follows redirects (a platform endpoint that redirects is a finding)."""
    transport = SharedTransport(config.transport) if config.transport is not None else None
    return httpx.AsyncClient(transport=transport, timeout=config.http_timeout, follow_redirects=False)
