"""The school year read from two exports of a vendor 校務支援: what changed, and who the events happened to."""

from __future__ import annotations

from renkei.harness.chain.changes import change_between, event_users, events_between
from tests.harness.chain.world import World


def test_年次更新_read_from_the_difference() -> None:
    s0, s1, _ = World().snaps
    change = change_between(s0, s1)
    assert change["deleted"]["class"] == ["a1", "a6"] and change["deleted"]["user"] == ["G1"]
    assert change["created"]["class"] == ["a2n", "asn", "b2n"]


def test_the_mid_year_events_read_from_the_difference() -> None:
    _, s1, s2 = World().snaps
    events = events_between(s1, s2)
    assert events.transfer == ("L1", "sch-b") and events.rename == ("L2", {"familyName": "髙田"})
    assert events.class_change == ("L3", "asn") and events.leave is None
    assert event_users(events) == ["L1", "L2", "L3"]
    assert change_between(s1, s2)["changed"]["user"] == ["L1", "L2"]  # school moved, name corrected
