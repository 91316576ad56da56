"""Drives one LTI 1.3 launch against a Tool the way a browser and a Platform would.

Flow [SEC §5.1.1]: login initiation (GET or POST) to the Tool -> the Tool redirects the browser to
the harness's OIDC auth endpoint; the launcher intercepts that request instead of serving it and
reads ``state``/``nonce``/``redirect_uri`` -> builds an id_token (valid, or deliberately broken)
-> POSTs ``id_token`` + ``state`` to the redirect URI with the Tool's cookies -> classifies the
final page as accepted / rejected / unclear with the observation rules of the target file. What
the Tool does wrong on the way (a foreign redirect, an oversized page) is an ``error`` outcome with
a bilingual reason; a network failure raises ``TransportFailure`` (the check is not evaluated).

Plain HTTP cannot run a Tool's scripts; when a page that stalls the flow runs scripts the result
says so (code ``needs_javascript``). Targets with ``browser.engine: chromium`` hand ``run`` and
``post`` to ``renkei.harness.lti.tool.browser_driver`` instead, which shares ``answer`` and ``classify``.
"""

from __future__ import annotations

import re
import secrets
import ssl
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import httpx

from renkei.harness.core.breaker import CircuitBreaker
from renkei.harness.lti.protocol import vocab
from renkei.harness.lti.protocol.browser import (
    Browser,
    BrowserError,
    Page,
    meta_refresh,
    netloc,
    parse_forms,
    same_endpoint,
)
from renkei.harness.lti.protocol.jose import RSAKey, sign_jwt, sign_raw
from renkei.harness.lti.tool.launches import (
    ACCEPTED,
    ERROR,
    REJECTED,
    UNCLEAR,
    AuthRequest,
    DeepLinkExchange,
    LaunchResult,
    LaunchSpec,
    ServiceExchange,
)
from renkei.harness.lti.tool.payloads import INSTRUCTOR, LaunchEnv, People, Person, base_claims, opaque
from renkei.harness.lti.tool.platform_side import PlatformSide

if TYPE_CHECKING:
    from renkei.harness.lti.tool.browser_driver import ChromiumDriver
    from renkei.harness.lti.tool.config import ToolTargetConfig

_SCRIPT = re.compile(r"(?i)<script\b")

def needs_javascript(page: Page) -> bool:
    """A page that runs scripts (plain HTTP cannot, so a stalled flow may just need them)."""
    return bool(_SCRIPT.search(page.text))



