"""Base per-file rules: every registered ``or.<file>.*`` check passes a valid file and fails a bad one."""

from __future__ import annotations

import pytest

from renkei.harness.core.registry import REGISTRY
from renkei.harness.oneroster.model import schema as S
from tests.harness.oneroster.csv.bundles import (
    ORG_DISTRICT,
    ORG_SCHOOL,
    failing,
    run_memory,
    uid,
    valid_roster,
)

TARGET_ID = uid(999)

VALID_BY_KIND = {
    S.GUID: None, S.REF: TARGET_ID, S.REFS: TARGET_ID, S.STRING: "x", S.STRINGS: "a,b",
    S.BRACED: "{LDAP:a1},{LTI:https://example.invalid/1}", S.BOOL: "true", S.DATE: "2024-04-01",
    S.DATETIME: "2024-04-01T00:00:00.000Z", S.YEAR: "2024", S.FLOAT: "1.5", S.INT: "3", S.STATUS: "",
}


def generic_row(schema: S.FileSchema, sourced_id: str, *, type_value: str | None = None) -> list[str]:
    row = []
    for c in schema.columns:
        if c.name == "dateLastModified":
            row.append("")
        elif c.kind == S.GUID:
            row.append(sourced_id)
        elif c.kind in (S.ENUM, S.ENUMS):
            row.append(type_value if (c.name == "type" and type_value) else c.values[0])
        elif c.name.startswith("metadata."):
            row.append("")
        else:
            row.append(VALID_BY_KIND[c.kind])
    return row


def generic_files(name: str, variant: str = "1.2.1") -> dict[str, list[list[str]]]:
    """File ``name`` with one valid row, plus one row in every file it references (id TARGET_ID)."""
    schemas = S.schema_for(variant)
    schema = schemas[name]
    files = {schema.file_name: [list(schema.header), generic_row(schema, uid(1))]}
    for col in schema.refs():
        target = schemas[col.ref]  # type: ignore[index]
        rows = files.setdefault(target.file_name, [list(target.header)])
        if not any(r[0] == TARGET_ID for r in rows[1:]):
            rows.append(generic_row(target, TARGET_ID, type_value=col.ref_type))
    return files


FILES = list(S.schema_for("1.2.1"))


def family_ids(family: str) -> list[str]:
    return [n for n in FILES if f"or.{n}.{family}" in REGISTRY]


@pytest.mark.parametrize("name", FILES)
def test_generic_valid_file_passes_every_family(name: str) -> None:
    sink = run_memory(generic_files(name), checks=f"or.{name}.*")
    assert failing(sink) == {}


@pytest.mark.parametrize("name", FILES)
def test_header_out_of_order_fails(name: str) -> None:
    files = generic_files(name)
    rows = files[f"{name}.csv"]
    for r in rows:
        r[3], r[4] = r[4], r[3]
    sink = run_memory(files, checks=f"or.{name}.header")
    assert failing(sink) == {f"or.{name}.header": 1}
    assert "order" in sink.findings[f"or.{name}.header"][0].message


@pytest.mark.parametrize("name", FILES)
def test_header_only_file_fails_not_empty(name: str) -> None:
    files = generic_files(name)
    files[f"{name}.csv"] = files[f"{name}.csv"][:1]
    sink = run_memory(files, checks=f"or.{name}.not-empty")
    assert failing(sink) == {f"or.{name}.not-empty": 1}


@pytest.mark.parametrize("name", FILES)
def test_blank_sourced_id_fails_required(name: str) -> None:
    files = generic_files(name)
    files[f"{name}.csv"][1][0] = ""
    sink = run_memory(files, checks=f"or.{name}.required")
    assert failing(sink) == {f"or.{name}.required": 1}
    f = sink.findings[f"or.{name}.required"][0]
    assert (f.location.file, f.location.row, f.location.column) == (f"{name}.csv", 2, "sourcedId")


