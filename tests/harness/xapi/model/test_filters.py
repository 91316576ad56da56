"""GET filters over statements (Communication 2.1.3) and voiding targets."""

from __future__ import annotations

from renkei.harness.xapi.model.filters import matches, voided_target
from tests.harness.xapi.model.samples import (
    LEARNER,
    TEACHER,
    activity_statement,
    substatement_statement,
    voiding_statement,
)

ST = activity_statement()
SUB = substatement_statement()


def test_agent_filter() -> None:
    assert matches(ST, agent={"account": dict(LEARNER["account"])})
    assert not matches(ST, agent=TEACHER)  # the instructor only counts with related_agents
    assert matches(ST, agent=TEACHER, related_agents=True)
    assert not matches(ST, agent={"objectType": "Group", "account": LEARNER["account"]})
    assert matches(SUB, agent=LEARNER, related_agents=True) and not matches(SUB, agent=LEARNER)


def test_activity_verb_registration_filters() -> None:
    assert matches(ST, activity="https://example.app.jp/questions/q-001")
    assert not matches(ST, activity="https://example.app.jp/tests/t-01")
    assert matches(ST, activity="https://example.app.jp/tests/t-01", related_activities=True)
    assert matches(SUB, activity="https://example.app.jp/units/u-3", related_activities=True)
    assert matches(ST, verb="http://adlnet.gov/expapi/verbs/answered")
    assert not matches(ST, verb="http://adlnet.gov/expapi/verbs/answered/")
    assert matches(ST, registration=ST["context"]["registration"].upper())
    assert not matches(SUB, registration=ST["context"]["registration"])
    assert matches(ST, verb="http://adlnet.gov/expapi/verbs/answered", agent=LEARNER, registration=ST["context"]
                   ["registration"], activity="https://example.app.jp/questions/q-001")
    assert not matches(None) and matches(ST)


def test_voided_target() -> None:
    assert voided_target(voiding_statement()) == "5f0b7d7e-3d55-4c2a-9a1e-8d2f6c1b0a11"
    assert voided_target(ST) is None and voided_target("x") is None
    odd = voiding_statement()
    odd["object"] = {"id": "https://example.app.jp/q"}
    assert voided_target(odd) is None
