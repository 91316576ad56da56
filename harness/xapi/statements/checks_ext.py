"""``xapi-statements`` checks of the Japan extensions and score arithmetic (layer d).

The extension names and value shapes come from ``fixtures/xapi/japan-core.json``; the code lists are
parameters, because the drafts say only "follow the MEXT 教育データ標準 code lists" and renkei's reference
does not confirm which lists: the defaults are the OneRoster Japan Profile grade and subject codes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from renkei.harness.core.context import CheckContext
from renkei.harness.jp.codes import SUBJECT_CODE_RE
from renkei.harness.xapi.model import jsonpath
from renkei.harness.xapi.statements import japan
from renkei.harness.xapi.statements.judging import (
    DRAFT_EN,
    DRAFT_JA,
    report,
    require_statements,
    statements_check,
)
from renkei.harness.xapi.statements.target import Flag, LayerSpec, Statement, StatementsTarget, plan_layer

VALUES = "xapi.jp.ext.values"
KNOWN = "xapi.jp.ext.known"
GRADE = "xapi.jp.ext.grade"
SUBJECT = "xapi.jp.ext.subject"
COURSE = "xapi.jp.ext.course_of_study_code"
SCORE = "xapi.jp.score.arithmetic"
REQ = "Japan xAPI Profiles (ICT CONNECT 21 draft 2026-04-01) core_profile extensions"
GRADE_PATTERN = r"P[1-6]|J[1-3]|H[1-3]|E[1-3]"


def _places(s: Statement) -> japan.Places:
    """The statement's extensions objects, found once for every layer of this module."""
    found: japan.Places | None = s.memo.get(_PLACES)  # the four layers of this module share it
    if found is None:
        found = s.memo[_PLACES] = japan.extension_objects(s.value)
    return found


_PLACES = ("japan", "extension objects")


_NONE: tuple[Flag, ...] = ()


def _shapes(s: Statement) -> Iterable[Flag]:
    found = _places(s)
    if not found:
        return _NONE
    shapes, names = japan.extension_problems(s.value, found)
    if not (shapes or names):
        return _NONE
    return [*(Flag(VALUES, p) for p in shapes), *(Flag(KNOWN, p) for p in names)]


@plan_layer(VALUES, KNOWN)
def _shapes_layer(target: StatementsTarget, params: dict[str, object]) -> LayerSpec:
    return "jp-ext", _shapes


@statements_check(VALUES, REQ + " (value shapes)", "warning",
                  ("日本版拡張の値の形", "Japan extension values have the defined shape"),
                  ("コアプロファイルの拡張 (grade、subject、course-of-study-code、unit、purpose-of-question、"
                   "scrapbook-item-type は文字列の配列、content-type は hint|result|explanation、question-order は整数、"
                   "difficulty は文字列、assessment-type は diagnostic|formative|summative、due-date は日時) の値の形を"
                   "context・活動・result の拡張で確認します。" + DRAFT_JA,
                   "The core profile's extensions have their shape wherever they appear (context, activity or result "
                   "extensions): grade, subject, course-of-study-code, unit, purpose-of-question and scrapbook-item-type "
                   "arrays of strings; content-type hint|result|explanation; question-order an integer; difficulty a "
                   "string; assessment-type diagnostic|formative|summative; due-date a date-time. " + DRAFT_EN))
def ext_values(ctx: CheckContext) -> None:
    target = require_statements(ctx)
    report(ctx, target.layer(*_shapes_layer(target, ctx.params)))


@statements_check(KNOWN, REQ + " (names)", "warning",
                  ("日本版名前空間の拡張がコアプロファイルにある", "Japan-namespace extensions are defined by the core profile"),
                  (f"{japan.EXTENSIONS_BASE} の下の拡張がコアプロファイルで定義された名前であること、古い名前空間 "
                   f"{japan.OLD_BASE} を使っていないことを確認します (綴りの誤りは集計から漏れます)。" + DRAFT_JA,
                   f"Extensions under {japan.EXTENSIONS_BASE} are names the core profile defines, and the older "
                   f"namespace {japan.OLD_BASE} is not used (a misspelt name drops out of every aggregation). "
                   + DRAFT_EN))
def ext_known(ctx: CheckContext) -> None:
    target = require_statements(ctx)
    report(ctx, target.layer(*_shapes_layer(target, ctx.params)))


_CODE_NAMES = {GRADE: "grade", SUBJECT: "subject", COURSE: "course-of-study-code"}


def _codes(ctx: CheckContext, name: str) -> None:
    target = require_statements(ctx)
    pattern = str(ctx.params["pattern"])
    try:
        re.compile(pattern)
    except re.error as exc:
        ctx.stop_not_evaluated(f"the profile's pattern for {name} is not a regular expression: {exc}")
    report(ctx, target.layer(*_codes_layer(ctx.check_id, pattern)))


def _codes_layer(check_id: str, pattern: str) -> LayerSpec:
    """The layer of one code check; the key names the extension and pattern (the checks' flags carry
    ``check_id``, one code check per extension)."""
    name = _CODE_NAMES[check_id]
    allowed = re.compile(pattern)
    iri = japan.EXTENSIONS_BASE + name

    fits: set[str] = set()  # values already found to fit: codes repeat in every statement

    def judge(s: Statement) -> Iterable[Flag]:
        for _, ext in _places(s):
            value = ext.get(iri)
            if value is None:
                continue
            if value.__class__ is list:
                for item in value:
                    if item.__class__ is not str or item not in fits:
                        break
                else:
                    continue  # every value already known to fit
            problems = japan.code_problems(s.value, name, allowed, _places(s))
            if not problems:
                _fit(fits, value)
                return _NONE
            return [Flag(check_id, p, _value_at(s.value, p.path)) for p in problems]
        return _NONE

    return f"codes:{name}:{pattern}", judge


