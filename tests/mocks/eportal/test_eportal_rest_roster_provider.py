"""The mock 学習eポータル's pull honours what a vendor's provider asks (respx plays the provider): the client
authentication its token endpoint takes (form body or HTTP Basic), a private CA it is served under; a refusal
or an untrusted certificate is one RosterError naming the request, never a traceback."""

from __future__ import annotations

import base64
import ssl
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest
import respx

from renkei.harness.oneroster.model import rest as R
from renkei.harness.serving import BackgroundServer, LocalTls, free_port
from renkei.mocks.eportal.rest_roster import RestSource, load_rest
from renkei.mocks.eportal.roster import RosterError

BASE = "https://sis.vendor.test"
TOKEN_URL = BASE + "/oauth2/token"
ID, SECRET = "eportal", "eportal-secret-0001"
ORG = {"sourcedId": "org-1", "name": "青葉小学校", "type": "school", "identifier": "B101"}
USER = {"sourcedId": "u-1", "userMasterIdentifier": "umi-1", "username": "s1", "givenName": "一郎",
        "familyName": "青葉", "enabledUser": "true", "status": "active", "roles": [{"role": "student"}]}
CLASS = {"sourcedId": "c-1", "title": "1年1組", "classCode": "1-1", "school": {"sourcedId": "org-1"}}
ENROLLMENT = {"sourcedId": "e-1", "user": {"sourcedId": "u-1"}, "class": {"sourcedId": "c-1"}, "role": "student",
              "status": "active"}


def _form_only(request: httpx.Request) -> httpx.Response:
    """A token endpoint that takes client_secret_post only, as some vendors' do."""
    form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
    if "authorization" in request.headers:
        return httpx.Response(401, json={"error": "invalid_client",
                                         "error_description": "client_secret_basic is not supported"})
    if (form.get("client_id"), form.get("client_secret")) != (ID, SECRET):
        return httpx.Response(401, json={"error": "invalid_client"})
    assert form["scope"] == R.SCOPE_CORE and form["grant_type"] == "client_credentials"
    return httpx.Response(200, json={"access_token": "tok-form", "token_type": "Bearer", "expires_in": 3600})


@pytest.fixture
def vendor() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as router:
        router.post(TOKEN_URL).mock(side_effect=_form_only)
        for path, key, obj in (("/orgs", "orgs", ORG), ("/users", "users", USER), ("/classes", "classes", CLASS),
                               ("/enrollments", "enrollments", ENROLLMENT)):
            router.get(url__startswith=BASE + R.ROSTERING_PATH + path).mock(
                return_value=httpx.Response(200, json={key: [obj]}, headers={"X-Total-Count": "1"}))
        yield router


def test_form_auth_is_what_a_form_only_provider_takes(vendor: respx.MockRouter) -> None:
    roster = load_rest(RestSource(BASE, TOKEN_URL, ID, SECRET, client_auth="form"))
    assert set(roster.users) == {"u-1"} and roster.users["u-1"].sub == "umi-1"
    assert [(e.user_sourced_id, e.class_sourced_id) for e in roster.enrollments] == [("u-1", "c-1")]
    reads = [c.request for c in vendor.calls if c.request.method == "GET"]
    assert reads and all(r.headers["authorization"] == "Bearer tok-form" for r in reads)
    token = next(c.request for c in vendor.calls if c.request.method == "POST")
    assert "authorization" not in token.headers


def test_basic_refused_by_a_form_only_provider_is_a_clear_error_naming_the_request(vendor: respx.MockRouter) -> None:
    with pytest.raises(RosterError) as refused:
        load_rest(RestSource(BASE, TOKEN_URL, ID, SECRET))  # Basic, the default
    message = str(refused.value)
    assert message.startswith(f"POST {TOKEN_URL}: HTTP 401, no token: invalid_client")
    assert "client_secret_basic is not supported" in message
    assert "client_secret_basic (HTTP Basic)" in message and "provider.client_auth" in message
    assert SECRET not in message and base64.b64encode(f"{ID}:{SECRET}".encode()).decode() not in message
    assert not [c for c in vendor.calls if c.request.method == "GET"]  # nothing read without a token


