"""Base vs Japanese rules: one problem gives one finding, with the severity the profile intends.

The Japanese profiles read the literal ``NULL`` as blank (``null_literal_as_empty``) and admit the
disputed ``guardian`` enrollment role into the base vocabulary (``vocabulary_extensions``); the base
profiles do neither. Runs use the profiles' own parameters, so the YAML is tested too.
"""

from __future__ import annotations

from typing import Any

import pytest

from renkei.harness.core.errors import ConfigError
from renkei.harness.core.profiles import load_profile, merged_params, resolve
from renkei.harness.oneroster.csv.analysis import analyse
from renkei.harness.oneroster.csv.engine import MemorySource
from renkei.harness.oneroster.csv.sink import FindingSink
from tests.harness.oneroster.csv.bundles import failing, run_memory, valid_roster, with_manifest

JP = "oneroster12-csv-japan"
BASE = "oneroster12-csv"


def params_of(profile_id: str) -> dict[str, Any]:
    return merged_params(load_profile(profile_id))


def run(profile_id: str, cells: list[tuple[str, int, str, str]]) -> FindingSink:
    """The profile's checks and parameters on the valid roster of its variant, with ``cells`` edited."""
    params = params_of(profile_id)
    files = valid_roster(params["columns"])
    for file, row, column, value in cells:
        files[file][row][files[file][0].index(column)] = value
    sink = FindingSink({r.id: r.params for r in resolve(load_profile(profile_id))})
    rows = with_manifest(files, variant=params["columns"], version=params["oneroster_versions"][0])
    analyse(sink, params, MemorySource(rows))  # type: ignore[arg-type]
    return sink


def located(sink: FindingSink, check_id: str) -> set[tuple[str | None, int | None, str | None]]:
    return {(f.location.file, f.location.row, f.location.column) for f in sink.findings.get(check_id, [])}


def test_profiles_set_the_parameters() -> None:
    assert params_of(JP)["null_literal_as_empty"] is True
    assert params_of(JP)["vocabulary_extensions"] == {"enrollments.role": ["guardian"]}
    for pid in ("oneroster12-csv-eportal", "oneroster12-csv-jpk12"):  # inherited
        assert params_of(pid)["null_literal_as_empty"] is True
    for pid in (BASE, "oneroster11-csv"):
        assert params_of(pid)["null_literal_as_empty"] is False
        assert params_of(pid)["vocabulary_extensions"] == {}


NULL_PARENTS = [("orgs.csv", 1, "parentSourcedId", "NULL"), ("academicSessions.csv", 1, "parentSourcedId", "NULL")]


def test_null_parent_is_only_the_jp_warning() -> None:
    sink = run(JP, NULL_PARENTS)
    assert failing(sink) == {"or.jp.null-literal": 2}
    assert located(sink, "or.jp.null-literal") == {("orgs.csv", 2, "parentSourcedId"),
                                                   ("academicSessions.csv", 2, "parentSourcedId")}


def test_null_parent_dangles_under_the_base_profile() -> None:
    sink = run(BASE, NULL_PARENTS)
    assert failing(sink) == {"or.orgs.refs": 1, "or.academicSessions.refs": 1}
    assert sink.findings["or.orgs.refs"][0].value == "NULL"


def test_null_in_a_required_column_is_one_required_finding() -> None:
    sink = run(JP, [("users.csv", 1, "givenName", "NULL"), ("users.csv", 2, "middleName", "NULL")])
    assert failing(sink) == {"or.users.required": 1, "or.jp.null-literal": 1}
    required = sink.findings["or.users.required"][0]
    assert (required.location.row, required.location.column) == (2, "givenName")
    assert "NULL" in required.message and "NULL" in required.message_ja
    assert located(sink, "or.jp.null-literal") == {("users.csv", 3, "middleName")}  # optional column only


def test_null_in_a_required_column_is_a_value_under_the_base_profile() -> None:
    assert failing(run(BASE, [("users.csv", 1, "givenName", "NULL")])) == {}


