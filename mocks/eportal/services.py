"""LTI Advantage service plumbing: the token endpoint, bearer/scope enforcement, paging, NRPS.

Token endpoint [SEC §4.1, §4.1.1], [CORE §6.2]: OAuth 2.0 client credentials with an RFC 7523
JWT client assertion signed by the tool. Every failure is HTTP 400 with an RFC 6749 §5.2 error
code (``invalid_client`` for a bad assertion, ``invalid_scope`` for a scope the platform does not
know). Service calls need ``Authorization: Bearer``: missing/unknown/expired -> 401 with
``WWW-Authenticate``, valid token without the endpoint's scope -> 403 ``insufficient_scope``.
NRPS 2.0 membership [NRPS] lives here too; AGS is in ``ags.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from renkei.harness.lti.protocol import vocab
from renkei.harness.lti.protocol.jose import JoseFailure, decode_unverified
from renkei.harness.lti.protocol.remote_jwks import JwksUnavailable
from renkei.mocks.eportal.config import ToolRegistration
from renkei.mocks.eportal.http import accepts, json_response, oauth_error
from renkei.mocks.eportal.state import EportalState, Grant


def _state(request: Request) -> EportalState:
    return request.app.state.eportal


class AssertionRejected(Exception):
    """The client assertion breaks a rule of [SEC §4.1.1]; ``str()`` names the claim."""


def _number(claims: dict[str, Any], name: str) -> float:
    value = claims.get(name)
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise AssertionRejected(f"client_assertion claim '{name}' is missing or not a number [SEC §4.1.1]")
    return float(value)


def _check_assertion_claims(st: EportalState, claims: dict[str, Any]) -> tuple[str, float]:
    """iss, sub, exp, iat, aud, jti per [SEC §4.1.1]; returns (jti, exp)."""
    config = st.config
    if claims.get("sub") != claims.get("iss") and not config.has("skip_assertion_sub_check") \
            and not config.has("assertion_client_from_sub"):
        raise AssertionRejected("client_assertion claim 'sub' must equal 'iss' (the client_id) [CORE §6.2]")
    now = config.clock()
    if "exp" not in claims and config.has("accept_assertion_without_exp"):
        exp = now + config.access_token_ttl  # how long the jti is remembered
    else:
        exp = _number(claims, "exp")
        if exp <= now:
            raise AssertionRejected("client_assertion claim 'exp' is in the past [SEC §4.1.1]")
    if _number(claims, "iat") > now + config.iat_skew_seconds:
        raise AssertionRejected("client_assertion claim 'iat' is in the future [SEC §4.1.1]")
    aud = claims.get("aud")
    audiences = [aud] if isinstance(aud, str) else aud
    if not isinstance(audiences, list) or config.token_url not in audiences:
        raise AssertionRejected("client_assertion claim 'aud' must contain the token endpoint URL [SEC §4.1.1]")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti:
        raise AssertionRejected("client_assertion claim 'jti' is required [SEC §4.1.1]")
    return jti, exp


def _allowed_scopes(tool: ToolRegistration) -> set[str]:
    allowed: set[str] = set()
    if tool.nrps:
        allowed.add(vocab.SCOPE_NRPS_READONLY)
    if tool.ags:
        allowed.update(vocab.AGS_SCOPES)
    return allowed


async def token_endpoint(request: Request) -> Response:
    """``POST /token`` (form-encoded) [SEC §4.1.1]."""
    st = _state(request)
    config = st.config
    form = await request.form()
    p = {k: v for k, v in form.items() if isinstance(v, str)}
    if p.get("grant_type") != vocab.GRANT_CLIENT_CREDENTIALS:
        return oauth_error("unsupported_grant_type", "parameter 'grant_type' must be client_credentials")
    if p.get("client_assertion_type") != vocab.CLIENT_ASSERTION_TYPE and not config.has("accept_any_assertion_type"):
        return oauth_error("invalid_request", "parameter 'client_assertion_type' must be "
                           "urn:ietf:params:oauth:client-assertion-type:jwt-bearer [SEC §4.1.1]")
    assertion = p.get("client_assertion", "")
    if not assertion:
        return oauth_error("invalid_request", "parameter 'client_assertion' is required [SEC §4.1.1]")
    requested = p.get("scope", "").split()
    if not requested:
        return oauth_error("invalid_scope", "parameter 'scope' is required [SEC §4.1.1]")
    try:
        _, unverified = decode_unverified(assertion)
    except JoseFailure as failure:
        return oauth_error("invalid_client", f"client_assertion: {failure}")
    tool = config.tool(unverified.get("sub" if config.has("assertion_client_from_sub") else "iss"))
    if tool is None:
        return oauth_error("invalid_client", "client_assertion claim 'iss' is not a registered client_id "
                           "[CORE §6.2]")
    try:
        jti, exp = _check_assertion_claims(st, unverified)
        await st.tool_keys.verify(tool, assertion)
    except AssertionRejected as exc:
        return oauth_error("invalid_client", str(exc))
    except JwksUnavailable as exc:
        return oauth_error("invalid_client", str(exc))
    except JoseFailure as failure:
        return oauth_error("invalid_client", f"client_assertion {failure.code}: {failure} [SEC §4.1.1]")
    now = config.clock()
    st.expire(now)
    key = (tool.client_id, jti)
    if key in st.jtis and not config.has("accept_replayed_jti"):
        return oauth_error("invalid_client", "client_assertion claim 'jti' was already used: replayed "
                           "assertion [SEC §4.1.1]")
    st.jtis[key] = exp
    unknown = [s for s in requested if s not in vocab.ALL_SERVICE_SCOPES]
    if unknown and not config.has("ignore_unknown_scope"):
        return oauth_error("invalid_scope", f"{len(unknown)} requested scope(s) are not LTI service scopes "
                           "this platform knows [SEC §4.1]")
    granted = [s for s in dict.fromkeys(requested) if s in _allowed_scopes(tool)]
    if not granted and not config.has("ignore_unknown_scope"):
        return oauth_error("invalid_scope", "none of the requested scopes is enabled for this tool [SEC §4.1]")
    access_token = st.token(32)
    st.grants[access_token] = Grant(tool.client_id, frozenset(granted), now + config.access_token_ttl)
    scope_text = " ".join(requested) if config.has("ignore_unknown_scope") else " ".join(granted)
    return json_response(
        {"access_token": access_token, "token_type": "bearer", "expires_in": config.access_token_ttl,
         "scope": scope_text},
        headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
    )


def require_scope(request: Request, any_of: Sequence[str]) -> Grant | Response:
    """The grant behind the bearer token, or the 401/403 response to send (RFC 6750 §3)."""
    st = _state(request)
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return oauth_error("invalid_token", "missing 'Authorization: Bearer' header", 401,
                           headers={"WWW-Authenticate": 'Bearer realm="renkei-eportal"'})
    grant = st.grants.get(token.strip())
    if grant is None or grant.expires <= st.config.clock():
        return oauth_error("invalid_token", "bearer token is unknown or expired", 401,
                           headers={"WWW-Authenticate": 'Bearer realm="renkei-eportal", error="invalid_token"'})
    if not st.config.has("no_scope_enforcement") and not set(any_of) & grant.scopes:
        return oauth_error("insufficient_scope", "bearer token lacks the scope this endpoint needs", 403,
                           headers={"WWW-Authenticate": 'Bearer realm="renkei-eportal", error="insufficient_scope"'})
    return grant


class BadQuery(Exception):
    """A query parameter is malformed; ``str()`` names it."""


def _nonneg_int(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if not raw.isdigit():
        raise BadQuery(f"query parameter '{name}' must be a non-negative integer")
    return int(raw)


def paginate(request: Request, items: list[Any], base_url: str) -> tuple[list[Any], dict[str, str]]:
    """Apply ``limit`` (+ this mock's ``offset`` cursor) and build ``Link: <…>; rel="next"``.

    Absence of rel="next" means last page [NRPS], [AGS §3.2.4]. Other query parameters
    (filters) are carried into the next link unchanged.
    """
    limit = _nonneg_int(request, "limit")
    offset = _nonneg_int(request, "offset") or 0
    if limit == 0:
        raise BadQuery("query parameter 'limit' must be at least 1")
    if limit is None:
        return items[offset:], {}
    page = items[offset:offset + limit]
    headers: dict[str, str] = {}
    config = _state(request).config
    if config.has("paging_ends_at_page_2") and offset >= limit:  # the fault: page 2 is served as the last
        return page, headers
    if offset + limit < len(items) and not config.has("no_link_paging"):
        query = {k: v for k, v in request.query_params.items() if k != "offset"}
        query["offset"] = str(offset + limit)
        headers["Link"] = f'<{base_url}?{urlencode(query)}>; rel="next"'
    return page, headers


def _role_matches(wanted: str, roles: list[str]) -> bool:
    """``role`` filter accepts a full URI or a simple context role name [NRPS]."""
    if "#" in wanted or ":" in wanted:
        return wanted in roles
    return any(r.startswith("http://purl.imsglobal.org/vocab/lis/v2/membership")
               and vocab.simple_role_name(r) == wanted for r in roles)


async def memberships(request: Request) -> Response:
    """``GET /nrps/{context}`` [NRPS]."""
    grant = require_scope(request, [vocab.SCOPE_NRPS_READONLY])
    if isinstance(grant, Response):
        return grant
    st = _state(request)
    tool = st.config.tool(grant.client_id)
    assert tool is not None
    if not tool.nrps:
        return oauth_error("insufficient_scope", "NRPS is not enabled for this tool registration", 403)
    context_id = request.path_params["context"]
    school_class = st.roster.classes.get(context_id)
    if school_class is None:
        return oauth_error("not_found", "no context with this id", 404)
    if not accepts(request, vocab.MEDIA_NRPS_MEMBERSHIP):
        return oauth_error("not_acceptable", f"Accept must allow {vocab.MEDIA_NRPS_MEMBERSHIP} [NRPS]", 406)
    if "rlid" in request.query_params:
        return oauth_error("invalid_request", "resource link membership ('rlid') is not offered by this mock")
    members: dict[str, dict[str, Any]] = {}
    for user, enrollment in st.roster.members(context_id):
        entry = members.setdefault(user.sourced_id, {"status": "Inactive", "user_id": user.sub, "roles": [],
                                                     "lis_person_sourcedid": user.sourced_id})
        if enrollment.active and user.enabled:
            entry["status"] = "Active"
        for role in st.roster.context_roles(user, context_id):
            if role not in entry["roles"]:
                entry["roles"].append(role)
        if tool.nrps_pii:
            entry.update(name=user.name, given_name=user.given_name, family_name=user.family_name)
            if user.email:
                entry["email"] = user.email
    listed = list(members.values())
    role = request.query_params.get("role")
    if role:
        listed = [m for m in listed if _role_matches(role, m["roles"])]
    url = st.config.url(f"/nrps/{context_id}")
    try:
        page, headers = paginate(request, listed, url)
    except BadQuery as exc:
        return oauth_error("invalid_request", str(exc))
    body = {"id": url, "context": {"id": school_class.sourced_id, "label": school_class.label,
                                   "title": school_class.title}, "members": page}
    return json_response(body, media_type=vocab.MEDIA_NRPS_MEMBERSHIP, headers=headers)
