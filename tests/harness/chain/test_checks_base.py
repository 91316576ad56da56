"""A school-year event the 校務支援 did not make skips exactly the checks that need it, with the reason."""

from __future__ import annotations

import pytest

from renkei.harness.chain.checks_base import NEEDS_EVENTS
from renkei.harness.core.model import Outcome
from tests.harness.chain.world import World, run


@pytest.mark.parametrize("check_id", sorted(NEEDS_EVENTS))
def test_a_check_whose_event_was_not_made_is_skipped_with_the_reason(check_id: str) -> None:
    w = World()
    assert run(check_id, w.obs).outcome is Outcome.PASSED
    kind = NEEDS_EVENTS[check_id][-1]
    w.obs.not_made[kind] = f"positions.school_affairs.events declares no {kind} hook"
    result = run(check_id, w.obs)
    assert result.outcome is Outcome.SKIPPED
    assert f"declares no {kind} hook" in (result.skip_reason or "") and f"event {kind} (" in (result.skip_reason or "")


def test_an_event_not_made_leaves_the_other_checks_alone() -> None:
    w = World()
    w.obs.not_made = {kind: "not made" for kinds in NEEDS_EVENTS.values() for kind in kinds}
    for check_id in ("chain.link.sub", "chain.xapi.joinable", "chain.context.roster_match"):
        assert run(check_id, w.obs).outcome is Outcome.PASSED, check_id
