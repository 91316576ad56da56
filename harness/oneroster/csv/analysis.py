"""One whole OneRoster CSV analysis on any source, without a target: manifest, files, cross-file rules.

What the target's phases do, in one call; used by tests and by tools that validate generated data
without a zip.
"""

from __future__ import annotations

from typing import Any

from renkei.harness.oneroster.csv.engine import Run, Source, read_files, run_cross
from renkei.harness.oneroster.csv.manifest import read_manifest
from renkei.harness.oneroster.csv.sink import FindingSink


def analyse(sink: FindingSink, params: dict[str, Any], source: Source) -> Run:
    """Run manifest + files + cross phases on a source (what the target's phases do, in one call).

    Used by tests and by tools that validate generated data without a zip.
    """
    run = Run.create(sink, params, source)
    read_manifest(run)
    read_files(run)
    run_cross(run)
    return run
