"""manifest.csv rules (``or.manifest.*``): one passing and one failing input each."""

from __future__ import annotations

from typing import Any

import pytest

from renkei.harness.core.registry import REGISTRY
from renkei.harness.oneroster.csv.engine import MemorySource, Run
from renkei.harness.oneroster.csv.manifest import read_manifest
from renkei.harness.oneroster.csv.sink import FindingSink
from tests.harness.oneroster.csv.bundles import (
    active_checks,
    failing,
    manifest_rows,
    run_memory,
    valid_roster,
)


def manifest_only(manifest: Any = None, params: dict[str, Any] | None = None, **kw: Any) -> FindingSink:
    return run_memory(valid_roster(), params, manifest=manifest, checks="or.manifest.*", **kw)


def test_valid_manifest_passes_every_manifest_check() -> None:
    sink = manifest_only()
    assert failing(sink) == {}
    assert not sink.skips


def test_missing_manifest() -> None:
    sink = manifest_only(manifest=False)
    assert failing(sink) == {"or.manifest.present": 1}
    assert sink.skips["or.manifest.version"] == "manifest.csv is missing"


def test_manifest_with_wrong_case_is_named() -> None:
    files = valid_roster()
    files["Manifest.csv"] = manifest_rows(files)
    sink = run_memory(files, manifest=False, checks="or.manifest.present")
    f = sink.findings["or.manifest.present"][0]
    assert "'Manifest.csv'" in f.message and f.location.file == "Manifest.csv"


def test_header_must_be_property_name_value() -> None:
    rows = manifest_rows(valid_roster())
    rows[0] = ["property", "value"]
    sink = manifest_only(manifest=rows)
    assert failing(sink) == {"or.manifest.header": 1}  # rows are still read positionally


def test_duplicate_property() -> None:
    rows = manifest_rows(valid_roster()) + [["manifest.version", "1.0"]]
    sink = manifest_only(manifest=rows)
    assert failing(sink) == {"or.manifest.header": 1}
    assert sink.findings["or.manifest.header"][0].location.row == len(rows)


@pytest.mark.parametrize("value", ["1.1", "1", ""])
def test_manifest_version(value: str) -> None:
    sink = manifest_only(manifest={"manifest.version": value})
    assert failing(sink) == {"or.manifest.version": 1}
    f = sink.findings["or.manifest.version"][0]
    assert (f.location.row, f.value) == (2, value)


def test_oneroster_version_follows_profile_parameter() -> None:
    assert failing(manifest_only(manifest={"oneroster.version": "1.2.1"})) == {"or.manifest.oneroster-version": 1}
    sink = manifest_only(manifest={"oneroster.version": "1.2_JP"}, params={"oneroster_versions": ["1.2_JP"]})
    assert failing(sink) == {}


def test_oneroster_version_default_parameter_is_registered() -> None:
    assert REGISTRY.get("or.manifest.oneroster-version").params == {"oneroster_versions": ["1.2"]}


def test_missing_file_entry() -> None:
    rows = [r for r in manifest_rows(valid_roster()) if r[0] != "file.userResources"]
    sink = manifest_only(manifest=rows)
    assert failing(sink) == {"or.manifest.file-entries": 1}
    assert "file.userResources" in sink.findings["or.manifest.file-entries"][0].message


def test_file_entry_values_are_case_sensitive() -> None:
    sink = manifest_only(manifest={"file.categories": "Absent"})
    assert failing(sink) == {"or.manifest.file-entries": 1}


def test_delta_rejected_when_profile_disallows_it() -> None:
    assert failing(manifest_only(mode="delta")) == {}
    sink = manifest_only(mode="delta", params={"delta_allowed": False})
    assert failing(sink) == {"or.manifest.file-entries": 7}
    assert "MEIBO" in sink.findings["or.manifest.file-entries"][0].message


def test_file_declared_but_missing() -> None:
    sink = manifest_only(manifest={"file.demographics": "bulk"})
    assert failing(sink) == {"or.manifest.file-set": 1}


def test_file_present_but_declared_absent_is_located_at_its_manifest_row() -> None:
    rows = manifest_rows(valid_roster())
    line = 1 + next(i for i, r in enumerate(rows) if r[0] == "file.users")  # physical line in manifest.csv
    rows[line - 1] = ["file.users", "absent"]
    sink = manifest_only(manifest=rows)
    assert failing(sink) == {"or.manifest.file-set": 1}
    f = sink.findings["or.manifest.file-set"][0]
    assert (f.location.file, f.location.row, f.location.column, f.value) == ("manifest.csv", line, "value", "absent")
    assert "users.csv" in f.message and "users.csv" in (f.message_ja or "")


def test_file_present_without_a_manifest_row_is_located_at_the_file() -> None:
    rows = [r for r in manifest_rows(valid_roster()) if r[0] != "file.users"]
    sink = run_memory(valid_roster(), manifest=rows, checks="or.manifest.file-set")
    f = sink.findings["or.manifest.file-set"][0]
    assert (f.location.file, f.location.row) == ("users.csv", None) and "no file.users row" in f.message


