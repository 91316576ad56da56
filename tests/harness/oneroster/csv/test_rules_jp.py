"""Japanese rules (``or.jp.*``): each check passes the valid JP roster and fails one broken cell.

Runs go through the engine (``run_memory``), so the wiring in ``checks_jp`` is tested together
with the pure rules of ``rules_jp``; a few parameter details are tested on the pure functions.
"""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from renkei.harness.core.registry import REGISTRY
from renkei.harness.oneroster.csv import checks_jp  # noqa: F401  (registers the checks)
from renkei.harness.oneroster.csv.hits import LINE
from renkei.harness.oneroster.model import rules_jp as jp
from tests.harness.oneroster.csv.bundles import (
    CLASS,
    ORG_DISTRICT,
    ORG_SCHOOL,
    STUDENT,
    failing,
    run_memory,
    uid,
    valid_roster,
)

Cell = tuple[str, int, str, str]  # file, data row (1 = first data row), column, new value


def roster(variant: str = "jp-1.2.1", cells: list[Cell] = ()) -> dict[str, list[list[str]]]:
    files = valid_roster(variant)
    for file, row, column, value in cells:
        rows = files[file]
        rows[row][rows[0].index(column)] = value
    return files


def run_jp(files: dict[str, list[list[str]]], check: str, variant: str = "jp-1.2.1",
           params: dict[str, Any] | None = None, **kw: Any) -> Any:
    return run_memory(files, {"columns": variant, **(params or {})}, checks=check, **kw)


