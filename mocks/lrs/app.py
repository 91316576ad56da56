"""The mock LRS as an ASGI app: xAPI 1.0.3 and 2.0 (chosen per request by ``X-Experience-API-Version``)
at ``/xapi/``: statements, the three document resources, agents, activities and about.

It is the reference LRS the ``xapi-lrs`` profile passes against (and fails against with a fault), and, in
recording mode, the LRS the ``xapi-statements`` profile captures an app's statements with. Every answer
carries ``X-Experience-API-Version``; statement answers carry ``X-Experience-API-Consistent-Through``
(writes are committed before the answer, so it is the answer's own time). HEAD is GET without a body.
Behaviour the spec leaves open is stated in the handlers' docstrings and in the README.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import logging
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlencode

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from renkei.harness.serving import BodyLimit
from renkei.harness.xapi.model.versions import CONSISTENT_THROUGH, HEADER, Version, from_header
from renkei.mocks.lrs import documents, lookups
from renkei.mocks.lrs.config import DOCUMENT_SCOPES, READ_SCOPES, WRITE_SCOPES, LrsClient, LrsConfig
from renkei.mocks.lrs.errors import LrsError
from renkei.mocks.lrs.index import agent_key
from renkei.mocks.lrs.reply import Reply
from renkei.mocks.lrs.statements import Statements
from renkei.mocks.lrs.store import LrsStore, stamp

log = logging.getLogger(__name__)
ANONYMOUS = LrsClient(key="anonymous", secret="-", name="anonymous (no_auth fault)")
LOOKUP_SCOPES = (*READ_SCOPES, "define", "profile", "state")
_ALTERNATE_HEADERS = {"authorization", "x-experience-api-version", "content-type", "content-length", "if-match",
                      "if-none-match"}


class Lrs:
    """The request handling, separate from Starlette so that tests and ``reference`` can reach the store."""

    def __init__(self, config: LrsConfig, store: LrsStore | None = None, *, path: str = "/xapi") -> None:
        self.config = config
        self.store = store or LrsStore(config.db_path)
        self.base = "/" + path.strip("/") if path.strip("/") else ""
        self.statements = Statements(self.store, config, secrets.token_bytes(32))

    # -- the parts of every request ----------------------------------------------------------------

    def version(self, headers: Headers) -> Version:
        raw = headers.get(HEADER)
        version = from_header(raw)
        if version is None or version not in self.config.versions:
            what = "missing" if raw is None else f"{raw[:20]!r}, which this LRS does not serve"
            raise LrsError(400, f"{HEADER} is {what}; send one of {', '.join(self.config.versions)} "
                           "[Communication 3.3]", f"{HEADER} がないか対応外です")
        return version

    def authenticate(self, headers: Headers) -> LrsClient:
        scheme, _, value = headers.get("authorization", "").partition(" ")
        client = None
        if scheme.lower() == "basic":
            try:
                key, _, secret = base64.b64decode(value.strip(), validate=True).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                key, secret = "", ""
            found = self.config.client(key)
            if found is not None and hmac.compare_digest(found.secret.encode(), secret.encode()):
                client = found
        if client is None:
            if self.config.fault("no_auth"):
                return ANONYMOUS
            raise LrsError(401, "HTTP Basic credentials are missing or not accepted [Communication 4.0, XAPI-00334]",
                           "HTTP Basic 認証情報がないか受け付けられません",
                           headers={"WWW-Authenticate": 'Basic realm="renkei LRS"'})
        return client

    @staticmethod
    def authorise(client: LrsClient, scopes: tuple[str, ...], where: str) -> None:
        if not set(client.scopes) & set(scopes):
            raise LrsError(403, f"{where}: client {client.key!r} has none of the scopes {', '.join(scopes)} "
                           "[Communication 4.2]", f"{where}: この資格情報にはこの操作の権限がありません")

    def header_version(self, version: Version | None) -> str:
        version = version or self.config.versions[0]
        if self.config.fault("wrong_version_header"):
            return "1.0.3" if version == "2.0.0" else "1.0.0"
        return version

    def respond(self, reply: Reply, method: str, version: Version | None, statements: bool) -> Response:
        headers = dict(reply.headers)
        headers[HEADER] = self.header_version(version)
        if statements and not self.config.fault("no_consistent_through"):
            headers[CONSISTENT_THROUGH] = stamp()
        if method == "HEAD":
            headers["Content-Length"] = str(len(reply.body))
            return Response(b"", reply.status, headers=headers, media_type=reply.media_type)
        return Response(reply.body, reply.status, headers=headers, media_type=reply.media_type)

    @staticmethod
    def error_reply(exc: LrsError) -> Reply:
        return Reply(exc.status, json.dumps(exc.body(), ensure_ascii=False).encode(), dict(exc.headers),
                     "application/json")

    # -- dispatch ----------------------------------------------------------------------------------

    def route(self, resource: str, method: str, version: Version, client: LrsClient, request: Request,
              body: bytes) -> Callable[[], Reply]:
        """The handler call for one authorised request (run in a worker thread: SQLite work)."""
        q, h = request.query_params, request.headers
        where = f"{method} {self.base}{resource}"
        if resource == "/statements":
            if method in ("GET", "HEAD"):
                mine = None
                if not set(client.scopes) & set(READ_SCOPES) and "statements/read/mine" in client.scopes:
                    mine = agent_key(client.authority_agent())  # Communication 4.2: only its own statements
                else:
                    self.authorise(client, READ_SCOPES, where)
                return lambda: self.statements.get(version, q, h, self.base, mine)
            self.authorise(client, WRITE_SCOPES, where)
            handler = self.statements.put if method == "PUT" else self.statements.post
            return lambda: handler(version, client, q, h, body)
        for res in documents.RESOURCES:
            if resource == res.path:
                self.authorise(client, DOCUMENT_SCOPES[res.kind], where)
                return lambda: documents.handle(self.store, self.config, res, method, version, q, h, body)
        self.authorise(client, LOOKUP_SCOPES, where)
        if resource == "/agents":
            return lambda: lookups.person(self.store, version, q)
        return lambda: lookups.activity(self.store, q)

    async def handle(self, request: Request) -> Response:
        resource = request.url.path[len(self.base):]
        method = request.method
        version: Version | None = None
        client: LrsClient | None = None
        body = await request.body()
        try:
            if resource == "/about":  # no version rule and no authentication (Communication 2.8)
                reply = lookups.about(self.config, request.query_params)
                version = from_header(request.headers.get(HEADER))
            else:
                version = self.version(request.headers)
                client = self.authenticate(request.headers)
                reply = await run_in_threadpool(self.route(resource, method, version, client, request, body))
        except LrsError as exc:
            reply = self.error_reply(exc)
        except Exception:  # a mock bug: logged with its traceback, answered as an xAPI 500 without one
            log.exception("mock LRS: %s %s failed", method, request.url.path)
            reply = self.error_reply(LrsError(500, "internal error in the mock LRS (logged)",
                                              "モック LRS の内部エラーです (ログに記録しました)"))
        if self.config.record and resource == "/statements":
            self.record(request.scope, reply.status, body, False, client, reply.stored_ids)
        return self.respond(reply, method, version, resource == "/statements")

    async def unknown(self, request: Request) -> Response:
        """A path or method outside the xAPI resources: 404 / 405 as an xAPI error, with the version header."""
        resource = request.url.path[len(self.base):] if request.url.path.startswith(self.base) else None
        known = {"/statements", "/about", "/agents", "/activities", *(r.path for r in documents.RESOURCES)}
        exc = LrsError(405, f"{request.method} is not allowed on {request.url.path}",
                       f"{request.url.path} に {request.method} は使えません") if resource in known else \
            LrsError(404, f"no xAPI resource at {request.url.path} (the endpoint is {self.base or '/'})",
                     f"{request.url.path} に xAPI のリソースはありません")
        return self.respond(self.error_reply(exc), request.method, from_header(request.headers.get(HEADER)),
                            resource == "/statements")

    def record(self, scope: dict[str, Any], status: int, body: bytes, truncated: bool, client: LrsClient | None,
               stored_ids: list[str]) -> None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])
                   if k.lower() != b"authorization"}
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        self.store.record(stamp(), scope["method"], scope["path"], query, headers,
                          client.key if client is not None else None, status, body, truncated, stored_ids)

    def refusal(self, status: int, reason: str) -> Any:
        """``BodyLimit``'s refusal: an xAPI error answer, recorded (without the body) in recording mode."""
        async def respond(scope: dict[str, Any], receive: Any, send: Any) -> None:
            exc = LrsError(status, reason + (" [Communication 3.2]" if status == 413 else ""))
            path = scope.get("path", "")
            version = from_header(Headers(scope=scope).get(HEADER))
            if self.config.record and path == self.base + "/statements":
                self.record(scope, status, b"", True, None, [])
            response = self.respond(self.error_reply(exc), scope.get("method", "GET"), version,
                                    path == self.base + "/statements")
            response.headers["Connection"] = "close"
            await response(scope, receive, send)
        return respond


