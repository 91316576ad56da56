"""Deep Linking return endpoint of the mock e-portal [DL §4.5, SEC §5.2.3]."""

from __future__ import annotations

from typing import Any

import pytest

from renkei.harness.lti.protocol import vocab
from renkei.harness.lti.protocol.jose import generate_rsa_key, sign_jwt, sign_raw
from tests.mocks.eportal.eportal_support import CLASS1, CLIENT_ID, DEPLOYMENT, ISSUER, TOOL

pytestmark = pytest.mark.anyio

ITEM = {"type": "ltiResourceLink", "title": "たし算ドリル", "url": f"{TOOL}/drill/1",
        "custom": {"unit": "add-1"}, "lineItem": {"scoreMaximum": 10, "label": "たし算", "tag": "drill"}}


async def _dl_request(portal) -> dict[str, Any]:
    _, claims = await portal.launch("u-teacher", CLASS1, message_type=vocab.MSG_DEEP_LINKING_REQUEST)
    return claims


def _response_claims(portal, request: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    now = int(portal.clock.now)
    claims = {
        "iss": CLIENT_ID, "aud": ISSUER, "iat": now, "exp": now + 300, "nonce": f"dl-{now}-{id(overrides)}",
        vocab.CLAIM_MESSAGE_TYPE: vocab.MSG_DEEP_LINKING_RESPONSE, vocab.CLAIM_VERSION: "1.3.0",
        vocab.CLAIM_DEPLOYMENT_ID: request[vocab.CLAIM_DEPLOYMENT_ID],
        vocab.CLAIM_DL_DATA: request[vocab.CLAIM_DL_SETTINGS]["data"],
        vocab.CLAIM_DL_CONTENT_ITEMS: [ITEM],
        vocab.CLAIM_DL_MSG: "1件追加しました",
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


async def _post(portal, token: str):
    return await portal.client.post("/dl/return", data={"JWT": token})


async def test_deep_link_creates_launchable_link_with_line_item(portal) -> None:
    request = await _dl_request(portal)
    response = await _post(portal, sign_jwt(_response_claims(portal, request), portal.tool_key))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "accepted" and body["msg"] == "1件追加しました"
    [link] = body["links"]
    assert link["context_id"] == CLASS1 and link["deployment_id"] == DEPLOYMENT and link["line_item_ids"]
    assert (await portal.client.get("/links")).json()[0]["id"] == link["id"]
    _, claims = await portal.launch("u-s1", CLASS1, link=link["id"])
    assert claims[vocab.CLAIM_RESOURCE_LINK] == {"id": link["id"], "title": "たし算ドリル"}
    assert claims[vocab.CLAIM_TARGET_LINK_URI] == f"{TOOL}/drill/1"
    assert claims[vocab.CLAIM_CUSTOM] == {"grade": "P1", "unit": "add-1"}
    lineitem = claims[vocab.CLAIM_AGS]["lineitem"]
    auth = await portal.token(vocab.SCOPE_AGS_LINEITEM_READONLY)
    item = (await portal.client.get(lineitem, headers=auth)).json()
    assert item["resourceLinkId"] == link["id"] and item["scoreMaximum"] == 10 and item["tag"] == "drill"


async def test_empty_selection_is_accepted(portal) -> None:
    request = await _dl_request(portal)
    claims = _response_claims(portal, request, **{vocab.CLAIM_DL_CONTENT_ITEMS: None})
    response = await _post(portal, sign_jwt(claims, portal.tool_key))
    assert response.status_code == 200 and response.json()["links"] == []


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"aud": "https://other.example.test"}, "aud"),
        ({"aud": [ISSUER, "https://other.example.test"]}, "aud"),
        ({"azp": "other"}, "azp"),
        ({"exp": 1000}, "exp"),
        ({"iat": None}, "iat"),
        ({"nonce": None}, "nonce"),
        ({vocab.CLAIM_MESSAGE_TYPE: vocab.MSG_RESOURCE_LINK}, "message_type"),
        ({vocab.CLAIM_VERSION: "1.3"}, "version"),
        ({vocab.CLAIM_DEPLOYMENT_ID: "other"}, "deployment_id"),
        ({vocab.CLAIM_DL_DATA: None}, "data"),
        ({vocab.CLAIM_DL_DATA: "tampered"}, "data"),
        ({vocab.CLAIM_DL_CONTENT_ITEMS: [{"title": "no type"}]}, "type"),
        ({vocab.CLAIM_DL_CONTENT_ITEMS: [ITEM | {"custom": {"n": 1}}]}, "custom"),
        ({vocab.CLAIM_DL_CONTENT_ITEMS: [ITEM | {"lineItem": {"label": "x"}}]}, "scoreMaximum"),
    ],
)
async def test_bad_responses_rejected(portal, overrides: dict, fragment: str) -> None:
    request = await _dl_request(portal)
    response = await _post(portal, sign_jwt(_response_claims(portal, request, **overrides), portal.tool_key))
    assert response.status_code == 400
    assert fragment in response.json()["error_description"]
    assert (await portal.client.get("/links")).json() == []


