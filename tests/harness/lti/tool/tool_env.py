"""In-process environments for the lti-tool checks: the harness Platform against a Tool app.

``mock_tool_env`` wires the real mock Tool (``renkei.mocks.app``) to an ``LtiToolTarget`` with no sockets;
``fake_tool_env`` wires a deliberately naive, knob-driven Tool (``FakeTool``) whose single
misbehaviours give each check a failing input. ``run_profile`` runs a profile's checks the way the
pytest plugin does (``check.func(ctx)``) and returns outcome and finding count per check id.
"""

from __future__ import annotations

import json
import secrets
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

import renkei.harness.lti  # noqa: F401  (registers the kind and checks)
from renkei.harness.core.context import CheckContext, CheckSkipped, NotEvaluated
from renkei.harness.core.model import Severity
from renkei.harness.core.profiles import load_profile, resolve
from renkei.harness.lti.protocol import vocab
from renkei.harness.lti.protocol.browser import InProcessTransport, RoutingTransport
from renkei.harness.lti.protocol.jose import decode_unverified, generate_rsa_key, public_jwks, sign_jwt
from renkei.harness.lti.tool.config import ToolTargetConfig, parse_target
from renkei.harness.lti.tool.target import LtiToolTarget
from renkei.mocks.app import ToolConfig, create_app

TOOL = "https://tool.test"
PLATFORM = "https://platform.test"
CLIENT_ID = "renkei-test-client"
DEPLOYMENT = "S_B101200000019"  # S_ + a 学校コード with a valid check digit


def target_config(**sections: Any) -> ToolTargetConfig:
    data: dict[str, Any] = {
        "tool": {
            "login_url": TOOL + "/login", "redirect_uris": [TOOL + "/launch"], "target_link_uri": TOOL + "/launch",
            "jwks_url": TOOL + "/jwks", "client_id": CLIENT_ID, "deployment_ids": [DEPLOYMENT, "deploy-2"],
            "services": {"deep_linking": True, "nrps": True, "ags": True},
        },
        "harness": {"base_url": PLATFORM},
        "observation": {"accept": {"status": [200], "marker_id": "lti-launch"}},
        "services": {"trigger_form_action": "services/run", "wait_seconds": 2},
    }
    for name, value in sections.items():
        data[name] = {**data.get(name, {}), **value}
    return parse_target(data, "test-target.yaml")


@contextmanager
def _env(app_factory: Callable[[LtiToolTarget], Any], **sections: Any) -> Iterator[LtiToolTarget]:
    routes = RoutingTransport({})
    target = LtiToolTarget(target_config(**sections), serve=False, transport=routes, keys=_platform_keys())
    tool = InProcessTransport(app_factory(target))
    platform = InProcessTransport(target.platform.app)
    routes.routes.update({"tool.test": tool, "platform.test": platform})
    try:
        yield target
    finally:
        target.close()
        routes.close()


@contextmanager
def mock_tool_env(faults: set[str] | frozenset[str] = frozenset(), **sections: Any) -> Iterator[LtiToolTarget]:
    """The real mock Tool (validating everything unless ``faults`` switch a rule off)."""
    def make(target: LtiToolTarget) -> Any:
        cfg = target.config
        return create_app(ToolConfig(
            client_id=CLIENT_ID, issuer=cfg.issuer, auth_url=cfg.auth_url, token_url=cfg.token_url,
            jwks_url=cfg.jwks_url, deployment_ids=frozenset(cfg.tool.deployment_ids), base_url=TOOL,
            keys_dir=_tool_keys_dir(), faults=set(faults), transport=httpx.ASGITransport(app=target.platform.app)))

    with _env(make, **sections) as target:
        yield target


@cache
def _platform_keys() -> tuple[Any, Any]:
    key = generate_rsa_key()
    return key, generate_rsa_key(kid=key.kid)


@cache
def _tool_keys_dir() -> Path:
    """One key directory for every mock Tool of the session (it loads the key it created first)."""
    return Path(tempfile.mkdtemp(prefix="renkei-mock-tool-keys-"))


@cache
def _shared_key() -> Any:
    """One tool key for all fakes: RSA key generation is the slow part of a unit test."""
    return generate_rsa_key()


