"""Every chain test starts with an empty secret registry (a run's secrets never leak into the next)."""

from __future__ import annotations

import pytest

from renkei.harness.core import secret_registry


@pytest.fixture(autouse=True)
def _fresh_secret_registry() -> None:
    secret_registry.begin_run()
