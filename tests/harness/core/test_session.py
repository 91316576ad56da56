from __future__ import annotations

import json
from pathlib import Path

import pytest

from renkei.harness.cli import execute
from renkei.harness.core.errors import ConfigError, TargetError, UsageError
from renkei.harness.core.model import Outcome
from renkei.harness.core.session import RunOptions, RunSession


def _run(profile_file: Path, target: Path, tmp_path: Path, **kw):
    opts = RunOptions(profile=str(profile_file), target=str(target), out_dir=tmp_path / "out", **kw)
    return execute(opts, interactive=False)


def test_all_good_run_passes_with_exit_0(profile_file, numbers, tmp_path):
    result = _run(profile_file, numbers([2, 4, 6]), tmp_path)
    assert result.verdict == "pass" and result.exit_code == 0
    assert [c.outcome for c in result.checks] == [Outcome.PASSED] * 4
    assert result.summary.passed == 4


def test_error_severity_failure_gates_and_warning_does_not(profile_file, numbers, tmp_path):
    result = _run(profile_file, numbers([2, 3, 60]), tmp_path)
    by_id = {c.id: c for c in result.checks}
    assert by_id["selftest.even"].outcome is Outcome.WARNING
    # profile param limit=50 overrides the check default of 100
    assert by_id["selftest.limit"].outcome is Outcome.FAILED
    assert by_id["selftest.limit"].findings[0].location.index == 2
    assert result.exit_code == 1


def test_warning_only_run_exits_0(profile_file, numbers, tmp_path):
    result = _run(profile_file, numbers([3]), tmp_path)
    assert result.summary.warnings == 1 and result.exit_code == 0


def test_skip_and_crash_are_recorded_not_raised(profile_file, numbers, tmp_path):
    result = _run(profile_file, numbers([]), tmp_path)
    assert {c.id: c.outcome for c in result.checks}["selftest.limit"] is Outcome.SKIPPED
    result = _run(profile_file, numbers([13]), tmp_path)
    crash = {c.id: c for c in result.checks}["selftest.crash"]
    assert crash.outcome is Outcome.ERROR and "ZeroDivisionError" in (crash.error or "")
    assert result.exit_code == 1
    assert "Traceback" in (tmp_path / "out" / "renkei-debug.log").read_text()


def test_expected_failures_are_strict(profile_file, numbers, tmp_path):
    xf = tmp_path / "xf.yaml"
    xf.write_text("expected_failures:\n  - id: selftest.positive\n    reason: fix in 2.0\n", encoding="utf-8")
    result = _run(profile_file, numbers([-2]), tmp_path, expected_failures=str(xf))
    assert result.exit_code == 0 and result.summary.expected_failures == 1
    result = _run(profile_file, numbers([2]), tmp_path, expected_failures=str(xf))
    assert result.exit_code == 1 and result.summary.unexpected_passes == 1


def test_select_limits_checks(profile_file, numbers, tmp_path):
    result = _run(profile_file, numbers([-1]), tmp_path, select="selftest.even,selftest.l*")
    assert [c.id for c in result.checks] == ["selftest.even", "selftest.limit"]
    with pytest.raises(UsageError):
        RunSession.create(RunOptions(profile=str(profile_file), target=str(numbers([1])), select="nope.*"))


