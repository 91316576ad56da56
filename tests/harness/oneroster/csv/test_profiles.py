"""The five OneRoster profiles: they resolve, carry their sources, and run green/red on real zips."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from renkei.harness.core.model import Severity
from renkei.harness.core.profiles import ResolvedCheck, load_profile, merged_params, resolve
from renkei.harness.oneroster.csv.sink import FindingSink
from renkei.harness.oneroster.csv.target import OneRosterCsvTarget
from tests.harness.oneroster.csv.bundles import failing, make_bundle, valid_roster

PROFILES = {  # id -> (columns variant, manifest oneroster.version the green bundle uses)
    "oneroster12-csv": ("1.2.1", "1.2"),
    "oneroster11-csv": ("1.1", "1.1"),
    "oneroster12-csv-japan": ("jp-1.2.1", "1.2"),
    "oneroster12-csv-eportal": ("jp-1.2.1", "1.2.1"),
    "oneroster12-csv-jpk12": ("jp-k12", "1.2_JP"),
}


def resolved(profile_id: str) -> dict[str, ResolvedCheck]:
    return {r.id: r for r in resolve(load_profile(profile_id))}


def run_profile(tmp_path: Path, profile_id: str, files: dict[str, Any], version: str) -> tuple[
        dict[str, ResolvedCheck], FindingSink]:
    """What ``renkei run`` does for this profile, on a zip written from ``files``."""
    profile = load_profile(profile_id)
    checks = resolved(profile_id)
    params = merged_params(profile)
    path = make_bundle(tmp_path, files, variant=params["columns"], version=version)
    target = OneRosterCsvTarget(str(path), params)
    target.activate({cid: r.params for cid, r in checks.items()})
    try:
        return checks, target.analysis().sink
    finally:
        target.close()


@pytest.mark.parametrize("profile_id", PROFILES)
def test_profile_resolves_with_sources_and_notes(profile_id: str) -> None:
    profile = load_profile(profile_id)
    checks = resolved(profile_id)
    assert checks and profile.kind == "oneroster-csv"
    assert profile.version and profile.source and profile.title.ja and profile.title.en
    assert profile.notes and all(n.ja and n.en for n in profile.notes)
    assert merged_params(profile)["columns"] == PROFILES[profile_id][0]
    assert "or.manifest.oneroster-version" in checks and "or.pkg.zip" in checks


def test_base_profiles() -> None:
    base = resolved("oneroster12-csv")
    assert not [c for c in base if c.startswith("or.jp.")]
    assert base["or.manifest.oneroster-version"].params["oneroster_versions"] == ["1.2"]
    assert base["or.sem.secondary-role"].severity is Severity.WARNING
    assert base["or.sem.enrollment-primary"].severity is Severity.ERROR
    old = resolved("oneroster11-csv")
    assert old["or.manifest.oneroster-version"].params["oneroster_versions"] == ["1.1"]
    assert not [c for c in old if c.startswith(("or.roles.", "or.userProfiles.", "or.jp."))]
    assert "or.sem.primary-role-unique" not in old and "or.sem.class-terms" in old


def test_japan_profile() -> None:
    checks = resolved("oneroster12-csv-japan")
    assert load_profile("oneroster12-csv-japan").extends == "oneroster12-csv"
    assert "or.sem.enrollment-primary" in checks  # inherited from the base
    assert {"or.jp.enrollment-primary", "or.jp.eportal-users", "or.jp.oneroster-version"}.isdisjoint(checks)
    kana = checks["or.jp.kana-script"]
    assert kana.severity is Severity.WARNING and kana.params["kana_script"] == "katakana"
    assert checks["or.jp.school-year"].params["school_year_convention"] == "start"
    assert checks["or.jp.enrollment-role"].severity is Severity.WARNING
    assert checks["or.jp.hankaku-kana"].severity is Severity.ERROR
    assert checks["or.manifest.file-entries"].params["delta_allowed"] is False
    assert checks["or.manifest.oneroster-version"].params["oneroster_versions"] == ["1.2"]


def test_eportal_profile() -> None:
    checks = resolved("oneroster12-csv-eportal")
    assert checks["or.jp.eportal-users"].severity is Severity.ERROR
    assert checks["or.jp.eportal-users"].params["require_home_class"] is False
    assert checks["or.jp.enrollment-primary"].severity is Severity.ERROR
    assert checks["or.manifest.oneroster-version"].params["oneroster_versions"] == ["1.2.1", "1.2"]
    version = checks["or.jp.oneroster-version"]
    assert version.severity is Severity.WARNING and version.params["preferred_oneroster_versions"] == ["1.2.1"]
    assert "or.jp.kana-script" in checks  # inherited from the Japan profile


def test_jpk12_profile() -> None:
    checks = resolved("oneroster12-csv-jpk12")
    assert checks["or.manifest.oneroster-version"].params["oneroster_versions"] == ["1.2_JP"]
    assert checks["or.jp.enrollment-primary"].severity is Severity.ERROR
    assert checks["or.jp.eportal-users"].severity is Severity.WARNING
    assert "or.jp.oneroster-version" not in checks
    assert checks["or.jp.shussekino"].params["columns"] == "jp-k12"


@pytest.mark.parametrize("profile_id", PROFILES)
def test_valid_bundle_is_green(tmp_path: Path, profile_id: str) -> None:
    variant, version = PROFILES[profile_id]
    _, sink = run_profile(tmp_path, profile_id, valid_roster(variant), version)
    assert failing(sink) == {}


def test_eportal_accepts_base_version_with_warning(tmp_path: Path) -> None:
    checks, sink = run_profile(tmp_path, "oneroster12-csv-eportal", valid_roster("jp-1.2.1"), "1.2")
    assert failing(sink) == {"or.jp.oneroster-version": 1}
    assert checks["or.jp.oneroster-version"].severity is Severity.WARNING


@pytest.mark.parametrize(("profile_id", "expected"), [
    ("oneroster12-csv", {"or.sem.enrollment-primary"}),
    ("oneroster12-csv-japan", {"or.sem.enrollment-primary", "or.jp.hankaku-kana", "or.jp.kana-script"}),
    ("oneroster12-csv-eportal", {"or.sem.enrollment-primary", "or.jp.hankaku-kana", "or.jp.kana-script",
                                 "or.jp.eportal-users", "or.jp.enrollment-primary"}),
    ("oneroster12-csv-jpk12", {"or.sem.enrollment-primary", "or.jp.hankaku-kana", "or.jp.kana-script",
                               "or.jp.eportal-users", "or.jp.enrollment-primary"}),
])
def test_broken_bundle_is_red(tmp_path: Path, profile_id: str, expected: set[str]) -> None:
    variant, version = PROFILES[profile_id]
    files = valid_roster(variant)
    enrollments, users = files["enrollments.csv"], files["users.csv"]
    enrollments[1][enrollments[0].index("primary")] = "true"  # a student marked primary
    enrollments[2][enrollments[0].index("primary")] = ""
    if "metadata.jp.kanaGivenName" in users[0]:
        users[1][users[0].index("metadata.jp.kanaGivenName")] = "ｲﾁﾛｳ"
        users[2][users[0].index("metadata.jp.kanaFamilyName")] = ""
        users[2][users[0].index("metadata.jp.kanaGivenName")] = "はなこ"
    _, sink = run_profile(tmp_path, profile_id, files, version)
    assert set(failing(sink)) == expected
