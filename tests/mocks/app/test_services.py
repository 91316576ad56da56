"""The mock tool as NRPS/AGS client: token request, headers, paging, score format [SEC §4.1.1], [NRPS], [AGS]."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs

import pytest

from renkei.harness.lti.protocol import vocab
from renkei.harness.lti.protocol.jose import verify_jwt
from renkei.mocks.app.services import ScoreClock, _sub_url
from tests.mocks.app.conftest import CLIENT_ID, DEPLOYMENT_ID, ISSUER, ToolDriver, launch_marker

pytestmark = pytest.mark.anyio

SERVICE_CLAIMS: dict[str, Any] = {
    vocab.CLAIM_NRPS: {"context_memberships_url": ISSUER + "/nrps/ctx-1", "service_versions": ["2.0"]},
    vocab.CLAIM_AGS: {
        "scope": [vocab.SCOPE_AGS_LINEITEM, vocab.SCOPE_AGS_SCORE, vocab.SCOPE_AGS_RESULT_READONLY],
        "lineitems": ISSUER + "/ags/ctx-1/lineitems",
    },
}
TIMESTAMP_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


async def _launch_id(tool: ToolDriver, changes: dict[str, Any] | None = None) -> str:
    response = await tool.launch_with(SERVICE_CLAIMS | (changes or {}))
    marker = launch_marker(response)
    assert marker is not None
    return marker[2]


async def test_services_run_calls_nrps_and_ags_correctly(tool: ToolDriver) -> None:
    launch_id = await _launch_id(tool)
    response = await tool.client.post("/services/run", params={"launch": launch_id})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["ok"] is True and body["errors"] == []
    assert [s["step"] for s in body["steps"]] == ["token", "nrps", "nrps", "token", "lineitems", "lineitem.create",
                                                  "score", "results"]
    assert body["nrps"]["pages"] == 2
    assert [m["user_id"] for m in body["nrps"]["members"]] == ["user-1", "user-2"]
    assert body["ags"]["results"][0]["resultScore"] == 87
    assert all("Bearer" not in json.dumps(s) for s in body["steps"])
    history = (await tool.client.get("/services/runs", params={"launch": launch_id})).json()
    assert history["runs"] == [body]

    platform = tool.platform
    nrps = platform.requests_to("/nrps/ctx-1")
    assert all(r["headers"]["accept"] == vocab.MEDIA_NRPS_MEMBERSHIP for r in nrps)
    assert nrps[1]["url"].endswith("?page=2")
    assert all(r["headers"]["authorization"].startswith("Bearer tok-") for r in nrps)
    listed, create = platform.requests_to("/ags/ctx-1/lineitems")
    assert listed["headers"]["accept"] == vocab.MEDIA_AGS_LINEITEM_CONTAINER
    assert create["headers"]["content-type"] == vocab.MEDIA_AGS_LINEITEM
    assert json.loads(create["body"])["resourceLinkId"] == "rl-1"
    (score,) = platform.requests_to("/ags/ctx-1/lineitems/1/scores")
    assert score["headers"]["content-type"] == vocab.MEDIA_AGS_SCORE
    sent = json.loads(score["body"])
    assert TIMESTAMP_RE.match(sent["timestamp"])
    assert sent["scoreMaximum"] == 100 and sent["activityProgress"] == "Completed"
    (results,) = platform.requests_to("/ags/ctx-1/lineitems/1/results")
    assert results["headers"]["accept"] == vocab.MEDIA_AGS_RESULT_CONTAINER


async def test_a_line_item_already_on_a_later_page_is_reused_not_created_again(tool: ToolDriver) -> None:
    tool.platform.lineitems += [
        {"id": ISSUER + "/ags/ctx-1/lineitems/2", "label": "other 2", "scoreMaximum": 10, "resourceLinkId": "rl-2"},
        {"id": ISSUER + "/ags/ctx-1/lineitems/1", "label": "mine", "scoreMaximum": 100, "resourceId": "renkei-mock",
         "resourceLinkId": "rl-1"},
    ]
    launch_id = await _launch_id(tool)
    body = (await tool.client.post("/services/run", params={"launch": launch_id})).json()
    assert body["ok"] is True, body["errors"]
    assert [s["url"].rsplit("/", 1)[-1] for s in body["steps"] if s["step"] == "lineitems"] == [
        "lineitems", "lineitems?page=2"]
    assert "lineitem.create" not in [s["step"] for s in body["steps"]]
    assert body["ags"]["lineitem"]["label"] == "mine"


async def test_token_request_uses_rfc7523_client_assertion(tool: ToolDriver) -> None:
    launch_id = await _launch_id(tool)
    await tool.client.post("/services/run", params={"launch": launch_id, "services": "nrps"})
    (request,) = tool.platform.requests_to("/token")
    assert request["headers"]["content-type"] == "application/x-www-form-urlencoded"
    form = {k: v[0] for k, v in parse_qs(request["body"].decode()).items()}
    assert form["grant_type"] == "client_credentials"
    assert form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    assert form["scope"] == vocab.SCOPE_NRPS_READONLY
    header, claims = verify_jwt(form["client_assertion"], (await tool.client.get("/jwks")).json())
    assert header["kid"]
    assert claims["iss"] == claims["sub"] == CLIENT_ID
    assert claims["aud"] == ISSUER + "/token"
    assert claims["exp"] - claims["iat"] == 300
    assert claims["jti"]
    assert claims[vocab.CLAIM_DEPLOYMENT_ID] == DEPLOYMENT_ID


async def test_each_assertion_has_a_new_jti(tool: ToolDriver) -> None:
    launch_id = await _launch_id(tool)
    await tool.client.post("/services/run", params={"launch": launch_id})
    jtis = set()
    jwks = (await tool.client.get("/jwks")).json()
    for request in tool.platform.requests_to("/token"):
        form = parse_qs(request["body"].decode())
        jtis.add(verify_jwt(form["client_assertion"][0], jwks)[1]["jti"])
    assert len(jtis) == 2


async def test_token_failure_is_reported_as_json(tool: ToolDriver) -> None:
    launch_id = await _launch_id(tool)
    tool.platform.token_status = 401
    response = await tool.client.post("/services/run", params={"launch": launch_id})
    assert response.status_code == 502
    body = response.json()
    assert body["ok"] is False
    assert [e["step"] for e in body["errors"]] == ["token", "token"]
    assert "HTTP 401" in body["errors"][0]["message"]


async def test_unreachable_service_is_reported_not_raised(tool: ToolDriver) -> None:
    claims = {vocab.CLAIM_NRPS: {"context_memberships_url": "https://nowhere.test/nrps"}}
    response = await tool.launch_with(claims)
    marker = launch_marker(response)
    assert marker is not None
    run = await tool.client.post("/services/run", params={"launch": marker[2]})
    assert run.status_code == 502
    assert run.json()["errors"][0]["step"] == "nrps"


async def test_launch_without_service_claims_runs_nothing(tool: ToolDriver) -> None:
    marker = launch_marker(await tool.launch_with())
    assert marker is not None
    response = await tool.client.post("/services/run", params={"launch": marker[2]})
    assert response.status_code == 200 and response.json()["steps"] == []
    asked = await tool.client.post("/services/run", params={"launch": marker[2], "services": "ags"})
    assert asked.status_code == 502 and asked.json()["errors"][0]["step"] == "ags"


async def test_unknown_launch_and_service(tool: ToolDriver) -> None:
    assert (await tool.client.post("/services/run", params={"launch": "nope"})).status_code == 404
    launch_id = await _launch_id(tool)
    response = await tool.client.post("/services/run", params={"launch": launch_id, "services": "lrs"})
    assert response.status_code == 400


def test_score_timestamps_have_ms_and_strictly_increase() -> None:
    clock = ScoreClock()
    first = clock.stamp(1_700_000_000.1234)
    second = clock.stamp(1_700_000_000.1234)
    assert first == "2023-11-14T22:13:20.123Z"
    assert second == "2023-11-14T22:13:20.124Z"
    assert TIMESTAMP_RE.match(first) and second > first


def test_sub_url_keeps_query() -> None:
    assert _sub_url("https://p.test/li/1?x=1", "scores") == "https://p.test/li/1/scores?x=1"
    assert _sub_url("https://p.test/li/1/", "results") == "https://p.test/li/1/results"
