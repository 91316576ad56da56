"""OAuth 2.0 client credentials: the token endpoint, Bearer verification, scopes per path."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import OctKey

from renkei.harness.core.errors import ConfigError
from renkei.harness.oneroster.model import rest as R
from renkei.mocks.school_affairs.rest.config import Client, ProviderConfig
from renkei.mocks.school_affairs.rest.store import RosterStore
from tests.mocks.school_affairs.rest.conftest import (
    CLIENT_ID,
    CORE_ID,
    CORE_SECRET,
    SECRET,
    Api,
    MakeApi,
    status_minor,
)

USERS = R.ROSTERING_PATH + "/users"


@pytest.fixture
def api(make_api: MakeApi, module_store: RosterStore) -> Api:
    return make_api(module_store)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forged(claims: dict[str, Any], key: bytes = b"k" * 32, alg: str = "HS256") -> str:
    if alg == "none":
        return f"{_b64(json.dumps({'alg': 'none'}).encode())}.{_b64(json.dumps(claims).encode())}."
    return jwt.encode({"alg": alg}, claims, OctKey.import_key(key))


def users(api: Api, authorization: str | None) -> httpx.Response:
    return api.http.get(USERS, headers={"Authorization": authorization} if authorization is not None else {})


def assert_401(answer: httpx.Response) -> None:
    assert status_minor(answer) == (401, "unauthorisedrequest")
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")


# -- the token endpoint ----------------------------------------------------------------------------

def test_token_with_basic_credentials(api: Api) -> None:
    answer = api.token_response(R.SCOPE_ROSTER, R.SCOPE_GRADEBOOK_READ)
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    body = answer.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == api.config.token_ttl
    assert body["scope"] == f"{R.SCOPE_ROSTER} {R.SCOPE_GRADEBOOK_READ}"
    claims = jwt.decode(body["access_token"], OctKey.import_key(b"k" * 32)).claims
    assert claims["sub"] == CLIENT_ID and claims["scope"] == body["scope"]
    assert claims["exp"] == claims["iat"] + api.config.token_ttl == int(api.clock()) + api.config.token_ttl
    headers = {"Authorization": "Bearer " + body["access_token"]}
    assert api.http.get(USERS, headers=headers).status_code == 200
    assert api.http.get(R.GRADEBOOK_PATH + "/lineItems", headers=headers).status_code == 200


def test_token_with_form_credentials(api: Api) -> None:
    answer = api.http.post(api.config.token_path, data={"grant_type": "client_credentials", "scope": R.SCOPE_CORE,
                                                         "client_id": CORE_ID, "client_secret": CORE_SECRET})
    assert answer.status_code == 200 and answer.json()["scope"] == R.SCOPE_CORE


@pytest.mark.parametrize(("auth", "form"), [
    ((CLIENT_ID, "wrong"), {}), (("nobody", SECRET), {}), (None, {"client_id": CLIENT_ID, "client_secret": "x"}),
    (None, {}), (None, {"client_id": CLIENT_ID}),
])
def test_bad_client_is_401_invalid_client(api: Api, auth: tuple[str, str] | None, form: dict[str, str]) -> None:
    answer = api.http.post(api.config.token_path, auth=auth,
                           data={"grant_type": "client_credentials", "scope": R.SCOPE_ROSTER, **form})
    assert answer.status_code == 401 and answer.json()["error"] == "invalid_client"
    assert answer.headers["WWW-Authenticate"].startswith("Basic")
    assert answer.headers["Cache-Control"] == "no-store"


def test_a_provider_that_takes_form_only_refuses_basic_saying_what_it_takes(make_api: MakeApi,
                                                                            module_store: RosterStore) -> None:
    api = make_api(module_store, client_auth=("form",))
    basic = api.http.post(api.config.token_path, auth=(CLIENT_ID, SECRET),
                          data={"grant_type": "client_credentials", "scope": R.SCOPE_ROSTER})
    assert basic.status_code == 401 and basic.json()["error"] == "invalid_client"
    assert "client_secret_post (form body) only" in basic.json()["error_description"]
    assert basic.headers["WWW-Authenticate"].startswith("Basic")  # RFC 6749 §5.2: the scheme the client used
    wrong = api.http.post(api.config.token_path, data={"grant_type": "client_credentials", "scope": R.SCOPE_ROSTER,
                                                        "client_id": CLIENT_ID, "client_secret": "wrong"})
    assert wrong.status_code == 401 and "WWW-Authenticate" not in wrong.headers  # no HTTP scheme to offer
    form = api.http.post(api.config.token_path, data={"grant_type": "client_credentials", "scope": R.SCOPE_ROSTER,
                                                       "client_id": CLIENT_ID, "client_secret": SECRET})
    assert form.status_code == 200


def test_a_provider_that_takes_basic_only_refuses_form(make_api: MakeApi, module_store: RosterStore) -> None:
    api = make_api(module_store, client_auth=("basic",))
    form = api.http.post(api.config.token_path, data={"grant_type": "client_credentials", "scope": R.SCOPE_ROSTER,
                                                       "client_id": CLIENT_ID, "client_secret": SECRET})
    assert form.status_code == 401 and "client_secret_basic (HTTP Basic) only" in form.json()["error_description"]
    assert api.token_response(R.SCOPE_ROSTER).status_code == 200


@pytest.mark.parametrize("methods", [(), ("basic", "private_key_jwt")])
def test_client_auth_names_known_methods(methods: tuple[str, ...]) -> None:
    with pytest.raises(ConfigError, match="client_auth must name one or more of basic, form"):
        ProviderConfig(client_auth=methods)


@pytest.mark.parametrize("header", ["Basic !!!", "Basic " + base64.b64encode(b"no-colon").decode(),
                                    "Basic " + base64.b64encode(b"\xff\xfe:x").decode()])
def test_malformed_basic_is_401(api: Api, header: str) -> None:
    answer = api.http.post(api.config.token_path, headers={"Authorization": header},
                           data={"grant_type": "client_credentials", "scope": R.SCOPE_ROSTER})
    assert answer.status_code == 401 and answer.json()["error"] == "invalid_client"


@pytest.mark.parametrize("grant", ["password", "", None, "authorization_code"])
def test_wrong_grant_type(api: Api, grant: str | None) -> None:
    data = {"scope": R.SCOPE_ROSTER} | ({"grant_type": grant} if grant is not None else {})
    answer = api.http.post(api.config.token_path, auth=(CLIENT_ID, SECRET), data=data)
    assert answer.status_code == 400 and answer.json()["error"] == "unsupported_grant_type"


@pytest.mark.parametrize(("client", "scope"), [
    ((CLIENT_ID, SECRET), R.SCOPE_PREFIX + "roster.everything"), ((CLIENT_ID, SECRET), ""),
    ((CORE_ID, CORE_SECRET), R.SCOPE_ROSTER), ((CORE_ID, CORE_SECRET), f"{R.SCOPE_CORE} {R.SCOPE_DEMOGRAPHICS}"),
])
def test_unknown_or_unallowed_scope_is_400_invalid_scope(api: Api, client: tuple[str, str], scope: str) -> None:
    answer = api.http.post(api.config.token_path, auth=client, data={"grant_type": "client_credentials",
                                                                     "scope": scope})
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_scope"


def test_body_not_utf8_is_400(api: Api) -> None:
    answer = api.http.post(api.config.token_path, auth=(CLIENT_ID, SECRET), content=b"grant_type=\xff",
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_request"


def test_token_endpoint_is_post_only(api: Api) -> None:
    assert api.http.get(api.config.token_path).status_code == 405


def test_token_path_is_configurable(make_api: MakeApi, module_store: RosterStore) -> None:
    api = make_api(module_store, token_path="/token")
    assert api.token_response(R.SCOPE_ROSTER).status_code == 200
    assert api.http.post("/oauth/token").status_code == 404


# -- Bearer verification ---------------------------------------------------------------------------

@pytest.mark.parametrize("authorization", [
    None, "", "Bearer", "Bearer ", "Bearer garbage", "Bearer a.b.c", "Basic " + base64.b64encode(b"a:b").decode(),
    "bearer-ish token",
])
def test_no_or_garbage_token_is_401(api: Api, authorization: str | None) -> None:
    assert_401(users(api, authorization))


def test_forged_tokens_are_401(api: Api) -> None:
    now = int(api.clock())
    good = {"sub": CLIENT_ID, "scope": R.SCOPE_ROSTER, "iat": now, "exp": now + 60}
    assert users(api, "Bearer " + forged(good)).status_code == 200  # the test forges with the real key
    assert_401(users(api, "Bearer " + forged(good, key=b"x" * 32)))  # another key
    assert_401(users(api, "Bearer " + forged(good, alg="none")))
    assert_401(users(api, "Bearer " + forged({k: v for k, v in good.items() if k != "exp"})))  # no expiry
    assert_401(users(api, "Bearer " + forged({**good, "exp": str(now + 60)})))
    assert_401(users(api, "Bearer " + forged({**good, "sub": "deregistered"})))
    assert_401(users(api, "bearer " + forged(good)[:-2]))  # signature cut short


def test_expired_token_is_401(api: Api) -> None:
    headers = api.auth(R.SCOPE_ROSTER)
    assert api.http.get(USERS, headers=headers).status_code == 200
    api.clock.now += api.config.token_ttl - 1
    assert api.http.get(USERS, headers=headers).status_code == 200
    api.clock.now += 1  # exp reached
    answer = api.http.get(USERS, headers=headers)
    assert_401(answer)
    assert "expired" in answer.json()["imsx_description"]


def test_a_remembered_token_is_still_judged_on_every_request(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """The signature of a token is checked once; its expiry, the fault that accepts expired tokens and
    its client's registration are judged each time, and the remembered tokens are bounded."""
    from renkei.mocks.school_affairs.rest import auth

    decoded: list[str] = []
    real = auth.jwt.decode
    monkeypatch.setattr(auth.jwt, "decode", lambda token, *a, **k: decoded.append(token) or real(token, *a, **k))
    headers = api.auth(R.SCOPE_ROSTER)
    for _ in range(3):
        assert api.http.get(USERS, headers=headers).status_code == 200
    assert len(decoded) == 1
    api.clock.now += api.config.token_ttl
    assert_401(api.http.get(USERS, headers=headers))
    monkeypatch.setattr(api.config, "faults", frozenset({"expired_token_accepted"}))
    assert api.http.get(USERS, headers=headers).status_code == 200
    monkeypatch.setattr(api.config, "clients", [c for c in api.config.clients if c.client_id != CLIENT_ID])
    answer = api.http.get(USERS, headers=headers)
    assert_401(answer)
    assert "no longer registered" in answer.json()["imsx_description"]
    assert len(decoded) == 1
    service, token = api.provider.tokens, headers["Authorization"][7:]
    service._verified = {f"t{i}": {} for i in range(auth.MAX_VERIFIED)}  # full
    assert service._claims(token)["sub"] == CLIENT_ID and list(service._verified) == [token]
    assert len(decoded) == 2


