"""A vendor LRS for the ``xapi-lrs`` checks: the mock LRS in-process (with named faults), or respx.

``open_lrs`` serves the mock through ``InProcessTransport`` and opens an ``xapi-lrs`` target on it;
``run`` runs checks the way the engine judges them (findings: failed; not evaluated: error; skipped)
without pytest plumbing. renkei's polling uses a fake clock, so a wait never sleeps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import renkei.harness.xapi.lrs  # noqa: F401  (registers the kind and the checks)
from renkei.harness.core.breaker import PeerUnavailable
from renkei.harness.core.context import CheckContext, CheckSkipped, NotEvaluated
from renkei.harness.core.model import Finding
from renkei.harness.core.registry import REGISTRY
from renkei.harness.lti.protocol.browser import InProcessTransport
from renkei.harness.xapi.lrs.config import parse_target
from renkei.harness.xapi.lrs.target import LrsTarget
from renkei.mocks.lrs.app import create_app
from renkei.mocks.lrs.config import LrsClient, LrsConfig
from tests.clock import FakeClock

BASE = "http://lrs.test/xapi/"
KEY, SECRET = "renkei-test-key", "renkei-test-secret-0001"
ENV = {"LRS_KEY": KEY, "LRS_SECRET": SECRET}


def Clock() -> FakeClock:
    return FakeClock(1_800_000_000.0)


def target_data(**over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "xapi-lrs",
        "lrs": {"name": "test LRS", "endpoint": BASE, "key": "${LRS_KEY}", "secret": "${LRS_SECRET}"},
        "declares": {},
        "observation": {"timeout_seconds": 5, "consistency_wait_seconds": 2},
    }
    for key, value in over.items():
        data[key] = {**data.get(key, {}), **value}
    return data


@dataclass
class Lrs:
    target: LrsTarget
    app: Any

    def close(self) -> None:
        self.target.close()
        self.app.state.store.close()


def open_lrs(faults: tuple[str, ...] = (), *, version: str = "1.0.3", **target_over: Any) -> Lrs:
    app = create_app(LrsConfig(clients=[LrsClient(key=KEY, secret=SECRET)], faults=set(faults), more_page_size=50))
    clock = Clock()
    target = LrsTarget(parse_target(target_data(**target_over)), {"xapi_version": version},
                       transport=InProcessTransport(app), environ=ENV, sleep=clock.sleep, clock=clock)
    return Lrs(target, app)


def open_respx(*, version: str = "1.0.3", **target_over: Any) -> LrsTarget:
    """A target on renkei's real transport, for use inside ``respx.mock`` (which patches it)."""
    clock = Clock()
    return LrsTarget(parse_target(target_data(**target_over)), {"xapi_version": version}, environ=ENV,
                     sleep=clock.sleep, clock=clock)


@dataclass
class Outcome:
    outcome: str
    findings: list[Finding]
    reason: str = ""


def run(target: LrsTarget, pattern: str = "xapi.*") -> dict[str, Outcome]:
    out: dict[str, Outcome] = {}
    for definition in REGISTRY.match(pattern, kind="xapi-lrs"):
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


def bad(results: dict[str, Outcome]) -> dict[str, Any]:
    return {cid: (o.outcome, [f.message for f in o.findings[:3]], o.reason) for cid, o in results.items()
            if o.outcome not in ("passed", "skipped")}
