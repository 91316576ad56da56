"""The OneRoster profiles: they resolve, carry their sources, and run green/red on real zips."""

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
    "oneroster11-csv": ("1.1", "1.1"),
    "oneroster120-csv": ("1.2", "1.2"),
    "oneroster12-csv": ("1.2.1", "1.2"),
    "oneroster12-csv-japan-ed2": ("jp-ed2", "1.2"),
    "oneroster12-csv-japan": ("jp-1.2.1", "1.2"),
    "oneroster12-csv-eportal3": ("jp-ed2", "1.2"),
    "oneroster12-csv-eportal": ("jp-1.2.1", "1.2.1"),
    "oneroster12-csv-interop5": ("jp-1.2.1", "1.2.1"),
    "oneroster12-csv-jpk12": ("jp-k12", "1.2_JP"),
    "oneroster12-csv-interop6": ("jp-k12", "1.2_JP"),
}
# The profiles that add the e-portal requirements (users, enrollments.primary) to a Japan Profile.
MODEL_PROFILES = {"oneroster12-csv-eportal3": "学習eポータル標準モデル Ver.3.00",
                  "oneroster12-csv-eportal": "学習eポータル標準モデル Ver.4.00",
                  "oneroster12-csv-interop5": "相互運用標準モデル Ver.5.00",
                  "oneroster12-csv-interop6": "相互運用標準モデル Ver.6.00"}


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


def test_jpk12_profile_holds_only_its_own_requirements() -> None:
    """JPK12 alone: 1.2_JP and lower-camel columns, no e-portal users or required primary (those are 6.00)."""
    checks = resolved("oneroster12-csv-jpk12")
    assert checks["or.manifest.oneroster-version"].params["oneroster_versions"] == ["1.2_JP"]
    assert {"or.jp.enrollment-primary", "or.jp.eportal-users", "or.jp.oneroster-version"}.isdisjoint(checks)
    assert checks["or.jp.shussekino"].params["columns"] == "jp-k12"
    assert checks["or.jp.uuid-sourcedid"].requirement.startswith("OR 1.2 CSV Japan K-12/Schools Profile v1.0")


def test_interop6_is_jpk12_plus_the_model_requirements() -> None:
    checks = resolved("oneroster12-csv-interop6")
    assert load_profile("oneroster12-csv-interop6").extends == "oneroster12-csv-jpk12"
    assert set(checks) - set(resolved("oneroster12-csv-jpk12")) == {"or.jp.enrollment-primary", "or.jp.eportal-users"}
    assert checks["or.jp.eportal-users"].severity is Severity.ERROR
    assert checks["or.manifest.oneroster-version"].params["oneroster_versions"] == ["1.2_JP"]


def test_first_published_12_and_japan_ed2_profiles() -> None:
    assert set(resolved("oneroster120-csv")) == set(resolved("oneroster12-csv"))  # only the layout differs
    ed2 = resolved("oneroster12-csv-japan-ed2")
    assert set(ed2) == set(resolved("oneroster12-csv-japan"))
    assert ed2["or.users.header"].params["columns"] == "jp-ed2"
    assert ed2["or.users.required"].requirement == "OR 1.2 CSV §4 'users.csv' (Required = Yes)"
    assert ed2["or.jp.session-type"].requirement.startswith("OR Japan Profile 第2版 ")
    e3 = resolved("oneroster12-csv-eportal3")
    assert set(e3) - set(ed2) == {"or.jp.enrollment-primary", "or.jp.eportal-users"}
    assert e3["or.manifest.oneroster-version"].params["oneroster_versions"] == ["1.2"]


@pytest.mark.parametrize("profile_id", MODEL_PROFILES)
def test_model_requirements_cite_the_running_profiles_document(profile_id: str) -> None:
    checks = resolved(profile_id)
    doc = MODEL_PROFILES[profile_id]
    for cid in ("or.jp.eportal-users", "or.jp.enrollment-primary"):
        assert checks[cid].requirement.startswith(doc + " "), cid
        others = set(MODEL_PROFILES.values()) - {doc}
        assert not any(o in checks[cid].requirement for o in others), cid


@pytest.mark.parametrize("profile_id", PROFILES)
def test_valid_bundle_is_green(tmp_path: Path, profile_id: str) -> None:
    variant, version = PROFILES[profile_id]
    _, sink = run_profile(tmp_path, profile_id, valid_roster(variant), version)
    assert failing(sink) == {}


def test_eportal_accepts_base_version_with_warning(tmp_path: Path) -> None:
    checks, sink = run_profile(tmp_path, "oneroster12-csv-eportal", valid_roster("jp-1.2.1"), "1.2")
    assert failing(sink) == {"or.jp.oneroster-version": 1}
    assert checks["or.jp.oneroster-version"].severity is Severity.WARNING


BROKEN_JP = {"or.sem.enrollment-primary", "or.jp.hankaku-kana", "or.jp.kana-script"}
BROKEN = {pid: {"or.sem.enrollment-primary"} for pid in ("oneroster12-csv", "oneroster120-csv")}
BROKEN |= {pid: BROKEN_JP for pid in ("oneroster12-csv-japan", "oneroster12-csv-japan-ed2", "oneroster12-csv-jpk12")}
BROKEN |= {pid: BROKEN_JP | {"or.jp.eportal-users", "or.jp.enrollment-primary"} for pid in MODEL_PROFILES}


@pytest.mark.parametrize(("profile_id", "expected"), BROKEN.items())
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


@pytest.mark.parametrize("profile_id", MODEL_PROFILES)
def test_model_findings_name_the_running_profiles_document(tmp_path: Path, profile_id: str) -> None:
    variant, version = PROFILES[profile_id]
    files = valid_roster(variant)
    files["users.csv"][1][files["users.csv"][0].index("preferredGivenName")] = ""
    files["enrollments.csv"][2][files["enrollments.csv"][0].index("primary")] = ""
    _, sink = run_profile(tmp_path, profile_id, files, version)
    doc = MODEL_PROFILES[profile_id]
    for cid in ("or.jp.eportal-users", "or.jp.enrollment-primary"):
        (finding,) = sink.findings[cid]
        assert doc in finding.message and doc in (finding.message_ja or ""), cid
        assert "学習eポータル" not in finding.message_ja or doc.startswith("学習eポータル"), cid


@pytest.mark.parametrize(("profile_id", "binding"), [("oneroster11-csv", "OR 1.1 CSV"), ("oneroster120-csv", "OR 1.2 CSV"),
                                                     ("oneroster12-csv-eportal3", "OR 1.2 CSV")])
def test_findings_of_older_bindings_cite_their_own_text(profile_id: str, binding: str) -> None:
    checks = resolved(profile_id)
    assert not [c.id for c in checks.values() if "OR 1.2.1 CSV" in c.requirement]
    assert checks["or.users.required"].requirement.startswith(binding + " ")
