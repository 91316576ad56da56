"""Run a CSV profile's checks over an exported bundle in-process (as test_validator_roundtrip does)."""

from __future__ import annotations

from pathlib import Path

import renkei.harness.oneroster.csv.checks_base  # noqa: F401  (registers the checks the profiles select)
import renkei.harness.oneroster.csv.checks_jp  # noqa: F401
import renkei.harness.oneroster.csv.checks_package  # noqa: F401
from renkei.harness.core.profiles import load_profile, merged_params, resolve
from renkei.harness.oneroster.csv.target import OneRosterCsvTarget


def findings(bundle: Path, profile_id: str) -> dict[str, list[tuple[str, int | None, str | None]]]:
    """check id -> (file, row, column) of each finding, for the checks that found something."""
    profile = load_profile(profile_id)
    checks = resolve(profile)
    target = OneRosterCsvTarget(str(bundle), merged_params(profile))
    target.activate({c.id: c.params for c in checks})
    sink = target.analysis().sink
    return {cid: [(f.location.file or "", f.location.row, f.location.column) for f in sink.findings[cid]]
            for cid in sink.counts if sink.counts[cid]}
