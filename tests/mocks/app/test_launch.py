"""Launch validation of the mock tool: accepted launches and every rejection with a real token."""

from __future__ import annotations

import time
from typing import Any

import pytest

from renkei.harness.lti.protocol import vocab
from renkei.harness.lti.protocol.jose import RSAKey, generate_rsa_key, sign_raw
from renkei.mocks.app.validation import REJECTIONS
from tests.mocks.app.conftest import (
    CLIENT_ID,
    DEPLOYMENT_ID,
    DROP,
    ISSUER,
    ToolDriver,
    deep_linking_changes,
    error_code,
    launch_marker,
    resource_link_claims,
)

pytestmark = pytest.mark.anyio


async def test_valid_launch_renders_ok_marker(tool: ToolDriver) -> None:
    auth = await tool.login()
    claims = resource_link_claims(auth["nonce"])
    response = await tool.launch(tool.platform.sign(claims), auth["state"])
    assert response.status_code == 200
    marker = launch_marker(response)
    assert marker is not None
    assert marker[0] == vocab.MSG_RESOURCE_LINK
    assert marker[1] == claims["sub"]
    assert error_code(response) is None


# [CERT §6.1.2/§6.1.3] valid variants a tool must accept.
ACCEPTED: dict[str, dict[str, Any]] = {
    "multiple roles": {vocab.CLAIM_ROLES: [vocab.ROLE_INSTRUCTOR, vocab.ROLE_INST_FACULTY, vocab.ROLE_MENTOR]},
    "short role": {vocab.CLAIM_ROLES: ["Instructor"]},
    "unknown role": {vocab.CLAIM_ROLES: ["http://example.com/custom/TeachingAssistant"]},
    "no role": {vocab.CLAIM_ROLES: []},
    "email only": {"given_name": DROP, "family_name": DROP, "name": DROP, "email": "t@example.invalid"},
    "names only": {"email": DROP},
    "no PII": {"given_name": DROP, "family_name": DROP, "name": DROP},
    "email without context": {"name": DROP, "email": "t@example.invalid", vocab.CLAIM_CONTEXT: DROP},
    "no custom": {vocab.CLAIM_CUSTOM: DROP},
    "unknown extra claim": {"https://vendor.example/claim/x": {"a": 1}},
    "aud as array": {"aud": [CLIENT_ID]},
    "azp equals client_id": {"aud": [CLIENT_ID], "azp": CLIENT_ID},
    "iat slightly ahead": {"iat": int(time.time()) + 30},
}


@pytest.mark.parametrize("changes", list(ACCEPTED.values()), ids=list(ACCEPTED))
async def test_valid_variants_are_accepted(tool: ToolDriver, changes: dict[str, Any]) -> None:
    response = await tool.launch_with(changes)
    assert response.status_code == 200, error_code(response)
    assert launch_marker(response) is not None


# Claim-level forgeries (the platform key signs them; only the content is wrong).
REJECTED: dict[str, tuple[dict[str, Any], str]] = {
    "invalid LTI message": ({k: DROP for k in resource_link_claims("x")} | {"name": "badltilaunch"}, "iss_missing"),
    "iss missing": ({"iss": DROP}, "iss_missing"),
    "iss wrong": ({"iss": "https://evil.test"}, "iss_mismatch"),
    "iss trailing slash": ({"iss": ISSUER + "/"}, "iss_mismatch"),
    "aud missing": ({"aud": DROP}, "aud_missing"),
    "aud wrong": ({"aud": "someone-else"}, "aud_mismatch"),
    "aud extra untrusted": ({"aud": [CLIENT_ID, "someone-else"], "azp": CLIENT_ID}, "aud_untrusted"),
    "azp wrong": ({"azp": "someone-else"}, "azp_mismatch"),
    "exp past": ({"exp": int(time.time()) - 3600}, "token_expired"),
    "timestamps incorrect": ({"iat": 11111, "exp": 22222}, "token_expired"),
    "exp missing": ({"exp": DROP}, "exp_missing"),
    "iat missing": ({"iat": DROP}, "iat_missing"),
    "iat future": ({"iat": int(time.time()) + 3600, "exp": int(time.time()) + 7200}, "iat_future"),
    "nonce missing": ({"nonce": DROP}, "nonce_missing"),
    "nonce not issued": ({"nonce": "forged-nonce"}, "nonce_mismatch"),
    "message_type missing": ({vocab.CLAIM_MESSAGE_TYPE: DROP}, "message_type_missing"),
    "message_type wrong": ({vocab.CLAIM_MESSAGE_TYPE: "LtiDeepLinkingResponse"}, "message_type_unsupported"),
    "version missing": ({vocab.CLAIM_VERSION: DROP}, "version_missing"),
    "version wrong": ({vocab.CLAIM_VERSION: "1.1.0"}, "version_invalid"),
    "deployment_id missing": ({vocab.CLAIM_DEPLOYMENT_ID: DROP}, "deployment_id_missing"),
    "deployment_id unknown": ({vocab.CLAIM_DEPLOYMENT_ID: "S_9999999999999"}, "deployment_id_unknown"),
    "target_link_uri missing": ({vocab.CLAIM_TARGET_LINK_URI: DROP}, "target_link_uri_missing"),
    "target_link_uri differs": ({vocab.CLAIM_TARGET_LINK_URI: "http://tool.test/other"}, "target_link_uri_mismatch"),
    "user claim missing": ({"sub": DROP}, "sub_missing"),
    "sub empty": ({"sub": ""}, "sub_invalid"),
    "role claim missing": ({vocab.CLAIM_ROLES: DROP}, "roles_missing"),
    "roles not array": ({vocab.CLAIM_ROLES: vocab.ROLE_LEARNER}, "roles_invalid"),
    "resource_link missing": ({vocab.CLAIM_RESOURCE_LINK: DROP}, "resource_link_id_missing"),
    "resource_link id missing": ({vocab.CLAIM_RESOURCE_LINK: {"title": "x"}}, "resource_link_id_missing"),
    "context without id": ({vocab.CLAIM_CONTEXT: {"title": "x"}}, "context_invalid"),
    "custom null value": ({vocab.CLAIM_CUSTOM: {"grade": None}}, "custom_invalid"),
    "custom number value": ({vocab.CLAIM_CUSTOM: {"grade": 3}}, "custom_invalid"),
    "dl settings missing": (deep_linking_changes() | {vocab.CLAIM_DL_SETTINGS: DROP}, "dl_settings_missing"),
    "dl return url missing": (deep_linking_changes(deep_link_return_url=None), "dl_settings_invalid"),
}