@pytest.mark.parametrize("name", FILES)
def test_date_only_last_modified_fails_format(name: str) -> None:
    files = generic_files(name)
    files[f"{name}.csv"][1][2] = "2024-04-01"
    sink = run_memory(files, checks=f"or.{name}.format")
    assert failing(sink) == {f"or.{name}.format": 1}
    assert sink.findings[f"or.{name}.format"][0].value == "2024-04-01"


@pytest.mark.parametrize("name", family_ids("enum"))
def test_unknown_token_fails_enum(name: str) -> None:
    files = generic_files(name)
    schema = S.schema_for("1.2.1")[name]
    idx = next(i for i, c in enumerate(schema.columns) if c.kind in (S.ENUM, S.ENUMS))
    files[f"{name}.csv"][1][idx] = "Bogus"
    sink = run_memory(files, checks=f"or.{name}.enum")
    assert failing(sink) == {f"or.{name}.enum": 1}
    assert sink.findings[f"or.{name}.enum"][0].value == "Bogus"


@pytest.mark.parametrize("name", FILES)
def test_duplicate_sourced_id_fails_unique(name: str) -> None:
    files = generic_files(name)
    rows = files[f"{name}.csv"]
    n = len(rows)
    rows.extend([list(rows[1]), list(rows[1])])
    sink = run_memory(files, checks=f"or.{name}.unique")
    assert failing(sink) == {f"or.{name}.unique": 2}
    f = sink.findings[f"or.{name}.unique"]
    assert [x.location.row for x in f] == [n + 1, n + 2]
    assert "line 2" in f[0].message


@pytest.mark.parametrize("name", FILES)
def test_status_in_bulk_fails_status(name: str) -> None:
    files = generic_files(name)
    files[f"{name}.csv"][1][1] = "active"
    sink = run_memory(files, checks=f"or.{name}.status")
    assert failing(sink) == {f"or.{name}.status": 1}


@pytest.mark.parametrize("name", family_ids("refs"))
def test_dangling_reference_fails_refs(name: str) -> None:
    files = generic_files(name)
    schema = S.schema_for("1.2.1")[name]
    idx = next(i for i, c in enumerate(schema.columns) if c.ref)
    files[f"{name}.csv"][1][idx] = "no-such-id"
    sink = run_memory(files, checks=f"or.{name}.refs")
    assert failing(sink) == {f"or.{name}.refs": 1}
    f = sink.findings[f"or.{name}.refs"][0]
    assert (f.location.row, f.location.column, f.value) == (2, schema.columns[idx].name, "no-such-id")


# ------------------------------------------------------------------- header details


def _users_header_findings(header: list[str]) -> list[tuple[str | None, str]]:
    files = valid_roster()
    files["users.csv"] = [header] + [r + [""] * (len(header) - len(r)) for r in files["users.csv"][1:]]
    sink = run_memory(files, checks="or.users.header")
    return [(f.location.column, f.message) for f in sink.findings.get("or.users.header", [])]


def test_header_case_mismatch_is_named() -> None:
    header = list(valid_roster()["users.csv"][0])
    header[header.index("givenName")] = "GivenName"
    found = _users_header_findings(header)
    assert len(found) == 1 and found[0][0] == "givenName" and "case" in found[0][1]


def test_header_misspelt_column_is_one_did_you_mean() -> None:
    """The real-world quirk (reference §4): one finding that names the intended column, not two."""
    header = list(valid_roster()["users.csv"][0])
    header[header.index("preferredGivenName")] = "prefferedGivenName"
    files = valid_roster()
    files["users.csv"] = [header] + files["users.csv"][1:]
    (f,) = run_memory(files, checks="or.users.header").findings["or.users.header"]
    assert (f.location.column, f.value) == ("preferredGivenName", "prefferedGivenName")
    assert f.message.endswith("did you mean preferredGivenName?") and "preferredGivenName の誤り" in (f.message_ja or "")


