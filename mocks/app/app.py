"""The mock 学習アプリ as an ASGI app: a real LTI 1.3 Tool.

Endpoints (fixed paths; ``base_url`` in ``ToolConfig`` is where they are mounted):
- ``GET|POST /login`` – OIDC third-party login initiation [SEC §5.1.1.1], 302 to the platform;
- ``POST /launch`` – redirect URI: form ``id_token`` + ``state`` [SEC §5.1.1.3], validated by
  ``renkei.mocks.app.validation``; renders the markers documented in ``renkei.mocks.app.pages``;
- ``GET /jwks`` – the tool's public keys (Deep Linking responses, client assertions);
- ``POST /deep-link/respond?launch=ID`` – a fresh LtiDeepLinkingResponse for a DL launch;
- ``POST /services/run?launch=ID[&services=nrps,ags]`` – test hook: call NRPS/AGS, JSON result;
- ``GET /services/runs?launch=ID`` – the JSON results of earlier runs for that launch;
- ``GET /xapi/sent`` – the study logs (xAPI) the app sent after learner launches, and the LRS's answers;
- ``GET /`` – registration data (client_id, login URL, redirect URI, JWKS URL) as JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from renkei.harness.lti.protocol import vocab
from renkei.harness.lti.protocol.jose import KeyStore
from renkei.harness.lti.protocol.remote_jwks import RemoteJwks
from renkei.harness.serving import BodyLimit
from renkei.mocks.app import deep_linking, pages, xapi
from renkei.mocks.app.config import ToolConfig
from renkei.mocks.app.services import ScoreClock, run_services
from renkei.mocks.app.state import Launch, LaunchStore, LoginStore
from renkei.mocks.app.validation import REJECTIONS, STATE_COOKIE_PREFIX, LaunchRejected, LaunchValidator

SERVICE_NAMES = ("nrps", "ags")


@dataclass
class ToolState:
    """Everything one tool instance remembers; reachable as ``app.state.tool`` for tests."""

    config: ToolConfig
    keys: KeyStore
    logins: LoginStore
    launches: LaunchStore
    jwks: RemoteJwks
    validator: LaunchValidator
    scores: ScoreClock
    sent: xapi.SentLog = field(default_factory=xapi.SentLog)


def _error(code: str, detail: str | None = None) -> HTMLResponse:
    return HTMLResponse(pages.error_page(code, detail), status_code=REJECTIONS[code].status)


def _tool(request: Request) -> ToolState:
    state: ToolState = request.app.state.tool
    return state


async def _params(request: Request) -> dict[str, str] | str:
    """Query parameters for GET, form fields for POST (either is allowed [SEC §5.1.1.1]).

    Returns an error code instead when the body is not a parseable form (``BodyLimit`` has already
    refused an oversized one).
    """
    if request.method == "GET":
        return dict(request.query_params)
    try:
        form = await request.form()
    except HTTPException:
        return "request_malformed"
    return {k: v for k, v in form.items() if isinstance(v, str)}


async def login(request: Request) -> Response:
    tool = _tool(request)
    config = tool.config
    params = await _params(request)
    if isinstance(params, str):
        return _error(params)
    iss, login_hint, target = params.get("iss"), params.get("login_hint"), params.get("target_link_uri")
    if not iss or not login_hint or not target:
        missing = [n for n, v in (("iss", iss), ("login_hint", login_hint), ("target_link_uri", target)) if not v]
        return _error("login_param_missing", "missing: " + ", ".join(missing))
    if iss != config.issuer:
        return _error("login_iss_unknown")
    if params.get("client_id") and params["client_id"] != config.client_id:
        return _error("login_client_id_unknown")
    hint = params.get("lti_message_hint")
    record = tool.logins.issue(
        target_link_uri=target,
        login_hint=login_hint,
        lti_message_hint=hint,
        lti_deployment_id=params.get("lti_deployment_id") or None,
    )
    query = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": config.client_id,
        "redirect_uri": config.redirect_uri,
        "login_hint": login_hint,
        "state": record.state,
        "nonce": record.nonce,
    }
    if hint is not None:
        query["lti_message_hint"] = hint
    location = httpx.URL(config.auth_url).copy_merge_params(query)
    response = RedirectResponse(str(location), status_code=302)
    secure = config.base_url.startswith("https://")
    # A cross-site form_post only carries the cookie with SameSite=None, which browsers accept only
    # with Secure; over plain http (local runs, same site) Lax is what still reaches /launch.
    response.set_cookie(
        STATE_COOKIE_PREFIX + record.state,
        record.state,
        max_age=config.login_ttl_seconds,
        path="/",
        httponly=True,
        secure=secure,
        samesite="none" if secure else "lax",
    )
    return response


def _dl_response_form(tool: ToolState, launch: Launch) -> str:
    jwt = deep_linking.build_response_jwt(tool.config, tool.keys.current(), launch.claims)
    return pages.dl_form(deep_linking.return_url(launch.claims), jwt)


async def launch(request: Request) -> Response:
    tool = _tool(request)
    params = await _params(request)
    if isinstance(params, str):
        return _error(params)
    try:
        validated = await tool.validator.validate(params.get("id_token"), params.get("state"), request.cookies)
    except LaunchRejected as exc:
        return _error(exc.code, exc.detail)
    accepted = tool.launches.add(validated.header, validated.claims)
    form = _dl_response_form(tool, accepted) if accepted.message_type == vocab.MSG_DEEP_LINKING_REQUEST else ""
    report = None
    if tool.config.lrs is not None and xapi.is_learner_launch(accepted.claims):
        statements = xapi.statements_for(accepted.claims, accepted.id, app_base=tool.config.base_url,
                                         home_page=tool.config.lrs.home_page, faults=tool.config.faults)
        report = BackgroundTask(xapi.send, tool.config.lrs, statements, tool.sent, accepted.id)
    response = HTMLResponse(pages.launch_page(accepted, form), background=report)
    if validated.login is not None:
        response.delete_cookie(STATE_COOKIE_PREFIX + validated.login.state, path="/")
    return response


async def xapi_sent(request: Request) -> Response:
    """What the app reported to the LRS and what it answered (newest last)."""
    return JSONResponse({"sent": _tool(request).sent.entries})


async def jwks(request: Request) -> Response:
    return JSONResponse(_tool(request).keys.jwks(), headers={"Cache-Control": "max-age=300"})


def _launch_or_404(request: Request) -> Launch | JSONResponse:
    launch_id = request.query_params.get("launch", "")
    found = _tool(request).launches.get(launch_id)
    if found is None:
        return JSONResponse({"error": "launch_unknown", "message": "no accepted launch with this id"}, 404)
    return found


async def deep_link_respond(request: Request) -> Response:
    found = _launch_or_404(request)
    if isinstance(found, JSONResponse):
        return found
    if found.message_type != vocab.MSG_DEEP_LINKING_REQUEST:
        return JSONResponse({"error": "not_deep_linking", "message": "the launch is not an LtiDeepLinkingRequest"}, 409)
    form = _dl_response_form(_tool(request), found)
    return HTMLResponse(pages.launch_page(found, form))


async def services_run(request: Request) -> Response:
    tool = _tool(request)
    found = _launch_or_404(request)
    if isinstance(found, JSONResponse):
        return found
    requested = request.query_params.get("services")
    if requested:
        only = {s.strip() for s in requested.split(",") if s.strip()}
        unknown = sorted(only - set(SERVICE_NAMES))
        if unknown:
            return JSONResponse({"error": "service_unknown", "message": f"known services: {', '.join(SERVICE_NAMES)}"}, 400)
    else:
        claims = found.claims
        only = {name for name, claim in (("nrps", vocab.CLAIM_NRPS), ("ags", vocab.CLAIM_AGS)) if claim in claims}
    run = await run_services(tool.config, tool.keys.current(), found, tool.scores, only)
    found.results.append(run.as_json())
    return JSONResponse(run.as_json(), status_code=200 if not run.errors else 502)


async def services_runs(request: Request) -> Response:
    found = _launch_or_404(request)
    if isinstance(found, JSONResponse):
        return found
    return JSONResponse({"launch": found.id, "runs": found.results})


async def registration(request: Request) -> Response:
    config = _tool(request).config
    body: dict[str, Any] = {
        "client_id": config.client_id,
        "issuer": config.issuer,
        "login_url": config.login_url,
        "redirect_uris": [config.redirect_uri],
        "jwks_url": config.jwks_endpoint,
        "deployment_ids": sorted(config.deployment_ids),
        "faults": sorted(config.faults),
        "lrs": config.lrs.statements_url if config.lrs else None,
    }
    return JSONResponse(body)


def create_app(config: ToolConfig) -> Starlette:
    """Build the tool; creates its signing key in ``config.keys_dir`` on first use."""
    keys = KeyStore(config.keys_dir)
    keys.current()
    logins = LoginStore(config.clock, config.login_ttl_seconds)
    cache = RemoteJwks(default_max_age=config.jwks_max_age_seconds, transport=config.transport,
                       timeout=config.http_timeout, clock=config.clock, who="platform")
    tool = ToolState(
        config=config,
        keys=keys,
        logins=logins,
        launches=LaunchStore(config.clock),
        jwks=cache,
        validator=LaunchValidator(config, logins, cache),
        scores=ScoreClock(),
    )
    app = Starlette(
        routes=[
            Route("/", registration, methods=["GET"]),
            Route("/login", login, methods=["GET", "POST"]),
            Route("/launch", launch, methods=["POST"]),
            Route("/jwks", jwks, methods=["GET"]),
            Route("/deep-link/respond", deep_link_respond, methods=["POST"]),
            Route("/services/run", services_run, methods=["POST"]),
            Route("/services/runs", services_runs, methods=["GET"]),
            Route("/xapi/sent", xapi_sent, methods=["GET"]),
        ]
    )
    app.state.tool = tool
    app.add_middleware(BodyLimit, refuse=_refusal)  # bodies are bounded before any handler reads them
    return app


def _refusal(status: int, reason: str) -> Response:
    """Refused bodies get the Tool's own error page, like every other rejection."""
    return HTMLResponse(pages.error_page("request_too_large" if status == 413 else "request_malformed", reason),
                        status_code=status, headers={"Connection": "close"})