class AlternateSyntax:
    """The 1.0.3 Alternate Request Syntax (Communication 1.3): ``POST ...?method=PUT`` with the headers and
    the content as form fields, turned into the request it stands for. 2.0 removed it: 400."""

    def __init__(self, app: Any, lrs: Lrs) -> None:
        self.app = app
        self.lrs = lrs

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True) \
            if scope["type"] == "http" else {}
        if scope["type"] != "http" or scope["method"] != "POST" or "method" not in query \
                or self.lrs.config.fault("no_alternate_syntax"):
            await self.app(scope, receive, send)
            return
        chunks = []
        while True:  # already bounded and buffered by BodyLimit
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        try:
            scope = self._rewrite(scope, query, b"".join(chunks))
        except LrsError as exc:
            version = from_header(Headers(scope=scope).get(HEADER))
            await self.lrs.respond(self.lrs.error_reply(exc), "POST", version, False)(scope, receive, send)
            return
        content = scope.pop("renkei.content")
        sent = False

        async def replay() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": content, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _rewrite(self, scope: dict[str, Any], query: dict[str, list[str]], body: bytes) -> dict[str, Any]:
        where = "POST with method= (Alternate Request Syntax)"
        headers = Headers(scope=scope)
        form_type = headers.get("content-type", "").split(";")[0].strip().lower()
        form = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True) \
            if form_type == "application/x-www-form-urlencoded" else {}
        fields = {k.lower(): v[-1] for k, v in form.items() if k.lower() in _ALTERNATE_HEADERS}
        version = from_header(fields.get("x-experience-api-version") or headers.get(HEADER))
        if version == "2.0.0" and not self.lrs.config.fault("alternate_syntax_in_2_0"):
            raise LrsError(400, f"{where}: removed in xAPI 2.0 (9274.1.1); send the request itself",
                           f"{where}: xAPI 2.0 では廃止されています")
        if set(query) != {"method"} or len(query["method"]) != 1:
            raise LrsError(400, f"{where}: only the method parameter may be in the query string; the others go "
                           "in the form [Communication 1.3]", f"{where}: クエリには method のみ指定できます")
        method = query["method"][0].upper()
        if method not in ("GET", "HEAD", "PUT", "POST", "DELETE"):
            raise LrsError(400, f"{where}: method {method[:10]!r} is not an HTTP method of xAPI",
                           f"{where}: method {method[:10]!r} は使えません")
        if form_type != "application/x-www-form-urlencoded":
            raise LrsError(415 if body else 400, f"{where}: the body must be application/x-www-form-urlencoded "
                           "[Communication 1.3]", f"{where}: 本文は application/x-www-form-urlencoded です")
        content = form.get("content", [""])[-1].encode()
        params = [(k, v[-1]) for k, v in form.items() if k.lower() not in _ALTERNATE_HEADERS and k != "content"]
        new_headers = [(k.encode("latin-1"), v.encode("latin-1", errors="replace")) for k, v in fields.items()
                       if k != "content-length"]
        new_headers.append((b"content-length", str(len(content)).encode()))
        return {**scope, "method": method, "query_string": urlencode(params).encode(), "headers": new_headers,
                "renkei.content": content}


def create_app(config: LrsConfig, store: LrsStore | None = None, *, path: str = "/xapi") -> Starlette:
    """The LRS app; ``app.state.store`` is its store and ``app.state.lrs`` its handling."""
    lrs = Lrs(config, store, path=path)
    names = ["/statements", "/about", "/agents", "/activities", *(r.path for r in documents.RESOURCES)]
    methods = {"/statements": ["GET", "HEAD", "PUT", "POST"], "/about": ["GET", "HEAD"],
               "/agents": ["GET", "HEAD"], "/activities": ["GET", "HEAD"]}
    routes = [Route(lrs.base + n, lrs.handle, methods=methods.get(n, ["GET", "HEAD", "PUT", "POST", "DELETE"]))
              for n in names]
    routes.append(Route("/{rest:path}", lrs.unknown, methods=["GET", "HEAD", "PUT", "POST", "DELETE", "PATCH",
                                                               "OPTIONS"]))
    app = Starlette(routes=routes, middleware=[
        Middleware(BodyLimit, max_bytes=config.max_body_bytes, refuse=lrs.refusal),
        Middleware(AlternateSyntax, lrs=lrs)])
    app.state.store = lrs.store
    app.state.lrs = lrs
    return app
