"""``--profile auto`` and the hint when the chosen profile does not fit what the target declares.

The core part is generic: a target kind may offer a ``detect`` hook (the selftest kind's reads the
largest number of its file); the OneRoster one is tested with the OneRoster package.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from renkei.harness.cli import execute
from renkei.harness.core import profiles
from renkei.harness.core.errors import UsageError
from renkei.harness.core.session import RunOptions, RunSession
from tests.harness.core.conftest import PROFILE


@pytest.fixture
def profile_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "profiles"
    folder.mkdir()
    (folder / "selftest.yaml").write_text(PROFILE, encoding="utf-8")  # limit 50
    big = PROFILE.replace("id: selftest\n", "id: selftest-big\n").replace("limit: 50", "limit: 10000")
    (folder / "selftest-big.yaml").write_text(big, encoding="utf-8")
    monkeypatch.setenv("RENKEI_PROFILE_PATH", str(folder))
    profiles._all_profiles.cache_clear()
    yield folder
    monkeypatch.delenv("RENKEI_PROFILE_PATH")
    profiles._all_profiles.cache_clear()


def test_auto_picks_the_declared_profile_and_says_why(profile_dir, numbers, tmp_path) -> None:
    result = execute(RunOptions(profile="auto", target=str(numbers([2, 4000])), out_dir=tmp_path / "out"),
                     interactive=False)
    assert result.profile.id == "selftest-big"
    (notice,) = result.notices
    assert notice.kind == "profile-auto" and "selftest-big" in notice.message and "4000" in notice.message
    assert "自動で選びました" in notice.message_ja
    assert '"profile-auto"' in (tmp_path / "out" / "result.json").read_text(encoding="utf-8")


def test_auto_stops_with_the_reason_when_it_cannot_decide(profile_dir, numbers) -> None:
    with pytest.raises(UsageError, match="could not choose a profile: the file holds no numbers"):
        RunSession.create(RunOptions(profile="auto", target=str(numbers([]))))


def test_auto_on_a_target_no_kind_recognises_is_a_usage_error(profile_dir, tmp_path) -> None:
    other = tmp_path / "target.txt"
    other.write_text("hello", encoding="utf-8")
    with pytest.raises(UsageError, match="cannot tell which profile"):
        RunSession.create(RunOptions(profile="auto", target=str(other)))


def test_a_profile_that_does_not_fit_gets_one_hint(profile_dir, numbers, tmp_path) -> None:
    result = execute(RunOptions(profile="selftest", target=str(numbers([2, 4000])), out_dir=tmp_path / "out"),
                     interactive=False)
    (notice,) = result.notices
    assert notice.kind == "profile-hint" and "--profile selftest-big" in notice.message
    assert "--profile selftest-big" in notice.message_ja


def test_a_fitting_profile_gets_no_hint(profile_dir, numbers) -> None:
    run = RunSession.create(RunOptions(profile="selftest-big", target=str(numbers([2, 4000]))))
    assert run.notices == []
    run = RunSession.create(RunOptions(profile="selftest", target=str(numbers([2, 4]))))
    assert run.notices == []
