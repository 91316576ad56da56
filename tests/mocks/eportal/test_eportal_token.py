"""Token endpoint (RFC 7523 client assertion) and bearer/scope enforcement of the mock e-portal."""

from __future__ import annotations

import httpx
import pytest

from renkei.harness.lti.protocol import vocab
from renkei.harness.lti.protocol.jose import generate_rsa_key, public_jwks, sign_jwt, sign_raw
from tests.mocks.eportal.eportal_support import CLASS1, CLIENT_ID, ISSUER

pytestmark = pytest.mark.anyio


async def test_token_success_grants_requested_scopes(portal) -> None:
    response = await portal.token_response([vocab.SCOPE_NRPS_READONLY, vocab.SCOPE_AGS_SCORE])
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600 and body["access_token"]
    assert set(body["scope"].split()) == {vocab.SCOPE_NRPS_READONLY, vocab.SCOPE_AGS_SCORE}
    assert response.headers["cache-control"] == "no-store"


async def test_scope_subset_when_service_disabled(portal_factory) -> None:
    portal = portal_factory(nrps=False)
    body = (await portal.token_response([vocab.SCOPE_NRPS_READONLY, vocab.SCOPE_AGS_SCORE])).json()
    assert body["scope"] == vocab.SCOPE_AGS_SCORE
    only_nrps = await portal.token_response([vocab.SCOPE_NRPS_READONLY])
    assert only_nrps.status_code == 400 and only_nrps.json()["error"] == "invalid_scope"


@pytest.mark.parametrize(
    "overrides",
    [{"iss": "someone-else"}, {"sub": "someone-else"}, {"aud": ISSUER}, {"aud": None},
     {"exp": 1}, {"exp": None}, {"iat": 4_000_000_000}, {"jti": None}],
)
async def test_bad_assertion_claims_are_invalid_client(portal, overrides: dict) -> None:
    response = await portal.token_response([vocab.SCOPE_AGS_SCORE], portal.assertion(**overrides))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_client"


async def test_bad_signature_and_forged_algs_rejected(portal, tool_key) -> None:
    claims = {"iss": CLIENT_ID, "sub": CLIENT_ID, "aud": f"{ISSUER}/token", "iat": 1, "exp": 9_999_999_999,
              "jti": "forged"}
    forged = [
        sign_jwt(claims, generate_rsa_key("tool-k1")),  # right kid, wrong key
        sign_raw({"alg": "none", "kid": "tool-k1"}, claims, None),
        sign_raw({"alg": "HS256", "kid": "tool-k1"}, claims, tool_key.as_pem(private=False)),
        sign_jwt(claims, tool_key, include_kid=False),
        "not-a-jwt",
    ]
    for token in forged:
        response = await portal.token_response([vocab.SCOPE_AGS_SCORE], token)
        assert response.status_code == 400 and response.json()["error"] == "invalid_client"


async def test_replayed_jti_rejected(portal) -> None:
    assertion = portal.assertion(jti="once")
    assert (await portal.token_response([vocab.SCOPE_AGS_SCORE], assertion)).status_code == 200
    again = await portal.token_response([vocab.SCOPE_AGS_SCORE], assertion)
    assert again.status_code == 400 and "jti" in again.json()["error_description"]


async def test_fault_accept_replayed_jti(portal_factory) -> None:
    portal = portal_factory({"accept_replayed_jti"})
    assertion = portal.assertion(jti="once")
    assert (await portal.token_response([vocab.SCOPE_AGS_SCORE], assertion)).status_code == 200
    assert (await portal.token_response([vocab.SCOPE_AGS_SCORE], assertion)).status_code == 200


async def test_unknown_scope_is_invalid_scope(portal) -> None:
    response = await portal.token_response([vocab.SCOPE_AGS_SCORE, "https://example.test/scope/everything"])
    assert response.status_code == 400 and response.json()["error"] == "invalid_scope"


async def test_fault_ignore_unknown_scope(portal_factory) -> None:
    portal = portal_factory({"ignore_unknown_scope"})
    response = await portal.token_response([vocab.SCOPE_AGS_SCORE, "https://example.test/scope/everything"])
    assert response.status_code == 200
    assert "https://example.test/scope/everything" in response.json()["scope"]


@pytest.mark.parametrize(
    "form",
    [{"grant_type": "password"}, {"client_assertion_type": "x"}, {"client_assertion": ""}, {"scope": ""}],
)
async def test_malformed_token_requests(portal, form: dict) -> None:
    data = {"grant_type": "client_credentials", "client_assertion_type": vocab.CLIENT_ASSERTION_TYPE,
            "client_assertion": portal.assertion(), "scope": vocab.SCOPE_AGS_SCORE} | form
    response = await portal.client.post("/token", data=data)
    assert response.status_code == 400 and response.json()["error"]


