"""Browser-driven LTI launches for Tools whose pages need JavaScript (opt-in per target).

Some vendor Tools only work in a real browser: a cookie check that sets a cookie in script and
reloads, a login page that reaches the Platform by script instead of a 302, an SPA that renders
its success marker client-side. The plain-HTTP launcher reports those as ``needs_javascript``;
this module drives the same launch [SEC §5.1.1] through a real Chromium.

Target YAML (``renkei.harness.lti.tool.config.BrowserSection``)::

    browser:
      engine: chromium              # http (default) | chromium
      executable: /usr/bin/chromium # the system Chromium; Playwright never downloads a browser
      headless: true
      marker_wait_seconds: 2        # extra DOM polling when the accept/reject marker renders late

Requirements: Playwright for Python (``pip install 'renkei[browser]'``) and Chromium
(``apt-get install chromium``); opening a target without them is a one-line ``ConfigError``.
Starting Chromium, pausing a session's requests and the helpers are shared with the chain's launcher
(``renkei.harness.lti.protocol.chromium``); what is the Tool profile's own (answering the auth
request, classifying the Tool's page) stays here.

How the front channel works without a real auth server: every request of the page is paused
through the Chrome DevTools Fetch domain (Playwright's ``page.route`` never sees redirects, and
the Tool reaches the Platform's auth endpoint by a 302 as often as by script). A request to the
harness auth URL (GET or form POST) is answered in the browser with an auto-submitting form_post
to the redirect_uri carrying the id_token of ``Launcher.answer`` (valid or forged per scenario,
the same builder as plain HTTP). Requests to the Tool's hosts (plus ``observation.extra_hosts``)
go to the network; other harness URLs (return_url, deep_link_return_url) are recorded and stopped
so the Tool's page stays on screen; requests to any other host are refused and recorded, and a
main-frame navigation there ends the launch with code ``offsite_redirect``. Login by GET is a
navigation to the login URL; by POST an auto-submit form served from the harness origin.

The outcome uses the plain launcher's rules (``Launcher.classify``): the status of the Tool's last
main-frame document, the markers evaluated on the rendered DOM once the page is quiet (bounded by
``observation.timeout_seconds`` per stage, plus ``marker_wait_seconds``). A Playwright failure is
an ``error`` outcome with a bilingual reason; a network failure (TLS, refused, no answer) raises
``TransportFailure`` as in plain HTTP. Each launch gets a fresh
browser context (own cookies and storage); the Chromium process (flags in ``protocol.chromium.FLAGS``, a temporary
profile directory Playwright creates and deletes) is shared by the targets open in one process
and closed with the last of them. After a launch the context's cookies are copied into an httpx
``Browser`` (``LaunchResult.browser``), so follow-ups (Deep Linking form, service trigger, a
replay via ``post``) keep the session. Requests to foreign hosts that are not navigations (a CDN
script) are only listed in ``LaunchResult.blocked``; allow them with ``observation.extra_hosts``.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.cookiejar import Cookie
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from renkei.harness.core.breaker import CircuitBreaker
from renkei.harness.core.extras import install_command
from renkei.harness.lti.protocol.browser import Browser, Page, netloc, same_endpoint
from renkei.harness.lti.protocol.chromium import (
    BrowserKey,
    ChromiumHolder,
    SharedChromium,
    form_post_page,
    fulfil,
    is_main_document,
    net_code,
    net_reason,
    paused_session,
    post_data,
    response_headers,
)
from renkei.harness.lti.protocol.chromium import playwright_available as playwright_available  # re-exported
from renkei.harness.lti.protocol.chromium import require_chromium as shared_require_chromium
from renkei.harness.lti.protocol.transport import TRANSPORT_CODES, TransportFailure
from renkei.harness.lti.tool.launches import ERROR, REJECTED, UNCLEAR, AuthRequest, LaunchResult, LaunchSpec

if TYPE_CHECKING:
    from renkei.harness.lti.tool.config import ToolTargetConfig
    from renkei.harness.lti.tool.launcher import Launcher

INSTALL_PLAYWRIGHT = install_command("browser")
LOGIN_PATH = "/__renkei/login-initiation"  # harness-origin pages the driver serves itself
FORM_PATH = "/__renkei/form-post"
LOGIN_QUIET = 1.0  # seconds without browser activity before a login page counts as settled
LAUNCH_QUIET = 0.5
POLL_MS = 50
_Shared = SharedChromium  # the process-wide Chromium (shared with the chain's launcher)
_post_data, _fulfil, _net_code, _net_reason = post_data, fulfil, net_code, net_reason


def require_chromium(config: ToolTargetConfig) -> str:
    """The Chromium executable to drive, or a one-line ConfigError saying what to install."""
    return shared_require_chromium(config.browser.executable, config.path or "(inline)")


@dataclass
class _Doc:
    """A main-frame document response of the Tool (response stage of the Fetch domain)."""

    url: str
    method: str
    status: int
    headers: list[tuple[str, str]]


@dataclass
class _Flow:
    """What one browser session saw; filled in by the Fetch handler, read by the driving loop."""

    launcher: Launcher
    spec: LaunchSpec
    params: dict[str, Any]
    deployment: str
    login_params: dict[str, str]
    jar: Browser
    context: Any = None
    replay: bool = False  # post(): a form is re-sent; a new authentication request is not answered
    serve: dict[str, str] = field(default_factory=dict)
    main_frame: str | None = None
    documents: list[_Doc] = field(default_factory=list)
    set_cookies: list[str] = field(default_factory=list)
    auth: AuthRequest | None = None
    answer: tuple[str, dict[str, str], str, dict[str, Any]] | None = None
    auth_error: LaunchResult | None = None
    launch_from: int = 0  # index into documents where the launch stage starts
    returned: str | None = None  # harness URL the Tool sent the browser back to (return_url)
    harness_calls: list[tuple[str, str]] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    offsite: bool = False
    net_error: str | None = None
    too_large: bool = False
    failure: str | None = None
    last_event: float = field(default_factory=time.monotonic)

    def touch(self) -> None:
        self.last_event = time.monotonic()

    def launch_docs(self) -> list[_Doc]:
        return self.documents[self.launch_from:]


class ChromiumDriver:
    """Runs launches in a system Chromium through Playwright; one browser process per target."""

    def __init__(self, config: ToolTargetConfig, *, breaker: CircuitBreaker | None = None) -> None:
        self.config = config
        self.executable = require_chromium(config)
        self.harness_host = netloc(config.harness.base_url)
        self.allowed = config.tool_hosts()
        self.breaker = breaker
        # Chromium trusts neither tls.ca_file nor SSL_CERT_FILE; the target's probe verifies the Tool's
        # certificates with them and pins exactly those keys (--ignore-certificate-errors-spki-list).
        self.chromium = ChromiumHolder(self.executable, config.browser.headless,
                                       config.observation.timeout_seconds * 3)

    @property
    def pins(self) -> tuple[str, ...]:
        return self.chromium.pins

    @pins.setter
    def pins(self, value: tuple[str, ...]) -> None:
        self.chromium.pins = value

    @property
    def key(self) -> BrowserKey:
        return self.chromium.key

    @property
    def holding(self) -> BrowserKey | None:
        """The shared browser this driver holds a reference to."""
        return self.chromium.holding

    # --- lifecycle ---
    def close(self) -> None:
        """Release the browser (closed with its last user); safe to call twice and after a crash."""
        self.chromium.close()

    @contextmanager
    def _session(self, flow: _Flow) -> Iterator[Any]:
        """A fresh context (own cookies, profile) with every request paused for ``_paused``."""
        obs = self.config.observation
        launcher = flow.launcher
        headers = dict(launcher.secret_headers)
        if launcher.auth is not None:
            token = base64.b64encode(f"{launcher.auth[0]}:{launcher.auth[1]}".encode()).decode()
            headers["Authorization"] = "Basic " + token
        # Extra headers reach only the Tool's hosts: every other request is answered inside the browser.
        with paused_session(self.chromium.chromium(), on_paused=lambda cdp, event: self._paused(flow, cdp, event),
                            on_activity=flow.touch, timeout=obs.timeout_seconds,
                            ignore_https_errors=not obs.verify_tls, headers=headers,
                            cookies=_jar_to_playwright(flow.jar),
                            on_context=lambda context: setattr(flow, "context", context)) as session:
            flow.main_frame = session.main_frame
            yield session.context, session.page

    # --- the Fetch handler: decides every request of the page ---
    def _paused(self, flow: _Flow, cdp: Any, event: dict[str, Any]) -> None:
        flow.touch()
        rid = event["requestId"]
        try:
            if "responseStatusCode" in event or "responseErrorReason" in event:
                self._response(flow, cdp, event)
                return
            request = event["request"]
            url = request["url"]
            parts = urlsplit(url)
            host = parts.netloc.lower()
            main_nav = is_main_document(event, flow.main_frame)
            if host == self.harness_host:
                if same_endpoint(url, self.config.auth_url):
                    self._auth(flow, cdp, event)
                elif request["method"] == "GET" and parts.path in flow.serve:
                    _fulfil(cdp, rid, 200, flow.serve[parts.path])
                else:
                    flow.harness_calls.append((request["method"], url))
                    if main_nav and (event.get("redirectedRequestId")
                                     or same_endpoint(url, self.config.harness.base_url + "/return")):
                        flow.returned = url
                    cdp.send("Fetch.failRequest", {"requestId": rid, "errorReason": "Aborted"})  # page stays
            elif host in self.allowed or parts.scheme not in ("http", "https"):
                cdp.send("Fetch.continueRequest", {"requestId": rid})
            else:
                flow.blocked.append(url)
                flow.offsite = flow.offsite or main_nav
                cdp.send("Fetch.failRequest", {"requestId": rid, "errorReason": "BlockedByClient"})
        except Exception as exc:  # noqa: BLE001 - reported as the launch's error outcome
            flow.failure = flow.failure or exc.__class__.__name__
            with suppress(Exception):  # the page may be gone
                cdp.send("Fetch.failRequest", {"requestId": rid, "errorReason": "Failed"})

    def _response(self, flow: _Flow, cdp: Any, event: dict[str, Any]) -> None:
        rid = event["requestId"]
        request = event["request"]
        main_nav = is_main_document(event, flow.main_frame)
        if main_nav and netloc(request["url"]) in self.allowed:
            if "responseErrorReason" in event:
                flow.net_error = str(event["responseErrorReason"])
            else:
                headers = response_headers(event)
                flow.documents.append(_Doc(request["url"], request["method"], int(event["responseStatusCode"]),
                                           headers))
                flow.set_cookies.extend(v for k, v in headers if k.lower() == "set-cookie")
                length = next((v for k, v in headers if k.lower() == "content-length"), "")
                if length.isdigit() and int(length) > self.config.observation.max_body_bytes:
                    flow.too_large = True
                    cdp.send("Fetch.failRequest", {"requestId": rid, "errorReason": "Aborted"})
                    return
        cdp.send("Fetch.continueRequest", {"requestId": rid})

    def _auth(self, flow: _Flow, cdp: Any, event: dict[str, Any]) -> None:
        """Answer the Tool's authentication request with the form_post of ``Launcher.answer``."""
        rid = event["requestId"]
        request = event["request"]
        if flow.auth is not None or flow.replay:  # one authentication per launch, as in plain HTTP
            flow.harness_calls.append((request["method"], request["url"]))
            cdp.send("Fetch.failRequest", {"requestId": rid, "errorReason": "Aborted"})
            return
        raw = _post_data(request) if request["method"] == "POST" else urlsplit(request["url"]).query
        query = parse_qs(raw, keep_blank_values=True)
        self._sync_jar(flow, flow.context.cookies())  # before answer(): a mutate may snapshot the jar
        auth = AuthRequest(request["method"], request["url"], {k: v[0] for k, v in query.items()},
                           tuple(k for k, v in query.items() if len(v) > 1), tuple(flow.set_cookies))
        flow.auth = auth
        answer = flow.launcher.answer(flow.spec, flow.params, auth, flow.deployment, flow.login_params)
        if isinstance(answer, LaunchResult):
            flow.auth_error = answer
            _fulfil(cdp, rid, 400, "<p id='renkei-refused'>redirect_uri not registered</p>")
            return
        flow.answer = answer
        flow.launch_from = len(flow.documents)
        redirect_uri, form, _token, _claims = answer
        _fulfil(cdp, rid, 200, form_post_page(redirect_uri, form))

    # --- cookies between Chromium and the httpx jar ---
    def _sync_jar(self, flow: _Flow, cookies: list[dict[str, Any]]) -> None:
        jar = flow.jar.client.cookies.jar
        jar.clear()
        for c in cookies:
            jar.set_cookie(_cookie(c))

    # --- driving ---
    def run(self, launcher: Launcher, spec: LaunchSpec, params: dict[str, Any]) -> LaunchResult:
        jar = spec.browser or launcher.new_browser()
        deployment, login_params = launcher.start(spec, params)
        flow = _Flow(launcher, spec, params, deployment, login_params, jar)
        login_url = self.config.tool.login_url
        if spec.login_method == "POST":
            flow.serve[LOGIN_PATH] = form_post_page(login_url, login_params, "renkei login initiation")
            start = self.config.harness.base_url + LOGIN_PATH
        else:
            start = login_url + ("&" if urlsplit(login_url).query else "?") + urlencode(login_params)
        result = self._drive(flow, start, "login")
        result.login_params, result.browser = login_params, jar
        if flow.auth is not None:
            result.auth = flow.auth
        if flow.answer is not None:
            redirect_uri, form, token, claims = flow.answer
            result.id_token, result.claims, result.posted = token, claims, form
        return result

    def post(self, launcher: Launcher, browser: Browser, url: str, form: dict[str, str]) -> LaunchResult:
        """POST an authentication response from a browser holding ``browser``'s cookies (e.g. a replay)."""
        flow = _Flow(launcher, LaunchSpec(), {}, "", {}, browser, replay=True)
        flow.serve[FORM_PATH] = form_post_page(url, form)
        flow.answer = (url, form, form.get("id_token", ""), {})
        result = self._drive(flow, self.config.harness.base_url + FORM_PATH, "launch")
        result.posted, result.browser = form, browser
        return result

    def _drive(self, flow: _Flow, start: str, stage: str) -> LaunchResult:
        """Navigate, let the page run until quiet (bounded), classify; never raises."""
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        timeout = self.config.observation.timeout_seconds
        if self.breaker is not None:
            self.breaker.guard()
        try:
            with self._session(flow) as (context, page):
                try:
                    page.goto(start, wait_until="commit", timeout=timeout * 1000)
                except PlaywrightTimeout:
                    flow.net_error = flow.net_error or "TIMED_OUT"
                except PlaywrightError as exc:
                    if "ERR_ABORTED" not in str(exc) and "ERR_BLOCKED_BY_CLIENT" not in str(exc):
                        flow.net_error = flow.net_error or _net_code(str(exc)) or exc.__class__.__name__
                stage = self._wait(flow, page, stage, timeout)
                result = self._outcome(flow, page, stage)
                if flow.documents and self.breaker is not None:
                    self.breaker.record_answer()
                with suppress(PlaywrightError):
                    self._sync_jar(flow, context.cookies())
                return result
        except TransportFailure as failure:  # the check is not evaluated; a silent Tool trips the breaker
            if failure.code == "timeout" and self.breaker is not None:
                self.breaker.record_timeout(f"{failure.method} {failure.url}")
            raise
        except Exception as exc:  # noqa: BLE001 - a crashed or closed browser is the launch's error outcome
            what = _net_code(str(exc)) if isinstance(exc, PlaywrightError) else None
            what = what or exc.__class__.__name__
            return _error(flow, stage, "browser", f"The browser failed ({what}).", f"ブラウザーが失敗しました ({what})。")

    def _wait(self, flow: _Flow, page: Any, stage: str, timeout: float) -> str:
        """Pump the browser until the current stage is settled, failed or out of time; returns the stage."""
        deadline = time.monotonic() + timeout
        while True:
            if stage == "login" and flow.answer is not None:
                stage, deadline = "launch", time.monotonic() + timeout
            if flow.auth_error or flow.offsite or flow.failure or flow.too_large:
                return stage
            now = time.monotonic()
            if now >= deadline:
                return stage
            quiet = now - flow.last_event
            if stage == "login" and quiet >= LOGIN_QUIET:
                return stage
            if stage == "launch" and quiet >= LAUNCH_QUIET and (flow.launch_docs() or flow.returned):
                return stage
            if flow.net_error and quiet >= LAUNCH_QUIET:
                return stage
            page.wait_for_timeout(POLL_MS)

    def _page(self, flow: _Flow, page: Any, docs: list[_Doc]) -> Page:
        """The Tool's document as the plain launcher's ``Page``, its text the rendered DOM.

        The document judged is the last one the Tool showed; a redirect only when it left the Tool.
        """
        shown = [d for d in docs if not 300 <= d.status < 400]
        doc = docs[-1] if flow.returned or not shown else shown[-1]
        try:
            text = page.content()
        except Exception:  # noqa: BLE001 - mid-navigation; one more try after a pause
            page.wait_for_timeout(200)
            text = page.content()
        headers = httpx.Headers(doc.headers)
        return Page(method=doc.method, url=doc.url, status=doc.status, headers=headers, text=text,
                    location=flow.returned, visited=[d.url for d in docs], set_cookies=list(flow.set_cookies))

    def _outcome(self, flow: _Flow, page: Any, stage: str) -> LaunchResult:
        launcher = flow.launcher
        if flow.auth_error is not None:
            return flow.auth_error
        if flow.failure:
            return _error(flow, stage, "browser", f"The browser session failed ({flow.failure}).",
                          f"ブラウザーのセッションが失敗しました ({flow.failure})。")
        if flow.offsite:
            return _error(flow, stage, "offsite_redirect",
                          "The Tool sent the browser to a host that is neither the Tool nor the harness (redirect to "
                          "another host); the browser refused to go there.",
                          "ツールがブラウザーをツールでもハーネスでもないホストへ遷移させようとしました (別ホストへの"
                          "リダイレクト)。ブラウザーは遷移を拒否しました。")
        if flow.too_large:
            cap = self.config.observation.max_body_bytes
            return _error(flow, stage, "body_too_large", f"The response body exceeds the {cap}-byte cap.",
                          f"応答本文が上限 {cap} バイトを超えました。")
        def docs() -> list[_Doc]:
            return flow.launch_docs() if stage == "launch" else flow.documents

        if not docs():
            t = self.config.observation.timeout_seconds
            code, en, ja = (_net_reason(flow.net_error) if flow.net_error else
                            ("timeout", f"No response within {t:g} s.", f"{t:g} 秒以内に応答がありません。"))
            if code in TRANSPORT_CODES:
                url = flow.answer[0] if stage == "launch" and flow.answer else self.config.tool.login_url
                raise TransportFailure(code, en, ja, url=url, method="POST" if stage == "launch" else
                                       flow.spec.login_method)
            return _error(flow, stage, code, en, ja)
        view = self._page(flow, page, docs())
        if len(view.text.encode("utf-8", "replace")) > self.config.observation.max_body_bytes:
            cap = self.config.observation.max_body_bytes
            return _error(flow, stage, "body_too_large", f"The rendered page exceeds the {cap}-byte cap.",
                          f"描画後のページが上限 {cap} バイトを超えました。")
        outcome, en, ja = launcher.classify(view)
        wait_until = time.monotonic() + self.config.browser.marker_wait_seconds
        while outcome == UNCLEAR and flow.returned is None and time.monotonic() < wait_until:
            page.wait_for_timeout(200)  # an SPA may render its marker after the network went quiet
            view = self._page(flow, page, docs())
            outcome, en, ja = launcher.classify(view)
        if stage == "login":
            if outcome == REJECTED:
                return LaunchResult(REJECTED, "login", "The Tool refused the login initiation.",
                                    "ツールがログイン開始要求を拒否しました。", endpoint=view.url, method=view.method,
                                    status=view.status, page=view, blocked=list(flow.blocked))
            return LaunchResult(
                ERROR, "login",
                "The login initiation did not lead to the harness's OIDC auth endpoint, even after running the "
                "page's scripts in Chromium.",
                "Chromium でスクリプトを実行しても、ログイン開始要求の後にハーネスの OIDC 認可エンドポイントへ"
                "遷移しませんでした。",
                endpoint=view.url, method=view.method, status=view.status, page=view, blocked=list(flow.blocked))
        if outcome == UNCLEAR and flow.blocked:
            en += " The browser refused requests to hosts outside the target (see observation.extra_hosts)."
            ja += " 対象外のホストへの要求をブラウザーが拒否しました (observation.extra_hosts を参照)。"
        redirect_uri = flow.answer[0] if flow.answer else view.url
        return LaunchResult(outcome, "launch", en, ja, endpoint=redirect_uri, method="POST", status=view.status,
                            page=view, blocked=list(flow.blocked))










