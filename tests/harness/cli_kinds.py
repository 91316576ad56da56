"""Two tiny target kinds for CLI tests (imported by the tests and by ``renkei`` subprocesses).

``clitext``: the target is a text file; ``clitext.text`` reports one finding whose value and
zip-entry location are the whole text, so a test controls exactly what reaches the console.
``clislow``: the target is a JSON ``{"sleep": s, "started": path}``; each check writes ``started``
and sleeps, so a test can interrupt a run at a known point.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from renkei.harness.core.context import CheckContext
from renkei.harness.core.registry import REGISTRY, check
from renkei.harness.core.targets import TargetKind, register_kind

TEXT_PROFILE = """\
id: clitext
title: {ja: 表示テスト, en: console test}
standard: CLITEST
version: "1"
source: "renkei tests"
kind: clitext
checks: [clitext.text]
"""

SLOW_PROFILE = """\
id: clislow
title: {ja: 中断テスト, en: interruption test}
standard: CLITEST
version: "1"
source: "renkei tests"
kind: clislow
checks: [clislow.one, clislow.two, clislow.three]
"""


class _Target:
    def __init__(self, target: str, params: dict[str, Any]) -> None:
        self.path = Path(target)

    def describe(self) -> dict[str, Any]:
        return {"path": str(self.path)}

    def close(self) -> None:
        pass


def _meta(n: str) -> dict[str, str]:
    return dict(requirement=f"CLITEST §{n}", title_ja=f"検査{n}", title_en=f"check {n}",
                description_ja="テスト用", description_en="for tests")


def _text(ctx: CheckContext) -> None:
    text = ctx.target.path.read_bytes().decode("utf-8")  # as it is: CRs included
    if text:
        ctx.fail("text was seen", ja="文字列がありました", value=text, entry=text)


def _slow(ctx: CheckContext) -> None:
    spec = json.loads(ctx.target.path.read_text(encoding="utf-8"))
    Path(spec["started"]).write_text(ctx.check_id, encoding="utf-8")
    time.sleep(spec["sleep"])


if "clitext.text" not in REGISTRY:
    register_kind(TargetKind(name="clitext", open=_Target))
    register_kind(TargetKind(name="clislow", open=_Target))
    check("clitext.text", kind="clitext", severity="error", **_meta("1"))(_text)
    for name in ("one", "two", "three"):
        check(f"clislow.{name}", kind="clislow", severity="error", **_meta(name))(_slow)
