"""Japanese restrictions on OneRoster data, as pure functions over polars DataFrames of CSV cells.

Each rule takes one chunk of a file (Utf8 columns named as the header, plus Int64 ``__line__``)
and the check's parameters, and returns ``Hit``s; ``csv/checks_jp`` registers them as ``or.jp.*``
checks and feeds them chunks, ``rest_provider/checks_jp`` feeds them REST objects laid out as CSV
cells (``rest_binding.csv_cells``), so both bindings apply the same rules. Sources are in
reference/oneroster.md §2: the Japan Profile text itself was not confirmed from a primary source, so
most rules come from implementations (MEIBO, DA2022 K社/R社/AA社). Where implementations disagree the rule is a warning or takes a parameter.

Parameters (profile ``params``; defaults in ``DEFAULTS``):
- ``uuid_lowercase`` (bool): sourcedIds / userMasterIdentifier must be lower-case UUID v4.
- ``uuid_hyphens_optional`` (bool): also accept the 32-digit form without hyphens (DA-K's pattern).
- ``school_year_convention`` (``start``|``end``): which year ``schoolYear`` names. MEIBO writes the
  year the 年度 starts; the base spec says the year the school year ends.
- ``school_code_check_digit`` (bool): verify the 学校コード check digit (MEXT algorithm).
- ``grade_codes`` (list): accepted grade codes besides E1–E3 (those get their own warning).
- ``subject_code_pattern`` (regex): subjectCodes element pattern (DA-R; has no 高校 codes).
- ``enrollment_roles`` (list): enrollments.role values accepted without a warning (default: the
  values every Japanese implementation accepts; guardian, proctor and ext: terms are disputed).
- ``vocabulary_extensions`` (engine): tokens the profile adds to a base vocabulary; the Japanese
  vocabulary rules treat them as accepted by the base (e.g. enrollments.role guardian).
- ``role_values`` (list): accepted roles.role values (DA-R list by default).
- ``admin_roles`` (list): roles that DA-R forbids as a primary role.
- ``hankaku_scope`` (``names``|``all``): where half-width katakana is looked for.
- ``kana_script`` (``katakana``|``any``): what the kana reading columns may contain.
- ``require_home_class`` (bool): eポータル required users columns include metadata.jp.homeClass.
- ``japan_profile_document`` / ``model_document`` (str): the Japan Profile and the Japanese model
  document (学習eポータル / 相互運用標準モデル) the profile implements; requirements and messages name
  them, so a finding always cites the running profile's own document (``document``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import polars as pl

from renkei.harness.core.errors import ConfigError
from renkei.harness.jp import codes as jpcodes
from renkei.harness.oneroster.model.columns import (
    JP_ENROLLMENTS_LOWER,
    JP_ENROLLMENTS_UPPER,
    JP_USERS_KANA,
    JP_USERS_KANA_PREFERRED,
)
from renkei.harness.oneroster.model.hits import LINE, Hit, header_hit, select, subset
from renkei.harness.oneroster.model.schema import EXT_PATTERN, UUID_V4_RE, schema_for

Params = Mapping[str, Any]

UUID_V4 = UUID_V4_RE
UUID_V4_HYPHENS_OPTIONAL = r"^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$"  # DA-K
NENDO_TITLE = r"^[0-9]{4}年度$"
NENDO_PREFIX = r"^[0-9]{4}年度"
HANKAKU_KANA = r"[\x{FF66}-\x{FF9F}]"
HANKAKU_CHARS = [chr(c) for c in range(0xFF66, 0xFFA0)]  # the same set, for Aho-Corasick search
FULLWIDTH_DIGIT = r"[０-９]"
SPACES = r"[ \x{3000}]"
KATAKANA_ONLY = r"^[ァ-ヶー・ヽヾ]+$"
# What no reading (よみがな) may hold, whatever the kana_script setting: (class, regex, en, ja).
KANJI = r"[\x{3400}-\x{4DBF}\x{4E00}-\x{9FFF}\x{F900}-\x{FAFF}\x{20000}-\x{3134F}々〆〇]"
LATIN = r"[A-Za-zＡ-Ｚａ-ｚ]"
DIGITS = r"[0-9０-９]"
NOT_KANA = (
    ("kanji", KANJI, "kanji", "漢字"),
    ("latin", LATIN, "Latin letters", "英字"),
    ("digits", DIGITS, "digits", "数字"),
)
NOT_KANA_ANY = f"(?:{KANJI}|{LATIN}|{DIGITS})"
KANA_ANY = r"^[ぁ-ゖゝゞァ-ヶー・ヽヾ]+$"

UUID_FILES = ("academicSessions", "classes", "courses", "enrollments", "users", "orgs", "roles",
              "userProfiles")

KANA_COLUMNS = tuple(c for c in (*JP_USERS_KANA, *JP_USERS_KANA_PREFERRED) if c.startswith("metadata.jp.kana"))

# Columns where DA-K and MEIBO (eポータル fullwidth) forbid half-width katakana.
NAME_COLUMNS: dict[str, tuple[str, ...]] = {
    "users": ("givenName", "familyName", "middleName", "preferredGivenName", "preferredMiddleName",
              "preferredFamilyName", *KANA_COLUMNS),
    "orgs": ("name",),
    "classes": ("title", "location"),
    "courses": ("title",),
    "userProfiles": ("description",),
}

CODE_COLUMNS = ("grades", "identifier", "subjectCodes", "classCode", "metadata.jp.ShussekiNo",
                "metadata.jp.shussekiNo")
_ENROLLMENT_JP = (*JP_ENROLLMENTS_UPPER, *JP_ENROLLMENTS_LOWER)  # both spellings: JP 第2版 and JPK12
SHUSSEKI_COLUMNS = tuple(c for c in _ENROLLMENT_JP if c.lower() == "metadata.jp.shussekino")
PUBLIC_FLG_COLUMNS = tuple(c for c in _ENROLLMENT_JP if c.lower() == "metadata.jp.publicflg")

DEFAULTS: dict[str, Any] = {
    "uuid_lowercase": True,
    "uuid_hyphens_optional": False,
    "school_year_convention": "start",
    "school_code_check_digit": True,
    "grade_codes": [*jpcodes.GRADES_ELEMENTARY, *jpcodes.GRADES_JUNIOR, *jpcodes.GRADES_HIGH],
    "subject_code_pattern": jpcodes.SUBJECT_CODE_RE.pattern,
    "enrollment_roles": ["administrator", "student", "teacher"],  # MEIBO ∩ DA-K ∩ DA-R
    "role_values": ["districtAdministrator", "guardian", "principal", "proctor", "siteAdministrator",
                    "student", "systemAdministrator", "teacher"],
    "admin_roles": ["districtAdministrator", "siteAdministrator", "principal"],
    "hankaku_scope": "names",
    "kana_script": "katakana",
    "require_home_class": False,
}


DOCUMENT_PARAMS = ("japan_profile_document", "model_document")


def param(params: Params, name: str) -> Any:
    return params.get(name, DEFAULTS[name])


def document(params: Params, name: str, default: str) -> str:
    """The document a profile parameter names (``DOCUMENT_PARAMS``), or ``default`` when unset."""
    value = params.get(name)
    return value if isinstance(value, str) and value.strip() else default


def validate_documents(params: Params) -> None:
    """A document parameter, when given, is a non-empty string (a typo stops the run at open)."""
    for name in DOCUMENT_PARAMS:
        value = params.get(name)
        if value is not None and not (isinstance(value, str) and value.strip()):
            raise ConfigError(f"profile parameter {name!r}: expected the document's title as text")


def _present(df: pl.DataFrame, columns: tuple[str, ...] | list[str]) -> list[str]:
    return [c for c in columns if c in df.columns]


def extensions(params: Params, file: str, column: str) -> list[str]:
    """Tokens the profile's ``vocabulary_extensions`` adds to the base vocabulary of ``file.column``."""
    found = (params.get("vocabulary_extensions") or {}).get(f"{file}.{column}", [])
    return [v for v in found if isinstance(v, str)] if isinstance(found, list) else []


