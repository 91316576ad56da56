"""The harness Tool side (login, redirect URI, JWKS, records, plans) and the shared HTTP helpers."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from renkei.harness.lti.platform.tool_side import LAUNCH, LOGIN, UNREGISTERED, ToolSide
from renkei.harness.lti.protocol.browser import BrowserError, InProcessTransport
from renkei.harness.lti.protocol.http import ApiClient, ApiResponse, LocalRouteTransport, media_type
from renkei.harness.lti.protocol.jose import generate_rsa_key
from tests.harness.lti.platform.platform_env import EPORTAL, HARNESS, target_config


@pytest.fixture
def side() -> Iterator[tuple[ToolSide, httpx.Client]]:
    tool = ToolSide(target_config(), [generate_rsa_key("k1")])
    transport = InProcessTransport(tool.app)
    client = httpx.Client(transport=transport, base_url=HARNESS)
    try:
        yield tool, client
    finally:
        client.close()


def test_login_answers_with_the_auth_request_and_a_plan_changes_it(side: tuple[ToolSide, httpx.Client]) -> None:
    tool, client = side
    login = {"iss": EPORTAL, "login_hint": "h", "target_link_uri": HARNESS + "/launch", "client_id": "c-1"}
    first = httpx.URL(client.post("/login", data=login).headers["location"])
    assert first.params["client_id"] == "c-1" and first.params["response_mode"] == "form_post"
    assert "lti_message_hint" not in first.params
    assert tool.nonces[first.params["state"]] == first.params["nonce"]
    tool.plan({"nonce": None, "prompt": "login"})
    second = httpx.URL(client.get("/login", params=login).headers["location"])
    assert "nonce" not in second.params and second.params["prompt"] == "login"
    tool.plan(None)
    third = httpx.URL(client.get("/login", params=login).headers["location"])
    assert third.params["prompt"] == "none" and third.params["state"] != first.params["state"]
    calls = tool.calls_of(LOGIN)
    assert [c.method for c in calls] == ["POST", "GET", "GET"]
    assert calls[1].auth_params is not None and "nonce" not in calls[1].auth_params


def test_redirect_uri_and_unregistered_path_record_what_arrives(side: tuple[ToolSide, httpx.Client]) -> None:
    tool, client = side
    page = client.post("/launch", data={"id_token": "a.b.c", "state": "s"})
    assert page.status_code == 200 and "renkei-launch-received" in page.text
    assert client.get("/unregistered-redirect?id_token=x&id_token=y").status_code == 400
    (launch,) = tool.calls_of(LAUNCH)
    (unregistered,) = tool.calls_of(UNREGISTERED)
    assert launch.params == {"id_token": "a.b.c", "state": "s"}
    assert "x-www-form-urlencoded" in launch.content_type
    assert unregistered.repeated == ("id_token",) and unregistered.params["id_token"] == "y"
    assert tool.wait_for(lambda: len(tool.calls) == 2, timeout=0)


def test_jwks_publishes_public_keys_only(side: tuple[ToolSide, httpx.Client]) -> None:
    _, client = side
    (key,) = client.get("/jwks").json()["keys"]
    assert key["kid"] == "k1" and key["kty"] == "RSA" and "d" not in key and "p" not in key


def _response(link: str, url: str = "https://p.test/nrps/c1?limit=2") -> ApiResponse:
    return ApiResponse("GET", url, 200, httpx.Headers([("link", link)]), b"{}")


@pytest.mark.parametrize(("header", "expected"), [
    ('<https://p.test/nrps/c1?limit=2&offset=2>; rel="next"', "https://p.test/nrps/c1?limit=2&offset=2"),
    ('<https://p.test/a?x=1,2>; rel="differences", </nrps/c1?page=3>; rel="next last"', "https://p.test/nrps/c1?page=3"),
    ('<https://p.test/a>; rel=prev', None),
    ('garbage without brackets', None),
])
def test_link_header_next_is_found_and_resolved(header: str, expected: str | None) -> None:
    assert _response(header).link("next") == expected


def test_api_client_sends_secrets_only_to_trusted_hosts() -> None:
    seen: dict[str, httpx.Headers] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen[request.url.host] = request.headers
        return httpx.Response(200, json={"ok": True}, headers={"Content-Type": "application/json; charset=utf-8"})

    api = ApiClient(transport=httpx.MockTransport(handler), timeout=5, max_body=1024,
                    headers={"X-Staging": "secret"}, secret_hosts={"p.test"})
    try:
        resp, body = api.get_json("https://p.test/jwks")
        api.request("GET", "https://elsewhere.test/x")
    finally:
        api.close()
    assert body == {"ok": True} and resp.media_type == "application/json"
    assert seen["p.test"]["x-staging"] == "secret" and "x-staging" not in seen["elsewhere.test"]


def test_api_client_errors_are_browser_errors() -> None:
    api = ApiClient(transport=httpx.MockTransport(lambda r: httpx.Response(500, text="boom")), timeout=5,
                    max_body=1024)
    try:
        with pytest.raises(BrowserError) as err:
            api.get_json("https://p.test/jwks")
    finally:
        api.close()
    assert err.value.code == "status" and "500" in err.value.en and err.value.ja


def test_local_route_transport_picks_by_host() -> None:
    local = httpx.MockTransport(lambda r: httpx.Response(200, text="local"))
    remote = httpx.MockTransport(lambda r: httpx.Response(200, text="remote"))
    with httpx.Client(transport=LocalRouteTransport("renkei-tool.test", local, remote)) as client:
        assert client.get(HARNESS + "/jwks").text == "local"
        assert client.get(EPORTAL + "/jwks").text == "remote"
    assert media_type("Application/JSON ; charset=utf-8") == "application/json"
