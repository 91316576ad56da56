"""Registers the Japanese (``or.jp.*``) and semantic (``or.sem.*``) OneRoster CSV checks.

The rules themselves are pure functions in ``rules_jp`` / ``rules_semantic``; this module declares
each check (id, requirement, severity, texts, default parameters) and feeds the rules from the
engine: per-chunk rules through ``@row_rule``, cross-row rules collect a few columns per chunk in
``fc.state`` and decide in an ``@file_rule(at="end")``. Cross-file lookups use the engine's key
store (classes for homeClass, users for demographics, orgs.type for school parents).

Severity policy: a rule that the base spec states, or that every Japanese source agrees on, is an
error; a rule from one implementation only, or where implementations disagree, is a warning and its
description says so. Japanese checks skip (not fail) on OneRoster 1.1 data.

Parameters: those of the rules are documented in ``rules_jp``; ``or.jp.oneroster-version`` reads
``preferred_oneroster_versions`` (list; empty = skip) next to the manifest's ``oneroster_versions``.
Import this module (with ``checks_base`` and ``checks_package``) to register the checks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import polars as pl

from renkei.harness.oneroster.csv import manifest as _manifest  # phase 15 creates the engine's Run
from renkei.harness.oneroster.csv import rules_semantic as sem
from renkei.harness.oneroster.csv.engine import (
    NULL_LITERAL,
    FileContext,
    Run,
    cross_rule,
    file_rule,
    hash_expr,
    rescan,
    row_rule,
)
from renkei.harness.oneroster.csv.hits import LINE, VALUE, Hit, emit_hits
from renkei.harness.oneroster.csv.target import or_check
from renkei.harness.oneroster.model import rules_jp as jp

ChunkRule = Callable[[pl.DataFrame, dict[str, Any]], list[Hit]]

JP_SOURCE_EN = ("The Japan Profile text was not confirmed from a primary source; this rule comes from "
                "the implementations named here.")
JP_SOURCE_JA = "Japan Profile の本文は一次資料で確認できていません。本ルールは記載の実装に基づきます。"
# Checks that test an expectation rather than a stated rule say so (title, description, message; tag).
HEURISTIC_EN = " This is a heuristic (an expectation drawn from practice, not a stated rule): a warning only."
HEURISTIC_JA = "これは経験則（明文の規則ではなく、実務上の想定）による確認で、警告にとどめます。"


def _params(fc: FileContext, check_id: str) -> dict[str, Any]:
    return {**fc.run.params, **fc.sink.params(check_id)}


def _applies(run: Run, check_id: str) -> bool:
    """Japanese checks restrict OneRoster 1.2; on a 1.1 bundle they are skipped, not failed."""
    if check_id.startswith("or.jp.") and run.variant == "1.1":
        run.sink.skip(check_id, "Japanese profile rules apply to OneRoster 1.2 data, not 1.1")
        return False
    return True


def _emit(fc: FileContext, check_id: str, hits: Iterable[Hit]) -> None:
    """Emit hits; a hit on the header line (missing column) is emitted once per file."""
    seen: set[str] = fc.state.setdefault(("header-hits", check_id), set())
    kept = []
    for hit in hits:
        if hit.rows.height == 1 and hit.rows[LINE][0] == 1:
            if hit.column in seen:
                continue
            seen.add(hit.column or "")
        kept.append(hit)
    emit_hits(fc.sink, check_id, fc.file_name, kept)


def _name_nulls(fc: FileContext, hits: list[Hit]) -> list[Hit]:
    """Under null_literal_as_empty a cell holding NULL reaches the rules blank; a required-value hit on
    such a cell says that it held NULL (or.jp.null-literal then leaves the cell to this check)."""
    if not fc.null_columns or fc.raw is None:
        return hits
    out: list[Hit] = []
    for hit in hits:
        if hit.column not in fc.null_columns:
            out.append(hit)
            continue
        rows = hit.rows.join(fc.raw.select(LINE, pl.col(hit.column).alias("__raw")), on=LINE, how="left")
        was_null = rows["__raw"] == NULL_LITERAL
        nulls = rows.filter(was_null).select(LINE, VALUE)
        rest = rows.filter(~was_null.fill_null(False)).select(LINE, VALUE)
        if nulls.height:
            out.append(Hit(hit.column, nulls, hit.en + " (the cell holds the literal NULL, read as blank)",
                           hit.ja + "（セルの値は文字列 NULL で、空欄として扱います）"))
        if rest.height:
            out.append(Hit(hit.column, rest, hit.en, hit.ja))
    return out


# Checks that report a blank cell as a missing required value, and which columns they cover: a NULL
# there is theirs (named by _name_nulls), not or.jp.null-literal's, so one problem gives one finding.
REQUIRED_LIKE: dict[str, dict[str, tuple[str, ...]]] = {
    "or.jp.eportal-users": {"users": (*jp.EPORTAL_REQUIRED, jp.HOME_CLASS)},
    "or.jp.enrollment-primary": {"enrollments": ("primary",)},
}


def _chunk_check(check_id: str, files: tuple[str, ...], rule: ChunkRule, **meta: Any) -> None:
    """Register a check whose rule looks at one chunk at a time."""
    or_check(check_id, **meta)

    def run_rule(fc: FileContext, df: pl.DataFrame) -> None:
        if not _applies(fc.run, check_id):
            return
        hits = rule(df, _params(fc, check_id))
        _emit(fc, check_id, _name_nulls(fc, hits) if check_id in REQUIRED_LIKE else hits)

    run_rule.__name__ = "rule_" + check_id.replace(".", "_").replace("-", "_")
    row_rule(*files, checks=(check_id,))(run_rule)


@row_rule(*jp.UUID_FILES, checks=("or.jp.uuid-sourcedid",), order=-1)
def _rule_uuid_sourced_id(fc: FileContext, df: pl.DataFrame) -> None:
    """Runs before the base format rule (order -1): its UUID match proves the GUID format too."""
    cid = "or.jp.uuid-sourcedid"
    if not _applies(fc.run, cid) or "sourcedId" not in df.columns:
        return
    _emit(fc, cid, jp.uuid_sourced_id(df, _params(fc, cid), fc.match("sourcedId", jp.UUID_V4)))


VOCAB_EN = " Values outside the base vocabulary are reported by or.<file>.enum, not here."
VOCAB_JA = "基本仕様の語彙にない値は、ここではなく or.<file>.enum が指摘します。"


JP_REQ = "OR Japan Profile v1.2.1"


def _jp_cite(requirement: str) -> Callable[[dict[str, Any]], str]:
    """The rule as the profile's own Japan Profile document cites it (``japan_profile_document``)."""
    return lambda params: requirement.replace(JP_REQ, jp.document(params, "japan_profile_document", JP_REQ), 1)