def _base_accepts(file: str, column: str, extra: list[str] | None = None) -> pl.Expr:
    """True where the base binding's vocabulary (incl. ext: terms and ``extra``) accepts the value.

    Japanese vocabulary restrictions report only such values: anything else is already a finding
    of ``or.<file>.enum``, and one problem should give one finding. ``extra`` are the profile's
    ``vocabulary_extensions``, which ``or.<file>.enum`` accepts too.
    """
    col = schema_for("1.2.1")[file].column(column)
    values = [*(col.values if col is not None else ()), *(extra or [])]
    accepted = pl.col(column).is_in(values)
    if col is not None and col.extensible:
        accepted = accepted | pl.col(column).str.contains(EXT_PATTERN)
    return accepted


def _vocab_hits(df: pl.DataFrame, params: Params, file: str, column: str, allowed: list[str], en: str,
                ja: str) -> list[Hit]:
    """Values the (profile-extended) base vocabulary accepts but the Japanese list does not."""
    if column not in df.columns:
        return []
    suspects = subset(df, (pl.col(column) != "") & ~pl.col(column).is_in(allowed), [column])
    if suspects is None:
        return []
    return select(suspects, _base_accepts(file, column, extensions(params, file, column)), column, en, ja)


def _elements(df: pl.DataFrame, column: str) -> pl.DataFrame:
    """One row per list element (``__line__``, ``value``), blanks dropped; lists are comma-separated."""
    return (
        df.filter(pl.col(column) != "")
        .select(pl.col(LINE), pl.col(column).str.split(",").alias("value"))
        .explode("value")
        .filter(pl.col("value") != "")
    )


