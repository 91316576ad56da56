"""``validate_statement``: valid statements pass; one mutation per rule breaks exactly that rule, at
the mutated path; every MUST rule of the catalogue is reached by some case; nothing raises."""

from __future__ import annotations

import json
from typing import Any

import pytest

from renkei.harness.xapi.model.rules import RULES, SHOULD_RULES
from renkei.harness.xapi.model.statement import MAX_BATCH, validate_statement, validate_statements
from tests.harness.xapi.model.samples import BASES, DELETE, LEARNER, TEACHER, mutate

SHA = "b" * 64
GROUP = {"objectType": "Group", "member": [TEACHER]}
SUBREF = {"objectType": "StatementRef", "id": "9a7c2f0e-1b2d-4e3f-8a9b-0c1d2e3f4a5b"}

# (base, dotted path, new value, version, expected rule, expected problem path)
BAD: list[tuple[str, str, Any, str, str, str]] = [
    ("activity", "extra", 1, "1.0.3", "property.unknown", "$.extra"),
    ("activity", "Actor", LEARNER, "1.0.3", "property.unknown", "$.Actor"),
    ("activity", "result.response", None, "1.0.3", "value.null", "$.result.response"),
    ("activity", "result", {}, "1.0.3", "value.empty", "$.result"),
    ("activity", "verb", "answered", "1.0.3", "value.type", "$.verb"),
    ("activity", "id", "not-a-uuid", "1.0.3", "statement.id", "$.id"),
    ("activity", "id", "", "1.0.3", "statement.id", "$.id"),
    ("activity", "id", 12, "1.0.3", "value.type", "$.id"),
    ("activity", "actor", DELETE, "1.0.3", "statement.actor.required", "$"),
    ("activity", "verb", DELETE, "1.0.3", "statement.verb.required", "$"),
    ("activity", "object", DELETE, "1.0.3", "statement.object.required", "$"),
    ("activity", "actor.objectType", "Person", "1.0.3", "actor.objectType", "$.actor.objectType"),
    ("activity", "actor.objectType", "agent", "1.0.3", "actor.objectType", "$.actor.objectType"),
    ("activity", "actor.objectType", None, "1.0.3", "value.null", "$.actor.objectType"),
    ("activity", "actor.name", 5, "1.0.3", "agent.name", "$.actor.name"),
    ("activity", "actor.mbox", "mailto:x@example.jp", "1.0.3", "agent.ifi.count", "$.actor"),
    ("activity", "actor.account", DELETE, "1.0.3", "agent.ifi.count", "$.actor"),
    ("activity", "actor.member", [TEACHER], "1.0.3", "agent.member", "$.actor.member"),
    ("activity", "context.team.member", "all", "1.0.3", "group.member.type", "$.context.team.member"),
    ("activity", "context.team.member.0", GROUP, "1.0.3", "group.member.group", "$.context.team.member[0].objectType"),
    ("activity", "context.team.member", [], "1.0.3", "group.ifi.count", "$.context.team"),
    ("activity", "context.team", {"objectType": "Group", "openid": "https://id.example.jp/g",
                                  "mbox": "mailto:g@example.ed.jp"}, "1.0.3", "group.ifi.count", "$.context.team"),
    ("activity", "context.instructor.mbox", "teacher@example.ed.jp", "1.0.3", "agent.mbox", "$.context.instructor.mbox"),
    ("activity", "context.instructor.mbox", "mailto:te acher@example.ed.jp", "1.0.3", "agent.mbox",
     "$.context.instructor.mbox"),
    ("activity", "context.instructor", {"mbox_sha1sum": "abc"}, "1.0.3", "agent.mbox_sha1sum",
     "$.context.instructor.mbox_sha1sum"),
    ("activity", "context.instructor", {"openid": "not a uri"}, "1.0.3", "agent.openid", "$.context.instructor.openid"),
    ("activity", "actor.account", "learner-1", "1.0.3", "agent.account", "$.actor.account"),
    ("activity", "actor.account.homePage", "example.platform.jp", "1.0.3", "agent.account.homePage",
     "$.actor.account.homePage"),
    ("activity", "actor.account.homePage", DELETE, "1.0.3", "agent.account.homePage", "$.actor.account.homePage"),
    ("activity", "actor.account.name", "", "1.0.3", "agent.account.name", "$.actor.account.name"),
    ("activity", "actor.account.name", 42, "1.0.3", "agent.account.name", "$.actor.account.name"),
    ("activity", "actor.account.id", "x", "1.0.3", "property.unknown", "$.actor.account.id"),
    ("activity", "verb.id", "answered", "1.0.3", "verb.id", "$.verb.id"),
    ("activity", "verb.id", DELETE, "1.0.3", "verb.id", "$.verb.id"),
    ("activity", "verb.display", "answered", "1.0.3", "verb.display", "$.verb.display"),
    ("activity", "verb.display", {"ja_JP": "回答"}, "1.0.3", "languagemap.key", "$.verb.display.ja_JP"),
    ("activity", "verb.display", {"ja-JP": 1}, "1.0.3", "languagemap.type", "$.verb.display['ja-JP']"),
    ("activity", "verb.display", {}, "1.0.3", "value.empty", "$.verb.display"),
    ("activity", "object.objectType", "activity", "1.0.3", "object.objectType", "$.object.objectType"),
    ("activity", "object.id", "q-001", "1.0.3", "activity.id", "$.object.id"),
    ("activity", "object.id", DELETE, "1.0.3", "activity.id", "$.object.id"),
    ("activity", "object", {"mbox": "mailto:a@example.jp"}, "1.0.3", "object.agent.objectType",
     "$.object.objectType"),
    ("activity", "object.definition.type", "cmi.interaction", "1.0.3", "definition.type", "$.object.definition.type"),
    ("activity", "object.definition.name", "問題1", "1.0.3", "definition.name", "$.object.definition.name"),
    ("activity", "object.definition.description", ["x"], "1.0.3", "definition.description",
     "$.object.definition.description"),
    ("activity", "object.definition.moreInfo", "help", "1.0.3", "definition.moreInfo", "$.object.definition.moreInfo"),
    ("activity", "object.definition.interactionType", "Choice", "1.0.3", "definition.interactionType",
     "$.object.definition.interactionType"),
    ("activity", "object.definition.correctResponsesPattern", "b", "1.0.3", "definition.correctResponsesPattern",
     "$.object.definition.correctResponsesPattern"),
    ("activity", "object.definition.correctResponsesPattern", [1], "1.0.3", "definition.correctResponsesPattern",
     "$.object.definition.correctResponsesPattern"),
    ("activity", "object.definition.interactionType", DELETE, "1.0.3",
     "definition.correctResponsesPattern.interactionType", "$.object.definition"),
    ("activity", "object.definition.choices", {"id": "a"}, "1.0.3", "definition.choices", "$.object.definition.choices"),
    ("activity", "object.definition.scale", ["a"], "1.0.3", "definition.scale", "$.object.definition.scale[0]"),
    ("activity", "object.definition.source", 1, "1.0.3", "definition.source", "$.object.definition.source"),
    ("activity", "object.definition.target", "t", "1.0.3", "definition.target", "$.object.definition.target"),
    ("activity", "object.definition.steps", [None], "1.0.3", "value.null", "$.object.definition.steps[0]"),
    ("activity", "object.definition.steps", {}, "1.0.3", "definition.steps", "$.object.definition.steps"),
    ("activity", "object.definition.choices.1.id", "a", "1.0.3", "definition.component.id",
     "$.object.definition.choices[1].id"),
    ("activity", "object.definition.choices.1.id", DELETE, "1.0.3", "definition.component.id",
     "$.object.definition.choices[1].id"),
    ("activity", "object.definition.choices.1.description", "3/4", "1.0.3", "definition.component.description",
     "$.object.definition.choices[1].description"),
    ("activity", "object.definition.extensions", ["x"], "1.0.3", "extensions.type", "$.object.definition.extensions"),
    ("activity", "object.definition.extensions", {"grade": 1}, "1.0.3", "extensions.key",
     "$.object.definition.extensions.grade"),
    ("activity", "object.definition", {}, "1.0.3", "value.empty", "$.object.definition"),
    ("sub", "object.id", "5f0b7d7e-3d55-4c2a-9a1e-8d2f6c1b0a11", "1.0.3", "substatement.id", "$.object.id"),
    ("sub", "object.stored", "2026-04-02T00:00:00Z", "1.0.3", "substatement.stored", "$.object.stored"),
    ("sub", "object.version", "1.0.3", "1.0.3", "substatement.version", "$.object.version"),
    ("sub", "object.authority", TEACHER, "1.0.3", "substatement.authority", "$.object.authority"),
    ("sub", "object.object", {"objectType": "SubStatement", "actor": TEACHER, "verb": {"id": "http://x.jp/v"},
                              "object": {"id": "http://x.jp/a"}}, "1.0.3", "substatement.nested",
     "$.object.object.objectType"),
    ("sub", "object.timestamp", "yesterday", "1.0.3", "timestamp.format", "$.object.timestamp"),
    ("sub", "object.actor.account.homePage", "nope", "1.0.3", "agent.account.homePage",
     "$.object.actor.account.homePage"),
    ("void", "object.id", "5f0b7d7e", "1.0.3", "statementref.id", "$.object.id"),
    ("void", "object.id", DELETE, "1.0.3", "statementref.id", "$.object.id"),
    ("void", "object.definition", {"type": "http://x.jp/t"}, "1.0.3", "property.unknown", "$.object.definition"),
    ("void", "object", {"id": "https://example.app.jp/q"}, "1.0.3", "voiding.object", "$.object"),
    ("activity", "result.success", "true", "1.0.3", "result.success", "$.result.success"),
    ("activity", "result.completion", 1, "1.0.3", "result.completion", "$.result.completion"),
    ("activity", "result.response", 2, "1.0.3", "result.response", "$.result.response"),
    ("activity", "result.duration", "PA1H0M0S", "1.0.3", "result.duration", "$.result.duration"),
    ("activity", "result.duration", 12345, "1.0.3", "result.duration", "$.result.duration"),
    ("activity", "result.duration", "P1.5DT2H", "1.0.3", "result.duration", "$.result.duration"),
    ("activity", "result.duration", "PT", "1.0.3", "result.duration", "$.result.duration"),
    ("activity", "result.extensions", "x", "1.0.3", "extensions.type", "$.result.extensions"),
    ("activity", "result.score", 8, "1.0.3", "score.type", "$.result.score"),
    ("activity", "result.score.raw", "8", "1.0.3", "score.number", "$.result.score.raw"),
    ("activity", "result.score.max", True, "1.0.3", "score.number", "$.result.score.max"),
    ("activity", "result.score.min", 10, "1.0.3", "score.min_max", "$.result.score.min"),
    ("activity", "result.score.raw", 11, "1.0.3", "score.raw", "$.result.score.raw"),
    ("activity", "result.score.raw", -1, "1.0.3", "score.raw", "$.result.score.raw"),
    ("activity", "result.score.scaled", 1.01, "1.0.3", "score.scaled", "$.result.score.scaled"),
    ("activity", "result.score.scaled", -1.00001, "1.0.3", "score.scaled", "$.result.score.scaled"),
    ("void", "context", {"revision": "r1"}, "1.0.3", "context.revision", "$.context.revision"),
    ("void", "context", {"platform": "app"}, "1.0.3", "context.platform", "$.context.platform"),
    ("activity", "context.revision", 3, "1.0.3", "value.type", "$.context.revision"),
    ("activity", "context.registration", "reg-1", "1.0.3", "context.registration", "$.context.registration"),
    ("activity", "context.instructor", "先生", "1.0.3", "context.instructor", "$.context.instructor"),
    ("activity", "context.instructor.objectType", "Person", "1.0.3", "context.instructor",
     "$.context.instructor.objectType"),
    ("activity", "context.team", TEACHER, "1.0.3", "context.team", "$.context.team.objectType"),
    ("activity", "context.team", ["g"], "1.0.3", "context.team", "$.context.team"),
    ("activity", "context.language", "japanese!", "1.0.3", "context.language", "$.context.language"),
    ("activity", "context.statement", {"id": "9a7c2f0e-1b2d-4e3f-8a9b-0c1d2e3f4a5b"}, "1.0.3", "context.statement",
     "$.context.statement.objectType"),
    ("activity", "context.statement.id", "x", "1.0.3", "statementref.id", "$.context.statement.id"),
    ("activity", "context.contextActivities", [], "1.0.3", "context.contextActivities", "$.context.contextActivities"),
    ("activity", "context.contextActivities.Parent", [], "1.0.3", "context.contextActivities",
     "$.context.contextActivities.Parent"),
    ("activity", "context.contextActivities", {}, "1.0.3", "value.empty", "$.context.contextActivities"),
    ("activity", "context.contextActivities.other", "x", "1.0.3", "context.contextActivities.value",
     "$.context.contextActivities.other"),
    ("activity", "context.contextActivities.other", [TEACHER], "1.0.3", "context.contextActivities.value",
     "$.context.contextActivities.other[0]"),
    ("activity", "context.contextActivities.grouping", [{"id": "grouping"}], "1.0.3", "activity.id",
     "$.context.contextActivities.grouping[0].id"),
    ("activity", "context.extensions", {"": 1}, "1.0.3", "extensions.key", "$.context.extensions['']"),
    ("activity", "context.contextAgents", [], "1.0.3", "property.unknown", "$.context.contextAgents"),
    ("activity", "timestamp", "01/011/2015", "1.0.3", "timestamp.format", "$.timestamp"),
    ("activity", "timestamp", "should fail", "1.0.3", "timestamp.format", "$.timestamp"),
    ("activity", "timestamp", "2026-02-30T00:00:00Z", "1.0.3", "timestamp.format", "$.timestamp"),
    ("activity", "timestamp", "2026-04-01T25:00:00Z", "1.0.3", "timestamp.format", "$.timestamp"),
    ("activity", "timestamp", 1775000000, "1.0.3", "timestamp.format", "$.timestamp"),
    ("activity", "timestamp", "2008-09-15T15:53:00.601-00", "1.0.3", "timestamp.negative_zero", "$.timestamp"),
    ("activity", "timestamp", "2008-09-15T15:53:00.601-0000", "1.0.3", "timestamp.negative_zero", "$.timestamp"),
    ("activity", "timestamp", "2008-09-15T15:53:00.601-00:00", "1.0.3", "timestamp.negative_zero", "$.timestamp"),
    ("activity", "timestamp", "2008-09-15T15:53:00.601", "1.0.3", "timestamp.timezone", "$.timestamp"),
    ("activity", "stored", "later", "1.0.3", "timestamp.format", "$.stored"),
    ("activity", "authority", "lrs", "1.0.3", "authority.type", "$.authority"),
    ("activity", "authority", {"objectType": "Group", "member": [TEACHER]}, "1.0.3", "authority.group",
     "$.authority.member"),
    ("activity", "version", "1.1.0", "1.0.3", "statement.version", "$.version"),
    ("activity", "version", "2.0.0", "1.0.3", "statement.version", "$.version"),
    ("activity", "version", 1.0, "1.0.3", "statement.version", "$.version"),
    ("activity", "version", "1.1.0", "2.0.0", "statement.version", "$.version"),
    ("activity", "attachments", {"usageType": "x"}, "1.0.3", "attachments.type", "$.attachments"),
    ("activity", "attachments.0", "file", "1.0.3", "attachments.type", "$.attachments[0]"),
    ("activity", "attachments.0.usageType", "answer-sheet", "1.0.3", "attachment.usageType",
     "$.attachments[0].usageType"),
    ("activity", "attachments.0.display", DELETE, "1.0.3", "attachment.display", "$.attachments[0].display"),
    ("activity", "attachments.0.description", "sheet", "1.0.3", "attachment.description",
     "$.attachments[0].description"),
    ("activity", "attachments.0.contentType", "png", "1.0.3", "attachment.contentType", "$.attachments[0].contentType"),
    ("activity", "attachments.0.length", "1024", "1.0.3", "attachment.length", "$.attachments[0].length"),
    ("activity", "attachments.0.length", -1, "1.0.3", "attachment.length", "$.attachments[0].length"),
    ("activity", "attachments.0.length", 10.5, "1.0.3", "attachment.length", "$.attachments[0].length"),
    ("activity", "attachments.0.sha2", "a" * 63, "1.0.3", "attachment.sha2", "$.attachments[0].sha2"),
    ("activity", "attachments.0.sha2", DELETE, "1.0.3", "attachment.sha2", "$.attachments[0].sha2"),
    ("activity", "attachments.0.fileUrl", "files/1.png", "1.0.3", "attachment.fileUrl", "$.attachments[0].fileUrl"),
    # xAPI 2.0 deltas
    ("activity", "context.contextAgents", {"objectType": "contextAgent"}, "2.0.0", "context.contextAgents",
     "$.context.contextAgents"),
    ("activity", "context.contextAgents", [{"objectType": "contextAgent", "agent": TEACHER, "relevantTypes": []}],
     "2.0.0", "context.contextAgents", "$.context.contextAgents[0].relevantTypes"),
    ("activity", "context.contextAgents", [{"objectType": "ContextAgent", "agent": TEACHER}], "2.0.0",
     "context.contextAgents", "$.context.contextAgents[0].objectType"),
    ("activity", "context.contextAgents", [{"objectType": "contextAgent"}], "2.0.0", "context.contextAgents",
     "$.context.contextAgents[0].agent"),
    ("activity", "context.contextAgents", [{"objectType": "contextAgent", "agent": GROUP}], "2.0.0",
     "context.contextAgents", "$.context.contextAgents[0].agent.objectType"),
    ("activity", "context.contextAgents", [{"objectType": "contextAgent", "agent": TEACHER,
                                            "relevantTypes": ["teacher"]}], "2.0.0", "context.contextAgents",
     "$.context.contextAgents[0].relevantTypes[0]"),
    ("activity", "context.contextGroups", [{"objectType": "contextGroup", "group": TEACHER}], "2.0.0",
     "context.contextGroups", "$.context.contextGroups[0].group.objectType"),
    ("activity", "context.contextGroups", [{"objectType": "contextGroup"}], "2.0.0", "context.contextGroups",
     "$.context.contextGroups[0].group"),
    ("activity", "timestamp", "20260401T090000Z", "2.0.0", "timestamp.rfc3339", "$.timestamp"),
]


