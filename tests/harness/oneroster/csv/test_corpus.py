"""End to end through ``renkei.harness.cli.execute``: valid bundles pass every profile, each corpus defect
fails with its check reporting the exact location, and nothing crashes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from renkei.harness.core.model import Outcome, RunResult
from tests.harness.oneroster.csv import corpus_env
from tests.harness.oneroster.csv.corpus import CORPUS, PROFILES, Defect
from tests.harness.oneroster.csv.corpus_env import (
    Recorder,
    base_bundle,
    check_of,
    crashed,
    explain,
    matches,
    run_bundle,
)

base_zip = corpus_env.base_zip  # fixtures: pytest finds them by name in this module
quiet_cli = corpus_env.quiet_cli


@pytest.mark.parametrize("profile", PROFILES)
def test_generated_bundle_passes(profile: str, base_zip: Callable[[str], bytes], tmp_path: Path,
                                 quiet_cli: Recorder) -> None:
    path = tmp_path / "bundle.zip"
    path.write_bytes(base_zip(profile))
    result = run_bundle(path, profile)
    noisy = [c.id for c in result.checks if c.outcome in (Outcome.FAILED, Outcome.ERROR, Outcome.WARNING)]
    assert result.exit_code == 0 and not noisy, explain(result)
    assert sum(c.outcome is Outcome.PASSED for c in result.checks) > 20  # the profile really ran


def _embedded_values(result: RunResult) -> list[str]:
    """Data-cell findings whose message repeats the cell (names, ids, dates): values belong in
    ``Finding.value`` only, so redaction has one place to act on. Vocabulary words that happen to
    occur in a message (true, bulk, ...) are not personal data and are not looked for."""
    bad = []
    for c in result.checks:
        for f in c.findings:
            v, loc = f.value, f.location
            if not v or len(v) < 3 or loc.file in (None, "manifest.csv") or (loc.row or 0) < 2:
                continue
            if (v.isascii() and not any(ch.isdigit() for ch in v)):
                continue
            if v in f.message or (f.message_ja and v in f.message_ja):
                bad.append(f"{c.id} {loc.label()}: {f.message}")
    return bad


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
    assert not _embedded_values(result), _embedded_values(result)
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


MAIN_CASES = ("bom-users", "required-givenName", "zip-not-a-zip", "jp-kana-hiragana", "shift-jis-users")


def test_renkei_run_exit_code_matches_the_verdict(base_zip: Callable[[str], bytes], tmp_path: Path,
                                                  quiet_cli: Recorder) -> None:
    """The same defects through ``main([...])`` (what the ``renkei`` script runs) exit like ``execute``."""
    from renkei.harness.cli import main

    by_name = {d.name: d for d in CORPUS}
    got = {}
    for name in MAIN_CASES:
        defect = by_name[name]
        bundle = base_bundle(base_zip, defect.profile)
        defect.apply(bundle)
        folder = tmp_path / name
        folder.mkdir()
        with pytest.raises(SystemExit) as exc:
            main(["run", "-p", defect.profile, "-t", str(bundle.write(folder)), "-o", str(folder / "out")])
        got[name] = (exc.value.code, defect.exit_code)
    assert all(code == want for code, want in got.values()), got