def _element_hits(df: pl.DataFrame, column: str, bad: pl.Expr, en: str, ja: str,
                  suspect: pl.Expr | None = None) -> list[Hit]:
    """Hits per list element; ``suspect`` (a cheap cell-level filter) limits which cells are split."""
    if suspect is not None:
        found = subset(df, suspect, [column])
        if found is None:
            return []
        df = found
    elements = _elements(df, column)
    return select(elements, bad, column, en, ja, value=pl.col("value"))


def _list_of(tokens: list[str]) -> str:
    """Regex matching a comma-separated list made only of ``tokens``."""
    alt = "|".join(re.escape(t) for t in tokens) or "(?!)"
    return f"^(?:{alt})(?:,(?:{alt}))*$"


# --- identifiers -------------------------------------------------------------------------------

def uuid_sourced_id(df: pl.DataFrame, params: Params, matched: pl.Series | None = None) -> list[Hit]:
    """sourcedId must be a UUID v4 (DA-K ib1061…ib1076, DA-R ckUUID, DA-AA).

    ``matched``: the column already tested against ``UUID_V4`` (the engine shares it with the GUID
    format check), so the regex runs once per chunk.
    """
    return _uuid_column(df, params, "sourcedId", matched)


def user_master_id_format(df: pl.DataFrame, params: Params) -> list[Hit]:
    """userMasterIdentifier (学習eポータルUUID), when given, is a UUID v4 (DA-K ib1073, DA-R)."""
    return _uuid_column(df, params, "userMasterIdentifier")


def _uuid_column(df: pl.DataFrame, params: Params, column: str, matched: pl.Series | None = None) -> list[Hit]:
    if column not in df.columns:
        return []
    c = pl.col(column)
    pattern = UUID_V4_HYPHENS_OPTIONAL if param(params, "uuid_hyphens_optional") else UUID_V4
    # One regex pass over the column; only the (normally zero) failing rows are classified further.
    ok = pl.lit(matched) if matched is not None else c.str.contains(UUID_V4)
    suspects = subset(df, (c != "") & ~ok, [column])
    if suspects is not None and pattern != UUID_V4:
        suspects = subset(suspects, ~c.str.contains(pattern))
    if suspects is None:
        return []
    upper_ok = c.str.contains("(?i)" + pattern)
    hits = select(suspects, ~upper_ok, column,
                  "value is not a UUID v4 (8-4-4-4-12 hex digits, version 4, variant 8/9/a/b)",
                  "値が UUID v4 の形式（8-4-4-4-12 桁の16進数、バージョン4）ではありません")
    if param(params, "uuid_lowercase"):
        hits += select(suspects, upper_ok, column,
                       "UUID contains upper-case hex digits; Japanese implementations expect lower case",
                       "UUID に大文字の16進数が含まれています（国内実装は小文字を前提としています）")
    return hits


# --- academicSessions --------------------------------------------------------------------------

def session_type(df: pl.DataFrame, params: Params) -> list[Hit]:
    """Japan Profile sessions are 年度 only (MEIBO academic_session.rb, DA-K ib1003)."""
    return _vocab_hits(df, params, "academicSessions", "type", ["schoolYear"],
                       "academicSessions.type must be schoolYear in the Japan Profile",
                       "国内プロファイルでは academicSessions.type は schoolYear だけを使います")


def session_title(df: pl.DataFrame, params: Params) -> list[Hit]:
    """Title is `<西暦>年度`, e.g. 2024年度 (MEIBO, DA-K ib1062, DA-R)."""
    if "title" not in df.columns:
        return []
    c = pl.col("title")
    return select(df, (c != "") & ~c.str.contains(NENDO_TITLE), "title",
                  "academicSessions.title must be a 4-digit year followed by 年度 (e.g. 2024年度)",
                  "academicSessions.title は西暦4桁＋「年度」（例: 2024年度）にしてください")


