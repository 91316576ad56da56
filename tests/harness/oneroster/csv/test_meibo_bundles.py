"""Bundles written the way MEIBO writes them pass the matching renkei profile (``meibo_writer``).

MEIBO (hanachin/meibo) implements every Japanese OneRoster CSV profile in use; its profile names are
the keys of ``Meibo::Profiles::PROFILES``. Where renkei rejects what MEIBO writes, the spec text decides
and the test names the divergence: the base profiles keep CSV121's rules (``oneroster.version`` must be
1.2; a district's literal ``NULL`` parent is no reference), the Japanese ones read ``NULL`` as blank and
warn about it (``or.jp.null-literal``), as MEIBO's own reader does.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from renkei.harness.cli import execute
from renkei.harness.core.model import Outcome, RunResult
from renkei.harness.core.profiles import load_profile, merged_params
from renkei.harness.core.session import RunOptions
from renkei.harness.oneroster.model.columns import roster_headers
from tests.harness.oneroster.csv.meibo_writer import BY_NAME, PROFILES, ruby_line, sample_roster, write_bundle

MATCHING = {  # MEIBO profile name -> the renkei profile for that document
    "IMS OneRoster: CSV Binding Final Release v1.2": "oneroster120-csv",
    "IMS OneRoster: CSV Binding Final Release v1.2.1": "oneroster12-csv",
    "学習eポータル標準モデル Ver. 3.00": "oneroster12-csv-eportal3",
    "OneRoster Japan Profile 第2版": "oneroster12-csv-japan-ed2",
    "OneRoster Japan Profile 第2版 (rev.2)": "oneroster12-csv-japan-ed2",
    "OneRoster Japan Profile v.1.2.1": "oneroster12-csv-japan",
    "学習eポータル標準モデル Ver. 4.00": "oneroster12-csv-eportal",
    "初等中等教育におけるシステム間連携のための相互運用標準モデル Ver. 5.00": "oneroster12-csv-interop5",
    "1EdTech OneRoster 1.2 CSV Binding: Japan K-12/Schools Profile": "oneroster12-csv-jpk12",
    "初等中等教育におけるシステム間連携のための相互運用標準モデル Ver. 6.00": "oneroster12-csv-interop6",
}
DISTRICT_NULL = ("orgs.csv", 2, "parentSourcedId")  # MEIBO's default parent of a district


def test_every_meibo_profile_has_a_renkei_profile() -> None:
    assert set(MATCHING) == {p.name for p in PROFILES}


def test_ruby_quoting_is_emulated() -> None:
    assert ruby_line(["a", None, "", "x,y", 'say "hi"', "改\n行"]) == 'a,,"","x,y","say ""hi""","改\n行"\n'


@pytest.mark.parametrize("name", MATCHING)
def test_meibo_headers_are_renkei_columns(name: str) -> None:
    """MEIBO's transcribed models and renkei's column variant of the matching profile agree column by column."""
    variant = merged_params(load_profile(MATCHING[name]))["columns"]
    assert BY_NAME[name].headers() == {f: h for f, h in roster_headers(variant).items() if f in BY_NAME[name].headers()}


def _run(tmp_path: Path, name: str, profile_id: str | None = None) -> tuple[RunResult, dict[str, list]]:
    profile = BY_NAME[name]
    tmp_path.mkdir(parents=True, exist_ok=True)
    bundle = write_bundle(tmp_path / "meibo.zip", profile, sample_roster(profile))
    result = execute(RunOptions(profile=profile_id or MATCHING[name], target=str(bundle), out_dir=tmp_path / "out"),
                     interactive=False, quiet=True)
    noisy = {c.id: [(f.location.file, f.location.row, f.location.column, f.value) for f in c.findings]
             for c in result.checks if c.outcome is not Outcome.PASSED and c.outcome is not Outcome.SKIPPED}
    return result, noisy


JAPANESE = [n for n, pid in MATCHING.items() if pid not in ("oneroster120-csv", "oneroster12-csv")]


@pytest.mark.parametrize("name", JAPANESE)
def test_meibo_bundle_passes_its_japanese_profile(tmp_path: Path, name: str) -> None:
    result, noisy = _run(tmp_path, name)
    assert result.verdict == "pass", noisy
    # the one thing renkei says: the literal NULL MEIBO writes as a district's parent (CSV121 has no NULL)
    assert noisy == {"or.jp.null-literal": [(*DISTRICT_NULL, "NULL")]}
    assert not result.notices  # it declares what it is: no hint


def test_meibo_12_bundle_fails_only_on_the_null_parent(tmp_path: Path) -> None:
    """CSV121/CSV12 define no NULL: in bulk a GUID reference must resolve (renkei keeps the spec's rule)."""
    result, noisy = _run(tmp_path, "IMS OneRoster: CSV Binding Final Release v1.2")
    assert noisy == {"or.orgs.refs": [(*DISTRICT_NULL, "NULL")]}
    assert result.verdict == "fail"


def test_meibo_121_bundle_fails_on_its_version_string_and_the_null_parent(tmp_path: Path) -> None:
    """MEIBO writes oneroster.version 1.2.1 for OR 1.2.1; CSV121 Table 3.1: 'This must be "1.2"'."""
    result, noisy = _run(tmp_path, "IMS OneRoster: CSV Binding Final Release v1.2.1")
    assert noisy == {"or.orgs.refs": [(*DISTRICT_NULL, "NULL")],
                     "or.manifest.oneroster-version": [("manifest.csv", 3, "value", "1.2.1")]}


def test_a_jpk12_only_bundle_is_not_held_to_the_60_requirements(tmp_path: Path) -> None:
    """The issue's case: a bundle that follows JPK12 alone (no 学習eポータル fields, teachers' primary
    blank) passes JPK12, and fails 相互運用標準モデル Ver.6.00 with findings that name 6.00."""
    name = "1EdTech OneRoster 1.2 CSV Binding: Japan K-12/Schools Profile"
    result, _ = _run(tmp_path, name)
    assert result.verdict == "pass"
    result, noisy = _run(tmp_path / "six", name, "oneroster12-csv-interop6")
    assert result.verdict == "fail"
    assert set(noisy) == {"or.jp.null-literal", "or.jp.eportal-users", "or.jp.enrollment-primary"}
    failed = [f for c in result.checks if c.id in ("or.jp.eportal-users", "or.jp.enrollment-primary")
              for f in c.findings]
    assert failed and all("相互運用標準モデル Ver.6.00" in (f.message_ja or "") for f in failed)
    assert not any("学習eポータル" in (f.message_ja or "") for f in failed)
