"""``xapi-statements`` check of xAPI Profiles Patterns (Structure §9, Communication §2.2): the statements
that declare a profile with primary patterns follow one of them, series by series.

A series is the statements of one registration (and subregistration, when the statements give one for
that profile) and, by default, one actor, ordered by timestamp (ties in file or arrival order).

Why a summary and not the statements: a pattern is judged over a whole series, and a file can be far
larger than memory. The layer's judge keeps, per statement that declares such a profile, only what
matching needs (its series, its instant, the ids of the templates it validated against, where it came
from); the matching runs once the streamed pass is over. ``max_statements`` bounds what is kept:
past it the check is not evaluated rather than judging series it saw only part of.
"""

from __future__ import annotations

import hashlib
import json
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from renkei.harness.core.context import CheckContext
from renkei.harness.xapi.model import patterns, templates
from renkei.harness.xapi.model.agents import agent_ifi
from renkei.harness.xapi.model.problems import Problem
from renkei.harness.xapi.model.values import parse_timestamp
from renkei.harness.xapi.statements.judging import report, require_statements, statements_check, target_of
from renkei.harness.xapi.statements.target import Flag, LayerSpec, Statement, StatementsTarget, plan_layer

PATTERNS = "xapi.profile.patterns"
SUBREGISTRATION = "https://w3id.org/xapi/profiles/extensions/subregistration"
GROUPINGS = ("registration+actor", "registration")
DEFAULTS: dict[str, Any] = {"group_by": "registration+actor", "allow_partial": False, "max_statements": 200_000}
MAX_KEY = 200  # longer registrations / actors are kept as a digest (a hostile file cannot grow the summary)
MAX_LISTED = 5  # templates named in one message


@dataclass(frozen=True)
class Entry:
    """What matching needs of one statement."""

    index: int
    at: float  # its timestamp, epoch seconds (UTC)
    templates: frozenset[str]  # the templates it validated against (validates: success)
    outcome: str  # success | unmatched | invalid
    where: dict[str, Any]
    id: str | None


@dataclass(frozen=True)
class Plan:
    """One profile document that has primary patterns."""

    doc: templates.ProfileDocument
    primaries: tuple[patterns.Pattern, ...]
    templates: tuple[templates.Template, ...]  # its own, and those its patterns reuse from other documents


@dataclass(frozen=True)
class Series:
    plan: int  # which Plan (its place in the collector's plans)
    registration: str
    subregistration: str | None
    actor: str | None  # None when the series are not split by actor

    def label(self) -> str:
        out = f"registration {_short(self.registration)}"
        if self.subregistration:
            out += f", subregistration {_short(self.subregistration)}"
        return out + (f", actor {_short(self.actor)}" if self.actor else "")


def _short(value: str, limit: int = 80) -> str:
    return value if len(value) <= limit else value[:limit] + "…"


def _key(value: str) -> str:
    return value if len(value) <= MAX_KEY else "sha256:" + hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()


def _actor(actor: Any) -> str:
    ifi = agent_ifi(actor)
    if ifi is not None:
        kind, value = ifi
        text = f"{kind} {value[0]} {value[1]}" if kind == "account" and isinstance(value, tuple) else f"{kind} {value}"
    else:  # an anonymous Group, or no usable IFI: the object itself
        text = json.dumps(actor, sort_keys=True, ensure_ascii=False, default=str)
    return _key(text)


def _instant(value: Any) -> float | None:
    parsed = parse_timestamp(value)
    if parsed is None:
        return None
    return (parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed).timestamp()


def _subregistration(context: dict[str, Any], doc: templates.ProfileDocument) -> str | None:
    """The subregistration a statement gives for ``doc`` (Structure §9), if it gives a well-formed one."""
    ext = context.get("extensions")
    entries = ext.get(SUBREGISTRATION) if isinstance(ext, dict) else None
    if not isinstance(entries, list):
        return None
    ids = {doc.id, *doc.version_ids}
    for e in entries:
        if isinstance(e, dict) and e.get("profile") in ids and isinstance(e.get("subregistration"), str):
            return _key(e["subregistration"])
    return None