@pytest.mark.parametrize("base", sorted(BASES))
@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
def test_valid_statements_pass(base: str, version: str) -> None:
    statement = BASES[base]()
    if version == "2.0.0":
        statement["version"] = "2.0.0"
    assert validate_statement(statement, version) == []  # type: ignore[arg-type]


def test_valid_2_0_context_agents_and_groups_pass() -> None:
    statement = mutate(BASES["activity"](), "context.contextAgents",
                       [{"objectType": "contextAgent", "agent": TEACHER, "relevantTypes": ["https://x.jp/t/teacher"]}])
    statement = mutate(statement, "context.contextGroups", [{"objectType": "contextGroup", "group": GROUP}])
    assert validate_statement(statement, "2.0.0") == []


@pytest.mark.parametrize(("value", "version"), [
    ("1.0", "1.0.3"), ("1.0.0", "1.0.3"), ("1.0.9", "1.0.3"), ("1.0.9", "2.0.0"), ("2.0", "2.0.0"), ("2.0.0", "2.0.0")])
def test_accepted_versions(value: str, version: str) -> None:
    assert validate_statement(mutate(BASES["activity"](), "version", value), version) == []  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["20080915T155300Z", "2008-09-15T15:53:00.601+09", "2008-09-15T15:53Z",
                                   "2008-09-15t15:53:00,5+0900", "2026-04-01T09:00:00.123456789Z"])
