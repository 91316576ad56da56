"""``xapi-statements`` checks of Statement Templates (layer c): the profile documents' templates and rules.

The documents are the profile's ``documents`` parameter (shipped ones by name, e.g. ``japan-assessment``)
and the target's ``profiles`` (the vendor's own). Which statements a document judges is the ``judge``
parameter: ``declared`` (Profiles Structure §5: statements that put the profile's id or version id in
``context.contextActivities.category``) or ``all`` (every statement whose determining properties match a
template; the Japan drafts put the profile IRI in category only once scoring is done).
"""

from __future__ import annotations

from typing import Any

from renkei.harness.core.context import CheckContext
from renkei.harness.xapi.model import templates
from renkei.harness.xapi.model.problems import Problem
from renkei.harness.xapi.statements.judging import report, require_statements, statements_check
from renkei.harness.xapi.statements.target import (
    Flag,
    Judge,
    LayerSpec,
    Statement,
    StatementsTarget,
    plan_layer,
)

RULES = "xapi.profile.templates"
DECLARED = "xapi.profile.declared"


def _documents(ctx: CheckContext) -> tuple[StatementsTarget, list[templates.ProfileDocument]]:
    target = require_statements(ctx)
    if not target.profiles:
        ctx.skip("no xAPI Profile document is given (the profile's documents parameter or the target's profiles)")
    return target, target.profiles


Judgement = tuple[templates.ProfileDocument, bool, templates.Validation]  # (document, declared, validates)


def _judgements(documents: list[templates.ProfileDocument]) -> Any:
    """Each document's (declared, validates) on one statement: what the judge=all and judge=declared
    layers of the same documents both need, so the shared pass works it out once per statement. None
    when every document finds the statement a success: neither layer then has anything to say.

    Most statements' outcome follows from their verb alone (templates determined by the verb, without
    rules): those outcomes are worked out once per verb, and only the category is read."""
    by_verb: dict[str | None, tuple[tuple[templates.Validation, ...], frozenset[str]] | None] = {}

    def fixed(vid: str | None) -> tuple[tuple[templates.Validation, ...], frozenset[str]] | None:
        """(each document's outcome for every statement with this verb, the ids that declare one of the
        documents it leaves unmatched), or None when the verb alone does not decide."""
        got = by_verb.get(vid, _UNKNOWN)
        if got is _UNKNOWN:
            outcomes = [doc.fixed_outcome(vid) for doc in documents]
            if None in outcomes:
                got = None
            else:
                speaking = frozenset(i for doc, o in zip(documents, outcomes, strict=True) if o.outcome != "success"
                                     for i in (doc.id, *doc.version_ids))
                got = (tuple(outcomes), speaking)
            if len(by_verb) < MAX_VERBS:
                by_verb[vid] = got
        return got  # type: ignore[return-value]

    def judge_all(value: Any) -> list[Judgement] | None:
        if value.__class__ is dict:
            verb = value.get("verb")
            vid = verb.get("id") if verb.__class__ is dict else None
            decided = fixed(vid if vid.__class__ is str else None)
            if decided is not None:  # each a success or unmatched: only an unmatched declared profile speaks
                outcomes, speaking = decided
                if not speaking:
                    return None
                category = templates.category_ids(value)
                if speaking.isdisjoint(category):
                    return None
                return [(doc, doc.declared_among(category), o) for doc, o in zip(documents, outcomes, strict=True)]
        stmt, category = templates.normalize_with_category(value)
        found = [(doc, doc.declared_among(category), doc.validates_normalized(stmt)) for doc in documents]
        for _, _, result in found:
            if result.outcome != "success":
                return found
        return None
    return judge_all


_UNKNOWN: Any = object()
MAX_VERBS = 4096  # verbs whose outcomes are kept (a file of made-up verbs cannot grow the table past it)


def _judge(documents: list[templates.ProfileDocument], mode: str) -> Judge:
    key = ("templates", tuple(id(d) for d in documents))
    judge_all = _judgements(documents)

    def judge(s: Statement) -> list[Flag] | tuple[()]:
        memo = s.memo  # both judge modes share the judgement (Statement.memo)
        if key in memo:
            found: list[Judgement] | None = memo[key]
        else:
            found = memo[key] = judge_all(s.value)
        if found is None:
            return ()
        out: list[Flag] = []
        for doc, declared, result in found:
            if mode != "all" and not declared:
                continue
            if result.outcome == "invalid":
                out.extend(Flag(RULES, p) for p in result.problems)
            elif result.outcome == "unmatched" and declared:
                out.append(Flag(DECLARED, Problem(
                    "$.context.contextActivities.category", f"the statement declares the profile {doc.id} but matches "
                    "none of its Statement Templates", f"プロファイル {doc.id} を宣言していますが、そのどのテンプレートにも"
                    "当てはまりません", templates.SECTION_TEMPLATES, rule="template.unmatched")))
        return out
    return judge


def _run(ctx: CheckContext) -> None:
    target, _ = _documents(ctx)
    mode = str(ctx.params.get("judge", "declared"))
    if mode not in ("declared", "all"):
        ctx.stop_not_evaluated(f"the judge parameter must be 'declared' or 'all', not {mode!r}")
    spec = _templates_layer(target, ctx.params)
    assert spec is not None
    report(ctx, target.layer(*spec))


@plan_layer(RULES, DECLARED)
def _templates_layer(target: StatementsTarget, params: dict[str, object]) -> LayerSpec | None:
    mode = str(params.get("judge", "declared"))
    if not target.profiles or mode not in ("declared", "all"):
        return None
    documents = target.profiles
    return "templates:" + mode + ":" + ",".join(d.id for d in documents), _judge(documents, mode)


@statements_check(RULES, "xAPI Profiles Structure §8, §8.1 Rules; Communication §2.1 (validates)", "error",
                  ("テンプレートの規則に従う", "Statements follow their Statement Templates' rules"),
                  ("プロファイル文書のテンプレートのうち、決定プロパティ (verb、object の活動タイプ、contextActivities の"
                   "タイプ、attachment の usageType) が一致するものについて、その規則 (location・selector の JSONPath、"
                   "presence included/excluded/recommended、any/all/none) にすべて従うことを、仕様の validates の手順で"
                   "確認します。判定対象はパラメータ judge (declared: category でプロファイルを宣言した文、all: すべての文)。",
                   "For each Statement Template of the profile documents whose determining properties (verb, object "
                   "activity type, contextActivities types, attachment usageType) match, the statement follows every "
                   "rule (location and selector JSONPath; presence included/excluded/recommended; any/all/none), judged "
                   "with the spec's validates algorithm. Which statements: the judge parameter (declared: those that put "
                   "the profile in category; all: every statement)."), params={"judge": "declared"})
def template_rules(ctx: CheckContext) -> None:
    _run(ctx)


@statements_check(DECLARED, "xAPI Profiles Structure §5 (a statement that declares a profile follows its templates)",
                  "error", ("宣言したプロファイルのテンプレートに当てはまる", "A declared profile's template matches"),
                  ("context.contextActivities.category でプロファイル (id または版の id) を宣言した文が、そのプロファイルの"
                   "少なくとも 1 つのテンプレートに当てはまる (validates が unmatched でない) ことを確認します。",
                   "A statement that declares a profile (its id or a version id) in context.contextActivities.category "
                   "matches at least one of that profile's Statement Templates (validates is not unmatched)."),
                  params={"judge": "declared"})
def declared(ctx: CheckContext) -> None:
    _run(ctx)
