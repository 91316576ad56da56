"""Drives launches of a Platform under test and posts Deep Linking responses back to it.

Flow [SEC §5.1.1]: the harness's browser opens the scenario's launch URL on the Platform (or a
vendor hook prints one / drives a real browser) -> the Platform sends the login initiation to the
harness Tool side (redirect or auto-submitted form) -> the Tool side answers with the
authentication request (shaped by a per-launch ``plan`` for negative tests) -> the Platform
auto-posts ``id_token`` + ``state`` to the redirect URI -> the Tool side records it. The browser
visits only the Platform's hosts and the harness's own host, which is routed in-process, so the
public ``harness.base_url`` need not be reachable from the harness machine. What the Platform does
wrong (a foreign redirect, an oversized page) becomes an ``error`` record with a bilingual reason;
a network failure raises ``TransportFailure``, so the checks that needed the launch are not
evaluated instead of failed.
"""

from __future__ import annotations

import os
import secrets
import signal
import ssl
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

from renkei.harness.core.breaker import CircuitBreaker
from renkei.harness.lti.platform.tool_side import LAUNCH, LOGIN, UNREGISTERED, ToolCall, ToolSide
from renkei.harness.lti.protocol import vocab
from renkei.harness.lti.protocol.browser import (
    Browser,
    BrowserError,
    InProcessTransport,
    Page,
    netloc,
    parse_forms,
)
from renkei.harness.lti.protocol.http import ApiClient, LocalRouteTransport
from renkei.harness.lti.protocol.jose import JoseFailure, decode_unverified
from renkei.harness.lti.protocol.transport import vendor_transport

if TYPE_CHECKING:
    from renkei.harness.lti.platform.config import PlatformTargetConfig
    from renkei.harness.lti.protocol.target_file import Marker, Observation

RECEIVED = "received"  # an id_token reached a registered redirect URI
REFUSED = "refused"  # the flow ended without an id_token (what a negative test wants)
ERROR = "error"  # the harness could not complete the exchange
ACCEPTED = "accepted"
REJECTED = "rejected"
UNCLEAR = "unclear"
MAX_FORM_HOPS = 6
HOOK_OUTPUT_CAP = 65_536


@dataclass
class LaunchRecord:
    """What one launch attempt produced, as recorded on the harness Tool side."""

    scenario: str
    outcome: str
    en: str
    ja: str
    login: ToolCall | None = None
    response: ToolCall | None = None  # the call to a registered redirect URI
    unregistered: list[ToolCall] = field(default_factory=list)
    id_token: str | None = None
    header: dict[str, Any] | None = None
    claims: dict[str, Any] | None = None
    decode_error: str | None = None
    page: Page | None = None
    browser: Browser | None = None
    endpoint: str | None = None
    method: str | None = None

    @property
    def auth_sent(self) -> dict[str, str]:
        return dict(self.login.auth_params or {}) if self.login is not None else {}


@dataclass
class PostResult:
    """The Platform's reaction to a message the harness posted (Deep Linking response)."""

    outcome: str  # accepted | rejected | unclear | error
    en: str
    ja: str
    endpoint: str | None = None
    status: int | None = None


class _Shared(httpx.BaseTransport):
    """Keeps a transport open when one of several clients using it closes."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self.inner.handle_request(request)

    def close(self) -> None:
        """The owner closes ``inner`` once, at the end of the run."""


def classify(page: Page, accept: Marker, reject: Marker) -> tuple[str, str, str]:
    """accepted / rejected / unclear by the target file's observation rules."""
    reject_re, accept_re = reject.pattern(), accept.pattern()
    if page.status in reject.status or (reject_re is not None and reject_re.search(page.text)):
        return REJECTED, f"The Platform rejected the message (HTTP {page.status}).", \
            f"プラットフォームがメッセージを拒否しました (HTTP {page.status})。"
    if page.status in accept.status and (accept_re is None or accept_re.search(page.text)):
        return ACCEPTED, f"The Platform accepted the message (HTTP {page.status}).", \
            f"プラットフォームがメッセージを受け付けました (HTTP {page.status})。"
    return UNCLEAR, (f"The Platform's response (HTTP {page.status}) matches neither the accept nor the reject "
                     "rule of the target file's observation section."), \
        f"プラットフォームの応答 (HTTP {page.status}) は対象ファイル observation の受理・拒否どちらの規則にも一致しません。"


