"""The sample and the school-year events, chosen from the roster: deterministic, the top grade always in."""

from __future__ import annotations

from renkei.harness.chain import sample as S
from renkei.harness.chain.config import Scenario
from tests.harness.chain.world import World


def test_spread_keeps_the_first_and_the_last() -> None:
    items = list(range(7))
    assert S.spread(items, 3) == [0, 3, 6] and S.spread(items, 2) == [0, 6] and S.spread(items, 9) == items  # type: ignore[arg-type]


def test_choose_takes_learners_of_spread_homerooms_and_their_teachers() -> None:
    s0 = World().snaps[0]
    sample = S.choose(s0, Scenario(classes_per_school=2, learners_per_class=2, teachers_per_school=1))
    assert sample.learners == ["L1", "L2", "G1"] and sample.teachers == ["T1"]
    assert S.choose(s0, Scenario(classes_per_school=2, learners_per_class=1)).learners == ["L1", "G1"]


def test_the_year_plan_tries_graduates_and_last_years_class() -> None:
    w = World()
    s0, s1, _ = w.snaps
    sample = S.Sample(learners=["L1", "L2", "G1"], teachers=["T1"])
    plan, followed = S.year_plan(s0, s1, sample, Scenario(refusals=1))
    assert followed == ["L1", "L2"]
    purposes = {(p.user, p.purpose, p.context) for p in plan}
    assert ("G1", "graduate", "a6") in purposes and ("L1", "last_year_class", "a1") in purposes
    assert ("L1", "normal", "a2n") in purposes and ("T1", "last_year_class", "a1") in purposes


def test_choose_events_picks_distinct_learners() -> None:
    s1 = World().snaps[1]
    events = S.choose_events(s1, ["L1", "L2", "L3"])
    assert events.transfer == ("L1", "sch-b")
    assert events.rename == ("L2", {"familyName": "髙田"})  # 高 → 髙, the registered kanji
    assert events.class_change == ("L3", "asn") and events.leave is None


def test_corrected_name_without_a_variant_changes_the_given_name() -> None:
    assert S.corrected_name("佐藤", "一郎") == {"givenName": "一郎子"}
