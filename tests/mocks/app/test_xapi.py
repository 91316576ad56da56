"""The mock app's study logs: a learner launch sends attempted/answered/completed to the configured LRS,
as the Japan xAPI Profiles drafts lay them out, with the launch's sub as the account name; the xAPI faults
break exactly the identity or the score arithmetic; an LRS that refuses or is unreachable is logged."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from renkei.harness.lti.protocol import vocab
from renkei.harness.xapi.model.statement import validate_statement
from renkei.mocks.app.xapi import LrsEndpoint
from tests.mocks.app.conftest import ISSUER, MakeTool

pytestmark = pytest.mark.anyio
XAPI_FAULTS = {"xapi_actor_login_name", "xapi_scaled_mismatch"}
LRS = "http://lrs.test/xapi/"


class Lrs:
    """Records what reaches it; answers like an LRS (200 + ids) or with ``status``."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.status != 200:
            return httpx.Response(self.status, text="actor: missing")
        return httpx.Response(200, json=[s["id"] for s in json.loads(request.content)])

    def statements(self) -> list[dict[str, Any]]:
        return [s for r in self.requests for s in json.loads(r.content)]


def _endpoint(lrs: Lrs, **changes: Any) -> LrsEndpoint:
    return LrsEndpoint(url=LRS, key="app-key", secret="app-secret-0001", transport=httpx.MockTransport(lrs), **changes)


async def _sent(tool: Any) -> list[dict[str, Any]]:
    return (await tool.client.get("/xapi/sent")).json()["sent"]


async def test_a_learner_launch_reports_its_drill(make_tool: MakeTool) -> None:
    lrs = Lrs()
    async with make_tool(lrs=_endpoint(lrs)) as tool:
        response = await tool.launch_with({"sub": "8a1f2c3d-0000-4000-8000-000000000001"})
        assert response.status_code == 200
        sent = await _sent(tool)
    assert len(lrs.requests) == 1
    request = lrs.requests[0]
    assert request.url == LRS + "statements" and request.headers["X-Experience-API-Version"] == "1.0.3"
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(b"app-key:app-secret-0001").decode()
    statements = lrs.statements()
    assert [s["verb"]["id"].rsplit("/", 1)[1] for s in statements] == ["attempted", "answered", "answered",
                                                                       "answered", "completed"]
    for s in statements:
        assert s["actor"] == {"objectType": "Agent", "account": {"homePage": ISSUER,
                                                                 "name": "8a1f2c3d-0000-4000-8000-000000000001"}}
        assert s["context"]["language"] == "ja-JP" and s["context"]["platform"] and s["version"] == "1.0.3"
        assert s["object"]["definition"]["name"]["ja-JP"]
    assert len({s["id"] for s in statements}) == 5 and len({s["context"]["registration"] for s in statements}) == 1
    assert all(validate_statement(s) == [] for s in statements)  # valid xAPI 1.0.3, by the harness's own model
    score = statements[-1]["result"]["score"]
    assert score["scaled"] == pytest.approx((score["raw"] - score["min"]) / (score["max"] - score["min"]))
    assert sent[0]["status"] == 200 and sent[0]["statement_ids"] == [s["id"] for s in statements]


async def test_the_home_page_can_be_configured(make_tool: MakeTool) -> None:
    lrs = Lrs()
    async with make_tool(lrs=_endpoint(lrs, home_page="https://eportal.example.jp")) as tool:
        await tool.launch_with()
    assert {s["actor"]["account"]["homePage"] for s in lrs.statements()} == {"https://eportal.example.jp"}


async def test_an_instructor_launch_reports_nothing(make_tool: MakeTool) -> None:
    lrs = Lrs()
    async with make_tool(lrs=_endpoint(lrs)) as tool:
        await tool.launch_with({vocab.CLAIM_ROLES: [vocab.ROLE_INSTRUCTOR]})
        assert await _sent(tool) == []
    assert lrs.requests == []


async def test_the_login_name_fault_replaces_the_sub(make_tool: MakeTool) -> None:
    lrs = Lrs()
    async with make_tool(lrs=_endpoint(lrs), faults={"xapi_actor_login_name"}) as tool:
        await tool.launch_with({"sub": "8a1f2c3d-0000-4000-8000-000000000002", "email": "hanako.yamada@school.test"})
    assert {s["actor"]["account"]["name"] for s in lrs.statements()} == {"hanako.yamada"}


async def test_the_scaled_fault_breaks_the_arithmetic(make_tool: MakeTool) -> None:
    lrs = Lrs()
    async with make_tool(lrs=_endpoint(lrs), faults={"xapi_scaled_mismatch"}) as tool:
        await tool.launch_with()
    score = lrs.statements()[-1]["result"]["score"]
    assert score["scaled"] != pytest.approx((score["raw"] - score["min"]) / (score["max"] - score["min"]))


async def test_a_refusing_or_missing_lrs_is_logged_and_the_launch_still_works(make_tool: MakeTool) -> None:
    async with make_tool(lrs=_endpoint(Lrs(status=400))) as tool:
        assert (await tool.launch_with()).status_code == 200
        entry = (await _sent(tool))[0]
    assert entry["status"] == 400 and "actor" in entry["error"]

    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    endpoint = LrsEndpoint(url=LRS, key="k", secret="s", transport=httpx.MockTransport(unreachable))
    async with make_tool(lrs=endpoint) as tool:
        assert (await tool.launch_with()).status_code == 200
        entry = (await _sent(tool))[0]
    assert entry["status"] is None and entry["error"].startswith("ConnectError")