def _jp_req(requirement: str) -> dict[str, Any]:
    return {"requirement": requirement, "cite": _jp_cite(requirement)}


def _jp(requirement: str, en: str, ja: str) -> dict[str, Any]:
    return {**_jp_req(requirement), "description_en": f"{en} {JP_SOURCE_EN}",
            "description_ja": f"{ja}{JP_SOURCE_JA}"}


MODELS = "学習eポータル標準モデル Ver.3.00/4.00, 相互運用標準モデル Ver.5.00/6.00"


def _model_req(rest: str) -> dict[str, Any]:
    """A requirement of the Japanese model documents, cited from the one the profile implements."""
    return {"requirement": f"{MODELS} {rest}",
            "cite": lambda params: f"{jp.document(params, 'model_document', MODELS)} {rest}"}

# --- Japanese checks -----------------------------------------------------------------------------

or_check(
    "or.jp.uuid-sourcedid", severity="error",
    title_ja="sourcedId は UUID v4（小文字）", title_en="sourcedId is a lower-case UUID v4",
    params={"uuid_lowercase": True, "uuid_hyphens_optional": False},
    **_jp(f"{JP_REQ} sourcedId (impl.: DA-K ib1061–ib1076, DA-R ckUUID, DA-AA)",
          "In the rostering files the Japanese implementations require sourcedId to be a UUID v4 in its "
          "hyphenated text form. Upper-case hex digits are reported unless parameter uuid_lowercase is "
          "false; DA-K also accepts the form without hyphens: parameter uuid_hyphens_optional.",
          "国内実装は名簿ファイルの sourcedId に UUID v4（ハイフン付きの文字列表現）を要求します。大文字の16進数は "
          "uuid_lowercase=false でない限り指摘します。K社はハイフンなしの形式も受け付けます（パラメータ "
          "uuid_hyphens_optional）。"))

_chunk_check(
    "or.jp.user-master-id", ("users",), jp.user_master_id_format, severity="error",
    title_ja="userMasterIdentifier は UUID v4", title_en="userMasterIdentifier is a UUID v4",
    params={"uuid_lowercase": True, "uuid_hyphens_optional": False},
    **_jp(f"{JP_REQ} users.userMasterIdentifier (学習eポータルUUID; impl.: DA-K ib1073, DA-R)",
          "When present, userMasterIdentifier (the 学習eポータル UUID that links the learner to LTI and "
          "xAPI) must be a UUID v4.",
          "userMasterIdentifier（LTI・xAPI と学習者を結び付ける学習eポータルUUID）は、値がある場合 UUID v4 "
          "である必要があります。"))

_chunk_check(
    "or.jp.session-type", ("academicSessions",), jp.session_type, severity="error",
    title_ja="学期種別は schoolYear のみ", title_en="academicSessions.type is schoolYear only",
    **_jp(f"{JP_REQ} academicSessions.type (impl.: MEIBO v1_1/academic_session.rb, DA-K ib1003)",
          "Japanese sessions are whole 年度 (school years); term/semester/gradingPeriod are not used." + VOCAB_EN,
          "国内の学期情報は年度単位です。term / semester / gradingPeriod は使いません。" + VOCAB_JA))

_chunk_check(
    "or.jp.session-title", ("academicSessions",), jp.session_title, severity="error",
    title_ja="学期名は「YYYY年度」", title_en="academicSessions.title is 'YYYY年度'",
    **_jp(f"{JP_REQ} academicSessions.title (impl.: MEIBO \\A\\d+年度\\z, DA-K ib1062, DA-R)",
          "The session title is the Western year followed by 年度, e.g. 2024年度.",
          "学期名は西暦＋「年度」（例: 2024年度）です。"))

_chunk_check(
    "or.jp.school-year", ("academicSessions",), jp.school_year, severity="warning",
    title_ja="schoolYear と年度の対応", title_en="schoolYear matches the 年度 convention",
    params={"school_year_convention": "start"},
    **_jp(f"{JP_REQ} academicSessions.schoolYear vs CSV121 §3.2 (disputed)",
          "Disputed: CSV121 defines schoolYear as the year in which the school year ends; MEIBO writes "
          "the year the 年度 starts (2024年度 = 2024-04-01..2025-03-31 -> 2024). The parameter "
          "school_year_convention (start|end) selects the expected one; a mismatch is a warning. Also "
          "warns when the 年度 in the title differs from the year of startDate.",
          "見解が分かれる規則です。CSV121 は schoolYear を学年度の終了年と定義しますが、MEIBO は年度の開始年"
          "（2024年度 → 2024）を書き出します。パラメータ school_year_convention（start|end）で期待値を選び、"
          "不一致は警告とします。title の年度と startDate の年が異なる場合も警告します。"))

_chunk_check(
    "or.jp.org-type", ("orgs",), jp.org_type, severity="error",
    title_ja="組織種別は district / school のみ", title_en="orgs.type is district or school",
    **_jp(f"{JP_REQ} orgs.type (impl.: MEIBO v1_1/organization.rb, DA-AA)",
          "Japanese orgs are 教育委員会 (district) and 学校 (school) only." + VOCAB_EN,
          "国内の組織は教育委員会（district）と学校（school）のみです。" + VOCAB_JA))

_chunk_check(
    "or.jp.district-parent", ("orgs",), jp.district_parent, severity="error",
    title_ja="教育委員会は親組織を持たない", title_en="A district has no parent org",
    **_jp(f"{JP_REQ} orgs.parentSourcedId (impl.: MEIBO v1_1/organization_set.rb, DA-K ib1095)",
          "A district (教育委員会) is the top of the hierarchy. The literal NULL is tolerated because DA-R "
          "and DA-AA write it (see or.jp.null-literal).",
          "教育委員会（district）は最上位の組織です。R社・AA社が書く固定値 NULL は許容します"
          "（or.jp.null-literal 参照）。"))

_chunk_check(
    "or.jp.school-code", ("orgs",), jp.school_code, severity="error",
    title_ja="学校コード（形式・チェックディジット）", title_en="School identifier is a valid 学校コード",
    params={"school_code_check_digit": True},
    **_jp_req(f"{JP_REQ} orgs.identifier (MEXT 学校コード, 20210128-mxt_chousa01-000011635_01; "
              "impl.: DA-K ib1098, DA-R)"),
    description_en="A school's identifier, when given, is the 13-character MEXT 学校コード "
                   "([A-H][12][0-4][0-9][123] + 7 digits + check digit). The check-digit algorithm is "
                   "MEXT's (as implemented by MEIBO); parameter school_code_check_digit turns it off.",
    description_ja="学校の identifier は、値がある場合、文部科学省の13桁の学校コード（学校種・都道府県・設置区分・"
                   "番号・チェックディジット）です。チェックディジットは文部科学省の算出方法（MEIBO の実装）で検証"
                   "し、school_code_check_digit で無効にできます。")