async def test_tool_jwks_url_fetched_and_refetched_on_rotation(bundle, clock) -> None:
    from renkei.mocks.eportal import EportalConfig, ToolRegistration, create_app

    tool_keys = [generate_rsa_key("a1")]
    fetches: list[str] = []

    def tool_server(request: httpx.Request) -> httpx.Response:
        fetches.append(str(request.url))
        return httpx.Response(200, json=public_jwks(tool_keys))

    config = EportalConfig(
        issuer=ISSUER, bundle=bundle, clock=clock, transport=httpx.MockTransport(tool_server),
        tools=[ToolRegistration(client_id=CLIENT_ID, deployment_ids=["d"], login_url="https://t.test/login",
                                redirect_uris=["https://t.test/launch"], target_link_uri="https://t.test/launch",
                                jwks_url="https://t.test/jwks")],
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(config)), base_url=ISSUER) as client:
        async def token_with(key) -> int:
            assertion = sign_jwt({"iss": CLIENT_ID, "sub": CLIENT_ID, "aud": f"{ISSUER}/token",
                                  "iat": int(clock.now), "exp": int(clock.now) + 300, "jti": key.kid + str(len(fetches))},
                                 key)
            response = await client.post("/token", data={
                "grant_type": "client_credentials", "client_assertion_type": vocab.CLIENT_ASSERTION_TYPE,
                "client_assertion": assertion, "scope": vocab.SCOPE_AGS_SCORE})
            return response.status_code

        assert await token_with(tool_keys[0]) == 200
        assert await token_with(tool_keys[0]) == 200
        assert len(fetches) == 1  # cached
        tool_keys.append(generate_rsa_key("a2"))
        assert await token_with(tool_keys[1]) == 200  # unknown kid -> one refetch
        assert len(fetches) == 2
        assert await token_with(generate_rsa_key("zz")) == 400  # forged kid: one refetch, then reject
        assert len(fetches) == 3


async def test_bearer_enforcement(portal) -> None:
    url = f"/nrps/{CLASS1}"
    missing = await portal.client.get(url)
    assert missing.status_code == 401 and "Bearer" in missing.headers["www-authenticate"]
    bogus = await portal.client.get(url, headers={"Authorization": "Bearer nope"})
    assert bogus.status_code == 401
    wrong_scope = await portal.client.get(url, headers=await portal.token(vocab.SCOPE_AGS_SCORE))
    assert wrong_scope.status_code == 403 and wrong_scope.json()["error"] == "insufficient_scope"
    ok = await portal.client.get(url, headers=await portal.token(vocab.SCOPE_NRPS_READONLY))
    assert ok.status_code == 200


async def test_expired_bearer_token(portal, clock) -> None:
    headers = await portal.token(vocab.SCOPE_NRPS_READONLY)
    clock.now += 7200
    assert (await portal.client.get(f"/nrps/{CLASS1}", headers=headers)).status_code == 401


async def test_fault_no_scope_enforcement(portal_factory) -> None:
    portal = portal_factory({"no_scope_enforcement"})
    headers = await portal.token(vocab.SCOPE_AGS_SCORE)
    assert (await portal.client.get(f"/nrps/{CLASS1}", headers=headers)).status_code == 200


@pytest.mark.parametrize(("fault", "overrides"), [
    ("accept_assertion_without_exp", {"exp": None}),
    ("assertion_client_from_sub", {"iss": "someone-else"}),
    ("skip_assertion_sub_check", {"sub": "someone-else"}),
])
async def test_assertion_faults_accept_what_the_correct_portal_refuses(portal, portal_factory, fault: str,
                                                                       overrides: dict) -> None:
    refused = await portal.token_response([vocab.SCOPE_AGS_SCORE], portal.assertion(**overrides))
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_client"
    broken = portal_factory({fault})
    assert (await broken.token_response([vocab.SCOPE_AGS_SCORE], broken.assertion(**overrides))).status_code == 200


async def test_assertion_client_from_sub_still_refuses_a_wrong_sub(portal_factory) -> None:
    broken = portal_factory({"assertion_client_from_sub"})
    response = await broken.token_response([vocab.SCOPE_AGS_SCORE], broken.assertion(sub="someone-else"))
    assert response.status_code == 400


async def test_fault_accept_any_assertion_type(portal, portal_factory) -> None:
    def form(p) -> dict:
        return {"grant_type": "client_credentials", "client_assertion": p.assertion(), "scope": vocab.SCOPE_AGS_SCORE,
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:saml2-bearer"}

    refused = await portal.client.post("/token", data=form(portal))
    assert refused.status_code == 400 and "client_assertion_type" in refused.json()["error_description"]
    broken = portal_factory({"accept_any_assertion_type"})
    assert (await broken.client.post("/token", data=form(broken))).status_code == 200
