"""The Deep Linking return endpoint: validate the tool's LtiDeepLinkingResponse, store links.

Validation follows [SEC §5.2.3] (signature with the tool's key, ``iss`` = client_id, ``aud`` =
this issuer without untrusted extras, ``azp``, ``exp``, ``nonce`` present and not replayed) and
[DL §4.5] (message_type, version, deployment_id of the registration, ``data`` echoed, content
items well formed). ``ltiResourceLink`` items become launchable links (``/launch?link=``) and
their ``lineItem`` becomes an AGS line item [DL §3.2]. Answers are JSON, 200 or 400.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from renkei.harness.lti.protocol import vocab
from renkei.harness.lti.protocol.jose import JoseFailure, decode_unverified
from renkei.harness.lti.protocol.remote_jwks import JwksUnavailable
from renkei.mocks.eportal.http import json_response, oauth_error
from renkei.mocks.eportal.state import EportalState, Link


class DeepLinkRejected(Exception):
    """The response breaks a rule; ``str()`` names the claim, never its value."""


def _state(request: Request) -> EportalState:
    return request.app.state.eportal


def _check_claims(st: EportalState, client_id: str, claims: dict[str, Any]) -> str:
    """Return the echoed data token after all claim rules pass; ``client_id`` is the tool's (its ``iss``)."""
    config = st.config
    now = config.clock()
    aud = claims.get("aud")
    audiences = [aud] if isinstance(aud, str) else aud
    if not isinstance(audiences, list) or config.issuer not in audiences:
        raise DeepLinkRejected("claim 'aud' must contain the platform issuer [SEC §5.2.3]")
    if any(a != config.issuer for a in audiences):
        raise DeepLinkRejected("claim 'aud' contains an untrusted extra audience [SEC §5.2.3]")
    if "azp" in claims and claims["azp"] != client_id:
        raise DeepLinkRejected("claim 'azp' is not the tool's client_id [SEC §5.2.3]")
    exp = claims.get("exp")
    if exp is None and config.has("accept_dl_without_exp"):
        exp = now + config.launch_ttl  # how long the nonce is remembered
    if not isinstance(exp, int | float) or isinstance(exp, bool):
        raise DeepLinkRejected("claim 'exp' is missing or not a number [SEC §5.2.3]")
    if exp <= now:
        raise DeepLinkRejected("claim 'exp' is in the past: the response has expired [SEC §5.2.3]")
    iat = claims.get("iat")
    if not isinstance(iat, int | float) or isinstance(iat, bool) or iat > now + config.iat_skew_seconds:
        raise DeepLinkRejected("claim 'iat' is missing, not a number or in the future [SEC §5.2.3]")
    nonce = claims.get("nonce")
    if nonce is None and config.has("accept_dl_without_nonce"):
        nonce = st.token(12)  # nothing to replay-check: a fresh key that is never seen again
    if not isinstance(nonce, str) or not nonce:
        raise DeepLinkRejected("claim 'nonce' is required [SEC §5.2.3]")
    key = f"{client_id}\x00{nonce}"
    if key in st.dl_nonces and not config.has("accept_replayed_dl_nonce"):
        raise DeepLinkRejected("claim 'nonce' was already used: replayed response [SEC §5.2.3]")
    if claims.get(vocab.CLAIM_MESSAGE_TYPE) != vocab.MSG_DEEP_LINKING_RESPONSE:
        raise DeepLinkRejected("claim 'message_type' must be LtiDeepLinkingResponse [DL §4.5]")
    if claims.get(vocab.CLAIM_VERSION) != vocab.LTI_VERSION:
        raise DeepLinkRejected("claim 'version' must be 1.3.0 [DL §4.5]")
    tool = config.tool(client_id)
    assert tool is not None
    deployments = not config.has("skip_dl_deployment_check")
    if deployments and claims.get(vocab.CLAIM_DEPLOYMENT_ID) not in tool.deployment_ids:
        raise DeepLinkRejected("claim 'deployment_id' is not a deployment of this tool [DL §4.5.4]")
    data = claims.get(vocab.CLAIM_DL_DATA)
    request = st.dl_requests.get(data) if isinstance(data, str) else None
    if request is None or request.client_id != client_id:
        raise DeepLinkRejected("claim 'data' must echo the data of a pending Deep Linking request [DL §4.5.5]")
    if deployments and not config.has("dl_deployment_registered_only") and (
            request.deployment_id != claims[vocab.CLAIM_DEPLOYMENT_ID]):
        raise DeepLinkRejected("claim 'deployment_id' differs from the Deep Linking request's [DL §4.5.4]")
    items = claims.get(vocab.CLAIM_DL_CONTENT_ITEMS, [])
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise DeepLinkRejected("claim 'content_items' must be an array of objects [DL §4.5.6]")
    for index, item in enumerate(items):
        _check_item(index, item)
    st.dl_nonces[key] = float(exp)
    return data


