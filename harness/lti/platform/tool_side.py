"""The harness's own Tool side: login initiation URL, redirect URI, JWKS, and a record of everything.

A Platform under test talks to a Tool only through the browser (login initiation, auto-posted
id_token [SEC §5.1.1]) and by fetching the Tool's JWKS (to verify Deep Linking responses and
client assertions [SEC §5.2.3], [SEC §4.1.1]). To judge it, the harness must BE that Tool and
RECORD each request verbatim, then let checks decide. The login endpoint answers with the
authentication request of [SEC §5.1.1.2] (fresh ``state`` and ``nonce``); a check can ``plan``
deliberate deviations for the next login (no nonce, unregistered redirect_uri, wrong client_id ...)
to see whether the Platform refuses them. State is guarded by a lock: uvicorn serves from another
thread while checks read.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlencode, urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from renkei.harness.lti.platform.config import (
    PATH_DEEP_LINK,
    PATH_JWKS,
    PATH_LAUNCH,
    PATH_LOGIN,
    PATH_UNREGISTERED,
)
from renkei.harness.lti.protocol.jose import RSAKey, public_jwks
from renkei.harness.serving import BodyLimit

if TYPE_CHECKING:
    from renkei.harness.lti.platform.config import PlatformTargetConfig

MAX_FORM_BYTES = 256 * 1024
LAUNCH_MARKER = "renkei-launch-received"

# kinds of recorded calls
LOGIN = "login"
LAUNCH = "launch"  # a POST/GET to a registered redirect URI (PATH_LAUNCH or PATH_DEEP_LINK)
UNREGISTERED = "unregistered_redirect"
JWKS = "jwks"


@dataclass(frozen=True)
class ToolCall:
    """One request the Platform (or the browser on its behalf) made to the harness Tool side."""

    seq: int
    kind: str
    method: str
    path: str
    params: dict[str, str]  # query (GET) or form fields (POST); last value wins
    repeated: tuple[str, ...]  # parameter names sent more than once
    content_type: str
    at: float
    auth_params: dict[str, str] | None = None  # login: the authentication request the harness answered with


class ToolSide:
    """Serves the Tool endpoints and records calls; ``plan`` shapes the next authentication request."""

    def __init__(self, config: PlatformTargetConfig, keys: list[RSAKey], *,
                 clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.keys = keys
        self.clock = clock
        self.calls: list[ToolCall] = []
        self.nonces: dict[str, str] = {}  # state -> nonce of authentication requests we sent
        self._plan: dict[str, str | None] = {}
        self._cond = threading.Condition()
        self.app = Starlette(routes=[
            Route(PATH_LOGIN, self._login, methods=["GET", "POST"]),
            Route(PATH_LAUNCH, self._launch, methods=["GET", "POST"]),
            Route(PATH_DEEP_LINK, self._launch, methods=["GET", "POST"]),
            Route(PATH_UNREGISTERED, self._unregistered, methods=["GET", "POST"]),
            Route(PATH_JWKS, self._jwks, methods=["GET"]),
        ])
        self.app.add_middleware(BodyLimit)  # a peer's body is bounded before any handler reads it

    # --- control and record access ---
    def plan(self, overrides: dict[str, str | None] | None) -> None:
        """Parameters to set (str) or drop (None) in the next authentication request(s)."""
        with self._cond:
            self._plan = dict(overrides or {})

    @property
    def next_seq(self) -> int:
        with self._cond:
            return len(self.calls)

    def calls_of(self, *kinds: str, since: int = 0) -> list[ToolCall]:
        with self._cond:
            return [c for c in self.calls if c.seq >= since and (not kinds or c.kind in kinds)]

    def wait_for(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Wait until ``predicate()`` holds or ``timeout`` seconds pass (hook-driven launches)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return predicate()
                self._cond.wait(min(remaining, 0.25))
            return True

    def _store(self, kind: str, request: Request, params: dict[str, str], repeated: tuple[str, ...],
               auth_params: dict[str, str] | None = None) -> ToolCall:
        with self._cond:
            call = ToolCall(len(self.calls), kind, request.method, request.url.path, params, repeated,
                            request.headers.get("content-type", ""), self.clock(), auth_params)
            self.calls.append(call)
            self._cond.notify_all()
            return call

    @staticmethod
    async def _params(request: Request) -> tuple[dict[str, str], tuple[str, ...]]:
        if request.method == "POST":
            raw = (await request.body())[:MAX_FORM_BYTES].decode("utf-8", errors="replace")
        else:
            raw = request.url.query
        parsed = parse_qs(raw, keep_blank_values=True)
        return {k: v[-1] for k, v in parsed.items()}, tuple(k for k, v in parsed.items() if len(v) > 1)

    # --- endpoints ---
    def auth_request(self, login: dict[str, str]) -> dict[str, str]:
        """The authentication request of [SEC §5.1.1.2] for a login initiation, with the plan applied."""
        state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        params: dict[str, str] = {
            "scope": "openid", "response_type": "id_token", "response_mode": "form_post", "prompt": "none",
            "client_id": login.get("client_id") or self.config.platform.client_id,
            "redirect_uri": self.config.redirect_uri, "login_hint": login.get("login_hint", ""),
            "state": state, "nonce": nonce,
        }
        if "lti_message_hint" in login:
            params["lti_message_hint"] = login["lti_message_hint"]  # echoed unaltered [CORE §4.1.1]
        with self._cond:
            plan = dict(self._plan)
            self.nonces[state] = nonce
        for name, value in plan.items():
            if value is None:
                params.pop(name, None)
            else:
                params[name] = value
        return params

    async def _login(self, request: Request) -> Response:
        params, repeated = await self._params(request)
        if not params.get("iss") or not params.get("login_hint"):
            self._store(LOGIN, request, params, repeated)
            return HTMLResponse("<!doctype html><title>renkei</title><p>renkei: login initiation lacks iss or "
                                "login_hint [SEC §5.1.1.1]</p>", status_code=400)
        auth = self.auth_request(params)
        self._store(LOGIN, request, params, repeated, auth)
        url = self.config.platform.auth_url
        separator = "&" if urlsplit(url).query else "?"
        return RedirectResponse(url + separator + urlencode(auth), status_code=302,
                                headers={"Cache-Control": "no-store"})

    async def _launch(self, request: Request) -> Response:
        params, repeated = await self._params(request)
        self._store(LAUNCH, request, params, repeated)
        return HTMLResponse(f"<!doctype html><title>renkei</title><p id='{LAUNCH_MARKER}'>renkei: received</p>")

    async def _unregistered(self, request: Request) -> Response:
        params, repeated = await self._params(request)
        self._store(UNREGISTERED, request, params, repeated)
        return HTMLResponse("<!doctype html><title>renkei</title><p>renkei: unregistered redirect URI</p>",
                            status_code=400)

    async def _jwks(self, request: Request) -> Response:
        self._store(JWKS, request, {}, ())
        return JSONResponse(public_jwks(self.keys), headers={"Cache-Control": "max-age=300"})