def test_header_unrelated_unknown_column_is_still_missing_and_unknown() -> None:
    header = list(valid_roster()["users.csv"][0])
    header[header.index("preferredGivenName")] = "nickname"
    found = dict(_users_header_findings(header))
    assert "missing" in found["preferredGivenName"]
    assert "metadata" in found["nickname"]


def test_header_extensions_must_be_metadata_and_rightmost() -> None:
    base = list(valid_roster()["users.csv"][0])
    assert _users_header_findings(base + ["metadata.vendor.x"]) == []
    found = _users_header_findings(["metadata.vendor.x"] + base)
    assert any("after all specified columns" in m for _, m in found)


def test_header_duplicate_name() -> None:
    base = list(valid_roster()["users.csv"][0])
    found = _users_header_findings(base + ["metadata.a", "metadata.a"])
    assert [c for c, _ in found] == ["metadata.a"]


def test_header_specified_column_repeated_at_the_end() -> None:
    """A repeat after the others (``...,parentSourcedId,parentSourcedId``) is one duplicate finding,
    not an order violation and not a crash of the order comparison."""
    base = list(valid_roster()["users.csv"][0])
    assert _users_header_findings(base + [base[-1]]) == [(base[-1], "header name appears more than once")]
    assert _users_header_findings(base + ["givenName"]) == [("givenName", "header name appears more than once")]


def test_empty_file_has_no_header() -> None:
    files = valid_roster()
    files["users.csv"] = []
    sink = run_memory(files, checks="or.users.*")
    assert sink.counts["or.users.header"] == 1 and sink.counts["or.users.not-empty"] == 1


# ------------------------------------------------------------------- format details


@pytest.mark.parametrize(("column", "value"), [
    ("enabledUser", "TRUE"),  # Boolean is case-sensitive
    ("sourcedId", "has space"),
    ("sourcedId", "x" * 256),
    ("agentSourcedIds", f"{uid(1)}, {uid(2)}"),  # space after comma
    ("userIds", "LDAP:abc"),
    ("grades", "P1,,P2"),
    ("dateLastModified", "2024-04-01T00:00:00Z"),  # no milliseconds
    ("dateLastModified", "2024-02-30T00:00:00.000Z"),  # not a calendar date
])
def test_users_format_violations(column: str, value: str) -> None:
    files = valid_roster()
    header = files["users.csv"][0]
    files["users.csv"][1][header.index(column)] = value
    sink = run_memory(files, checks="or.users.format")
    assert failing(sink) == {"or.users.format": 1}
    f = sink.findings["or.users.format"][0]
    assert (f.location.column, f.value) == (column, value[:200] + ("…" if len(value) > 200 else ""))
    assert value not in f.message


@pytest.mark.parametrize("value", ["２０２４-04-01", "2024-4-1", "2024/04/01"])
def test_full_width_or_short_dates_fail(value: str) -> None:
    files = valid_roster()
    files["academicSessions.csv"][1][5] = value  # startDate
    sink = run_memory(files, checks="or.academicSessions.format")
    assert failing(sink) == {"or.academicSessions.format": 1}


def test_valid_lists_and_datetimes_pass() -> None:
    files = valid_roster()
    header = files["users.csv"][0]
    row = files["users.csv"][1]
    row[header.index("userIds")] = "{LDAP:abc},{LTI:https://lti.example.invalid/u/1}"
    row[header.index("grades")] = "P1,P2"
    row[header.index("agentSourcedIds")] = uid(41)
    sink = run_memory(files, checks="or.users.format")
    assert failing(sink) == {}


# ------------------------------------------------------------------- enums


def test_ext_term_allowed_only_in_extensible_vocabularies() -> None:
    files = valid_roster()
    files["roles.csv"][1][5] = "ext:counsellor.jp"  # role: extensible
    assert failing(run_memory(files, checks="or.roles.enum")) == {}
    files["roles.csv"][1][4] = "ext:main"  # roleType: not extensible
    sink = run_memory(files, checks="or.roles.enum")
    assert failing(sink) == {"or.roles.enum": 1}
    assert sink.findings["or.roles.enum"][0].location.column == "roleType"


