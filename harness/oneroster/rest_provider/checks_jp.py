"""``oneroster-rest-provider`` Japanese checks: the rules of the CSV Japan profiles, applied to REST JSON.

Written once: every object the survey read is laid out as the CSV cells it stands for
(``rest_binding.csv_cells``: references as sourcedIds, lists comma-joined, ``metadata.jp.*`` in
either JSON shape as ``metadata.jp.*`` columns), the columns of the Japanese CSV header a field is
absent from are blank (an absent field is an empty cell), and the very functions of
``model.rules_jp`` judge the frame. A finding points back at the request and the object's index.
Like the CSV checks, most rules come from implementations (MEIBO, DA2022) because the Japan Profile
text was not confirmed from a primary source; where they disagree a rule is a warning or a parameter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import polars as pl

from renkei.harness.core.context import CheckContext
from renkei.harness.oneroster.model import rules_jp as jp
from renkei.harness.oneroster.model.columns import roster_headers
from renkei.harness.oneroster.model.hits import LINE, VALUE, Hit
from renkei.harness.oneroster.model.rest_binding import CSV_FILE, csv_cells
from renkei.harness.oneroster.rest_provider.checks_base import rest_check, survey_of, target_of

JP_REQ = "OR Japan Profile v1.2.1"
SOURCE_EN = (" Applied to the REST objects as the CSV cells they stand for (metadata.jp.* from metadata, nested or "
             "flat). The Japan Profile text was not confirmed from a primary source; the rule comes from the "
             "implementations named in the requirement.")
SOURCE_JA = ("REST のオブジェクトを対応する CSV のセルとして (metadata.jp.* は入れ子・フラットどちらの形でも metadata から) "
             "判定します。Japan Profile の本文は一次資料で確認できておらず、規則は要件欄の実装に基づきます。")
Rule = Callable[[pl.DataFrame, dict[str, Any]], list[Hit]]


@dataclass
class Frame:
    """One CSV file's worth of REST objects: the cells, and where each row came from."""

    df: pl.DataFrame
    where: dict[int, tuple[str, int, str]]  # LINE -> (url, index in the answer, sourcedId)


def _frames(ctx: CheckContext) -> dict[str, Frame]:
    target = target_of(ctx)

    def build() -> dict[str, Frame]:
        variant = str(ctx.params.get("columns", "jp-1.2.1"))
        headers = roster_headers(variant)
        rows: dict[str, list[dict[str, str]]] = {}
        where: dict[str, dict[int, tuple[str, int, str]]] = {}
        seen: set[tuple[str, str]] = set()
        for endpoint, url, index, obj in survey_of(ctx).objects():
            file = CSV_FILE.get(endpoint.object)
            key = (endpoint.object, str(obj.get("sourcedId")))
            if file is None or key in seen:
                continue
            seen.add(key)
            cells = csv_cells(endpoint.object, obj)
            _add(rows, where, file, cells, url, index, key[1])
            if endpoint.object == "user":
                for i, role in enumerate(obj.get("roles") or []):
                    if isinstance(role, dict):
                        org = role.get("org") if isinstance(role.get("org"), dict) else {}
                        _add(rows, where, "roles", {
                            "sourcedId": f"{key[1]}#roles[{i}]", "userSourcedId": key[1],
                            "roleType": str(role.get("roleType", "")), "role": str(role.get("role", "")),
                            "orgSourcedId": str(org.get("sourcedId", "")), "beginDate": str(role.get("beginDate", "")),
                            "endDate": str(role.get("endDate", ""))}, url, index, key[1])
        out: dict[str, Frame] = {}
        for file, items in rows.items():
            columns = list(dict.fromkeys([*headers.get(file, ()), *(c for r in items for c in r)]))
            data = {c: [r.get(c, "") for r in items] for c in columns}
            data[LINE] = list(range(2, len(items) + 2))
            schema = {**{c: pl.Utf8 for c in columns}, LINE: pl.Int64}
            out[file] = Frame(pl.DataFrame(data, schema=schema), where[file])
        return out

    return target.shared("jp:frames:" + str(ctx.params.get("columns", "jp-1.2.1")), build)  # type: ignore[no-any-return]