def test_iso_8601_timestamps_accepted_in_1_0_3(value: str) -> None:
    assert validate_statement(mutate(BASES["activity"](), "timestamp", value)) == []


@pytest.mark.parametrize("value", ["PT4H35M59.14S", "PT16559.14S", "P3Y1M29DT4H35M59.14S", "P3Y", "P4W", "PT0.5H"])
def test_durations_from_the_adl_suite_accepted(value: str) -> None:
    assert validate_statement(mutate(BASES["activity"](), "result.duration", value)) == []


@pytest.mark.parametrize("value", [{"homePage": "https://h.jp", "name": "n"}, ["x"], None, 0, "ext"])
def test_extension_values_are_never_judged(value: Any) -> None:
    assert validate_statement(mutate(BASES["activity"](), "result.extensions", {"https://x.jp/e": value})) == []


def test_single_context_activity_allowed_only_as_sent() -> None:
    st = mutate(BASES["activity"](), "context.contextActivities.category", {"id": "https://w3id.org/x"})
    assert validate_statement(st) == [] and validate_statement(mutate(st, "version", "2.0.0"), "2.0.0") == []
    st.update(stored="2026-04-01T00:00:01.000Z", authority=TEACHER)
    assert [p.rule for p in validate_statement(st, sent_by_lrp=False)] == ["lrs.contextActivities.array"]