def school_year(df: pl.DataFrame, params: Params) -> list[Hit]:
    """schoolYear against the dates, per the profile's convention; title year against startDate.

    MEIBO writes schoolYear = the year the 年度 starts; CSV121 defines it as the year in which the
    school year ends. Both conventions exist in real data, so a mismatch is a warning.
    """
    needed = ("schoolYear", "startDate", "endDate")
    if any(c not in df.columns for c in needed):
        return []
    convention = param(params, "school_year_convention")
    source = "startDate" if convention == "start" else "endDate"
    year = pl.col("schoolYear").str.to_integer(strict=False)
    date_year = pl.col(source).str.to_date("%Y-%m-%d", strict=False).dt.year()
    if convention == "start":
        en = ("schoolYear is not the year in which the 年度 starts (profile convention 'start', as MEIBO "
              "writes it); note CSV121 defines schoolYear as the year the school year ends")
        ja = ("schoolYear が年度の始まる年になっていません（プロファイルの設定は start で、MEIBO と同じ扱いです）。"
              "なお CSV121 は schoolYear を学年度が終わる年と定めており、解釈が分かれています")
    else:
        en = ("schoolYear is not the year in which the school year ends (CSV121; profile convention "
              "'end'); note MEIBO writes the year the 年度 starts")
        ja = ("schoolYear が学年度の終わる年になっていません（プロファイルの設定は end で、CSV121 と同じ扱いです）。"
              "なお MEIBO は年度の始まる年を書き出します")
    hits = select(df, year.is_not_null() & date_year.is_not_null() & (year != date_year), "schoolYear",
                  en, ja)
    title_year = (pl.col("title").str.extract(r"^([0-9]{4})年度$", 1).str.to_integer(strict=False)
                  if "title" in df.columns else pl.lit(None, dtype=pl.Int64))
    start_year = pl.col("startDate").str.to_date("%Y-%m-%d", strict=False).dt.year()
    hits += select(df, title_year.is_not_null() & start_year.is_not_null() & (title_year != start_year),
                   "title",
                   "the 年度 in the title does not match the year of startDate (a 年度 starts in April of "
                   "its named year)",
                   "title の年度と startDate の年が一致しません（年度はその年の4月に始まります）")
    return hits


# --- orgs ---------------------------------------------------------------------------------------

def org_type(df: pl.DataFrame, params: Params) -> list[Hit]:
    """Only 教育委員会 (district) and 学校 (school) orgs (MEIBO organization.rb, DA-AA)."""
    return _vocab_hits(df, params, "orgs", "type", ["district", "school"],
                       "orgs.type must be district or school in the Japan Profile",
                       "国内プロファイルでは orgs.type は district（教育委員会）か school（学校）だけを使います")


def district_parent(df: pl.DataFrame, params: Params) -> list[Hit]:
    """A district (教育委員会) has no parent; literal NULL is tolerated (DA-R/DA-AA write it)."""
    if "type" not in df.columns or "parentSourcedId" not in df.columns:
        return []
    p = pl.col("parentSourcedId")
    return select(df, (pl.col("type") == "district") & (p != "") & (p != "NULL"), "parentSourcedId",
                  "a district org (教育委員会) must not have a parent org",
                  "教育委員会（type=district）には親組織を設定しません")


def school_parent(schools: pl.DataFrame, parent_exists: pl.Expr, parent_is_district: pl.Expr) -> list[Hit]:
    """A school's parent should be a district (DA-K ib1096, defined but not enforced there).

    ``schools`` are the type=school rows (``__line__``, ``parentSourcedId``); the expressions say
    whether the parent is an org of the file / a district (the engine's key store builds them).
    A dangling parent is left to ``or.orgs.refs``.
    """
    if "parentSourcedId" not in schools.columns:
        return []
    parent = pl.col("parentSourcedId")
    none = (parent == "") | (parent == "NULL")
    hits = select(schools, none, "parentSourcedId",
                  "heuristic: a school usually has its 教育委員会 (district) as parent org, but this one has none "
                  "(a private school may have no board)",
                  "経験則による確認: 学校には通常、設置者の教育委員会を親組織として設定しますが、この学校には親組織が"
                  "ありません（私立学校などでは教育委員会がないこともあります）")
    hits += select(schools, ~none & parent_exists & ~parent_is_district, "parentSourcedId",
                   "heuristic: a school's parent org is usually a district (教育委員会), but this one is not",
                   "経験則による確認: 学校の親組織は通常、教育委員会（type=district）ですが、そうなっていません")
    return hits