class PlatformLauncher:
    def __init__(self, config: PlatformTargetConfig, tool_side: ToolSide, *,
                 transport: httpx.BaseTransport | None = None, secret_headers: dict[str, str] | None = None,
                 auth: tuple[str, str] | None = None, verify: ssl.SSLContext | bool = True,
                 breaker: CircuitBreaker | None = None) -> None:
        self.config = config
        self.verify = verify
        self.breaker = breaker
        self.tool_side = tool_side
        obs: Observation = config.observation
        self._local = InProcessTransport(tool_side.app)
        self._owned_fallback = transport is None
        self._fallback = transport if transport is not None else vendor_transport(verify)
        self.transport = _Shared(LocalRouteTransport(netloc(config.harness.base_url), self._local, self._fallback))
        self.secret_headers = secret_headers or {}
        self.auth = auth
        self.api = ApiClient(transport=self.transport, timeout=obs.timeout_seconds, max_body=obs.max_body_bytes,
                             verify=verify, headers=self.secret_headers, auth=auth, breaker=breaker,
                             secret_hosts=config.platform_hosts())
        self._browsers: list[Browser] = []
        self._own = netloc(config.harness.base_url)

    # --- plumbing ---
    def new_browser(self) -> Browser:
        obs = self.config.observation
        browser = Browser(
            transport=self.transport, allowed_hosts=self.config.platform_hosts() | {netloc(self.config.harness.base_url)},
            stop_hosts=set(), timeout=obs.timeout_seconds, max_body=obs.max_body_bytes,
            max_redirects=obs.max_redirects, verify=self.verify, secret_headers=self.secret_headers, auth=self.auth,
            breaker=self.breaker,
        )
        self._browsers.append(browser)
        return browser

    def close(self) -> None:
        for b in self._browsers:
            b.close()
        self._browsers.clear()
        self.api.close()
        self._local.close()
        if self._owned_fallback:
            self._fallback.close()

    # --- launches ---
    def launch(self, scenario: str, *, overrides: dict[str, str | None] | None = None) -> LaunchRecord:
        """Run one launch of ``scenario``; ``overrides`` deviate the authentication request."""
        if not self.config.offers(scenario):
            return LaunchRecord(scenario, ERROR, f"The target file offers no {scenario!r} launch scenario.",
                                f"対象ファイルに起動シナリオ {scenario!r} がありません。")
        since = self.tool_side.next_seq
        browser = self.new_browser()
        self.tool_side.plan(overrides)
        try:
            if self.config.launches.mode == "hook":
                page, failure = self._hook(browser, scenario, since)
            else:
                page, failure = self._drive(browser, self.config.launch_url(scenario), since)
        finally:
            self.tool_side.plan(None)
        return self._record(scenario, since, page, failure, browser)

    def _done(self, since: int) -> bool:
        return bool(self.tool_side.calls_of(LAUNCH, UNREGISTERED, since=since))

    def _drive(self, browser: Browser, url: str, since: int) -> tuple[Page | None, BrowserError | None]:
        """Open the launch URL and submit auto-submit forms (as a browser's script would)."""
        page: Page | None = None
        try:
            page = browser.send("GET", url)
            for _ in range(MAX_FORM_HOPS):
                if self._done(since):
                    break
                # Only auto-submit forms aimed at the harness (login initiation, authentication
                # response): submitting arbitrary forms of a vendor page could change its data.
                form = next((f for f in parse_forms(page.text, page.url) if netloc(f.action) == self._own), None)
                if form is None:
                    break
                page = browser.submit(form)
        except BrowserError as exc:
            return page, exc
        return page, None

    def _hook(self, browser: Browser, scenario: str, since: int) -> tuple[Page | None, BrowserError | None]:
        hook = self.config.launches.hook
        assert hook is not None  # validated with mode 'hook'
        arg = self.config.launch_url(scenario)  # the scenario's value with {client_id} etc. filled in
        argv = [a.replace("{scenario}", scenario).replace("{arg}", arg) for a in hook.command]
        where = " ".join(argv[:1])

        def fail(en: str, ja: str) -> tuple[None, BrowserError]:
            return None, BrowserError("hook", en, ja, url=where, method="HOOK")

        try:
            returncode, stdout = run_hook(argv, hook.timeout_seconds)
        except subprocess.TimeoutExpired:
            return fail(f"The launch hook did not finish within {hook.timeout_seconds:g} s.",
                        f"起動フックが {hook.timeout_seconds:g} 秒以内に終了しませんでした。")
        except OSError as exc:
            return fail(f"The launch hook cannot be started ({exc.__class__.__name__}).",
                        f"起動フックを開始できません ({exc.__class__.__name__})。")
        if returncode != 0:
            return fail(f"The launch hook exited with status {returncode}.",
                        f"起動フックが終了コード {returncode} で終了しました。")
        lines = [ln.strip() for ln in stdout.decode("utf-8", "replace").splitlines() if ln.strip()]
        last = lines[-1] if lines else ""
        if urlsplit(last).scheme in ("http", "https"):
            return self._drive(browser, last, since)
        if self.tool_side.wait_for(lambda: self._done(since), hook.wait_seconds):
            return None, None
        if self.tool_side.calls_of(LOGIN, since=since):
            return None, None  # the flow reached the harness and then stopped: a refusal, judged by the checks
        return fail("The launch hook printed no URL and no launch reached the harness Tool side in time.",
                    "起動フックは URL を出力せず、時間内にハーネスのツール側へ起動が届きませんでした。")

    def _record(self, scenario: str, since: int, page: Page | None, failure: BrowserError | None,
                browser: Browser) -> LaunchRecord:
        logins = self.tool_side.calls_of(LOGIN, since=since)
        launches = self.tool_side.calls_of(LAUNCH, since=since)
        unregistered = self.tool_side.calls_of(UNREGISTERED, since=since)
        response = next((c for c in launches if c.params.get("id_token") or c.params.get("JWT")),
                        launches[0] if launches else None)
        record = LaunchRecord(scenario, REFUSED, "", "", login=logins[0] if logins else None, response=response,
                              unregistered=unregistered, page=page, browser=browser)
        if page is not None:
            record.endpoint, record.method = page.url, page.method
        token = (response.params.get("id_token") or response.params.get("JWT")) if response is not None else None
        if token:
            record.outcome = RECEIVED
            record.en, record.ja = "The Platform posted an id_token to the redirect URI.", \
                "プラットフォームが redirect URI へ id_token を送信しました。"
            record.endpoint, record.method = self.config.harness.base_url + response.path, response.method  # type: ignore[union-attr]
            record.id_token = token
            try:
                record.header, record.claims = decode_unverified(token)
            except JoseFailure as exc:
                record.decode_error = str(exc)
            return record
        status = f" (HTTP {page.status})" if page is not None else ""
        if not logins:  # the Platform never started the OIDC flow: the launch itself failed
            record.outcome = ERROR
            if failure is not None:
                record.en, record.ja = failure.en, failure.ja
                record.endpoint, record.method = failure.url, failure.method
            else:
                record.en = (f"The launch never reached the harness's login initiation URL{status}. If the "
                             "Platform needs a logged-in user, give secrets or use a launch hook.")
                record.ja = (f"起動がハーネスのログイン開始URLへ到達しませんでした{status}。プラットフォームにログインが必要な"
                             "場合は secrets を設定するか起動フックを使ってください。")
            return record
        # The flow reached the harness and ended without an id_token: what a negative test wants.
        record.en = f"The flow ended without an id_token at a registered redirect URI{status}."
        record.ja = f"登録済み redirect URI へ id_token が届かずにフローが終了しました{status}。"
        if failure is not None:
            record.en += " " + failure.en
            record.ja += " " + failure.ja
            record.endpoint, record.method = failure.url, failure.method
        return record

    # --- Deep Linking response [DL §4.5], [SEC §5.2] ---
    def deep_link_response(self, request: dict[str, Any], *, echo_data: bool = True,
                           audience: str | None = None) -> dict[str, Any]:
        """A valid LtiDeepLinkingResponse for ``request`` (the DL request's claims)."""
        now = int(self.tool_side.clock())
        settings = request.get(vocab.CLAIM_DL_SETTINGS) or {}
        claims: dict[str, Any] = {
            "iss": self.config.platform.client_id,
            "aud": audience if audience is not None else self.config.platform.issuer,
            "iat": now, "exp": now + 300, "nonce": secrets.token_urlsafe(16),
            vocab.CLAIM_MESSAGE_TYPE: vocab.MSG_DEEP_LINKING_RESPONSE,
            vocab.CLAIM_VERSION: vocab.LTI_VERSION,
            vocab.CLAIM_DEPLOYMENT_ID: request.get(vocab.CLAIM_DEPLOYMENT_ID),
            vocab.CLAIM_DL_CONTENT_ITEMS: [{
                "type": "ltiResourceLink", "title": "renkei 適合性試験教材", "url": self.config.target_link_uri,
                "custom": {"renkei_item": "dl-1"},
            }],
            vocab.CLAIM_DL_MSG: "renkei: 1 item",
        }
        if echo_data and isinstance(settings, dict) and "data" in settings:
            claims[vocab.CLAIM_DL_DATA] = settings["data"]
        return claims

    def post_deep_link(self, record: LaunchRecord, token: str) -> PostResult:
        """POST ``JWT=token`` to the request's deep_link_return_url in the launch's browser session."""
        settings = (record.claims or {}).get(vocab.CLAIM_DL_SETTINGS)
        url = settings.get("deep_link_return_url") if isinstance(settings, dict) else None
        if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
            return PostResult(ERROR, "The Deep Linking request has no usable deep_link_return_url.",
                              "ディープリンク要求に使用可能な deep_link_return_url がありません。")
        browser = record.browser or self.new_browser()
        try:
            page = browser.send("POST", url, data={"JWT": token})
        except BrowserError as exc:
            return PostResult(ERROR, exc.en, exc.ja, endpoint=exc.url)
        obs = self.config.observation
        outcome, en, ja = classify(page, obs.accept, obs.reject)
        return PostResult(outcome, en, ja, endpoint=url, status=page.status)


