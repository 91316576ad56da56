"""The mock 学習eポータル as an ASGI app: ``create_app(config) -> Starlette``.

Fixed paths under the issuer (documented so a tool registration can be written out of band,
[SEC §5.1]): ``/jwks`` and ``/.well-known/jwks.json`` (platform key set, RS256 with kid),
``/auth`` (OIDC authorization endpoint, GET and POST), ``/token`` (client-credentials token
endpoint), ``/launch`` (launch starter), ``/dl/return`` (Deep Linking return URL),
``/nrps/{context}``, ``/ags/{context}/lineitems…``, ``/return`` (launch_presentation return_url).
Inspection helpers for tests and humans: ``/`` (HTML launcher for browsers, JSON index otherwise), ``/links``, ``/gradebook/{context}``,
``POST /admin/rotate-key`` (new kid; old keys stay in the JWKS for overlap).
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from renkei.harness.core.errors import ConfigError
from renkei.harness.serving import BodyLimit
from renkei.mocks.eportal import accounts, ags, deeplink, oidc, oneroster_api, services
from renkei.mocks.eportal.config import FAULTS, EportalConfig
from renkei.mocks.eportal.http import json_response
from renkei.mocks.eportal.pages import launcher_html
from renkei.mocks.eportal.roster import Roster, load_bundle
from renkei.mocks.eportal.state import EportalState


def _st(request: Request) -> EportalState:
    return request.app.state.eportal


async def jwks(request: Request) -> Response:
    """Public keys only; short cache so tools pick up a rotation [SEC §6.4]."""
    return json_response(_st(request).keys.jwks(), headers={"Cache-Control": "max-age=300"})


async def openid_configuration(request: Request) -> Response:
    config = _st(request).config
    return json_response({
        "issuer": config.issuer,
        "authorization_endpoint": config.url("/auth"),
        "token_endpoint": config.token_url,
        "jwks_uri": config.url("/jwks"),
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["id_token"],
        "response_modes_supported": ["form_post"],
        "scopes_supported": ["openid"],
        "subject_types_supported": ["public"],
    })


async def index(request: Request) -> Response:
    """HTML launcher for browsers (Accept text/html), a JSON description otherwise."""
    st = _st(request)
    config = st.config
    if "text/html" in request.headers.get("accept", ""):
        return HTMLResponse(launcher_html(st))
    return json_response({
        "name": config.platform_name,
        "issuer": config.issuer,
        "endpoints": {"jwks": config.url("/jwks"), "auth": config.url("/auth"), "token": config.token_url,
                      "launch": config.url("/launch"), "deep_link_return": config.url("/dl/return")},
        "tools": [{"client_id": t.client_id, "deployment_ids": t.deployment_ids, "name": t.name}
                  for t in config.tools],
        "contexts": [{"id": c.sourced_id, "label": c.label, "title": c.title,
                      "members": len(st.roster.members(c.sourced_id))} for c in st.roster.classes.values()],
        "faults": sorted(config.faults),
        "known_faults": FAULTS,
    })


async def return_url(request: Request) -> Response:
    """Where tools send users back [CORE §5.4]; shows lti_msg/lti_errormsg (logs not displayed)."""
    q = request.query_params
    return json_response({k: q[k] for k in ("lti_msg", "lti_errormsg", "lti_log", "lti_errorlog") if k in q})


async def links(request: Request) -> Response:
    return json_response([link.as_json() for link in _st(request).links.values()])


async def gradebook(request: Request) -> Response:
    """The platform's view of grades for one context (what the cert suite's last AGS step confirms)."""
    st = _st(request)
    context_id = request.path_params["context"]
    items: list[dict[str, Any]] = []
    for item in st.line_items.values():
        if item.context_id != context_id:
            continue
        scores = [{"userId": user_id, "timestamp": rec.timestamp_text,
                   **{k: rec.score[k] for k in ("scoreGiven", "scoreMaximum", "activityProgress",
                                                "gradingProgress", "comment") if k in rec.score}}
                  for (number, user_id), rec in st.scores.items() if number == item.number]
        items.append({"id": item.number, "client_id": item.client_id, **item.data, "scores": scores})
    return json_response(items)


async def rotate_key(request: Request) -> Response:
    key = _st(request).keys.rotate()
    return json_response({"kid": key.kid})


async def roster_import(request: Request) -> Response:
    """Pull the roster again over OneRoster REST: {"base_url", "token_url", "client_id", "client_secret"}.

    The e-portal's "import now" button, for tests and the consumer profile's scripted trigger."""
    from renkei.mocks.eportal.rest_roster import RestSource, load_rest

    try:
        data = json.loads(await request.body())
        source = RestSource(str(data["base_url"]), str(data["token_url"]), str(data["client_id"]),
                            str(data["client_secret"]))
    except (ValueError, KeyError, TypeError):
        return json_response({"error": "give base_url, token_url, client_id and client_secret as JSON"}, 400)
    state = _st(request)
    faults = frozenset(f for f in state.config.faults if f.startswith("rest_"))
    try:
        roster = await run_in_threadpool(load_rest, source, faults=faults)
    except ConfigError as exc:
        return json_response({"error": str(exc)}, 502)
    except httpx.HTTPError as exc:
        return json_response({"error": f"the provider could not be reached: {type(exc).__name__}"}, 502)
    roster = accounts.reimport(state, roster)
    return json_response({"users": len(roster.users), "classes": len(roster.classes),
                          "enrollments": len(roster.enrollments)})


def create_app(config: EportalConfig, roster: Roster | None = None) -> Starlette:
    """Build the platform. ``roster`` wins over ``config.bundle`` (tests build rosters in memory)."""
    if roster is None:
        if config.bundle is None:
            raise ConfigError("mock eportal: give a roster bundle (config field 'bundle')")
        roster = load_bundle(config.bundle)
    if config.has("sub_is_username"):
        users = {sid: replace(u, sub=u.username or u.sub) for sid, u in roster.users.items()}
        roster = replace(roster, users=users)
    routes = [
        Route("/", index),
        Route("/jwks", jwks),
        Route("/.well-known/jwks.json", jwks),
        Route("/.well-known/openid-configuration", openid_configuration),
        Route("/launch", oidc.launch_start),
        Route("/auth", oidc.authorize, methods=["GET", "POST"]),
        Route("/token", services.token_endpoint, methods=["POST"]),
        Route("/dl/return", deeplink.deep_link_return, methods=["POST"]),
        Route("/nrps/{context}", services.memberships),
        Route("/ags/{context}/lineitems", ags.line_items, methods=["GET", "POST"]),
        Route("/ags/{context}/lineitems/{item:int}", ags.line_item, methods=["GET", "PUT", "DELETE"]),
        Route("/ags/{context}/lineitems/{item:int}/scores", ags.scores, methods=["POST"]),
        Route("/ags/{context}/lineitems/{item:int}/results", ags.results),
        Route("/return", return_url),
        Route("/links", links),
        Route("/gradebook/{context}", gradebook),
        Route("/admin/rotate-key", rotate_key, methods=["POST"]),
        Route("/admin/roster/import", roster_import, methods=["POST"]),
        Route(oneroster_api.TOKEN_PATH, oneroster_api.token, methods=["POST"]),
        Route(oneroster_api.USERS_PATH, oneroster_api.users),
    ]
    app = Starlette(routes=routes)
    app.state.eportal = EportalState(config, roster)
    app.add_middleware(BodyLimit)  # bodies over 1 MiB: 413 before anything parses them
    return app
