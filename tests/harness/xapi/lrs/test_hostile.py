"""Hostile LRSs: slow, huge or endless bodies, wrong content types, invalid JSON or UTF-8, redirect
loops and redirects elsewhere, ``more`` links to another origin or in a loop, storms of server errors.

Two levels. Every check against a faulty endpoint (respx, or the mock LRS behind an in-process
middleware); and the ``xapi-lrs`` profile end to end through the CLI against hostile servers on
127.0.0.1 (uvicorn; the drip-fed and endless bodies need a real socket). Every check must end with
findings or an honest "not evaluated" (error) or skipped outcome with its reason: never "passed",
never a hang, a traceback (an exception out of a check, which the engine records as an internal
error) or a body read without bound.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
import yaml

import renkei.harness.xapi.lrs  # noqa: F401  (registers the checks)
from renkei.harness.cli import main
from renkei.harness.core.context import CheckContext, CheckSkipped, NotEvaluated
from renkei.harness.core.registry import REGISTRY
from renkei.harness.lti.protocol.browser import InProcessTransport
from renkei.harness.lti.protocol.http import ApiResponse
from renkei.harness.serving import BackgroundServer
from renkei.harness.xapi.lrs.config import parse_target
from renkei.harness.xapi.lrs.target import LrsTarget
from renkei.mocks.lrs.app import create_app
from renkei.mocks.lrs.config import LrsClient as MockClient
from renkei.mocks.lrs.config import LrsConfig
from tests.harness.xapi.lrs.lrs_env import (
    BASE,
    ENV,
    KEY,
    SECRET,
    Clock,
    Outcome,
    open_respx,
    run,
    target_data,
)

MAX_BODY = 64 * 1024
OBS = {"timeout_seconds": 5, "consistency_wait_seconds": 2, "max_body_bytes": MAX_BODY, "max_pages": 5}
ALL = {"attachments": True}
JSON = {"Content-Type": "application/json", "X-Experience-API-Version": "1.0.3"}


class Endless(httpx.SyncByteStream):
    """A body that never ends; counts what was read of it."""

    def __init__(self, chunk: bytes = b" " * 8192) -> None:
        self.chunk = chunk
        self.read = 0

    def __iter__(self) -> Iterator[bytes]:
        yield b'{"statements": ['
        while True:
            self.read += len(self.chunk)
            yield self.chunk


def run_all(target: LrsTarget) -> dict[str, tuple[str, str]]:
    """(outcome, reason or first finding) per check; an exception escaping a check is "internal"."""
    out: dict[str, tuple[str, str]] = {}
    for definition in REGISTRY.match("xapi.*", kind="xapi-lrs"):
        ctx = CheckContext(definition, target)
        try:
            definition.func(ctx)
        except CheckSkipped as exc:
            out[definition.id] = ("skipped", exc.reason)
            continue
        except NotEvaluated as exc:  # PeerUnavailable and TransportFailure too
            out[definition.id] = ("failed" if ctx.findings else "error", str(exc))
            continue
        except Exception as exc:  # noqa: BLE001 - what the test is looking for
            out[definition.id] = ("internal", f"{type(exc).__name__}: {exc}")
            continue
        if ctx.findings:
            out[definition.id] = ("failed", ctx.findings[0].message)
        elif ctx.unseen:
            out[definition.id] = ("error", "; ".join(ctx.unseen))
        else:
            out[definition.id] = ("passed", "")
    return out


class Ran:
    """What a run of every check against one hostile answer gave."""

    def __init__(self, results: dict[str, tuple[str, str]], route: respx.Route, requests: int) -> None:
        self.results, self.route, self.requests = results, route, requests


def hostile(answer: Callable[[httpx.Request], httpx.Response], *, version: str = "1.0.3", **obs: Any) -> Ran:
    with respx.mock(assert_all_called=False) as router:
        route = router.route(host="lrs.test").mock(side_effect=answer)
        target = open_respx(version=version, declares=ALL, observation={**OBS, **obs})
        try:
            results = run_all(target)
        finally:
            target.close()
    return Ran(results, route, target.client.requests)


def judged(results: dict[str, tuple[str, str]], may_pass: frozenset[str] = frozenset()) -> None:
    """No check crashed against a hostile LRS, and none passed but those whose one rule it keeps
    (``may_pass``); everything else is a finding, an error (not evaluated) or a skip."""
    internal = {cid: why for cid, (o, why) in results.items() if o == "internal"}
    assert not internal
    passed = {cid for cid, (o, _) in results.items() if o == "passed"}
    assert passed <= may_pass
    assert {o for o, _ in results.values()} <= {"failed", "error", "skipped", "passed"}


def test_an_lrs_that_never_answers_in_time_is_not_evaluated() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("no answer", request=request)

    ran = hostile(slow)
    results, route = ran.results, ran.route
    judged(results)
    errors = {cid for cid, (o, _) in results.items() if o == "error"}
    assert errors == {cid for cid, (o, _) in results.items() if o != "skipped"}  # not evaluated, not failed
    assert any("circuit breaker open" in why for _, why in results.values())
    assert route.call_count <= 3  # the breaker stops asking after max_consecutive_timeouts


class Trickle(httpx.SyncByteStream):
    """A body that arrives a few bytes at a time, forever (a slow-loris answer)."""

    def __iter__(self) -> Iterator[bytes]:
        import time

        yield b'{"statements": ['
        while True:
            time.sleep(0.02)
            yield b" "


def test_a_body_that_trickles_forever_is_a_timeout() -> None:
    """The client's whole-request deadline (2 x timeout_seconds) ends it; three such answers open
    the breaker, so the rest of the run is not evaluated at once instead of waiting on each check."""
    ran = hostile(lambda request: httpx.Response(200, headers=JSON, stream=Trickle()), timeout_seconds=0.1)
    results, route = ran.results, ran.route
    judged(results)
    assert {o for o, _ in results.values()} <= {"error", "skipped"}
    assert any("too long" in why for _, why in results.values())
    assert route.call_count <= 3


def test_an_endless_body_is_cut_at_the_cap() -> None:
    streams: list[Endless] = []

    def endless(request: httpx.Request) -> httpx.Response:
        streams.append(Endless())
        return httpx.Response(200, headers=JSON, stream=streams[-1])

    results = hostile(endless).results
    judged(results)
    assert streams and max(s.read for s in streams) <= MAX_BODY + 8192  # never read past the cap (+ one chunk)
    assert any("cap" in why for _, why in results.values())


@pytest.mark.parametrize("body, content_type", [
    (b"<html><body>LRS maintenance</body></html>", "text/html"),  # a wrong content type
    (b'{"statements": [{"id": "\xff\xfe', "application/json"),  # invalid UTF-8, cut JSON
    (b"[" * 100_000, "application/json"),  # nested past any depth limit
    (b'{"statements": "none", "more": 42}', "application/json"),  # JSON of the wrong shape
    (b'[1, 2, 3]', "application/json"),
])
def test_answers_that_are_not_xapi_are_findings(body: bytes, content_type: str) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        status = 204 if request.method == "PUT" else 200
        return httpx.Response(status, headers={**JSON, "Content-Type": content_type}, content=body)

    results = hostile(answer).results
    judged(results, may_pass=frozenset({"xapi.comm.version.header"}))  # every answer names 1.0.3


def test_a_redirect_loop_is_a_finding_not_followed() -> None:
    def loop(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": str(request.url)})

    ran = hostile(loop)
    judged(ran.results)
    assert any("redirect" in why for _, why in ran.results.values())
    assert ran.route.call_count == ran.requests  # every request renkei made was answered once: none followed


def test_every_answer_a_server_error() -> None:
    results = hostile(lambda request: httpx.Response(500, headers={"Content-Type": "text/html"},
                                                     content=b"<h1>500</h1>")).results
    judged(results)


# --- more links ------------------------------------------------------------------------------------

def _page(more: str, n: int = 1) -> bytes:
    import json
    import uuid

    return json.dumps({"statements": [{"id": str(uuid.uuid4())} for _ in range(n)], "more": more}).encode()


def _follow(first_more: str, answer: Callable[[httpx.Request], httpx.Response],
            elsewhere: Callable[[httpx.Request], httpx.Response] | None = None) -> tuple[Any, respx.Route,
                                                                                       respx.Route]:
    with respx.mock(assert_all_called=False) as router:
        lrs = router.route(host="lrs.test").mock(side_effect=answer)
        other = router.route().mock(side_effect=elsewhere or (lambda r: httpx.Response(200, content=_page(""))))
        target = open_respx(observation=OBS)
        try:
            first = ApiResponse("GET", BASE + "statements", 200, httpx.Headers(JSON), _page(first_more))
            found = target.client.follow_more(first)
        finally:
            target.close()
    return found, lrs, other


@pytest.mark.parametrize("more", [
    "http://evil.test/xapi/statements?more=1",
    "http://lrs.test.evil.test/xapi/statements?more=1",  # the endpoint's host as a prefix of another
    "http://lrs.test@evil.test/xapi/statements?more=1",  # the endpoint's host as userinfo
    "https://lrs.test/xapi/statements?more=1",  # another scheme: another origin
    "http://lrs.test:8080/xapi/statements?more=1",  # another port
    "//evil.test/xapi/statements?more=1",  # scheme-relative
])
def test_a_more_link_to_another_origin_is_not_followed(more: str) -> None:
    (statements, pages, stopped), lrs, other = _follow(more, lambda r: httpx.Response(200, content=_page("")))
    assert other.call_count == 0 and lrs.call_count == 0  # the credentials went nowhere
    assert stopped and "another origin" in stopped and len(pages) == 1 and len(statements) == 1


def test_a_relative_more_link_is_followed_on_the_endpoint() -> None:
    (statements, pages, stopped), lrs, other = _follow("/xapi/statements?more=2",
                                                       lambda r: httpx.Response(200, content=_page("")))
    assert stopped is None and len(pages) == 2 and len(statements) == 2 and lrs.call_count == 1


def test_a_more_chain_without_end_stops_at_max_pages() -> None:
    counter = iter(range(10_000))

    def next_page(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=_page(f"/xapi/statements?more=p{next(counter)}"))

    (statements, pages, stopped), lrs, _ = _follow("/xapi/statements?more=start", next_page)
    assert stopped and "max_pages" in stopped and len(pages) == OBS["max_pages"] and lrs.call_count < len(pages)


@pytest.mark.parametrize("body", [b"<html>", b'{"statements": [', b'{"statements": [], "more": 7}', b"\xff"])
def test_a_broken_more_page_is_a_reason_not_a_crash(body: bytes) -> None:
    (statements, pages, stopped), _, _ = _follow("/xapi/statements?more=2",
                                                 lambda r: httpx.Response(200, content=body))
    assert stopped and len(statements) == 1


def test_a_more_page_that_redirects_or_overflows_is_a_reason() -> None:
    for answer in (lambda r: httpx.Response(302, headers={"Location": str(r.url)}),
                   lambda r: httpx.Response(200, headers=JSON, stream=Endless())):
        (statements, pages, stopped), _, _ = _follow("/xapi/statements?more=2", answer)
        assert stopped and len(statements) == 1


def test_the_more_check_reports_a_foreign_more_link_as_a_finding() -> None:
    """The whole check against an LRS whose pages point elsewhere: a finding naming the link."""
    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "PUT":
            return httpx.Response(204, headers=JSON)
        return httpx.Response(200, headers=JSON, content=_page("http://lrs.test.evil.test/xapi/statements?more=1"))

    with respx.mock(assert_all_called=False) as router:
        router.route(host="lrs.test").mock(side_effect=answer)
        evil = router.route().mock(return_value=httpx.Response(200, content=_page("")))
        target = open_respx(observation=OBS)
        try:
            definition = REGISTRY.get("xapi.comm.statements.more")
            ctx = CheckContext(definition, target)
            definition.func(ctx)
        finally:
            target.close()
    assert evil.call_count == 0
    assert any("another origin" in f.message for f in ctx.findings)


# --- a storm of server errors: the breaker -----------------------------------------------------------

def test_a_5xx_storm_opens_the_breaker() -> None:
    """Every answer a 503: after ``max_consecutive_server_errors`` of them and one plain query that is a
    503 too, nothing more is sent and every check still to come is not evaluated, with the reason."""
    ran = hostile(lambda request: httpx.Response(503, headers={"Content-Type": "text/html"}, content=b"<h1>503</h1>"),
                  max_consecutive_server_errors=4)
    judged(ran.results)
    assert ran.route.call_count == ran.requests == 4 + 1  # four 5xx, the plain query, then nothing
    storm = {cid for cid, (o, why) in ran.results.items() if o == "error" and "server error" in why}
    assert len(storm) > 20 and "circuit breaker open" in ran.results[sorted(storm)[0]][1]
    assert ran.results["xapi.comm.auth"][0] != "failed"  # the LRS being down is not a security failure


def test_the_breaker_default_is_five_server_errors() -> None:
    ran = hostile(lambda request: httpx.Response(500))
    assert ran.route.call_count == 5 + 1


def _in_process(middleware: Callable[[Any], Any], **obs: Any) -> dict[str, Outcome]:
    """Every check against the mock LRS seen through ``middleware`` (an ASGI wrapper)."""
    app = create_app(LrsConfig(clients=[MockClient(key=KEY, secret=SECRET)], more_page_size=50))
    clock = Clock()
    target = LrsTarget(parse_target(target_data(declares=ALL, observation={**OBS, **obs})), {"xapi_version": "1.0.3"},
                       transport=InProcessTransport(middleware(app)), environ=ENV, sleep=clock.sleep, clock=clock)
    try:
        return run(target)
    finally:
        target.close()
        app.state.store.close()


def _answer(status: int, body: bytes = b"", content_type: bytes = b"text/html") -> Callable[..., Any]:
    async def respond(send: Any) -> None:
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
    return respond


def _when(test: Callable[[dict[str, Any]], bool], respond: Callable[..., Any]) -> Callable[[Any], Any]:
    """A middleware answering ``respond`` to the requests ``test`` picks, the rest going to the app."""
    def wrap(app: Any) -> Any:
        async def asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] == "http" and test(scope):
                await respond(send)
            else:
                await app(scope, receive, send)
        return asgi
    return wrap


def _header(scope: dict[str, Any], name: bytes) -> bytes:
    return next((v for k, v in scope["headers"] if k.lower() == name), b"")


def test_an_lrs_that_crashes_on_invalid_statements_is_not_taken_as_down() -> None:
    """A 500 to every POST of statements (a validator that crashes): many in a row, but a plain query
    still answers, so the breaker stays closed and the 500s are findings of the checks that got them."""
    posts = _when(lambda s: s["method"] == "POST" and s["path"].endswith("/statements"), _answer(500, b"crash"))
    results = _in_process(posts)
    assert not any("circuit breaker" in o.reason for o in results.values())
    assert results["xapi.data.structure"].outcome == "failed"
    assert any("HTTP 500 instead of 400" in f.message for f in results["xapi.data.structure"].findings)
    assert results["xapi.comm.statements.put"].outcome == "passed"  # PUT and GET are unaffected


def test_a_server_error_instead_of_401_is_not_a_security_failure() -> None:
    """Requests without the right credentials get a 503 (the LRS's auth backend is down): whether it
    refuses them is not seen, so the auth check is not evaluated, not failed."""
    right = b"Basic " + base64.b64encode(f"{KEY}:{SECRET}".encode())
    results = _in_process(_when(lambda s: _header(s, b"authorization") != right, _answer(503, b"auth down")))
    auth = results["xapi.comm.auth"]
    assert auth.outcome == "error" and not auth.findings
    assert "HTTP 503 (a server error) instead of 401" in auth.reason and "could not be judged" in auth.reason


# --- the media type of statement answers ---------------------------------------------------------------

def _relabel(content_type: bytes) -> Callable[[Any], Any]:
    """A proxy in front of the LRS that labels every statements answer ``content_type``."""
    def wrap(app: Any) -> Any:
        async def asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] != "http" or scope["method"] != "GET" or not scope["path"].endswith("/statements"):
                await app(scope, receive, send)
                return

            async def relabelled(message: dict[str, Any]) -> None:
                if message["type"] == "http.response.start":
                    message = {**message, "headers": [(k, content_type if k.lower() == b"content-type" else v)
                                                      for k, v in message["headers"]]}
                await send(message)
            await app(scope, receive, relabelled)
        return asgi
    return wrap


def test_statement_answers_labelled_otherwise_than_json_are_a_finding() -> None:
    results = _in_process(_relabel(b"text/html; charset=utf-8"))
    found = results["xapi.comm.statements.content_type"]
    assert found.outcome == "failed" and len(found.findings) == 2
    assert {f.value for f in found.findings} == {"text/html; charset=utf-8"}
    assert "StatementResult" in found.findings[0].message and "one statement" in found.findings[1].message


def test_statement_answers_labelled_json_pass() -> None:
    results = _in_process(_relabel(b"application/json; charset=utf-8"))
    assert results["xapi.comm.statements.content_type"].outcome == "passed"


# --- end to end: the xapi-lrs profile through the CLI against hostile servers on 127.0.0.1 -------------

E2E_OBS = {"timeout_seconds": 0.5, "consistency_wait_seconds": 0.3, "poll_interval_seconds": 0.05,
           "max_body_bytes": MAX_BODY, "max_pages": 5}


async def _until_gone(receive: Any) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def _stream(send: Any, receive: Any, first: bytes, chunk: bytes, pause: float,
                  headers: list[tuple[bytes, bytes]] | None = None) -> None:
    """``first``, then ``chunk`` every ``pause`` seconds until the client goes away (a body without end)."""
    gone = asyncio.ensure_future(_until_gone(receive))
    try:
        await send({"type": "http.response.start", "status": 200,
                    "headers": headers or [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": first, "more_body": True})
        while not gone.done():
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await asyncio.sleep(pause)
    finally:
        gone.cancel()


def _app(respond: Callable[[dict[str, Any], Any, Any], Any]) -> Any:
    async def asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            await respond(scope, receive, send)
    return asgi


async def _drip(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await _stream(send, receive, b'{"statements": [', b" ", 0.05)  # a byte every 50 ms, never the end


async def _endless(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await _stream(send, receive, b'{"statements": [', b" " * 16384, 0)


async def _huge(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """A 50 MB answer that says so up front (Content-Length)."""
    size, sent = 50_000_000, 0
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(size).encode())]})
    gone = asyncio.ensure_future(_until_gone(receive))
    try:
        while sent < size and not gone.done():
            piece = min(1_000_000, size - sent)
            sent += piece
            await send({"type": "http.response.body", "body": b" " * piece, "more_body": sent < size})
            await asyncio.sleep(0)
    finally:
        gone.cancel()


def _fixed(status: int, body: bytes, content_type: bytes, *extra: tuple[bytes, bytes]) -> Any:
    async def respond(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": status, "headers": [
            (b"content-type", content_type), (b"content-length", str(len(body)).encode()),
            (b"x-experience-api-version", b"1.0.3"), *extra]})
        await send({"type": "http.response.body", "body": body})
    return respond


async def _redirect_loop(scope: dict[str, Any], receive: Any, send: Any) -> None:
    here = scope["path"].encode() + (b"?" + scope["query_string"] if scope["query_string"] else b"")
    await _fixed(302, b"", b"text/plain", (b"location", here))(scope, receive, send)


class Counter:
    """A server elsewhere on 127.0.0.1 that must never be asked (and says so if it is)."""

    def __init__(self) -> None:
        self.hits: list[str] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        self.hits.append(f"{scope['method']} {scope['path']} auth={bool(_header(scope, b'authorization'))}")
        await _fixed(200, b'{"statements": []}', b"application/json")(scope, receive, send)


def _profile_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                 endpoint: str, **obs: Any) -> dict[str, dict[str, Any]]:
    """``renkei run --profile xapi-lrs`` against ``endpoint``: the checks of result.json by id, after
    asserting the run ended as a report (exit 1, no traceback, no internal error, no secret)."""
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    target = tmp_path / "lrs.yaml"
    target.write_text(yaml.safe_dump({
        "kind": "xapi-lrs", "lrs": {"name": "hostile LRS", "endpoint": endpoint, "key": "${LRS_KEY}",
                                     "secret": "${LRS_SECRET}"},
        "declares": {"state": True, "activity_profile": True, "agent_profile": True, "agents": True,
                     "activities": True, "about": True, "attachments": True},
        "observation": {**E2E_OBS, **obs}}), encoding="utf-8")
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exited:
        main(["run", "--profile", "xapi-lrs", "--target", str(target), "--out", str(out), "--lang", "en"])
    printed = capsys.readouterr()
    text = (out / "result.json").read_text(encoding="utf-8")
    assert exited.value.code == 1, printed.err
    assert "Traceback" not in printed.out + printed.err and SECRET not in text + printed.out + printed.err
    checks = {c["id"]: c for c in json.loads(text)["checks"]}
    internal = {cid: c["error"] for cid, c in checks.items() if "internal error" in str(c.get("error"))}
    assert not internal
    return checks


def _why(check: dict[str, Any]) -> str:
    return " ".join([str(check.get("error") or ""), *check.get("not_evaluated", []),
                     *(f["message"] for f in check["findings"])])


def _none_passed(checks: dict[str, dict[str, Any]], may_pass: frozenset[str] = frozenset()) -> None:
    passed = {cid for cid, c in checks.items() if c["outcome"] == "passed"}
    assert passed <= may_pass, passed
    assert all(_why(c) or c["outcome"] in ("passed", "skipped") for c in checks.values())  # each says why


@pytest.mark.parametrize("respond, reason", [(_drip, "No response within 0.5 s"), (_endless, "cap"), (_huge, "cap")],
                         ids=["drip-feed", "endless", "50MB"])
def test_slow_endless_and_huge_bodies_end_the_run_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str], respond: Any,
                                                          reason: str) -> None:
    """A drip-fed body is cut by the whole-request deadline (2 x timeout_seconds) and three of them
    open the breaker; an endless or a 50 MB body is cut at max_body_bytes (a finding per check)."""
    with BackgroundServer(_app(respond), name="hostile LRS") as server:
        checks = _profile_run(tmp_path, monkeypatch, capsys, server.url + "/xapi/")
    _none_passed(checks)
    assert any(reason in _why(c) for c in checks.values())
    if respond is _drip:
        assert sum("circuit breaker open" in _why(c) for c in checks.values()) > 20
        assert all(c["outcome"] in ("error", "skipped") for c in checks.values())  # not evaluated, never failed


@pytest.mark.parametrize("status, body, content_type", [
    (200, b"<html><body>LRS maintenance</body></html>", b"text/html"),
    (200, b'{"statements": [{"id": "\xff\xfe', b"application/json"),  # invalid UTF-8, cut JSON
    (200, b"[" * 100_000, b"application/json"),  # nested past any depth limit
    (200, b'{"statements": [], "more": ""}', b"text/plain"),  # the right body, the wrong label
], ids=["html", "invalid-utf8", "deep", "text-plain"])
def test_answers_that_are_not_xapi_json_are_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str], status: int, body: bytes,
                                                     content_type: bytes) -> None:
    with BackgroundServer(_app(_fixed(status, body, content_type)), name="hostile LRS") as server:
        checks = _profile_run(tmp_path, monkeypatch, capsys, server.url + "/xapi/")
    _none_passed(checks, may_pass=frozenset({"xapi.comm.version.header"}))  # every answer names 1.0.3
    if content_type == b"text/plain":
        assert checks["xapi.comm.statements.content_type"]["outcome"] == "failed"


def test_redirects_are_refused_never_followed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """A redirect loop, a redirect to another server on 127.0.0.1 and one outside 127.0.0.0/8
    (TEST-NET-3): each answer is a finding naming the redirect; no request follows one."""
    elsewhere = Counter()
    with BackgroundServer(_app(elsewhere), name="elsewhere") as other:
        targets = [other.url.encode() + b"/xapi/statements", b"http://203.0.113.7/xapi/statements"]

        async def redirect(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope["path"].endswith("/statements"):
                await _redirect_loop(scope, receive, send)
            else:
                where = targets[len(scope["path"]) % 2]
                await _fixed(307, b"", b"text/plain", (b"location", where))(scope, receive, send)

        with BackgroundServer(_app(redirect), name="redirecting LRS") as server:
            checks = _profile_run(tmp_path, monkeypatch, capsys, server.url + "/xapi/")
    _none_passed(checks)
    assert not elsewhere.hits
    redirected = [c for c in checks.values() if "redirect" in _why(c)]
    assert len(redirected) > 20 and not any("too long" in _why(c) or "timeout" in _why(c) for c in checks.values())


def test_a_5xx_storm_is_not_evaluated_after_the_breaker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    seen: list[str] = []

    async def storm(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.append(scope["path"])
        await _fixed(503, b"<h1>Service Unavailable</h1>", b"text/html")(scope, receive, send)

    with BackgroundServer(_app(storm), name="LRS in a 5xx storm") as server:
        checks = _profile_run(tmp_path, monkeypatch, capsys, server.url + "/xapi/")
    _none_passed(checks)
    assert len(seen) == 5 + 1  # five 5xx, the plain query, then nothing more was sent
    down = [cid for cid, c in checks.items() if c["outcome"] == "error" and "circuit breaker open" in _why(c)]
    assert len(down) > 25
    assert checks["xapi.comm.auth"]["outcome"] != "failed"


class MoreRewrite:
    """The mock LRS behind a proxy that rewrites the ``more`` link of every StatementResult it
    passes: to ``more`` (another origin), or, with ``loop``, to one link answered by the same page."""

    def __init__(self, app: Any, more: str, *, loop: bool = False) -> None:
        self.app, self.more, self.loop = app, more, loop
        self.page: bytes | None = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not scope["path"].endswith("/statements"):
            await self.app(scope, receive, send)
            return
        if self.loop and self.page is not None and scope["query_string"] == self.more.split("?", 1)[1].encode():
            await _fixed(200, self.page, b"application/json")(scope, receive, send)
            return
        start: dict[str, Any] = {}
        body = bytearray()

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            else:
                body.extend(message.get("body", b""))
        await self.app(scope, receive, capture)
        out = bytes(body)
        try:
            data = json.loads(out)
        except ValueError:
            data = None
        if isinstance(data, dict) and data.get("more"):
            data["more"] = self.more
            out = json.dumps(data).encode()
            self.page = out
        headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
        await send({**start, "headers": [*headers, (b"content-length", str(len(out)).encode())]})
        await send({"type": "http.response.body", "body": out})


@pytest.mark.parametrize("kind", ["another-origin", "userinfo", "loop"])
def test_a_hostile_more_link_is_a_finding_of_the_more_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str], kind: str) -> None:
    elsewhere = Counter()
    app = create_app(LrsConfig(clients=[MockClient(key=KEY, secret=SECRET)]), path="/xapi")
    try:
        with BackgroundServer(_app(elsewhere), name="elsewhere") as other:
            host_port = other.url.removeprefix("http://")
            more = {"another-origin": f"{other.url}/xapi/statements?more=stolen",
                    "userinfo": f"http://{host_port}@{host_port}/xapi/statements?more=stolen",
                    "loop": "/xapi/statements?more=again"}[kind]
            with BackgroundServer(MoreRewrite(app, more, loop=kind == "loop"), name="mock LRS") as server:
                checks = _profile_run(tmp_path, monkeypatch, capsys, server.url + "/xapi/")
    finally:
        app.state.store.close()
    found = checks["xapi.comm.statements.more"]
    assert found["outcome"] == "failed"
    assert ("a loop" if kind == "loop" else "another origin") in _why(found)
    assert not elsewhere.hits  # the credentials went nowhere else
    assert checks["xapi.comm.statements.put"]["outcome"] == "passed"  # the rest of the LRS is judged as usual
