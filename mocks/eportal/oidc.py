"""The launch starter and the OIDC authorization endpoint of the mock e-portal.

Flow [SEC §5.1.1]: ``GET /launch`` (the e-portal's "open this app" button) starts a third-party
initiated login at the tool's login URL (step 1, GET redirect or auto-POST form, [SEC §5.1.1.1],
[CORE §4.1]); the tool answers with an authentication request to ``/auth`` (step 2,
[SEC §5.1.1.2]); ``/auth`` validates it and form-posts the signed id_token to the registered
redirect URI (step 3, [SEC §5.1.1.3]). Errors before the redirect URI is trusted are plain 400
JSON and never a redirect; later errors go back to the redirect URI per OIDC Core §3.1.2.6.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from renkei.harness.lti.protocol import vocab
from renkei.harness.lti.protocol.jose import sign_jwt
from renkei.mocks.eportal.claims import build_id_token_claims, default_resource_link_id
from renkei.mocks.eportal.config import PII_MODES
from renkei.mocks.eportal.forms import autosubmit_response
from renkei.mocks.eportal.http import oauth_error, params
from renkei.mocks.eportal.state import EportalState, PendingLaunch


def _state(request: Request) -> EportalState:
    return request.app.state.eportal


async def launch_start(request: Request) -> Response:
    """``GET /launch?client_id=&user=&context=&message_type=&method=get|post&pii=&deployment_id=&link=``."""
    st = _state(request)
    config, roster = st.config, st.roster
    q = request.query_params
    client_id = q.get("client_id") or (config.tools[0].client_id if len(config.tools) == 1 else "")
    tool = config.tool(client_id)
    if tool is None:
        return oauth_error("invalid_request", "parameter 'client_id' is missing or names no registered tool")
    user = roster.find_user(q.get("user", ""))
    if user is None:
        return oauth_error("invalid_request", "parameter 'user' names no user in the roster "
                           "(give a sourcedId, userMasterIdentifier or username)")
    if not user.enabled:
        return oauth_error("access_denied", "the user is disabled or deleted in the roster", 403)
    message_type = q.get("message_type", vocab.MSG_RESOURCE_LINK)
    if message_type not in vocab.LAUNCH_MESSAGE_TYPES:
        return oauth_error("invalid_request", "parameter 'message_type' must be LtiResourceLinkRequest "
                           "or LtiDeepLinkingRequest")
    if message_type == vocab.MSG_DEEP_LINKING_REQUEST and not tool.deep_linking:
        return oauth_error("invalid_request", "Deep Linking is not enabled for this tool registration")
    method = q.get("method", "get").lower()
    if method not in ("get", "post"):
        return oauth_error("invalid_request", "parameter 'method' must be get or post")
    pii = q.get("pii", "full")
    if pii not in PII_MODES:
        return oauth_error("invalid_request", f"parameter 'pii' must be one of {', '.join(PII_MODES)}")
    deployment_id = q.get("deployment_id") or tool.deployment_ids[0]
    if deployment_id not in tool.deployment_ids:
        return oauth_error("invalid_request", "parameter 'deployment_id' is not a deployment of this tool")
    context_id = q.get("context") or None
    link_id = q.get("link") or None
    target = tool.dl_target if message_type == vocab.MSG_DEEP_LINKING_REQUEST else tool.target_link_uri
    if link_id is not None:
        link = st.links.get(link_id)
        if link is None or link.client_id != tool.client_id or message_type != vocab.MSG_RESOURCE_LINK:
            return oauth_error("invalid_request", "parameter 'link' names no resource link of this tool")
        context_id, deployment_id = link.context_id, link.deployment_id
        target = link.url or tool.target_link_uri  # content item url is the target [DL §3.2]
    if context_id is not None:
        if context_id not in roster.classes:
            return oauth_error("invalid_request", "parameter 'context' names no class in the roster")
        if not roster.context_roles(user, context_id):
            return oauth_error("invalid_request", "the user is not enrolled in this context")
        if not any(e.active for e in roster.enrollments
                   if e.user_sourced_id == user.sourced_id and e.class_sourced_id == context_id):
            # a 転出, a class change or 年次更新 ended the enrollment (tobedeleted): the class no longer launches them
            return oauth_error("access_denied", "the user's enrollment in this context has ended (tobedeleted)", 403)
    resource_link_id = None
    if message_type == vocab.MSG_RESOURCE_LINK:
        resource_link_id = link_id or default_resource_link_id(deployment_id, context_id, tool.client_id)
    st.expire(config.clock())
    hint = st.token()
    st.launches[hint] = PendingLaunch(
        message_hint=hint, client_id=tool.client_id, deployment_id=deployment_id, user_id=user.sourced_id,
        login_hint=user.sub, context_id=context_id, message_type=message_type, target_link_uri=target,
        resource_link_id=resource_link_id, link_id=link_id, pii=pii, created=config.clock(),
    )
    # Login initiation parameters [SEC §5.1.1.1] + [CORE §4.1.1-§4.1.3].
    fields = {
        "iss": config.issuer,
        "login_hint": user.sub,
        "target_link_uri": target,
        "lti_message_hint": hint,
        "lti_deployment_id": deployment_id,
        "client_id": tool.client_id,
    }
    if method == "post":
        return autosubmit_response(tool.login_url, fields)
    separator = "&" if "?" in tool.login_url else "?"
    return RedirectResponse(tool.login_url + separator + urlencode(fields), status_code=302,
                            headers={"Cache-Control": "no-store"})


async def authorize(request: Request) -> Response:
    """``GET|POST /auth``: validate the authentication request and form-post the id_token."""
    st = _state(request)
    config = st.config
    p = await params(request)
    tool = config.tool(p.get("client_id"))
    if tool is None:
        return oauth_error("unauthorized_client", "parameter 'client_id' is missing or names no registered tool")
    redirect_uri = p.get("redirect_uri", "")
    if not redirect_uri:
        return oauth_error("invalid_request", "parameter 'redirect_uri' is required")
    if redirect_uri not in tool.redirect_uris and not config.has("no_redirect_uri_check"):
        # Never redirect to an unregistered URI [SEC §5.1.1.3, CERT §4.2.1].
        return oauth_error("invalid_request", "parameter 'redirect_uri' is not registered for this client_id")
    state_value = p.get("state")

    def fail(error: str, description: str) -> Response:
        fields = {"error": error, "error_description": description}
        if state_value is not None:
            fields["state"] = state_value
        return autosubmit_response(redirect_uri, fields)

    # Required authentication request parameters [SEC §5.1.1.2].
    if p.get("response_type") != "id_token":
        return fail("unsupported_response_type", "parameter 'response_type' must be id_token")
    if "openid" not in p.get("scope", "").split():
        return fail("invalid_scope", "parameter 'scope' must contain openid")
    if p.get("response_mode") != "form_post":
        return fail("invalid_request", "parameter 'response_mode' must be form_post")
    if p.get("prompt") != "none":
        return fail("invalid_request", "parameter 'prompt' must be none")
    nonce = p.get("nonce", "")
    if not nonce:
        return fail("invalid_request", "parameter 'nonce' is required")
    st.expire(config.clock())
    launch = st.launches.get(p.get("lti_message_hint", ""))
    if launch is None or launch.client_id != tool.client_id:
        # lti_message_hint MUST be echoed unaltered [CORE §4.1.1]; an unknown one is not ours.
        return fail("invalid_request", "parameter 'lti_message_hint' is missing, altered or expired")
    if p.get("login_hint") != launch.login_hint:
        # The logged-in user must match login_hint [SEC §5.1.1.3].
        return fail("login_required", "parameter 'login_hint' does not match the user who started the launch")
    claims = build_id_token_claims(st, launch, nonce)
    id_token = sign_jwt(claims, st.keys.current(), include_kid=not config.has("sign_without_kid"))
    fields = {"id_token": id_token}
    if state_value is not None:
        fields["state"] = state_value
    return autosubmit_response(redirect_uri, fields)