@pytest.mark.parametrize(("base", "path", "value", "version", "rule", "where"), BAD)
def test_each_rule_fails_where_it_is_broken(base: str, path: str, value: Any, version: str, rule: str,
                                            where: str) -> None:
    problems = validate_statement(mutate(BASES[base](), path, value), version)  # type: ignore[arg-type]
    assert (rule, where) in [(p.rule, p.path) for p in problems], [p.text() for p in problems]
    found = next(p for p in problems if p.rule == rule)
    assert found.section == RULES[rule].section and found.requirement == RULES[rule].requirement
    assert found.message and found.message_ja


def test_every_statement_rule_is_exercised() -> None:
    hit = {case[4] for case in BAD} | {"lrs.contextActivities.array", "statements.type", "statement.type"}
    lrs_set = {"lrs.id", "lrs.stored", "lrs.authority"}
    elsewhere = {r for r in RULES if r.startswith(("multipart.", "signature.", "body."))} | {"property.duplicate"}
    missing = set(RULES) - hit - lrs_set - elsewhere
    assert not missing, sorted(missing)


def test_lrs_returned_statements_need_the_lrs_set_properties() -> None:
    st = BASES["activity"]()
    del st["id"]
    rules = [p.rule for p in validate_statement(st, sent_by_lrp=False)]
    assert rules == ["lrs.id", "lrs.stored", "lrs.authority"]
    st.update(id="5f0b7d7e-3d55-4c2a-9a1e-8d2f6c1b0a11", stored="2026-04-01T00:00:01.000Z", authority=TEACHER)
    assert validate_statement(st, sent_by_lrp=False) == []


