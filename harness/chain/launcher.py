"""One launch through the chain, driven as the learner's browser would: e-portal → app, id_token in between.

renkei is the user agent: it opens the e-portal's launch URL, follows the OIDC third-party login
(redirects and auto-submitted forms, [LTI SEC §5.1.1]) between the e-portal and the app, and when the
e-portal posts the id_token to the app's redirect URI it reads the token on the way: the claims are
kept only if the signature verifies with the e-portal's key set (what the app itself must do). The
form is then delivered, and the app's answer says whether it accepted the launch. An e-portal that
answers without ever posting an id_token refused the launch.

Bounded like every LTI drive: hosts (only the e-portal's and the app's), redirects, body size, total
time; a peer that does not answer is an ``error`` outcome (not evaluated), never a refusal.
"""

from __future__ import annotations

import re
import ssl
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from renkei.harness.core.breaker import PeerUnavailable
from renkei.harness.lti.protocol.browser import Browser, BrowserError, Page, page_text, parse_forms
from renkei.harness.lti.protocol.jose import JoseFailure, verify_jwt

MAX_FORMS = 6  # auto-submitted forms followed before giving up (the flow needs at most two)


@dataclass
class LaunchResult:
    outcome: str  # launched | refused | error
    claims: dict[str, Any] | None = None
    accepted: bool | None = None
    detail: str = ""


class Launcher:
    """Drives launches; ``jwks`` is the e-portal's key set (read once per phase by the caller)."""

    def __init__(self, *, hosts: set[str], accept: re.Pattern[str] | None, accept_status: tuple[int, ...] = (200,),
                 timeout: float, max_body: int, verify: ssl.SSLContext | bool = True) -> None:
        """``accept``/``accept_status``: how the app shows an accepted launch (a marker in the page, HTTP
        statuses; either may be left out, as an ``lti-tool`` target's ``observation.accept`` says)."""
        self.hosts = {h.lower() for h in hosts}
        self.accept = accept
        self.accept_status = accept_status
        self.timeout = timeout
        self.max_body = max_body
        self.verify = verify

    def launch(self, url: str, jwks: dict[str, Any] | None) -> LaunchResult:
        browser = Browser(transport=None, allowed_hosts=self.hosts, stop_hosts=set(), timeout=self.timeout,
                          max_body=self.max_body, max_redirects=10, verify=self.verify)
        try:
            return self._drive(browser, url, jwks)
        except PeerUnavailable as exc:  # timeouts, refused connections, TLS: renkei could not see the launch
            return LaunchResult("error", detail=exc.reason)
        except BrowserError as exc:
            return LaunchResult("refused", detail=f"{exc.method} {exc.url}: {exc.en}")
        finally:
            browser.close()

    def _drive(self, browser: Browser, url: str, jwks: dict[str, Any] | None) -> LaunchResult:
        page = browser.send("GET", url)
        for _ in range(MAX_FORMS):
            forms = [f for f in parse_forms(page.text, page.url) if _host(f.action) in self.hosts]
            token_form = next((f for f in forms if "id_token" in f.inputs), None)
            if token_form is not None:
                return self._deliver(browser, token_form, jwks)
            if page.status != 200 or not forms or any("error" in f.inputs for f in forms):
                break
            page = browser.submit(forms[0])
        return LaunchResult("refused", detail=_evidence(page))

    def _deliver(self, browser: Browser, form: Any, jwks: dict[str, Any] | None) -> LaunchResult:
        token = form.inputs["id_token"]
        if jwks is None:
            return LaunchResult("error", detail="the e-portal's key set could not be read, so the id_token was not "
                                                "verified")
        try:
            _, claims = verify_jwt(token, jwks)
        except JoseFailure as failure:
            return LaunchResult("error", detail=f"the id_token does not verify with the e-portal's key set: {failure}")
        answer = browser.submit(form)
        accepted = ((not self.accept_status or answer.status in self.accept_status)
                    and (self.accept is None or bool(self.accept.search(answer.text))))
        detail = "" if accepted else _evidence(answer)
        return LaunchResult("launched", claims=claims, accepted=accepted, detail=detail)


def _host(url: str) -> str:
    return urlsplit(url).netloc.lower()


def _evidence(page: Page) -> str:
    return f"{page.method} {page.url}: HTTP {page.status} {page_text(page.text)}".strip()