def school_code(df: pl.DataFrame, params: Params) -> list[Hit]:
    """School identifier = MEXT 学校コード: 13 characters and a valid check digit (DA-K, DA-R, MEXT)."""
    if "type" not in df.columns or "identifier" not in df.columns:
        return []
    ident = pl.col("identifier")
    schools = subset(df, (pl.col("type") == "school") & (ident != ""), ["identifier"])
    if schools is None:
        return []
    hits = select(schools, ~ident.str.contains(jpcodes.SCHOOL_CODE_RE.pattern), "identifier",
                  "school identifier is not a 13-character MEXT 学校コード (e.g. B113210000019)",
                  "学校の identifier が文部科学省の学校コード（13桁、例: B113210000019）の形式ではありません")
    if param(params, "school_code_check_digit"):
        shaped = ident.str.contains(jpcodes.SCHOOL_CODE_RE.pattern)
        hits += select(schools, shaped & ~school_code_digit_ok(ident), "identifier",
                       "学校コード check digit is wrong",
                       "学校コードのチェックディジットが正しくありません")
    return hits


def school_code_digit_ok(code: pl.Expr) -> pl.Expr:
    """Vectorised ``jpcodes.is_valid_school_code`` for cells already shaped like a 学校コード.

    MEXT: the letter becomes two digits (A=01 … H=08), giving 13 digits weighted 1,2,1,2… from the
    left; digit sums of the products are added; check digit = (10 - sum % 10) % 10. The leading 0
    of the letter's pair weighs nothing, the letter digit has weight 2 and character j (1–11) of
    the code sits at position j+1, so odd j weigh 1 and even j weigh 2.
    """
    def digit_sum(product: pl.Expr) -> pl.Expr:
        return product // 10 + product % 10

    letter = code.str.slice(0, 1).replace_strict(
        list(jpcodes.SCHOOL_KIND_LETTERS), list(range(1, len(jpcodes.SCHOOL_KIND_LETTERS) + 1)),
        default=0, return_dtype=pl.Int32)
    total = digit_sum(letter * 2)
    for j in range(1, 12):
        digit = code.str.slice(j, 1).str.to_integer(strict=False).cast(pl.Int32)
        total = total + digit_sum(digit * (1 if j % 2 else 2))
    check = code.str.slice(12, 1).str.to_integer(strict=False).cast(pl.Int32)
    return ((10 - total % 10) % 10) == check


def district_code(df: pl.DataFrame, params: Params) -> list[Hit]:
    """District identifier = 6-digit 教育委員会 code (DA-R ^[0-9]{6}$; DA-K narrows to [0-4]…)."""
    if "type" not in df.columns or "identifier" not in df.columns:
        return []
    ident = pl.col("identifier")
    return select(df, (pl.col("type") == "district") & (ident != "") & ~ident.str.contains(r"^[0-9]{6}$"),
                  "identifier",
                  "district identifier is not a 6-digit 教育委員会 code",
                  "教育委員会の identifier が6桁の数字ではありません")


# --- courses / classes --------------------------------------------------------------------------

def course_title(df: pl.DataFrame, params: Params) -> list[Hit]:
    """courses.title starts with `<西暦>年度` (DA-K ib1078, DA-R)."""
    if "title" not in df.columns:
        return []
    c = pl.col("title")
    return select(df, (c != "") & ~c.str.contains(NENDO_PREFIX), "title",
                  "courses.title must start with a 4-digit year and 年度 (e.g. 2024年度国語)",
                  "courses.title は西暦4桁＋「年度」で始まる必要があります（例: 2024年度国語）")


def course_code_empty(df: pl.DataFrame, params: Params) -> list[Hit]:
    """courses.courseCode is left empty in the Japan Profile (MEIBO, DA-K ib1080, DA-AA)."""
    if "courseCode" not in df.columns:
        return []
    return select(df, pl.col("courseCode") != "", "courseCode",
                  "courses.courseCode must be empty in the Japan Profile",
                  "国内プロファイルでは courses.courseCode を空欄にします")


def grades(df: pl.DataFrame, params: Params) -> list[Hit]:
    """Grades are MEXT codes P1–P6, J1–J3, H1–H3 (E1–E3 are reported by ``grades_e`` instead)."""
    if "grades" not in df.columns:
        return []
    allowed = [*param(params, "grade_codes"), *jpcodes.GRADES_E]
    c = pl.col("grades")
    return _element_hits(df, "grades", ~pl.col("value").is_in(allowed),
                         "grade is not a Japanese grade code (P1–P6, J1–J3, H1–H3)",
                         "学年コードが国内の学年コード（P1–P6、J1–J3、H1–H3）ではありません",
                         suspect=(c != "") & ~c.str.contains(_list_of(allowed)))


def grades_e(df: pl.DataFrame, params: Params) -> list[Hit]:
    """E1–E3: accepted by MEIBO and DA-R, absent from DA-K; their meaning is unverified."""
    if "grades" not in df.columns:
        return []
    return _element_hits(df, "grades", pl.col("value").is_in(list(jpcodes.GRADES_E)),
                         "grade code E1–E3 is accepted by some implementations but its meaning is not "
                         "confirmed by a primary source",
                         "学年コード E1–E3 は一部の実装が受け付けますが、意味は一次資料で確認できていません",
                         suspect=pl.col("grades").str.contains("E", literal=True))


