"""A JavaScript-gated variant of the mock Tool, served by uvicorn on an ephemeral 127.0.0.1 port.

``JsGatedTool`` wraps the real mock Tool (``renkei.mocks.app``) the way some vendor Tools behave:
- ``/login`` first answers with a cookie-check interstitial: a script sets ``renkei_js=1`` and
  reloads (GET) or re-submits the login form (POST); plain HTTP never gets past it;
- with the cookie, the Tool's 302 to the Platform becomes a 200 page whose script navigates there;
- an accepted ``/launch`` page arrives as an empty shell; a script renders the success marker (and
  runs the Deep Linking auto-submit) after a short delay, like an SPA.
``offsite`` sends the browser to a foreign host instead (``"script"`` from the interstitial,
``"302"`` from the login response) to exercise the "redirect to another host" finding;
``return_errors`` answers a rejected launch with a 302 to the Platform's return_url carrying
``lti_errormsg`` [CORE §5.4 launch_presentation]; ``hang_launch`` never answers ``/launch``.

``js_tool_env`` yields an ``LtiToolTarget`` whose Tool is that app on a real socket; the harness's
own base URL is a reserved (bound, never listening) port, because the browser driver answers every
harness request inside the browser and the Tool fetches the harness JWKS in-process.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from html import escape
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
import uvicorn

from renkei.harness.lti.protocol import vocab
from renkei.harness.lti.protocol.jose import JoseFailure, decode_unverified
from renkei.harness.lti.tool.config import parse_target
from renkei.harness.lti.tool.target import LtiToolTarget
from renkei.mocks.app import ToolConfig, create_app
from tests.harness.lti.tool.tool_env import CLIENT_ID, DEPLOYMENT, _platform_keys, _tool_keys_dir

GATE_COOKIE = "renkei_js"
OFFSITE_URL = "http://elsewhere.test/phish"

Message = dict[str, Any]


def _html(body: str) -> bytes:
    return f'<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>js tool</title></head><body>{body}' \
           "</body></html>".encode()


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


_DECODE = "function d(s){return new TextDecoder().decode(Uint8Array.from(atob(s),function(c){return c.charCodeAt(0)}))}"


class JsGatedTool:
    """ASGI wrapper that puts script-only steps around the mock Tool's login and launch pages."""

    def __init__(self, inner: Any, *, gate_login: bool = True, script_login: bool = True,
                 offsite: str | None = None, return_errors: bool = False, hang_launch: bool = False) -> None:
        self.inner = inner
        self.gate_login = gate_login
        self.script_login = script_login
        self.offsite = offsite
        self.return_errors = return_errors
        self.hang_launch = hang_launch
        self.stopping = threading.Event()

    async def __call__(self, scope: Message, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] not in ("/login", "/launch"):
            await self.inner(scope, receive, send)
            return
        body = await _read_body(receive)
        if scope["path"] == "/login":
            await self._login(scope, body, send)
        else:
            await self._launch(scope, body, send)

    async def _login(self, scope: Message, body: bytes, send: Any) -> None:
        if self.gate_login and GATE_COOKIE not in _cookies(scope):
            await _respond(send, 200, self._interstitial(scope, body))
            return
        if self.offsite == "302":
            await _respond(send, 302, b"", [(b"location", OFFSITE_URL.encode())])
            return
        status, headers, content = await _call(self.inner, scope, body)
        location = next((v for k, v in headers if k.lower() == b"location"), None)
        if status != 302 or location is None or not self.script_login:
            await _respond(send, status, content, [h for h in headers if h[0].lower() in (b"set-cookie", b"location")])
            return
        page = _html(f"<p>ログイン中…</p><script>{_DECODE};window.location.assign(d({json.dumps(_b64(location.decode()))}))"
                     "</script>")
        await _respond(send, 200, page, [h for h in headers if h[0].lower() == b"set-cookie"])

    def _interstitial(self, scope: Message, body: bytes) -> bytes:
        set_cookie = f'document.cookie="{GATE_COOKIE}=1; path=/; SameSite=Lax";'
        if self.offsite == "script":
            return _html(f"<script>{set_cookie}window.location.replace({json.dumps(OFFSITE_URL)});</script>")
        if scope["method"] == "GET":
            return _html(f"<noscript>JavaScript が必要です</noscript><script>{set_cookie}location.reload();</script>")
        fields = "".join(
            f"<input type='hidden' name=\"{escape(k)}\" value=\"{escape(v)}\">"
            for k, v in parse_qsl(body.decode(), keep_blank_values=True))
        return _html(f"<form id='again' method='post' action='/login'>{fields}</form>"
                     f"<script>{set_cookie}document.getElementById('again').submit();</script>")

    async def _launch(self, scope: Message, body: bytes, send: Any) -> None:
        while self.hang_launch and not self.stopping.is_set():  # until the server stops
            await asyncio.sleep(0.05)
        status, headers, content = await _call(self.inner, scope, body)
        keep = [h for h in headers if h[0].lower() == b"set-cookie"]
        text = content.decode("utf-8", "replace")
        return_url = _return_url(body) if self.return_errors and status in (400, 401) else None
        if return_url:
            location = return_url + ("&" if "?" in return_url else "?") + urlencode({"lti_errormsg": "launch refused"})
            await _respond(send, 302, b"", [*keep, (b"location", location.encode())])
            return
        match = re.search(r"(?s)<body>(.*)</body>", text)
        if status != 200 or match is None or "lti-launch" not in text:
            await _respond(send, status, content, keep)
            return
        script = (f"{_DECODE};setTimeout(function(){{var r=document.getElementById('root');"
                  f"r.innerHTML=d({json.dumps(_b64(match.group(1)))});"
                  "r.querySelectorAll('script').forEach(function(o){var s=document.createElement('script');"
                  "s.textContent=o.textContent;o.replaceWith(s);});},150);")
        await _respond(send, 200, _html(f"<div id='root'>読み込み中…</div><script>{script}</script>"), keep)