def _problem(path: str, en: str, ja: str, rule: str) -> Problem:
    return Problem(path, en, ja, patterns.SECTION, rule=rule)


class Collector:
    """The patterns layer's judge: fills ``series`` during the shared pass (entries keyed by statement
    index, so a pass that is run again overwrites rather than doubles), and flags what is wrong with one
    statement alone (no registration, no timestamp)."""

    def __init__(self, plans: list[Plan], by_actor: bool, max_statements: int) -> None:
        self.plans = plans
        self.by_actor = by_actor
        self.max_statements = max_statements
        self.series: dict[Series, dict[int, Entry]] = {}
        self.unordered: dict[Series, int] = {}  # a series with a statement that has no usable timestamp
        self.kept = 0
        self.declared = 0
        self.overflow = False
        self._sets: dict[frozenset[str], frozenset[str]] = {}  # one object per distinct set of template ids

    def judge(self, s: Statement) -> Iterable[Flag]:
        value = s.value
        if not isinstance(value, dict):
            return
        for n, plan in enumerate(self.plans):
            if not plan.doc.declared_by(value):
                continue
            self.declared += 1
            context = value.get("context") if isinstance(value.get("context"), dict) else {}
            registration = context.get("registration")
            if not isinstance(registration, str) or not registration:
                yield Flag(PATTERNS, _problem(
                    "$.context.registration", f"the statement declares {plan.doc.id}, which has primary patterns, but "
                    "has no context.registration: a pattern is followed within a registration",
                    f"主パターンのある {plan.doc.id} を宣言していますが context.registration がありません (パターンは "
                    "registration の中で従うものです)", "pattern.registration"))
                continue
            key = Series(n, _key(registration), _subregistration(context, plan.doc),
                         _actor(value.get("actor")) if self.by_actor else None)
            at = _instant(value.get("timestamp"))
            if at is None:
                self.unordered.setdefault(key, s.index)
                yield Flag(PATTERNS, _problem(
                    "$.timestamp", f"no valid timestamp: the statement cannot be placed in its series ({key.label()}), "
                    "so that series is not matched (patterns are matched in timestamp order)",
                    f"有効な timestamp がないため、この文を系列 ({key.label()}) の中に並べられず、その系列はパターンと"
                    "照合していません (パターンは timestamp の順に照合します)", "pattern.timestamp"))
                continue
            entries = self.series.setdefault(key, {})
            if s.index not in entries:
                if self.kept >= self.max_statements:
                    self.overflow = True
                    continue
                self.kept += 1
            result = templates.validates(value, plan.templates)
            ids = frozenset(t.id for t in result.templates) if result.outcome == "success" else frozenset()
            sid = s.id if s.id is not None and len(s.id) <= 100 else None
            entries[s.index] = Entry(s.index, at, self._sets.setdefault(ids, ids), result.outcome, s.where, sid)


@dataclass
class Planned:
    catalog: patterns.Catalog
    plans: list[Plan]
    collectors: dict[str, Collector] = field(default_factory=dict)


_PLANNED: weakref.WeakKeyDictionary[StatementsTarget, Planned] = weakref.WeakKeyDictionary()


def _planned(target: StatementsTarget) -> Planned:
    """The catalog of every loaded document's patterns, and the documents that have primary ones (once
    per target; ``PatternError`` when a reference or a nesting cannot be resolved)."""
    got = _PLANNED.get(target)
    if got is None:
        docs = target.profiles
        by_id = {t.id: t for d in docs for t in d.templates}
        catalog = patterns.Catalog([p for d in docs for p in d.patterns], by_id)
        plans = []
        for doc in docs:
            primaries = tuple(p for p in doc.patterns if p.primary)
            if not primaries:
                continue
            used = set().union(*(catalog.templates_of(p.id) for p in primaries))
            own = {t.id for t in doc.templates}
            reused = tuple(by_id[t] for t in sorted(used - own))
            plans.append(Plan(doc, primaries, (*doc.templates, *reused)))
        got = _PLANNED[target] = Planned(catalog, plans)
    return got


