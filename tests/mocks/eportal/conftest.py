"""Fixtures for the mock e-portal tests (support code lives in ``eportal_support``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from renkei.harness.lti.protocol.jose import RSAKey, generate_rsa_key, public_jwks
from renkei.mocks.eportal import EportalConfig, ToolRegistration, create_app
from tests.mocks.eportal.eportal_support import (
    CLIENT_ID,
    DEPLOYMENT,
    ISSUER,
    TOOL,
    Clock,
    Portal,
    write_bundle,
)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def tool_key() -> RSAKey:
    return generate_rsa_key("tool-k1")


@pytest.fixture(scope="session")
def platform_key() -> RSAKey:
    return generate_rsa_key("platform-k1")


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    return write_bundle(tmp_path / "roster.zip")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make_config(bundle: Path, tool_key: RSAKey, platform_key: RSAKey, clock: Clock) -> Callable[..., EportalConfig]:
    def make(faults: set[str] | None = None, **tool_overrides: Any) -> EportalConfig:
        tool = {
            "client_id": CLIENT_ID, "deployment_ids": [DEPLOYMENT], "login_url": f"{TOOL}/login",
            "redirect_uris": [f"{TOOL}/launch"], "target_link_uri": f"{TOOL}/launch",
            "jwks": public_jwks([tool_key]), "deep_link_url": f"{TOOL}/dl", "custom": {"grade": "P1"},
        } | tool_overrides
        return EportalConfig(issuer=ISSUER, tools=[ToolRegistration(**tool)], bundle=bundle,
                             faults=faults or set(), clock=clock,
                             signing_keys=[platform_key])
    return make


@pytest.fixture
async def portal_factory(make_config, tool_key: RSAKey, clock: Clock):
    clients: list[httpx.AsyncClient] = []

    def make(faults: set[str] | None = None, **tool_overrides: Any) -> Portal:
        app = create_app(make_config(faults, **tool_overrides))
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ISSUER)
        clients.append(client)
        return Portal(client, tool_key, clock)

    yield make
    for client in clients:
        await client.aclose()


@pytest.fixture
async def portal(portal_factory) -> AsyncIterator[Portal]:
    yield portal_factory()