@dataclass
class FakeTool:
    """A naive Tool with knobs; by default it accepts every launch and behaves well otherwise.

    Knobs: ``reject_when(claims)`` refuses matching launches (with ``reject_status``); ``auth``
    overrides (None drops) auth-request parameters; ``dl_claims``/``dl_field``/``dl_sign``/``dl_form``
    alter the Deep Linking response;
    ``assertion``/``assertion_sign``/``token_form``/``headers``/``score``/``lineitem``/``follow_next``/
    ``max_pages``/``lineitem_pages``/``lineitem_query``/``scopes`` alter service calls.
    """

    reject_when: Callable[[dict[str, Any]], bool] = lambda claims: False
    reject_status: int = 401
    cookie: str | None = None  # a Set-Cookie header value the login response carries
    auth: dict[str, str | None] = field(default_factory=dict)
    dl_claims: dict[str, Any] = field(default_factory=dict)
    dl_field: str = "JWT"
    dl_sign: bool = True
    dl_form: bool = True
    assertion: dict[str, Any] = field(default_factory=dict)
    assertion_sign: bool = True
    token_form: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    score: dict[str, Any] = field(default_factory=dict)
    lineitem: dict[str, Any] | None = None  # a line item to create before the score (None: none)
    follow_next: bool = True
    max_pages: int = 100  # a Tool that stops reading the roster after this many pages
    lineitem_pages: int = 0  # GET the line item container, following rel=next for at most this many pages
    lineitem_query: dict[str, str] = field(default_factory=dict)  # container filters of that GET
    scopes: list[str] | None = None
    call_services: bool = True
    key: Any = field(default_factory=lambda: _shared_key())

    def app(self, target: LtiToolTarget, platform: httpx.BaseTransport) -> Starlette:
        cfg = target.config
        states: dict[str, str] = {}

        async def login(request: Request) -> Response:
            params = dict(request.query_params) if request.method == "GET" else dict(await request.form())
            state, nonce = secrets.token_urlsafe(8), secrets.token_urlsafe(8)
            states[state] = nonce
            query: dict[str, str | None] = {
                "scope": "openid", "response_type": "id_token", "response_mode": "form_post", "prompt": "none",
                "client_id": CLIENT_ID, "redirect_uri": TOOL + "/launch", "login_hint": params.get("login_hint"),
                "state": state, "nonce": nonce, "lti_message_hint": params.get("lti_message_hint"),
            }
            query.update(self.auth)
            clean = {k: v for k, v in query.items() if v is not None}
            response = RedirectResponse(cfg.auth_url + "?" + urlencode(clean), status_code=302)
            if self.cookie:
                response.headers.append("set-cookie", self.cookie)
            return response

        async def launch(request: Request) -> Response:
            form = await request.form()
            _, claims = decode_unverified(str(form.get("id_token")))
            if self.reject_when(claims):
                return HTMLResponse("<p id='lti-error'>no</p>", status_code=self.reject_status)
            body = "<main id='lti-launch'>ok</main>"
            if self.dl_form and claims.get(vocab.CLAIM_MESSAGE_TYPE) == vocab.MSG_DEEP_LINKING_REQUEST:
                settings = claims[vocab.CLAIM_DL_SETTINGS]
                token = self._dl_response(cfg, claims, settings)
                body += (f"<form method='post' action='{settings['deep_link_return_url']}'>"
                         f"<input type='hidden' name='{self.dl_field}' value='{token}'></form>")
            if self.call_services and (vocab.CLAIM_NRPS in claims or vocab.CLAIM_AGS in claims):
                self._services(cfg, claims, platform)
            return HTMLResponse(body)

        async def jwks(request: Request) -> Response:
            return JSONResponse(public_jwks([self.key]))

        return Starlette(routes=[Route("/login", login, methods=["GET", "POST"]),
                                 Route("/launch", launch, methods=["POST"]), Route("/jwks", jwks)])

    def _dl_response(self, cfg: ToolTargetConfig, claims: dict[str, Any], settings: dict[str, Any]) -> str:
        now = int(time.time())
        response = {
            "iss": CLIENT_ID, "aud": cfg.issuer, "iat": now, "exp": now + 300, "nonce": secrets.token_hex(8),
            vocab.CLAIM_MESSAGE_TYPE: vocab.MSG_DEEP_LINKING_RESPONSE, vocab.CLAIM_VERSION: vocab.LTI_VERSION,
            vocab.CLAIM_DEPLOYMENT_ID: claims[vocab.CLAIM_DEPLOYMENT_ID], vocab.CLAIM_DL_DATA: settings.get("data"),
            vocab.CLAIM_DL_CONTENT_ITEMS: [{"type": "ltiResourceLink", "url": TOOL + "/launch", "title": "x",
                                            "custom": {"a": "1"}, "lineItem": {"scoreMaximum": 10}}],
        }
        for k, v in self.dl_claims.items():
            if v is None:
                response.pop(k, None)
            else:
                response[k] = v
        key = self.key if self.dl_sign else generate_rsa_key(kid=self.key.kid)
        return sign_jwt(response, key)

    def _services(self, cfg: ToolTargetConfig, claims: dict[str, Any], platform: httpx.BaseTransport) -> None:
        """Synchronous service calls through the platform transport (runs inside the ASGI loop thread)."""
        client = httpx.Client(transport=platform, base_url=PLATFORM)
        now = int(time.time())
        assertion = {"iss": CLIENT_ID, "sub": CLIENT_ID, "aud": cfg.token_url, "iat": now, "exp": now + 300,
                     "jti": secrets.token_hex(8)} | self.assertion
        ags = claims.get(vocab.CLAIM_AGS, {})
        scopes = self.scopes if self.scopes is not None else [vocab.SCOPE_NRPS_READONLY, *ags.get("scope", [])]
        signer = self.key if self.assertion_sign else generate_rsa_key(kid=self.key.kid)
        form = {"grant_type": "client_credentials", "client_assertion_type": vocab.CLIENT_ASSERTION_TYPE,
                "client_assertion": sign_jwt(assertion, signer), "scope": " ".join(scopes)} | self.token_form
        token = client.post(cfg.token_url, data=form).json().get("access_token")
        auth = {"Authorization": f"Bearer {token}"}
        accept_nrps = self.headers.get("nrps_accept", vocab.MEDIA_NRPS_MEMBERSHIP)
        url: str | None = claims[vocab.CLAIM_NRPS]["context_memberships_url"]
        for _ in range(self.max_pages):
            resp = client.get(url, headers=auth | {"Accept": accept_nrps})
            url = resp.links.get("next", {}).get("url") if self.follow_next else None
            if not url:
                break
        lineitems: str | None = ags["lineitems"]
        params: dict[str, str] | None = self.lineitem_query
        for _ in range(self.lineitem_pages):
            resp = client.get(lineitems, params=params,
                              headers=auth | {"Accept": vocab.MEDIA_AGS_LINEITEM_CONTAINER})
            lineitems, params = resp.links.get("next", {}).get("url"), None
            if not lineitems:
                break
        if self.lineitem is not None:
            client.post(ags["lineitems"], content=json.dumps(self.lineitem),
                        headers=auth | {"Content-Type": vocab.MEDIA_AGS_LINEITEM})
        score_type = self.headers.get("score_type", vocab.MEDIA_AGS_SCORE)
        body = {"userId": claims["sub"], "scoreGiven": 5, "scoreMaximum": 10, "activityProgress": "Completed",
                "gradingProgress": "FullyGraded", "timestamp": "2026-04-01T10:00:00.123+09:00"} | self.score
        client.post(ags["lineitem"] + "/scores", content=json.dumps(body),
                    headers=auth | {"Content-Type": score_type})
        client.get(ags["lineitem"] + "/results", headers=auth | {"Accept": vocab.MEDIA_AGS_RESULT_CONTAINER})
        client.close()


