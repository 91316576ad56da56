"""renkei as a Learning Record Provider: authenticated, versioned, bounded requests to a vendor's LRS.

Built on the LTI service client (``lti.protocol.http.ApiClient``: body cap, whole-request deadline,
no redirects followed, transport failures classified once), which knows no product. What this adds:

- the **xAPI headers** of every request: HTTP Basic with the target's key/secret and
  ``X-Experience-API-Version`` of the profile's line (a check may drop or change either);
- **waiting for consistency** without end: a write is visible when a GET finds it, or when
  ``X-Experience-API-Consistent-Through`` covers the moment it was written (Communication §2.1.3);
  both are polled at most ``consistency_wait_seconds``, so an LRS that never settles is an answer
  ("not visible in time"), never a hang.
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

from renkei.harness.core.breaker import CircuitBreaker
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
        self.requests += 1
        return self.api.request(method, self.url(resource, params), headers=sent, content=content)

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
            self.requests += 1
            try:
                resp = self.api.request("GET", url, headers=headers)
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


__all__ = ["DEFAULT", "BrowserError", "LrsClient", "make_api", "parse_time"]