class Launcher:
    def __init__(
        self,
        config: ToolTargetConfig,
        *,
        key: RSAKey,
        attacker_key: RSAKey,
        platform: PlatformSide,
        transport: httpx.BaseTransport | None = None,
        secret_headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        clock: Callable[[], float] = time.time,
        verify: ssl.SSLContext | bool = True,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        self.config = config
        self.verify = verify
        self.breaker = breaker
        self.key = key
        self.attacker_key = attacker_key
        self.platform = platform
        self.transport = transport
        self.secret_headers = secret_headers or {}
        self.auth = auth
        self.clock = clock
        self.people = People()
        self.context_id = opaque("ctx")
        self.resource_link_id = opaque("rl")
        self._persons: dict[tuple[str, str], Person] = {}
        self._browsers: list[Browser] = []
        self.driver: ChromiumDriver | None = None
        if config.browser.engine == "chromium":
            from renkei.harness.lti.tool.browser_driver import (
                ChromiumDriver,
            )  # Playwright stays an optional extra

            self.driver = ChromiumDriver(config, breaker=breaker)

    # --- plumbing ---
    def new_browser(self) -> Browser:
        obs = self.config.observation
        browser = Browser(
            transport=self.transport, allowed_hosts=self.config.tool_hosts(),
            stop_hosts={netloc(self.config.harness.base_url)}, timeout=obs.timeout_seconds,
            max_body=obs.max_body_bytes, max_redirects=obs.max_redirects, verify=self.verify,
            secret_headers=self.secret_headers, auth=self.auth, breaker=self.breaker,
        )
        self._browsers.append(browser)
        return browser

    def close(self) -> None:
        if self.driver is not None:
            self.driver.close()
        for b in self._browsers:
            b.close()
        self._browsers.clear()

    def person(self, role: str, params: dict[str, Any]) -> Person:
        """One stable person per role and sub format (a real platform's user id is stable)."""
        fmt = str(params.get("sub_format", "opaque"))
        if (role, fmt) not in self._persons:
            self._persons[(role, fmt)] = self.people.make(role, fmt)
        return self._persons[(role, fmt)]

    def deployment_id(self, params: dict[str, Any]) -> str:
        """``deployment_id`` param, else the first registered id with ``deployment_id_prefix``, else the first."""
        wanted = params.get("deployment_id")
        if wanted:
            return str(wanted)
        ids = self.config.tool.deployment_ids
        prefix = params.get("deployment_id_prefix")
        return next((d for d in ids if prefix and d.startswith(str(prefix))), ids[0])

    def sign(self, claims: dict[str, Any], signing: str) -> str:
        kid = self.key.kid or self.key.thumbprint()
        match signing:
            case "valid":
                return sign_jwt(claims, self.key)
            case "no_kid":
                return sign_jwt(claims, self.key, include_kid=False)
            case "unknown_kid":
                return sign_jwt(claims, self.key, header={"kid": "renkei-unknown-" + secrets.token_hex(4)})
            case "wrong_key":  # right kid, signature by another key [SEC §5.1.3-1]
                return sign_jwt(claims, self.attacker_key, header={"kid": kid})
            case "none":
                return sign_raw({"typ": "JWT", "alg": "none", "kid": kid}, claims, None)
            case "hs256_public":  # alg confusion: HMAC keyed with the public key PEM
                return sign_raw({"typ": "JWT", "alg": "HS256", "kid": kid}, claims,
                                self.key.as_pem(private=False))
        raise ValueError(f"unknown signing mode {signing!r}")

    # --- the flow ---
    def login_params(self, spec: LaunchSpec, deployment_id: str, target_link_uri: str) -> dict[str, str]:
        params = {
            "iss": self.config.issuer,
            "login_hint": opaque("login-hint"),
            "target_link_uri": target_link_uri,
            "lti_message_hint": opaque("message-hint"),
            "lti_deployment_id": deployment_id,
            "client_id": self.config.tool.client_id,
        }
        for k, v in spec.login_overrides.items():
            if v is None:
                params.pop(k, None)
            else:
                params[k] = v
        return params

    def login(self, browser: Browser, method: str, params: dict[str, str]) -> AuthRequest | LaunchResult:
        url = self.config.tool.login_url
        try:
            if method == "POST":
                page = browser.send("POST", url, data=params)
            else:
                page = browser.send("GET", url, params=params)
        except BrowserError as exc:
            return LaunchResult(ERROR, "login", exc.en, exc.ja, endpoint=exc.url, method=exc.method,
                                login_params=params, browser=browser)
        cookies = tuple(page.set_cookies)
        location = page.location or meta_refresh(page.text, page.url)
        if location and same_endpoint(location, self.config.auth_url):
            query = parse_qs(urlsplit(location).query, keep_blank_values=True)
            return AuthRequest("GET", location, {k: v[0] for k, v in query.items()},
                               tuple(k for k, v in query.items() if len(v) > 1), cookies)
        for form in parse_forms(page.text, page.url):
            if same_endpoint(form.action, self.config.auth_url):
                return AuthRequest(form.method, form.action, dict(form.inputs), (), cookies)
        outcome, en, ja = self.classify(page)
        if outcome == REJECTED:
            return LaunchResult(REJECTED, "login", "The Tool refused the login initiation.",
                                "ツールがログイン開始要求を拒否しました。", endpoint=page.url, method=page.method,
                                status=page.status, login_params=params, page=page, browser=browser)
        if needs_javascript(page):
            return LaunchResult(
                UNCLEAR, "login",
                "The login page runs scripts and leads nowhere without them (needs JavaScript); set browser.engine: "
                "chromium in the target file.",
                "ログインページはスクリプトを実行しないと先へ進みません (JavaScript が必要)。対象ファイルで "
                "browser.engine: chromium を指定してください。",
                endpoint=page.url, method=page.method, status=page.status, login_params=params, page=page,
                browser=browser, code="needs_javascript")
        return LaunchResult(
            ERROR, "login",
            "The login initiation did not lead to the harness's OIDC auth endpoint (no redirect, no form).",
            "ログイン開始要求の後、ハーネスの OIDC 認可エンドポイントへ遷移しませんでした (リダイレクトもフォームもなし)。",
            endpoint=page.url, method=page.method, status=page.status, login_params=params, page=page,
            browser=browser)

    def redirect_uri(self, auth: AuthRequest) -> str | None:
        wanted = auth.params.get("redirect_uri")
        registered = self.config.tool.redirect_uris
        if wanted is None:
            return registered[0]
        return wanted if wanted in registered else None

    def start(self, spec: LaunchSpec, params: dict[str, Any]) -> tuple[str, dict[str, str]]:
        """(deployment_id, login initiation parameters) of one launch."""
        deployment = spec.deployment_id or self.deployment_id(params)
        is_dl = spec.message_type == vocab.MSG_DEEP_LINKING_REQUEST
        login_target = self.config.deep_link_target if is_dl else self.config.tool.target_link_uri
        return deployment, self.login_params(spec, deployment, login_target)

    def run(self, spec: LaunchSpec, params: dict[str, Any]) -> LaunchResult:
        if self.driver is not None:
            return self.driver.run(self, spec, params)
        browser = spec.browser or self.new_browser()
        deployment, login_params = self.start(spec, params)
        got = self.login(browser, spec.login_method, login_params)
        if isinstance(got, LaunchResult):
            return got
        answer = self.answer(spec, params, got, deployment, login_params)
        if isinstance(answer, LaunchResult):
            answer.browser = browser
            return answer
        redirect_uri, form, token, claims = answer
        result = self.post(browser, redirect_uri, form)
        result.login_params, result.auth, result.id_token, result.claims = login_params, got, token, claims
        return result

    def answer(self, spec: LaunchSpec, params: dict[str, Any], auth: AuthRequest, deployment: str,
               login_params: dict[str, str]) -> tuple[str, dict[str, str], str, dict[str, Any]] | LaunchResult:
        """The Platform's authentication response: (redirect_uri, form, id_token, claims), or an error.

        Shared by both engines, so a valid or forged token is built the same way whoever carries it.
        """
        redirect_uri = self.redirect_uri(auth)
        if redirect_uri is None:
            return LaunchResult(
                ERROR, "auth", "The Tool asked for a redirect_uri that is not registered; a Platform must refuse.",
                "ツールが登録されていない redirect_uri を要求しました。プラットフォームは拒否しなければなりません。",
                endpoint=auth.url, method=auth.method, login_params=login_params, auth=auth)
        is_dl = spec.message_type == vocab.MSG_DEEP_LINKING_REQUEST
        login_target = self.config.deep_link_target if is_dl else self.config.tool.target_link_uri
        person = spec.person or self.person(spec.role, params)
        env = LaunchEnv(
            issuer=self.config.issuer, client_id=self.config.tool.client_id, deployment_id=deployment,
            target_link_uri=spec.target_link_uri or login_params.get("target_link_uri", login_target),
            nonce=auth.params.get("nonce") or opaque("nonce"), now=int(self.clock()), person=person,
            context_id=spec.context_id or self.context_id, resource_link_id=self.resource_link_id,
            message_type=spec.message_type, extra=dict(spec.extra_claims),
        )
        claims = base_claims(env)
        claims[vocab.CLAIM_LAUNCH_PRESENTATION]["return_url"] = self.config.harness.base_url + "/return"
        if spec.mutate is not None:
            spec.mutate(claims)
        token = self.sign(claims, spec.signing)
        state = spec.state if spec.state is not None else auth.params.get("state", "")
        return redirect_uri, {"id_token": token, "state": state}, token, claims

    def post(self, browser: Browser, url: str, form: dict[str, str]) -> LaunchResult:
        """POST the authentication response (with ``browser``'s cookies) and classify what the Tool shows."""
        if self.driver is not None:
            return self.driver.post(self, browser, url, form)
        try:
            page = browser.send("POST", url, data=form)
        except BrowserError as exc:
            return LaunchResult(ERROR, "launch", exc.en, exc.ja, endpoint=exc.url, method=exc.method,
                                posted=form, browser=browser)
        outcome, en, ja = self.classify(page)
        code = None
        if outcome == UNCLEAR and needs_javascript(page):
            en += " The page runs scripts; the outcome may only show after they run (browser.engine: chromium)."
            ja += " ページはスクリプトを実行します。結果はその実行後にしか表示されない可能性があります (browser.engine: chromium)。"
            code = "needs_javascript"
        return LaunchResult(outcome, "launch", en, ja, endpoint=url, method="POST", status=page.status,
                            posted=form, page=page, browser=browser, code=code)

    def classify(self, page: Page) -> tuple[str, str, str]:
        """accepted / rejected / unclear by the target file's observation rules."""
        obs = self.config.observation
        if page.location and netloc(page.location) == netloc(self.config.harness.base_url):
            query = parse_qs(urlsplit(page.location).query)
            if "lti_errormsg" in query or "lti_errorlog" in query:
                return REJECTED, "The Tool returned to the Platform with lti_errormsg.", \
                    "ツールが lti_errormsg 付きでプラットフォームへ戻りました。"
            return UNCLEAR, "The Tool redirected back to the Platform without an error message.", \
                "ツールがエラーメッセージなしでプラットフォームへリダイレクトしました。"
        reject = obs.reject.pattern()
        accept = obs.accept.pattern()
        if page.status in obs.reject.status or (reject is not None and reject.search(page.text)):
            return REJECTED, f"The Tool rejected the launch (HTTP {page.status}).", \
                f"ツールが起動を拒否しました (HTTP {page.status})。"
        if page.status in obs.accept.status and (accept is None or accept.search(page.text)):
            return ACCEPTED, f"The Tool accepted the launch (HTTP {page.status}).", \
                f"ツールが起動を受け付けました (HTTP {page.status})。"
        if page.status >= 500:  # the launch did not go through; how cleanly is lti.tool.sec.rejection_status
            return REJECTED, f"The Tool failed with a server error (HTTP {page.status}); the launch did not go through.", \
                f"ツールがサーバーエラー (HTTP {page.status}) になり、起動は成立しませんでした。"
        return UNCLEAR, (
            f"The Tool's response (HTTP {page.status}) matches neither the accept nor the reject rule of the "
            "target file's observation section."
        ), f"ツールの応答 (HTTP {page.status}) は対象ファイル observation の受理・拒否どちらの規則にも一致しません。"

    # --- Deep Linking [DL §2.3, §4.4, §4.5] ---
    def deep_link(self, params: dict[str, Any]) -> DeepLinkExchange:
        data = opaque("dl-data")
        settings = {
            "deep_link_return_url": self.config.deep_link_return_url,
            "accept_types": ["ltiResourceLink", "link"],
            "accept_presentation_document_targets": ["iframe", "window"],
            "accept_multiple": True,
            "auto_create": False,
            "title": "renkei 教材選択",
            "data": data,
        }
        spec = LaunchSpec(role=INSTRUCTOR, message_type=vocab.MSG_DEEP_LINKING_REQUEST,
                          extra_claims={vocab.CLAIM_DL_SETTINGS: settings})
        launch = self.run(spec, params)
        exchange = DeepLinkExchange(launch=launch, request_claims=launch.claims, data=data)
        if launch.outcome == ERROR or launch.page is None or launch.browser is None:
            exchange.en = "The Deep Linking request could not be completed: " + launch.en
            exchange.ja = "ディープリンク要求を完了できませんでした: " + launch.ja
            return exchange
        page = launch.page
        for _ in range(3):
            forms = parse_forms(page.text, page.url)
            found = next((f for f in forms if same_endpoint(f.action, self.config.deep_link_return_url)), None)
            if found is not None:
                exchange.form = found
                exchange.recorded = self.platform.record_deep_link(dict(found.inputs), found.action)
                return exchange
            if not self.config.deep_linking.submit_first_form:
                break
            own = next((f for f in forms if netloc(f.action) in self.config.tool_hosts()), None)
            if own is None:
                break
            try:
                page = launch.browser.submit(own)
            except BrowserError as exc:
                exchange.en, exchange.ja = "Submitting the Tool's selection form failed: " + exc.en, \
                    "ツールの選択フォームの送信に失敗しました: " + exc.ja
                return exchange
        exchange.en = ("The Tool's page has no form that posts to the deep_link_return_url "
                       f"(launch outcome: {launch.outcome}).")
        exchange.ja = f"ツールのページに deep_link_return_url へ送信するフォームがありません (起動結果: {launch.outcome})。"
        return exchange

    # --- NRPS / AGS [NRPS], [AGS §3] ---
    def services(self, params: dict[str, Any]) -> ServiceExchange:
        """Launch with the service claims, optionally trigger the Tool, wait for its calls."""
        svc = self.config.tool.services
        ctx = opaque("svc-ctx")
        person = self.person(INSTRUCTOR, params)
        # 2 x page size + 1 members: three pages, so a Tool that stops after the second page is caught
        members = [person.member()] + [self.people.make("student", str(params.get("sub_format", "opaque"))).member()
                                       for _ in range(2 * self.config.services.nrps_page_size)]
        self.platform.set_roster(ctx, members)
        extra: dict[str, Any] = {}
        if svc.nrps:
            extra[vocab.CLAIM_NRPS] = {"context_memberships_url": self.config.nrps_url(ctx),
                                       "service_versions": list(vocab.NRPS_SERVICE_VERSIONS)}
        if svc.ags:
            lineitems = self.config.lineitems_url(ctx)
            # other activities' items first, the launch's own last: the container spans three pages and
            # a Tool that looks for its item on the first page only is caught [AGS §3.2.4]
            fillers = 2 * self.config.services.ags_page_size
            for n in range(1, fillers + 1):
                self.platform.add_lineitem(ctx, {"id": f"{lineitems}/{n}", "scoreMaximum": 100,
                                                 "label": f"他の課題 {n}", "resourceLinkId": f"renkei-other-{n}"})
            item_id = f"{lineitems}/{fillers + 1}"
            self.platform.add_lineitem(ctx, {"id": item_id, "scoreMaximum": 10, "label": "renkei 小テスト",
                                             "resourceLinkId": self.resource_link_id})
            extra[vocab.CLAIM_AGS] = {"scope": list(vocab.AGS_SCOPES), "lineitems": lineitems, "lineitem": item_id}
        since = self.platform.next_seq
        launch = self.run(LaunchSpec(role=INSTRUCTOR, person=person, context_id=ctx, extra_claims=extra), params)
        exchange = ServiceExchange(launch=launch, context_id=ctx, person=person, since=since)
        if launch.outcome != ACCEPTED:
            exchange.en = "The launch offering the services was not accepted: " + launch.en
            exchange.ja = "サービスを提供する起動が受け付けられませんでした: " + launch.ja
            return exchange
        self._trigger(launch, exchange)

        def done() -> bool:
            calls = self.platform.calls_of(since=since)
            nrps_ok = not svc.nrps or any(c.kind == "nrps" and c.status == 200 and not c.link_next for c in calls)
            ags_ok = not svc.ags or any(c.kind == "ags.scores" for c in calls)
            return nrps_ok and ags_ok

        if self.platform.wait_for(done, self.config.services.wait_seconds):
            count = -1
            while count != self.platform.next_seq:  # let a burst of calls finish (bounded by the wait above)
                count = self.platform.next_seq
                self.platform.wait_for(lambda c=count: self.platform.next_seq != c, 0.2)
        exchange.calls = [c for c in self.platform.calls_of(since=since) if c.kind not in ("auth",)]
        return exchange

    def _trigger(self, launch: LaunchResult, exchange: ServiceExchange) -> None:
        cfg = self.config.services
        if launch.browser is None or launch.page is None:
            return
        try:
            if cfg.trigger_url:
                launch.browser.send("GET", cfg.trigger_url)
            elif cfg.trigger_form_action:
                pattern = re.compile(cfg.trigger_form_action)
                form = next((f for f in parse_forms(launch.page.text, launch.page.url)
                             if pattern.search(f.action)), None)
                if form is None:
                    exchange.en = "No form on the launch page matches services.trigger_form_action."
                    exchange.ja = "起動ページに services.trigger_form_action に一致するフォームがありません。"
                    return
                launch.browser.submit(form)  # GET forms keep their fields in the query
        except BrowserError as exc:
            exchange.en = "Triggering the Tool's service calls failed: " + exc.en
            exchange.ja = "ツールのサービス呼び出しの起動に失敗しました: " + exc.ja
