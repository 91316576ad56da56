"""Launch starter, OIDC authorization endpoint and id_token contents of the mock e-portal."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from renkei.harness.lti.protocol import vocab
from renkei.harness.lti.protocol.jose import decode_unverified, verify_jwt
from renkei.mocks.eportal.forms import parse_autosubmit
from tests.mocks.eportal.eportal_support import (
    CLASS1,
    CLIENT_ID,
    DEPLOYMENT,
    ISSUER,
    STUDENT1,
    TEACHER,
    TOOL,
    unverified_claims,
)

pytestmark = pytest.mark.anyio


async def test_login_initiation_get_redirects_with_all_parameters(portal) -> None:
    response = await portal.client.get("/launch", params={"user": "u-s1", "context": CLASS1})
    assert response.status_code == 302
    target = urlsplit(response.headers["location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{TOOL}/login"
    q = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert q["iss"] == ISSUER and q["login_hint"] == STUDENT1 and q["target_link_uri"] == f"{TOOL}/launch"
    assert q["lti_deployment_id"] == DEPLOYMENT and q["client_id"] == CLIENT_ID and q["lti_message_hint"]


async def test_login_initiation_post_is_autosubmit_form(portal) -> None:
    response = await portal.client.get("/launch", params={"user": "u-s1", "method": "post"})
    assert response.status_code == 200
    action, method, fields = parse_autosubmit(response.text)
    assert (action, method) == (f"{TOOL}/login", "post")
    assert {"iss", "login_hint", "target_link_uri", "lti_message_hint"} <= set(fields)


@pytest.mark.parametrize(
    ("params", "status"),
    [({"user": "nobody"}, 400), ({"user": "u-s1", "client_id": "other"}, 400),
     ({"user": "u-s1", "context": "no-class"}, 400), ({"user": "u-s2", "context": "class-1b"}, 400),
     ({"user": "u-off"}, 403), ({"user": "u-s1", "message_type": "Bogus"}, 400),
     ({"user": "u-s1", "pii": "some"}, 400), ({"user": "u-s1", "deployment_id": "x"}, 400)],
)
async def test_launch_starter_rejects_bad_requests(portal, params: dict[str, str], status: int) -> None:
    response = await portal.client.get("/launch", params=params)
    assert response.status_code == status
    assert response.json()["error"]


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_resource_link_launch_claims(portal, method: str) -> None:
    login = await portal.login("u-s1", CLASS1)
    response, fields = await portal.authorize(login, method=method)
    action, form_method, _ = parse_autosubmit(response.text)
    assert (action, form_method) == (f"{TOOL}/launch", "post")
    assert fields["state"] == "st-1"
    assert response.headers["cache-control"] == "no-store"
    header, claims = verify_jwt(fields["id_token"], (await portal.client.get("/jwks")).json())
    assert header["alg"] == "RS256" and header["kid"]
    assert claims["iss"] == ISSUER and claims["aud"] == CLIENT_ID and claims["azp"] == CLIENT_ID
    assert claims["sub"] == STUDENT1 and claims["nonce"] == "n-" + login["lti_message_hint"]
    assert claims["exp"] > claims["iat"]
    assert claims[vocab.CLAIM_MESSAGE_TYPE] == vocab.MSG_RESOURCE_LINK
    assert claims[vocab.CLAIM_VERSION] == "1.3.0"
    assert claims[vocab.CLAIM_DEPLOYMENT_ID] == DEPLOYMENT
    assert claims[vocab.CLAIM_TARGET_LINK_URI] == login["target_link_uri"]
    assert claims[vocab.CLAIM_RESOURCE_LINK]["id"]
    assert vocab.ROLE_LEARNER in claims[vocab.CLAIM_ROLES]
    assert vocab.ROLE_INST_STUDENT in claims[vocab.CLAIM_ROLES]
    assert all(vocab.is_lti_role(r) for r in claims[vocab.CLAIM_ROLES])
    assert claims[vocab.CLAIM_CONTEXT] == {"id": CLASS1, "label": "1-1", "title": "1年1組",
                                           "type": [vocab.CONTEXT_TYPE_COURSE_SECTION]}
    assert claims["name"] == "試験 一郎" and claims["email"] == "seito01@example.test"
    assert claims[vocab.CLAIM_CUSTOM] == {"grade": "P1"}
    assert claims[vocab.CLAIM_NRPS]["context_memberships_url"] == f"{ISSUER}/nrps/{CLASS1}"
    assert claims[vocab.CLAIM_AGS]["lineitems"] == f"{ISSUER}/ags/{CLASS1}/lineitems"
    assert "lineitem" not in claims[vocab.CLAIM_AGS]


async def test_instructor_roles_and_stable_resource_link(portal) -> None:
    _, first = await portal.launch("u-teacher", CLASS1)
    _, second = await portal.launch(TEACHER, CLASS1)  # by userMasterIdentifier too
    assert vocab.ROLE_INSTRUCTOR in first[vocab.CLAIM_ROLES]
    assert vocab.ROLE_INST_FACULTY in first[vocab.CLAIM_ROLES]
    assert first[vocab.CLAIM_RESOURCE_LINK]["id"] == second[vocab.CLAIM_RESOURCE_LINK]["id"]


async def test_sub_falls_back_to_sourced_id(portal) -> None:
    _, claims = await portal.launch("u-s3", CLASS1)
    assert claims["sub"] == "u-s3"


async def test_no_pii_variant_and_no_context_launch(portal) -> None:
    _, claims = await portal.launch("u-s1", None, pii="none")
    assert not set(vocab.PII_CLAIMS) & set(claims)
    assert vocab.CLAIM_CONTEXT not in claims and vocab.CLAIM_NRPS not in claims
    assert claims[vocab.CLAIM_ROLES] == [vocab.ROLE_INST_STUDENT]
    _, email_only = await portal.launch("u-teacher", CLASS1, pii="email")
    assert email_only["email"] and "name" not in email_only


async def test_deep_linking_request_claims(portal) -> None:
    _, claims = await portal.launch("u-teacher", CLASS1, message_type=vocab.MSG_DEEP_LINKING_REQUEST)
    assert claims[vocab.CLAIM_MESSAGE_TYPE] == vocab.MSG_DEEP_LINKING_REQUEST
    assert vocab.CLAIM_RESOURCE_LINK not in claims
    assert claims[vocab.CLAIM_TARGET_LINK_URI] == f"{TOOL}/dl"
    settings = claims[vocab.CLAIM_DL_SETTINGS]
    assert settings["deep_link_return_url"] == f"{ISSUER}/dl/return"
    assert settings["accept_types"] and settings["accept_presentation_document_targets"] and settings["data"]


@pytest.mark.parametrize(
    ("override", "error"),
    [({"response_type": "code"}, "unsupported_response_type"), ({"scope": "profile"}, "invalid_scope"),
     ({"response_mode": "query"}, "invalid_request"), ({"prompt": "login"}, "invalid_request"),
     ({"prompt": None}, "invalid_request"), ({"nonce": None}, "invalid_request"),
     ({"lti_message_hint": "altered"}, "invalid_request"), ({"login_hint": STUDENT1 + "x"}, "login_required")],
)
async def test_auth_errors_go_back_to_redirect_uri(portal, override: dict, error: str) -> None:
    login = await portal.login()
    response, fields = await portal.authorize(login, **override)
    assert response.status_code == 200
    assert parse_autosubmit(response.text)[0] == f"{TOOL}/launch"
    assert fields["error"] == error and fields["state"] == "st-1" and "id_token" not in fields


@pytest.mark.parametrize(
    ("override", "error"),
    [({"redirect_uri": "https://evil.example.test/cb"}, "invalid_request"), ({"redirect_uri": None}, "invalid_request"),
     ({"client_id": "unknown"}, "unauthorized_client")],
)
async def test_auth_never_redirects_to_untrusted_uri(portal, override: dict, error: str) -> None:
    login = await portal.login()
    response, _ = await portal.authorize(login, **override)
    assert response.status_code == 400
    assert response.json()["error"] == error
    assert "evil" not in response.text


async def test_expired_launch_is_rejected(portal, clock) -> None:
    login = await portal.login()
    clock.now += 3600
    _, fields = await portal.authorize(login)
    assert fields["error"] == "invalid_request"


async def test_key_rotation_keeps_old_key_published(portal) -> None:
    old_kid = (await portal.client.get("/jwks")).json()["keys"][0]["kid"]
    new_kid = (await portal.client.post("/admin/rotate-key")).json()["kid"]
    jwks = (await portal.client.get("/.well-known/jwks.json")).json()
    assert [k["kid"] for k in jwks["keys"]] == [new_kid, old_kid]
    header, _ = await portal.launch()
    assert header["kid"] == new_kid


# --- faults: each must visibly break exactly its rule ---

async def test_fault_sign_without_kid(portal_factory) -> None:
    portal = portal_factory({"sign_without_kid"})
    login = await portal.login()
    _, fields = await portal.authorize(login)
    assert "kid" not in decode_unverified(fields["id_token"])[0]


async def test_fault_no_redirect_uri_check(portal_factory) -> None:
    portal = portal_factory({"no_redirect_uri_check"})
    login = await portal.login()
    response, fields = await portal.authorize(login, redirect_uri="https://evil.example.test/cb")
    assert parse_autosubmit(response.text)[0] == "https://evil.example.test/cb" and "id_token" in fields


@pytest.mark.parametrize(
    ("fault", "probe"),
    [
        ("no_nonce", lambda c, now: "nonce" not in c),
        ("wrong_version", lambda c, now: c[vocab.CLAIM_VERSION] == "1.3"),
        ("roles_simple_names", lambda c, now: "Learner" in c[vocab.CLAIM_ROLES]),
        ("pii_leak", lambda c, now: "name" in c),
        ("whitespace_in_claims", lambda c, now: c.get("name", "x").endswith(" ")),
        ("expired_id_token", lambda c, now: c["exp"] <= now),
        ("sub_is_username", lambda c, now: c["sub"] == "seito01"),
    ],
)
async def test_claim_faults(portal_factory, clock, fault: str, probe) -> None:
    clean = portal_factory()
    broken = portal_factory({fault})
    pii = "none" if fault == "pii_leak" else "full"
    login = await clean.login(pii=pii)
    _, ok_fields = await clean.authorize(login)
    login = await broken.login(pii=pii)
    _, bad_fields = await broken.authorize(login)
    assert not probe(unverified_claims(ok_fields["id_token"]), clock.now)
    assert probe(unverified_claims(bad_fields["id_token"]), clock.now)


async def test_index_json_and_html_launcher(portal) -> None:
    index = (await portal.client.get("/")).json()
    assert index["issuer"] == ISSUER and index["endpoints"]["token"] == f"{ISSUER}/token"
    assert {c["id"] for c in index["contexts"]} == {CLASS1, "class-1b"}
    page = await portal.client.get("/", headers={"Accept": "text/html"})
    assert page.headers["content-type"].startswith("text/html")
    assert "試験 一郎" in page.text and "message_type=LtiDeepLinkingRequest" in page.text
    assert "<script" not in page.text
    config = (await portal.client.get("/.well-known/openid-configuration")).json()
    assert config["authorization_endpoint"] == f"{ISSUER}/auth" and config["jwks_uri"] == f"{ISSUER}/jwks"
