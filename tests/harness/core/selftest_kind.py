"""A tiny target kind used only by the core tests: the target is a JSON file of numbers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from renkei.harness.core.context import CheckContext
from renkei.harness.core.errors import TargetError
from renkei.harness.core.registry import check
from renkei.harness.core.targets import TargetKind, register_kind

KIND = "selftest"


class NumbersTarget:
    def __init__(self, target: str, params: dict[str, Any]) -> None:
        path = Path(target)
        if not path.is_file():
            raise TargetError(f"target {target!r} does not exist")
        self.numbers: list[int] = json.loads(path.read_text())
        self.params = params

    def describe(self) -> dict[str, Any]:
        return {"kind": KIND, "count": len(self.numbers)}

    def close(self) -> None:
        pass


register_kind(TargetKind(name=KIND, open=NumbersTarget))


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
        raise ZeroDivisionError("unlucky")