def subject_codes(df: pl.DataFrame, params: Params) -> list[Hit]:
    """subjectCodes follow the APPLIC pattern (DA-R ^[PJ][01][0-9]0$; DA-K P010…/J010… list)."""
    if "subjectCodes" not in df.columns:
        return []
    pattern = param(params, "subject_code_pattern")
    return _element_hits(df, "subjectCodes", ~pl.col("value").str.contains(pattern),
                         "subject code does not follow the Japanese subject-code pattern",
                         "教科コードが国内の教科コードの形式に合っていません")


def class_type(df: pl.DataFrame, params: Params) -> list[Hit]:
    """classType is homeroom or scheduled; the Japan Profile takes no ext: types (MEIBO classroom.rb)."""
    return _vocab_hits(df, params, "classes", "classType", ["homeroom", "scheduled"],
                       "classes.classType must be homeroom or scheduled in the Japan Profile (no ext: values)",
                       "国内プロファイルでは classes.classType は homeroom か scheduled だけを使います（ext: による拡張はできません）")


def special_needs(df: pl.DataFrame, params: Params) -> list[Hit]:
    """metadata.jp.specialNeeds (特別支援学級) is Boolean true/false or blank (MEIBO, DA-K ib1067)."""
    column = "metadata.jp.specialNeeds"
    if column not in df.columns:
        return []
    return select(df, ~pl.col(column).is_in(["", "true", "false"]), column,
                  "metadata.jp.specialNeeds must be true, false or blank",
                  "metadata.jp.specialNeeds は true / false / 空欄のいずれかです")


# --- enrollments / roles ------------------------------------------------------------------------

def enrollment_role(df: pl.DataFrame, params: Params) -> list[Hit]:
    """enrollments.role within the profile's list; MEIBO adds guardian, DA-K adds proctor."""
    return _vocab_hits(df, params, "enrollments", "role", list(param(params, "enrollment_roles")),
                       "enrollments.role is outside the roles every Japanese implementation accepts (they "
                       "disagree: MEIBO and DA-R allow guardian, DA-K allows proctor, DA-R ext:demonstrator)",
                       "enrollments.role の値が、国内のどの実装でも受け付けられるものではありません（MEIBO・R社は "
                       "guardian、K社は proctor、R社は ext:demonstrator も受け付けるなど、実装によって異なります）")


def enrollment_primary_required(df: pl.DataFrame, params: Params) -> list[Hit]:
    """enrollments.primary is required (eポータル 3.00/4.00, 相互運用 5.00/6.00, DA-K ib0048, DA-R)."""
    doc = document(params, "model_document", "this profile")
    doc_ja = document(params, "model_document", "このプロファイル")
    if "primary" not in df.columns:
        return [header_hit("primary", f"enrollments.csv has no primary column, which {doc} requires",
                           f"enrollments.csv に、{doc_ja}で必須の primary 列がありません")]
    return select(df, pl.col("primary") == "", "primary",
                  f"enrollments.primary is required by {doc}",
                  f"{doc_ja}では enrollments.primary は必須です")


def shussekino(df: pl.DataFrame, params: Params) -> list[Hit]:
    """出席番号 is an integer in half-width digits (MEIBO enrollment.rb); full-width is named."""
    hits: list[Hit] = []
    for column in _present(df, SHUSSEKI_COLUMNS):
        c = pl.col(column)
        suspects = subset(df, (c != "") & ~c.str.contains(r"^[0-9]+$"), [column])  # one regex pass, common path
        if suspects is None:
            continue
        fullwidth = c.str.contains(r"^[０-９]+$")
        hits += select(suspects, fullwidth, column,
                       "出席番号 is written in full-width digits; it must be a half-width integer",
                       "出席番号が全角数字で書かれています。半角の整数にしてください")
        hits += select(suspects, ~fullwidth, column,
                       "出席番号 must be an integer",
                       "出席番号は整数で書いてください")
    return hits


def public_flg(df: pl.DataFrame, params: Params) -> list[Hit]:
    """metadata.jp.PublicFlg / publicFlg is Boolean true/false or blank (MEIBO, DA-K)."""
    hits: list[Hit] = []
    for column in _present(df, PUBLIC_FLG_COLUMNS):
        hits += select(df, ~pl.col(column).is_in(["", "true", "false"]), column,
                       "PublicFlg must be true, false or blank",
                       "PublicFlg は true / false / 空欄のいずれかです")
    return hits