_chunk_check(
    "or.jp.district-code", ("orgs",), jp.district_code, severity="error",
    title_ja="教育委員会コード（6桁）", title_en="District identifier is a 6-digit code",
    **_jp(f"{JP_REQ} orgs.identifier (impl.: DA-K ib1102, DA-R)",
          "A district's identifier, when given, is a 6-digit 教育委員会 code (DA-R ^[0-9]{6}$; DA-K is "
          "narrower, first digit 0–4).",
          "教育委員会の identifier は、値がある場合、6桁の数字です（R社 ^[0-9]{6}$、K社は先頭0–4でより厳格）。"))

_chunk_check(
    "or.jp.course-title", ("courses",), jp.course_title, severity="error",
    title_ja="コース名は「YYYY年度」で始まる", title_en="courses.title starts with 'YYYY年度'",
    **_jp(f"{JP_REQ} courses.title (impl.: DA-K ib1078, DA-R)",
          "Course titles start with the 年度, e.g. 2024年度国語 or 2024年度ホームルーム.",
          "コース名は年度で始まります（例: 2024年度国語、2024年度ホームルーム）。"))

_chunk_check(
    "or.jp.course-code", ("courses",), jp.course_code_empty, severity="error",
    title_ja="courseCode は空欄", title_en="courses.courseCode is empty",
    **_jp(f"{JP_REQ} courses.courseCode (impl.: MEIBO enum [\"\"], DA-K ib1080, DA-AA)",
          "The Japan Profile leaves courseCode empty.",
          "Japan Profile では courseCode を空欄にします。"))

_GRADE_FILES = ("courses", "classes", "users")
_chunk_check(
    "or.jp.grades", _GRADE_FILES, jp.grades, severity="error",
    title_ja="学年コード", title_en="Grades use Japanese grade codes",
    params={"grade_codes": list(jp.DEFAULTS["grade_codes"])},
    **_jp(f"{JP_REQ} grades (impl.: MEIBO converter.rb, DA-R ckGrades, DA-K ib1065/1079/1092)",
          "Grades are P1–P6 (小), J1–J3 (中), H1–H3 (高); E1–E3 are reported by or.jp.grades-e. DA-K "
          "accepts only P and J codes; parameter grade_codes narrows or widens the list.",
          "学年は P1–P6（小）、J1–J3（中）、H1–H3（高）です。E1–E3 は or.jp.grades-e で扱います。K社は P・J "
          "のみ受け付けます。パラメータ grade_codes で一覧を変更できます。"))

_chunk_check(
    "or.jp.grades-e", _GRADE_FILES, jp.grades_e, severity="warning",
    title_ja="学年コード E1–E3（意味未確認）", title_en="Grade codes E1–E3 (meaning unverified)",
    **_jp(f"{JP_REQ} grades (impl.: MEIBO, DA-R accept E1–E3; DA-K does not)",
          "E1–E3 are accepted by MEIBO and DA-R but not DA-K, and their meaning is not stated by any "
          "source found; using them is a warning.",
          "E1–E3 は MEIBO と R社が受け付け、K社は受け付けません。意味を示す資料が見つからないため警告とします。"))

_chunk_check(
    "or.jp.subject-codes", ("courses", "classes"), jp.subject_codes, severity="warning",
    title_ja="教科コードの形式", title_en="Subject codes follow the Japanese pattern",
    params={"subject_code_pattern": jp.DEFAULTS["subject_code_pattern"]},
    **_jp(f"{JP_REQ} subjectCodes (impl.: DA-R ^[PJ][01][0-9]0$, DA-K P010…P100/J010…J090)",
          "Elements follow the APPLIC subject-code pattern. Sources cover only 小・中 codes (no 高校 "
          "codes), so this is a warning; parameter subject_code_pattern replaces the pattern.",
          "要素は APPLIC の教科コード形式に従います。資料は小・中のコードのみで高校のコードがないため警告とし"
          "ます。パラメータ subject_code_pattern で形式を変更できます。"))

_chunk_check(
    "or.jp.class-type", ("classes",), jp.class_type, severity="error",
    title_ja="クラス種別は homeroom / scheduled", title_en="classType is homeroom or scheduled",
    **_jp(f"{JP_REQ} classes.classType (impl.: MEIBO v1_1/classroom.rb)",
          "The Japan Profile does not extend classType: only homeroom (学級) and scheduled (授業)." + VOCAB_EN,
          "Japan Profile は classType を拡張しません。homeroom（学級）と scheduled（授業）のみです。" + VOCAB_JA))

_chunk_check(
    "or.jp.special-needs", ("classes",), jp.special_needs, severity="error",
    title_ja="specialNeeds は真偽値", title_en="metadata.jp.specialNeeds is Boolean",
    **_jp(f"{JP_REQ} classes.metadata.jp.specialNeeds (impl.: MEIBO v1_1/classroom.rb, DA-K ib1067)",
          "The 特別支援学級 flag is true, false or blank (case-sensitive, as every CSV121 Boolean).",
          "特別支援学級フラグは true / false / 空欄です（CSV121 の真偽値と同じく大文字小文字を区別）。"))

_chunk_check(
    "or.jp.enrollment-role", ("enrollments",), jp.enrollment_role, severity="warning",
    title_ja="在籍ロール（実装間で相違）", title_en="Enrollment roles (implementations disagree)",
    params={"enrollment_roles": list(jp.DEFAULTS["enrollment_roles"])},
    **_jp(f"{JP_REQ} enrollments.role (impl.: MEIBO v1_1/enrollment.rb, DA-K, DA-R; disputed)",
          "Implementations disagree: MEIBO allows student, teacher, administrator, guardian; DA-K allows "
          "administrator, proctor, student, teacher; DA-R allows student, teacher, administrator, guardian "
          "and ext:demonstrator. Values outside parameter enrollment_roles (default: administrator, student, "
          "teacher, which all of them accept) are a warning. guardian is outside the base vocabulary: the "
          "Japanese profiles admit it there through the profile parameter vocabulary_extensions "
          "(enrollments.role: [guardian]), so a guardian enrollment gives this warning only; a profile "
          "without that extension (the base profile) reports it as an or.enrollments.enum error." + VOCAB_EN,
          "実装間で相違があります。MEIBO は student・teacher・administrator・guardian、K社は administrator・"
          "proctor・student・teacher、R社は student・teacher・administrator・guardian・ext:demonstrator を"
          "許可します。パラメータ enrollment_roles（既定はすべての実装が認める administrator・student・teacher）"
          "以外の値を警告します。guardian は基本仕様の語彙にありませんが、国内プロファイルはプロファイルパラメータ "
          "vocabulary_extensions（enrollments.role: [guardian]）で語彙に加えるため、guardian の在籍はこの警告"
          "のみになります。拡張のないプロファイル（基本プロファイル）では or.enrollments.enum のエラーです。"
          + VOCAB_JA))