def test_bearer_scheme_is_case_insensitive(api: Api) -> None:
    token = api.token(R.SCOPE_ROSTER)
    assert users(api, "bearer " + token).status_code == 200
    assert users(api, "BEARER  " + token).status_code == 200


# -- scopes per path -------------------------------------------------------------------------------

def _status(api: Api, path: str, *scopes: str) -> int:
    return api.http.get(R.ROSTERING_PATH + path, headers=api.auth(*scopes)).status_code


def test_wrong_scope_is_403_forbidden(api: Api) -> None:
    for scope in (R.SCOPE_GRADEBOOK_READ, R.SCOPE_DEMOGRAPHICS, R.SCOPE_GRADEBOOK_PUT):
        answer = api.http.get(USERS, headers=api.auth(scope))
        assert status_minor(answer) == (403, "forbidden")
        assert R.SCOPE_CORE in answer.json()["imsx_description"]
    answer = api.http.get(R.GRADEBOOK_PATH + "/results", headers=api.auth(R.SCOPE_ROSTER))
    assert status_minor(answer) == (403, "forbidden")


@pytest.mark.parametrize("endpoint", [e for e in R.ENDPOINTS if e.nested], ids=lambda e: e.operation_id)
def test_nested_paths_need_roster_readonly(api: Api, endpoint: R.Endpoint) -> None:
    path = R.ROSTERING_PATH + endpoint.url_path(**{p: "x" for p in endpoint.params})
    answer = api.http.get(path, headers=api.auth(R.SCOPE_CORE))
    assert status_minor(answer) == (403, "forbidden")
    assert api.http.get(path, headers=api.auth(R.SCOPE_ROSTER)).status_code == 404  # past auth: no parent x