def _add(rows: dict[str, list[dict[str, str]]], where: dict[str, dict[int, tuple[str, int, str]]], file: str,
         cells: dict[str, str], url: str, index: int, sid: str) -> None:
    bucket = rows.setdefault(file, [])
    bucket.append(cells)
    where.setdefault(file, {})[len(bucket) + 1] = (url, index, sid)


def _emit(ctx: CheckContext, frame: Frame, file: str, hits: list[Hit]) -> None:
    for hit in hits:
        for line, value in hit.rows.select(LINE, VALUE).iter_rows():
            if line == 1 or line not in frame.where:  # a field no object carries
                ctx.fail(f"{file}: {hit.en}", ja=f"{file}: {hit.ja}", claim=hit.column, value=value)
                continue
            url, index, sid = frame.where[line]
            field = _rest_name(hit.column)
            ctx.fail(f"{sid}: {hit.en}", ja=f"{sid}: {hit.ja}", endpoint=url, method="GET", index=index,
                     claim=field, value=value)


_REST_NAMES = {"preferredGivenName": "preferredFirstName", "preferredFamilyName": "preferredLastName",
               "schoolSourcedId": "school.sourcedId", "classSourcedId": "class.sourcedId",
               "userSourcedId": "user.sourcedId", "orgSourcedId": "org.sourcedId",
               "parentSourcedId": "parent.sourcedId", "courseSourcedId": "course.sourcedId",
               "termSourcedIds": "terms"}


def _rest_name(column: str | None) -> str | None:
    return None if column is None else _REST_NAMES.get(column, column)


def _jp_check(suffix: str, files: tuple[str, ...], rule: Callable[..., list[Hit]], severity: str,
              title: tuple[str, str], requirement: str, description: tuple[str, str],
              params: dict[str, Any] | None = None, with_file: bool = False) -> None:
    @rest_check(f"or.rest.jp.{suffix}", f"{JP_REQ} {requirement}", severity, title,
                (description[0] + SOURCE_JA, description[1] + SOURCE_EN), params={"columns": "jp-1.2.1", **(params or {})})
    def run(ctx: CheckContext) -> None:
        frames = _frames(ctx)
        present = [f for f in files if f in frames]
        if not present:
            ctx.skip(f"no {' / '.join(files)} object was read")
        merged = {**jp.DEFAULTS, **ctx.params}
        for f in present:
            hits = rule(frames[f].df, merged, f) if with_file else rule(frames[f].df, merged)
            _emit(ctx, frames[f], f, hits)

    run.__name__ = "rest_jp_" + suffix.replace("-", "_")


def _uuid(df: pl.DataFrame, params: dict[str, Any]) -> list[Hit]:
    return jp.uuid_sourced_id(df, params)


_jp_check("uuid-sourcedid", ("academicSessions", "orgs", "courses", "classes", "users", "enrollments"), _uuid,
          "error", ("sourcedId は UUID v4（小文字）", "sourcedId is a lower-case UUID v4"),
          "sourcedId (impl.: DA-K ib1061–ib1076, DA-R ckUUID, DA-AA)",
          ("国内実装は sourcedId に UUID v4 (ハイフン付き) を要求します。", "Japanese implementations require sourcedId to be a "
           "hyphenated UUID v4."), {"uuid_lowercase": True, "uuid_hyphens_optional": False})
_jp_check("user-master-id", ("users",), jp.user_master_id_format, "error",
          ("userMasterIdentifier は UUID v4", "userMasterIdentifier is a UUID v4"),
          "users.userMasterIdentifier (学習eポータルUUID; impl.: DA-K ib1073, DA-R)",
          ("userMasterIdentifier (LTI・xAPI と学習者を結ぶ学習eポータルUUID) は UUID v4 です。",
           "userMasterIdentifier (the 学習eポータル UUID linking the learner to LTI and xAPI) is a UUID v4."),
          {"uuid_lowercase": True, "uuid_hyphens_optional": False})
_jp_check("session-type", ("academicSessions",), jp.session_type, "error",
          ("学期種別は schoolYear のみ", "academicSessions.type is schoolYear only"),
          "academicSessions.type (impl.: MEIBO, DA-K ib1003)",
          ("国内の学期情報は年度単位です。", "Japanese sessions are whole 年度 (school years)."))