def test_the_basic_default_still_sends_basic() -> None:
    with respx.mock() as router:
        token = router.post(TOKEN_URL).mock(return_value=httpx.Response(401, json={"error": "invalid_client"}))
        with pytest.raises(RosterError, match="HTTP 401"):
            load_rest(RestSource(BASE, TOKEN_URL, ID, SECRET))
    sent = token.calls[0].request
    assert sent.headers["authorization"] == "Basic " + base64.b64encode(f"{ID}:{SECRET}".encode()).decode()
    assert "client_secret" not in sent.content.decode()


def test_a_provider_that_cannot_be_reached_is_a_roster_error_naming_the_request() -> None:
    with respx.mock() as router:
        router.post(TOKEN_URL).mock(side_effect=httpx.ConnectError("refused"))
        with pytest.raises(RosterError, match=f"POST {TOKEN_URL}: the provider could not be reached \\(ConnectError\\)"):
            load_rest(RestSource(BASE, TOKEN_URL, ID, SECRET, client_auth="form"))


@pytest.mark.parametrize(("fields", "message"), [
    ({"client_auth": "private_key_jwt"}, "client_auth must be one of basic, form"),
    ({"ca_pem": "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n"}, "ca_pem is not PEM"),
    ({"ca_pem": "x", "verify_tls": False}, "ca_pem has no effect with verify_tls false"),
])
def test_bad_settings_are_clear_errors(fields: dict[str, object], message: str) -> None:
    with pytest.raises(RosterError, match=message):
        RestSource(BASE, TOKEN_URL, ID, SECRET, **fields).verify()  # type: ignore[arg-type]


# -- a provider over https with a private CA (a real server on 127.0.0.1) -------------------------------

async def _token_app(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
    """An ASGI token endpoint that refuses every client: enough to see whether TLS was trusted."""
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 401, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": b'{"error": "invalid_client"}'})


@pytest.fixture(scope="module")
def private_ca(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, LocalTls]]:
    tls = LocalTls(tmp_path_factory.mktemp("vendor-tls"))
    port = free_port("127.0.0.1")
    server = BackgroundServer(_token_app, "127.0.0.1", port, name="vendor-token", certfile=str(tls.cert_file),
                              keyfile=str(tls.key_file)).start()
    try:
        yield f"https://127.0.0.1:{port}", tls
    finally:
        server.stop()


def test_a_private_ca_not_given_is_an_untrusted_certificate_saying_where_trust_comes_from(
        private_ca: tuple[str, LocalTls]) -> None:
    url, _ = private_ca
    with pytest.raises(RosterError) as untrusted:
        load_rest(RestSource(url, url + "/token", ID, SECRET, client_auth="form"))
    assert str(untrusted.value).startswith(f"POST {url}/token: the provider's TLS certificate is not trusted")
    assert "tls.ca_file" in str(untrusted.value)


def test_the_private_ca_given_as_pem_is_trusted(private_ca: tuple[str, LocalTls]) -> None:
    url, tls = private_ca
    pem = Path(tls.ca_file).read_text()
    with pytest.raises(RosterError, match=f"POST {url}/token: HTTP 401, no token: invalid_client"):
        load_rest(RestSource(url, url + "/token", ID, SECRET, client_auth="form", ca_pem=pem))
    assert isinstance(RestSource(url, url + "/token", ID, SECRET, ca_pem=pem).verify(), ssl.SSLContext)


# -- the "import now" button takes the provider's settings ----------------------------------------------

@pytest.mark.anyio
@pytest.mark.parametrize(("extra", "says"), [
    ({"client_auth": "private_key_jwt"}, "client_auth must be one of basic, form"),
    ({"ca_pem": 42}, "ca_pem as PEM text"),
    ({"verify_tls": "no"}, "verify_tls true|false"),
])
async def test_the_import_button_refuses_bad_settings_with_400(portal, extra: dict[str, object], says: str) -> None:
    body = {"base_url": BASE, "token_url": TOKEN_URL, "client_id": ID, "client_secret": SECRET, **extra}
    answer = await portal.client.post("/admin/roster/import", json=body)
    assert answer.status_code == 400 and says in answer.json()["error"]


@pytest.mark.anyio
async def test_the_import_button_pulls_with_form_auth(portal, vendor: respx.MockRouter) -> None:
    body = {"base_url": BASE, "token_url": TOKEN_URL, "client_id": ID, "client_secret": SECRET, "client_auth": "form"}
    answer = await portal.client.post("/admin/roster/import", json=body)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"users": 1, "classes": 1, "enrollments": 1}