def test_should_rules_are_known() -> None:
    assert set(RULES) >= SHOULD_RULES
    assert all(RULES[r].level == "SHOULD" for r in SHOULD_RULES)


@pytest.mark.parametrize("body", [None, 0, 1.5, True, "statement", [], b"x"])
def test_non_objects_are_problems(body: Any) -> None:
    problems = validate_statements(body)
    assert len(problems) == 1 and problems[0].rule in {"statements.type", "value.null"}
    assert validate_statement(body)[0].rule in {"statement.type", "value.null"}


def test_batches_locate_each_statement() -> None:
    good, bad = BASES["activity"](), mutate(BASES["activity"](), "verb.id", "x")
    problems = validate_statements([good, bad, 7])
    assert [(p.path, p.rule) for p in problems] == [("$[1].verb.id", "verb.id"), ("$[2]", "statement.type")]
    assert validate_statements(good) == []
    assert validate_statements([good] * (MAX_BATCH + 1))[0].rule == "statements.type"


def test_hostile_values_never_raise() -> None:
    deep: Any = {}
    for _ in range(400):
        deep = {"https://x.jp/e": deep}
    odd = [None, [], {}, 0, -1, 1e308, float("nan"), "", "x" * 10_000, [[[]]], {"": None}, {1: 2}, deep]
    base = BASES["activity"]()
    paths = ["actor", "actor.account", "actor.mbox", "verb", "verb.display", "object", "object.definition",
             "object.definition.choices", "result", "result.score", "result.score.raw", "context",
             "context.contextActivities", "context.contextActivities.parent", "context.team", "context.team.member",
             "timestamp", "attachments", "authority", "version", "context.extensions", "object.definition.name"]
    for path in paths:
        for value in odd:
            for version in ("1.0.3", "2.0.0"):
                problems = validate_statement(mutate(base, path, value), version)  # type: ignore[arg-type]
                for p in problems:
                    json.dumps([p.path, p.message, p.message_ja])
