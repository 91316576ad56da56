"""The shared part of renkei's browser-driven launches: one system Chromium per process, a paused session.

Two drivers run launches in a real Chromium when a product's pages need JavaScript (a cookie check that
sets a cookie in script and reloads, a form submitted by script): the ``lti-tool`` profile's
``renkei.harness.lti.tool.browser_driver`` (renkei plays the Platform and answers the auth request in the
browser) and the chain's ``renkei.harness.chain.browser_launcher`` (renkei is only the learner's browser
between an e-portal and an app). What they share lives here, so there is one way to start Chromium, to
pause its requests and to say that something is missing:

- ``BrowserSection``: the ``browser:`` setting of a target file (``engine: http | chromium``, ``executable``,
  ``headless``, ``marker_wait_seconds``), the same wherever it appears;
- ``require_chromium``: Playwright (``pip install 'renkei[browser]'``, through ``require_extra``) and the
  Chromium executable, or a one-line ``ConfigError`` (exit 2);
- ``SharedChromium``: one Playwright and one Chromium per (executable, headless, pins) in a process,
  reference-counted (Playwright's sync API refuses a second instance in a thread; starting Chromium is
  the slow part);
- ``paused_session``: a fresh context (own cookies and storage) and page whose every request is paused
  through the DevTools Fetch domain (Playwright's ``page.route`` never sees redirects), handed to the
  driver's handler; closed whatever happens;
- small helpers: the form body of a paused request, fulfilling one in the browser, an auto-submitting
  form, and Chromium's network errors as renkei's transport codes.
"""

from __future__ import annotations

import base64
import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from html import escape
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from renkei.harness.core.errors import ConfigError
from renkei.harness.core.extras import extra_available, require_extra

#: Chromium flags: no sandbox (containers), no GPU, no background traffic of its own.
FLAGS = ("--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--block-new-web-contents")
INSTALL_CHROMIUM = "apt-get install chromium"
BrowserKey = tuple[str, bool, tuple[str, ...]]  # executable, headless, SPKI pins of verified certificates


class BrowserSection(BaseModel):
    """Which user agent drives launches: plain HTTP (default) or a real Chromium for JavaScript pages.

    ``chromium`` needs Playwright (``pip install 'renkei[browser]'``) and a system Chromium at
    ``executable``; Playwright never downloads a browser. ``browser: chromium`` is short for
    ``browser: {engine: chromium}``.
    """

    model_config = ConfigDict(extra="forbid")
    engine: Literal["http", "chromium"] = "http"
    executable: str = "/usr/bin/chromium"
    headless: bool = True
    marker_wait_seconds: float = Field(default=2.0, ge=0, le=60)  # extra DOM polling for late-rendered markers

    @model_validator(mode="before")
    @classmethod
    def _short(cls, value: Any) -> Any:
        return {"engine": value} if isinstance(value, str) else value


def playwright_available() -> bool:
    return extra_available("browser")


def require_chromium(executable: str, where: str, setting: str = "browser") -> str:
    """The Chromium executable to drive, or a one-line ConfigError saying what to install.

    ``where`` names the target file, ``setting`` the field path of the ``browser:`` section in it."""
    require_extra("browser", f"target {where}: {setting}.engine chromium")
    exe = shutil.which(executable)
    if exe is None:
        raise ConfigError(f"target {where}: {setting}.executable {executable} is not an executable "
                          f"file; install Chromium ({INSTALL_CHROMIUM}) or point {setting}.executable at it")
    return exe


