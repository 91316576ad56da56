"""renkei as a OneRoster REST consumer: tokens, polite requests, paging that always ends.

Built on the LTI service client (``lti.protocol.http.ApiClient``: body cap, whole-request deadline,
no redirects followed, transport failures classified once), which knows no product. What this adds:

- **tokens** per scope set, obtained with client credentials (HTTP Basic or form) and registered as
  secrets, so a token never reaches a report;
- **rate limits respected**: a 429 is waited out for its ``Retry-After`` (seconds or HTTP-date)
  up to ``max_retry_after_seconds`` and retried at most ``max_retries`` times; a longer demand ends
  the exchange with the 429 kept. Every 429 is recorded for the rate-limit check. An optional
  ``min_interval_seconds`` spaces all requests;
- **paging that ends**: ``read_collection`` follows ``Link: rel="next"`` (or offset/limit when a
  provider sends no Link), and stops at ``max_pages``/``max_objects``, at a page it has seen before,
  at a ``next`` on another origin (which would receive the token), or at an empty page, saying why.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from renkei.harness.core import secret_registry
from renkei.harness.core.breaker import CircuitBreaker, PeerUnavailable
from renkei.harness.lti.protocol.browser import BrowserError
from renkei.harness.lti.protocol.http import ApiClient, ApiResponse
from renkei.harness.oneroster.model.rest_token import token_request
from renkei.harness.oneroster.rest_provider.config import RestProviderTargetConfig


class TokenRefused(PeerUnavailable):
    """The token endpoint did not issue a token (``response`` is its answer, or None).

    A ``PeerUnavailable``: every check that needs a token becomes ``error`` (not evaluated) with this
    reason; ``or.rest.token.issued`` is the one check that judges the refusal itself."""

    def __init__(self, en: str, ja: str, response: ApiResponse | None = None) -> None:
        super().__init__(f"no access token: {en}", peer="the provider's token endpoint")
        self.en = en
        self.ja = ja
        self.response = response


class ProviderBusy(PeerUnavailable):
    """The provider kept answering 429, or asked to wait longer than renkei may: nothing more is sent
    to it in this phase, so a rate limit is respected rather than hammered."""


@dataclass
class Throttle:
    url: str
    retry_after: str | None
    waited: float


@dataclass
class PageInfo:
    url: str
    status: int
    count: int | None
    total: str | None  # X-Total-Count as sent
    links: dict[str, str]  # rel -> absolute URL
    envelope_ok: bool


@dataclass
class Collection:
    """One collection read page by page."""

    url: str
    key: str  # the expected envelope key
    objects: list[dict[str, Any]] = field(default_factory=list)
    pages: list[PageInfo] = field(default_factory=list)
    stopped: str | None = None  # why reading ended early (None: the provider said it was the end)
    misdirected: str | None = None  # a rel="next" renkei refused to follow (another origin, a loop)
    error: BrowserError | None = None  # a page that could not be read as a collection
    first: ApiResponse | None = None
    bad_items: int = 0  # array elements that were not objects

    @property
    def total(self) -> int | None:
        if not self.pages or self.pages[0].total is None:
            return None
        try:
            return int(self.pages[0].total)
        except ValueError:
            return None

    @property
    def complete(self) -> bool:
        return self.stopped is None and self.error is None


def _retry_after(value: str | None, now: float) -> float | None:
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


def with_params(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update(params)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def _origin(url: str) -> str:
    p = urlsplit(url)
    return f"{p.scheme}://{p.netloc}".lower()


def _lifetime(expires_in: Any) -> float:
    """``expires_in`` in seconds (RFC 6749 §5.1; an hour when absent or unusable)."""
    try:
        seconds = float(expires_in)
    except (TypeError, ValueError):
        return 3600.0
    return seconds if seconds > 0 else 3600.0


class RestClient:
    def __init__(self, config: RestProviderTargetConfig, api: ApiClient, credentials: tuple[str, str], *,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.api = api
        self.credentials = credentials
        self.sleep = sleep
        self.clock = clock
        self.obs = config.observation
        self.throttles: list[Throttle] = []
        self.requests = 0
        self._tokens: dict[frozenset[str], tuple[str, float, dict[str, Any]]] = {}
        self._last = 0.0

    # -- tokens --------------------------------------------------------------------------------

    def token_request(self, scopes: list[str], *, secret: str | None = None) -> ApiResponse:
        """One token request as the target file says to authenticate (``secret`` overrides, for the
        bad-secret check)."""
        client_id, real = self.credentials
        headers, body = token_request(client_id, real if secret is None else secret, scopes,
                                      self.config.provider.client_auth)
        return self._send("POST", self.config.provider.token_url, headers=headers, content=body)

    def token(self, scopes: list[str]) -> str:
        """A bearer token for ``scopes``, reused until shortly before it expires (a minute, or a fifth
        of its lifetime for short-lived tokens, which would otherwise be fetched anew for every request)."""
        key = frozenset(scopes)
        cached = self._tokens.get(key)
        if cached is not None and cached[1] > self.clock():
            return cached[0]
        answer, data = self.token_answer(scopes)
        token = data["access_token"]
        lifetime = _lifetime(data.get("expires_in"))
        self._tokens[key] = (token, self.clock() + lifetime - min(60.0, lifetime / 5), data)
        return token

    def token_answer(self, scopes: list[str]) -> tuple[ApiResponse, dict[str, Any]]:
        """A fresh token answer, or ``TokenRefused`` saying what was wrong with it."""
        try:
            resp = self.token_request(scopes)
        except BrowserError as exc:  # a redirect, an oversized or a broken answer
            raise TokenRefused(f"{exc.en} ({exc.method} {exc.url})", exc.ja) from None
        if resp.status != 200:
            raise TokenRefused(f"the token endpoint answered HTTP {resp.status}: {resp.text[:200]}",
                               f"トークンエンドポイントが HTTP {resp.status} で応答しました: {resp.text[:200]}", resp)
        try:
            data = resp.json()
        except BrowserError:
            raise TokenRefused("the token answer is not JSON", "トークン応答が JSON ではありません", resp) from None
        token = data.get("access_token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            raise TokenRefused("the token answer has no access_token", "トークン応答に access_token がありません", resp)
        secret_registry.active().add(token, "access_token", partial=False)
        return resp, data

    # -- requests ------------------------------------------------------------------------------

    def _send(self, method: str, url: str, *, headers: dict[str, str] | Callable[[], dict[str, str]] | None = None,
              content: bytes | None = None) -> ApiResponse:
        """One request, 429s waited out and retried; callable ``headers`` are built anew for each attempt,
        so a token that expired while renkei waited for Retry-After is replaced, not sent stale."""
        if self.obs.min_interval_seconds:
            gap = self._last + self.obs.min_interval_seconds - time.monotonic()
            if gap > 0:
                self.sleep(gap)
        for attempt in range(self.obs.max_retries + 1):
            self._last = time.monotonic()
            self.requests += 1
            resp = self.api.request(method, url, headers=headers() if callable(headers) else headers, content=content)
            if resp.status != 429:
                return resp
            wait = _retry_after(resp.headers.get("retry-after"), self.clock())
            self.throttles.append(Throttle(url, resp.headers.get("retry-after"), 0.0 if wait is None else wait))
            if wait is not None and wait > self.obs.max_retry_after_seconds:
                raise ProviderBusy(f"{method} {url}: 429, the provider asks to wait {wait:.0f} s (Retry-After), more "
                                   f"than observation.max_retry_after_seconds ({self.obs.max_retry_after_seconds:.0f} s)",
                                   peer="the OneRoster provider under test")
            if attempt == self.obs.max_retries:
                break
            self.sleep(1.0 if wait is None else wait)
        # a provider still busy after every polite retry was not reached; it is not hammered further
        raise ProviderBusy(f"{method} {url}: still 429 after {self.obs.max_retries} retries honouring Retry-After",
                           peer="the OneRoster provider under test")

    def get(self, url: str, scopes: list[str], *, token: str | None = None) -> ApiResponse:
        """GET with a bearer token for ``scopes`` (or the given ``token``; ``""`` sends none)."""
        return self._authorised("GET", url, scopes, token)

    def send(self, method: str, url: str, scopes: list[str], body: bytes | None = None) -> ApiResponse:
        return self._authorised(method, url, scopes, None, body)

    def _authorised(self, method: str, url: str, scopes: list[str], token: str | None,
                    body: bytes | None = None) -> ApiResponse:
        """A request with a bearer token. A 401 to a token renkei chose itself is retried once with a new
        one: a provider's clock or rounding can end a token before ``expires_in`` says (a token given
        by the caller, as the auth checks do, is sent exactly once)."""
        def headers() -> dict[str, str]:
            bearer = self.token(scopes) if token is None else token
            typed = {"Content-Type": "application/json"} if body is not None else {}
            return {"Accept": "application/json"} | ({"Authorization": f"Bearer {bearer}"} if bearer else {}) | typed

        resp = self._send(method, url, headers=headers, content=body)
        if resp.status == 401 and token is None:
            self._tokens.pop(frozenset(scopes), None)
            resp = self._send(method, url, headers=headers, content=body)
        return resp

    def read_collection(self, url: str, key: str, scopes: list[str], *, params: dict[str, str] | None = None,
                        max_objects: int | None = None) -> Collection:
        """Every object of a collection, page by page (see the module docstring for when it stops)."""
        limit = self.obs.page_size
        cap = max_objects or self.obs.max_objects
        first = with_params(url, {**(params or {}), "limit": str(limit), "offset": "0"})
        out = Collection(url=first, key=key)
        seen: set[str] = set()
        nxt: str | None = first
        offset = 0
        while nxt is not None:
            if nxt in seen:
                out.stopped = out.misdirected = f"the provider sent rel=\"next\" {nxt} again (a loop)"
                break
            if len(out.pages) >= self.obs.max_pages:
                out.stopped = f"stopped after {self.obs.max_pages} pages (observation.max_pages)"
                break
            if _origin(nxt) != _origin(first):
                out.stopped = out.misdirected = (f"rel=\"next\" points to another origin ({_origin(nxt)}), which "
                                                 "would receive the token; not followed")
                break
            seen.add(nxt)
            try:
                resp = self.get(nxt, scopes)
            except BrowserError as exc:
                out.error = exc
                break
            if out.first is None:
                out.first = resp
            if resp.status != 200:
                out.error = BrowserError("status", f"HTTP {resp.status} instead of 200", f"200 ではなく HTTP {resp.status}",
                                         url=nxt, method="GET")
                out.pages.append(PageInfo(nxt, resp.status, None, resp.headers.get("x-total-count"), {}, False))
                break
            try:
                data = resp.json()
            except BrowserError as exc:
                out.error = exc
                break
            items = data.get(key) if isinstance(data, dict) else None
            links = {rel: link for rel in ("first", "prev", "next", "last") if (link := resp.link(rel))}
            ok = isinstance(items, list)
            out.pages.append(PageInfo(nxt, resp.status, len(items) if ok else None,
                                      resp.headers.get("x-total-count"), links, ok))
            if not ok:
                out.error = BrowserError("envelope", f"the answer has no {key!r} array", f"応答に {key!r} 配列がありません",
                                         url=nxt, method="GET")
                break
            for item in items:
                if isinstance(item, dict):
                    out.objects.append(item)
                else:
                    out.bad_items += 1
            if len(out.objects) > cap:
                out.stopped = f"more than {cap} objects (observation.max_objects); not read to the end"
                break
            if not items:
                break
            offset += len(items)
            if "next" in links:
                nxt = links["next"]
            else:
                total = out.pages[0].total
                more = total is not None and total.isdigit() and offset < int(total)
                nxt = with_params(url, {**(params or {}), "limit": str(limit), "offset": str(offset)}) if more else None
                if not more and total is None and len(items) >= limit:
                    nxt = with_params(url, {**(params or {}), "limit": str(limit), "offset": str(offset)})
        return out


def make_api(config: RestProviderTargetConfig, *, transport: httpx.BaseTransport | None, verify: Any,
             breaker: CircuitBreaker) -> ApiClient:
    obs = config.observation
    return ApiClient(transport=transport, timeout=obs.timeout_seconds, max_body=obs.max_body_bytes, verify=verify,
                     breaker=breaker)
