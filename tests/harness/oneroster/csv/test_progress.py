"""Long analyses announce each file and its rows so the CLI bar does not sit still at 0/N."""

from __future__ import annotations

from pathlib import Path

from renkei.harness.cli import execute
from renkei.harness.core import progress
from renkei.harness.core.session import RunOptions
from renkei.mocks.school_affairs.generator import generate_bundle


def test_analysis_reports_files_and_rows(tmp_path: Path) -> None:
    bundle = tmp_path / "b.zip"
    generate_bundle(bundle, profile="oneroster12-csv", students_per_grade=2)
    stages: list[str] = []

    def listen(stage: str) -> None:
        stages.append(stage)

    progress.subscribe(listen)
    try:
        execute(RunOptions(profile="oneroster12-csv", target=str(bundle)), quiet=True)
    finally:
        progress.unsubscribe(listen)
    assert "users.csv" in stages and "enrollments.csv" in stages
    assert any(s.startswith("users.csv: ") and s.endswith(" rows") for s in stages)
