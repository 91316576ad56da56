"""Plain pytest usage: ``pytest --renkei-profile ... --renkei-target ...``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.harness.core.conftest import PROFILE

ROOT = Path(__file__).resolve().parents[2]


def _pytest(tmp_path: Path, numbers: list[int], *extra: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / "selftest.yaml"
    profile.write_text(PROFILE, encoding="utf-8")
    target = tmp_path / "numbers.json"
    target.write_text(json.dumps(numbers), encoding="utf-8")
    args = [sys.executable, "-m", "pytest", "-p", "tests.harness.core.selftest_kind",
            "--renkei-profile", str(profile), "--renkei-target", str(target), "-p", "no:xdist", *extra]
    return subprocess.run(args, capture_output=True, text=True, cwd=ROOT, timeout=300)


def test_checks_are_pytest_items_with_junit_properties(tmp_path):
    junit = tmp_path / "pytest-junit.xml"
    proc = _pytest(tmp_path, [2, -4], f"--junitxml={junit}", "--renkei-out", str(tmp_path / "out"))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "selftest.positive" in proc.stdout and "number is not positive" in proc.stdout
    xml = junit.read_text(encoding="utf-8")
    assert 'name="check_id" value="selftest.positive"' in xml
    assert 'name="requirement" value="SELFTEST §1"' in xml
    assert (tmp_path / "out" / "report.html").exists()


def test_keyword_selection_and_passing_run(tmp_path):
    proc = _pytest(tmp_path, [2, -4], "-k", "even or limit")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "2 passed" in proc.stdout and "2 deselected" in proc.stdout


def test_warning_checks_surface_as_pytest_warnings(tmp_path):
    proc = _pytest(tmp_path, [3])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "RenkeiWarning" in proc.stdout


def test_missing_target_is_a_usage_error(tmp_path):
    profile = tmp_path / "selftest.yaml"
    profile.write_text(PROFILE, encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "pytest", "-p", "tests.harness.core.selftest_kind",
                           "--renkei-profile", str(profile), "--renkei-target", str(tmp_path / "none.json")],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 4 and "does not exist" in proc.stderr


def test_xdist_is_refused_instead_of_writing_an_empty_report(tmp_path):
    profile = tmp_path / "selftest.yaml"
    profile.write_text(PROFILE, encoding="utf-8")
    target = tmp_path / "numbers.json"
    target.write_text("[1]", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "pytest", "-p", "tests.harness.core.selftest_kind", "-n", "2",
                           "--renkei-profile", str(profile), "--renkei-target", str(target)],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 4 and "drop -n" in proc.stderr


def test_renkei_profile_auto_reads_the_bundle_and_says_so_in_the_header(tmp_path):
    from renkei.mocks.school_affairs.generator import generate_bundle

    bundle = tmp_path / "jpk12.zip"
    generate_bundle(bundle, profile="oneroster12-csv-jpk12", students_per_grade=2)
    args = [sys.executable, "-m", "pytest", "--renkei-profile", "auto", "--renkei-target", str(bundle),
            "--renkei-lang", "en", "-p", "no:xdist", "-rN"]
    proc = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "renkei profile: oneroster12-csv-jpk12" in proc.stdout
    assert "profile chosen automatically: oneroster12-csv-jpk12" in proc.stdout
