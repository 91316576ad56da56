"""Configuration of the mock 学習アプリ (LTI 1.3 Tool).

One registration with one platform, because that is what a vendor self-test needs: the issuer and
client_id the platform assigned, the platform endpoints the tool talks to, the deployment ids it
accepts [CORE §3.1.3], where its own signing keys live, and ``faults`` that turn it into a
deliberately broken tool for red runs. ``transport`` lets tests drive the platform in-process.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from renkei.harness.core.errors import ConfigError
from renkei.mocks.app.xapi import LrsEndpoint

#: Deliberate defects, each disabling exactly one validation or corrupting one output.
FAULTS: dict[str, str] = {
    "skip_aud_check": "accept id_tokens whose aud lacks client_id or has untrusted extra audiences",
    "skip_signature_check": "accept id_tokens without verifying the JWS signature",
    "accept_alg_none": "accept unsigned id_tokens with alg 'none'",
    "skip_nonce_replay": "accept an id_token whose nonce was already used",
    "skip_state_check": "ignore the state form field and the state cookie",
    "skip_exp_check": "accept expired id_tokens",
    "accept_missing_exp": "accept id_tokens without an exp claim (exp is only compared when present)",
    "skip_deployment_check": "accept unknown deployment_id values (and lti_deployment_id mismatch)",
    "dl_no_data_echo": "omit the data claim from the Deep Linking response",
    "assertion_wrong_aud": "sign service client assertions with an aud that is not the token endpoint",
    "xapi_actor_login_name": "report study logs with the login name as actor.account.name instead of the launch's sub",
    "xapi_scaled_mismatch": "report a completed score whose scaled is not (raw-min)/(max-min)",
}


@dataclass
class ToolConfig:
    """Everything the tool knows about its one platform registration.

    ``token_audience`` is the ``aud`` of client assertions; it defaults to ``token_url``, which
    is what [SEC §4.1.1] suggests when the platform configures nothing else out of band.
    ``allow_anonymous_launch``: [CORE §5.3.6.1] allows a launch without ``sub``, but the cert
    suite's "user Claim Missing" payload must be rejected [CERT §6.1.1]; the default follows
    the cert suite, the switch follows Core.
    """

    client_id: str
    issuer: str
    auth_url: str
    token_url: str
    jwks_url: str
    deployment_ids: frozenset[str]
    base_url: str
    keys_dir: Path
    faults: set[str] = field(default_factory=set)
    token_audience: str | None = None
    trusted_audiences: frozenset[str] = frozenset()
    allow_anonymous_launch: bool = False
    transport: httpx.AsyncBaseTransport | None = None
    http_timeout: float = 10.0
    iat_skew_seconds: int = 60
    login_ttl_seconds: int = 600
    jwks_max_age_seconds: int = 300
    clock: Callable[[], float] = time.time
    lrs: LrsEndpoint | None = None  # where learner launches' study logs go (xAPI); None: the app reports nothing

    def __post_init__(self) -> None:
        self.deployment_ids = frozenset(self.deployment_ids)
        self.trusted_audiences = frozenset(self.trusted_audiences)
        self.faults = set(self.faults)
        self.keys_dir = Path(self.keys_dir)
        self.base_url = self.base_url.rstrip("/")
        unknown = sorted(self.faults - FAULTS.keys())
        if unknown:
            raise ConfigError(f"mock app: unknown fault(s) {', '.join(unknown)}; known: {', '.join(FAULTS)}")
        for name in ("client_id", "issuer", "auth_url", "token_url", "jwks_url", "base_url"):
            if not getattr(self, name):
                raise ConfigError(f"mock app: field '{name}' must not be empty")
        if not self.deployment_ids:
            raise ConfigError("mock app: field 'deployment_ids' must list at least one deployment id")

    @property
    def login_url(self) -> str:
        return f"{self.base_url}/login"

    @property
    def redirect_uri(self) -> str:
        return f"{self.base_url}/launch"

    @property
    def jwks_endpoint(self) -> str:
        return f"{self.base_url}/jwks"

    @property
    def assertion_audience(self) -> str:
        return self.token_audience or self.token_url

    def has(self, fault: str) -> bool:
        return fault in self.faults