def _error(flow: _Flow, stage: str, code: str, en: str, ja: str) -> LaunchResult:
    docs = flow.launch_docs() if stage == "launch" else flow.documents
    endpoint = flow.answer[0] if stage == "launch" and flow.answer else (docs[-1].url if docs else None)
    return LaunchResult(ERROR, stage, en, ja, endpoint=endpoint, method=docs[-1].method if docs else None,
                        status=docs[-1].status if docs else None, code=code, blocked=list(flow.blocked))


def _cookie(c: dict[str, Any]) -> Cookie:
    """A Playwright cookie as an ``http.cookiejar`` cookie (keeps Secure, HttpOnly, SameSite)."""
    domain = str(c.get("domain", ""))
    expires = c.get("expires")
    rest: dict[str, str | None] = {"SameSite": str(c.get("sameSite") or "Lax")}
    if c.get("httpOnly"):
        rest["HttpOnly"] = None
    return Cookie(
        version=0, name=str(c["name"]), value=str(c["value"]), port=None, port_specified=False, domain=domain,
        domain_specified=domain.startswith("."), domain_initial_dot=domain.startswith("."),
        path=str(c.get("path") or "/"), path_specified=True, secure=bool(c.get("secure")),
        expires=int(expires) if isinstance(expires, int | float) and expires > 0 else None,
        discard=not (isinstance(expires, int | float) and expires > 0), comment=None, comment_url=None, rest=rest,
    )


def _jar_to_playwright(browser: Browser) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for c in browser.client.cookies.jar:
        if not c.domain or c.value is None:
            continue
        same_site = str(c.get_nonstandard_attr("SameSite") or "Lax").capitalize()
        cookie: dict[str, Any] = {"name": c.name, "value": c.value, "domain": c.domain, "path": c.path or "/",
                                  "secure": bool(c.secure), "httpOnly": c.has_nonstandard_attr("HttpOnly"),
                                  "sameSite": same_site if same_site in ("Strict", "Lax", "None") else "Lax"}
        if c.expires:
            cookie["expires"] = float(c.expires)
        out.append(cookie)
    return out