@pytest.mark.parametrize("changes,code", list(REJECTED.values()), ids=list(REJECTED))
async def test_forged_claims_are_rejected(tool: ToolDriver, changes: dict[str, Any], code: str) -> None:
    response = await tool.launch_with(changes)
    assert error_code(response) == code
    assert response.status_code == REJECTIONS[code].status
    assert launch_marker(response) is None


async def test_multiple_audiences_without_azp_rejected_even_if_trusted(make_tool: Any) -> None:
    async with make_tool(trusted_audiences=frozenset({"partner"})) as tool:
        accepted = await tool.launch_with({"aud": [CLIENT_ID, "partner"], "azp": CLIENT_ID})
        rejected = await tool.launch_with({"aud": [CLIENT_ID, "partner"]})
    assert accepted.status_code == 200
    assert error_code(rejected) == "azp_missing"


async def test_kid_missing_rejected(tool: ToolDriver) -> None:
    response = await tool.launch_with(include_kid=False)
    assert (response.status_code, error_code(response)) == (401, "kid_missing")


async def test_unknown_kid_rejected_after_one_refetch(tool: ToolDriver) -> None:
    assert (await tool.launch_with()).status_code == 200
    fetches = tool.platform.jwks_fetches
    response = await tool.launch_with(header={"kid": "no-such-kid"})
    assert (response.status_code, error_code(response)) == (401, "kid_unknown")
    assert tool.platform.jwks_fetches == fetches + 1


async def test_rotated_platform_key_is_found_by_refetch(tool: ToolDriver) -> None:
    assert (await tool.launch_with()).status_code == 200
    tool.platform.keys.append(generate_rsa_key(kid="platform-key-2"))
    response = await tool.launch_with()
    assert response.status_code == 200, error_code(response)


async def _forged_launch(tool: ToolDriver, header: dict[str, Any], key: bytes | RSAKey | None) -> str | None:
    auth = await tool.login()
    token = sign_raw(header, resource_link_claims(auth["nonce"]), key)
    return error_code(await tool.launch(token, auth["state"]))


async def test_alg_none_rejected(tool: ToolDriver) -> None:
    assert await _forged_launch(tool, {"alg": "none", "kid": "platform-key-1"}, None) == "alg_not_allowed"


async def test_hs256_signed_with_public_key_rejected(tool: ToolDriver, platform_key: RSAKey) -> None:
    header = {"alg": "HS256", "typ": "JWT", "kid": "platform-key-1"}
    assert await _forged_launch(tool, header, platform_key) == "alg_not_allowed"


async def test_signature_by_other_key_with_right_kid_rejected(tool: ToolDriver, impostor_key: RSAKey) -> None:
    header = {"alg": "RS256", "typ": "JWT", "kid": "platform-key-1"}
    assert await _forged_launch(tool, header, impostor_key) == "bad_signature"


async def test_tampered_payload_rejected(tool: ToolDriver) -> None:
    auth = await tool.login()
    good = tool.platform.sign(resource_link_claims(auth["nonce"]))
    other = tool.platform.sign(resource_link_claims(auth["nonce"], {"sub": "someone-else"}))
    head, _, sig = good.split(".")
    forged = ".".join([head, other.split(".")[1], sig])
    assert error_code(await tool.launch(forged, auth["state"])) == "bad_signature"


