"""End to end through ``harness.cli.execute``: valid bundles pass every profile, each corpus defect
fails with its check reporting the exact location, and nothing crashes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from harness.core.model import Outcome
from tests.harness.oneroster.corpus import CORPUS, PROFILES, Defect
from tests.harness.oneroster.corpus_env import (  # noqa: F401  (fixtures)
    Recorder,
    base_bundle,
    base_zip,
    check_of,
    crashed,
    explain,
    matches,
    quiet_cli,
    run_bundle,
)


@pytest.mark.parametrize("profile", PROFILES)
def test_generated_bundle_passes(profile: str, base_zip: Callable[[str], bytes], tmp_path: Path,
                                 quiet_cli: Recorder) -> None:
    path = tmp_path / "bundle.zip"
    path.write_bytes(base_zip(profile))
    result = run_bundle(path, profile)
    noisy = [c.id for c in result.checks if c.outcome in (Outcome.FAILED, Outcome.ERROR, Outcome.WARNING)]
    assert result.exit_code == 0 and not noisy, explain(result)
    assert sum(c.outcome is Outcome.PASSED for c in result.checks) > 20  # the profile really ran


def _params() -> list[object]:
    out: list[object] = []
    for d in CORPUS:
        marks = [pytest.mark.xfail(strict=True, reason=f"validator gap: {d.gap}")] if d.gap else []
        out.append(pytest.param(d, id=d.name, marks=marks))
    return out


@pytest.mark.parametrize("defect", _params())
def test_defect_is_found_where_it_is(defect: Defect, base_zip: Callable[[str], bytes], tmp_path: Path,
                                     quiet_cli: Recorder) -> None:
    bundle = base_bundle(base_zip, defect.profile)
    expected = defect.apply(bundle)
    result = run_bundle(bundle.write(tmp_path), defect.profile)

    assert not crashed(result), explain(result)
    assert "Traceback" not in quiet_cli.text
    for want in expected:
        check = check_of(result, want.check_id)
        assert check is not None, f"{want.check_id} is not a check of {defect.profile}"
        assert any(matches(f, want) for f in check.findings), (
            f"expected {want.describe()}\n{explain(result, want.check_id)}")
    for quiet in defect.clean:
        check = check_of(result, quiet)
        assert check is None or check.findings_count == 0, explain(result, quiet)
    assert result.exit_code == defect.exit_code, explain(result)


def test_corpus_is_broad() -> None:
    """The brief's floor: at least 60 defects, every profile and every layer represented."""
    assert len(CORPUS) >= 60
    assert {d.profile for d in CORPUS} == set(PROFILES)
    names = " ".join(d.name for d in CORPUS)
    for layer in ("header-", "manifest-", "required-", "ref-", "jp-", "zip-", "bom", "shift-jis"):
        assert layer in names