def role_values(df: pl.DataFrame, params: Params) -> list[Hit]:
    """roles.role within the 学習eポータル list (DA-K ib1039; DA-R adds proctor, systemAdministrator)."""
    return _vocab_hits(df, params, "roles", "role", list(param(params, "role_values")),
                       "roles.role is outside the roles this profile accepts (DA-K and DA-R lists differ)",
                       "roles.role がこのプロファイルで認める値ではありません（K社とR社で一覧が異なります）")


def admin_not_primary(df: pl.DataFrame, params: Params) -> list[Hit]:
    """DA-R: district/site administrators and principals hold them as secondary roles only."""
    if "role" not in df.columns or "roleType" not in df.columns:
        return []
    admins = list(param(params, "admin_roles"))
    return select(df, pl.col("role").is_in(admins) & (pl.col("roleType") == "primary"), "roleType",
                  "an administrator/principal role is primary; DA-R requires it to be secondary with "
                  "teacher as the primary role",
                  "管理者・校長のロールが primary になっています。R社の実装では、これらは secondary とし、primary は "
                  "teacher とすることを求めています")


# --- users ---------------------------------------------------------------------------------------

EPORTAL_REQUIRED = ("userMasterIdentifier", "preferredGivenName", "preferredFamilyName",
                    "metadata.jp.kanaGivenName", "metadata.jp.kanaFamilyName")
HOME_CLASS = "metadata.jp.homeClass"


def eportal_required(df: pl.DataFrame, params: Params) -> list[Hit]:
    """学習eポータル 3.00/4.00 and 相互運用 5.00/6.00 required users columns (MEIBO eportal, DA-K ib0049–53)."""
    columns = list(EPORTAL_REQUIRED)
    if param(params, "require_home_class"):
        columns.append(HOME_CLASS)
    doc = document(params, "model_document", "this profile")
    doc_ja = document(params, "model_document", "このプロファイル")
    hits: list[Hit] = []
    for column in columns:
        if column not in df.columns:
            hits.append(header_hit(column, f"users.csv lacks a column {doc} requires",
                                   f"users.csv に、{doc_ja}で必須の列がありません"))
            continue
        hits += select(df, pl.col(column) == "", column, f"value is required by {doc}",
                       f"{doc_ja}では必須の値です")
    return hits


def home_class_ref(df: pl.DataFrame, class_exists: pl.Expr) -> list[Hit]:
    """metadata.jp.homeClass names a class in classes.csv (MEIBO user_set.rb, DA-K ib1094, DA-R).

    ``class_exists`` is true where the homeClass cell is the sourcedId of a class.
    """
    if HOME_CLASS not in df.columns:
        return []
    return select(df, (pl.col(HOME_CLASS) != "") & ~class_exists, HOME_CLASS,
                  "metadata.jp.homeClass does not name a class in classes.csv",
                  "metadata.jp.homeClass が classes.csv のクラスを指していません")


def home_class_homeroom(df: pl.DataFrame, class_exists: pl.Expr, is_homeroom: pl.Expr) -> list[Hit]:
    """The home class should be a homeroom class (the column means 学級; MEIBO generates homerooms)."""
    if HOME_CLASS not in df.columns:
        return []
    return select(df, (pl.col(HOME_CLASS) != "") & class_exists & ~is_homeroom, HOME_CLASS,
                  "heuristic: metadata.jp.homeClass names a class whose classType is not homeroom",
                  "経験則による確認: metadata.jp.homeClass が、classType が homeroom ではないクラスを指しています")


# --- character-level rules (any file) -------------------------------------------------------------

def hankaku_kana(df: pl.DataFrame, params: Params, file: str) -> list[Hit]:
    """Half-width katakana (U+FF66–FF9F) is forbidden in names (DA-K, MEIBO eポータル) or everywhere (DA-R)."""
    if param(params, "hankaku_scope") == "all":
        columns = [c for c in df.columns if c != LINE]
    else:
        columns = _present(df, NAME_COLUMNS.get(file, ()))
    return _contains_hits(df, columns, HANKAKU_CHARS,
                          "half-width katakana (半角カナ) is not allowed here; use full-width katakana",
                          "半角カナは使用できません。全角カタカナにしてください")