@pytest.mark.parametrize("token", ["abc", "a.b", "e30.e30.!!", ""], ids=["one-part", "two-parts", "bad-b64", "empty"])
async def test_malformed_token_rejected(tool: ToolDriver, token: str) -> None:
    auth = await tool.login()
    response = await tool.launch(token, auth["state"])
    assert error_code(response) == ("id_token_missing" if token == "" else "malformed")
    assert response.status_code == 400


async def test_id_token_missing(tool: ToolDriver) -> None:
    auth = await tool.login()
    assert error_code(await tool.launch(None, auth["state"])) == "id_token_missing"


async def test_nonce_replay_rejected(tool: ToolDriver) -> None:
    auth = await tool.login()
    token = tool.platform.sign(resource_link_claims(auth["nonce"]))
    assert (await tool.launch(token, auth["state"])).status_code == 200
    tool.client.cookies.set("lti_state_" + auth["state"], auth["state"])
    replay = await tool.launch(token, auth["state"])
    assert (replay.status_code, error_code(replay)) == (401, "nonce_replayed")


async def test_state_missing_unknown_and_cookie_mismatch(tool: ToolDriver) -> None:
    auth = await tool.login()
    token = tool.platform.sign(resource_link_claims(auth["nonce"]))
    assert error_code(await tool.launch(token, None)) == "state_missing"
    assert error_code(await tool.launch(token, "not-issued")) == "state_unknown"
    tool.client.cookies.clear()
    response = await tool.launch(token, auth["state"])
    assert (response.status_code, error_code(response)) == (401, "state_mismatch")


async def test_state_of_other_login_is_nonce_mismatch(tool: ToolDriver) -> None:
    first = await tool.login()
    second = await tool.login()
    token = tool.platform.sign(resource_link_claims(first["nonce"]))
    assert error_code(await tool.launch(token, second["state"])) == "nonce_mismatch"


async def test_lti_deployment_id_from_login_must_match(tool: ToolDriver) -> None:
    auth = await tool.login(lti_deployment_id="S_0000000000000")
    token = tool.platform.sign(resource_link_claims(auth["nonce"]))
    assert error_code(await tool.launch(token, auth["state"])) == "deployment_id_mismatch"


async def test_multi_deployment_registration(make_tool: Any) -> None:
    async with make_tool(deployment_ids=frozenset({DEPLOYMENT_ID, "S_2222222222222"})) as tool:
        auth = await tool.login(lti_deployment_id="S_2222222222222")
        claims = resource_link_claims(auth["nonce"], {vocab.CLAIM_DEPLOYMENT_ID: "S_2222222222222"})
        response = await tool.launch(tool.platform.sign(claims), auth["state"])
    assert response.status_code == 200


async def test_jwks_unavailable_gives_clear_error(tool: ToolDriver) -> None:
    tool.platform.jwks_status = 500
    response = await tool.launch_with()
    assert (response.status_code, error_code(response)) == (502, "jwks_unavailable")
    assert "HTTP 500" in response.text


async def test_hostile_claim_values_are_escaped(tool: ToolDriver) -> None:
    response = await tool.launch_with({"sub": '"><script>alert(1)</script>'})
    assert response.status_code == 200
    assert "<script>alert(1)" not in response.text
    marker = launch_marker(response)
    assert marker is not None


async def test_get_on_launch_is_not_allowed(tool: ToolDriver) -> None:
    assert (await tool.client.get("/launch")).status_code == 405


async def test_anonymous_launch_only_when_allowed(make_tool: Any) -> None:
    async with make_tool(allow_anonymous_launch=True) as tool:
        anonymous = await tool.launch_with({"sub": DROP})
        empty = await tool.launch_with({"sub": ""})
    assert anonymous.status_code == 200
    assert error_code(empty) == "sub_invalid"


class _Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


async def test_expired_login_state_is_unknown(make_tool: Any) -> None:
    clock = _Clock()
    async with make_tool(clock=clock) as tool:
        auth = await tool.login()
        clock.now += 601
        claims = resource_link_claims(auth["nonce"], {"exp": int(clock.now) + 300})
        response = await tool.launch(tool.platform.sign(claims), auth["state"])
    assert error_code(response) == "state_unknown"


async def test_jwks_cache_expires_after_max_age(make_tool: Any) -> None:
    clock = _Clock()
    far = {"exp": int(clock.now) + 10_000}
    async with make_tool(clock=clock) as tool:
        assert (await tool.launch_with(far)).status_code == 200
        assert (await tool.launch_with(far)).status_code == 200
        assert tool.platform.jwks_fetches == 1
        clock.now += 301
        assert (await tool.launch_with(far)).status_code == 200
    assert tool.platform.jwks_fetches == 2