class SharedChromium:
    """One Playwright instance and one Chromium per (executable, headless, pins) in a process.

    Launches stay isolated by a fresh context each. Reference-counted: the browser closes with its
    last user, Playwright with the last browser.
    """

    playwright: Any = None
    browsers: dict[BrowserKey, Any] = {}  # noqa: RUF012 - deliberately process-wide
    users: dict[BrowserKey, int] = {}  # noqa: RUF012

    @classmethod
    def browser(cls, key: BrowserKey, launch_timeout: float, *, first: bool) -> Any:
        """The shared browser for ``key`` (relaunched if it died); ``first`` adds a reference."""
        if first:
            cls.users[key] = cls.users.get(key, 0) + 1
        if cls.playwright is None:
            from playwright.sync_api import sync_playwright

            cls.playwright = sync_playwright().start()
        found = cls.browsers.get(key)
        if found is None or not found.is_connected():
            pins = [f"--ignore-certificate-errors-spki-list={','.join(key[2])}"] if key[2] else []
            cls.browsers[key] = cls.playwright.chromium.launch(
                executable_path=key[0], headless=key[1], args=[*FLAGS, *pins], timeout=launch_timeout * 1000)
        return cls.browsers[key]

    @classmethod
    def release(cls, key: BrowserKey) -> None:
        cls.users[key] = max(0, cls.users.get(key, 0) - 1)
        if cls.users[key] == 0:
            browser = cls.browsers.pop(key, None)
            if browser is not None:
                with suppress(Exception):  # a dead browser is closed already
                    browser.close()
        if not any(cls.users.values()) and cls.playwright is not None:
            pw, cls.playwright = cls.playwright, None
            with suppress(Exception):  # already gone with its driver process
                pw.stop()


class ChromiumHolder:
    """A driver's reference to the shared Chromium: taken on first use, released by ``close`` (twice is fine)."""

    def __init__(self, executable: str, headless: bool, launch_timeout: float) -> None:
        self.executable = executable
        self.headless = headless
        self.launch_timeout = launch_timeout
        self.pins: tuple[str, ...] = ()  # SPKI pins of certificates renkei verified itself (Chromium trusts
        self.holding: BrowserKey | None = None  # neither tls.ca_file nor SSL_CERT_FILE)

    @property
    def key(self) -> BrowserKey:
        return (self.executable, self.headless, self.pins)

    def chromium(self) -> Any:
        first, self.holding = self.holding is None, self.key
        return SharedChromium.browser(self.key, self.launch_timeout, first=first)

    def close(self) -> None:
        if self.holding is not None:
            held, self.holding = self.holding, None
            SharedChromium.release(held)


@dataclass
class Session:
    context: Any
    page: Any
    cdp: Any
    main_frame: str


@contextmanager
def paused_session(browser: Any, *, on_paused: Callable[[Any, dict[str, Any]], None],
                   on_activity: Callable[[], None], timeout: float, ignore_https_errors: bool,
                   headers: dict[str, str] | None = None, cookies: list[dict[str, Any]] | None = None,
                   on_context: Callable[[Any], None] | None = None) -> Iterator[Session]:
    """A fresh context and page of ``browser`` with every request paused (request and response stage)
    and handed to ``on_paused(cdp, event)``; page activity (load, navigation) calls ``on_activity``.

    ``headers`` go with every request the handler continues (the handler answers the others itself)."""
    context = browser.new_context(service_workers="block", ignore_https_errors=ignore_https_errors,
                                  extra_http_headers=headers or None, locale="ja-JP")
    try:
        if on_context is not None:
            on_context(context)
        context.set_default_timeout(timeout * 1000)
        if cookies:
            context.add_cookies(cookies)
        page = context.new_page()
        for event in ("domcontentloaded", "load", "framenavigated"):  # activity: scripts may act next
            page.on(event, lambda _arg: on_activity())
        cdp = context.new_cdp_session(page)
        main_frame = cdp.send("Page.getFrameTree")["frameTree"]["frame"]["id"]
        cdp.on("Fetch.requestPaused", lambda event: on_paused(cdp, event))
        cdp.send("Fetch.enable", {"patterns": [{"urlPattern": "*", "requestStage": "Request"},
                                               {"urlPattern": "*", "requestStage": "Response"}]})
        yield Session(context, page, cdp, main_frame)
    finally:
        with suppress(Exception):  # the browser may have crashed; nothing left to close
            context.close()


