"""RemoteJwks: validation of fetched key sets, max-age caching and the single refetch on a new kid."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from renkei.harness.lti.protocol.jose import JoseFailure, generate_rsa_key, public_jwks, sign_jwt
from renkei.harness.lti.protocol.remote_jwks import MAX_JWKS_BYTES, JwksUnavailable, RemoteJwks

pytestmark = pytest.mark.anyio

URL = "https://party.test/jwks"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


class Server:
    """A key server whose answer the test controls; counts the requests it gets."""

    def __init__(self, respond: Callable[[], httpx.Response]) -> None:
        self.respond = respond
        self.requests = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        return self.respond()


@pytest.fixture(scope="module")
def key():
    return generate_rsa_key("k1")


def _remote(server: Server, clock: Clock | None = None, **kwargs) -> RemoteJwks:
    return RemoteJwks(transport=httpx.MockTransport(server), clock=clock or Clock(), **kwargs)


async def _failure(remote: RemoteJwks) -> JoseFailure:
    with pytest.raises(JoseFailure) as info:
        await remote.get(URL)
    return info.value


async def test_cached_for_default_max_age(key) -> None:
    clock = Clock()
    server = Server(lambda: httpx.Response(200, json=public_jwks([key])))
    remote = _remote(server, clock, default_max_age=300)
    assert (await remote.get(URL))["keys"][0]["kid"] == "k1"
    clock.now += 299
    await remote.get(URL)
    assert server.requests == 1
    clock.now += 1
    await remote.get(URL)
    assert server.requests == 2 and remote.fetch_count == 2


async def test_cache_control_max_age_shortens_default(key) -> None:
    clock = Clock()
    headers = {"Cache-Control": "public, max-age=10"}
    server = Server(lambda: httpx.Response(200, json=public_jwks([key]), headers=headers))
    remote = _remote(server, clock, default_max_age=300)
    await remote.get(URL)
    clock.now += 9
    await remote.get(URL)
    assert server.requests == 1
    clock.now += 1
    await remote.get(URL)
    assert server.requests == 2


async def test_cache_control_max_age_never_extends_default(key) -> None:
    clock = Clock()
    headers = {"Cache-Control": "max-age=86400"}
    server = Server(lambda: httpx.Response(200, json=public_jwks([key]), headers=headers))
    remote = _remote(server, clock, default_max_age=60)
    await remote.get(URL)
    clock.now += 60
    await remote.get(URL)
    assert server.requests == 2


async def test_cache_is_per_url(key) -> None:
    server = Server(lambda: httpx.Response(200, json=public_jwks([key])))
    remote = _remote(server)
    await remote.get(URL)
    await remote.get(URL + "?other")
    await remote.get(URL)
    assert server.requests == 2


async def test_rotated_kid_found_with_one_refetch(key) -> None:
    published = [key]
    server = Server(lambda: httpx.Response(200, json=public_jwks(published)))
    remote = _remote(server)
    await remote.verify(sign_jwt({"a": 1}, key), URL)
    assert server.requests == 1
    rotated = generate_rsa_key("k2")
    published.append(rotated)
    header, claims = await remote.verify(sign_jwt({"a": 2}, rotated), URL)
    assert header["kid"] == "k2" and claims == {"a": 2}
    assert server.requests == 2


async def test_unknown_kid_refetched_exactly_once_then_rejected(key) -> None:
    server = Server(lambda: httpx.Response(200, json=public_jwks([key])))
    remote = _remote(server)
    await remote.get(URL)
    with pytest.raises(JoseFailure) as info:
        await remote.verify(sign_jwt({"a": 1}, generate_rsa_key("forged")), URL)
    assert info.value.code == "kid_unknown"
    assert server.requests == 2


async def test_no_refetch_when_set_was_fetched_for_this_call(key) -> None:
    server = Server(lambda: httpx.Response(200, json=public_jwks([key])))
    remote = _remote(server)
    with pytest.raises(JoseFailure) as info:
        await remote.verify(sign_jwt({"a": 1}, generate_rsa_key("forged")), URL)
    assert info.value.code == "kid_unknown"
    assert server.requests == 1


async def test_other_failures_do_not_refetch(key) -> None:
    server = Server(lambda: httpx.Response(200, json=public_jwks([key])))
    remote = _remote(server)
    await remote.get(URL)
    with pytest.raises(JoseFailure) as info:
        await remote.verify(sign_jwt({"a": 1}, generate_rsa_key("k1")), URL)
    assert info.value.code == "bad_signature"
    assert server.requests == 1


async def test_algorithms_are_passed_through(key) -> None:
    server = Server(lambda: httpx.Response(200, json=public_jwks([key])))
    token = sign_jwt({"a": 1}, key)
    remote = _remote(server)
    assert (await remote.verify(token, URL))[1] == {"a": 1}
    with pytest.raises(JoseFailure) as info:
        await remote.verify(token, URL, algorithms=("RS512",))
    assert info.value.code == "alg_not_allowed"


async def test_oversize_body_rejected() -> None:
    body = json.dumps({"keys": [], "pad": "x" * MAX_JWKS_BYTES}).encode()
    failure = await _failure(_remote(Server(lambda: httpx.Response(200, content=body)), who="tool"))
    assert isinstance(failure, JwksUnavailable) and failure.code == "jwks_unavailable"
    assert str(failure) == f"tool JWKS {URL}: body larger than {MAX_JWKS_BYTES} bytes"


async def test_invalid_json_rejected() -> None:
    failure = await _failure(_remote(Server(lambda: httpx.Response(200, content=b"{not json")), who="platform"))
    assert failure.code == "jwks_unavailable"
    assert str(failure) == f"platform JWKS {URL}: body is not JSON"


@pytest.mark.parametrize("document", [[], {"nokeys": []}, {"keys": {}}, "keys"])
async def test_non_keys_document_rejected(document: object) -> None:
    failure = await _failure(_remote(Server(lambda: httpx.Response(200, json=document))))
    assert failure.code == "jwks_unavailable"
    assert str(failure) == f"JWKS {URL}: not an object with a 'keys' array"


async def test_http_error_status_and_transport_error() -> None:
    failure = await _failure(_remote(Server(lambda: httpx.Response(503, text="down")), who="tool"))
    assert str(failure) == f"tool JWKS {URL}: HTTP 503, expected 200"

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    remote = RemoteJwks(transport=httpx.MockTransport(refuse), who="tool")
    failure = await _failure(remote)
    assert str(failure) == f"tool JWKS {URL}: request failed (ConnectError)"


async def test_redirect_is_not_followed() -> None:
    server = Server(lambda: httpx.Response(302, headers={"Location": "https://elsewhere.test/jwks"}))
    failure = await _failure(_remote(server))
    assert str(failure) == f"JWKS {URL}: HTTP 302, expected 200"
    assert server.requests == 1


async def test_failed_fetch_is_not_cached(key) -> None:
    answers = [httpx.Response(500), httpx.Response(200, json=public_jwks([key]))]
    server = Server(lambda: answers.pop(0))
    remote = _remote(server)
    await _failure(remote)
    assert (await remote.get(URL))["keys"][0]["kid"] == "k1"
    assert server.requests == 2