@contextmanager
def fake_tool_env(fake_tool: FakeTool | None = None, **sections: Any) -> Iterator[LtiToolTarget]:
    fake = fake_tool or FakeTool()
    holder: dict[str, httpx.BaseTransport] = {}

    def make(target: LtiToolTarget) -> Any:
        holder["platform"] = InProcessTransport(target.platform.app)
        return fake.app(target, holder["platform"])

    # The fake calls services while answering the launch, so they are recorded before any wait.
    sections["services"] = {"trigger_form_action": None, "wait_seconds": 0.3} | sections.get("services", {})
    with _env(make, **sections) as target:
        try:
            yield target
        finally:
            holder["platform"].close()


@dataclass
class Outcome:
    status: str  # passed | failed | warning | skipped | error (not evaluated, as the engine decides)
    findings: list[Any]
    reason: str | None = None


def judge(ctx: CheckContext) -> Outcome:
    """One check as ``RunSession.run_check`` judges it (a NotEvaluated from below makes it an error)."""
    try:
        ctx.definition.func(ctx)
    except CheckSkipped as skipped:
        return Outcome("skipped", [], skipped.reason)
    except NotEvaluated as stopped:
        ctx.not_evaluated(stopped.reason)
    if ctx.unseen and not (ctx.count and ctx.severity == Severity.ERROR):
        return Outcome("error", ctx.findings, "; ".join(ctx.unseen))
    status = "passed" if not ctx.count else ("failed" if ctx.severity == Severity.ERROR else "warning")
    return Outcome(status, ctx.findings)


def run_checks(target: LtiToolTarget, profile: str = "lti13-tool", only: str | None = None) -> dict[str, Outcome]:
    """Run a profile's checks in-process (as the pytest plugin does) and collect outcomes."""
    return {rc.id: judge(CheckContext(rc.definition, target, params=rc.params, severity=rc.severity))
            for rc in resolve(load_profile(profile)) if only is None or rc.id.startswith(only)}


def run_one(target: LtiToolTarget, check_id: str, **params: Any) -> Outcome:
    """One check with explicit parameters (on top of its defaults)."""
    from renkei.harness.core.registry import REGISTRY

    return judge(CheckContext(REGISTRY.get(check_id), target, params=params))


def not_passed(results: dict[str, Outcome]) -> set[str]:
    return {cid for cid, o in results.items() if o.status in ("failed", "warning")}
