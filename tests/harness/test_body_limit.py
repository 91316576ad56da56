"""BodyLimit: every request body a peer sends to an app renkei serves is bounded, on real sockets.

Over-limit declared, chunked and trickling bodies are refused (413 / 408) without the server
reading the rest; bodies within the limit reach the app unchanged; and every app renkei serves
(the harness's Platform and Tool sides, the mock e-portal and app) has the limit.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from renkei.harness.serving import MAX_REQUEST_BYTES, BackgroundServer, BodyLimit, body_limited

LIMIT = 10_000
OVER_DEFAULT = (b"POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                b"Content-Length: %d\r\n\r\n" % (MAX_REQUEST_BYTES + 1))


async def _echo_length(request: Request) -> PlainTextResponse:
    return PlainTextResponse(str(len(await request.body())))


def _app(**limit: Any) -> Starlette:
    app = Starlette(routes=[Route("/", _echo_length, methods=["POST"])])
    app.add_middleware(BodyLimit, max_bytes=LIMIT, **limit)
    return app


@pytest.fixture
def server() -> Iterator[BackgroundServer]:
    with BackgroundServer(_app(timeout=1.0)) as s:
        yield s


def _raw(server: BackgroundServer, head: bytes, body_parts: list[bytes] = (), pause: float = 0.0,
         wait: float = 10.0) -> tuple[str, float]:
    """Send ``head`` and body parts on a raw socket; the status line of the answer and how long it took."""
    started = time.monotonic()
    with socket.create_connection((server.host, server.port), timeout=wait) as sock:
        sock.sendall(head)
        for part in body_parts:
            try:
                sock.sendall(part)
            except OSError:  # the server answered and closed: it does not read the rest
                break
            time.sleep(pause)
        data = b""
        while b"\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    return data.split(b"\r\n", 1)[0].decode(), time.monotonic() - started


def test_a_body_within_the_limit_reaches_the_app(server: BackgroundServer) -> None:
    resp = httpx.post(server.url + "/", content=b"x" * LIMIT, timeout=5)
    assert (resp.status_code, resp.text) == (200, str(LIMIT))


def test_a_declared_oversized_body_is_refused_before_it_is_sent(server: BackgroundServer) -> None:
    head = (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
            b"Content-Length: 1000000000000\r\n\r\n")
    status, took = _raw(server, head)  # not one byte of the terabyte is sent
    assert status == "HTTP/1.1 413 Request Entity Too Large" and took < 5


def test_an_oversized_chunked_body_is_refused_at_the_limit(server: BackgroundServer) -> None:
    chunk = b"%x\r\n%s\r\n" % (4096, b"y" * 4096)
    head = b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    status, _ = _raw(server, head, [chunk] * 1000)  # 4 MB offered, the server stops at 10 kB
    assert status.startswith("HTTP/1.1 413")


def test_a_chunked_body_within_the_limit_is_read_whole(server: BackgroundServer) -> None:
    resp = httpx.post(server.url + "/", content=iter([b"a" * 3000, b"b" * 3000]), timeout=5)  # chunked
    assert (resp.status_code, resp.text) == (200, "6000")


def test_a_body_that_trickles_in_is_refused_after_the_timeout(server: BackgroundServer) -> None:
    head = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"
    status, took = _raw(server, head, [b"z"] * 100, pause=0.05)  # 100 bytes over 5 s; the limit is 1 s
    assert status == "HTTP/1.1 408 Request Timeout" and 0.9 < took < 4


def test_a_malformed_content_length_is_a_400(server: BackgroundServer) -> None:
    status, _ = _raw(server, b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: lots\r\n\r\n")
    assert status.startswith("HTTP/1.1 400")  # uvicorn refuses it already; BodyLimit too, in-process:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        raise AssertionError("the body must not be read")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/", "headers": [(b"content-length", b"lots")]}
    asyncio.run(BodyLimit(_app())(scope, receive, send))
    assert sent[0]["status"] == 400 and b"malformed Content-Length" in sent[1]["body"]


def test_background_server_bounds_an_app_that_lacks_the_middleware() -> None:
    plain = Starlette(routes=[Route("/", _echo_length, methods=["POST"])])
    assert not body_limited(plain)
    with BackgroundServer(plain) as s:
        status, _ = _raw(s, OVER_DEFAULT)
        resp = httpx.post(s.url + "/", content=b"x" * 1000, timeout=10)
    assert status.startswith("HTTP/1.1 413") and (resp.status_code, resp.text) == (200, "1000")


def _every_served_app(tmp_path: Any) -> dict[str, Any]:
    from renkei.harness.lti.platform.tool_side import ToolSide
    from renkei.harness.lti.tool.platform_side import PlatformSide
    from renkei.mocks.app import ToolConfig
    from renkei.mocks.app import create_app as create_tool
    from renkei.mocks.eportal.app import create_app as create_eportal
    from renkei.mocks.eportal.config import EportalConfig
    from renkei.mocks.eportal.roster import Roster
    from renkei.mocks.runner import mock_app_registration
    from tests.harness.lti.platform.platform_env import target_config as platform_target
    from tests.harness.lti.tool.tool_env import target_config as tool_target

    return {
        "harness Platform side": PlatformSide(tool_target(), []).app,
        "harness Tool side": ToolSide(platform_target(), []).app,
        "mock e-portal": create_eportal(EportalConfig(issuer="https://p.test", tools=[
            mock_app_registration("https://t.test")]), roster=Roster()),
        "mock app": create_tool(ToolConfig(client_id="c", issuer="https://p.test", auth_url="https://p.test/a",
                                           token_url="https://p.test/t", jwks_url="https://p.test/j",
                                           deployment_ids=frozenset({"d"}), base_url="https://t.test",
                                           keys_dir=tmp_path / "keys")),
    }


def test_every_app_renkei_serves_is_body_limited(tmp_path: Any) -> None:
    for name, app in _every_served_app(tmp_path).items():
        assert body_limited(app), name
        with BackgroundServer(app) as s:
            status, _ = _raw(s, OVER_DEFAULT)
        assert status.startswith("HTTP/1.1 413"), name