def kana_chars(df: pl.DataFrame, params: Params) -> list[Hit]:
    """A reading holds no kanji, Latin letters or digits, under every ``kana_script`` setting.

    The sources disagree only about hiragana vs katakana; a reading that is not written in kana at
    all (the name copied into the reading column, a romanised name, a number) is wrong for all of
    them. Each cell is reported once, under the first class it offends (kanji, Latin, digits).
    """
    hits: list[Hit] = []
    for column in _present(df, KANA_COLUMNS):
        suspects = subset(df, pl.col(column).str.contains(NOT_KANA_ANY), [column])  # one pass; rare failures
        if suspects is None:
            continue
        seen = pl.lit(False)
        for _, pattern, en, ja in NOT_KANA:
            this = pl.col(column).str.contains(pattern)
            hits += select(suspects, this & ~seen, column,
                           f"kana reading contains {en}; a reading is written in kana only",
                           f"よみがなに{ja}が含まれています。よみがなはかなだけで書いてください")
            seen = seen | this
    return hits


def kana_script(df: pl.DataFrame, params: Params) -> list[Hit]:
    """Kana readings in katakana (DA-AA requires it; MEIBO accepts hiragana: parameter ``kana_script``).

    Spaces are ignored here (``kana_spaces`` reports them); values with half-width katakana are
    left to ``hankaku_kana``, and values with kanji, Latin letters or digits to ``kana_chars`` (an
    error under every setting), so one problem gives one finding.
    """
    katakana = param(params, "kana_script") == "katakana"
    pattern = KATAKANA_ONLY if katakana else KANA_ANY
    hits: list[Hit] = []
    for column in _present(df, KANA_COLUMNS):
        c = pl.col(column)
        suspects = subset(df, (c != "") & ~c.str.contains(pattern), [column])  # one regex pass; rare failures
        if suspects is None:
            continue
        stripped = c.str.replace_all(SPACES, "")
        bad = ((stripped != "") & ~stripped.str.contains(pattern) & ~c.str.contains(HANKAKU_KANA)
               & ~c.str.contains(NOT_KANA_ANY))
        if katakana:
            en = ("kana reading is not full-width katakana (DA-AA requires katakana; MEIBO also accepts "
                  "hiragana)")
            ja = "よみがなが全角カタカナではありません（AA社は全角カタカナのみ、MEIBO はひらがなも受け付けます）"
        else:
            en = "kana reading contains characters that are neither hiragana nor katakana"
            ja = "よみがなに、ひらがな・カタカナ以外の文字が含まれています"
        hits += select(suspects, bad, column, en, ja)
    return hits


def kana_spaces(df: pl.DataFrame, params: Params) -> list[Hit]:
    """Spaces inside kana readings: DA-AA strips them before checking, other importers may not."""
    return _contains_hits(df, _present(df, KANA_COLUMNS), [" ", "\u3000"],  # literal search, no regex
                          "kana reading contains a space (half- or full-width)",
                          "よみがなに空白（半角または全角）が含まれています")


def null_literal(df: pl.DataFrame, params: Params, columns: list[str] | None = None) -> list[Hit]:
    """Literal NULL: MEIBO reads it as empty, DA-R/DA-AA write it for "no parent"; CSV121 has no NULL.

    ``columns``: where to look (default: every column, after one cheap any-NULL pass); the engine
    passes the columns it already found holding NULL, minus those another check reports.
    """
    if columns is None:
        columns = [c for c in df.columns if c != LINE]
        if not columns or not df.select(pl.any_horizontal([pl.col(c) == "NULL" for c in columns]).any()).item():
            return []
    hits: list[Hit] = []
    for column in columns:
        hits += select(df, pl.col(column) == "NULL", column,
                       "field holds the literal string NULL; CSV121 does not define it (blank means no "
                       "value) and importers differ (MEIBO treats it as blank)",
                       "値に文字列 NULL が入っています。CSV121 に NULL という値はなく、値がないときは空欄にします。"
                       "NULL の扱いは取り込み側によって異なります（MEIBO は空欄とみなします）")
    return hits


def fullwidth_digits(df: pl.DataFrame, params: Params) -> list[Hit]:
    """Full-width digits in codes (grades, identifier, subjectCodes, classCode, 出席番号) — F社 converts them."""
    return _contains_hits(df, _present(df, CODE_COLUMNS), FULLWIDTH_DIGIT,
                          "code contains full-width digits (全角数字); codes use half-width digits",
                          "コードに全角数字が含まれています。半角数字にしてください")


def _contains_hits(df: pl.DataFrame, columns: list[str], pattern: str | list[str], en: str, ja: str) -> list[Hit]:
    """Cells containing ``pattern`` (a regex, or a list of literal characters searched at once)."""
    def test(column: str) -> pl.Expr:
        c = pl.col(column)
        return c.str.contains_any(pattern) if isinstance(pattern, list) else c.str.contains(pattern)

    if not columns or not df.select(pl.any_horizontal([test(c) for c in columns]).any()).item():
        return []
    hits: list[Hit] = []
    for column in columns:
        hits += select(df, test(column), column, en, ja)
    return hits
