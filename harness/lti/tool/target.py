"""An opened ``lti-tool`` target: the vendor's Tool, with renkei's Platform side served and a launcher.

Wires the target file (``config``), the harness's Platform side and the launcher together; the checks
receive this object. Kept apart from ``config`` so the launcher and the Platform side depend on the
target file without depending on what opens them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from renkei.harness.core.breaker import CircuitBreaker
from renkei.harness.core.errors import ConfigError
from renkei.harness.core.memo import Memo
from renkei.harness.lti.protocol.jose import KeyStore, generate_rsa_key
from renkei.harness.lti.protocol.transport import Endpoint, probe, ssl_context
from renkei.harness.lti.tool.config import ToolTargetConfig, load_target
from renkei.harness.lti.tool.launcher import Launcher
from renkei.harness.lti.tool.platform_side import PlatformSide
from renkei.harness.serving import BackgroundServer


class LtiToolTarget:
    """An opened ``lti-tool`` target: keys, the served Platform side and the launcher.

    ``serve=False`` and an httpx ``transport`` run everything in-process (tests against the mock
    Tool); by default the Platform side is served with uvicorn on ``harness.listen``.
    ``shared`` memoises exchanges several checks judge (baseline launch, Deep Linking, services).
    """

    def __init__(
        self,
        config: ToolTargetConfig,
        params: dict[str, Any] | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        serve: bool = True,
        environ: dict[str, str] | None = None,
        clock: Callable[[], float] = time.time,
        keys: tuple[Any, Any] | None = None,
    ) -> None:
        """``keys`` = (signing key, attacker key with the same kid) lets tests skip RSA generation."""
        self.config = config
        self.params = dict(params or {})
        obs = config.observation
        self.verify = ssl_context(verify=obs.verify_tls, ca_file=config.tls.ca_file, where=config.path or "(inline)")
        self.breaker = CircuitBreaker("the Tool under test", threshold=obs.max_consecutive_timeouts)
        headers, auth = config.resolve_secrets(environ)
        if keys is not None:
            key, attacker = keys
            published = [key]
        else:
            if config.harness.keys_dir:
                store = KeyStore(Path(config.harness.keys_dir))
                key, published = store.current(), store.keys()
            else:
                key = generate_rsa_key()
                published = [key]
            attacker = generate_rsa_key(kid=key.kid or key.thumbprint())
        self.platform = PlatformSide(config, published, clock=clock)
        # built before the server starts: a missing browser engine fails the open cleanly
        self.launcher = Launcher(config, key=key, attacker_key=attacker, platform=self.platform,
                                 transport=transport, secret_headers=headers, auth=auth, clock=clock,
                                 verify=self.verify, breaker=self.breaker)
        self.server: BackgroundServer | None = None
        if serve:
            listen = config.harness.listen
            for name in ("certfile", "keyfile"):
                value = getattr(listen, name)
                if value and not Path(value).is_file():
                    raise ConfigError(f"target {config.path or '(inline)'}: harness.listen.{name}: file {value} "
                                      "does not exist")
            self.server = BackgroundServer(self.platform.app, listen.host, listen.port,
                                           name="renkei's Platform side (harness.listen)",
                                           certfile=listen.certfile, keyfile=listen.keyfile)
            self.server.start()
        self._memo = Memo()

    def shared(self, name: str, factory: Callable[[], Any]) -> Any:
        """Run ``factory`` once per target; a peer that could not be reached stays unreachable for
        every check that needs the same exchange (the failure is kept and raised again)."""
        return self._memo(name, factory)

    def cached(self, name: str) -> Any:
        """A shared exchange if it already ran (and reached the Tool), else None (never starts one)."""
        return self._memo.cached(name)

    def probe(self) -> None:
        """Before the run: every Tool origin accepts a connection and a trusted TLS handshake, or the
        target cannot be used (``TargetError``, exit 2). Chromium is told to trust exactly the
        certificates verified here."""
        tool = self.config.tool
        endpoints = [Endpoint("tool.login_url", tool.login_url), Endpoint("tool.jwks_url", tool.jwks_url),
                     Endpoint("tool.target_link_uri", tool.target_link_uri),
                     *(Endpoint("tool.redirect_uris", u) for u in tool.redirect_uris),
                     *([Endpoint("tool.deep_link_uri", tool.deep_link_uri)] if tool.deep_link_uri else [])]
        pins = probe(endpoints, verify=self.verify, timeout=self.config.observation.timeout_seconds,
                     where=self.config.path or "(inline)", product="Tool", breaker=self.breaker)
        if self.launcher.driver is not None:
            self.launcher.driver.pins = tuple(sorted(set(pins.values())))

    def describe(self) -> dict[str, Any]:
        return self.config.describe()

    def close(self) -> None:
        self.launcher.close()
        if self.server is not None:
            self.server.stop()
            self.server = None


def open_target(target: str, params: dict[str, Any]) -> LtiToolTarget:
    """``TargetKind.open`` for ``lti-tool``: the argument is the path of the target YAML file."""
    opened = LtiToolTarget(load_target(target), params)
    try:
        opened.probe()
    except BaseException:
        opened.close()
        raise
    return opened