def _return_url(body: bytes) -> str | None:
    """launch_presentation.return_url of the posted id_token, read without verification."""
    token = dict(parse_qsl(body.decode("utf-8", "replace"))).get("id_token", "")
    try:
        _header, claims = decode_unverified(token)
    except JoseFailure:
        return None
    url = (claims.get(vocab.CLAIM_LAUNCH_PRESENTATION) or {}).get("return_url")
    return url if isinstance(url, str) else None


async def _read_body(receive: Any) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def _call(app: Any, scope: Message, body: bytes) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """Run the inner app on a buffered request; returns status, headers and body."""
    sent = False
    out: dict[str, Any] = {"status": 500, "headers": [], "body": bytearray()}

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def capture(message: Message) -> None:
        if message["type"] == "http.response.start":
            out["status"], out["headers"] = message["status"], list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            out["body"] += message.get("body", b"")

    await app(scope, receive, capture)
    return out["status"], out["headers"], bytes(out["body"])


async def _respond(send: Any, status: int, body: bytes, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    base = [(b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": base + list(headers or [])})
    await send({"type": "http.response.body", "body": body})


def _cookies(scope: Message) -> dict[str, str]:
    raw = b"; ".join(v for k, v in scope.get("headers", []) if k == b"cookie").decode("latin-1")
    jar = SimpleCookie()
    jar.load(raw)
    return {k: m.value for k, m in jar.items()}


class ServedApp:
    """uvicorn on an already-bound socket in a thread; ``stop`` always joins it."""

    def __init__(self, app: JsGatedTool, sock: socket.socket) -> None:
        self.app = app
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off",
                                                    timeout_graceful_shutdown=2))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, daemon=True)
        self.thread.start()
        for _ in range(200):  # at most ~10 s for the server to come up
            if self.server.started or not self.thread.is_alive():
                break
            time.sleep(0.05)
        if not self.server.started:
            self.stop()
            raise RuntimeError("the JS-gated mock Tool did not start")

    def stop(self) -> None:
        self.app.stopping.set()
        self.server.should_exit = True
        self.thread.join(timeout=10)


def _bound() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextmanager
def js_tool_env(engine: str = "chromium", *, gate_login: bool = True, script_login: bool = True,
                offsite: str | None = None, return_errors: bool = False, hang_launch: bool = False,
                faults: frozenset[str] = frozenset(), timeout_seconds: float = 10,
                **sections: Any) -> Iterator[LtiToolTarget]:
    """A target against the JS-gated mock Tool on 127.0.0.1:<ephemeral>; everything is stopped after."""
    tool_sock, harness_sock = _bound(), _bound()  # the harness port stays reserved, never listening
    tool = f"http://127.0.0.1:{tool_sock.getsockname()[1]}"
    harness = f"http://127.0.0.1:{harness_sock.getsockname()[1]}"
    data: dict[str, Any] = {
        "tool": {"login_url": tool + "/login", "redirect_uris": [tool + "/launch"], "target_link_uri": tool + "/launch",
                 "jwks_url": tool + "/jwks", "client_id": CLIENT_ID, "deployment_ids": [DEPLOYMENT, "deploy-2"]},
        "harness": {"base_url": harness},
        "observation": {"accept": {"status": [200], "marker_id": "lti-launch"}, "timeout_seconds": timeout_seconds},
        "browser": {"engine": engine},
    }
    for name, value in sections.items():
        data[name] = {**data.get(name, {}), **value}
    served: ServedApp | None = None
    target: LtiToolTarget | None = None
    try:
        target = LtiToolTarget(parse_target(data, "js-target.yaml"), serve=False, keys=_platform_keys())
        cfg = target.config
        inner = create_app(ToolConfig(
            client_id=CLIENT_ID, issuer=cfg.issuer, auth_url=cfg.auth_url, token_url=cfg.token_url,
            jwks_url=cfg.jwks_url, deployment_ids=frozenset(cfg.tool.deployment_ids), base_url=tool,
            keys_dir=_tool_keys_dir(), faults=set(faults), transport=httpx.ASGITransport(app=target.platform.app)))
        tool_sock.listen(64)
        app = JsGatedTool(inner, gate_login=gate_login, script_login=script_login, offsite=offsite,
                          return_errors=return_errors, hang_launch=hang_launch)
        served = ServedApp(app, tool_sock)
        yield target
    finally:
        if target is not None:
            target.close()
        if served is not None:
            served.stop()
        tool_sock.close()
        harness_sock.close()
