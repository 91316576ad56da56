"""HTTP plumbing shared by LTI targets: a capped JSON/API client and host-based local routing.

Why a second client next to ``browser.Browser``: service calls (token endpoint, JWKS, NRPS, AGS)
need per-request headers (``Authorization``, ``Accept``, ``Content-Type``) and JSON bodies, and
must treat every redirect as a finding rather than follow it, because a service endpoint that
redirects to another host would receive the bearer token. Failures reuse ``BrowserError`` (stable
code + en/ja message) and ``TransportFailure`` so one reporting path serves both clients. ``LocalRouteTransport`` sends
requests for the harness's own host to its in-process ASGI app, so a launch through the harness's
side never depends on the public URL being reachable from the harness machine itself.
"""

from __future__ import annotations

import json
import ssl
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from renkei.harness.core.bounded import InputLimitError, load_json
from renkei.harness.core.breaker import CircuitBreaker
from renkei.harness.lti.protocol.browser import USER_AGENT, BrowserError, guarded, too_slow, transport_error
from renkei.harness.lti.protocol.transport import TransportFailure, deadline, vendor_transport


def http_url(value: str, field: str) -> str:
    """Validate an absolute http(s) URL without fragment (pydantic validators call this)."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{field} must be an absolute http(s) URL")
    if parts.fragment:
        raise ValueError(f"{field} must not contain a #fragment")
    return value


def media_type(content_type: str | None) -> str:
    """``application/x+json; charset=utf-8`` -> ``application/x+json``."""
    return (content_type or "").split(";", 1)[0].strip().lower()


@dataclass
class ApiResponse:
    method: str
    url: str
    status: int
    headers: httpx.Headers
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @property
    def media_type(self) -> str:
        return media_type(self.headers.get("content-type"))

    def json(self) -> Any:
        """Parsed JSON; ``BrowserError('invalid_json')`` when the body is not JSON."""
        try:
            return load_json(self.body)
        except InputLimitError as exc:
            raise BrowserError("invalid_json", f"The response body is JSON {exc.en}.",
                               f"応答本文の JSON は{exc.ja}。", url=self.url, method=self.method) from None
        except (ValueError, UnicodeDecodeError):
            raise BrowserError("invalid_json", "The response body is not valid JSON.",
                               "応答本文が正しい JSON ではありません。", url=self.url, method=self.method) from None

    def link(self, rel: str) -> str | None:
        """The target of ``Link: <...>; rel="<rel>"`` (RFC 8288), resolved against the request URL."""
        for value in self.headers.get_list("link"):
            for part in _split_links(value):
                target, _, attrs = part.partition(">")
                target = target.strip().lstrip("<").strip()
                rels = [a.strip() for a in attrs.split(";") if a.strip().lower().startswith("rel")]
                for r in rels:
                    names = r.split("=", 1)[-1].strip().strip('"').lower().split()
                    if rel in names and target:
                        return str(httpx.URL(self.url).join(target))
        return None


def _split_links(value: str) -> list[str]:
    """Split a Link header on commas that separate link-values (not commas inside <...>)."""
    parts: list[str] = []
    depth, start = 0, 0
    for i, ch in enumerate(value):
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth = max(0, depth - 1)
        elif ch == "," and depth == 0:
            parts.append(value[start:i])
            start = i + 1
    parts.append(value[start:])
    return [p for p in (p.strip() for p in parts) if p]


class ApiClient:
    """Synchronous JSON client with a body cap, a total-time cap and no redirect following.

    Vendor secrets (staging headers, basic auth) go only to ``secret_hosts`` (None: every host),
    never to a host named by a claim the vendor controls.
    """

    def __init__(self, *, transport: httpx.BaseTransport | None, timeout: float, max_body: int,
                 verify: ssl.SSLContext | bool = True, headers: dict[str, str] | None = None,
                 auth: tuple[str, str] | None = None, secret_hosts: set[str] | None = None,
                 breaker: CircuitBreaker | None = None) -> None:
        self.client = httpx.Client(transport=transport or vendor_transport(verify), timeout=timeout,
                                   follow_redirects=False, headers={"User-Agent": USER_AGENT})
        self.timeout = timeout
        self.max_body = max_body
        self._secret_headers = headers or {}
        self._auth = auth
        self._secret_hosts = None if secret_hosts is None else {h.lower() for h in secret_hosts}
        self.breaker = breaker

    def close(self) -> None:
        self.client.close()

    def request(self, method: str, url: str, *, headers: dict[str, str] | None = None,
                data: dict[str, str] | None = None, json_body: Any = None, content: bytes | None = None,
                params: dict[str, str] | None = None) -> ApiResponse:
        """One exchange. A network failure raises ``TransportFailure`` (timeouts go to the breaker);
        anything else wrong with the answer is a ``BrowserError`` with a stable code."""
        host = urlsplit(url).netloc.lower()
        trusted = self._secret_hosts is None or host in self._secret_hosts
        merged = {**(self._secret_headers if trusted else {}), **(headers or {})}
        auth = self._auth if trusted else None
        body = content
        if json_body is not None:
            body = json.dumps(json_body, ensure_ascii=False).encode("utf-8")
        if self.breaker is not None:
            self.breaker.guard()
        started = time.monotonic()
        try:
            with deadline(2 * self.timeout), self.client.stream(method, url, headers=merged, data=data,
                                                                content=body, params=params, auth=auth) as resp:
                buf = bytearray()
                for chunk in resp.iter_bytes():
                    buf += chunk
                    if len(buf) > self.max_body:
                        raise BrowserError(
                            "body_too_large", f"The response body exceeds the {self.max_body}-byte cap.",
                            f"応答本文が上限 {self.max_body} バイトを超えました。", url=url, method=method)
                    if time.monotonic() - started > 2 * self.timeout:
                        raise too_slow(url=url, method=method)
                result = ApiResponse(method, str(resp.request.url), resp.status_code, resp.headers, bytes(buf))
        except BrowserError:
            raise
        except TransportFailure as failure:
            guarded(self.breaker, failure, f"{method} {url}")
            raise
        except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
            failure = transport_error(exc, url=url, method=method, timeout=self.timeout)
            guarded(self.breaker, failure, f"{method} {url}")
            raise failure from None
        if self.breaker is not None:
            self.breaker.record_answer()
        if result.status in (301, 302, 303, 307, 308):
            raise BrowserError("redirect", f"The service endpoint answered with a redirect (HTTP {result.status}); "
                               "service endpoints must answer directly.",
                               f"サービスエンドポイントがリダイレクト (HTTP {result.status}) で応答しました。"
                               "直接応答しなければなりません。", url=url, method=method)
        return result

    def get_json(self, url: str, *, accept: str = "application/json") -> tuple[ApiResponse, Any]:
        """GET a JSON document that must answer 200; errors are ``BrowserError``."""
        resp = self.request("GET", url, headers={"Accept": accept})
        if resp.status != 200:
            raise BrowserError("status", f"HTTP {resp.status} instead of 200.", f"200 ではなく HTTP {resp.status} です。",
                               url=url, method="GET")
        return resp, resp.json()


class LocalRouteTransport(httpx.BaseTransport):
    """Requests for ``local_netloc`` go to ``local``; everything else to ``fallback``."""

    def __init__(self, local_netloc: str, local: httpx.BaseTransport, fallback: httpx.BaseTransport) -> None:
        self.local_netloc = local_netloc.lower()
        self.local = local
        self.fallback = fallback

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.netloc.decode("ascii").lower()
        return (self.local if host == self.local_netloc else self.fallback).handle_request(request)

    def close(self) -> None:
        self.local.close()
        self.fallback.close()