def test_null_in_an_enumerated_column_is_blank_under_jp() -> None:
    cells = [("enrollments.csv", 1, "primary", "NULL")]
    assert failing(run(JP, cells)) == {"or.jp.null-literal": 1}
    assert failing(run(BASE, cells)) == {"or.enrollments.enum": 1}


def test_real_empty_and_null_required_cells_are_told_apart() -> None:
    sink = run(JP, [("users.csv", 1, "familyName", "NULL"), ("users.csv", 2, "familyName", "")])
    messages = {f.location.row: f.message for f in sink.findings["or.users.required"]}
    assert sink.counts["or.users.required"] == 2
    assert "NULL" in messages[2] and "NULL" not in messages[3]


GUARDIAN = [("enrollments.csv", 1, "role", "guardian")]


def test_guardian_enrollment_is_only_the_jp_warning() -> None:
    sink = run(JP, GUARDIAN)
    assert failing(sink) == {"or.jp.enrollment-role": 1}
    assert located(sink, "or.jp.enrollment-role") == {("enrollments.csv", 2, "role")}
    assert sink.findings["or.jp.enrollment-role"][0].value == "guardian"


def test_guardian_enrollment_is_an_enum_error_under_the_base_profile() -> None:
    sink = run(BASE, GUARDIAN)
    assert failing(sink) == {"or.enrollments.enum": 1}
    assert "guardian" not in sink.findings["or.enrollments.enum"][0].message  # the vocabulary stays strict


def test_unknown_enrollment_role_is_still_a_base_error_under_jp() -> None:
    sink = run(JP, [("enrollments.csv", 1, "role", "parent")])
    assert failing(sink) == {"or.enrollments.enum": 1}
    assert "guardian" in sink.findings["or.enrollments.enum"][0].message  # lists the profile's extension


@pytest.mark.parametrize(("params", "words"), [
    ({"null_literal_as_empty": "yes"}, "null_literal_as_empty"),
    ({"vocabulary_extensions": {"enrollments.rol": ["guardian"]}}, "enrollments.rol"),
    ({"vocabulary_extensions": {"users.givenName": ["x"]}}, "users.givenName"),
    ({"vocabulary_extensions": {"enrollments.role": "guardian"}}, "list"),
    ({"vocabulary_extensions": ["enrollments.role"]}, "mapping"),
])
def test_bad_parameters_are_config_errors(params: dict[str, Any], words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        run_memory(valid_roster(), params)


EPORTAL = "oneroster12-csv-eportal"


def test_null_in_an_eportal_required_column_is_one_eportal_finding() -> None:
    sink = run(EPORTAL, [("users.csv", 1, "preferredGivenName", "NULL"), ("enrollments.csv", 1, "primary", "NULL")])
    assert failing(sink) == {"or.jp.eportal-users": 1, "or.jp.enrollment-primary": 1}
    for cid, where in (("or.jp.eportal-users", ("users.csv", 2, "preferredGivenName")),
                       ("or.jp.enrollment-primary", ("enrollments.csv", 2, "primary"))):
        assert located(sink, cid) == {where}
        assert "NULL" in sink.findings[cid][0].message and "NULL" in sink.findings[cid][0].message_ja


def test_blank_eportal_required_cell_keeps_the_plain_message() -> None:
    sink = run(EPORTAL, [("users.csv", 1, "preferredGivenName", "")])
    assert failing(sink) == {"or.jp.eportal-users": 1}
    assert "NULL" not in sink.findings["or.jp.eportal-users"][0].message


def test_null_home_class_is_the_null_warning_unless_the_profile_requires_it() -> None:
    sink = run(EPORTAL, [("users.csv", 1, "metadata.jp.homeClass", "NULL")])
    assert failing(sink) == {"or.jp.null-literal": 1}  # require_home_class is false: blank is allowed