def _fit(fits: set[str], value: Any) -> None:
    """Keeps the strings of a value that fits (bounded: cleared when full)."""
    if value.__class__ is list:
        if len(fits) > 4096:
            fits.clear()
        fits.update(v for v in value if v.__class__ is str and len(v) <= 200)


def _plan_codes(check_id: str) -> None:
    plan_layer(check_id)(lambda target, params: _codes_layer(check_id, str(params["pattern"])))


def _value_at(statement: object, path: str) -> object:
    found = jsonpath.find(statement, path)
    return found[0].value if found else None


@statements_check(GRADE, REQ + " (grade; code list unverified)", "warning",
                  ("学年コードの形", "Grade codes have the expected form"),
                  ("grade 拡張の各値が学年コード (既定は OneRoster Japan Profile の P1〜P6・J1〜J3・H1〜H3・E1〜E3、"
                   "パラメータ pattern で変更可) であることを確認します。ドラフトは教育データ標準のコードに従うとしますが、"
                   "どのコード表かは renkei の参照資料で確認できていないため警告です。",
                   "Each value of the grade extension is a grade code (by default the OneRoster Japan Profile's "
                   "P1-P6, J1-J3, H1-H3, E1-E3; the pattern parameter changes it). The drafts say to follow the MEXT "
                   "education data standard codes, but which code list is not confirmed from renkei's reference: a "
                   "warning."), params={"pattern": GRADE_PATTERN})
def ext_grade(ctx: CheckContext) -> None:
    _codes(ctx, "grade")


@statements_check(SUBJECT, REQ + " (subject; code list unverified)", "warning",
                  ("教科コードの形", "Subject codes have the expected form"),
                  ("subject 拡張の各値が教科コード (既定は OneRoster Japan Profile の P010〜 / J010〜 の形、パラメータ "
                   "pattern で変更可) であることを確認します。どのコード表かは確認できていないため警告です。",
                   "Each value of the subject extension is a subject code (by default the OneRoster Japan Profile's "
                   "P010... / J010... form; the pattern parameter changes it). Which code list is not confirmed: a "
                   "warning."), params={"pattern": SUBJECT_CODE_RE.pattern.removeprefix("^").removesuffix("$")})
def ext_subject(ctx: CheckContext) -> None:
    _codes(ctx, "subject")


@statements_check(COURSE, REQ + " (course-of-study-code; 16 digits per third-party tooling, unverified)", "warning",
                  ("学習指導要領コードが 16 桁", "Course of study codes are 16 digits"),
                  ("course-of-study-code 拡張 (学習指導要領コード) の各値が 16 桁の数字 (例 8220263100000000) であることを"
                   "確認します。16 桁という形は第三者のツールによるもので、文部科学省のコード表で確認できていないため警告です。",
                   "Each value of the course-of-study-code extension (学習指導要領コード) is 16 digits (e.g. "
                   "8220263100000000). The 16-digit form comes from third-party tooling and is not confirmed against "
                   "the MEXT code table: a warning."), params={"pattern": japan.COURSE_OF_STUDY_RE.pattern[1:-1]})
def ext_course_of_study(ctx: CheckContext) -> None:
    _codes(ctx, "course-of-study-code")


@statements_check(SCORE, "Japan xAPI Profiles (draft 2026-04-01) assessment_profile answered: "
                  "scaled = (raw-min)/(max-min), 0..1", "warning",
                  ("得点の計算が合う", "The score's arithmetic holds"),
                  ("result.score に scaled・raw・max がある文で、scaled = (raw - min) / (max - min) (min がなければ 0) が"
                   "許容差 (パラメータ tolerance、既定 0.01) 以内で成り立ち、scaled が 0〜1 であることを確認します。"
                   + DRAFT_JA,
                   "Where result.score has scaled, raw and max, scaled = (raw - min) / (max - min) (min 0 when absent) "
                   "within the tolerance parameter (default 0.01), and scaled is in 0..1. " + DRAFT_EN),
                  params={"tolerance": 0.01})
def score_arithmetic(ctx: CheckContext) -> None:
    target = require_statements(ctx)
    report(ctx, target.layer(*_score_layer(target, ctx.params)))


@plan_layer(SCORE)
def _score_layer(target: StatementsTarget, params: dict[str, object]) -> LayerSpec:
    tolerance = float(params["tolerance"])  # type: ignore[arg-type]

    def judge(s: Statement) -> list[Flag] | tuple[()]:
        value = s.value
        if value.__class__ is dict and "result" not in value:
            return ()  # no result, no score: most statements
        problems = japan.score_problems(value, tolerance)
        if not problems:
            return []
        score = (s.value.get("result") or {}).get("score") if isinstance(s.value, dict) else None
        return [Flag(SCORE, p, score.get("scaled") if isinstance(score, dict) else None) for p in problems]

    return f"score:{tolerance}", judge


for _code_check in _CODE_NAMES:
    _plan_codes(_code_check)
