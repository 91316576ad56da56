"""A vendor REST provider for the provider checks: the mock 校務支援システム in-process, or respx.

``open_provider`` serves a small generated Japanese roster from the mock (with named faults) through
``InProcessTransport`` and opens an ``oneroster-rest-provider`` target on it; ``run`` runs checks the
way the engine judges them (findings: failed; not evaluated: error; skipped) without pytest plumbing.
The mock and renkei share one fake clock, so an expired token needs no real waiting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from renkei.harness.core import secret_registry
from renkei.harness.core.breaker import PeerUnavailable
from renkei.harness.core.context import CheckContext, CheckSkipped, NotEvaluated
from renkei.harness.core.model import Finding
from renkei.harness.core.registry import REGISTRY
from renkei.harness.core.targets import load_standards
from renkei.harness.lti.protocol.browser import InProcessTransport
from renkei.harness.oneroster.rest_provider.config import parse_target
from renkei.harness.oneroster.rest_provider.target import RestProviderTarget
from renkei.mocks.school_affairs.generator import generate_bundle
from renkei.mocks.school_affairs.rest.app import create_app
from renkei.mocks.school_affairs.rest.config import Client, ProviderConfig
from renkei.mocks.school_affairs.rest.store import RosterStore
from tests.clock import FakeClock

BASE = "http://sis.test"
CLIENT_ID, SECRET = "renkei-test-client", "renkei-test-secret-0001"
ENV = {"OR_CLIENT_ID": CLIENT_ID, "OR_CLIENT_SECRET": SECRET}


def Clock() -> FakeClock:
    return FakeClock(1_800_000_000.0)


def target_data(**over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "provider": {"name": "test provider", "base_url": BASE, "token_url": BASE + "/oauth/token",
                     "client_id": "${OR_CLIENT_ID}", "client_secret": "${OR_CLIENT_SECRET}"},
        "declares": {"endpoints": "all", "demographics": True, "metadata_shape": "nested"},
        "observation": {"page_size": 40, "expiry_wait_seconds": 5, "timeout_seconds": 5},
    }
    for key, value in over.items():
        data[key] = {**data.get(key, {}), **value}
    return data


def bundle_at(folder: Path) -> Path:
    bundle = folder / "roster.zip"
    if not bundle.exists():
        generate_bundle(bundle, profile="oneroster12-csv-japan", students_per_grade=4)
    return bundle


@dataclass
class Provider:
    target: RestProviderTarget
    store: RosterStore
    clock: Clock
    app: Any = None
    closers: list[Any] = field(default_factory=list)

    def close(self) -> None:
        self.target.close()
        self.store.close()


def open_provider(bundle: Path, faults: tuple[str, ...] = (), *, shape: str = "nested", throttle_every: int = 0,
                  **target_over: Any) -> Provider:
    clock = Clock()
    store = RosterStore(shape=shape)
    store.load_bundle(bundle)
    app = create_app(store, ProviderConfig(clients=[Client(CLIENT_ID, SECRET)], token_ttl=2, faults=set(faults),
                                           shape=shape, throttle_every=throttle_every), clock=clock)
    target = RestProviderTarget(parse_target(target_data(**target_over)), transport=InProcessTransport(app),
                                environ=ENV, sleep=clock.sleep, clock=clock)
    return Provider(target, store, clock, app)


def open_respx(**target_over: Any) -> RestProviderTarget:
    """A target on renkei's real transport, for use inside ``respx.mock`` (which patches it)."""
    clock = Clock()
    return RestProviderTarget(parse_target(target_data(**target_over)), environ=ENV, sleep=clock.sleep, clock=clock)


@dataclass
class Outcome:
    outcome: str
    findings: list[Finding]
    reason: str = ""


def run(target: RestProviderTarget, pattern: str = "or.rest.*") -> dict[str, Outcome]:
    load_standards()
    out: dict[str, Outcome] = {}
    for definition in REGISTRY.match(pattern, kind="oneroster-rest-provider"):
        if definition.id.startswith("or.rest.openapi."):
            continue
        ctx = CheckContext(definition, target)
        try:
            definition.func(ctx)
        except CheckSkipped as exc:
            out[definition.id] = Outcome("skipped", ctx.findings, exc.reason)
            continue
        except (NotEvaluated, PeerUnavailable) as exc:
            out[definition.id] = Outcome("failed" if ctx.findings else "error", ctx.findings, str(exc))
            continue
        if ctx.findings:
            out[definition.id] = Outcome("failed", ctx.findings)
        elif ctx.unseen:
            out[definition.id] = Outcome("error", [], "; ".join(ctx.unseen))
        else:
            out[definition.id] = Outcome("passed", [])
    return out


def scrubbed(text: str) -> str:
    return secret_registry.active().scrub(text)
