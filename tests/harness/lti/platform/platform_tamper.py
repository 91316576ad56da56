"""``Tamper``: an ASGI middleware that makes the mock e-portal misbehave in one chosen way.

Why: the mock's own faults cover the rules its authors thought of; the remaining lti-platform checks
still need a failing input each. A rule rewrites the request (e.g. re-adds a dropped ``nonce`` so the
portal looks lenient) or the response (e.g. strips ``kid`` from the JWKS) of one method + path.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode

RequestEdit = Callable[[dict[str, str], bytes], tuple[dict[str, str], bytes]]  # (query, body) -> (query, body)
ResponseEdit = Callable[[int, dict[str, str], bytes], tuple[int, dict[str, str], bytes]]


@dataclass
class Rule:
    method: str
    path: str  # regular expression, full match
    request: RequestEdit | None = None
    response: ResponseEdit | None = None

    def matches(self, scope: dict[str, Any]) -> bool:
        return scope["method"] == self.method and re.fullmatch(self.path, scope["path"]) is not None


class Tamper:
    def __init__(self, app: Any, *rules: Rule) -> None:
        self.app = app
        self.rules = rules

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        rule = next((r for r in self.rules if scope["type"] == "http" and r.matches(scope)), None)
        if rule is None:
            await self.app(scope, receive, send)
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        if rule.request is not None:
            query = {k: v[-1] for k, v in parse_qs(scope["query_string"].decode(), keep_blank_values=True).items()}
            query, body = rule.request(query, body)
            headers = [(k, v) for k, v in scope["headers"] if k != b"content-length"]
            scope = {**scope, "query_string": urlencode(query).encode(),
                     "headers": [*headers, (b"content-length", str(len(body)).encode())]}
        sent = False

        async def replay() -> dict[str, Any]:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        if rule.response is None:
            await self.app(scope, replay, send)
            return
        captured: dict[str, Any] = {"status": 500, "headers": [], "body": b""}

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                captured["status"], captured["headers"] = message["status"], message.get("headers", [])
            elif message["type"] == "http.response.body":
                captured["body"] += message.get("body", b"")

        await self.app(scope, replay, capture)
        headers = {k.decode().lower(): v.decode() for k, v in captured["headers"]}
        status, headers, out = rule.response(captured["status"], headers, captured["body"])
        headers["content-length"] = str(len(out))
        await send({"type": "http.response.start", "status": status,
                    "headers": [(k.encode(), v.encode()) for k, v in headers.items()]})
        await send({"type": "http.response.body", "body": out})


def form_edit(edit: Callable[[dict[str, str]], None]) -> RequestEdit:
    """Edit the form body (POST) or query (GET) parameters in place."""

    def apply(query: dict[str, str], body: bytes) -> tuple[dict[str, str], bytes]:
        if body:
            form = {k: v[-1] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
            edit(form)
            return query, urlencode(form).encode()
        edit(query)
        return query, body

    return apply


def replace_response(status: int, body: bytes, content_type: str = "application/json") -> ResponseEdit:
    return lambda _s, _h, _b: (status, {"content-type": content_type}, body)
