"""The mock is the reference implementation: green under every profile, red exactly where broken."""

from __future__ import annotations

from pathlib import Path

import pytest

import renkei.harness.oneroster.csv.checks_base  # noqa: F401  (registers the checks the profiles select)
import renkei.harness.oneroster.csv.checks_jp  # noqa: F401
import renkei.harness.oneroster.csv.checks_package  # noqa: F401
from renkei.harness.core.profiles import load_profile, merged_params, resolve
from renkei.harness.oneroster.csv.target import OneRosterCsvTarget
from renkei.mocks.school_affairs.defects import break_bundle
from renkei.mocks.school_affairs.generator import PROFILE_VARIANTS, generate_bundle


def _findings(bundle: Path, profile_id: str) -> tuple[set[str], dict[str, list[tuple[str, int | None, str | None]]]]:
    profile = load_profile(profile_id)
    checks = resolve(profile)
    target = OneRosterCsvTarget(str(bundle), merged_params(profile))
    target.activate({c.id: c.params for c in checks})
    sink = target.analysis().sink
    found = {cid: [(f.location.file or "", f.location.row, f.location.column) for f in sink.findings[cid]]
             for cid in sink.counts if sink.counts[cid]}
    return {c.id for c in checks}, found


@pytest.mark.parametrize("profile", list(PROFILE_VARIANTS))
def test_generated_bundle_is_green(tmp_path: Path, profile: str) -> None:
    bundle = tmp_path / "ok.zip"
    generate_bundle(bundle, profile=profile, schools_per_municipality=3, students_per_grade=8, seed=4)
    active, found = _findings(bundle, profile)
    assert len(active) > 50
    assert found == {}


@pytest.mark.parametrize("profile", list(PROFILE_VARIANTS))
def test_each_defect_is_found_where_reported(tmp_path: Path, profile: str) -> None:
    ok, broken = tmp_path / "ok.zip", tmp_path / "broken.zip"
    generate_bundle(ok, profile=profile, students_per_grade=8, seed=4)
    defects = break_bundle(ok, broken, seed=9)
    active, found = _findings(broken, profile)
    for d in defects:
        assert d.check_id_hint in active, d
        assert (d.file, d.row, d.column) in found.get(d.check_id_hint, []), d
    places = {(d.file, d.row) for d in defects}
    for cid, locations in found.items():  # no finding away from an injected defect (no cascades)
        assert {(f, r) for f, r, _ in locations} <= places, cid