_jp_check("session-title", ("academicSessions",), jp.session_title, "error",
          ("学期名は「YYYY年度」", "academicSessions.title is 'YYYY年度'"),
          "academicSessions.title (impl.: MEIBO, DA-K ib1062, DA-R)",
          ("学期名は西暦＋「年度」です。", "The session title is the Western year followed by 年度."))
_jp_check("school-year", ("academicSessions",), jp.school_year, "warning",
          ("schoolYear と年度の対応", "schoolYear matches the 年度 convention"),
          "academicSessions.schoolYear vs CSV121 §3.2 (disputed)",
          ("MEIBO は年度の開始年、基本仕様は終了年を書くため、school_year_convention で選びます。",
           "MEIBO writes the year the 年度 starts, the base spec the year it ends: school_year_convention chooses."),
          {"school_year_convention": "start"})
_jp_check("org-type", ("orgs",), jp.org_type, "error", ("組織種別は district / school のみ", "orgs.type is district or school"),
          "orgs.type (impl.: MEIBO, DA-K)", ("国内の組織は教育委員会と学校です。", "Japanese orgs are districts and schools."))
_jp_check("school-code", ("orgs",), jp.school_code, "error",
          ("学校コード（形式・チェックディジット）", "School identifier is a valid 学校コード"),
          "orgs.identifier (学校コード; impl.: MEIBO, DA-K, DA-R)",
          ("学校の identifier は 13 桁の学校コードで、チェックディジットが文部科学省の算出方法に合います。",
           "A school's identifier is a 13-character 学校コード whose check digit follows MEXT's algorithm."),
          {"school_code_check_digit": True})
_jp_check("course-title", ("courses",), jp.course_title, "error",
          ("コース名は「YYYY年度」で始まる", "courses.title starts with 'YYYY年度'"), "courses.title (impl.: DA-K ib1078, DA-R)",
          ("コース名は西暦4桁＋「年度」で始まります。", "A course title starts with the 4-digit year and 年度."))
_jp_check("course-code", ("courses",), jp.course_code_empty, "error", ("courseCode は空欄", "courses.courseCode is empty"),
          "courses.courseCode (impl.: MEIBO, DA-K ib1080, DA-AA)",
          ("国内プロファイルでは courseCode を空にします (REST のスキーマでは必須のため、空文字列で送ります)。",
           "The Japan Profile leaves courseCode empty (the REST schema requires the field, so it is sent as \"\")."))
_jp_check("grades", ("courses", "classes", "users"), jp.grades, "error", ("学年コード", "Grades use Japanese grade codes"),
          "grades (impl.: MEIBO mext grades, DA-K, DA-R)", ("学年は P1–P6・J1–J3・H1–H3 などの国内コードです。",
                                                            "Grades are the Japanese codes P1–P6, J1–J3, H1–H3 ..."))
_jp_check("class-type", ("classes",), jp.class_type, "error", ("クラス種別は homeroom / scheduled",
                                                                "classType is homeroom or scheduled"),
          "classes.classType (impl.: MEIBO, DA-K)", ("ext: 語は使いません。", "No ext: terms."))
_jp_check("special-needs", ("classes",), jp.special_needs, "error", ("specialNeeds は真偽値", "metadata.jp.specialNeeds is Boolean"),
          "classes.metadata.jp.specialNeeds (impl.: MEIBO, DA-K)", ("true / false のいずれかです。", "true or false."))
_jp_check("enrollment-role", ("enrollments",), jp.enrollment_role, "warning",
          ("在籍ロール（実装間で相違）", "Enrollment roles (implementations disagree)"), "enrollments.role (disputed)",
          ("administrator / student / teacher 以外は実装間で扱いが分かれます。", "Roles other than administrator, student and "
           "teacher are treated differently by implementations."))
_jp_check("shussekino", ("enrollments",), jp.shussekino, "error", ("出席番号は整数", "出席番号 (ShussekiNo) is an integer"),
          "enrollments.metadata.jp.ShussekiNo (impl.: MEIBO, DA-K)", ("出席番号は半角の整数です。", "A half-width integer."))
