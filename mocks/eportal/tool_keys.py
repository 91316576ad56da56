"""Verifying tool-signed JWTs (Deep Linking responses, client assertions) with the tool's keys.

A registration gives either a static JWKS, used as-is, or a JWKS URL, fetched and cached by
``renkei.harness.lti.protocol.remote_jwks.RemoteJwks`` (one refetch on an unknown kid, so a rotation is found but a
forged kid cannot make the platform fetch on every request).
"""

from __future__ import annotations

from typing import Any

from renkei.harness.lti.protocol.jose import verify_jwt
from renkei.harness.lti.protocol.remote_jwks import RemoteJwks
from renkei.mocks.eportal.config import EportalConfig, ToolRegistration


class ToolKeys:
    def __init__(self, config: EportalConfig) -> None:
        self.remote = RemoteJwks(default_max_age=config.jwks_max_age_seconds, transport=config.transport,
                                 timeout=config.http_timeout, clock=config.clock, who="tool")

    async def verify(self, tool: ToolRegistration, token: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """Signature check with kid lookup; raises ``JoseFailure`` (``JwksUnavailable`` if unfetchable)."""
        if tool.jwks is not None:
            return verify_jwt(token, tool.jwks)
        return await self.remote.verify(token, tool.jwks_url or "")