_chunk_check(
    "or.jp.enrollment-primary", ("enrollments",), jp.enrollment_primary_required, severity="error",
    title_ja="enrollments.primary は必須", title_en="enrollments.primary is required",
    **_model_req("enrollments.primary (impl.: MEIBO eportal/v3/enrollment.rb, "
                 "pse_interoperability_standard/v6/enrollment.rb; DA-K ib0048, DA-R)"),
    description_en="Optional in CSV121 and in the Japan Profiles (JPK12 included), but required by "
                   "学習eポータル標準モデル Ver.3.00/4.00 and 相互運用標準モデル Ver.5.00/6.00 as MEIBO implements "
                   "them; DA-K and DA-R enforce it too. The model documents' text was not confirmed from a "
                   "primary source. Findings name the document of the running profile (profile parameter "
                   "model_document).",
    description_ja="CSV121 と Japan Profile（JPK12 を含む）では任意ですが、MEIBO の実装では学習eポータル標準モデル "
                   "Ver.3.00/4.00 と相互運用標準モデル Ver.5.00/6.00 で必須とされ、K社・R社も検証しています。"
                   "各モデル文書の本文は一次資料で確認できていません。指摘には実行中のプロファイルの文書名"
                   "（プロファイルパラメータ model_document）を示します。")

_chunk_check(
    "or.jp.shussekino", ("enrollments",), jp.shussekino, severity="error",
    title_ja="出席番号は整数", title_en="出席番号 (ShussekiNo) is an integer",
    **_jp(f"{JP_REQ} enrollments.metadata.jp.ShussekiNo / JPK12 shussekiNo (impl.: MEIBO enrollment.rb)",
          "The 出席番号 is an integer in half-width digits; full-width digits (a common export problem, "
          "F社 converts them) are named explicitly.",
          "出席番号は半角数字の整数です。全角数字（よくある出力時の問題で、F社は変換しています）は個別に指摘します。"))

_chunk_check(
    "or.jp.public-flg", ("enrollments",), jp.public_flg, severity="error",
    title_ja="PublicFlg は真偽値", title_en="PublicFlg is Boolean",
    **_jp(f"{JP_REQ} enrollments.metadata.jp.PublicFlg / JPK12 publicFlg (impl.: MEIBO, DA-K)",
          "PublicFlg is true, false or blank. Its meaning is not confirmed from a primary source.",
          "PublicFlg は true / false / 空欄です。意味は一次資料で確認できていません。"))

_chunk_check(
    "or.jp.role-values", ("roles",), jp.role_values, severity="warning",
    title_ja="ロールの値（実装間で相違）", title_en="roles.role values (implementations disagree)",
    params={"role_values": list(jp.DEFAULTS["role_values"])},
    **_jp(f"{JP_REQ} roles.role (impl.: DA-K ib1039, DA-R; disputed)",
          "DA-K accepts districtAdministrator, guardian, principal, siteAdministrator, student, teacher "
          "(\"学習eポータル規格上\"); DA-R also proctor and systemAdministrator. Values outside parameter "
          "role_values (default: the DA-R list) are a warning." + VOCAB_EN,
          "K社は districtAdministrator・guardian・principal・siteAdministrator・student・teacher（「学習eポータル"
          "規格上」）、R社はさらに proctor・systemAdministrator を許可します。パラメータ role_values（既定は R社の"
          "一覧）以外の値を警告します。" + VOCAB_JA))

_chunk_check(
    "or.jp.admin-not-primary", ("roles",), jp.admin_not_primary, severity="warning",
    title_ja="管理者ロールは secondary", title_en="Administrator roles are secondary",
    params={"admin_roles": list(jp.DEFAULTS["admin_roles"])},
    **_jp(f"{JP_REQ} roles.roleType (impl.: DA-R ckPrimarySecondary only)",
          "Implementation practice of DA-R only: districtAdministrator, siteAdministrator and principal "
          "are secondary roles, with teacher as the primary role.",
          "R社のみの実装上の規則です。districtAdministrator・siteAdministrator・principal は secondary とし、"
          "primary は teacher とします。"))

_chunk_check(
    "or.jp.eportal-users", ("users",), jp.eportal_required, severity="error",
    title_ja="モデル文書で必須のユーザー項目", title_en="User fields the model document requires",
    params={"require_home_class": False},
    **_model_req("users (impl.: MEIBO eportal/v3/user.rb, eportal/v4/user.rb; DA-K ib0049–ib0053, DA-R)"),
    description_en="userMasterIdentifier, preferredGivenName, preferredFamilyName, metadata.jp.kanaGivenName "
                   "and metadata.jp.kanaFamilyName are required by 学習eポータル標準モデル Ver.3.00/4.00 and "
                   "相互運用標準モデル Ver.5.00/6.00 as MEIBO implements them (not by the Japan Profiles or JPK12 "
                   "alone). DA-K and DA-R also require metadata.jp.homeClass, MEIBO does not: parameter "
                   "require_home_class. The model documents' text was not confirmed from a primary source. "
                   "Findings name the document of the running profile (profile parameter model_document).",
    description_ja="userMasterIdentifier・preferredGivenName・preferredFamilyName・metadata.jp.kanaGivenName・"
                   "metadata.jp.kanaFamilyName は、MEIBO の実装では学習eポータル標準モデル Ver.3.00/4.00 と相互運用"
                   "標準モデル Ver.5.00/6.00 で必須です（Japan Profile や JPK12 だけでは必須ではありません）。"
                   "K社・R社は metadata.jp.homeClass も必須とし、MEIBO は必須としません（パラメータ "
                   "require_home_class）。各モデル文書の本文は一次資料で確認できていません。指摘には実行中の"
                   "プロファイルの文書名（プロファイルパラメータ model_document）を示します。")