def _params(params: dict[str, Any]) -> tuple[str, bool, int] | str:
    """(group_by, allow_partial, max_statements), or what is wrong with them."""
    group_by = params.get("group_by", DEFAULTS["group_by"])
    allow_partial = params.get("allow_partial", DEFAULTS["allow_partial"])
    limit = params.get("max_statements", DEFAULTS["max_statements"])
    if group_by not in GROUPINGS:
        return f"the group_by parameter must be one of {', '.join(GROUPINGS)}, not {group_by!r}"
    if not isinstance(allow_partial, bool):
        return "the allow_partial parameter must be true or false"
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        return "the max_statements parameter must be a positive integer"
    return group_by, allow_partial, limit


@plan_layer(PATTERNS)
def _patterns_layer(target: StatementsTarget, params: dict[str, Any]) -> LayerSpec | None:
    checked = _params(params)
    if isinstance(checked, str) or not target.profiles:
        return None
    group_by, _, limit = checked
    planned = _planned(target)
    if not planned.plans:
        return None
    key = f"patterns:{group_by}:{limit}:" + ",".join(p.doc.id for p in planned.plans)
    collector = planned.collectors.get(key)
    if collector is None:
        collector = planned.collectors[key] = Collector(planned.plans, group_by == "registration+actor", limit)
    return key, collector.judge


def _names(ids: Iterable[str], plan: Plan) -> str:
    labels = {t.id: t.label() for t in plan.templates}
    named = sorted(labels.get(i, i) for i in ids)
    extra = len(named) - MAX_LISTED
    return ", ".join(named[:MAX_LISTED]) + (f" and {extra} more" if extra > 0 else "") if named else "no template"


def _judge_series(ctx: CheckContext, plan: Plan, series: Series, entries: list[Entry], allow_partial: bool,
                  catalog: patterns.Catalog) -> None:
    doc = plan.doc.id

    def fail(e: Entry, en: str, ja: str) -> None:
        ref = f" ({patterns.SECTION})"
        ctx.fail(f"{series.label()}: {en}{ref}", ja=f"{series.label()}: {ja}{ref}", index=e.index, entry=e.id,
                 **e.where)

    bad = next((e for e in entries if e.outcome != "success"), None)
    if bad is not None:
        why = "matches none of its Statement Templates" if bad.outcome == "unmatched" else \
            "breaks the rules of its Statement Template (see xapi.profile.templates)"
        why_ja = "どのテンプレートにも当てはまりません" if bad.outcome == "unmatched" else \
            "テンプレートの規則に反しています (xapi.profile.templates を参照)"
        fail(bad, f"statement #{bad.index} declares {doc} but {why}, so the series follows none of its patterns",
             f"文 #{bad.index} は {doc} を宣言していますが{why_ja}。このためこの系列はどのパターンにも従いません")
        return
    try:
        verdict = patterns.follows(catalog, plan.primaries, [e.templates for e in entries], allow_partial=allow_partial)
    except patterns.BudgetExceeded as exc:
        ctx.not_evaluated(f"{series.label()}: {exc}; the series is not judged")
        return
    if verdict.outcome == "success":
        return
    pattern = verdict.pattern
    assert pattern is not None and verdict.at is not None
    name = f"{pattern.label()} ({pattern.id})"
    expected = _names(verdict.expected, plan)
    if verdict.outcome == "partial":
        last = entries[-1]
        fail(last, f"the statements end after statement #{last.index} in the middle of the primary pattern {name}, "
             f"which expects {expected} next (partial; the allow_partial parameter accepts this)",
             f"文は #{last.index} で終わっていて、主パターン {name} の途中です (次は {expected} が必要。partial。"
             "パラメータ allow_partial で受け入れられます)")
        return
    at = entries[verdict.at]
    got = _names(at.templates, plan)
    if verdict.outcome == "extra":
        tail = f", where it allows {expected}" if verdict.expected else ""
        fail(at, f"statement #{at.index} ({got}) comes after the primary pattern {name} is complete{tail}; the series "
             f"follows none of the primary patterns of {doc}",
             f"文 #{at.index} ({got}) は主パターン {name} が完了した後に来ています。この系列は {doc} のどの主パターンにも"
             "従いません")
        return
    fail(at, f"statement #{at.index} matches {got} where the primary pattern {name} expects {expected}; the series "
         f"follows none of the primary patterns of {doc}",
         f"文 #{at.index} は {got} に当てはまりますが、主パターン {name} はここで {expected} を求めています。この系列は "
         f"{doc} のどの主パターンにも従いません")


