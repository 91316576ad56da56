"""The mock tool's LtiDeepLinkingResponse [DL §4.5], a tool-originating message [SEC §5.2].

Why a fixed content item: the point is a response the platform under test must accept and turn
into a working link, not a content picker. One ``ltiResourceLink`` pointing back at the tool's
redirect URI, with a string ``custom`` value the later launch must carry [DL §3.2], and a
``lineItem`` when the platform says it accepts one (``accept_lineitem``).
"""

from __future__ import annotations

import secrets
from typing import Any

from renkei.harness.lti.protocol import vocab
from renkei.harness.lti.protocol.jose import RSAKey, sign_jwt
from renkei.mocks.app.config import ToolConfig

ACTIVITY_ID = "kanji-drill-1"
ACTIVITY_TITLE = "漢字ドリル 1 (renkei mock)"
RESPONSE_LIFETIME_SECONDS = 600


def content_items(config: ToolConfig, settings: dict[str, Any]) -> list[dict[str, Any]]:
    accept_types = settings.get("accept_types") or []
    if "ltiResourceLink" not in accept_types:
        return []
    item: dict[str, Any] = {
        "type": "ltiResourceLink",
        "title": ACTIVITY_TITLE,
        "text": "renkei の模擬学習アプリが返すリンクです。",
        "url": config.redirect_uri,
        "custom": {"activity_id": ACTIVITY_ID},
    }
    if settings.get("accept_lineitem") is True:
        item["lineItem"] = {"scoreMaximum": 100, "label": ACTIVITY_TITLE, "resourceId": ACTIVITY_ID, "tag": "renkei"}
    return [item]


def build_response_claims(config: ToolConfig, request_claims: dict[str, Any]) -> dict[str, Any]:
    """Claims of the response to one LtiDeepLinkingRequest (already validated)."""
    settings = request_claims.get(vocab.CLAIM_DL_SETTINGS) or {}
    now = int(config.clock())
    items = content_items(config, settings)
    claims: dict[str, Any] = {
        "iss": config.client_id,
        "aud": config.issuer,
        "iat": now,
        "exp": now + RESPONSE_LIFETIME_SECONDS,
        "nonce": secrets.token_urlsafe(24),
        vocab.CLAIM_DEPLOYMENT_ID: request_claims[vocab.CLAIM_DEPLOYMENT_ID],
        vocab.CLAIM_MESSAGE_TYPE: vocab.MSG_DEEP_LINKING_RESPONSE,
        vocab.CLAIM_VERSION: vocab.LTI_VERSION,
        vocab.CLAIM_DL_CONTENT_ITEMS: items,
    }
    if not items:
        claims[vocab.CLAIM_DL_MSG] = "No content item of an accepted type was selected."
    if "data" in settings and not config.has("dl_no_data_echo"):
        claims[vocab.CLAIM_DL_DATA] = settings["data"]
    return claims


def build_response_jwt(config: ToolConfig, key: RSAKey, request_claims: dict[str, Any]) -> str:
    return sign_jwt(build_response_claims(config, request_claims), key)


def return_url(request_claims: dict[str, Any]) -> str:
    return str((request_claims.get(vocab.CLAIM_DL_SETTINGS) or {}).get("deep_link_return_url", ""))
