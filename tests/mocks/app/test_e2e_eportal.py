"""End to end, in-process: the mock 学習eポータル (Platform) launches the mock 学習アプリ (Tool).

Both apps and the browser share one routing transport, so every hop is real HTTP semantics
(redirects, auto-submitted forms, cookies, JWKS fetches, bearer tokens) without a socket.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from renkei.harness.lti.protocol import vocab
from renkei.mocks.app import ToolConfig, ToolState
from renkei.mocks.app import create_app as create_tool
from renkei.mocks.eportal import EportalConfig, ToolRegistration
from renkei.mocks.eportal import create_app as create_eportal
from renkei.mocks.eportal.forms import parse_autosubmit
from tests.mocks.app.conftest import RoutingTransport, launch_marker
from tests.mocks.eportal.eportal_support import CLASS1, write_bundle

pytestmark = pytest.mark.anyio

PORTAL = "https://eportal.test"
APP = "http://app.test"
CLIENT = "renkei-app"
DEPLOYMENT = "S_1234567890123"


@dataclass
class World:
    browser: httpx.AsyncClient
    tool: ToolState


@pytest.fixture
async def world(tmp_path: Path, tool_keys_dir: Path) -> AsyncIterator[World]:
    routing = RoutingTransport()
    registration = ToolRegistration(
        client_id=CLIENT, deployment_ids=[DEPLOYMENT], login_url=APP + "/login", redirect_uris=[APP + "/launch"],
        target_link_uri=APP + "/launch", jwks_url=APP + "/jwks",
    )
    portal = create_eportal(EportalConfig(issuer=PORTAL, tools=[registration], transport=routing,
                                          bundle=write_bundle(tmp_path / "roster.zip")))
    tool = create_tool(ToolConfig(
        client_id=CLIENT, issuer=PORTAL, auth_url=PORTAL + "/auth", token_url=PORTAL + "/token",
        jwks_url=PORTAL + "/jwks", deployment_ids=frozenset({DEPLOYMENT}), base_url=APP, keys_dir=tool_keys_dir,
        transport=routing,
    ))
    routing.mount("eportal.test", portal)
    routing.mount("app.test", tool)
    async with httpx.AsyncClient(transport=routing) as browser:
        yield World(browser, tool.state.tool)


async def _browse(world: World, **query: str) -> httpx.Response:
    """Start at the portal's launch button and follow redirects and auto-submitted forms."""
    response = await world.browser.get(PORTAL + "/launch", params={"client_id": CLIENT, **query})
    for _ in range(6):
        if response.status_code in (302, 303):
            response = await world.browser.get(response.headers["location"])
            continue
        form = parse_autosubmit(response.text) if response.status_code == 200 else None
        if form is None or "id_token" not in form[2]:
            return response
        response = await world.browser.post(form[0], data=form[2])
    return response


async def test_resource_link_launch_and_services(world: World) -> None:
    response = await _browse(world, user="u-s1", context=CLASS1)
    marker = launch_marker(response)
    assert marker is not None, response.text
    launch = world.tool.launches.get(marker[2])
    assert launch is not None
    assert launch.claims["iss"] == PORTAL
    assert launch.claims[vocab.CLAIM_CONTEXT]["id"] == CLASS1

    run = await world.browser.post(APP + "/services/run", params={"launch": marker[2]})
    body: dict[str, Any] = run.json()
    assert run.status_code == 200, body
    assert {m["user_id"] for m in body["nrps"]["members"]} >= {launch.claims["sub"]}
    assert any(r.get("userId") == launch.claims["sub"] for r in body["ags"]["results"])


async def test_deep_linking_round_trip(world: World) -> None:
    response = await _browse(world, user="u-teacher", context=CLASS1, message_type=vocab.MSG_DEEP_LINKING_REQUEST)
    marker = launch_marker(response)
    assert marker is not None and marker[0] == vocab.MSG_DEEP_LINKING_REQUEST, response.text
    form = parse_autosubmit(response.text)
    assert form is not None and "JWT" in form[2]
    returned = await world.browser.post(form[0], data=form[2])
    assert returned.status_code == 200, returned.text
    (link,) = returned.json()["links"]

    again = await _browse(world, user="u-s1", link=str(link["id"]))
    second = launch_marker(again)
    assert second is not None, again.text
    launched = world.tool.launches.get(second[2])
    assert launched is not None
    assert launched.claims[vocab.CLAIM_CUSTOM]["activity_id"] == "kanji-drill-1"