# (check id, broken cells, params, column of the finding)
CASES: list[tuple[str, list[Cell], dict[str, Any], str]] = [
    ("or.jp.uuid-sourcedid", [("enrollments.csv", 1, "sourcedId", "enr-0001")], {}, "sourcedId"),
    ("or.jp.uuid-sourcedid", [("enrollments.csv", 1, "sourcedId", uid(60).upper())], {}, "sourcedId"),
    ("or.jp.user-master-id", [("users.csv", 1, "userMasterIdentifier", "12345")], {}, "userMasterIdentifier"),
    ("or.jp.session-type", [("academicSessions.csv", 1, "type", "term")], {}, "type"),
    ("or.jp.session-title", [("academicSessions.csv", 1, "title", "令和6年度")], {}, "title"),
    ("or.jp.school-year", [("academicSessions.csv", 1, "schoolYear", "2025")], {}, "schoolYear"),
    ("or.jp.school-year", [("academicSessions.csv", 1, "title", "2023年度")], {}, "title"),
    ("or.jp.org-type", [("orgs.csv", 1, "type", "local")], {}, "type"),
    ("or.jp.district-parent", [("orgs.csv", 1, "parentSourcedId", ORG_SCHOOL)], {}, "parentSourcedId"),
    ("or.jp.school-code", [("orgs.csv", 2, "identifier", "B101200000018")], {}, "identifier"),
    ("or.jp.school-code", [("orgs.csv", 2, "identifier", "1012000")], {}, "identifier"),
    ("or.jp.district-code", [("orgs.csv", 1, "identifier", "01100")], {}, "identifier"),
    ("or.jp.course-title", [("courses.csv", 1, "title", "ホームルーム")], {}, "title"),
    ("or.jp.course-code", [("courses.csv", 1, "courseCode", "HR1")], {}, "courseCode"),
    ("or.jp.grades", [("users.csv", 1, "grades", "G1")], {}, "grades"),
    ("or.jp.grades", [("classes.csv", 1, "grades", "P1,P7")], {}, "grades"),
    ("or.jp.grades-e", [("courses.csv", 1, "grades", "E1")], {}, "grades"),
    ("or.jp.subject-codes", [("classes.csv", 1, "subjects", "国語"),
                             ("classes.csv", 1, "subjectCodes", "K010")], {}, "subjectCodes"),
    ("or.jp.class-type", [("classes.csv", 1, "classType", "ext:club")], {}, "classType"),
    ("or.jp.special-needs", [("classes.csv", 1, "metadata.jp.specialNeeds", "TRUE")], {},
     "metadata.jp.specialNeeds"),
    ("or.jp.enrollment-role", [("enrollments.csv", 1, "role", "ext:demonstrator")], {}, "role"),
    ("or.jp.enrollment-primary", [("enrollments.csv", 1, "primary", "")], {}, "primary"),
    ("or.jp.shussekino", [("enrollments.csv", 1, "metadata.jp.ShussekiNo", "1a")], {},
     "metadata.jp.ShussekiNo"),
    ("or.jp.public-flg", [("enrollments.csv", 1, "metadata.jp.PublicFlg", "yes")], {},
     "metadata.jp.PublicFlg"),
    ("or.jp.role-values", [("roles.csv", 1, "role", "aide")], {}, "role"),
    ("or.jp.admin-not-primary", [("roles.csv", 2, "role", "principal")], {}, "roleType"),
    ("or.jp.eportal-users", [("users.csv", 2, "preferredGivenName", "")], {}, "preferredGivenName"),
    ("or.jp.hankaku-kana", [("users.csv", 1, "metadata.jp.kanaGivenName", "ｲﾁﾛｳ")], {},
     "metadata.jp.kanaGivenName"),
    ("or.jp.hankaku-kana", [("users.csv", 1, "username", "ｲﾁﾛｳ")], {"hankaku_scope": "all"}, "username"),
    ("or.jp.kana-script", [("users.csv", 1, "metadata.jp.kanaGivenName", "いちろう")], {},
     "metadata.jp.kanaGivenName"),
    ("or.jp.kana-script", [("users.csv", 1, "metadata.jp.kanaFamilyName", "シケン☆")], {"kana_script": "any"},
     "metadata.jp.kanaFamilyName"),
    ("or.jp.kana-chars", [("users.csv", 1, "metadata.jp.kanaFamilyName", "試験")], {}, "metadata.jp.kanaFamilyName"),
    ("or.jp.kana-chars", [("users.csv", 1, "metadata.jp.kanaGivenName", "Ichiro")], {"kana_script": "any"},
     "metadata.jp.kanaGivenName"),
    ("or.jp.kana-spaces", [("users.csv", 2, "metadata.jp.kanaGivenName", "ハナ\u3000コ")], {},
     "metadata.jp.kanaGivenName"),
    ("or.jp.null-literal", [("orgs.csv", 1, "parentSourcedId", "NULL")], {}, "parentSourcedId"),
    ("or.jp.fullwidth-digits", [("classes.csv", 1, "classCode", "１組")], {}, "classCode"),
    ("or.jp.home-class", [("users.csv", 1, "metadata.jp.homeClass", uid(999))], {}, "metadata.jp.homeClass"),
    ("or.jp.home-class-homeroom", [("classes.csv", 1, "classType", "scheduled")], {}, "metadata.jp.homeClass"),
    ("or.jp.school-parent", [("orgs.csv", 2, "parentSourcedId", "")], {}, "parentSourcedId"),
    ("or.jp.school-parent", [("orgs.csv", 2, "parentSourcedId", ORG_SCHOOL)], {}, "parentSourcedId"),
]


def test_every_jp_check_has_a_case() -> None:
    ids = {d.id for d in REGISTRY.match("or.jp.*")}
    assert ids - {c[0] for c in CASES} == {"or.jp.oneroster-version"}  # tested below (manifest)


@pytest.mark.parametrize("variant", ["jp-1.2.1", "jp-k12"])
def test_valid_japan_roster_passes_every_jp_check(variant: str) -> None:
    sink = run_jp(roster(variant), "or.jp.*", variant,
                  params={"preferred_oneroster_versions": ["1.2"]})
    assert failing(sink) == {}


