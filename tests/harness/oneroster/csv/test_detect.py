"""``--profile auto`` and the profile hint for OneRoster CSV bundles (``csv/detect.py``)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from renkei.harness.core.errors import UsageError
from renkei.harness.core.profiles import load_profile, merged_params
from renkei.harness.core.session import RunOptions, RunSession
from renkei.harness.oneroster.csv.detect import catalogue, choose, detect, evidence_from
from renkei.harness.oneroster.model.columns import roster_headers
from tests.harness.oneroster.csv.bundles import make_bundle, valid_roster
from tests.harness.oneroster.csv.meibo_writer import BY_NAME, sample_roster, write_bundle

# profile -> what --profile auto picks for a bundle that profile's generator writes: the least restrictive
# profile with the same declaration (those that only add requirements cannot be told from it)
DECLARED = {
    "oneroster11-csv": "oneroster11-csv", "oneroster120-csv": "oneroster120-csv",
    "oneroster12-csv": "oneroster12-csv", "oneroster12-csv-japan-ed2": "oneroster12-csv-japan-ed2",
    "oneroster12-csv-eportal3": "oneroster12-csv-japan-ed2", "oneroster12-csv-japan": "oneroster12-csv-japan",
    "oneroster12-csv-eportal": "oneroster12-csv-eportal", "oneroster12-csv-interop5": "oneroster12-csv-eportal",
    "oneroster12-csv-jpk12": "oneroster12-csv-jpk12", "oneroster12-csv-interop6": "oneroster12-csv-jpk12",
}


def _bundle(tmp_path: Path, profile_id: str, **edits: object) -> Path:
    params = merged_params(load_profile(profile_id))
    versions = params.get("preferred_oneroster_versions") or params["oneroster_versions"]
    files = valid_roster(params["columns"])
    return make_bundle(tmp_path, files, variant=params["columns"], version=versions[0], name=f"{profile_id}.zip",
                       **edits)


@pytest.mark.parametrize("profile_id", DECLARED)
def test_auto_picks_the_declared_profile(tmp_path: Path, profile_id: str) -> None:
    found = detect(str(_bundle(tmp_path, profile_id)), None)
    assert found is not None and found.profile == DECLARED[profile_id], found
    if DECLARED[profile_id] != profile_id:  # the stricter profile is named, so the reader can choose it
        assert profile_id in found.reason.en and profile_id in found.reason.ja


@pytest.mark.parametrize("profile_id", DECLARED)
def test_the_own_profile_fits(tmp_path: Path, profile_id: str) -> None:
    found = detect(str(_bundle(tmp_path, profile_id)), merged_params(load_profile(profile_id)))
    assert found is not None and found.fits


@pytest.mark.parametrize(("bundle_of", "chosen", "hint"), [
    ("oneroster11-csv", "oneroster12-csv", "oneroster11-csv"),
    ("oneroster12-csv", "oneroster11-csv", "oneroster12-csv"),
    ("oneroster120-csv", "oneroster12-csv", "oneroster120-csv"),
    ("oneroster12-csv-japan-ed2", "oneroster12-csv-japan", "oneroster12-csv-japan-ed2"),
    ("oneroster12-csv-jpk12", "oneroster12-csv-japan", "oneroster12-csv-jpk12"),
    ("oneroster12-csv-japan", "oneroster12-csv-jpk12", "oneroster12-csv-japan"),
    ("oneroster12-csv-eportal", "oneroster12-csv-japan", "oneroster12-csv-eportal"),
    ("oneroster12-csv", "oneroster12-csv-japan", "oneroster12-csv"),
])
def test_a_neighbouring_profile_gets_a_hint_before_the_findings(tmp_path: Path, bundle_of: str, chosen: str,
                                                                hint: str) -> None:
    run = RunSession.create(RunOptions(profile=chosen, target=str(_bundle(tmp_path, bundle_of))))
    (notice,) = run.notices
    assert notice.kind == "profile-hint"
    assert notice.message.endswith(f"use --profile {hint}") and f"--profile {hint} を使ってください" in notice.message_ja
    assert chosen in notice.message


def test_a_base_profile_on_a_japanese_bundle_of_its_binding_is_no_mistake(tmp_path: Path) -> None:
    run = RunSession.create(RunOptions(profile="oneroster12-csv", target=str(_bundle(tmp_path, "oneroster12-csv-japan"))))
    assert run.notices == []


@pytest.mark.parametrize(("name", "neighbour", "hint"), [
    ("OneRoster Japan Profile 第2版", "oneroster12-csv-japan", "oneroster12-csv-japan-ed2"),
    ("1EdTech OneRoster 1.2 CSV Binding: Japan K-12/Schools Profile", "oneroster12-csv-japan",
     "oneroster12-csv-jpk12"),
    ("学習eポータル標準モデル Ver. 4.00", "oneroster12-csv-japan", "oneroster12-csv-eportal"),
    ("IMS OneRoster: CSV Binding Final Release v1.2", "oneroster12-csv", "oneroster120-csv"),
])
def test_meibo_bundles_get_the_right_hint_on_a_neighbouring_profile(tmp_path: Path, name: str, neighbour: str,
                                                                    hint: str) -> None:
    bundle = write_bundle(tmp_path / "meibo.zip", BY_NAME[name], sample_roster(BY_NAME[name]))
    (notice,) = RunSession.create(RunOptions(profile=neighbour, target=str(bundle))).notices
    assert notice.message.endswith(f"use --profile {hint}")


def test_meibo_121_bundle_with_its_121_version_string_gets_no_wrong_hint(tmp_path: Path) -> None:
    """The layout is plainly 1.2.1; only the version string is off, which the run itself reports."""
    profile = BY_NAME["IMS OneRoster: CSV Binding Final Release v1.2.1"]
    bundle = write_bundle(tmp_path / "meibo.zip", profile, sample_roster(profile))
    assert RunSession.create(RunOptions(profile="oneroster12-csv", target=str(bundle))).notices == []
    found = detect(str(bundle), None)
    assert found is not None and found.profile == "oneroster12-csv" and "reports it" in found.reason.en


# --- the decision itself, on hand-made evidence -------------------------------------------------------------

def _headers(variant: str, *files: str) -> dict[str, list[str]]:
    return {f: list(roster_headers(variant)[f]) for f in files}


def test_layouts_are_told_apart_by_users_and_enrollments() -> None:
    e = evidence_from("1.2", set(), _headers("jp-ed2", "users"))
    assert e.layouts == {"jp-ed2"} and e.clues["users"][0] == "resourceSourcedIds"
    e = evidence_from("1.2", set(), _headers("jp-1.2.1", "users"))
    assert e.layouts == {"jp-1.2.1", "jp-k12"}  # users.csv alone cannot tell JPK12 apart
    assert choose(e, catalogue())[0].id == "oneroster12-csv-japan"  # but the version can


def test_vendor_extension_columns_do_not_hide_the_layout() -> None:
    headers = _headers("1.2.1", "users")
    headers["users"].append("metadata.vendor.locker")
    assert evidence_from("1.2", set(), headers).layouts == {"1.2.1"}


FILES = ("academicSessions", "categories", "classes", "classResources", "courses", "courseResources",
         "demographics", "enrollments", "lineItems", "orgs", "resources", "results", "users", "roles")


def test_without_the_deciding_files_auto_stops_and_says_which_files_decide() -> None:
    e = evidence_from("1.2", set(FILES), {})
    chosen, reason = choose(e, catalogue())
    assert chosen is None and "users.csv and enrollments.csv decide" in reason.en


def test_mixed_signals_stop_with_the_contradiction() -> None:
    headers = _headers("jp-ed2", "users") | _headers("jp-k12", "enrollments")
    chosen, reason = choose(evidence_from("1.2_JP", set(), headers), catalogue())
    assert chosen is None and "contradicts itself" in reason.en and "enrollments.csv" in reason.en
    assert "食い違っています" in reason.ja
    manifest_11 = {"academicSessions", "categories", "classes", "classResources", "courses", "courseResources",
                   "demographics", "enrollments", "lineItems", "orgs", "resources", "results", "users"}
    chosen, reason = choose(evidence_from("1.1", manifest_11, _headers("1.2.1", "users")), catalogue())
    assert chosen is None and "manifest.csv lists the files of OneRoster 1.1" in reason.en


def test_no_manifest_decides_from_the_columns_and_says_so(tmp_path: Path) -> None:
    bundle = make_bundle(tmp_path, valid_roster("1.1"), manifest=False)
    found = detect(str(bundle), None)
    assert found is not None and found.profile == "oneroster11-csv"
    assert "no manifest.csv" in found.reason.en and "manifest.csv がありません" in found.reason.ja


def test_nothing_to_go_by_is_exit_2_with_the_reason(tmp_path: Path) -> None:
    bundle = make_bundle(tmp_path, {"orgs.csv": valid_roster()["orgs.csv"]}, manifest=False)
    with pytest.raises(UsageError, match="could not choose a profile: neither a manifest"):
        RunSession.create(RunOptions(profile="auto", target=str(bundle)))


# --- hostile bundles never crash it --------------------------------------------------------------------------

def test_unreadable_manifest_and_garbage_headers(tmp_path: Path) -> None:
    path = tmp_path / "garbage.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("manifest.csv", b"\xff\xfe\x00garbage\x00" * 1000)
        zf.writestr("users.csv", b"\x00\x01\x02" * 5000)
    found = detect(str(path), None)
    assert found is not None and found.profile is None
    with pytest.raises(UsageError, match="could not choose a profile"):
        RunSession.create(RunOptions(profile="auto", target=str(path)))


def test_zip_bomb_is_screened_not_inflated(tmp_path: Path) -> None:
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.csv", "propertyName,value\noneroster.version,1.2\n")
        zf.writestr("users.csv", b"\0" * (64 * 2**20))  # ratio ~1000: over max_ratio, never read
    found = detect(str(path), None)
    assert found is not None and found.profile is None  # the version alone names several profiles


def test_a_huge_manifest_is_read_only_so_far(tmp_path: Path) -> None:
    path = tmp_path / "huge.zip"
    rows = "".join(f"x{i},y\n" for i in range(300_000))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.csv", "propertyName,value\n" + rows + "oneroster.version,1.1\n")
    found = detect(str(path), None)
    assert found is not None and "1.1" not in found.reason.en  # the version row past the limit is not read


def test_not_a_bundle_is_not_ours(tmp_path: Path) -> None:
    other = tmp_path / "target.yaml"
    other.write_text("kind: lti-tool\n", encoding="utf-8")
    assert detect(str(other), None) is None
    assert detect(str(tmp_path / "missing.zip"), None) is None