def test_near_miss_property_gets_did_you_mean() -> None:
    rows = [r for r in manifest_rows(valid_roster()) if r[0] != "file.userProfiles"] + [["file.userprofile", "absent"]]
    sink = manifest_only(manifest=rows)
    f = sink.findings["or.manifest.unknown-property"][0]
    assert f.message.endswith("did you mean file.userProfiles?") and "file.userProfiles の誤り" in (f.message_ja or "")
    assert f.value == "file.userprofile"


def test_near_miss_file_name_gets_did_you_mean() -> None:
    files = valid_roster()
    files["enrolments.csv"] = files.pop("enrollments.csv")
    sink = run_memory(files, manifest={"file.enrollments": "absent"}, checks="or.manifest.file-set")
    (f,) = sink.findings["or.manifest.file-set"]
    assert f.message.endswith("did you mean enrollments.csv?") and f.location.file == "enrolments.csv"


def test_wrong_case_file_name_named_explicitly() -> None:
    files = valid_roster()
    files["userprofiles.csv"] = [["sourcedId"], ["x"]]
    sink = run_memory(files, manifest={"file.userProfiles": "bulk"}, checks="or.manifest.*")
    f = sink.findings["or.manifest.file-set"]
    assert len(f) == 1 and "'userprofiles.csv'" in f[0].message and "wrong case" in f[0].message


def test_wrong_case_file_name_when_declared_absent() -> None:
    files = valid_roster()
    files["userprofiles.csv"] = [["sourcedId"], ["x"]]
    sink = run_memory(files, checks="or.manifest.file-set")
    assert failing(sink) == {"or.manifest.file-set": 1}
    f = sink.findings["or.manifest.file-set"][0]
    assert "rename userprofiles.csv to userProfiles.csv (names are case-sensitive)" in f.message
    assert f.message_ja is not None and "userprofiles.csv を userProfiles.csv に" in f.message_ja
    assert (f.location.file, f.value) == ("userprofiles.csv", "userprofiles.csv")


def test_unknown_csv_file() -> None:
    files = valid_roster()
    files["extra.csv"] = [["a"], ["b"]]
    sink = run_memory(files, checks="or.manifest.file-set")
    assert failing(sink) == {"or.manifest.file-set": 1}


def test_unknown_property_is_a_warning() -> None:
    assert REGISTRY.get("or.manifest.unknown-property").severity == "warning"
    assert failing(manifest_only(manifest={"source.systemName": "x"})) == {}
    sink = manifest_only(manifest={"source.vendor": "x"})
    assert failing(sink) == {"or.manifest.unknown-property": 1}
    assert sink.findings["or.manifest.unknown-property"][0].value == "source.vendor"


def test_roles_entry_is_unknown_in_11() -> None:
    files = valid_roster("1.1")
    rows = manifest_rows(files, variant="1.1", version="1.1") + [["file.roles", "absent"]]
    sink = run_memory(files, {"columns": "1.1", "oneroster_versions": ["1.1"]}, manifest=rows,
                      checks="or.manifest.*")
    assert failing(sink) == {"or.manifest.unknown-property": 1}


def test_read_manifest_sets_modes() -> None:
    files = valid_roster()
    files["manifest.csv"] = manifest_rows(files)
    sink = FindingSink(active_checks("or.manifest.*"))
    run = Run.create(sink, {}, MemorySource(files))
    m = read_manifest(run)
    assert m is not None and run.manifest is m
    assert run.mode("users") == "bulk" and run.mode("categories") is None
    assert m.value("oneroster.version") == "1.2"


def test_manifest_only_package_means_no_updates() -> None:
    sink = run_memory({}, checks="base")
    assert failing(sink) == {}
    assert "or.users.header" in sink.skips


def test_reference_to_file_without_sourced_id_column_is_skipped() -> None:
    files = valid_roster()
    files["classes.csv"][0][0] = "SourcedId"
    sink = run_memory(files, checks="or.enrollments.refs")
    assert failing(sink) == {}
    assert "no readable sourcedId" in sink.skips["or.enrollments.refs"]


@pytest.mark.parametrize("value, expected", [
    ("1.1", {"or.manifest.oneroster-version": 1}),  # rejected: no contradictory "accepted" warning
    ("1.2", {"or.jp.oneroster-version": 1}),  # accepted (default), not preferred: the warning only
    ("1.2.1", {"or.manifest.oneroster-version": 1}),  # preferred but not accepted by default
])
def test_version_preference_agrees_with_the_accepted_default(value: str, expected: dict[str, int]) -> None:
    from renkei.harness.oneroster.csv import checks_jp  # noqa: F401  (registers or.jp.oneroster-version)

    sink = run_memory(valid_roster(), {"preferred_oneroster_versions": ["1.2.1"]},
                      manifest={"oneroster.version": value}, checks="or.*oneroster-version")
    assert set(sink.active) == {"or.manifest.oneroster-version", "or.jp.oneroster-version"}
    assert failing(sink) == expected


def test_accepted_versions_reads_the_manifest_check_parameter() -> None:
    from renkei.harness.oneroster.csv.manifest import accepted_versions

    run = Run.create(FindingSink({"or.manifest.oneroster-version": {"oneroster_versions": ["1.2_JP"]}}), {}, None)
    assert accepted_versions(run) == ["1.2_JP"]
    assert accepted_versions(Run.create(FindingSink({}), {}, None)) == ["1.2"]
