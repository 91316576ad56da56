"""renkei as a Learning Record Provider: authenticated, versioned, bounded requests to a vendor's LRS.

Built on the LTI service client (``lti.protocol.http.ApiClient``: body cap, whole-request deadline,
no redirects followed, transport failures classified once), which knows no product. What this adds:

- the **xAPI headers** of every request: HTTP Basic with the target's key/secret and
  ``X-Experience-API-Version`` of the profile's line (a check may drop or change either);
- **waiting for consistency** without end: a write is visible when a GET finds it, or when
  ``X-Experience-API-Consistent-Through`` covers the moment it was written (Communication §2.1.3);
  both are polled at most ``consistency_wait_seconds``, so an LRS that never settles is an answer
  ("not visible in time"), never a hang;
- a **breaker for server errors**: after ``observation.max_consecutive_server_errors`` 5xx answers in a
  row, one plain ``GET statements?limit=1`` asks whether the LRS still works. If that is a 5xx too,
  the LRS is down (a 5xx storm): this request and every later one raise ``PeerUnavailable``, so the
  rest of the run is "not evaluated" with that reason instead of a page of failures that only say
  "HTTP 503". If it answers, the 5xx were about what renkei sent (an LRS that crashes on invalid
  statements) and stay findings of the checks that got them.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import httpx

from renkei.harness.core.breaker import CircuitBreaker, PeerUnavailable
from renkei.harness.lti.protocol.browser import BrowserError
from renkei.harness.lti.protocol.http import ApiClient, ApiResponse
from renkei.harness.xapi.lrs.config import LrsTargetConfig
from renkei.harness.xapi.model.versions import CONSISTENT_THROUGH, HEADER

DEFAULT = object()  # "as the target says" for the version header and the credentials


def parse_time(value: str | None) -> float | None:
    """An ISO 8601 timestamp as epoch seconds, or None when absent or unreadable."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if when.tzinfo is None:
        return None
    return when.timestamp()


