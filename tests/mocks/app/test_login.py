"""OIDC third-party login initiation of the mock tool [SEC §5.1.1.1-2], [CORE §4.1]."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.mocks.app.conftest import CLIENT_ID, DROP, ISSUER, TARGET, TOOL_BASE, ToolDriver, error_code

pytestmark = pytest.mark.anyio

HINT = '{"ctx": "3年1組", "a": "b&c=d+e"} %2F'


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_login_redirects_with_every_required_parameter(tool: ToolDriver, method: str) -> None:
    query = await tool.login(method, lti_message_hint=HINT)
    assert query["scope"] == "openid"
    assert query["response_type"] == "id_token"
    assert query["response_mode"] == "form_post"
    assert query["prompt"] == "none"
    assert query["client_id"] == CLIENT_ID
    assert query["redirect_uri"] == TOOL_BASE + "/launch"
    assert query["login_hint"] == "hint-1"
    assert query["lti_message_hint"] == HINT
    assert query["state"] and query["nonce"] and query["state"] != query["nonce"]


async def test_login_goes_to_platform_auth_endpoint_and_sets_state_cookie(tool: ToolDriver) -> None:
    response = await tool.client.get("/login", params={"iss": ISSUER, "login_hint": "h", "target_link_uri": TARGET})
    location = urlsplit(response.headers["location"])
    assert (location.scheme, location.netloc, location.path) == ("https", "platform.test", "/auth")
    state = parse_qs(location.query)["state"][0]
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"lti_state_{state}={state}")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "lti_message_hint" not in parse_qs(location.query)


async def test_each_login_issues_fresh_state_and_nonce(tool: ToolDriver) -> None:
    first, second = await tool.login(), await tool.login()
    assert first["state"] != second["state"]
    assert first["nonce"] != second["nonce"]


async def test_https_tool_sets_cross_site_cookie(make_tool: Any) -> None:
    async with make_tool(base_url="https://tool.test") as tool:
        response = await tool.client.get(
            "https://tool.test/login", params={"iss": ISSUER, "login_hint": "h", "target_link_uri": TARGET}
        )
    cookie = response.headers["set-cookie"]
    assert "Secure" in cookie and "SameSite=none" in cookie


@pytest.mark.parametrize("missing", ["iss", "login_hint", "target_link_uri"])
@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_login_without_required_parameter_is_400(tool: ToolDriver, missing: str, method: str) -> None:
    params = {"iss": ISSUER, "login_hint": "h", "target_link_uri": TARGET}
    params.pop(missing)
    if method == "GET":
        response = await tool.client.get("/login", params=params)
    else:
        response = await tool.client.post("/login", data=params)
    assert response.status_code == 400
    assert error_code(response) == "login_param_missing"
    assert missing in response.text


async def test_unknown_issuer_is_400(tool: ToolDriver) -> None:
    response = await tool.client.get(
        "/login", params={"iss": "https://evil.test", "login_hint": "h", "target_link_uri": TARGET}
    )
    assert (response.status_code, error_code(response)) == (400, "login_iss_unknown")


async def test_foreign_client_id_is_400(tool: ToolDriver) -> None:
    response = await tool.client.get(
        "/login",
        params={"iss": ISSUER, "login_hint": "h", "target_link_uri": TARGET, "client_id": "other"},
    )
    assert (response.status_code, error_code(response)) == (400, "login_client_id_unknown")


async def test_optional_client_id_and_deployment_may_be_absent(tool: ToolDriver) -> None:
    query = await tool.login(client_id=DROP, lti_deployment_id=DROP)
    assert query["client_id"] == CLIENT_ID


async def test_oversized_login_form_is_rejected(tool: ToolDriver) -> None:
    response = await tool.client.post("/login", data={"iss": ISSUER, "login_hint": "x" * (2 * 1024 * 1024)})
    assert (response.status_code, error_code(response)) == (413, "request_too_large")


@pytest.mark.parametrize("path", ["/login", "/launch"])
async def test_unparseable_form_is_a_clear_400(tool: ToolDriver, path: str) -> None:
    response = await tool.client.post(path, content=b"garbage", headers={"content-type": "multipart/form-data"})
    assert (response.status_code, error_code(response)) == (400, "request_malformed")


async def test_registration_document(tool: ToolDriver) -> None:
    body = (await tool.client.get("/")).json()
    assert body["login_url"] == TOOL_BASE + "/login"
    assert body["redirect_uris"] == [TOOL_BASE + "/launch"]
    assert body["jwks_url"] == TOOL_BASE + "/jwks"
    assert body["client_id"] == CLIENT_ID


async def test_jwks_publishes_public_key_only(tool: ToolDriver) -> None:
    response = await tool.client.get("/jwks")
    keys = response.json()["keys"]
    assert keys and all(k["kty"] == "RSA" and k["kid"] and "d" not in k for k in keys)
    assert "max-age" in response.headers["cache-control"]
