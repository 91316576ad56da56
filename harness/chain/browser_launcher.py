"""One launch through the chain in a real Chromium, for an e-portal (or app) whose pages need JavaScript.

Some 学習eポータル put a cookie check (a script sets a cookie and reloads) or a form submitted by script in
front of their login or launch pages; the plain-HTTP ``launcher`` stops there and says so. With
``browser.engine: chromium`` (on the vendor e-portal's position, or in a vendor app's ``lti-tool`` target
file) the same launch runs here: renkei is still only the learner's browser. The page runs its scripts;
every request is paused through the DevTools Fetch domain (``renkei.harness.lti.protocol.chromium``, shared
with the ``lti-tool`` profile's driver):

- requests to the e-portal's and the app's hosts go to the network; any other host is refused in the
  browser (a page navigated there is a refused launch, as a foreign redirect is in plain HTTP);
- the page's form post that carries ``id_token`` [LTI SEC §5.1.1.3] is read on the way: its claims are kept
  only if the signature verifies with the e-portal's key set, and only then is the post let through to the
  app (a token that does not verify is an ``error`` outcome, not evaluated, as in plain HTTP);
- the app's answer is judged on its rendered page (its last main-frame document's status, the accept marker
  in the DOM, polled ``browser.marker_wait_seconds`` more for a page that renders it late).

Bounded: each stage (the e-portal's pages, then the app's answer) by ``observation.timeout_seconds``, a
document by ``observation.max_body_bytes``; a peer that does not answer is an ``error`` outcome. Each launch
gets a fresh browser context (own cookies); the Chromium process is shared and closed with ``close``.
"""

from __future__ import annotations

import re
import time
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from renkei.harness.chain.launcher import LaunchResult
from renkei.harness.lti.protocol.browser import netloc, page_text
from renkei.harness.lti.protocol.chromium import (
    BrowserSection,
    ChromiumHolder,
    is_main_document,
    net_code,
    net_reason,
    paused_session,
    post_data,
    require_chromium,
    response_headers,
)
from renkei.harness.lti.protocol.jose import JoseFailure, verify_jwt

PORTAL_QUIET = 1.0  # seconds without browser activity before the e-portal's pages count as settled
APP_QUIET = 0.5
POLL_MS = 50


@dataclass
class _Doc:
    url: str
    method: str
    status: int


@dataclass
class _Flow:
    """What one launch's browser saw; filled in by the Fetch handler, read by the driving loop."""

    jwks: dict[str, Any] | None
    main_frame: str | None = None
    documents: list[_Doc] = field(default_factory=list)
    token_url: str | None = None
    claims: dict[str, Any] | None = None
    token_problem: str | None = None  # the id_token was seen but not verified: not delivered
    app_from: int = 0  # index into documents where the app's answer starts
    blocked: list[str] = field(default_factory=list)
    offsite: str | None = None
    too_large: str | None = None
    net_error: str | None = None
    failure: str | None = None
    last_event: float = field(default_factory=time.monotonic)

    def touch(self) -> None:
        self.last_event = time.monotonic()

    def app_docs(self) -> list[_Doc]:
        return self.documents[self.app_from:] if self.token_url else []


