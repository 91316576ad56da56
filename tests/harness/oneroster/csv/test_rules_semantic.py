"""Semantic rules (``or.sem.*``): each passes the valid roster and fails one broken input."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl
import pytest

from renkei.harness.core.registry import REGISTRY
from renkei.harness.oneroster.csv import checks_jp  # noqa: F401  (registers the checks)
from renkei.harness.oneroster.csv import rules_semantic as sem
from renkei.harness.oneroster.csv.hits import LINE
from tests.harness.oneroster.csv.bundles import (
    AS_YEAR,
    ORG_DISTRICT,
    ORG_SCHOOL,
    STUDENT,
    TEACHER,
    failing,
    run_memory,
    uid,
    valid_roster,
)

Files = dict[str, list[list[str]]]


def put(files: Files, file: str, row: int, column: str, value: str) -> Files:
    rows = files[file]
    rows[row][rows[0].index(column)] = value
    return files


def add(files: Files, file: str, **values: str) -> Files:
    header = files[file][0]
    files[file].append([values.get(h, "") for h in header])
    return files


def copy_row(files: Files, file: str, row: int, **changes: str) -> Files:
    new = list(files[file][row])
    for column, value in changes.items():
        new[files[file][0].index(column)] = value
    files[file].append(new)
    return files


def demographics(files: Files, sourced_id: str) -> Files:
    files["demographics.csv"] = [["sourcedId", "status", "dateLastModified", "birthDate", "sex",
                                  "americanIndianOrAlaskaNative", "asian", "blackOrAfricanAmerican",
                                  "nativeHawaiianOrOtherPacificIslander", "white",
                                  "demographicRaceTwoOrMoreRaces", "hispanicOrLatinoEthnicity",
                                  "countryOfBirthCode", "stateOfBirthAbbreviation", "cityOfBirth",
                                  "publicSchoolResidenceStatus"],
                                 [sourced_id, "", "", "2017-05-05", "other"] + [""] * 11]
    return files


Break = Callable[[Files], Files]

# (check id, how to break the valid roster, column of the first finding, its line)
CASES: list[tuple[str, Break, str, int]] = [
    ("or.sem.enrollment-primary", lambda f: put(f, "enrollments.csv", 1, "primary", "true"), "primary", 2),
    ("or.sem.agent-self", lambda f: put(f, "users.csv", 1, "agentSourcedIds", f"{TEACHER},{STUDENT}"),
     "agentSourcedIds", 2),
    ("or.sem.class-terms", lambda f: put(f, "classes.csv", 1, "termSourcedIds", " , "), "termSourcedIds", 2),
    ("or.sem.subjects-length", lambda f: put(put(f, "courses.csv", 1, "subjects", "国語,算数"),
                                             "courses.csv", 1, "subjectCodes", "P010"), "subjectCodes", 2),
    ("or.sem.enrollment-dates", lambda f: put(put(f, "enrollments.csv", 2, "beginDate", "2024-05-01"),
                                              "enrollments.csv", 2, "endDate", "2024-04-30"), "endDate", 3),
    ("or.sem.role-dates", lambda f: put(put(f, "roles.csv", 1, "beginDate", "2025-04-01"),
                                        "roles.csv", 1, "endDate", "2024-04-01"), "endDate", 2),
    ("or.sem.session-dates", lambda f: put(f, "academicSessions.csv", 1, "endDate", "2024-03-31"), "endDate", 2),
    ("or.sem.session-within-parent", lambda f: add(f, "academicSessions.csv", sourcedId=uid(3), title="前期",
                                           type="semester", startDate="2024-04-01", endDate="2025-09-30",
                                           parentSourcedId=AS_YEAR, schoolYear="2025"), "parentSourcedId", 3),
    ("or.sem.demographics-user", lambda f: demographics(f, uid(999)), "sourcedId", 2),
    ("or.sem.user-master-id-unique", lambda f: put(f, "users.csv", 2, "userMasterIdentifier", uid(70)),
     "userMasterIdentifier", 3),
    ("or.sem.primary-role-unique", lambda f: add(f, "roles.csv", sourcedId=uid(52), userSourcedId=STUDENT,
                                                 roleType="primary", role="teacher", orgSourcedId=ORG_SCHOOL),
     "roleType", 4),
    ("or.sem.secondary-role", lambda f: put(f, "roles.csv", 2, "roleType", "secondary"), "roleType", 3),
]


def test_every_semantic_check_has_a_case() -> None:
    assert {d.id for d in REGISTRY.match("or.sem.*")} == {c[0] for c in CASES}


@pytest.mark.parametrize("variant", ["1.2.1", "jp-1.2.1", "jp-k12"])
def test_valid_roster_passes_every_semantic_check(variant: str) -> None:
    files = demographics(valid_roster(variant), STUDENT)
    assert failing(run_memory(files, {"columns": variant}, checks="or.sem.*")) == {}


@pytest.mark.parametrize(("check", "breaker", "column", "line"), CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_broken_input_fails_check(check: str, breaker: Break, column: str, line: int) -> None:
    assert failing(run_memory(demographics(valid_roster(), STUDENT), checks=check)) == {}
    sink = run_memory(breaker(valid_roster()), checks=check)
    assert failing(sink) == {check: 1}
    f = sink.findings[check][0]
    assert (f.location.column, f.location.row) == (column, line)
    assert f.message and f.message_ja


def test_duplicates_across_chunks_report_later_rows_with_values() -> None:
    files = valid_roster()
    copy_row(files, "users.csv", 1, sourcedId=uid(80), username="copy1")
    copy_row(files, "users.csv", 1, sourcedId=uid(81), username="copy2")
    sink = run_memory(files, checks="or.sem.user-master-id-unique", chunk_rows=1)
    found = [(f.location.row, f.value) for f in sink.findings["or.sem.user-master-id-unique"]]
    assert found == [(4, uid(70)), (5, uid(70))]


def test_primary_roles_in_different_orgs_are_fine() -> None:
    files = add(valid_roster(), "roles.csv", sourcedId=uid(52), userSourcedId=TEACHER, roleType="primary",
                role="teacher", orgSourcedId=ORG_DISTRICT)
    assert failing(run_memory(files, checks="or.sem.primary-role-unique")) == {}


def test_secondary_role_with_primary_elsewhere_is_fine() -> None:
    files = add(valid_roster(), "roles.csv", sourcedId=uid(52), userSourcedId=TEACHER, roleType="secondary",
                role="principal", orgSourcedId=ORG_SCHOOL)
    assert failing(run_memory(files, checks="or.sem.secondary-role", chunk_rows=1)) == {}


def test_demographics_skipped_without_users() -> None:
    files = demographics(valid_roster(), STUDENT)
    del files["users.csv"]
    sink = run_memory(files, checks="or.sem.demographics-user")
    assert "users.csv" in sink.skips["or.sem.demographics-user"]


# ---------------------------------------------------------------- pure functions


def frame(**columns: list[str]) -> pl.DataFrame:
    n = len(next(iter(columns.values())))
    return pl.DataFrame({**columns, LINE: list(range(2, n + 2))},
                        schema={**{c: pl.Utf8 for c in columns}, LINE: pl.Int64})


def lines(hits: list[Any]) -> list[int]:
    return [line for h in hits for line in h.rows[LINE].to_list()]


def test_enrollment_primary_only_teachers() -> None:
    df = frame(role=["teacher", "student", "administrator", "student"], primary=["true", "true", "true", "false"])
    assert lines(sem.enrollment_primary(df)) == [3, 4]


def test_malformed_dates_are_left_to_format_checks() -> None:
    df = frame(beginDate=["2024-13-01", "2024-05-01"], endDate=["2024-01-01", "2024-05-01"])
    assert sem.date_order(df, "beginDate", "endDate", "enrollment") == []


def test_subjects_length_ignores_blank_lists() -> None:
    df = frame(subjects=["国語", "", "国語,算数"], subjectCodes=["", "P010", "P010,P030"])
    assert sem.subjects_length(df) == []


def test_later_duplicates_keeps_first_occurrence() -> None:
    df = frame(userSourcedId=["a", "a", "b", "a"], orgSourcedId=["o", "p", "o", "o"])
    assert lines(sem.primary_role_duplicates(df)) == [5]


def test_session_child_within_parent() -> None:
    df = frame(sourcedId=["y", "t1", "t2"], startDate=["2024-04-01", "2024-04-01", "2024-03-01"],
               endDate=["2025-03-31", "2024-09-30", "2024-09-30"], parentSourcedId=["", "y", "y"])
    assert lines(sem.session_within_parent(df)) == [4]
