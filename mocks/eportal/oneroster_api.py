"""What the mock 学習eポータル imported, shown again as OneRoster 1.2 REST (``/users`` only).

Why: a consumer's import can only be judged by what it ends up holding. Many e-portals re-expose
their roster over OneRoster REST (to apps, to an ID hub); the ``oneroster12-rest-consumer`` profile
reads that and compares it with what renkei served. Users carry the fields the e-portal keeps
(sourcedId, status, enabledUser, names, userMasterIdentifier, username, email); client
credentials are HTTP Basic at ``/oneroster/oauth/token`` (the e-portal's own ``/token`` is the LTI
one), tokens are random, kept in memory and expire.
"""

from __future__ import annotations

import base64
import hmac
import secrets
import time
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from renkei.harness.oneroster.model import rest as R
from renkei.mocks.eportal.http import json_response
from renkei.mocks.eportal.state import EportalState

EXPORT_CLIENT_ID = "renkei-eportal-export"
EXPORT_SECRET = "renkei-eportal-export-01"  # a test credential of the mock, never a real one
TOKEN_PATH = "/oneroster/oauth/token"
USERS_PATH = R.ROSTERING_PATH + "/users"
TTL = 3600
MAX_LIMIT = 1000


def _tokens(state: EportalState) -> dict[str, float]:
    if not hasattr(state, "export_tokens"):
        state.export_tokens = {}  # type: ignore[attr-defined]
    return state.export_tokens  # type: ignore[attr-defined,no-any-return]


async def token(request: Request) -> Response:
    header = request.headers.get("authorization", "")
    try:
        client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        client_id, secret = "", ""
    ok = header.lower().startswith("basic ") and client_id == EXPORT_CLIENT_ID and hmac.compare_digest(
        secret.encode(), EXPORT_SECRET.encode())
    if not ok:
        return json_response({"error": "invalid_client"}, 401, headers={"WWW-Authenticate": 'Basic realm="export"'})
    value = secrets.token_urlsafe(24)
    _tokens(request.app.state.eportal)[value] = time.time() + TTL
    return json_response({"access_token": value, "token_type": "Bearer", "expires_in": TTL,
                          "scope": R.SCOPE_CORE})


def _user(u: Any) -> dict[str, Any]:
    obj = {"sourcedId": u.sourced_id, "status": "active" if u.enabled else "tobedeleted",
           "enabledUser": "true" if u.enabled else "false", "givenName": u.given_name, "familyName": u.family_name,
           "userMasterIdentifier": u.sub, "roles": []}
    if u.username:
        obj["username"] = u.username
    if u.email:
        obj["email"] = u.email
    return obj


async def users(request: Request) -> Response:
    state: EportalState = request.app.state.eportal
    bearer = request.headers.get("authorization", "")[7:].strip()
    expiry = _tokens(state).get(bearer)
    if expiry is None or expiry < time.time():
        return json_response(R.status_info(401, "unauthorisedrequest", "no valid token"), 401)
    try:
        limit = max(1, min(int(request.query_params.get("limit", R.DEFAULT_LIMIT)), MAX_LIMIT))
        offset = max(0, int(request.query_params.get("offset", 0)))
    except ValueError:
        return json_response(R.status_info(400, "invaliddata", "limit and offset are integers"), 400)
    everyone = sorted(state.roster.users.values(), key=lambda u: u.sourced_id)
    page = [_user(u) for u in everyone[offset:offset + limit]]
    headers = {"X-Total-Count": str(len(everyone))}
    if offset + limit < len(everyone):
        url = f"{request.url.scheme}://{request.url.netloc}{USERS_PATH}"
        headers["Link"] = f'<{url}?{urlencode({"limit": limit, "offset": offset + limit})}>; rel="next"'
    return json_response({"users": page}, headers=headers)