def test_flat_paths_take_either_rostering_scope(api: Api) -> None:
    for e in R.ENDPOINTS:
        if e.nested or e.object == "demographics" or e.single:
            continue
        assert _status(api, e.path, R.SCOPE_CORE) == 200, e.path
        assert _status(api, e.path, R.SCOPE_ROSTER) == 200, e.path


def test_demographics_scopes(api: Api) -> None:
    some = next(api.store.iter_docs("demographics"))["sourcedId"]
    for path in ("/demographics", f"/demographics/{some}"):
        assert _status(api, path, R.SCOPE_DEMOGRAPHICS) == 200
        assert _status(api, path, R.SCOPE_ROSTER) == 200  # the default: roster.readonly covers demographics
        assert _status(api, path, R.SCOPE_CORE) == 403
    assert _status(api, "/users", R.SCOPE_DEMOGRAPHICS) == 403


def test_demographics_scopes_are_a_setting(make_api: MakeApi, module_store: RosterStore) -> None:
    api = make_api(module_store, demographics_scopes=(R.SCOPE_DEMOGRAPHICS,))
    assert _status(api, "/demographics", R.SCOPE_ROSTER) == 403
    assert _status(api, "/demographics", R.SCOPE_DEMOGRAPHICS) == 200


def test_config_validation() -> None:
    with pytest.raises(ConfigError, match="unknown school-affairs fault"):
        ProviderConfig(faults={"nope"})
    with pytest.raises(ConfigError, match="shape"):
        ProviderConfig(shape="deep")
    with pytest.raises(ConfigError):
        ProviderConfig(max_limit=0)
    with pytest.raises(ConfigError):
        ProviderConfig(token_ttl=0)
    with pytest.raises(ConfigError, match="unique"):
        ProviderConfig(clients=[Client("a", "x"), Client("a", "y")])
    config = ProviderConfig(clients=[Client("a", "x")])
    assert config.client("a") == Client("a", "x") and config.client("b") is None
    assert ProviderConfig().admin_key != ProviderConfig().admin_key  # a fresh secret each time