or_check(
    "or.jp.hankaku-kana", severity="error",
    title_ja="半角カナ禁止", title_en="No half-width katakana",
    params={"hankaku_scope": "names"},
    **_jp(f"{JP_REQ} (impl.: DA-K ib1064…ib1100, DA-R checkHankaku, MEIBO eportal fullwidth)",
          "Half-width katakana (U+FF66–FF9F) is forbidden in names, kana readings, org name, class "
          "title/location, course title and userProfiles.description (DA-K, MEIBO); DA-R checks every "
          "cell: parameter hankaku_scope = names|all.",
          "半角カナ（U+FF66–FF9F）は氏名・よみがな・組織名・クラス名/場所・コース名・userProfiles.description で"
          "禁止です（K社・MEIBO）。R社は全セルを検査します（パラメータ hankaku_scope = names|all）。"))


@row_rule(checks=("or.jp.hankaku-kana",))
def _rule_hankaku(fc: FileContext, df: pl.DataFrame) -> None:
    if not _applies(fc.run, "or.jp.hankaku-kana"):
        return
    _emit(fc, "or.jp.hankaku-kana", jp.hankaku_kana(df, _params(fc, "or.jp.hankaku-kana"), fc.name))


_chunk_check(
    "or.jp.kana-script", ("users",), jp.kana_script, severity="warning",
    title_ja="よみがなは全角カタカナ", title_en="Kana readings are katakana",
    params={"kana_script": "katakana"},
    **_jp(f"{JP_REQ} users.metadata.jp.kana* (impl.: DA-AA ^[ァ-ヶー]+$; MEIBO accepts hiragana; disputed)",
          "Disputed: DA-AA requires full-width katakana (after removing spaces), MEIBO's Japan Profile "
          "accepts hiragana. Parameter kana_script = katakana|any (any: hiragana or katakana). ー, ・ and "
          "ヽヾ are accepted with katakana.",
          "見解が分かれる規則です。AA社は（空白除去後）全角カタカナを必須とし、MEIBO の Japan Profile はひらがなも"
          "受け付けます。パラメータ kana_script = katakana|any（any はひらがなとカタカナ）。長音符（ー）、中点（・）、"
          "繰り返し記号（ヽヾ）はカタカナとして扱います。"))

_chunk_check(
    "or.jp.kana-chars", ("users",), jp.kana_chars, severity="error",
    title_ja="よみがなに漢字・英字・数字がない", title_en="Kana readings hold no kanji, Latin letters or digits",
    **_jp(f"{JP_REQ} users.metadata.jp.kana* (a reading: よみがな; impl.: DA-AA ^[ァ-ヶー]+$)",
          "A reading is written in kana. The sources disagree only about hiragana vs katakana (see "
          "or.jp.kana-script), so kanji (the name copied into the reading), Latin letters (a romanised "
          "name) and digits, half- or full-width, are an error under every kana_script setting. Other "
          "symbols are left to or.jp.kana-script.",
          "よみがなはかなで書きます。資料間で見解が分かれるのはひらがなかカタカナかだけ（or.jp.kana-script）のため、"
          "漢字（氏名をそのまま写したもの）、英字（ローマ字表記）、数字（半角・全角とも）は kana_script の設定に"
          "かかわらずエラーです。そのほかの記号は or.jp.kana-script が扱います。"))

_chunk_check(
    "or.jp.kana-spaces", ("users",), jp.kana_spaces, severity="warning",
    title_ja="よみがなの空白", title_en="Spaces inside kana readings",
    **_jp(f"{JP_REQ} users.metadata.jp.kana* (impl.: DA-AA strips spaces)",
          "Readings are per name part (given/family), so a space inside one is usually a data-entry "
          "artefact; DA-AA strips spaces, other importers may keep them.",
          "よみがなは姓・名ごとの項目のため、空白は多くの場合入力時の混入です。AA社は除去しますが、他の取り込み側は"
          "そのまま扱う場合があります。"))

or_check(
    "or.jp.null-literal", severity="warning",
    title_ja="文字列 NULL", title_en="Literal NULL in a field",
    **_jp(f"{JP_REQ} (impl.: MEIBO converter.rb reads NULL as blank; DA-R/DA-AA write NULL)",
          "CSV121 has no NULL token: a blank field means no value. MEIBO treats NULL as blank and DA-R/"
          "DA-AA write NULL for 'no parent', but other importers take it as a value (e.g. a dangling "
          "reference), so it is a warning. With the profile parameter null_literal_as_empty (true in the "
          "Japanese profiles) every other check reads NULL as blank, so a NULL parent is this warning "
          "only, not a dangling reference; a NULL in a required column is reported once, as a missing "
          "value, by the check that requires it (or.<file>.required, or.jp.eportal-users, "
          "or.jp.enrollment-primary).",
          "CSV121 に NULL という値はなく、空欄が値なしを意味します。MEIBO は NULL を空欄として扱い、R社・AA社は"
          "「親なし」に NULL を書きますが、他の取り込み側は値として扱う（存在しない参照になる等）ため警告とします。"
          "プロファイルパラメータ null_literal_as_empty（国内プロファイルでは true）のもとでは他のすべての検査が "
          "NULL を空欄として読むため、親の NULL はこの警告のみで参照エラーになりません。必須列の NULL は、"
          "その列を必須とする検査（or.<file>.required、or.jp.eportal-users、or.jp.enrollment-primary）が値の"
          "欠落として1件だけ報告します。"))


@row_rule(checks=("or.jp.null-literal",))
def _rule_null_literal(fc: FileContext, df: pl.DataFrame) -> None:
    """Reads the chunk as it was (``fc.raw``): with null_literal_as_empty the rules' ``df`` is blanked."""
    cid = "or.jp.null-literal"
    if not _applies(fc.run, cid):
        return
    raw = fc.raw if fc.raw is not None else df
    columns = fc.null_columns  # found by the engine's blanking pass (None: not looked for)
    if columns is not None:  # a required column's NULL is the missing value its check names
        required = {c.name for c in fc.schema.columns if c.required} if fc.wants(fc.cid("required")) else set()
        for check_id, by_file in REQUIRED_LIKE.items():
            if fc.wants(check_id):
                required.update(by_file.get(fc.name, ()))
        if fc.name == "users" and not _params(fc, "or.jp.eportal-users").get("require_home_class", False):
            required.discard(jp.HOME_CLASS)
        columns = [c for c in columns if c not in required]
    if columns == []:
        return
    _emit(fc, cid, jp.null_literal(raw, _params(fc, cid), columns))