def test_ext_term_must_match_pattern_and_case() -> None:
    files = valid_roster()
    files["enrollments.csv"][1][6] = "ext:bad term"
    files["enrollments.csv"][2][6] = "Teacher"
    sink = run_memory(files, checks="or.enrollments.enum")
    assert failing(sink) == {"or.enrollments.enum": 2}


def test_enum_list_elements_checked() -> None:
    files = generic_files("resources")
    files["resources.csv"][1][5] = "student,teacher,ext:tutor"
    assert failing(run_memory(files, checks="or.resources.enum")) == {}
    files["resources.csv"][1][5] = "student,Teacher"
    assert failing(run_memory(files, checks="or.resources.enum")) == {"or.resources.enum": 1}


# ------------------------------------------------------------------- status / delta


def test_delta_requires_status_and_date() -> None:
    files = valid_roster()
    for rows in files.values():
        for r in rows[1:]:
            r[1], r[2] = "active", "2024-04-01T00:00:00.000Z"
    assert failing(run_memory(files, mode="delta", checks="or.*.status")) == {}
    files["users.csv"][1][1] = ""
    files["users.csv"][2][2] = ""
    sink = run_memory(files, mode="delta", checks="or.users.status")
    assert failing(sink) == {"or.users.status": 2}
    assert {f.location.column for f in sink.findings["or.users.status"]} == {"status", "dateLastModified"}


def test_status_skipped_without_manifest() -> None:
    sink = run_memory(valid_roster(), manifest=False, checks="or.users.status")
    assert "or.users.status" in sink.skips


# ------------------------------------------------------------------- uniqueness at scale


def test_unique_across_chunks_reports_first_line() -> None:
    files = valid_roster()
    rows = files["users.csv"]
    for i in range(20):
        r = list(rows[2])
        r[0] = uid(1000 + i)
        rows.append(r)
    dup = list(rows[1])
    rows.append(dup)  # duplicate of line 2, many chunks later
    sink = run_memory(files, checks="or.users.unique", chunk_rows=3)
    f = sink.findings["or.users.unique"]
    assert len(f) == 1 and f[0].location.row == len(rows) and "line 2" in f[0].message


# ------------------------------------------------------------------- references


def test_valid_roster_resolves_every_reference() -> None:
    assert failing(run_memory(valid_roster(), checks="or.*.refs")) == {}


def test_school_reference_must_be_type_school() -> None:
    files = valid_roster()
    files["enrollments.csv"][1][4] = ORG_DISTRICT  # schoolSourcedId -> a district
    sink = run_memory(files, checks="or.enrollments.refs")
    assert failing(sink) == {"or.enrollments.refs": 1}
    assert "type school" in sink.findings["or.enrollments.refs"][0].message


def test_course_school_year_must_be_school_year_session() -> None:
    files = valid_roster()
    files["academicSessions.csv"][1][4] = "term"
    sink = run_memory(files, checks="or.courses.refs")
    assert failing(sink) == {"or.courses.refs": 1}


def test_list_and_self_references() -> None:
    files = valid_roster()
    header = files["users.csv"][0]
    files["users.csv"][1][header.index("agentSourcedIds")] = f"{uid(41)},{uid(4242)}"
    files["classes.csv"][1][10] = f"{files['academicSessions.csv'][1][0]},missing-term"
    files["orgs.csv"][1][6] = ORG_SCHOOL  # district's parent = school: resolves (a semantic rule's job)
    sink = run_memory(files, checks="or.*.refs")
    assert failing(sink) == {"or.users.refs": 1, "or.classes.refs": 1}
    assert sink.findings["or.users.refs"][0].value == uid(4242)


