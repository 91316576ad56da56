"""A minimal, hostile-input-proof browser for driving LTI launches with httpx.

LTI 1.3 launches are browser flows (redirects, cookies, auto-submitted forms [SEC §5.1.1]). The
harness replays them without JavaScript: it follows redirects only within the Tool's own hosts,
keeps the cookie jar, caps bodies and total time, and never raises a traceback or hangs: a network
failure (timeout, TLS, refused or broken connection) is a ``TransportFailure`` (the check is not
evaluated, see ``transport``), and what the peer did wrong (redirect to a foreign host, oversized
or undecodable body) a ``BrowserError`` with a bilingual message. Auto-submit forms are read
with the stdlib HTML parser, which tolerates invalid HTML.

``InProcessTransport`` runs an ASGI app (e.g. the mock Tool) behind a synchronous httpx client, on
one background event loop, so tests need no sockets; ``RoutingTransport`` picks a transport by host.
"""

from __future__ import annotations

import asyncio
import re
import ssl
import threading
import time
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from renkei.harness.core.bounded import InputLimitError, load_json
from renkei.harness.core.breaker import CircuitBreaker
from renkei.harness.lti.protocol.transport import TransportFailure, deadline, vendor_transport

REDIRECT_STATUSES = (301, 302, 303, 307, 308)
USER_AGENT = "renkei-lti-harness/0.1 (+conformance test)"


class BrowserError(Exception):
    """A request could not be completed; ``code`` is stable, messages are en + ja."""

    def __init__(self, code: str, en: str, ja: str, *, url: str, method: str) -> None:
        super().__init__(en)
        self.code = code
        self.en = en
        self.ja = ja
        self.url = url
        self.method = method


@dataclass
class Page:
    """One final response as the browser saw it (after same-host redirects)."""

    method: str
    url: str
    status: int
    headers: httpx.Headers
    text: str
    location: str | None = None  # absolute redirect target when the browser stopped at a redirect
    visited: list[str] = field(default_factory=list)
    set_cookies: list[str] = field(default_factory=list)  # every Set-Cookie seen on the way (all hops)