def test_config_and_target_errors_are_renkei_errors(profile_file, numbers, tmp_path):
    with pytest.raises(TargetError):
        RunSession.create(RunOptions(profile=str(profile_file), target=str(tmp_path / "missing.json")))
    bad = tmp_path / "xf.yaml"
    bad.write_text("- id: selftest.unknown\n  reason: x\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="selftest.unknown"):
        RunSession.create(RunOptions(profile=str(profile_file), target=str(numbers([1])),
                                     expected_failures=str(bad)))
    with pytest.raises(ConfigError, match="unknown profile"):
        RunSession.create(RunOptions(profile="no-such-profile", target="x"))


def test_findings_cap_keeps_true_count(profile_file, numbers, tmp_path):
    result = _run(profile_file, numbers([1] * 30), tmp_path, findings_cap=5)
    even = {c.id: c for c in result.checks}["selftest.even"]
    assert len(even.findings) == 5 and even.findings_count == 30


def test_outputs_written_and_json_shape(profile_file, numbers, tmp_path):
    _run(profile_file, numbers([2, 3]), tmp_path)
    data = json.loads((tmp_path / "out" / "result.json").read_text(encoding="utf-8"))
    assert data["tool"]["name"] == "renkei"
    assert data["profile"]["id"] == "selftest"
    assert set(data["summary"]) >= {"passed", "failed", "warnings", "skipped", "errors"}
    check = data["checks"][1]
    assert set(check) >= {"id", "requirement", "severity", "outcome", "title", "findings"}
    assert (tmp_path / "out" / "junit.xml").exists() and (tmp_path / "out" / "report.html").exists()


def test_profile_exclude_typo_is_an_error(profile_file, numbers):
    from tests.harness.core.conftest import PROFILE

    profile_file.write_text(PROFILE + "exclude: [selftest.evn]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="exclude 'selftest.evn' matches no"):
        RunSession.create(RunOptions(profile=str(profile_file), target=str(numbers([1]))))


def test_vendor_profile_folder_may_hold_other_yaml(tmp_path, monkeypatch):
    from renkei.harness.core import profiles
    from tests.harness.core.conftest import PROFILE

    (tmp_path / "vendor.yaml").write_text(PROFILE.replace("id: selftest", "id: vendor-selftest"), encoding="utf-8")
    (tmp_path / "known.yaml").write_text("expected_failures: []\n", encoding="utf-8")
    (tmp_path / "tool.yaml").write_text("kind: lti-tool\ntool: {}\n", encoding="utf-8")
    monkeypatch.setenv("RENKEI_PROFILE_PATH", str(tmp_path))
    profiles._all_profiles.cache_clear()
    try:
        assert "vendor-selftest" in {p.id for p in profiles.list_profiles()}
    finally:
        monkeypatch.delenv("RENKEI_PROFILE_PATH")
        profiles._all_profiles.cache_clear()


def test_skipped_expected_failure_neither_passes_nor_fails(profile_file, numbers, tmp_path):
    xf = tmp_path / "xf.yaml"
    xf.write_text("selftest.limit: empty targets are fine\n", encoding="utf-8")
    result = _run(profile_file, numbers([]), tmp_path, expected_failures=str(xf))
    limit = {c.id: c for c in result.checks}["selftest.limit"]
    assert limit.outcome is Outcome.SKIPPED and limit.expected_failure is None and result.exit_code == 0


def test_interrupted_checks_are_errors_not_silence(profile_file, numbers):
    run = RunSession.create(RunOptions(profile=str(profile_file), target=str(numbers([2]))))
    run.run_check(run.checks[0])  # then Ctrl-C
    result = run.finish(ran=[c.id for c in run.checks])
    assert [c.outcome for c in result.checks][1:] == [Outcome.ERROR] * 3
    assert result.verdict == "fail" and "interrupted" in (result.checks[1].error or "")


def test_requirement_is_cited_for_the_running_profile(profile_file, numbers, tmp_path):
    """A check may word its requirement per profile (``cite``); results and JUnit carry that wording."""
    result = _run(profile_file, numbers([2]), tmp_path)
    by_id = {c.id: c for c in result.checks}
    assert by_id["selftest.limit"].requirement == "SELFTEST §3 (at most 50)"  # the profile's limit
    assert by_id["selftest.even"].requirement == "SELFTEST §2"  # no cite: the registered text
    assert "SELFTEST §3 (at most 50)" in (tmp_path / "out" / "junit.xml").read_text(encoding="utf-8")


SECRET = "987654321"


def _secret_target(tmp_path: Path, numbers: list[int]) -> Path:
    p = tmp_path / "numbers-with-secret.json"
    p.write_text(json.dumps({"numbers": numbers, "secret": SECRET}), encoding="utf-8")
    return p


def test_a_registered_secret_is_scrubbed_from_results_and_every_file(profile_file, tmp_path):
    """The finding value, the crash message and the traceback in the debug log all carried it."""
    result = _run(profile_file, _secret_target(tmp_path, [-987654321, 13]), tmp_path)
    by_id = {c.id: c for c in result.checks}
    assert by_id["selftest.positive"].findings[0].value == "-[secret:selftest.secret]"
    assert by_id["selftest.crash"].error.endswith("unlucky [secret:selftest.secret]")
    files = {p.name: p.read_text(encoding="utf-8") for p in (tmp_path / "out").iterdir()}
    assert {"result.json", "junit.xml", "report.html", "renkei-debug.log"} <= set(files)
    assert all(SECRET not in text for text in files.values())
    assert "[secret:selftest.secret]" in files["renkei-debug.log"]


def test_the_file_safety_net_scrubs_what_bypassed_the_model(profile_file, numbers, tmp_path):
    run = RunSession.create(RunOptions(profile=str(profile_file), target=str(_secret_target(tmp_path, [2])),
                                       out_dir=tmp_path / "out"))
    leaked = tmp_path / "out" / "extra.html"
    leaked.write_text(f"<p>{SECRET}</p>", encoding="utf-8")
    clean = tmp_path / "out" / "clean.txt"
    clean.write_text("nothing", encoding="utf-8")
    run._scrub_files([leaked, clean])
    assert leaked.read_text(encoding="utf-8") == "<p>[secret:selftest.secret]</p>"
    assert clean.read_text(encoding="utf-8") == "nothing"
    assert any("reached extra.html past the result model" in line for line in run.debug_log)
    run.target.close()
