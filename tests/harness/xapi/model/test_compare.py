"""``differences``: what an LRS may change without changing the statement, and what it may not."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from renkei.harness.xapi.model.compare import differences, same_statement
from tests.harness.xapi.model.samples import DELETE, TEACHER, activity_statement, mutate

SENT = activity_statement()


def stored_copy() -> dict[str, Any]:
    st = copy.deepcopy(SENT)
    st.update(stored="2026-04-01T00:00:01.000Z", authority=TEACHER, version="1.0.0")
    return st


@pytest.mark.parametrize(("path", "value"), [
    ("id", SENT["id"].upper()),
    ("timestamp", "2026-04-01T00:00:00.123Z"),
    ("timestamp", "2026-04-01T09:00:00.1234+09:00"),
    ("context.registration", SENT["context"]["registration"].upper()),
    ("context.instructor.mbox", "MAILTO:teacher01@example.ed.jp"),
    ("context.contextActivities.category", {"id": "https://w3id.org/japan-xapi/profiles/core"}),
    ("result.score.scaled", 0.800000011920929),
    ("result.score.raw", 8.0),
    ("verb.display", {"en-US": "answered"}),
    ("object.definition", {"name": {"en": "Question 1"}}),
    ("attachments", DELETE),
    ("version", "1.0.3"),
    ("result.duration", "PT1M2.509S"),
    ("result.duration", "PT1M2.50S"),
])
def test_allowed_changes_are_the_same_statement(path: str, value: Any) -> None:
    assert differences(SENT, mutate(stored_copy(), path, value)) == []


def test_group_member_order_is_not_significant() -> None:
    sent = mutate(SENT, "context.team.member", [TEACHER, {"mbox": "mailto:t02@example.ed.jp"}])
    stored = mutate(stored_copy(), "context.team.member", [{"mbox": "mailto:t02@example.ed.jp"}, TEACHER])
    assert same_statement(sent, stored)


def test_id_and_timestamp_set_by_the_lrs_are_ignored_only_when_not_sent() -> None:
    sent = mutate(mutate(SENT, "id", DELETE), "timestamp", DELETE)
    assert differences(sent, stored_copy()) == []
    assert differences(SENT, mutate(stored_copy(), "id", "00000000-0000-4000-8000-000000000000")) == ["$.id"]


@pytest.mark.parametrize(("path", "value", "where"), [
    ("actor.account.name", "someone-else", "$.actor.account.name"),
    ("timestamp", "2026-04-01T00:00:00.124Z", "$.timestamp"),
    ("result.score.raw", 9, "$.result.score.raw"),
    ("result.success", 1, "$.result.success"),
    ("result.duration", "PT1M2.51S", "$.result.duration"),
    ("result.response", DELETE, "$.result.response"),
    ("context.extensions", {**SENT["context"]["extensions"], "https://example.app.jp/ext/new": 1},
     "$.context.extensions['https://example.app.jp/ext/new']"),
    ("context.contextActivities.parent", [], "$.context.contextActivities.parent"),
    ("verb.id", "http://adlnet.gov/expapi/verbs/attempted", "$.verb.id"),
    ("context.instructor.mbox", "mailto:Teacher01@example.ed.jp", "$.context.instructor.mbox"),
])
def test_other_changes_are_reported_where_they_are(path: str, value: Any, where: str) -> None:
    assert differences(SENT, mutate(stored_copy(), path, value)) == [where]


def test_strict_also_compares_display_definitions_and_attachments() -> None:
    stored = mutate(stored_copy(), "verb.display", {"en-US": "answered"})
    assert differences(SENT, stored, strict=True) == ["$.verb.display['ja-JP']"]
    assert differences(SENT, mutate(stored_copy(), "attachments", DELETE), strict=True) == ["$.attachments"]