async def test_signature_and_issuer_checked(portal) -> None:
    request = await _dl_request(portal)
    claims = _response_claims(portal, request)
    wrong_key = await _post(portal, sign_jwt(claims, generate_rsa_key(portal.tool_key.kid)))
    assert wrong_key.status_code == 400 and "bad_signature" in wrong_key.json()["error_description"]
    unsigned = await _post(portal, sign_raw({"alg": "none", "kid": portal.tool_key.kid}, claims, None))
    assert unsigned.status_code == 400 and "alg_not_allowed" in unsigned.json()["error_description"]
    stranger = await _post(portal, sign_jwt(claims | {"iss": "stranger"}, portal.tool_key))
    assert stranger.status_code == 400 and stranger.json()["error"] == "invalid_client"
    assert (await portal.client.post("/dl/return", data={})).status_code == 400
    assert (await _post(portal, "garbage")).status_code == 400


async def test_nonce_replay_rejected(portal) -> None:
    request = await _dl_request(portal)
    token = sign_jwt(_response_claims(portal, request, nonce="once"), portal.tool_key)
    assert (await _post(portal, token)).status_code == 200
    replay = await _post(portal, token)
    assert replay.status_code == 400 and "nonce" in replay.json()["error_description"]


async def test_fault_accept_replayed_dl_nonce(portal_factory) -> None:
    portal = portal_factory({"accept_replayed_dl_nonce"})
    request = await _dl_request(portal)
    token = sign_jwt(_response_claims(portal, request, nonce="once"), portal.tool_key)
    assert (await _post(portal, token)).status_code == 200
    assert (await _post(portal, token)).status_code == 200


@pytest.mark.parametrize(("fault", "overrides", "fragment"), [
    ("accept_dl_without_exp", {"exp": None}, "exp"),
    ("accept_dl_without_nonce", {"nonce": None}, "nonce"),
    ("skip_dl_deployment_check", {vocab.CLAIM_DEPLOYMENT_ID: "renkei-other-deployment"}, "deployment_id"),
])
async def test_deep_linking_faults_accept_what_the_correct_portal_refuses(portal, portal_factory, fault: str,
                                                                          overrides: dict, fragment: str) -> None:
    request = await _dl_request(portal)
    refused = await _post(portal, sign_jwt(_response_claims(portal, request, **overrides), portal.tool_key))
    assert refused.status_code == 400 and fragment in refused.json()["error_description"]
    broken = portal_factory({fault})
    request = await _dl_request(broken)
    accepted = await _post(broken, sign_jwt(_response_claims(broken, request, **overrides), broken.tool_key))
    assert accepted.status_code == 200, accepted.text


async def test_fault_dl_deployment_registered_only_accepts_another_deployment_of_the_tool(portal_factory) -> None:
    deployments = {"deployment_ids": [DEPLOYMENT, "S_B101200000028"]}
    correct = portal_factory(**deployments)
    other = {vocab.CLAIM_DEPLOYMENT_ID: "S_B101200000028"}
    request = await _dl_request(correct)
    refused = await _post(correct, sign_jwt(_response_claims(correct, request, **other), correct.tool_key))
    assert refused.status_code == 400 and "differs from the Deep Linking request" in refused.json()["error_description"]
    broken = portal_factory({"dl_deployment_registered_only"}, **deployments)
    request = await _dl_request(broken)
    assert (await _post(broken, sign_jwt(_response_claims(broken, request, **other), broken.tool_key))).status_code == 200
    stranger = {vocab.CLAIM_DEPLOYMENT_ID: "renkei-other-deployment"}  # an unregistered one is still refused
    request = await _dl_request(broken)
    assert (await _post(broken, sign_jwt(_response_claims(broken, request, **stranger), broken.tool_key))).status_code == 400


async def test_fault_dl_client_from_request_ignores_iss(portal, portal_factory) -> None:
    request = await _dl_request(portal)
    stranger = await _post(portal, sign_jwt(_response_claims(portal, request, iss="stranger"), portal.tool_key))
    assert stranger.status_code == 400 and stranger.json()["error"] == "invalid_client"
    broken = portal_factory({"dl_client_from_request"})
    request = await _dl_request(broken)
    accepted = await _post(broken, sign_jwt(_response_claims(broken, request, iss="stranger"), broken.tool_key))
    assert accepted.status_code == 200, accepted.text
