"""Failing inputs for the checks no mock fault breaks: the reference LRS behind a small ASGI wrapper that
breaks one rule (rewriting a request's query or an answer), so each check fails over real HTTP semantics."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest

from renkei.harness.lti.protocol.browser import InProcessTransport
from renkei.harness.xapi.lrs.config import parse_target
from renkei.harness.xapi.lrs.target import LrsTarget
from renkei.mocks.lrs.app import create_app
from renkei.mocks.lrs.config import LrsClient, LrsConfig
from tests.harness.xapi.lrs.lrs_env import ENV, KEY, SECRET, Clock, bad, run, target_data

Answer = tuple[int, bytes]


class Broken:
    """``query(path, method, params) -> params`` rewrites requests; ``answer(path, method, params, status,
    body) -> (status, body)`` rewrites answers."""

    def __init__(self, app: Any, query: Callable[..., list[tuple[str, str]]] | None = None,
                 answer: Callable[..., Answer] | None = None) -> None:
        self.app, self.query, self.answer = app, query, answer

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        params = parse_qsl(scope.get("query_string", b"").decode(), keep_blank_values=True)
        path, method = scope.get("path", ""), scope.get("method", "")
        if self.query is not None:
            params = self.query(path, method, params)
            scope = {**scope, "query_string": urlencode(params).encode()}
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            else:
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        status, body = start["status"], b"".join(chunks)
        if self.answer is not None:
            status, body = self.answer(path, method, dict(params), status, body)
        headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _json(body: bytes, change: Callable[[Any], Any]) -> bytes:
    try:
        return json.dumps(change(json.loads(body))).encode()
    except ValueError:
        return body


def accept_all(path: str, method: str, params: dict, status: int, body: bytes) -> Answer:
    if path.endswith("/statements") and method in ("PUT", "POST") and status == 400:
        return (204, b"") if method == "PUT" else (200, b"[]")
    return status, body


def single(change: Callable[[dict], dict]) -> Callable[..., Answer]:
    def answer(path: str, method: str, params: dict, status: int, body: bytes) -> Answer:
        if path.endswith("/statements") and method == "GET" and "statementId" in params and status == 200:
            return status, _json(body, change)
        return status, body
    return answer


def results(change: Callable[[dict], dict]) -> Callable[..., Answer]:
    def answer(path: str, method: str, params: dict, status: int, body: bytes) -> Answer:
        if path.endswith("/statements") and method == "GET" and not {"statementId", "voidedStatementId"} & set(params) \
                and status == 200:
            return status, _json(body, change)
        return status, body
    return answer


def on(suffix: str, status: int, body: bytes, method: str = "GET") -> Callable[..., Answer]:
    def answer(path: str, m: str, params: dict, s: int, b: bytes) -> Answer:
        return (status, body) if path.endswith(suffix) and m == method else (s, b)
    return answer


def drop(*names: str) -> Callable[..., list[tuple[str, str]]]:
    return lambda path, method, params: [(k, v) for k, v in params if k not in names]


CASES: dict[str, tuple[dict[str, Any], set[str]]] = {
    "accepts every statement": ({"answer": accept_all}, {
        "xapi.data.structure", "xapi.data.actor.ifi", "xapi.data.verb", "xapi.data.object", "xapi.data.result",
        "xapi.data.context", "xapi.data.timestamp", "xapi.data.authority", "xapi.data.version",
        "xapi.data.attachments", "xapi.data.voiding.objecttype", "xapi.comm.statements.put",
        "xapi.comm.statements.batch", "xapi.comm.attachments", "xapi.data.signature"}),
    "attachments dropped on read": ({"answer": single(lambda s: {k: v for k, v in s.items() if k != "attachments"})},
                                    {"xapi.data.signature"}),
    "no stored or authority": ({"answer": single(lambda s: {k: v for k, v in s.items()
                                                            if k not in ("stored", "authority")})},
                               {"xapi.data.stored"}),
    "version rewritten": ({"answer": single(lambda s: {**s, "version": "1.0.0"})}, {"xapi.data.version.retained"}),
    "contextActivities as objects": ({"answer": single(lambda s: {**s, "context": {**s.get("context", {}),
                                      "contextActivities": {k: v[0] for k, v in s.get("context", {})
                                                            .get("contextActivities", {}).items()}}})},
                                     {"xapi.data.context.arrays"}),
    "queries in reverse": ({"answer": results(lambda r: {**r, "statements": r["statements"][::-1]})},
                           {"xapi.comm.statements.order"}),
    "queries empty": ({"answer": results(lambda r: {**r, "statements": [], "more": ""})},
                      {"xapi.comm.statements.filters", "xapi.comm.statements.more", "xapi.comm.statements.order",
                       "xapi.comm.statements.related"}),
    "related ignored": ({"query": drop("related_activities", "related_agents")}, {"xapi.comm.statements.related"}),
    "format ignored": ({"query": drop("format")}, {"xapi.comm.statements.format"}),
    "unknown parameters ignored": ({"query": drop("renkeiUnknown")}, {"xapi.comm.statements.parameters"}),
    "about without versions": ({"answer": on("/about", 200, b'{"version": ["0.95"]}')}, {"xapi.comm.about"}),
    "agents answers an Agent": ({"answer": on("/agents", 200, b'{"objectType": "Agent"}')}, {"xapi.comm.agents"}),
    "activities unknown": ({"answer": on("/activities", 404, b"{}")}, {"xapi.comm.activities"}),
    "deleted documents still answered": ({"answer": lambda p, m, q, s, b: (200, b'{"a": 1}') if m == "GET" and
                                          s == 404 and p.endswith("/activities/state") else (s, b)},
                                         {"xapi.comm.documents.roundtrip"}),
    "409 turned into 204": ({"answer": lambda p, m, q, s, b: (204, b"") if m == "PUT" and s == 409 and
                             p.endswith("/statements") else (s, b)}, {"xapi.comm.statements.conflict"}),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_broken_rule_fails_its_checks(case: str) -> None:
    wrapper, expected = CASES[case]
    app = create_app(LrsConfig(clients=[LrsClient(key=KEY, secret=SECRET)], more_page_size=50))
    clock = Clock()
    target = LrsTarget(parse_target(target_data(declares={"attachments": True})), {"xapi_version": "1.0.3"},
                       transport=InProcessTransport(Broken(app, **wrapper)), environ=ENV, sleep=clock.sleep,
                       clock=clock)
    try:
        failing = bad(run(target))
    finally:
        target.close()
        app.state.store.close()
    assert expected <= set(failing), failing