class LrsClient:
    def __init__(self, config: LrsTargetConfig, api: ApiClient, credentials: tuple[str, str], version: str, *,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.api = api
        self.credentials = credentials
        self.version = version
        self.sleep = sleep
        self.clock = clock
        self.obs = config.observation
        self.requests = 0
        self.server_errors = 0  # 5xx answers in a row
        self.down: str | None = None  # why the LRS is taken as down (a 5xx storm), for the rest of the run

    def url(self, resource: str, params: dict[str, str] | None = None) -> str:
        base = self.config.lrs.endpoint + resource
        return base + ("?" + urlencode(params) if params else "")

    def basic(self, key: str, secret: str) -> str:
        return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode("ascii")

    def request(self, method: str, resource: str, *, params: dict[str, str] | None = None, body: Any = None,
                content: bytes | None = None, content_type: str | None = None,
                headers: dict[str, str] | None = None, version: Any = DEFAULT, auth: Any = DEFAULT) -> ApiResponse:
        """One exchange. ``body`` is sent as JSON (UTF-8, not ASCII-escaped); ``version`` None sends no
        version header, ``auth`` None no credentials and a (key, secret) pair other ones."""
        sent: dict[str, str] = {"Accept": "application/json"}
        if version is not None:
            sent[HEADER] = self.version if version is DEFAULT else str(version)
        pair = self.credentials if auth is DEFAULT else auth
        if pair is not None:
            sent["Authorization"] = self.basic(*pair)
        if body is not None:
            content = json.dumps(body, ensure_ascii=False).encode("utf-8")
            content_type = content_type or "application/json"
        if content_type:
            sent["Content-Type"] = content_type
        sent.update(headers or {})
        return self.send(method, self.url(resource, params), sent, content)

    def send(self, method: str, url: str, headers: dict[str, str], content: bytes | None = None) -> ApiResponse:
        """Every exchange with the LRS goes through here: counted, and refused once the LRS is down."""
        if self.down is not None:
            raise PeerUnavailable(self.down, peer="the LRS under test")
        self.requests += 1
        resp = self.api.request(method, url, headers=headers, content=content)
        if resp.status < 500:
            self.server_errors = 0
            return resp
        self.server_errors += 1
        if self.server_errors >= self.obs.max_consecutive_server_errors:
            self._still_working(f"{method} {url.split('?', 1)[0]}: HTTP {resp.status}")
        return resp

    def _still_working(self, last: str) -> None:
        """After a run of 5xx answers: a plain statements query decides whether the LRS is down."""
        count = self.server_errors
        self.server_errors = 0
        self.requests += 1
        try:
            probe = self.api.request("GET", self.url("statements", {"limit": "1"}), headers={
                "Accept": "application/json", HEADER: self.version, "Authorization": self.basic(*self.credentials)})
        except BrowserError as exc:  # a redirect, an oversized body: not a working LRS either
            answer = exc.en
        else:
            if probe.status < 500:
                return
            answer = f"HTTP {probe.status}"
        self.down = (f"circuit breaker open: the LRS under test answered {count} requests in a row with a server "
                     f"error (last: {last}), and a plain GET statements?limit=1 with {answer}; it is taken as "
                     "down and nothing more is sent to it in this run")
        raise PeerUnavailable(self.down, peer="the LRS under test")

    # -- statements ------------------------------------------------------------------------------

    def get_statement(self, statement_id: str, *, voided: bool = False, **params: str) -> ApiResponse:
        key = "voidedStatementId" if voided else "statementId"
        return self.request("GET", "statements", params={key: statement_id, **params})

    def visible(self, statement_id: str, *, voided: bool = False) -> ApiResponse:
        """GET the statement until it is there (200) or the consistency wait is over (the last answer)."""
        end = self.clock() + self.obs.consistency_wait_seconds
        while True:
            resp = self.get_statement(statement_id, voided=voided)
            if resp.status == 200 or self.clock() >= end:
                return resp
            self.sleep(self.obs.poll_interval_seconds)

    def settled(self, written_at: float) -> bool:
        """Whether the LRS says (Consistent-Through) that every write up to ``written_at`` is visible."""
        end = self.clock() + self.obs.consistency_wait_seconds
        while True:
            resp = self.request("GET", "statements", params={"limit": "1"})
            through = parse_time(resp.headers.get(CONSISTENT_THROUGH))
            if through is not None and through >= written_at:
                return True
            if self.clock() >= end:
                return False
            self.sleep(self.obs.poll_interval_seconds)

    def same_origin(self, url: str) -> bool:
        """Whether ``url`` is on the endpoint's origin (scheme, host, port; no userinfo): the only
        place renkei sends the target's credentials to. A host that merely starts like the
        endpoint's (``lrs.example.jp.evil.test``, ``lrs.example.jp@evil.test``) is another origin."""
        try:
            got, end = httpx.URL(url), httpx.URL(self.config.lrs.endpoint)
        except (httpx.InvalidURL, ValueError):
            return False
        return (not got.userinfo and got.scheme == end.scheme and got.host.lower() == end.host.lower()
                and got.port == end.port)

    def follow_more(self, first: ApiResponse) -> tuple[list[dict[str, Any]], list[ApiResponse], str | None]:
        """Every statement of a StatementResult and the pages read, following ``more`` to its end;
        the third value says why reading stopped early (None: the LRS said it was the end). A page
        that cannot be read (not JSON, redirected, over the body cap, a link to another origin, a
        loop, past ``observation.max_pages``) stops the reading with its reason; a transport
        failure propagates (the check is not evaluated)."""
        statements: list[dict[str, Any]] = []
        pages = [first]
        seen: set[str] = set()
        resp = first
        while True:
            try:
                data = resp.json()
            except BrowserError as exc:
                return statements, pages, f"{resp.url}: {exc.en}"
            if not isinstance(data, dict) or not isinstance(data.get("statements"), list):
                return statements, pages, f"{resp.url}: the answer is not a StatementResult"
            statements += [s for s in data["statements"] if isinstance(s, dict)]
            more = data.get("more")
            if more in (None, ""):
                return statements, pages, None
            if not isinstance(more, str):
                return statements, pages, f"{resp.url}: more is not a string"
            if more in seen:
                return statements, pages, f"{resp.url}: more {more} was sent before (a loop)"
            if len(pages) >= self.obs.max_pages:
                return statements, pages, f"stopped after {self.obs.max_pages} pages (observation.max_pages)"
            seen.add(more)
            try:
                url = str(httpx.URL(self.config.lrs.endpoint).join(more))
            except (httpx.InvalidURL, ValueError):
                return statements, pages, f"{resp.url}: more {more[:200]!r} is not a usable IRL"
            if not self.same_origin(url):
                return statements, pages, f"more points to another origin ({url[:200]}); not followed"
            headers = {"Accept": "application/json", HEADER: self.version,
                       "Authorization": self.basic(*self.credentials)}
            try:
                resp = self.send("GET", url, headers)
            except BrowserError as exc:
                return statements, pages, f"{url}: {exc.en}"
            pages.append(resp)
            if resp.status != 200:
                return statements, pages, f"{url}: HTTP {resp.status} for a more link"


def make_api(config: LrsTargetConfig, *, transport: httpx.BaseTransport | None, verify: Any,
             breaker: CircuitBreaker) -> ApiClient:
    obs = config.observation
    return ApiClient(transport=transport, timeout=obs.timeout_seconds, max_body=obs.max_body_bytes, verify=verify,
                     breaker=breaker)


__all__ = ["DEFAULT", "BrowserError", "LrsClient", "PeerUnavailable", "make_api", "parse_time"]
