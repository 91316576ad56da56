"""The in-memory school year the check tests break: every chain check passes on it as built."""

from __future__ import annotations

import pytest

from renkei.harness.core.model import Outcome
from renkei.harness.core.profiles import load_profile, resolve
from renkei.harness.core.targets import load_standards
from tests.harness.chain.world import World, run

load_standards()
CHECKS = [r.id for r in resolve(load_profile("chain-japan"))]


def test_the_profile_runs_every_chain_check() -> None:
    assert len(CHECKS) == 20 and all(c.startswith("chain.") for c in CHECKS)


@pytest.mark.parametrize("check_id", CHECKS)
def test_every_check_passes_on_the_green_world(check_id: str) -> None:
    result = run(check_id, World().obs)
    assert result.outcome is Outcome.PASSED, (result.error, [f.message for f in result.findings])
