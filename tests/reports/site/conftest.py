"""Result folders as a run writes them (result.json, report.html, junit.xml), for the listing tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from renkei.harness.core.model import Outcome, ProductInfo
from renkei.reports import json_writer, junit_writer
from renkei.reports.html import writer as html_writer
from tests.reports.factories import make_check, make_run

MakeResult = Callable[..., Path]


@pytest.fixture
def make_result(tmp_path: Path) -> MakeResult:
    counter = iter(range(1_000_000))

    def make(product: str = "学習eポータル A", version: str = "1.0", *, role: str = "consumer",
             profile_id: str = "oneroster12-rest-consumer", passed: bool = True, days_ago: float = 10,
             redacted: bool = True, vendor: str = "例株式会社", **extra: Any) -> Path:
        n = next(counter)
        checks = [make_check("or.a", Outcome.PASSED), make_check("or.b", Outcome.PASSED if passed else Outcome.FAILED)]
        run = make_run(checks, profile_id=profile_id, redacted=redacted,
                       product=ProductInfo(name=product, version=version, vendor=vendor, role=role), **extra)
        finished = datetime(2026, 12, 4, tzinfo=UTC) - timedelta(days=days_ago)
        run.started_at, run.finished_at = finished - timedelta(seconds=5), finished
        folder = tmp_path / "results" / f"r{n:03}"
        for writer in (json_writer, junit_writer, html_writer):
            writer.write(run, folder)
        return folder

    return make