@dataclass
class Form:
    action: str  # absolute URL
    method: str
    inputs: dict[str, str]


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[dict[str, str], dict[str, str]]] = []
        self.refresh: str | None = None
        self._current: tuple[dict[str, str], dict[str, str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "meta" and a.get("http-equiv", "").lower() == "refresh" and self.refresh is None:
            m = re.search(r"url\s*=\s*['\"]?([^'\"]+)", a.get("content", ""), re.IGNORECASE)
            self.refresh = m.group(1).strip() if m else None
        elif tag == "form":
            self._current = (a, {})
            self.forms.append(self._current)
        elif tag in ("input", "button", "textarea") and self._current is not None and a.get("name"):
            if tag == "input" and a.get("type", "").lower() in ("checkbox", "radio") and "checked" not in a:
                return
            self._current[1].setdefault(a["name"], a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


def _parse(html: str) -> _FormParser:
    parser = _FormParser()
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError):  # pragma: no cover - HTMLParser is lenient; belt and braces
        pass
    return parser


def meta_refresh(html: str, base_url: str) -> str | None:
    """The absolute URL of a ``<meta http-equiv=refresh>`` redirect, if the page has one."""
    target = _parse(html).refresh
    try:
        return urljoin(base_url, target) if target else None
    except ValueError:
        return None


def parse_forms(html: str, base_url: str) -> list[Form]:
    """Forms in a page with absolute actions; broken HTML yields what could be read."""
    parser = _parse(html)
    forms = []
    for attrs, inputs in parser.forms:
        try:
            action = urljoin(base_url, attrs.get("action", "") or base_url)
        except ValueError:
            continue
        forms.append(Form(action=action, method=(attrs.get("method") or "get").upper(), inputs=inputs))
    return forms


def page_text(html: str, limit: int = 160) -> str:
    """The visible text at the start of a page (tags, scripts and styles dropped), for evidence."""
    html = re.sub(r"(?is)<(script|style)\b.*?</\1\s*>", " ", html)
    text = re.sub(r"(?s)<[^>]*>", " ", html)
    text = " ".join(unescape(text).split())
    return text[:limit]


def same_endpoint(url: str, endpoint: str) -> bool:
    """Same scheme, host and path (query ignored): how a redirect to a known endpoint is recognised."""
    a, b = urlsplit(url), urlsplit(endpoint)
    return (a.scheme, a.netloc.lower(), a.path.rstrip("/")) == (b.scheme, b.netloc.lower(), b.path.rstrip("/"))


def netloc(url: str) -> str:
    return urlsplit(url).netloc.lower()


class Browser:
    """One user agent (one cookie jar). Stops at redirects to ``stop_hosts`` (the harness)."""

    def __init__(
        self,
        *,
        transport: httpx.BaseTransport | None,
        allowed_hosts: set[str],
        stop_hosts: set[str],
        timeout: float,
        max_body: int,
        max_redirects: int,
        verify: ssl.SSLContext | bool = True,
        secret_headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        self.client = httpx.Client(transport=transport or vendor_transport(verify), timeout=timeout,
                                   follow_redirects=False, headers={"User-Agent": USER_AGENT})
        self.allowed_hosts = {h.lower() for h in allowed_hosts}
        self.stop_hosts = {h.lower() for h in stop_hosts}
        self.timeout = timeout
        self.max_body = max_body
        self.max_redirects = max_redirects
        self._secret_headers = secret_headers or {}
        self._auth = auth
        self.breaker = breaker

    def close(self) -> None:
        self.client.close()

    def send(self, method: str, url: str, *, params: dict[str, str] | None = None,
             data: dict[str, str] | None = None) -> Page:
        visited: list[str] = []
        cookies: list[str] = []
        for _ in range(self.max_redirects + 1):
            page = self._once(method, url, params, data)
            visited.append(page.url)
            cookies.extend(page.headers.get_list("set-cookie"))
            page.visited, page.set_cookies = visited, cookies
            location = page.headers.get("location")
            if page.status not in REDIRECT_STATUSES or not location:
                return page
            try:
                target = urljoin(page.url, location.strip())
                parts = urlsplit(target)
            except ValueError:
                raise BrowserError("bad_redirect", "The response redirects to an unparseable URL.",
                                   "リダイレクト先の URL を解釈できません。", url=page.url, method=method) from None
            if parts.scheme not in ("http", "https"):
                raise BrowserError("bad_redirect", "The response redirects to a non-http(s) URL.",
                                   "リダイレクト先が http(s) の URL ではありません。", url=page.url, method=method)
            page.location = target
            host = parts.netloc.lower()
            if host in self.stop_hosts:
                return page
            if host not in self.allowed_hosts:
                raise BrowserError(
                    "offsite_redirect",
                    "The response redirects to a host that is neither the Tool nor the harness.",
                    "ツールでもハーネスでもないホストへリダイレクトされました。", url=page.url, method=method)
            if page.status not in (307, 308):
                method, data = "GET", None
            url, params = target, None
        raise BrowserError("too_many_redirects", f"More than {self.max_redirects} redirects.",
                           f"リダイレクトが {self.max_redirects} 回を超えました。", url=url, method=method)

    def _once(self, method: str, url: str, params: dict[str, str] | None, data: dict[str, str] | None) -> Page:
        host = netloc(url)
        headers = self._secret_headers if host in self.allowed_hosts else {}
        auth = self._auth if host in self.allowed_hosts else None
        if self.breaker is not None:
            self.breaker.guard()
        started = time.monotonic()
        try:
            with deadline(2 * self.timeout), self.client.stream(method, url, params=params, data=data,
                                                                headers=headers, auth=auth) as resp:
                buf = bytearray()
                for chunk in resp.iter_bytes():  # decoded: the cap also stops compression bombs
                    buf += chunk
                    if len(buf) > self.max_body:
                        raise BrowserError(
                            "body_too_large", f"The response body exceeds the {self.max_body}-byte cap.",
                            f"応答本文が上限 {self.max_body} バイトを超えました。", url=url, method=method)
                    if time.monotonic() - started > 2 * self.timeout:
                        raise too_slow(url=url, method=method)
                text = _decode(bytes(buf), resp)
                page = Page(method=method, url=str(resp.request.url), status=resp.status_code,
                            headers=resp.headers, text=text)
        except BrowserError:
            raise
        except TransportFailure as failure:
            guarded(self.breaker, failure, f"{method} {url}")
            raise
        except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
            failure = transport_error(exc, url=url, method=method, timeout=self.timeout, redirects_followed=True)
            guarded(self.breaker, failure, f"{method} {url}")
            raise failure from None
        if self.breaker is not None:
            self.breaker.record_answer()
        return page

    def submit(self, form: Form) -> Page:
        """Submit a parsed form as a browser would: inputs in the body for POST, the query for GET."""
        if form.method == "POST":
            return self.send("POST", form.action, data=form.inputs)
        return self.send(form.method, form.action, params=form.inputs)

    def get_json(self, url: str) -> Any:
        """GET a JSON document (e.g. the Tool's JWKS); errors are ``BrowserError``."""
        page = self.send("GET", url)
        if page.status != 200:
            raise BrowserError("status", f"HTTP {page.status} instead of 200.", f"200 ではなく HTTP {page.status} です。",
                               url=url, method="GET")
        try:
            return load_json(page.text)
        except InputLimitError as exc:
            raise BrowserError("invalid_json", f"The response is JSON {exc.en}.", f"応答の JSON は{exc.ja}。",
                               url=url, method="GET") from None
        except ValueError:
            raise BrowserError("invalid_json", "The response is not valid JSON.", "応答が正しい JSON ではありません。",
                               url=url, method="GET") from None


def _decode(raw: bytes, resp: httpx.Response) -> str:
    charset = resp.charset_encoding or "utf-8"
    try:
        return raw.decode(charset, errors="replace")
    except LookupError:
        return raw.decode("utf-8", errors="replace")


def _is_tls(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return True
        seen = seen.__cause__ or seen.__context__
    text = str(exc).upper()
    return "SSL" in text or "CERTIFICATE" in text or "TLS" in text


def transport_error(exc: BaseException, *, url: str, method: str, timeout: float,
                    redirects_followed: bool = False) -> BrowserError | TransportFailure:
    """The one translation of httpx failures (both clients): a ``TransportFailure`` when the network
    failed (timeout, TLS, refused or reset connection), else a ``BrowserError`` with a stable code."""
    if isinstance(exc, httpx.TimeoutException):
        return TransportFailure("timeout", f"No response within {timeout:g} s.",
                                f"{timeout:g} 秒以内に応答がありません。", url=url, method=method)
    if isinstance(exc, httpx.ConnectError):
        if _is_tls(exc):
            return TransportFailure("tls", "The TLS handshake failed (certificate or protocol).",
                                    "TLS ハンドシェイクに失敗しました (証明書またはプロトコル)。", url=url, method=method)
        return TransportFailure("connect", "The connection could not be established.", "接続を確立できません。",
                                url=url, method=method)
    if isinstance(exc, httpx.NetworkError):  # read/write/close errors: the connection broke
        return TransportFailure("network", f"The connection broke ({exc.__class__.__name__}).",
                                f"接続が切れました ({exc.__class__.__name__})。", url=url, method=method)
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL | ValueError):
        if redirects_followed and urlsplit(url).scheme in ("http", "https"):
            # httpx rejects a bad Location header while following it
            return BrowserError("bad_redirect", "The response redirects to a non-http(s) or malformed URL.",
                                "リダイレクト先が http(s) ではないか不正な URL です。", url=url, method=method)
        return BrowserError("bad_url", "The URL cannot be requested.", "この URL には要求を送れません。",
                            url=url, method=method)
    return BrowserError("http", f"The HTTP exchange failed ({exc.__class__.__name__}).",
                        f"HTTP 通信に失敗しました ({exc.__class__.__name__})。", url=url, method=method)


def too_slow(*, url: str, method: str) -> TransportFailure:
    """A body that keeps trickling past the total-time cap: a timeout like any other."""
    return TransportFailure("timeout", "The response took too long to arrive.", "応答の受信に時間がかかりすぎました。",
                            url=url, method=method)


def guarded(breaker: CircuitBreaker | None, failure: BrowserError | TransportFailure, what: str) -> None:
    """Report a timeout to the breaker (the other failures are fast and need no breaker)."""
    if breaker is not None and isinstance(failure, TransportFailure) and failure.code == "timeout":
        breaker.record_timeout(what)


class InProcessTransport(httpx.BaseTransport):
    """Serve an ASGI app to a synchronous client, on one background event loop.

    The app may itself make async calls through other in-process transports (the mock Tool fetches
    the harness JWKS); they run on the same loop.
    """

    def __init__(self, app: Any) -> None:
        self._inner = httpx.ASGITransport(app=app)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="renkei-asgi", daemon=True)
        self._thread.start()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()

        async def call() -> httpx.Response:
            inner = httpx.Request(request.method, request.url, headers=request.headers, content=body)
            resp = await self._inner.handle_async_request(inner)
            content = await resp.aread()
            return httpx.Response(resp.status_code, headers=resp.headers, content=content, request=request)

        return asyncio.run_coroutine_threadsafe(call(), self._loop).result(timeout=120)

    def close(self) -> None:
        if self._loop.is_running():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)
        if not self._loop.is_running():
            self._loop.close()


class RoutingTransport(httpx.BaseTransport):
    """Choose a transport by request host (``host[:port]``); unknown hosts fail like DNS would."""

    def __init__(self, routes: dict[str, httpx.BaseTransport]) -> None:
        self.routes = {k.lower(): v for k, v in routes.items()}

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.netloc.decode("ascii").lower()
        transport = self.routes.get(host)
        if transport is None:
            raise httpx.ConnectError(f"no in-process route for host {host}", request=request)
        return transport.handle_request(request)

    def close(self) -> None:
        for t in self.routes.values():
            t.close()
