"""Registers the xapi-statements kind and checks (the standard's ``__init__`` is not wired here yet) and
gives the tests a way to run one check on a few statements."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import renkei.harness.xapi.statements  # noqa: F401  (registers the kind and its checks)
from renkei.harness.core import secret_registry
from renkei.harness.core.context import CheckContext, CheckSkipped, NotEvaluated
from renkei.harness.core.model import Finding
from renkei.harness.core.registry import REGISTRY
from renkei.harness.xapi.statements.config import StatementsTargetConfig
from renkei.harness.xapi.statements.target import StatementsTarget


@dataclass
class Ran:
    findings: list[Finding] = field(default_factory=list)
    count: int = 0
    unseen: list[str] = field(default_factory=list)
    skipped: str | None = None

    @property
    def paths(self) -> list[str | None]:
        return [f.location.column for f in self.findings]


def file_target(tmp: Path, statements: list[Any], **config: Any) -> StatementsTarget:
    path = tmp / "statements.ndjson"
    path.write_text("".join(json.dumps(s, ensure_ascii=False) + "\n" for s in statements), encoding="utf-8")
    params = config.pop("params", {})
    data = {"source": "file", "file": {"path": str(path)}, **config}
    return StatementsTarget(StatementsTargetConfig.model_validate(data), params)


def run(target: StatementsTarget, check_id: str, params: dict[str, Any] | None = None) -> Ran:
    definition = REGISTRY.get(check_id)
    ctx = CheckContext(definition, target, params=params)
    out = Ran()
    try:
        definition.func(ctx)
    except CheckSkipped as exc:
        out.skipped = exc.reason
    except NotEvaluated as exc:  # as the session does: raised below the check (a driver) or by the check
        ctx.not_evaluated(exc.reason)
    out.findings, out.count, out.unseen = ctx.findings, ctx.count, ctx.unseen
    return out


@pytest.fixture(autouse=True)
def _secrets() -> None:
    secret_registry.begin_run()


@pytest.fixture
def check(tmp_path: Path):  # type: ignore[no-untyped-def]
    """``check(check_id, statements, **target_config) -> Ran``."""
    def go(check_id: str, statements: list[Any], **config: Any) -> Ran:
        check_params = config.pop("check_params", None)
        return run(file_target(tmp_path, statements, **config), check_id, check_params)
    return go