def is_main_document(event: dict[str, Any], main_frame: str | None) -> bool:
    """A paused request that loads the page itself (not a script, image or frame)."""
    return event.get("resourceType") == "Document" and event.get("frameId") == main_frame


def post_data(request: dict[str, Any]) -> str:
    """The form body of a paused request (``postData`` is deprecated in favour of ``postDataEntries``)."""
    entries = request.get("postDataEntries")
    if entries:
        raw = b"".join(base64.b64decode(e.get("bytes", "")) for e in entries)
        return raw.decode("utf-8", "replace")
    return str(request.get("postData") or "")


def response_headers(event: dict[str, Any]) -> list[tuple[str, str]]:
    """The headers of a paused response, one pair per value (Set-Cookie arrives newline-joined)."""
    return [(h["name"], v) for h in event.get("responseHeaders", []) for v in str(h["value"]).split("\n")]


def fulfil(cdp: Any, rid: str, status: int, html: str) -> None:
    """Answer a paused request inside the browser with an HTML page."""
    cdp.send("Fetch.fulfillRequest", {
        "requestId": rid, "responseCode": status,
        "responseHeaders": [{"name": "Content-Type", "value": "text/html; charset=utf-8"},
                            {"name": "Cache-Control", "value": "no-store"}],
        "body": base64.b64encode(html.encode("utf-8")).decode("ascii"),
    })


def form_post_page(action: str, fields: dict[str, str], title: str = "renkei") -> str:
    """An auto-submitting form, as a Platform sends the authentication response [SEC §5.1.1.3]."""
    inputs = "".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in fields.items())
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{escape(title)}</title></head><body>'
            f'<form id="renkei-form-post" method="post" action="{escape(action)}">{inputs}</form>'
            '<script>document.getElementById("renkei-form-post").submit();</script></body></html>')


NET_ERRORS: tuple[tuple[str, str, str, str], ...] = (
    # (substring of the Chromium/CDP error, code, en, ja)
    ("CERT", "tls", "The TLS handshake failed (certificate or protocol).",
     "TLS ハンドシェイクに失敗しました (証明書またはプロトコル)。"),
    ("SSL", "tls", "The TLS handshake failed (certificate or protocol).",
     "TLS ハンドシェイクに失敗しました (証明書またはプロトコル)。"),
    ("TIMED_OUT", "timeout", "The connection timed out.", "接続がタイムアウトしました。"),
    ("TimedOut", "timeout", "The connection timed out.", "接続がタイムアウトしました。"),
    ("REFUSED", "connect", "The connection could not be established.", "接続を確立できません。"),
    ("Refused", "connect", "The connection could not be established.", "接続を確立できません。"),
    ("NAME_NOT_RESOLVED", "connect", "The connection could not be established.", "接続を確立できません。"),
    ("NameNotResolved", "connect", "The connection could not be established.", "接続を確立できません。"),
    ("UNREACHABLE", "connect", "The connection could not be established.", "接続を確立できません。"),
    ("Unreachable", "connect", "The connection could not be established.", "接続を確立できません。"),
    ("RESET", "connect", "The connection was reset.", "接続がリセットされました。"),
    ("Reset", "connect", "The connection was reset.", "接続がリセットされました。"),
)
_NET_CODE = re.compile(r"net::(ERR_[A-Z_]+)")


def net_code(text: str) -> str | None:
    """The ``net::ERR_…`` code in a Playwright error message, if any."""
    m = _NET_CODE.search(text)
    return m.group(1) if m else None


def net_reason(raw: str) -> tuple[str, str, str]:
    """A Chromium network error as (transport code, en, ja)."""
    for needle, code, en, ja in NET_ERRORS:
        if needle in raw:
            return code, en, ja
    return ("network", f"The browser could not load the page ({raw}).",
            f"ブラウザーがページを読み込めませんでした ({raw})。")
