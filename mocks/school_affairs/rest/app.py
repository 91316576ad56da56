"""The mock 校務支援システム as an ASGI app: OneRoster 1.2 Rostering REST, Gradebook, token endpoint,
CSV exports and the admin (lifecycle) API.

It is the reference provider the ``oneroster12-rest-provider`` profile passes against, and the
provider the ``oneroster12-rest-consumer`` profile serves to a vendor's consumer (every request is
kept in ``app.state.log`` for that profile to judge). Behaviour the binding leaves open is stated
here and in the README:
- ``limit`` above ``max_limit`` is served as ``max_limit`` objects (the Link header says so);
  a ``limit`` below 1, a negative or non-numeric ``offset`` is 400 ``invaliddata``;
- nested paths whose parent does not exist answer 404 ``unknownobject``;
- membership (a class's students, a student's classes) follows the *active* enrollments;
- ``sort`` on a field that crosses a list, or an unknown one, is 400 ``invalid_selection_field``;
  ``metadata.*`` is open to sort as to filter.
"""

from __future__ import annotations

import json
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from renkei.harness.oneroster.model import query as Q
from renkei.harness.oneroster.model import rest as R
from renkei.harness.serving import BodyLimit
from renkei.mocks.school_affairs.rest import queries
from renkei.mocks.school_affairs.rest.auth import Grant, OAuthError, TokenService
from renkei.mocks.school_affairs.rest.config import CONTENT_FAULTS, ProviderConfig
from renkei.mocks.school_affairs.rest.errors import ApiError
from renkei.mocks.school_affairs.rest.store import STORED_HREF, RosterStore, encode

JSON = "application/json"
_NAMES = (*R.OBJECTS, *R.GRADEBOOK_OBJECTS)
SORTABLE: dict[str, set[str]] = {
    name: {p for p in R.field_paths(name) if not R.is_array_field(name, p.split(".")[0])} for name in _NAMES}
FILTERABLE: dict[str, set[str]] = {name: R.field_paths(name) for name in _NAMES}
# metadata is open (query.check_paths): sort by metadata.jp.kanaFamilyName (ふりがな順) as filter may
_METADATA_PATH = re.compile(r"metadata(\.[A-Za-z_][A-Za-z0-9_]*)+")
_STORED = STORED_HREF.encode()  # how every stored href begins: "href":"\/ims/ (server-relative, its slash escaped)
_FIRST, _SECOND = itemgetter(0), itemgetter(1)


@dataclass
class Logged:
    """One request as the consumer profile sees it."""

    at: float
    method: str
    path: str
    query: str
    client_id: str | None
    scopes: tuple[str, ...]
    status: int
    returned: int | None = None  # objects in a collection answer
    total: int | None = None


