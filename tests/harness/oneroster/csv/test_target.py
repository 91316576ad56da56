"""The target: profile parameters are validated when it opens; a crashed phase never reads as a pass."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from renkei.harness.core.errors import ConfigError, TargetError
from renkei.harness.core.model import Outcome
from renkei.harness.core.session import RunOptions, RunSession
from renkei.harness.oneroster.csv import target as T
from tests.harness.oneroster.csv.bundles import make_bundle, valid_roster


@pytest.mark.parametrize("params, match", [
    ({"vocabulary_extensions": {"enrollment.role": ["guardian"]}}, "enrollment.role"),  # file name typo
    ({"columns": "1.3"}, "columns"),
    ({"null_literal_as_empty": "yes"}, "null_literal_as_empty"),
    ({"chunk_mib": 0}, "chunk_mib"),
    ({"prefetch": "no"}, "prefetch"),
    ({"max_ratio": -1}, "max_ratio"),
])
def test_bad_profile_parameter_is_a_config_error_at_open(tmp_path: Path, params: dict[str, Any],
                                                         match: str) -> None:
    path = make_bundle(tmp_path, valid_roster())
    with pytest.raises(ConfigError, match=match):
        T.OneRosterCsvTarget(str(path), params)


def test_good_profile_parameters_open(tmp_path: Path) -> None:
    path = make_bundle(tmp_path, valid_roster())
    params = {"vocabulary_extensions": {"enrollments.role": ["guardian"]}, "columns": "1.2.1",
              "null_literal_as_empty": True, "chunk_mib": 8, "prefetch": False, "max_ratio": 500}
    assert T.OneRosterCsvTarget(str(path), params).params == params


def _session(tmp_path: Path) -> RunSession:
    path = make_bundle(tmp_path, valid_roster())
    return RunSession.create(RunOptions(profile="oneroster12-csv", target=str(path),
                                        select="or.manifest.*,or.users.*,or.enrollments.*"))


def _outcomes(session: RunSession) -> dict[str, Outcome]:
    session.activate(c.id for c in session.checks)
    return {c.id: session.run_check(c).outcome for c in session.checks}


def test_every_check_errors_when_a_phase_raises(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(analysis: T.Analysis) -> None:
        raise ValueError("disk gone")

    monkeypatch.setattr(T, "_PHASES", sorted([*T._PHASES, (25, "boom", boom)], key=lambda p: p[0]))
    session = _session(tmp_path)
    outcomes = _outcomes(session)
    assert len(outcomes) > 5
    assert set(outcomes.values()) == {Outcome.ERROR}
    assert {session.results[i].error for i in outcomes} == {"OneRoster analysis stopped: ValueError: disk gone"}
    with pytest.raises(TargetError, match="disk gone"):
        session.target.analysis()  # type: ignore[attr-defined]


def test_without_a_failing_phase_the_same_checks_pass(tmp_path: Path) -> None:
    outcomes = _outcomes(_session(tmp_path))
    assert Outcome.ERROR not in outcomes.values() and Outcome.PASSED in outcomes.values()


def test_the_declared_scope_is_what_the_manifest_says_of_each_file(tmp_path: Path) -> None:
    session = _session(tmp_path)
    assert "files" not in session.target.describe()  # nothing read yet: nothing claimed
    _outcomes(session)
    described = session.target.describe()
    assert described["files"]["users.csv"] == "bulk" and described["files"]["enrollments.csv"] == "bulk"
    assert set(described["files"].values()) <= {"bulk", "delta", "absent"}
    assert described["oneroster_version"] == "1.2"
    run = session.finish()
    assert run.scope["files"] == described["files"]
