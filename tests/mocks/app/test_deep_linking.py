"""The mock tool's LtiDeepLinkingResponse [DL §4.5], [SEC §5.2]."""

from __future__ import annotations

import re
from typing import Any

import pytest

from renkei.harness.lti.protocol import vocab
from renkei.harness.lti.protocol.jose import verify_jwt
from tests.mocks.app.conftest import (
    CLIENT_ID,
    DEPLOYMENT_ID,
    ISSUER,
    ToolDriver,
    deep_linking_changes,
    launch_marker,
)

pytestmark = pytest.mark.anyio

_FORM_RE = re.compile(r'<form id="lti-dl-response" method="post" action="([^"]+)">'
                      r'<input type="hidden" name="JWT" id="lti-dl-jwt" value="([^"]+)">')


async def _dl_response(tool: ToolDriver, html: str) -> tuple[str, dict[str, Any], dict[str, Any]]:
    match = _FORM_RE.search(html)
    assert match is not None
    jwks = (await tool.client.get("/jwks")).json()
    header, claims = verify_jwt(match.group(2), jwks)
    return match.group(1), header, claims


async def test_deep_linking_request_gets_signed_response(tool: ToolDriver) -> None:
    response = await tool.launch_with(deep_linking_changes(data="opaque-platform-data", accept_lineitem=True))
    assert response.status_code == 200
    marker = launch_marker(response)
    assert marker is not None and marker[0] == vocab.MSG_DEEP_LINKING_REQUEST
    assert 'document.getElementById("lti-dl-response").submit()' in response.text
    action, header, claims = await _dl_response(tool, response.text)
    assert action == ISSUER + "/deep-link/return"
    assert header["alg"] == "RS256" and header["kid"]
    assert claims["iss"] == CLIENT_ID
    assert claims["aud"] == ISSUER
    assert claims["exp"] > claims["iat"]
    assert claims["nonce"]
    assert claims[vocab.CLAIM_DEPLOYMENT_ID] == DEPLOYMENT_ID
    assert claims[vocab.CLAIM_MESSAGE_TYPE] == vocab.MSG_DEEP_LINKING_RESPONSE
    assert claims[vocab.CLAIM_VERSION] == vocab.LTI_VERSION
    assert claims[vocab.CLAIM_DL_DATA] == "opaque-platform-data"
    (item,) = claims[vocab.CLAIM_DL_CONTENT_ITEMS]
    assert item["type"] == "ltiResourceLink"
    assert item["lineItem"]["scoreMaximum"] == 100
    assert all(isinstance(v, str) for v in item["custom"].values())


async def test_no_data_claim_when_request_had_none_and_no_lineitem_unless_accepted(tool: ToolDriver) -> None:
    response = await tool.launch_with(deep_linking_changes())
    _, _, claims = await _dl_response(tool, response.text)
    assert vocab.CLAIM_DL_DATA not in claims
    (item,) = claims[vocab.CLAIM_DL_CONTENT_ITEMS]
    assert "lineItem" not in item


async def test_unaccepted_type_gives_empty_items_and_message(tool: ToolDriver) -> None:
    response = await tool.launch_with(deep_linking_changes(accept_types=["file"]))
    _, _, claims = await _dl_response(tool, response.text)
    assert claims[vocab.CLAIM_DL_CONTENT_ITEMS] == []
    assert claims[vocab.CLAIM_DL_MSG]


async def test_respond_endpoint_builds_fresh_response(tool: ToolDriver) -> None:
    response = await tool.launch_with(deep_linking_changes(data="d1"))
    marker = launch_marker(response)
    assert marker is not None
    _, _, first = await _dl_response(tool, response.text)
    again = await tool.client.post("/deep-link/respond", params={"launch": marker[2]})
    assert again.status_code == 200
    _, _, second = await _dl_response(tool, again.text)
    assert second[vocab.CLAIM_DL_DATA] == "d1"
    assert second["nonce"] != first["nonce"]


async def test_respond_endpoint_refuses_unknown_or_resource_link_launch(tool: ToolDriver) -> None:
    assert (await tool.client.post("/deep-link/respond", params={"launch": "nope"})).status_code == 404
    marker = launch_marker(await tool.launch_with())
    assert marker is not None
    response = await tool.client.post("/deep-link/respond", params={"launch": marker[2]})
    assert response.status_code == 409
    assert response.json()["error"] == "not_deep_linking"
