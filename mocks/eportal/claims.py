"""The id_token the mock e-portal issues for a launch: security claims [SEC §5.1.2], LTI Core
claims [CORE §5.3/§5.4], Deep Linking settings [DL §4.4.1] and service claims [NRPS], [AGS §3.1].

Why one builder: every launch variant the cert suite exercises (full / no-PII, student /
instructor, resource link / deep linking request, with / without context) [CERT §5.1, §5.2] is a
parameter here, and each fault corrupts exactly one claim so a red run has one known cause.
"""

from __future__ import annotations

import hashlib
from typing import Any

from renkei.harness.lti.protocol import vocab
from renkei.mocks.eportal.config import EportalConfig, ToolRegistration
from renkei.mocks.eportal.roster import Roster, User
from renkei.mocks.eportal.state import DeepLinkRequest, EportalState, PendingLaunch

MOCK_VERSION = "0.1.0"


def default_resource_link_id(deployment_id: str, context_id: str | None, client_id: str) -> str:
    """Stable per (deployment, context, tool), ≤255 ASCII [CORE §5.3.5]."""
    digest = hashlib.sha256(f"{deployment_id}\x00{context_id or ''}\x00{client_id}".encode()).hexdigest()
    return "rl-" + digest[:24]


def _roles(config: EportalConfig, roster: Roster, user: User, context_id: str | None) -> list[str]:
    roles = roster.context_roles(user, context_id) if context_id else []
    roles += [r for r in user.institution_roles if r not in roles]
    if config.has("roles_simple_names"):  # fault: deprecated simple names only [CORE App. A]
        return list(dict.fromkeys(vocab.simple_role_name(r) for r in roles))
    return roles


def _pii(config: EportalConfig, user: User, mode: str) -> dict[str, str]:
    """OIDC profile claims [CORE §5.3.6]; 'none' is the cert suite's "without PII" [CERT §5.1]."""
    if config.has("pii_leak"):
        mode = "full"
    pad = " " if config.has("whitespace_in_claims") else ""
    claims: dict[str, str] = {}
    if mode in ("full", "names"):
        claims.update(given_name=user.given_name + pad, family_name=user.family_name + pad, name=user.name + pad)
    if mode in ("full", "email") and user.email:
        claims["email"] = user.email
    return claims


def _service_claims(config: EportalConfig, state: EportalState, tool: ToolRegistration,
                    context_id: str | None, link_id: str | None) -> dict[str, Any]:
    """Service endpoints as fully resolved URLs, one claim per service [CORE §6.1]."""
    if context_id is None:
        return {}
    claims: dict[str, Any] = {}
    if tool.nrps:
        claims[vocab.CLAIM_NRPS] = {
            "context_memberships_url": config.url(f"/nrps/{context_id}"),
            "service_versions": list(vocab.NRPS_SERVICE_VERSIONS),
        }
    if tool.ags:
        endpoint: dict[str, Any] = {
            "scope": list(vocab.AGS_SCOPES),
            "lineitems": config.url(f"/ags/{context_id}/lineitems"),
        }
        items = state.items_for_link(link_id) if link_id else []
        if len(items) == 1:  # `lineitem` only when the link has exactly one [AGS §3.1]
            endpoint["lineitem"] = config.url(f"/ags/{context_id}/lineitems/{items[0].number}")
        claims[vocab.CLAIM_AGS] = endpoint
    return claims


def build_id_token_claims(state: EportalState, launch: PendingLaunch, nonce: str) -> dict[str, Any]:
    config, roster = state.config, state.roster
    tool = config.tool(launch.client_id)
    user = roster.users[launch.user_id]
    assert tool is not None  # the launch was issued for a registered tool
    now = int(config.clock())
    iat, exp = (now - 360, now - 60) if config.has("expired_id_token") else (now, now + config.id_token_ttl)
    claims: dict[str, Any] = {
        "iss": config.issuer,
        "aud": tool.client_id,
        "azp": tool.client_id,
        "sub": user.sub,
        "iat": iat,
        "exp": exp,
        "nonce": nonce,
        vocab.CLAIM_MESSAGE_TYPE: launch.message_type,
        vocab.CLAIM_VERSION: "1.3" if config.has("wrong_version") else vocab.LTI_VERSION,
        vocab.CLAIM_DEPLOYMENT_ID: launch.deployment_id,
        vocab.CLAIM_TARGET_LINK_URI: launch.target_link_uri,
        vocab.CLAIM_ROLES: _roles(config, roster, user, launch.context_id),
        vocab.CLAIM_TOOL_PLATFORM: {
            "guid": config.platform_guid, "name": config.platform_name,
            "product_family_code": "renkei-mock-eportal", "version": MOCK_VERSION,
        },
        vocab.CLAIM_LAUNCH_PRESENTATION: {
            "document_target": "iframe", "locale": config.locale, "return_url": config.url("/return"),
        },
        vocab.CLAIM_LIS: {"person_sourcedid": user.sourced_id},
        "locale": config.locale,
    }
    if config.has("no_nonce"):
        del claims["nonce"]
    claims.update(_pii(config, user, launch.pii))
    if launch.context_id is not None:
        school_class = roster.classes[launch.context_id]
        claims[vocab.CLAIM_CONTEXT] = {
            "id": school_class.sourced_id, "label": school_class.label, "title": school_class.title,
            "type": [vocab.CONTEXT_TYPE_COURSE_SECTION],
        }
        claims[vocab.CLAIM_LIS]["course_section_sourcedid"] = school_class.sourced_id
    custom = dict(tool.custom)
    link = state.links.get(launch.link_id) if launch.link_id else None
    if link is not None:
        custom.update(link.custom)  # content item custom MUST be included in later launches [DL §3.2]
    if custom:
        claims[vocab.CLAIM_CUSTOM] = custom
    if launch.message_type == vocab.MSG_RESOURCE_LINK:
        resource_link: dict[str, Any] = {"id": launch.resource_link_id}
        if link is not None and link.title:
            resource_link["title"] = link.title
        claims[vocab.CLAIM_RESOURCE_LINK] = resource_link
        claims.update(_service_claims(config, state, tool, launch.context_id, launch.link_id))
    else:  # LtiDeepLinkingRequest: no resource_link claim [DL §4.4]
        data = state.token()
        state.dl_requests[data] = DeepLinkRequest(data, tool.client_id, launch.deployment_id,
                                                  launch.context_id, config.clock())
        claims[vocab.CLAIM_DL_SETTINGS] = {
            "deep_link_return_url": config.url("/dl/return"),
            "accept_types": ["ltiResourceLink", "link"],
            "accept_presentation_document_targets": ["iframe", "window"],
            "accept_multiple": True,
            "accept_lineitem": True,
            "auto_create": True,
            "title": "教材の選択",
            "text": "学習eポータルに追加する教材を選んでください",
            "data": data,
        }
        claims.update(_service_claims(config, state, tool, launch.context_id, None))
    return claims