class ChromiumLauncher:
    """Drives launches in a system Chromium; same ``launch`` as the plain ``Launcher``. ``where``/``setting``
    name the file and the ``browser:`` section that asked for it (a missing extra or Chromium says so)."""

    def __init__(self, *, hosts: set[str], accept: re.Pattern[str] | None, accept_status: tuple[int, ...] = (200,),
                 timeout: float, max_body: int, browser: BrowserSection, where: str, setting: str) -> None:
        self.hosts = {h.lower() for h in hosts}
        self.accept = accept
        self.accept_status = accept_status
        self.timeout = timeout
        self.max_body = max_body
        self.marker_wait = browser.marker_wait_seconds
        self.chromium = ChromiumHolder(require_chromium(browser.executable, where, setting), browser.headless,
                                       timeout * 3)

    def close(self) -> None:
        """Release the shared Chromium (closed with its last user); safe to call twice."""
        self.chromium.close()

    def launch(self, url: str, jwks: dict[str, Any] | None) -> LaunchResult:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        flow = _Flow(jwks)
        try:
            with paused_session(self.chromium.chromium(), on_paused=lambda cdp, e: self._paused(flow, cdp, e),
                                on_activity=flow.touch, timeout=self.timeout, ignore_https_errors=False) as session:
                flow.main_frame = session.main_frame
                try:
                    session.page.goto(url, wait_until="commit", timeout=self.timeout * 1000)
                except PlaywrightTimeout:
                    flow.net_error = flow.net_error or "TIMED_OUT"
                except PlaywrightError as exc:
                    if "ERR_ABORTED" not in str(exc) and "ERR_BLOCKED_BY_CLIENT" not in str(exc):
                        flow.net_error = flow.net_error or net_code(str(exc)) or exc.__class__.__name__
                settled = self._wait(flow, session.page)
                return self._outcome(flow, session.page, settled)
        except Exception as exc:  # noqa: BLE001 - a crashed or closed browser: renkei could not see the launch
            what = (net_code(str(exc)) if isinstance(exc, PlaywrightError) else None) or exc.__class__.__name__
            return LaunchResult("error", detail=f"the browser (Chromium) failed ({what})")

    # --- the Fetch handler: decides every request of the page ---
    def _paused(self, flow: _Flow, cdp: Any, event: dict[str, Any]) -> None:
        flow.touch()
        rid = event["requestId"]
        try:
            request = event["request"]
            url = request["url"]
            main = is_main_document(event, flow.main_frame)
            if "responseStatusCode" in event or "responseErrorReason" in event:
                if main and netloc(url) in self.hosts:
                    if "responseErrorReason" in event:
                        flow.net_error = str(event["responseErrorReason"])
                    else:
                        flow.documents.append(_Doc(url, request["method"], int(event["responseStatusCode"])))
                        length = next((v for k, v in response_headers(event) if k.lower() == "content-length"), "")
                        if length.isdigit() and int(length) > self.max_body:
                            flow.too_large = f"{request['method']} {url}"
                            cdp.send("Fetch.failRequest", {"requestId": rid, "errorReason": "Aborted"})
                            return
                cdp.send("Fetch.continueRequest", {"requestId": rid})
                return
            parts = urlsplit(url)
            if parts.scheme in ("http", "https") and parts.netloc.lower() not in self.hosts:
                flow.blocked.append(url)
                if main:
                    flow.offsite = flow.offsite or url
                cdp.send("Fetch.failRequest", {"requestId": rid, "errorReason": "BlockedByClient"})
                return
            if main and request["method"] == "POST" and flow.token_url is None:
                token = parse_qs(post_data(request), keep_blank_values=True).get("id_token")
                if token:
                    self._token(flow, url, token[0])
                    if flow.token_problem:  # not verified: not delivered (as in plain HTTP)
                        cdp.send("Fetch.failRequest", {"requestId": rid, "errorReason": "Aborted"})
                        return
            cdp.send("Fetch.continueRequest", {"requestId": rid})
        except Exception as exc:  # noqa: BLE001 - reported as the launch's error outcome
            flow.failure = flow.failure or exc.__class__.__name__
            with suppress(Exception):  # the page may be gone already
                cdp.send("Fetch.failRequest", {"requestId": rid, "errorReason": "Failed"})

    def _token(self, flow: _Flow, url: str, token: str) -> None:
        """The id_token on its way to the app: its claims are trusted only once the signature verifies."""
        flow.token_url, flow.app_from = url, len(flow.documents)
        if flow.jwks is None:
            flow.token_problem = "the e-portal's key set could not be read, so the id_token was not verified"
            return
        try:
            _, flow.claims = verify_jwt(token, flow.jwks)
        except JoseFailure as failure:
            flow.token_problem = f"the id_token does not verify with the e-portal's key set: {failure}"

    # --- driving ---
    def _wait(self, flow: _Flow, page: Any) -> bool:
        """Pump the browser until the launch is settled, failed or out of time; True if it settled."""
        stage_app = False
        deadline = time.monotonic() + self.timeout
        while True:
            if not stage_app and flow.token_url is not None:
                stage_app, deadline = True, time.monotonic() + self.timeout
            if flow.token_problem or flow.offsite or flow.too_large or flow.failure:
                return True
            now = time.monotonic()
            quiet = now - flow.last_event
            if now >= deadline:
                return False
            if not stage_app and quiet >= PORTAL_QUIET:
                return True
            if stage_app and quiet >= APP_QUIET and flow.app_docs():
                return True
            if flow.net_error and quiet >= APP_QUIET:
                return True
            page.wait_for_timeout(POLL_MS)

    def _outcome(self, flow: _Flow, page: Any, settled: bool) -> LaunchResult:
        if flow.failure:
            return LaunchResult("error", detail=f"the browser session failed ({flow.failure})")
        if flow.token_problem:
            return LaunchResult("error", detail=flow.token_problem)
        if flow.offsite:
            return LaunchResult("refused", detail=f"the browser was sent to {flow.offsite}, a host that is neither "
                                                  "the e-portal nor the app; it refused to go there")
        if flow.too_large:
            return LaunchResult("refused", detail=f"{flow.too_large}: the response body exceeds the "
                                                  f"{self.max_body}-byte cap")
        docs = flow.app_docs() if flow.token_url else flow.documents
        if not docs:
            if flow.net_error:
                return LaunchResult("error", detail=f"{'POST ' + flow.token_url if flow.token_url else 'GET'}: "
                                                    f"{net_reason(flow.net_error)[1]}")
            return LaunchResult("error", detail=f"no answer within {self.timeout:g} s")
        text = self._text(page)
        if len(text.encode("utf-8", "replace")) > self.max_body:
            return LaunchResult("refused", detail=f"{docs[-1].url}: the rendered page exceeds the "
                                                  f"{self.max_body}-byte cap")
        if flow.token_url is None:
            if not settled:
                return LaunchResult("error", detail=f"the e-portal's pages did not settle within {self.timeout:g} s "
                                                    "(in Chromium)")
            return LaunchResult("refused", detail=_evidence(docs[-1], text))
        if not settled:
            return LaunchResult("error", claims=None, detail=f"POST {flow.token_url}: the app's page did not settle "
                                                             f"within {self.timeout:g} s (in Chromium)")
        accepted = self._accepted(docs[-1], text)
        until = time.monotonic() + self.marker_wait
        while not accepted and time.monotonic() < until:  # an SPA may render its marker after the network went quiet
            page.wait_for_timeout(200)
            text = self._text(page)
            accepted = self._accepted(flow.app_docs()[-1], text)
        return LaunchResult("launched", claims=flow.claims, accepted=accepted,
                            detail="" if accepted else _evidence(flow.app_docs()[-1], text))

    def _accepted(self, doc: _Doc, text: str) -> bool:
        return ((not self.accept_status or doc.status in self.accept_status)
                and (self.accept is None or bool(self.accept.search(text))))

    @staticmethod
    def _text(page: Any) -> str:
        """The rendered DOM (one more try after a pause when the page is mid-navigation)."""
        try:
            return str(page.content())
        except Exception:  # noqa: BLE001 - mid-navigation
            page.wait_for_timeout(200)
            return str(page.content())


def _evidence(doc: _Doc, text: str) -> str:
    return f"{doc.method} {doc.url}: HTTP {doc.status} {page_text(text)}".strip()
