"""An opened ``xapi-lrs`` target: the vendor's LRS, renkei's client, and this run's marking.

Every statement and document the run writes lives under ``https://renkei.invalid/xapi/run/<run-id>/``
and uses registrations made for the run, so a vendor can find (and, if it wishes, purge) exactly
what renkei wrote. renkei cannot delete statements from an LRS (xAPI has no delete); it voids only
statements it wrote itself, and only in the voiding check.

``shared`` memoises exchanges several checks judge. An LRS that could not be reached stays
unreachable for every check that needs the same exchange: those checks become ``error`` (not
evaluated), never ``failed``.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx

from renkei.harness.core.breaker import CircuitBreaker
from renkei.harness.core.memo import Memo
from renkei.harness.lti.protocol.transport import Endpoint, probe, ssl_context
from renkei.harness.xapi.lrs.client import LrsClient, make_api
from renkei.harness.xapi.lrs.config import LrsTargetConfig, load_target

RUN_BASE = "https://renkei.invalid/xapi/run/"


class LrsTarget:
    def __init__(self, config: LrsTargetConfig, params: dict[str, Any] | None = None, *,
                 transport: httpx.BaseTransport | None = None, environ: dict[str, str] | None = None,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.time,
                 run_id: str | None = None) -> None:
        self.config = config
        self.params = dict(params or {})
        self.version = str(self.params.get("xapi_version", "1.0.3"))
        obs = config.observation
        self.verify = ssl_context(verify=obs.verify_tls, ca_file=config.tls.ca_file, where=config.path or "(inline)")
        self.breaker = CircuitBreaker("the LRS under test", threshold=obs.max_consecutive_timeouts)
        self.api = make_api(config, transport=transport, verify=self.verify, breaker=self.breaker)
        self.client = LrsClient(config, self.api, config.credentials(environ), self.version, sleep=sleep, clock=clock)
        self.run_id = run_id or uuid.uuid4().hex[:12]
        self._memo = Memo()

    @property
    def run_iri(self) -> str:
        return f"{RUN_BASE}{self.run_id}/"

    def activity(self, name: str) -> str:
        """An activity id that marks ``name`` as written by this run."""
        return f"{self.run_iri}activity/{name}"

    def shared(self, name: str, factory: Callable[[], Any]) -> Any:
        return self._memo(name, factory)

    def probe(self) -> None:
        """Before the run: the LRS's origin accepts a connection and a trusted TLS handshake."""
        cfg = self.config
        probe([Endpoint("lrs.endpoint", cfg.lrs.endpoint)], verify=self.verify, timeout=cfg.observation.timeout_seconds,
              where=cfg.path or "(inline)", product="LRS", breaker=self.breaker)

    def describe(self) -> dict[str, Any]:
        return {**self.config.describe(), "xapi_version": self.version, "run_id": self.run_id,
                "marked_under": self.run_iri}

    def close(self) -> None:
        self.api.close()


def open_target(target: str, params: dict[str, Any]) -> LrsTarget:
    """``TargetKind.open`` for ``xapi-lrs``: the argument is the target YAML file."""
    opened = LrsTarget(load_target(target), params)
    try:
        opened.probe()
    except BaseException:
        opened.close()
        raise
    return opened