_jp_check("public-flg", ("enrollments",), jp.public_flg, "error", ("PublicFlg は真偽値", "PublicFlg is Boolean"),
          "enrollments.metadata.jp.PublicFlg (impl.: MEIBO, DA-K)", ("true / false のいずれかです。", "true or false."))
_jp_check("role-values", ("roles",), jp.role_values, "warning", ("ロールの値（実装間で相違）", "roles.role values (implementations disagree)"),
          "users.roles[].role (impl.: DA-R)", ("R社の一覧にないロールを警告します。", "Roles outside DA-R's list are warned about."))
_jp_check("kana-chars", ("users",), jp.kana_chars, "error",
          ("よみがなに漢字・英字・数字がない", "Kana readings hold no kanji, Latin letters or digits"),
          "users.metadata.jp.kana* (impl.: DA-AA, MEIBO)", ("よみがなには漢字・英字・数字を含めません。",
                                                            "A reading holds no kanji, Latin letters or digits."))
_jp_check("kana-script", ("users",), jp.kana_script, "warning", ("よみがなは全角カタカナ", "Kana readings are katakana"),
          "users.metadata.jp.kana* (disputed: MEIBO accepts hiragana)", ("ひらがなは kana_script で許可できます。",
                                                                         "Hiragana can be allowed with kana_script."),
          {"kana_script": "katakana"})
_jp_check("kana-spaces", ("users",), jp.kana_spaces, "warning", ("よみがなの空白", "Spaces inside kana readings"),
          "users.metadata.jp.kana* (impl.: DA-AA strips spaces)", ("よみがなの空白を警告します。", "Spaces inside readings."))
_jp_check("hankaku-kana", ("users", "orgs", "classes", "courses"), jp.hankaku_kana, "error",
          ("半角カタカナを使わない", "No half-width katakana"), "names (impl.: DA-K, MEIBO eポータル; DA-R everywhere)",
          ("名前に半角カタカナ (U+FF66–FF9F) を使いません。", "Names hold no half-width katakana (U+FF66–FF9F)."),
          {"hankaku_scope": "names"}, with_file=True)
_jp_check("fullwidth-digits", ("users", "orgs", "classes", "courses", "enrollments"), jp.fullwidth_digits, "warning",
          ("コードの全角数字", "Full-width digits in codes"), "codes (impl.: F社 converts them)",
          ("学年・コード・出席番号に全角数字を使いません。", "Grades, codes and 出席番号 hold no full-width digits."))


@rest_check("or.rest.jp.metadata_shape", "DA2022 (nested: I社/U社, flat: Y社); declares.metadata_shape", "warning",
            ("metadata.jp.* の JSON の形が宣言どおり", "metadata.jp.* has the declared JSON shape"),
            ("国内製品には metadata.jp.* を {\"jp\": {...}} (入れ子) で送るものと {\"jp.kanaGivenName\": ...} (フラット) で"
             "送るものがあり、公式の定めは確認できていません。対象ファイルで declares.metadata_shape を nested または flat と"
             "宣言した場合に、その形で送られているかを確認します。",
             "Japanese products send metadata.jp.* nested ({\"jp\": {...}}) or flat ({\"jp.kanaGivenName\": ...}); no "
             "official rule was found. When the target declares declares.metadata_shape nested or flat, the objects "
             "must use that shape."))
def metadata_shape(ctx: CheckContext) -> None:
    declared = target_of(ctx).config.declares.metadata_shape
    if declared == "any":
        ctx.skip("the target declares metadata_shape: any")
    judged = 0
    for endpoint, url, index, obj in survey_of(ctx).objects():
        meta = obj.get("metadata")
        if not isinstance(meta, dict):
            continue
        nested = isinstance(meta.get("jp"), dict)
        flat = any(isinstance(k, str) and k.startswith("jp.") for k in meta)
        judged += nested or flat
        if (declared == "nested" and flat) or (declared == "flat" and nested):
            ctx.fail(f"{endpoint.object} {obj.get('sourcedId')!r}: metadata.jp.* is not {declared}",
                     ja=f"{endpoint.object} {obj.get('sourcedId')!r}: metadata.jp.* が宣言した形 ({declared}) ではありません",
                     endpoint=url, method="GET", index=index, claim="metadata")
    if not judged:
        ctx.skip("no object carried metadata.jp.*")