_chunk_check(
    "or.jp.fullwidth-digits", (), jp.fullwidth_digits, severity="warning",
    title_ja="コードの全角数字", title_en="Full-width digits in codes",
    **_jp(f"{JP_REQ} grades, identifier, subjectCodes, classCode, 出席番号 (impl.: F社 converts 全角→半角)",
          "Diagnostic: full-width digits from 校務 source data (F社 converts them on export) make codes "
          "unmatchable. No source states a rule for every code column, so this is a warning; where a "
          "code has a format rule (or.jp.grades, or.jp.school-code, or.jp.shussekino) that check errors.",
          "診断用の検査です。校務データ由来の全角数字（F社は出力時に変換）はコードの照合を妨げます。すべてのコード列に"
          "規則を定めた資料はないため警告とし、形式の規則があるコード（or.jp.grades、or.jp.school-code、"
          "or.jp.shussekino）はそちらがエラーとします。"))


# --- homeClass and school parent (cross-file / whole-file) ----------------------------------------

or_check(
    "or.jp.home-class", severity="error",
    title_ja="homeClass の参照先", title_en="metadata.jp.homeClass resolves",
    **_jp(f"{JP_REQ} users.metadata.jp.homeClass (impl.: MEIBO v1_1/user_set.rb, DA-K ib1094, DA-R)",
          "The home class (学級) of a user is the sourcedId of a class in classes.csv.",
          "ユーザーの所属学級（homeClass）は classes.csv のクラスの sourcedId です。"))

or_check(
    "or.jp.home-class-homeroom", severity="warning", tags=("heuristic",),
    title_ja="homeClass は homeroom クラス（経験則）", title_en="metadata.jp.homeClass is a homeroom class (heuristic)",
    **_jp(f"{JP_REQ} users.metadata.jp.homeClass (heuristic: inferred from the column's meaning)",
          "The home class (学級) is expected to be a class with classType=homeroom; no source states this "
          "rule." + HEURISTIC_EN,
          "所属学級（homeClass）は classType=homeroom のクラスであると想定しています。これを明記した資料はありません。"
          + HEURISTIC_JA))


@row_rule("users", checks=("or.jp.home-class", "or.jp.home-class-homeroom"), reads=("classes",))
def _rule_home_class(fc: FileContext, df: pl.DataFrame) -> None:
    if not all([_applies(fc.run, "or.jp.home-class"), _applies(fc.run, "or.jp.home-class-homeroom")]):
        return
    keys = fc.run.keys
    if not fc.run.complete("classes.csv"):
        return  # a class on a row the reader dropped would read as missing: not evaluated instead
    if not keys.ready("classes"):
        for cid in ("or.jp.home-class", "or.jp.home-class-homeroom"):
            fc.sink.skip(cid, "classes.csv was not read, so homeClass cannot be resolved")
        return
    exists = keys.known("classes", jp.HOME_CLASS)
    if fc.wants("or.jp.home-class"):
        _emit(fc, "or.jp.home-class", jp.home_class_ref(df, exists))
    if fc.wants("or.jp.home-class-homeroom"):
        homeroom = keys.known("classes", jp.HOME_CLASS, attr="classType", value="homeroom")
        _emit(fc, "or.jp.home-class-homeroom", jp.home_class_homeroom(df, exists, homeroom))


or_check(
    "or.jp.school-parent", severity="warning", tags=("heuristic",),
    title_ja="学校の親組織は教育委員会（経験則）", title_en="A school's parent is a district (heuristic)",
    **_jp(f"{JP_REQ} orgs.parentSourcedId (heuristic; impl.: DA-K ib1096, defined but not enforced)",
          "A public school's parent org is usually its 教育委員会 (district). DA-K defines this error but does "
          "not use it, and a private or national school may have no board." + HEURISTIC_EN,
          "公立学校の親組織は、通常その学校を設置する教育委員会（district）です。K社はこのエラーを定義していますが"
          "使っておらず、私立・国立の学校には教育委員会がないこともあります。" + HEURISTIC_JA))


@row_rule("orgs", checks=("or.jp.school-parent",))
def _collect_schools(fc: FileContext, df: pl.DataFrame) -> None:
    if not _applies(fc.run, "or.jp.school-parent"):
        return
    if "type" in df.columns and "parentSourcedId" in df.columns:
        fc.state.setdefault("jp-schools", []).append(
            df.lazy().filter(pl.col("type") == "school").select(LINE, "parentSourcedId").collect())


@file_rule("orgs", at="end", checks=("or.jp.school-parent",))
def _finish_schools(fc: FileContext) -> None:
    parts = fc.state.get("jp-schools", [])
    if not parts or not fc.run.keys.ready("orgs"):
        return
    keys = fc.run.keys
    schools = pl.concat(parts)
    _emit(fc, "or.jp.school-parent", jp.school_parent(
        schools, keys.known("orgs", "parentSourcedId"),
        keys.known("orgs", "parentSourcedId", attr="type", value="district")))


# --- semantic checks (base spec) -----------------------------------------------------------------

def _sem(requirement: str, en: str, ja: str) -> dict[str, str]:
    return {"requirement": requirement, "description_en": en, "description_ja": ja}


_chunk_check(
    "or.sem.enrollment-primary", ("enrollments",), lambda df, p: sem.enrollment_primary(df),
    severity="error",
    title_ja="primary=true は教員のみ", title_en="primary=true only for teachers",
    **_sem("OR 1.2.1 CSV §3.9 enrollments.primary (also MEIBO, DA-K ib1082)",
           "CSV121 says primary is \"applicable only to teachers\"; MEIBO and DA-K reject primary=true "
           "for students and other non-teacher roles.",
           "CSV121 は primary を「教員にのみ適用」としており、MEIBO・K社は児童生徒など教員以外の primary=true を"
           "エラーとします。"))

_chunk_check(
    "or.sem.agent-self", ("users",), lambda df, p: sem.agent_self(df), severity="warning",
    title_ja="本人を保護者等に指定しない", title_en="A user is not their own agent",
    **_sem("OR 1.2.1 CSV §3.22 users.agentSourcedIds",
           "agentSourcedIds links a user to other users (parents, guardians); listing the user's own "
           "sourcedId is meaningless, but CSV121 does not forbid it in words, so it is a warning. Whether "
           "each id resolves is checked by or.users.refs.",
           "agentSourcedIds は保護者など他のユーザーとの関係を示します。本人の sourcedId を含めるのは無意味ですが、"
           "CSV121 に明文の禁止はないため警告とします。参照先の存在は or.users.refs で検査します。"))

_chunk_check(
    "or.sem.class-terms", ("classes",), lambda df, p: sem.class_terms(df), severity="error",
    title_ja="termSourcedIds は空でない", title_en="termSourcedIds is not an empty list",
    **_sem("OR 1.2.1 CSV §3.4 classes.termSourcedIds (required; MEIBO non-empty list)",
           "Every class belongs to at least one academic session; a cell made only of commas or spaces "
           "names none.",
           "クラスは少なくとも1つの学期に属します。カンマや空白だけのセルは学期を指していません。"))

