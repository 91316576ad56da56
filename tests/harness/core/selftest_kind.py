"""A tiny target kind used only by the core tests: the target is a JSON file of numbers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from renkei.harness.core import secret_registry
from renkei.harness.core.context import CheckContext
from renkei.harness.core.errors import TargetError
from renkei.harness.core.model import Text
from renkei.harness.core.registry import check
from renkei.harness.core.targets import Detection, TargetKind, register_kind

KIND = "selftest"


class NumbersTarget:
    def __init__(self, target: str, params: dict[str, Any]) -> None:
        path = Path(target)
        if not path.is_file():
            raise TargetError(f"target {target!r} does not exist")
        data = json.loads(path.read_text())
        # {"numbers": [...], "secret": "..."}: a target that resolved a secret (registered like a real one)
        self.numbers: list[int] = data["numbers"] if isinstance(data, dict) else data
        self.secret: str = data.get("secret", "") if isinstance(data, dict) else ""
        if self.secret:
            secret_registry.active().add(self.secret, "selftest.secret")
        self.params = params

    def describe(self) -> dict[str, Any]:
        return {"kind": KIND, "count": len(self.numbers)}

    def close(self) -> None:
        pass


def detect(target: str, params: dict[str, Any] | None) -> Detection | None:
    """A file of numbers declares ``selftest`` (all at most 50) or ``selftest-big``; others are not ours."""
    path = Path(target)
    if path.suffix != ".json" or not path.is_file():
        return None
    numbers = json.loads(path.read_text())
    if not numbers:
        return Detection(None, Text(ja="数が1つもありません。", en="the file holds no numbers"))
    top = max(numbers)
    fits = params is None or top <= params.get("limit", 100)
    return Detection("selftest" if top <= 50 else "selftest-big",
                     Text(ja=f"最大値が {top} です。", en=f"the largest number is {top}"), fits=fits)


register_kind(TargetKind(name=KIND, open=NumbersTarget, detect=detect))


def _meta(n: str) -> dict[str, str]:
    return dict(requirement=f"SELFTEST §{n}", title_ja=f"検査{n}", title_en=f"check {n}",
                description_ja="テスト用", description_en="for tests")


@check("selftest.positive", kind=KIND, severity="error", **_meta("1"))
def positive(ctx: CheckContext) -> None:
    for i, n in enumerate(ctx.target.numbers):
        if n <= 0:
            ctx.fail("number is not positive", ja="正の数ではありません", value=n, index=i)


@check("selftest.even", kind=KIND, severity="warning", **_meta("2"))
def even(ctx: CheckContext) -> None:
    for i, n in enumerate(ctx.target.numbers):
        if n % 2:
            ctx.fail("number is odd", ja="奇数です", value=n, index=i)


@check("selftest.limit", kind=KIND, severity="error", params={"limit": 100}, **_meta("3"),
       cite=lambda params: f"SELFTEST §3 (at most {params['limit']})")
def limit(ctx: CheckContext) -> None:
    if not ctx.target.numbers:
        ctx.skip("no numbers")
    for i, n in enumerate(ctx.target.numbers):
        if n > ctx.params["limit"]:
            ctx.fail("number above limit", value=n, index=i)


@check("selftest.crash", kind=KIND, severity="error", **_meta("4"))
def crash(ctx: CheckContext) -> None:
    if 13 in ctx.target.numbers:
        raise ZeroDivisionError(f"unlucky {ctx.target.secret}".strip())