def test_single_element_list_reference_is_checked_without_splitting() -> None:
    files = valid_roster()
    header = files["users.csv"][0]
    files["users.csv"][1][header.index("agentSourcedIds")] = uid(4242)  # no comma in the chunk
    sink = run_memory(files, checks="or.users.refs", chunk_rows=1)
    assert failing(sink) == {"or.users.refs": 1}
    f = sink.findings["or.users.refs"][0]
    assert (f.location.row, f.location.column, f.value) == (2, "agentSourcedIds", uid(4242))


def test_missing_target_file_fails_every_reference() -> None:
    files = valid_roster()
    del files["classes.csv"]
    sink = run_memory(files, checks="or.enrollments.refs")
    assert sink.counts["or.enrollments.refs"] == 2
    assert "classes.csv is not in the package" in sink.findings["or.enrollments.refs"][0].message


def test_delta_dangling_reference_is_a_warning_check() -> None:
    files = valid_roster()
    for rows in files.values():
        for r in rows[1:]:
            r[1], r[2] = "active", "2024-04-01T00:00:00.000Z"
    files["enrollments.csv"][1][3] = uid(5555)
    sink = run_memory(files, mode="delta", checks="or.*refs")
    assert failing(sink) == {"or.delta.refs": 1}
    assert REGISTRY.get("or.delta.refs").severity == "warning"


# ------------------------------------------------------------------- package


def test_rostering_set_requires_core_files() -> None:
    assert failing(run_memory(valid_roster(), checks="or.package.*")) == {}
    files = valid_roster()
    del files["roles.csv"]
    sink = run_memory(files, checks="or.package.*")
    assert failing(sink) == {"or.package.rostering-set": 1}
    assert sink.findings["or.package.rostering-set"][0].location.file == "roles.csv"


def test_rostering_set_11_has_no_roles() -> None:
    sink = run_memory(valid_roster("1.1"), {"columns": "1.1"}, version="1.1", checks="base")
    assert failing(sink) == {"or.manifest.oneroster-version": 1}  # profile default expects 1.2
    assert "or.roles.header" in sink.skips


def test_gradebook_only_package_is_not_a_rostering_set() -> None:
    files = generic_files("categories")
    assert failing(run_memory(files, checks="or.package.*")) == {}


@pytest.mark.parametrize("checks", ["or.enrollments.*", "or.enrollments.format"])
def test_malformed_reference_reported_as_format_with_or_without_refs(checks: str) -> None:
    files = valid_roster()
    files["enrollments.csv"][1][3] = "has space"  # classSourcedId
    sink = run_memory(files, checks=checks)
    f = sink.findings["or.enrollments.format"]
    assert len(f) == 1 and (f[0].location.column, f[0].value) == ("classSourcedId", "has space")
    assert sink.counts.get("or.enrollments.refs", 0) == (1 if checks.endswith("*") else 0)


def test_quirks_of_a_public_broken_export_are_all_reported() -> None:
    """The quirks reference §4 lists for a public OR 1.2 test set: misspelt headers, a lower-case
    file name, d/mm/yyyy dates, TRUE booleans, bulk rows with status filled."""
    files = valid_roster()
    users = files["users.csv"]
    users[0] = [("prefferedGivenName" if h == "preferredGivenName" else h) for h in users[0]]
    users[1][3] = "TRUE"
    files["enrollments.csv"][1][8] = "1/05/2023"  # beginDate
    files["orgs.csv"][1][1] = "active"
    files["userprofiles.csv"] = [["sourcedId"], ["x"]]
    sink = run_memory(files, manifest={"file.userProfiles": "bulk"}, checks="base")
    assert failing(sink) == {
        "or.users.header": 1,  # one "did you mean preferredGivenName?"
        "or.users.format": 1,
        "or.enrollments.format": 1,
        "or.orgs.status": 1,
        "or.manifest.file-set": 1,
    }