class Provider:
    """The request handling, separate from Starlette so that tests and the consumer profile can read it."""

    def __init__(self, store: RosterStore, config: ProviderConfig, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.config = config
        self.clock = clock
        self.tokens = TokenService(config, clock)
        self.log: deque[Logged] = deque(maxlen=config.max_log)
        self._requests = 0

    def fault(self, name: str) -> bool:
        return name in self.config.faults

    @property
    def content_faults(self) -> bool:
        return bool(self.config.faults & CONTENT_FAULTS)

    def error(self, exc: ApiError) -> Response:
        minor = "invaliddata" if self.fault("wrong_minor_codes") else exc.minor
        headers = dict(exc.headers)
        if exc.status == 401:
            headers.setdefault("WWW-Authenticate", 'Bearer realm="oneroster"')
        return JSONResponse(R.status_info(exc.status, minor, exc.description), exc.status, headers=headers)

    def authorise(self, request: Request, scopes: tuple[str, ...]) -> Grant:
        try:
            grant = self.tokens.verify(request.headers.get("authorization"))
        except OAuthError as exc:
            if self.fault("no_auth_on_collections") and request.method == "GET":
                return Grant("(anonymous)", frozenset(scopes), 0)
            raise ApiError(401, "unauthorisedrequest", exc.description) from None
        if not grant.scopes & set(scopes) and not self.fault("scopes_ignored"):
            raise ApiError(403, "forbidden", f"this token's scopes do not allow {request.url.path}; "
                           f"one of {' '.join(scopes)} is needed")
        return grant

    def throttle(self) -> None:
        self._requests += 1
        every = self.config.throttle_every
        if every and self._requests % every == 0:
            headers = {} if self.fault("no_retry_after") else {"Retry-After": str(self.config.retry_after)}
            raise ApiError(429, "server_busy", "too many requests; retry after the Retry-After interval", headers)

    def record(self, request: Request, grant: Grant | None, status: int, returned: int | None = None,
               total: int | None = None) -> None:
        self.log.append(Logged(self.clock(), request.method, request.url.path, request.url.query,
                               grant.client_id if grant else None, tuple(sorted(grant.scopes)) if grant else (),
                               status, returned, total))

    def origin(self, request: Request) -> str:
        return f"{request.url.scheme}://{request.url.netloc}"

    def render(self, text: str, request: Request) -> str:
        """A document in the stored form (``store.encode``) as served: this server's origin in front of
        each href (its hrefs not counted: one document)."""
        return self._booleans(put_origin(text.encode(), self.href_prefix(request))).decode()

    def render_page(self, key: str, joined: bytes, request: Request, hrefs: int | None = None) -> bytes:
        """A collection page, ``{"<key>":[doc,...]}``, rendered from its stored documents joined by ``,``
        (``hrefs``: their number of hrefs, if known)."""
        page = b"".join((b'{"', key.encode(), b'":[', joined, b"]}"))  # one copy of a megabyte page, not two
        return self._booleans(put_origin(page, self.href_prefix(request), hrefs))

    def href_prefix(self, request: Request) -> bytes:
        """What goes in front of a stored relative href's path for this request."""
        return (self.origin(request) + ("/broken" if self.fault("broken_href") else "")).encode()

    def _booleans(self, body: bytes) -> bytes:
        if self.fault("boolean_json"):
            for name in (b"enabledUser", b"primary"):
                body = body.replace(b'"' + name + b'":"true"', b'"' + name + b'":true')
                body = body.replace(b'"' + name + b'":"false"', b'"' + name + b'":false')
        return body

    def adjust(self, doc: dict[str, Any], kind: str) -> dict[str, Any]:
        """Faults that change an object's content (applied only when one is active)."""
        if kind == "user" and self.fault("missing_family_name"):
            doc.pop("familyName", None)
        if self.fault("extra_field"):
            doc["renkeiExtra"] = "not in the schema"
        if kind == "class" and self.fault("guidref_wrong_type") and isinstance(doc.get("school"), dict):
            doc["school"]["type"] = "school"
        if self.fault("flat_metadata") and isinstance(doc.get("metadata"), dict):
            meta = doc["metadata"]
            for head in [k for k, v in meta.items() if isinstance(v, dict)]:
                for key, value in meta.pop(head).items():
                    meta[f"{head}.{key}"] = value
        if kind == "user" and self.fault("bad_kana"):
            meta = doc.get("metadata")
            if isinstance(meta, dict):
                if isinstance(meta.get("jp"), dict) and "kanaGivenName" in meta["jp"]:
                    meta["jp"]["kanaGivenName"] = "たろう ﾀﾛｳ"
                elif "jp.kanaGivenName" in meta:
                    meta["jp.kanaGivenName"] = "たろう ﾀﾛｳ"
        return doc

    # -- rostering -----------------------------------------------------------------------------

    def _parents_exist(self, endpoint: R.Endpoint, ids: list[str]) -> None:
        wanted = queries.PARENTS.get(endpoint.subset or "", ())
        for (kind, sub), sid, name in zip(wanted, ids, endpoint.params, strict=False):
            row = self.store.query("SELECT sub, r2 FROM objects WHERE kind=? AND sid=?", (kind, sid))
            if not row or (sub is not None and row[0][0] != sub):
                raise ApiError(404, "unknownobject", f"no {sub or kind} with sourcedId {sid!r} ({name})")
        if endpoint.subset and endpoint.subset.startswith("school.class."):
            row = self.store.query("SELECT r2 FROM objects WHERE kind='class' AND sid=?", (ids[1],))
            if row and row[0][0] != ids[0]:
                raise ApiError(404, "unknownobject", f"class {ids[1]!r} is not a class of school {ids[0]!r}")

    def single(self, endpoint: R.Endpoint, request: Request) -> tuple[int, str, dict[str, str]]:
        sid = request.path_params["sourcedId"]
        row = self.store.query("SELECT sub, doc FROM objects WHERE kind=? AND sid=?", (endpoint.object, sid))
        if endpoint.subset and "=" in endpoint.subset and row and row[0][0] != endpoint.subset.split("=", 1)[1]:
            row = []
        if not row:
            if self.fault("unknown_is_empty"):
                return 200, "{}", {}
            raise ApiError(404, "unknownobject", f"no {endpoint.object} with sourcedId {sid!r}")
        text = row[0][1]
        fields = self._fields(request, endpoint)
        if fields is not None or self.content_faults:
            doc = self.adjust(json.loads(text), endpoint.object)
            if fields is not None:
                doc = {k: v for k, v in doc.items() if k in fields}
            text = encode(doc)
        return 200, '{"' + endpoint.envelope + '":' + self.render(text, request) + "}", {}

    def _fields(self, request: Request, endpoint: R.Endpoint) -> list[str] | None:
        # fields=a,b as the binding's examples write it, and fields=a&fields=b as the OpenAPI's form style
        # (explode defaults to true) serialises an array: both name the same selection.
        values = request.query_params.getlist("fields")
        raw = ",".join(values) if values else None
        if raw is None or self.fault("fields_ignored"):
            return None
        try:
            return Q.parse_fields(raw, set(R.object_spec(endpoint.object).by_name))
        except Q.QueryError as exc:
            raise ApiError(400, exc.minor, exc.en) from None

    def _int(self, request: Request, name: str, default: int, minimum: int) -> int:
        raw = request.query_params.get(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise ApiError(400, "invaliddata", f"{name} must be an integer, not {raw!r}") from None
        if value < minimum:
            raise ApiError(400, "invaliddata", f"{name} must be at least {minimum}")
        return value

    def collection(self, endpoint: R.Endpoint, request: Request) -> tuple[int, bytes, dict[str, str], int, int]:
        """One collection request (the gradebook's collections)."""
        return self.collection_page(endpoint, request)

    def quick_page(self, endpoint: R.Endpoint, request: Request
                   ) -> tuple[int, bytes, dict[str, str], int, int] | None:
        """``collection_page`` answered here, on the event loop, when its cost is bounded: a page read as
        an index range over dense positions, its total already counted, nothing to re-serialise, and
        the store not busy with another thread's query. None otherwise (the caller then asks a worker
        thread): a filter, a sort, a nested path, fields, a content fault, an uncounted total or an
        OFFSET scan may take long. Saves the two thread hand-overs of every page of a plain read."""
        if endpoint.nested or self.content_faults:
            return None
        with self.store.unless_busy() as held:
            if not held:
                return None
            try:
                return self.collection_page(endpoint, request, quick=True)
            except _NotQuick:
                return None

    def collection_page(self, endpoint: R.Endpoint, request: Request, *, quick: bool = False
                        ) -> tuple[int, bytes, dict[str, str], int, int]:
        """One collection request: its rendered page, headers, count, total.
        ``quick``: raise ``_NotQuick`` before any query of unbounded cost (see ``quick_page``)."""
        ids = [request.path_params[p] for p in endpoint.params]
        if endpoint.nested and self.fault("nested_500"):
            raise ApiError(500, "internal_server_error", "internal error")
        params = request.query_params
        limit = min(self._int(request, "limit", R.DEFAULT_LIMIT, 1), self.config.max_limit)
        offset = self._int(request, "offset", 0, 0)
        flt = None
        if params.get("filter") is not None and not self.fault("filter_ignored"):
            try:
                flt = Q.parse_filter(params["filter"])
                Q.check_paths(flt, FILTERABLE[endpoint.object])
            except Q.QueryError as exc:
                raise ApiError(400, exc.minor, exc.en) from None
        sort = params.get("sort")
        if sort is not None and sort not in SORTABLE[endpoint.object] and not _METADATA_PATH.fullmatch(sort):
            raise ApiError(400, "invalid_selection_field", f"cannot sort by {sort!r}")
        if self.fault("sort_ignored"):
            sort = None
        order = params.get("orderBy", "asc")
        if order not in ("asc", "desc"):
            raise ApiError(400, "invaliddata", "orderBy must be asc or desc")
        fields = self._fields(request, endpoint)
        self._parents_exist(endpoint, ids)
        served_offset = offset + 1 if self.fault("off_by_one_paging") and offset else offset
        page = queries.build(endpoint, ids, flt=flt, sort=sort, desc=order == "desc", limit=limit,
                             offset=served_offset, shape=self.store.shape)
        if quick:
            known = self.store.known_count(page.count_sql, page.count_params)
            if not page.ranged or fields is not None or known is None or \
                    not self.store.dense(endpoint.object, endpoint.subset, known):
                raise _NotQuick
        total = self.store.counted(page.count_sql, page.count_params)
        if page.ranged and not self.store.dense(endpoint.object, endpoint.subset, total):
            page = queries.build(endpoint, ids, flt=flt, sort=sort, desc=order == "desc", limit=limit,
                                 offset=served_offset, shape=self.store.shape, ranged=False)
        wrong_members = endpoint.nested and self.fault("nested_wrong_members")
        hrefs: int | None  # the page's number of hrefs; None once its documents are changed
        if page.joined_sql is not None and fields is None and not self.content_faults and not wrong_members:
            joined, hrefs, n = self.store.query(page.joined_sql, page.params)[0]  # the documents as one row
            joined = joined or b""
        else:
            rows = self.store.query(page.sql, page.params)
            if wrong_members and rows and total:
                rows, total = rows[:-1] if offset + len(rows) >= total else rows, total - 1
            docs = list(map(_FIRST, rows))
            hrefs = sum(map(_SECOND, rows))
            if fields is not None or self.content_faults:
                out = []
                for text in docs:
                    doc = self.adjust(json.loads(text), endpoint.object)
                    if fields is not None:
                        doc = {k: v for k, v in doc.items() if k in fields}
                    out.append(encode(doc).encode())
                docs, hrefs = out, None
            joined, n = b",".join(docs), len(docs)
        if offset >= total > 0 and self.fault("beyond_end_error"):
            raise ApiError(404, "unknownobject", "no objects at this offset")
        key = "data" if self.fault("wrong_envelope") else endpoint.envelope
        body = self.render_page(key, joined, request, hrefs)
        headers: dict[str, str] = {}
        if not self.fault("no_total_count"):
            headers["X-Total-Count"] = str(total)
        if not self.fault("no_link_header"):
            headers["Link"] = links(self.origin(request) + request.url.path, dict(params), limit, offset, total)
        return 200, body, headers, n, total


class _NotQuick(Exception):
    """A request ``quick_page`` leaves to a worker thread."""


def put_origin(text: bytes, prefix: bytes, hrefs: int | None = None) -> bytes:
    """Stored text (``store.encode``) with ``prefix`` (this server's origin) in front of each href.

    Each stored href holds one backslash (``"href":"\\/ims/``) and json.dumps writes one only for an
    escape in a value (a quote, a backslash, a control character). When ``text`` holds ``hrefs``
    hrefs and no other backslash, which its rendered length shows, the prefix goes in with one replace
    of that byte (memchr-fast, a few times quicker than looking for the whole href); otherwise, or
    with ``hrefs`` unknown, each stored href is looked for and replaced."""
    if hrefs is not None and len(prefix) > 1:
        out = text.replace(b"\\", prefix)
        if len(out) == len(text) + hrefs * (len(prefix) - 1):
            return out
    return text.replace(_STORED, b'"href":"' + prefix + b"/ims/")


def links(url: str, params: dict[str, str], limit: int, offset: int, total: int) -> str:
    """RFC 8288 Link header with first/prev/next/last (offset/limit), other parameters kept."""
    def href(off: int) -> str:
        return f"<{url}?{urlencode({**params, 'limit': str(limit), 'offset': str(off)})}>"

    last = max(0, (total - 1) // limit * limit)
    parts = [f'{href(0)}; rel="first"']
    if offset > 0:
        parts.append(f'{href(max(0, offset - limit))}; rel="prev"')
    if offset + limit < total:
        parts.append(f'{href(offset + limit)}; rel="next"')
    parts.append(f'{href(last)}; rel="last"')
    return ", ".join(parts)


def _route(provider: Provider, endpoint: R.Endpoint) -> Route:
    async def handle(request: Request) -> Response:
        grant: Grant | None = None
        try:
            if endpoint.object == "demographics":
                allowed = provider.config.demographics_scopes
                if provider.fault("demographics_leak"):
                    allowed = (*allowed, R.SCOPE_CORE)
            else:
                allowed = endpoint.scopes
            grant = provider.authorise(request, allowed)
            provider.throttle()
            if endpoint.single:
                status, body, headers = await run_in_threadpool(provider.single, endpoint, request)
                provider.record(request, grant, status)
            else:
                answer = provider.quick_page(endpoint, request)
                if answer is None:
                    answer = await run_in_threadpool(provider.collection_page, endpoint, request)
                status, body, headers, n, total = answer
                provider.record(request, grant, status, n, total)
            return Response(body, status, headers=headers, media_type=JSON)
        except ApiError as exc:
            provider.record(request, grant, exc.status)
            return provider.error(exc)

    return Route(R.ROSTERING_PATH + endpoint.path, handle, methods=["GET"], name=endpoint.operation_id)


def _token_route(provider: Provider) -> Route:
    async def token(request: Request) -> Response:
        body = await request.body()
        try:
            client_id, answer = provider.tokens.issue(request.headers.get("authorization"), body)
        except OAuthError as exc:
            provider.record(request, None, exc.status)
            # RFC 6749 §5.2: a 401 answers a client that used the Authorization header with its scheme;
            # a provider that takes only form credentials offers no HTTP scheme to one that sent them
            used_basic = (request.headers.get("authorization") or "").lower().startswith("basic ")
            offers = used_basic or "basic" in provider.config.client_auth
            headers = {"WWW-Authenticate": 'Basic realm="oneroster"'} if exc.status == 401 and offers else {}
            return JSONResponse({"error": exc.error, "error_description": exc.description}, exc.status,
                                headers={**headers, "Cache-Control": "no-store"})
        provider.record(request, Grant(client_id, frozenset(str(answer["scope"]).split()), 0), 200)
        return JSONResponse(answer, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})

    return Route(provider.config.token_path, token, methods=["POST"], name="token")


def create_app(store: RosterStore, config: ProviderConfig, *, clock: Callable[[], float] = time.time,
               extra_routes: list[Route] | None = None) -> Any:
    """The ASGI app (wrapped in ``BodyLimit``); ``app.provider`` is the ``Provider`` behind it."""
    from renkei.mocks.school_affairs.rest import admin, exports, gradebook

    provider = Provider(store, config, clock)
    routes = [_token_route(provider), *(_route(provider, e) for e in R.ENDPOINTS),
              *gradebook.routes(provider), *exports.routes(provider), *admin.routes(provider),
              *(extra_routes or [])]
    inner = Starlette(routes=routes)
    inner.state.provider = provider
    app = BodyLimit(inner)
    app.provider = provider  # type: ignore[attr-defined]
    return app