_chunk_check(
    "or.sem.subjects-length", ("courses", "classes"), lambda df, p: sem.subjects_length(df),
    severity="error",
    title_ja="subjects と subjectCodes の要素数", title_en="subjects and subjectCodes align",
    **_sem("OR 1.2.1 CSV §3.4/§3.7 subjects, subjectCodes",
           "When both are given, subjects and subjectCodes are parallel lists of the same length.",
           "両方に値がある場合、subjects と subjectCodes は同じ長さの対応するリストです。"))

_chunk_check(
    "or.sem.enrollment-dates", ("enrollments",),
    lambda df, p: sem.date_order(df, "beginDate", "endDate", "enrollment"), severity="error",
    title_ja="在籍期間の前後関係", title_en="Enrollment beginDate is not after endDate",
    **_sem("OR 1.2.1 CSV §3.9 enrollments.beginDate/endDate",
           "An enrollment cannot end before it begins.",
           "在籍情報の終了日は開始日より前にできません。"))

_chunk_check(
    "or.sem.role-dates", ("roles",), lambda df, p: sem.date_order(df, "beginDate", "endDate", "role"),
    severity="error",
    title_ja="ロール期間の前後関係", title_en="Role beginDate is not after endDate",
    **_sem("OR 1.2.1 CSV §3.18 roles.beginDate/endDate",
           "A role cannot end before it begins.",
           "ロールの終了日は開始日より前にできません。"))

or_check(
    "or.sem.session-dates", severity="error",
    title_ja="学期の開始日と終了日", title_en="Academic session startDate is not after endDate",
    **_sem("OR 1.2.1 CSV §3.2 academicSessions.startDate/endDate",
           "A session cannot end before it starts. (CSV121 describes endDate as exclusive, MEIBO writes "
           "inclusive 03-31 ends; both satisfy this check.)",
           "学期は開始前に終了できません（CSV121 は endDate を含まない日とし、MEIBO は 3月31日を含む終了日を書き"
           "ますが、どちらもこの検査を満たします）。"))

or_check(
    "or.sem.session-within-parent", severity="warning", tags=("heuristic",),
    title_ja="子の学期は親の期間内（経験則）", title_en="A child session lies within its parent (heuristic)",
    **_sem("OR 1.2.1 CSV §3.2 academicSessions.parentSourcedId (heuristic)",
           "A session with a parent (e.g. a term in a school year) is expected to lie within the parent's "
           "dates; CSV121 defines the hierarchy but does not state this constraint." + HEURISTIC_EN,
           "親を持つ学期（年度の中の学期など）は、親の期間内にあると想定しています。CSV121 は階層を定めていますが、"
           "この制約は明記していません。" + HEURISTIC_JA))


@row_rule("academicSessions", checks=("or.sem.session-dates", "or.sem.session-within-parent"))
def _rule_session_dates(fc: FileContext, df: pl.DataFrame) -> None:
    if fc.wants("or.sem.session-dates"):
        _emit(fc, "or.sem.session-dates", sem.date_order(df, "startDate", "endDate", "academic session"))
    cols = [LINE, "sourcedId", "startDate", "endDate", "parentSourcedId"]
    if fc.wants("or.sem.session-within-parent") and all(c in df.columns for c in cols[1:]):
        fc.state.setdefault("sem-sessions", []).append(df.select(cols))


@file_rule("academicSessions", at="end", checks=("or.sem.session-within-parent",))
def _finish_session_dates(fc: FileContext) -> None:
    parts = fc.state.get("sem-sessions", [])
    if parts:
        _emit(fc, "or.sem.session-within-parent", sem.session_within_parent(pl.concat(parts)))


or_check(
    "or.sem.demographics-user", severity="error",
    title_ja="demographics は既存ユーザー", title_en="demographics.sourcedId is a user",
    **_sem("OR 1.2.1 CSV §3.8 demographics.sourcedId (also DA-K ib1081)",
           "Demographics rows share the sourcedId of the user they describe; a row with no such user "
           "is orphaned.",
           "demographics の行は対象ユーザーと同じ sourcedId を持ちます。該当するユーザーがない行は孤立しています。"))


@row_rule("demographics", checks=("or.sem.demographics-user",), reads=("users",))
def _rule_demographics(fc: FileContext, df: pl.DataFrame) -> None:
    if not fc.run.complete("users.csv"):
        return  # a user on a row the reader dropped would read as missing: not evaluated instead
    if not fc.run.keys.ready("users"):
        fc.sink.skip("or.sem.demographics-user", "users.csv was not read")
        return
    if fc.run.keys.large("users") and "sourcedId" in df.columns:
        fc.lookup_later("sem-demographics", "users", "sourcedId")  # one probe of 1M users per file
        return
    _emit(fc, "or.sem.demographics-user",
          sem.demographics_user(df, fc.run.keys.known("users", "sourcedId")))


@file_rule("demographics", at="end", checks=("or.sem.demographics-user",), reads=("users",))
def _finish_demographics(fc: FileContext) -> None:
    rows = fc.missing_later("sem-demographics", "users", "sourcedId")
    if rows is not None and rows.height:
        _emit(fc, "or.sem.demographics-user", sem.demographics_user(rows, pl.lit(False)))


# Uniqueness over the whole file: keep 64-bit hashes per chunk, confirm candidates by re-reading.

def _collect_hashes(fc: FileContext, key: str, df: pl.DataFrame, columns: list[str],
                    where: pl.Expr | None = None) -> None:
    """Keep (line, 64-bit hash of the key columns) of the rows with every key filled (and ``where``)."""
    if all(c in df.columns for c in columns):
        filled = pl.all_horizontal([pl.col(c) != "" for c in columns])
        if where is not None:
            filled = filled & where
        joined = pl.col(columns[0]) if len(columns) == 1 else pl.concat_str(columns, separator="\x1f")
        expr = hash_expr(joined)
        # lazy: filter and hash only the key columns, never copy the rest of the chunk
        fc.state.setdefault(key, []).append(df.lazy().filter(filled).select(LINE, expr.alias("h")).collect())


def _candidates(fc: FileContext, key: str, columns: list[str]) -> pl.DataFrame | None:
    """Rows whose key hash occurs more than once, re-read with their real values (exact check)."""
    parts = fc.state.get(key, [])
    if not parts:
        return None
    hashes = pl.concat(parts)
    dup_lines = hashes.filter(pl.col("h").is_duplicated())[LINE]
    if dup_lines.len() == 0:
        return None
    return rescan(fc.run, fc.schema, pl.col(LINE).is_in(dup_lines.implode()), columns)


