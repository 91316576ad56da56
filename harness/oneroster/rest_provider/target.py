"""An opened ``oneroster-rest-provider`` target: the vendor's provider, renkei's client, the survey.

``shared`` memoises exchanges several checks judge (the token, the survey, the probes), so a run
reads each collection once. A provider that could not be reached stays unreachable for every check
that needs the same exchange: the failure is kept and raised again, and those checks become
``error`` (not evaluated), never ``failed``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from renkei.harness.core.breaker import CircuitBreaker
from renkei.harness.core.memo import Memo
from renkei.harness.lti.protocol.transport import Endpoint, probe, ssl_context
from renkei.harness.oneroster.rest_provider.client import RestClient, make_api
from renkei.harness.oneroster.rest_provider.config import RestProviderTargetConfig, load_target
from renkei.harness.oneroster.rest_provider.survey import Survey, survey


class RestProviderTarget:
    def __init__(self, config: RestProviderTargetConfig, params: dict[str, Any] | None = None, *,
                 transport: httpx.BaseTransport | None = None, environ: dict[str, str] | None = None,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.params = dict(params or {})
        obs = config.observation
        self.verify = ssl_context(verify=obs.verify_tls, ca_file=config.tls.ca_file, where=config.path or "(inline)")
        self.breaker = CircuitBreaker("the OneRoster provider under test", threshold=obs.max_consecutive_timeouts)
        self.api = make_api(config, transport=transport, verify=self.verify, breaker=self.breaker)
        self.client = RestClient(config, self.api, config.credentials(environ), sleep=sleep, clock=clock)
        self.sleep = sleep
        self.clock = clock
        self._memo = Memo()

    def shared(self, name: str, factory: Callable[[], Any]) -> Any:
        return self._memo(name, factory)

    def survey(self) -> Survey:
        return self.shared("survey", lambda: survey(self.config, self.client))  # type: ignore[no-any-return]

    def probe(self) -> None:
        """Before the run: the provider's origins accept a connection and a trusted TLS handshake."""
        cfg = self.config
        endpoints = [Endpoint("provider.base_url", cfg.rostering_url), Endpoint("provider.token_url", cfg.provider.token_url)]
        probe(endpoints, verify=self.verify, timeout=cfg.observation.timeout_seconds, where=cfg.path or "(inline)",
              product="provider", breaker=self.breaker)

    def describe(self) -> dict[str, Any]:
        return self.config.describe()

    def close(self) -> None:
        self.api.close()


def open_target(target: str, params: dict[str, Any]) -> RestProviderTarget:
    """``TargetKind.open`` for ``oneroster-rest-provider``: the argument is the target YAML file."""
    opened = RestProviderTarget(load_target(target), params)
    try:
        opened.probe()
    except BaseException:
        opened.close()
        raise
    return opened
