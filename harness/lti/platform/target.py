"""An opened ``lti-platform`` target: the vendor's Platform, with renkei's Tool side served.

Wires the target file (``config``), the harness's Tool side, the launcher and the service client
together; the checks receive this object.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from renkei.harness.core.breaker import CircuitBreaker
from renkei.harness.core.memo import Memo
from renkei.harness.lti.platform.config import PlatformTargetConfig, load_target
from renkei.harness.lti.platform.launch import PlatformLauncher
from renkei.harness.lti.platform.services import ServiceClient
from renkei.harness.lti.platform.tool_side import ToolSide
from renkei.harness.lti.protocol.jose import KeyStore, generate_rsa_key
from renkei.harness.lti.protocol.transport import Endpoint, probe, ssl_context
from renkei.harness.serving import BackgroundServer


class LtiPlatformTarget:
    """An opened ``lti-platform`` target: keys, the served Tool side, the launcher and service client.

    ``serve=False`` with an httpx ``transport`` runs everything in-process (tests against the mock
    e-portal); by default the Tool side is served with uvicorn on ``harness.listen`` so the Platform
    can fetch the harness JWKS and a hook-driven browser can reach the login and redirect URIs.
    ``shared`` memoises exchanges several checks judge (scenario launches, Deep Linking, services).
    """

    def __init__(
        self,
        config: PlatformTargetConfig,
        params: dict[str, Any] | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        serve: bool = True,
        environ: dict[str, str] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.params = dict(params or {})
        self.clock = clock
        obs = config.observation
        self.verify = ssl_context(verify=obs.verify_tls, ca_file=config.tls.ca_file, where=config.path or "(inline)")
        self.breaker = CircuitBreaker("the Platform under test", threshold=obs.max_consecutive_timeouts)
        headers, auth = config.resolve_secrets(environ)
        if config.harness.keys_dir:
            store = KeyStore(Path(config.harness.keys_dir))
            key, published = store.current(), store.keys()
        else:
            key = generate_rsa_key()
            published = [key]
        self.key = key
        self.attacker_key = generate_rsa_key(kid=key.kid or key.thumbprint())  # same kid, other key
        self.tool_side = ToolSide(config, published, clock=clock)
        self.server: BackgroundServer | None = None
        if serve:
            listen = config.harness.listen
            self.server = BackgroundServer(self.tool_side.app, listen.host, listen.port,
                                           name="renkei's Tool side (harness.listen)",
                                           certfile=listen.certfile, keyfile=listen.keyfile)
            self.server.start()
        try:
            self.launcher = PlatformLauncher(config, self.tool_side, transport=transport, secret_headers=headers,
                                             auth=auth, verify=self.verify, breaker=self.breaker)
        except Exception:
            self.close()
            raise
        self.services = ServiceClient(config, self.launcher.api, key, self.attacker_key, clock)
        self._memo = Memo()

    def shared(self, name: str, factory: Callable[[], Any]) -> Any:
        """Run ``factory`` once per target; a peer that could not be reached stays unreachable for
        every check that needs the same exchange (the failure is kept and raised again)."""
        return self._memo(name, factory)

    def probe(self) -> None:
        """Before the run: every Platform origin the profile needs accepts a connection and a trusted
        TLS handshake, or the target cannot be used (``TargetError``, exit 2). The issuer is an
        identifier, not an endpoint, so it is not probed."""
        cfg = self.config
        p = cfg.platform
        endpoints = [Endpoint("platform.auth_url", p.auth_url), Endpoint("platform.jwks_url", p.jwks_url)]
        if p.token_url and (p.services.nrps or p.services.ags):
            endpoints.append(Endpoint("platform.token_url", p.token_url))
        if cfg.launches.mode == "scripted":
            endpoints += [Endpoint(f"launches.scenarios.{s}", cfg.launch_url(s)) for s in cfg.launches.scenarios]
        probe(endpoints, verify=self.verify, timeout=cfg.observation.timeout_seconds, where=cfg.path or "(inline)",
              product="Platform", breaker=self.breaker)

    def describe(self) -> dict[str, Any]:
        return self.config.describe()

    def close(self) -> None:
        launcher = getattr(self, "launcher", None)
        if launcher is not None:
            launcher.close()
        if self.server is not None:
            self.server.stop()
            self.server = None


def open_target(target: str, params: dict[str, Any]) -> LtiPlatformTarget:
    """``TargetKind.open`` for ``lti-platform``: the argument is the path of the target YAML file."""
    opened = LtiPlatformTarget(load_target(target), params)
    try:
        opened.probe()
    except BaseException:
        opened.close()
        raise
    return opened