or_check(
    "or.sem.user-master-id-unique", severity="error",
    title_ja="userMasterIdentifier の一意性", title_en="userMasterIdentifier is unique",
    **_sem("OR 1.2.1 CSV §3.22 users.userMasterIdentifier (also MEIBO user_set.rb, DA-K ib1093)",
           "userMasterIdentifier identifies one person across systems (in Japan the 学習eポータルUUID that "
           "LTI and xAPI carry); two users sharing it break identity linkage.",
           "userMasterIdentifier はシステムをまたいで一人を識別します（国内では LTI・xAPI に引き継がれる学習eポータル"
           "UUID）。重複すると名寄せが壊れます。"))


@row_rule("users", checks=("or.sem.user-master-id-unique",))
def _collect_umi(fc: FileContext, df: pl.DataFrame) -> None:
    _collect_hashes(fc, "sem-umi", df, ["userMasterIdentifier"])


@file_rule("users", at="end", checks=("or.sem.user-master-id-unique",))
def _finish_umi(fc: FileContext) -> None:
    rows = _candidates(fc, "sem-umi", ["userMasterIdentifier"])
    if rows is not None:
        _emit(fc, "or.sem.user-master-id-unique", sem.user_master_id_duplicates(rows))


or_check(
    "or.sem.primary-role-unique", severity="error",
    title_ja="組織ごとの primary ロールは1つ", title_en="One primary role per user and org",
    **_sem("OR 1.2.1 CSV §3.18 roles.roleType",
           "CSV121: \"Only one role per organization can be 'primary'\" for a user.",
           "CSV121:「組織ごとに primary にできるロールは1つ」（ユーザーごと）。"))


@row_rule("roles", checks=("or.sem.primary-role-unique",))
def _collect_primary_roles(fc: FileContext, df: pl.DataFrame) -> None:
    if "roleType" in df.columns:
        _collect_hashes(fc, "sem-primary", df, ["userSourcedId", "orgSourcedId"],
                        where=pl.col("roleType") == "primary")


@file_rule("roles", at="end", checks=("or.sem.primary-role-unique",))
def _finish_primary_roles(fc: FileContext) -> None:
    rows = _candidates(fc, "sem-primary", ["userSourcedId", "orgSourcedId", "roleType"])
    if rows is not None:
        _emit(fc, "or.sem.primary-role-unique",
              sem.primary_role_duplicates(rows.filter(pl.col("roleType") == "primary")))


or_check(
    "or.sem.secondary-role", severity="warning",
    title_ja="secondary ロールには primary が必要", title_en="Secondary role implies a primary role",
    **_sem("OR 1.2.1 CSV §3.18 roles.roleType (implementation rule: DA-K ib1099)",
           "Implementation rule of DA-K, not stated by CSV121: a user holding a secondary role also holds "
           "a primary role. Hence a warning.",
           "CSV121 には明記されていない K社の実装上の規則です。secondary のロールを持つユーザーは primary のロールも"
           "持つものとします。そのため警告とします。"))


@row_rule("roles", checks=("or.sem.secondary-role",))
def _collect_role_types(fc: FileContext, df: pl.DataFrame) -> None:
    if "roleType" not in df.columns or "userSourcedId" not in df.columns:
        return
    frame = df.lazy()
    fc.state.setdefault("sem-primary-users", []).append(
        frame.filter(pl.col("roleType") == "primary").select(hash_expr("userSourcedId").alias("h")).collect())
    fc.state.setdefault("sem-secondary", []).append(
        frame.filter(pl.col("roleType") == "secondary").select(LINE, "userSourcedId").collect())


@file_rule("roles", at="end", checks=("or.sem.secondary-role",))
def _finish_role_types(fc: FileContext) -> None:
    secondaries = fc.state.get("sem-secondary", [])
    if not secondaries:
        return
    primaries = pl.concat(fc.state.get("sem-primary-users", []))["h"].unique()
    _emit(fc, "or.sem.secondary-role", sem.secondary_without_primary(
        pl.concat(secondaries), hash_expr("userSourcedId").is_in(primaries.implode())))


# --- manifest version preference (eポータル) -------------------------------------------------------

or_check(
    "or.jp.oneroster-version", severity="warning",
    title_ja="oneroster.version の推奨値", title_en="Preferred oneroster.version",
    params={"preferred_oneroster_versions": []},
    **_model_req("manifest oneroster.version (impl.: MEIBO 1.2.1 for Ver.4.00/5.00; DA-K/DA-R 1.2; CSV121 1.2)"),
    description_en="A manifest version the profile accepts (parameter oneroster_versions, checked by "
                   "or.manifest.oneroster-version) but that is not the one the profile's model document "
                   "uses (parameter preferred_oneroster_versions). For 学習eポータル標準モデル Ver.4.00 and "
                   "相互運用標準モデル Ver.5.00 MEIBO writes 1.2.1, while CSV121 and DA-K/DA-R use 1.2: 1.2 is "
                   "accepted with this warning.",
    description_ja="プロファイルが受け付ける（パラメータ oneroster_versions、or.manifest.oneroster-version で検査）"
                   "ものの、モデル文書が使う値（パラメータ preferred_oneroster_versions）ではない manifest の版です。"
                   "学習eポータル標準モデル Ver.4.00 と相互運用標準モデル Ver.5.00 では MEIBO が 1.2.1 を書き、CSV121 "
                   "と K社・R社は 1.2 を使うため、1.2 は本警告付きで受け付けます。")


@cross_rule(order=50, checks=("or.jp.oneroster-version",), reads=("manifest",))
def _rule_version_preference(run: Run) -> None:
    cid = "or.jp.oneroster-version"
    if not _applies(run, cid):
        return
    preferred = list(run.param(cid, "preferred_oneroster_versions", []) or [])
    if not preferred:
        run.sink.skip(cid, "the profile names no preferred oneroster.version")
        return
    if run.manifest is None or "oneroster.version" not in run.manifest.properties:
        run.sink.skip(cid, "manifest.csv has no readable oneroster.version")
        return
    value, line = run.manifest.properties["oneroster.version"]
    if value not in preferred and value in _manifest.accepted_versions(run):
        doc = jp.document(run.params, "model_document", "this profile's model document")
        doc_ja = jp.document(run.params, "model_document", "このプロファイルのモデル文書")
        wanted = " / ".join(str(v) for v in preferred)
        run.sink.fail(cid, f"oneroster.version is accepted, but {doc} uses {wanted}",
                      ja=f"oneroster.version は受け付けますが、{doc_ja}での値は {wanted} です",
                      value=value, file="manifest.csv", row=line, column="value")
