"""The harness's own Platform side: JWKS, token, NRPS/AGS and Deep Linking return endpoints.

A Tool under test fetches the Platform's keys, asks for service tokens and calls NRPS/AGS on its
own initiative; the only way to test that behaviour is to be the server it calls and to RECORD
each call, then let checks judge the record ([SEC §4.1.1], [NRPS], [AGS §3]). The endpoints are
deliberately lenient (they answer whatever is well-formed enough to continue) so one mistake by
the Tool does not hide the next one; strictness lives in the checks.

The app runs in-process for tests (any ASGI transport) or on a real port through ``renkei.harness.serving.BackgroundServer``
(uvicorn in a background thread, stopped by ``stop()``).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from renkei.harness.core.bounded import load_json
from renkei.harness.lti.protocol import vocab
from renkei.harness.lti.protocol.jose import RSAKey, public_jwks
from renkei.harness.serving import BodyLimit

if TYPE_CHECKING:
    from renkei.harness.lti.tool.config import ToolTargetConfig

BODY_RECORD_CAP = 65_536
TOKEN_TTL_SECONDS = 3600


@dataclass(frozen=True)
class RecordedCall:
    """One request the Tool made to the harness; ``authorization`` is masked, never stored."""

    seq: int
    kind: str  # jwks | auth | token | nrps | ags.* | deep_link | return
    method: str
    path: str
    url: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: str
    form: dict[str, str]
    status: int
    token_scopes: tuple[str, ...] | None  # scopes of the bearer token used (None: no/unknown token)
    context_id: str | None = None
    at: float = 0.0
    link_next: str | None = None  # the rel=next URL the harness answered with (NRPS, AGS container paging)

    def json(self) -> Any:
        """The body parsed as JSON, or ``None`` when it is not JSON."""
        try:
            return load_json(self.body)
        except ValueError:
            return None


@dataclass
class Grant:
    scopes: tuple[str, ...]
    expires_at: float


@dataclass
class ContextData:
    """What the harness offers in one course context: its roster (NRPS) and gradebook (AGS)."""

    members: list[dict[str, Any]]
    lineitems: dict[str, dict[str, Any]] = field(default_factory=dict)
    scores: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    issued: int = 0  # line items ever created here: ids are never reused after a DELETE

    def new_item_id(self, container_url: str) -> str:
        self.issued += 1
        return f"{container_url}/{self.issued}"


class PlatformSide:
    """Records every call; ``wait_for`` lets a check wait (bounded) for the Tool to act."""

    def __init__(
        self, config: ToolTargetConfig, keys: list[RSAKey], *, clock: Callable[[], float] = time.time
    ) -> None:
        self.config = config
        self.keys = keys
        self.clock = clock
        self.calls: list[RecordedCall] = []
        self.grants: dict[str, Grant] = {}
        self.contexts: dict[str, ContextData] = {}
        self._cond = threading.Condition()
        self.app = Starlette(
            routes=[
                Route("/jwks", self._jwks, methods=["GET"]),
                Route("/auth", self._auth, methods=["GET", "POST"]),
                Route("/token", self._token, methods=["POST"]),
                Route("/deep_link/return", self._deep_link, methods=["POST"]),
                Route("/return", self._return, methods=["GET"]),
                Route("/nrps/{ctx}/memberships", self._nrps, methods=["GET"]),
                Route("/ags/{ctx}/lineitems", self._lineitems, methods=["GET", "POST"]),
                Route("/ags/{ctx}/lineitems/{item}", self._lineitem, methods=["GET", "PUT", "DELETE"]),
                Route("/ags/{ctx}/lineitems/{item}/scores", self._scores, methods=["POST"]),
                Route("/ags/{ctx}/lineitems/{item}/results", self._results, methods=["GET"]),
            ]
        )
        self.app.add_middleware(BodyLimit)  # a peer's body is bounded before any handler reads it

    # --- record access (thread-safe: uvicorn serves in another thread) ---
    def set_roster(self, context_id: str, members: list[dict[str, Any]]) -> None:
        with self._cond:
            self.contexts[context_id] = ContextData(members=members)

    def add_lineitem(self, context_id: str, item: dict[str, Any]) -> None:
        """Pre-create a line item (the launch's AGS ``lineitem``) in a context set up by ``set_roster``."""
        with self._cond:
            data = self.contexts[context_id]
            data.lineitems[item["id"]] = item
            data.issued += 1

    def calls_of(self, *kinds: str, since: int = 0) -> list[RecordedCall]:
        with self._cond:
            return [c for c in self.calls if c.seq >= since and (not kinds or c.kind in kinds)]

    @property
    def next_seq(self) -> int:
        with self._cond:
            return len(self.calls)

    def wait_for(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Wait until ``predicate()`` is true or ``timeout`` seconds pass; return the final value."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return predicate()
                self._cond.wait(min(remaining, 0.25))
            return True

    def record_deep_link(self, form: dict[str, str], url: str) -> RecordedCall:
        """Record a Deep Linking response the launcher took from the Tool's auto-submit form."""
        return self._store("deep_link", "POST", "/deep_link/return", url, {}, {}, urlencode(form), form, 200, None)

    def _store(
        self, kind: str, method: str, path: str, url: str, query: dict[str, list[str]], headers: dict[str, str],
        body: str, form: dict[str, str], status: int, scopes: tuple[str, ...] | None, ctx: str | None = None,
        link_next: str | None = None,
    ) -> RecordedCall:
        with self._cond:
            call = RecordedCall(len(self.calls), kind, method, path, url, query, headers, body[:BODY_RECORD_CAP],
                                form, status, scopes, ctx, self.clock(), link_next)
            self.calls.append(call)
            self._cond.notify_all()
            return call

    async def _record(self, request: Request, kind: str, status: int, ctx: str | None = None,
                      link_next: str | None = None) -> RecordedCall:
        raw = await request.body()
        body = raw[:BODY_RECORD_CAP].decode("utf-8", errors="replace")
        form: dict[str, str] = {}
        if "application/x-www-form-urlencoded" in request.headers.get("content-type", ""):
            form = {k: v[-1] for k, v in parse_qs(body, keep_blank_values=True).items()}
        headers = {k.lower(): v for k, v in request.headers.items()}
        if "authorization" in headers:
            scheme = headers["authorization"].split(" ", 1)[0]
            headers["authorization"] = f"{scheme} ***"
        return self._store(kind, request.method, request.url.path, str(request.url), parse_qs(request.url.query),
                           headers, body, form, status, self._scopes(request), ctx, link_next)

    def _scopes(self, request: Request) -> tuple[str, ...] | None:
        auth = request.headers.get("authorization", "")
        scheme, _, token = auth.partition(" ")
        grant = self.grants.get(token.strip()) if scheme.lower() == "bearer" else None
        if grant is None or grant.expires_at < self.clock():
            return None
        return grant.scopes

    def _authorized(self, request: Request, *needed: str) -> int:
        scopes = self._scopes(request)
        if scopes is None:
            return 401
        return 200 if any(s in scopes for s in needed) else 403

    # --- endpoints ---
    async def _jwks(self, request: Request) -> Response:
        await self._record(request, "jwks", 200)
        return JSONResponse(public_jwks(self.keys), headers={"Cache-Control": "max-age=300"})

    async def _auth(self, request: Request) -> Response:
        await self._record(request, "auth", 400)
        return PlainTextResponse(
            "renkei: this OIDC endpoint is driven by the renkei launcher; start launches with `renkei run`.",
            status_code=400,
        )

    async def _token(self, request: Request) -> Response:
        raw = (await request.body()).decode("utf-8", errors="replace")
        form = {k: v[-1] for k, v in parse_qs(raw).items()}
        error = None
        if form.get("grant_type") != vocab.GRANT_CLIENT_CREDENTIALS:
            error = "unsupported_grant_type"
        elif form.get("client_assertion_type") != vocab.CLIENT_ASSERTION_TYPE or not form.get("client_assertion"):
            error = "invalid_client"
        offered = set(vocab.ALL_SERVICE_SCOPES)
        granted = tuple(s for s in form.get("scope", "").split() if s in offered)
        if error is None and not granted:
            error = "invalid_scope"
        status = 400 if error else 200
        await self._record(request, "token", status)
        if error:
            return JSONResponse({"error": error}, status_code=400)
        token = secrets.token_urlsafe(24)
        with self._cond:
            self.grants[token] = Grant(granted, self.clock() + TOKEN_TTL_SECONDS)
        return JSONResponse({"access_token": token, "token_type": "bearer", "expires_in": TOKEN_TTL_SECONDS,
                             "scope": " ".join(granted)})

    async def _deep_link(self, request: Request) -> Response:
        await self._record(request, "deep_link", 200)
        return HTMLResponse("<!doctype html><title>renkei</title><p id='renkei-dl'>received</p>")

    async def _return(self, request: Request) -> Response:
        """launch_presentation.return_url [CORE §5.4.4]: where a Tool may send the user back."""
        await self._record(request, "return", 200)
        return HTMLResponse("<!doctype html><title>renkei</title><p id='renkei-return'>returned</p>")

    def _context(self, ctx: str) -> ContextData | None:
        with self._cond:
            return self.contexts.get(ctx)

    async def _nrps(self, request: Request) -> Response:
        ctx = request.path_params["ctx"]
        data = self._context(ctx)
        status = 404 if data is None else self._authorized(request, vocab.SCOPE_NRPS_READONLY)
        members: list[dict[str, Any]] = data.members if data is not None else []
        role = request.query_params.get("role")
        if role:
            members = [m for m in members if any(r == role or r.endswith("#" + role) for r in m["roles"])]
        paged = _paged(request, members, self.config.services.nrps_page_size, self.config.nrps_url(ctx),
                       {"role": role} if role else {})
        status = 400 if status == 200 and paged is None else status
        chunk, link_next = paged if paged is not None and status == 200 else ([], None)
        await self._record(request, "nrps", status, ctx, link_next)
        if status != 200:
            return JSONResponse({"error": "rejected"}, status_code=status)
        headers = {"Link": f'<{link_next}>; rel="next"'} if link_next else {}
        body = {"id": str(request.url), "context": {"id": ctx, "label": ctx, "title": ctx}, "members": chunk}
        return JSONResponse(body, headers=headers, media_type=vocab.MEDIA_NRPS_MEMBERSHIP)

    async def _lineitems(self, request: Request) -> Response:
        ctx = request.path_params["ctx"]
        data = self._context(ctx)
        needed = (vocab.SCOPE_AGS_LINEITEM,) if request.method == "POST" else (
            vocab.SCOPE_AGS_LINEITEM, vocab.SCOPE_AGS_LINEITEM_READONLY)
        status = 404 if data is None else self._authorized(request, *needed)
        item: dict[str, Any] | None = None
        if status == 200 and data is not None and request.method == "POST":
            try:
                item = load_json(await request.body())
            except ValueError:
                item = None
            if not isinstance(item, dict) or "scoreMaximum" not in item:
                status = 400
            else:
                with self._cond:
                    item_id = data.new_item_id(self.config.lineitems_url(ctx))
                    item = {**item, "id": item_id}
                    data.lineitems[item_id] = item
                status = 201
        chunk: list[dict[str, Any]] = []
        link_next = None
        if status == 200 and data is not None and request.method == "GET":
            filters = {k: request.query_params[k] for k in _LINEITEM_FILTERS if k in request.query_params}
            paged = _paged(request, _filtered(list(data.lineitems.values()), filters),
                           self.config.services.ags_page_size, self.config.lineitems_url(ctx), filters)
            if paged is None:
                status = 400
            else:
                chunk, link_next = paged
        await self._record(request, "ags.lineitems", status, ctx, link_next)
        if status not in (200, 201) or data is None:
            return JSONResponse({"error": "rejected"}, status_code=status)
        if request.method == "POST":
            return JSONResponse(item, status_code=201, media_type=vocab.MEDIA_AGS_LINEITEM)
        headers = {"Link": f'<{link_next}>; rel="next"'} if link_next else {}
        return JSONResponse(chunk, headers=headers, media_type=vocab.MEDIA_AGS_LINEITEM_CONTAINER)

    def _item(self, request: Request) -> tuple[ContextData | None, str]:
        ctx = request.path_params["ctx"]
        return self._context(ctx), f"{self.config.lineitems_url(ctx)}/{request.path_params['item']}"

    async def _lineitem(self, request: Request) -> Response:
        data, item_id = self._item(request)
        needed = (vocab.SCOPE_AGS_LINEITEM,) if request.method != "GET" else (
            vocab.SCOPE_AGS_LINEITEM, vocab.SCOPE_AGS_LINEITEM_READONLY)
        status = 404 if data is None or item_id not in data.lineitems else self._authorized(request, *needed)
        await self._record(request, "ags.lineitem", status, request.path_params["ctx"])
        if status != 200 or data is None:
            return JSONResponse({"error": "rejected"}, status_code=status)
        if request.method == "DELETE":
            with self._cond:
                data.lineitems.pop(item_id, None)
            return Response(status_code=204)
        if request.method == "PUT":
            try:
                body = load_json(await request.body())
            except ValueError:
                return JSONResponse({"error": "body is not JSON"}, status_code=400)
            if isinstance(body, dict):
                with self._cond:
                    data.lineitems[item_id] = {**body, "id": item_id}
        return JSONResponse(data.lineitems[item_id], media_type=vocab.MEDIA_AGS_LINEITEM)

    async def _scores(self, request: Request) -> Response:
        data, item_id = self._item(request)
        status = 404 if data is None or item_id not in data.lineitems else self._authorized(
            request, vocab.SCOPE_AGS_SCORE)
        score: Any = None
        if status == 200:
            try:
                score = load_json(await request.body())
                status = 204
            except ValueError:
                status = 400
        await self._record(request, "ags.scores", status, request.path_params["ctx"])
        if status != 204 or data is None:
            return JSONResponse({"error": "rejected"}, status_code=status)
        if isinstance(score, dict):
            with self._cond:
                data.scores.setdefault(item_id, []).append(score)
        return Response(status_code=204)

    async def _results(self, request: Request) -> Response:
        data, item_id = self._item(request)
        status = 404 if data is None or item_id not in data.lineitems else self._authorized(
            request, vocab.SCOPE_AGS_RESULT_READONLY)
        await self._record(request, "ags.results", status, request.path_params["ctx"])
        if status != 200 or data is None:
            return JSONResponse({"error": "rejected"}, status_code=status)
        latest: dict[str, dict[str, Any]] = {}
        for s in data.scores.get(item_id, []):
            if isinstance(s.get("userId"), str):
                latest[s["userId"]] = s
        results = [
            {"id": f"{item_id}/results/{uid}", "scoreOf": item_id, "userId": uid,
             "resultScore": s.get("scoreGiven"), "resultMaximum": s.get("scoreMaximum", 1)}
            for uid, s in latest.items()
        ]
        return JSONResponse(results, media_type=vocab.MEDIA_AGS_RESULT_CONTAINER)


_LINEITEM_FILTERS = {"resource_link_id": "resourceLinkId", "resource_id": "resourceId", "tag": "tag"}


def _filtered(items: list[dict[str, Any]], filters: dict[str, str]) -> list[dict[str, Any]]:
    """The container filters a Tool may use to find its own items [AGS §3.2.4]; no match -> []."""
    for param, value in filters.items():
        items = [i for i in items if i.get(_LINEITEM_FILTERS[param]) == value]
    return items


def _paged(request: Request, items: list[dict[str, Any]], page_size: int, base_url: str,
           carry: dict[str, str]) -> tuple[list[dict[str, Any]], str | None] | None:
    """One page of a container and its ``rel="next"`` URL [NRPS], [AGS §3.2.4]; None for a bad query.

    The Tool may ask for its own ``limit``; otherwise the target file's page size applies, small
    on purpose so that every container the harness serves spans three pages. ``carry`` (filters)
    travels into the next link, as a client expects.
    """
    try:
        limit = max(1, int(request.query_params.get("limit", page_size)))
        page = max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        return None
    chunk = items[(page - 1) * limit: page * limit]
    if page * limit >= len(items):
        return chunk, None
    query = {"limit": str(limit), "page": str(page + 1)} | carry
    return chunk, f"{base_url}?{urlencode(query)}"