def run_hook(argv: list[str], timeout: float) -> tuple[int, bytes]:
    """Run a launch hook in its own process group; return its exit status and (capped) stdout.

    Whatever the hook started (a browser, a helper in the background) belongs to its group and is
    ended with it — when it exits, times out or the run is interrupted — so nothing outlives the
    launch. Output goes to a file, not a pipe: a child left holding a pipe open would keep a
    reader waiting after the hook itself has exited. Raises ``subprocess.TimeoutExpired``.
    """
    posix = os.name == "posix"
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.DEVNULL,  # noqa: S603
                                start_new_session=posix)
        try:
            returncode = proc.wait(timeout=timeout)
        finally:
            _end_group(proc, posix)
        out.seek(0)
        return returncode, out.read(HOOK_OUTPUT_CAP)


def _end_group(proc: subprocess.Popen[bytes], posix: bool) -> None:
    """SIGTERM the hook's process group, SIGKILL what is left after a moment; reap the leader."""
    if not posix:
        proc.kill()
        proc.wait()
        return
    for sig, grace in ((signal.SIGTERM, 2.0), (signal.SIGKILL, 0.0)):
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            break  # the group is gone
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and _group_alive(proc.pid):
            proc.poll()
            time.sleep(0.05)
    proc.wait()


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True
