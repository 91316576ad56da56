"""What every ``xapi-statements`` check shares: the decorator, and turning a layer's hits into findings.

Why one place: every finding must name the statement (index and id), where it came from (file and line,
or the request that carried it) and the JSON path, and every check must refuse to pass when statements
could not be read. Doing that once keeps the checks to their rules.
"""

from __future__ import annotations

from typing import Any

from renkei.harness.core.context import CheckContext
from renkei.harness.core.model import Severity
from renkei.harness.core.registry import check
from renkei.harness.xapi.statements.config import KIND
from renkei.harness.xapi.statements.target import Layer, Statement, StatementsTarget

DRAFT_JA = "日本版 xAPI プロファイルは策定中のドラフト (2026-04-01) のため警告です。"
DRAFT_EN = "The Japan xAPI Profiles are a draft under development (2026-04-01): a warning."


def statements_check(id: str, requirement: str, severity: Severity | str, title: tuple[str, str],
                     description: tuple[str, str], params: dict[str, Any] | None = None, version: str = "1") -> Any:
    return check(id, kind=KIND, requirement=requirement, severity=severity, title_ja=title[0], title_en=title[1],
                 description_ja=description[0], description_en=description[1], params=params, version=version)


def target_of(ctx: CheckContext) -> StatementsTarget:
    target: StatementsTarget = ctx.target
    return target


def require_statements(ctx: CheckContext) -> StatementsTarget:
    """The target, once it is known that there are statements to judge; records that could not be read
    make the check not evaluated (it cannot pass on what it never saw)."""
    target = target_of(ctx)
    reading = target.reading()
    if reading.unreadable_count:
        ctx.not_evaluated(f"{reading.unreadable_count} record(s) could not be read as statements "
                          "(see xapi.statements.readable)")
    if not reading.statements:
        ctx.stop_not_evaluated("no statement was read")
    return target


def label(s: Statement) -> str:
    return f"statement #{s.index}" + (f" ({s.id})" if s.id else "")


def label_ja(s: Statement) -> str:
    return f"文 #{s.index}" + (f" ({s.id})" if s.id else "")


def report(ctx: CheckContext, layer: Layer, key: str | None = None) -> None:
    """Every hit of ``key`` (default: this check's id) as a finding; the ones past the cap still counted."""
    key = key or ctx.check_id
    hits = layer.hits.get(key, [])
    for hit in hits:
        p = hit.problem
        ref = ", ".join(x for x in (p.requirement, p.section) if x)
        ctx.fail(f"{label(hit.statement)}: {p.message}" + (f" ({ref})" if ref else ""),
                 ja=f"{label_ja(hit.statement)}: {p.message_ja}" + (f" ({ref})" if ref else ""),
                 value=hit.value, index=hit.statement.index, column=p.path, entry=hit.statement.id,
                 **hit.statement.where)
    ctx.count += layer.counts.get(key, 0) - len(hits)  # found past the layer's cap: counted, not kept