@pytest.mark.parametrize(("check", "cells", "params", "column"), CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_broken_cell_fails_check(check: str, cells: list[Cell], params: dict[str, Any], column: str) -> None:
    assert failing(run_jp(roster(), check, params=params)) == {}
    sink = run_jp(roster(cells=cells), check, params=params)
    assert sink.counts[check] >= 1
    finding = sink.findings[check][0]
    assert finding.location.column == column
    assert finding.location.row is not None and finding.location.file
    assert finding.message and finding.message_ja


def test_findings_name_file_and_line() -> None:
    sink = run_jp(roster(cells=[("users.csv", 2, "metadata.jp.kanaFamilyName", "ﾐﾎﾝ")]), "or.jp.hankaku-kana")
    f = sink.findings["or.jp.hankaku-kana"][0]
    assert (f.location.file, f.location.row, f.value) == ("users.csv", 3, "ﾐﾎﾝ")


def test_jpk12_lower_camel_enrollment_columns() -> None:
    cells = [("enrollments.csv", 1, "metadata.jp.shussekiNo", "２"),
             ("enrollments.csv", 1, "metadata.jp.publicFlg", "1")]
    sink = run_jp(roster("jp-k12", cells), "or.jp.*", "jp-k12")
    assert failing(sink) == {"or.jp.shussekino": 1, "or.jp.public-flg": 1, "or.jp.fullwidth-digits": 1}
    assert "full-width" in sink.findings["or.jp.shussekino"][0].message


def test_upper_case_uuid_passes_when_allowed() -> None:
    files = roster(cells=[("enrollments.csv", 1, "sourcedId", uid(60).upper())])
    assert failing(run_jp(files, "or.jp.uuid-sourcedid", params={"uuid_lowercase": False})) == {}


def test_uuid_without_hyphens_by_parameter() -> None:
    df = frame(sourcedId=[uid(1).replace("-", ""), "ABCDEFAB-CDEF-4ABC-8DEF-ABCDEFABCDEF".replace("-", ""), "x"])
    assert [h.rows[LINE].to_list() for h in jp.uuid_sourced_id(df, {})] == [[2, 3, 4]]
    hits = jp.uuid_sourced_id(df, {"uuid_hyphens_optional": True})
    assert [h.rows[LINE].to_list() for h in hits] == [[4], [3]]  # not a UUID; upper case


def test_district_null_parent_is_tolerated_by_district_rule() -> None:
    files = roster(cells=[("orgs.csv", 1, "parentSourcedId", "NULL")])
    assert failing(run_jp(files, "or.jp.district-parent")) == {}


def test_school_year_end_convention() -> None:
    assert failing(run_jp(roster(), "or.jp.school-year", params={"school_year_convention": "end"})) \
        == {"or.jp.school-year": 1}
    files = roster(cells=[("academicSessions.csv", 1, "schoolYear", "2025")])
    assert failing(run_jp(files, "or.jp.school-year", params={"school_year_convention": "end"})) == {}


@pytest.mark.parametrize("setting", ["katakana", "any"])
@pytest.mark.parametrize(("value", "what"), [("一郎", "漢字"), ("Ichiro", "英字"), ("ＩＣＨＩＲＯ", "英字"),
                                             ("イチロウ2", "数字"), ("イチロウ２", "数字"), ("いちろう々", "漢字")])
def test_kanji_latin_and_digits_in_a_reading_are_errors_under_every_setting(setting: str, value: str,
                                                                           what: str) -> None:
    files = roster(cells=[("users.csv", 1, "metadata.jp.kanaGivenName", value)])
    sink = run_jp(files, "or.jp.kana-*", params={"kana_script": setting})
    assert failing(sink) == {"or.jp.kana-chars": 1}  # one problem, one finding: kana-script leaves it
    assert REGISTRY.get("or.jp.kana-chars").severity.value == "error"
    assert what in (sink.findings["or.jp.kana-chars"][0].message_ja or "")


def test_kana_script_any_accepts_hiragana() -> None:
    files = roster(cells=[("users.csv", 1, "metadata.jp.kanaGivenName", "いちろう")])
    assert failing(run_jp(files, "or.jp.kana-script", params={"kana_script": "any"})) == {}


def test_enrollment_roles_parameter() -> None:
    files = roster(cells=[("enrollments.csv", 1, "role", "proctor")])
    assert failing(run_jp(files, "or.jp.enrollment-role")) == {"or.jp.enrollment-role": 1}  # disputed (DA-K only)
    assert failing(run_jp(files, "or.jp.enrollment-role",
                          params={"enrollment_roles": ["administrator", "proctor", "student", "teacher"]})) == {}


@pytest.mark.parametrize(("check", "cell"), [
    ("or.jp.class-type", ("classes.csv", 1, "classType", "Scheduled")),
    ("or.jp.org-type", ("orgs.csv", 1, "type", "District")),
    ("or.jp.session-type", ("academicSessions.csv", 1, "type", "year")),
    ("or.jp.role-values", ("roles.csv", 1, "role", "Student")),
])
def test_values_outside_base_vocabulary_are_left_to_enum(check: str, cell: Cell) -> None:
    sink = run_jp(roster(cells=[cell]), check)
    assert failing(sink) == {}
    file = cell[0].removesuffix(".csv")
    assert failing(run_memory(roster(cells=[cell]), {"columns": "jp-1.2.1"}, checks=f"or.{file}.enum")) \
        == {f"or.{file}.enum": 1}


def test_home_class_required_by_parameter() -> None:
    files = roster(cells=[("users.csv", 2, "metadata.jp.homeClass", CLASS)])
    params = {"require_home_class": True}
    assert failing(run_jp(files, "or.jp.eportal-users", params=params)) == {}
    assert failing(run_jp(files, "or.jp.eportal-users")) == {}
    files = roster(cells=[("users.csv", 1, "metadata.jp.homeClass", "")])
    sink = run_jp(files, "or.jp.eportal-users", params=params)
    assert [(f.location.row, f.location.column) for f in sink.findings["or.jp.eportal-users"]] == [
        (2, "metadata.jp.homeClass"), (3, "metadata.jp.homeClass")]


def test_missing_required_column_is_reported_once_per_file() -> None:
    files = roster("1.2.1")
    sink = run_jp(files, "or.jp.eportal-users", "1.2.1", chunk_rows=1)
    columns = [f.location.column for f in sink.findings["or.jp.eportal-users"]]
    assert columns == ["metadata.jp.kanaGivenName", "metadata.jp.kanaFamilyName"]
    assert {f.location.row for f in sink.findings["or.jp.eportal-users"]} == {1}


def test_home_class_skipped_without_classes() -> None:
    files = roster()
    del files["classes.csv"]
    sink = run_jp(files, "or.jp.home-class")
    assert "classes.csv" in sink.skips["or.jp.home-class"]


def _manifest_version(version: str, params: dict[str, Any]) -> dict[str, int]:
    return failing(run_jp(roster(), "or.jp.oneroster-version", params=params, version=version))


def test_preferred_oneroster_version() -> None:
    params = {"oneroster_versions": ["1.2.1", "1.2"], "preferred_oneroster_versions": ["1.2.1"]}
    assert _manifest_version("1.2.1", params) == {}
    assert _manifest_version("1.2", params) == {"or.jp.oneroster-version": 1}
    assert _manifest_version("9.9", params) == {}  # not accepted at all: or.manifest.oneroster-version's job


# ---------------------------------------------------------------- pure functions


def frame(**columns: list[str]) -> pl.DataFrame:
    n = len(next(iter(columns.values())))
    return pl.DataFrame({**columns, LINE: list(range(2, n + 2))},
                        schema={**{c: pl.Utf8 for c in columns}, LINE: pl.Int64})


def test_school_code_check_digit_can_be_disabled() -> None:
    df = frame(type=["school"], identifier=["B101200000018"])
    assert jp.school_code(df, {}) and not jp.school_code(df, {"school_code_check_digit": False})


def test_subject_code_pattern_parameter() -> None:
    df = frame(subjectCodes=["H010"])
    assert jp.subject_codes(df, {})
    assert not jp.subject_codes(df, {"subject_code_pattern": r"^[PJH][01][0-9]0$"})


def test_grade_list_elements_reported_individually() -> None:
    hits = jp.grades(frame(grades=["P1,X9,Ｐ２"]), {})
    assert hits[0].rows["value"].to_list() == ["X9", "Ｐ２"]


def test_enrollment_primary_missing_column_is_a_header_hit() -> None:
    hits = jp.enrollment_primary_required(frame(role=["student"]), {})
    assert hits[0].rows[LINE].to_list() == [1] and hits[0].column == "primary"


def test_shussekino_full_width_named() -> None:
    hits = jp.shussekino(frame(**{"metadata.jp.ShussekiNo": ["１２", "3", "x"]}), {})
    assert [(h.rows[LINE].to_list(), "full-width" in h.en) for h in hits] == [([2], True), ([4], False)]


def test_home_class_rules_on_frames() -> None:
    df = frame(**{"metadata.jp.homeClass": [CLASS, uid(5), ""]})
    exists = pl.col("metadata.jp.homeClass").is_in([CLASS])
    assert jp.home_class_ref(df, exists)[0].rows[LINE].to_list() == [3]
    assert jp.home_class_homeroom(df, exists, pl.lit(False))[0].rows[LINE].to_list() == [2]
    assert not jp.home_class_homeroom(df, exists, pl.lit(True))


def test_school_parent_on_frames() -> None:
    schools = frame(parentSourcedId=[ORG_DISTRICT, "NULL", STUDENT])
    parent = pl.col("parentSourcedId")
    hits = jp.school_parent(schools, parent.is_in([ORG_DISTRICT, STUDENT]), parent == ORG_DISTRICT)
    assert [h.rows[LINE].to_list() for h in hits] == [[3], [4]]


def test_jp_checks_skip_on_oneroster_11() -> None:
    sink = run_memory(valid_roster("1.1"), {"columns": "1.1"}, version="1.1", checks="or.jp.*")
    assert failing(sink) == {}
    assert "1.1" in sink.skips["or.jp.eportal-users"] and "or.jp.hankaku-kana" in sink.skips


def test_vectorised_check_digit_agrees_with_jpcodes() -> None:
    from renkei.harness.jp import codes as jpcodes

    codes = [jpcodes.make_school_code(f"{k}{e}", pref, est, serial)
             for k in jpcodes.SCHOOL_KIND_LETTERS for e in (1, 2) for pref in (1, 13, 47) for est in (1, 2, 3)
             for serial in (0, 1234567, 9999999)]
    wrong = [c[:12] + str((int(c[12]) + 1) % 10) for c in codes]
    df = pl.DataFrame({"code": codes + wrong})
    got = df.select(jp.school_code_digit_ok(pl.col("code")).alias("ok"))["ok"].to_list()
    assert got == [jpcodes.is_valid_school_code(c) for c in codes + wrong] == [True] * len(codes) + [False] * len(wrong)


@pytest.mark.parametrize(("value", "expected"), [
    ("bad id!", {"or.enrollments.format": 1, "or.jp.uuid-sourcedid": 1}),  # neither GUID nor UUID
    ("enr-0001", {"or.jp.uuid-sourcedid": 1}),  # a GUID, not a UUID
    (uid(60), {}),
])
def test_uuid_match_shared_with_guid_format(value: str, expected: dict[str, int]) -> None:
    """The UUID rule runs first and its match lets the GUID format rule skip its regex; a value that
    fails the UUID test still gets its own GUID verdict."""
    files = roster(cells=[("enrollments.csv", 1, "sourcedId", value)])
    sink = run_jp(files, "or.*", params={"preferred_oneroster_versions": ["1.2"]})
    assert {k: v for k, v in failing(sink).items() if k in ("or.enrollments.format", "or.jp.uuid-sourcedid")} \
        == expected


def test_heuristic_rules_say_they_are_heuristics() -> None:
    heuristic = [d for d in REGISTRY.match("or.*") if "heuristic" in d.tags]
    assert {d.id for d in heuristic} >= {"or.jp.school-parent", "or.jp.home-class-homeroom",
                                         "or.sem.session-within-parent"}
    for d in heuristic:
        assert d.severity.value == "warning" and "(heuristic)" in d.title.en and "経験則" in d.title.ja, d.id
        assert "heuristic" in d.description.en and "経験則" in d.description.ja, d.id
    files = roster(cells=[("orgs.csv", 2, "parentSourcedId", "")])
    f = run_jp(files, "or.jp.school-parent").findings["or.jp.school-parent"][0]
    assert f.message.startswith("heuristic:") and (f.message_ja or "").startswith("経験則による確認:")