@statements_check(PATTERNS, "xAPI Profiles Structure §9 (Patterns: Learning Record Provider requirements); "
                  "Communication §2.2 (follows, matches)", "error",
                  ("宣言したプロファイルのパターンに従う", "Statements follow their profile's patterns"),
                  ("プロファイル文書に主パターン (primary) がある場合に、そのプロファイルを category で宣言した文が、系列ごとに"
                   "主パターンのどれかに従うことを、仕様 Communication §2.2 の follows・matches の手順 (貪欲、後戻りなし)"
                   "どおりに確認します。系列は registration (文がそのプロファイルの subregistration を示せばそれも) と、"
                   "既定では actor ごとの文を timestamp の順 (同時刻はファイルまたは到着の順) に並べたものです。仕様は "
                   "registration だけで分けます。actor でも分けるのは、複数の学習者が registration を共有すると系列が"
                   "混ざるためで、パラメータ group_by: registration で仕様どおりにできます。文が途中で終わる系列 (partial)"
                   " は仕様どおり従わないと判定し、allow_partial: true で受け入れます。registration や有効な timestamp の"
                   "ない文はその文の指摘になり、その系列は照合しません。照合は仕様の擬似コードをそのまま実装したもので、"
                   "ほかの実装 (persephone など) との突き合わせは未確認です。プロファイル文書そのものの作成規則は判定しま"
                   "せん。",
                   "When a profile document has primary patterns, the statements that declare the profile in category "
                   "follow one of them, series by series, judged with the follows and matches algorithm of "
                   "Communication §2.2 (greedy, no backtracking). A series is the statements of one registration (and "
                   "subregistration, when the statements give one for that profile) and, by default, one actor, in "
                   "timestamp order (ties in file or arrival order). The spec splits by registration only; renkei "
                   "also splits by actor because learners sharing a registration would mix their series, and "
                   "group_by: registration does exactly what the spec says. A series that stops in the middle of a "
                   "pattern (partial) does not follow it, as the spec says; allow_partial: true accepts it. A "
                   "statement without a registration or a valid timestamp is a finding of its own and its series is "
                   "not matched. The matching is the spec's pseudocode as written; it has not been compared with "
                   "another implementation (persephone). The authoring rules of the profile documents themselves "
                   "are not judged."), params=dict(DEFAULTS))
def patterns_followed(ctx: CheckContext) -> None:
    target = target_of(ctx)
    checked = _params(ctx.params)
    if isinstance(checked, str):
        ctx.stop_not_evaluated(checked)
    assert not isinstance(checked, str)
    _, allow_partial, limit = checked
    if not target.profiles:
        ctx.skip("no xAPI Profile document is given (the profile's documents parameter or the target's profiles)")
    try:
        planned = _planned(target)
    except patterns.PatternError as exc:
        ctx.stop_not_evaluated(f"the profile documents' patterns cannot be matched: {exc}")
    if not planned.plans:
        ctx.skip("none of the profile documents (" + ", ".join(d.id for d in target.profiles) + ") defines a "
                 "primary pattern")
    require_statements(ctx)
    spec = _patterns_layer(target, ctx.params)
    assert spec is not None
    layer = target.layer(*spec)
    collector = planned.collectors[spec[0]]
    report(ctx, layer)
    if collector.overflow:
        ctx.stop_not_evaluated(f"more than {limit:,} statements declare a profile with patterns (the max_statements "
                               "parameter); series seen only in part are not judged")
    if not collector.declared:
        ctx.skip("no statement declares a profile that has primary patterns (" +
                 ", ".join(p.doc.id for p in planned.plans) + ")")
    for series, entries in collector.series.items():
        if series in collector.unordered:
            continue
        ordered = sorted(entries.values(), key=lambda e: (e.at, e.index))
        _judge_series(ctx, collector.plans[series.plan], series, ordered, allow_partial, planned.catalog)