def _check_item(index: int, item: dict[str, Any]) -> None:
    where = f"content_items[{index}]"
    if not isinstance(item.get("type"), str) or not item["type"]:
        raise DeepLinkRejected(f"{where}: field 'type' is required [DL §3]")
    if item["type"] == "link" and not isinstance(item.get("url"), str):
        raise DeepLinkRejected(f"{where}: field 'url' is required for a link [DL §3]")
    if item["type"] != "ltiResourceLink":
        return
    if "url" in item and not (isinstance(item["url"], str) and item["url"].startswith(("http://", "https://"))):
        raise DeepLinkRejected(f"{where}: field 'url' must be an absolute http(s) URL [DL §3.2]")
    custom = item.get("custom", {})
    if not isinstance(custom, dict) or not all(isinstance(v, str) for v in custom.values()):
        raise DeepLinkRejected(f"{where}: field 'custom' must map names to strings [DL §3.2]")
    line_item = item.get("lineItem")
    if line_item is not None:
        if not isinstance(line_item, dict):
            raise DeepLinkRejected(f"{where}: field 'lineItem' must be an object [DL §3.2]")
        maximum = line_item.get("scoreMaximum")
        if not isinstance(maximum, int | float) or isinstance(maximum, bool) or maximum <= 0:
            raise DeepLinkRejected(f"{where}: field 'lineItem.scoreMaximum' is required and > 0 [DL §3.2]")


def _store(st: EportalState, client_id: str, data: str, claims: dict[str, Any]) -> list[Link]:
    request = st.dl_requests[data]  # kept until expiry: a replay must be caught by its nonce
    created: list[Link] = []
    for item in claims.get(vocab.CLAIM_DL_CONTENT_ITEMS, []):
        if item["type"] != "ltiResourceLink":
            continue
        link = Link(id="dl-" + st.token(12), client_id=client_id, deployment_id=request.deployment_id,
                    context_id=request.context_id, url=item.get("url"), title=str(item.get("title", "")),
                    custom=dict(item.get("custom", {})))
        st.links[link.id] = link
        line_item = item.get("lineItem")
        if isinstance(line_item, dict) and request.context_id is not None:
            data_item = {"label": str(line_item.get("label") or link.title or "課題"),
                         **{k: v for k, v in line_item.items() if k in ("scoreMaximum", "resourceId", "tag",
                                                                        "gradesReleased")},
                         "resourceLinkId": link.id}
            link.line_item_ids.append(st.add_line_item(request.context_id, client_id, data_item).number)
        created.append(link)
    return created


async def deep_link_return(request: Request) -> Response:
    """``POST /dl/return`` with form field ``JWT`` [DL §2.3, §4.5]."""
    st = _state(request)
    form = await request.form()
    token = form.get("JWT")
    if not isinstance(token, str) or not token:
        return oauth_error("invalid_request", "form field 'JWT' is required [DL §4.5]")
    try:
        _, unverified = decode_unverified(token)
    except JoseFailure as failure:
        return oauth_error("invalid_request", f"JWT: {failure}")
    tool = st.config.tool(unverified.get("iss"))
    if st.config.has("dl_client_from_request"):  # the fault: trust the pending request, not iss
        data = unverified.get(vocab.CLAIM_DL_DATA)
        pending = st.dl_requests.get(data) if isinstance(data, str) else None
        tool = st.config.tool(pending.client_id) if pending is not None else None
    if tool is None:
        return oauth_error("invalid_client", "claim 'iss' is not the client_id of a registered tool [SEC §5.2.3]")
    try:
        _, claims = await st.tool_keys.verify(tool, token)
    except JwksUnavailable as exc:
        return oauth_error("invalid_request", str(exc))
    except JoseFailure as failure:
        return oauth_error("invalid_request", f"JWT {failure.code}: {failure} [SEC §5.2.3]")
    st.expire(st.config.clock())
    try:
        data = _check_claims(st, tool.client_id, claims)
    except DeepLinkRejected as exc:
        return oauth_error("invalid_request", str(exc))
    links = _store(st, tool.client_id, data, claims)
    body: dict[str, Any] = {"status": "accepted", "links": [link.as_json() for link in links]}
    for name, claim in (("msg", vocab.CLAIM_DL_MSG), ("errormsg", vocab.CLAIM_DL_ERRORMSG)):
        if isinstance(claims.get(claim), str):
            body[name] = claims[claim]
    return json_response(body)
