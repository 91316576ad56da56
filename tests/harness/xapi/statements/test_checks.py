"""Every xapi-statements check on a passing and a failing statement; each finding names the statement
(index and id), where it came from (file and line) and the JSON path."""

from __future__ import annotations

import pytest

from renkei.harness.core.registry import REGISTRY
from renkei.harness.xapi.model.rules import RULES
from renkei.harness.xapi.statements import checks_data
from renkei.harness.xapi.statements.config import KIND
from tests.harness.xapi.statements.conftest import file_target, run
from tests.harness.xapi.statements.factory import EXT, HOME_PAGE, LEARNER, answered, variant

JAPAN = {"params": {"documents": ["japan-assessment", "japan-lms"]}}
ACTOR = {"expect": {"actor": {"name": LEARNER, "home_page": HOME_PAGE}}}
ALL_CHECKS = sorted(c.id for c in REGISTRY.all() if c.kind == KIND)
GREEN = [answered(n) for n in range(3)]
CAPTURE_ONLY = {"xapi.statements.received", "xapi.statements.attachments"}  # tested in test_capture
# the Japan documents define no pattern: tested with documents of its own in test_checks_patterns
OWN_DOCUMENTS = {"xapi.profile.patterns"}


def _config(check_id: str) -> dict:
    config: dict = {**JAPAN, **ACTOR}
    if check_id == "xapi.profile.templates":
        config["check_params"] = {"judge": "all"}
    return config


@pytest.mark.parametrize("check_id", [c for c in ALL_CHECKS if c not in CAPTURE_ONLY | OWN_DOCUMENTS])
def test_every_check_passes_green_japan_statements(check, check_id):
    ran = check(check_id, GREEN, **_config(check_id))
    assert ran.findings == [] and ran.unseen == [] and ran.skipped is None, (check_id, ran)


S = answered(7)
FAILING = [
    ("xapi.statements.readable", [[1, 2]], "$"),
    ("xapi.statements.data.statement", [variant(S, "id", "not-a-uuid")], "$.id"),
    ("xapi.statements.data.actor", [variant(S, "actor.mbox", "mailto:learner@example.jp")], "$.actor"),
    ("xapi.statements.data.verb", [variant(S, "verb.id", "answered")], "$.verb.id"),
    ("xapi.statements.data.object", [variant(S, "object.id", "q 1")], "$.object.id"),
    ("xapi.statements.data.result", [variant(S, "result.score.scaled", 1.5)], "$.result.score.scaled"),
    ("xapi.statements.data.context", [variant(S, "context.registration", "r-1")], "$.context.registration"),
    ("xapi.statements.data.timestamp", [variant(S, "timestamp", "2026-05-12T09:00:00-00:00")], "$.timestamp"),
    ("xapi.statements.data.attachments", [variant(S, "attachments", [{"usageType": "x"}])], "$.attachments[0].sha2"),
    ("xapi.statements.data.values", [variant(S, "verb.display", {"not a tag!": "x"})], "$.verb.display['not a tag!']"),
    ("xapi.statements.data.should", [variant(S, "timestamp", "2026-05-12T09:00:00")], "$.timestamp"),
    ("xapi.jp.common.included", [variant(S, "context.platform", delete=True)], "$.context.platform"),
    ("xapi.jp.common.recommended", [variant(S, "object.definition.name", {"en": "Question"})],
     "$.object.definition.name['ja-JP']"),
    ("xapi.jp.actor.account", [variant(S, "actor", {"objectType": "Agent", "mbox": "mailto:a@example.jp"})],
     "$.actor.mbox"),
    ("xapi.jp.version", [variant(S, "version", "2.0.0")], "$.version"),
    ("xapi.jp.actor.launched_user", [variant(S, "actor.account.name", "someone-else")], "$.actor.account.name"),
    ("xapi.jp.ext.values", [variant(S, "context.extensions", {EXT + "grade": "P4"})],
     f"$.context.extensions['{EXT}grade']"),
    ("xapi.jp.ext.known", [variant(S, "context.extensions", {EXT + "grades": ["P4"]})],
     f"$.context.extensions['{EXT}grades']"),
    ("xapi.jp.ext.grade", [variant(S, "context.extensions", {EXT + "grade": ["小4"]})],
     f"$.context.extensions['{EXT}grade'][0]"),
    ("xapi.jp.ext.subject", [variant(S, "context.extensions", {EXT + "subject": ["算数"]})],
     f"$.context.extensions['{EXT}subject'][0]"),
    ("xapi.jp.ext.course_of_study_code",
     [variant(S, "object.definition.extensions", {EXT + "course-of-study-code": ["82202631"]})],
     f"$.object.definition.extensions['{EXT}course-of-study-code'][0]"),
    ("xapi.jp.score.arithmetic", [variant(S, "result.score.scaled", 0.9)], "$.result.score.scaled"),
    ("xapi.profile.templates", [variant(S, "result.score", {"raw": 7, "max": 10})], "$.result.score.scaled"),
    ("xapi.profile.declared", [variant(S, "verb", {"id": "http://adlnet.gov/expapi/verbs/experienced",
                                                   "display": {"en": "experienced"}})],
     "$.context.contextActivities.category"),
]


def test_the_failing_table_covers_every_check_but_the_capture_ones():
    assert {c for c, _, _ in FAILING} == set(ALL_CHECKS) - CAPTURE_ONLY - OWN_DOCUMENTS


@pytest.mark.parametrize("check_id, statements, path", FAILING, ids=[f[0] for f in FAILING])
def test_every_check_fails_a_statement_that_breaks_its_rule(check, check_id, statements, path):
    ran = check(check_id, [GREEN[0], *statements], **_config(check_id))
    assert path in ran.paths, (check_id, ran.paths, [f.message for f in ran.findings])
    finding = ran.findings[ran.paths.index(path)]
    assert finding.location.index == 1 and finding.location.file == "statements.ndjson" and finding.location.row == 2
    sid = statements[-1].get("id") if isinstance(statements[-1], dict) else None
    assert finding.location.entry == sid
    assert finding.message_ja and finding.message.startswith("statement #1")


def test_every_model_rule_belongs_to_a_registered_data_check():
    for name in RULES:
        assert checks_data.group_of(name) in ALL_CHECKS, name


def test_the_templates_check_judges_only_declaring_statements_by_default(check):
    undeclared = variant(variant(S, "result.score", {"raw": 7, "max": 10}), "context.contextActivities", {})
    assert check("xapi.profile.templates", [undeclared], **JAPAN).findings == []
    assert check("xapi.profile.templates", [undeclared], **JAPAN, check_params={"judge": "all"}).findings


def test_template_checks_skip_without_documents(check):
    assert check("xapi.profile.templates", GREEN).skipped


def test_launched_user_skips_without_expect_actor_and_names_the_home_page(check):
    assert check("xapi.jp.actor.launched_user", GREEN).skipped
    ran = check("xapi.jp.actor.launched_user", [variant(S, "actor.account.homePage", "https://other.example.jp")],
                **ACTOR)
    assert ran.paths == ["$.actor.account.homePage"] and ran.findings[0].value == "https://other.example.jp"


def test_score_tolerance_is_a_parameter(check):
    near = variant(S, "result.score.scaled", 0.705)
    assert check("xapi.jp.score.arithmetic", [near]).findings == []
    assert check("xapi.jp.score.arithmetic", [near], check_params={"tolerance": 0.001}).findings


def test_unreadable_records_make_the_other_checks_not_evaluated(tmp_path):
    target = file_target(tmp_path, [S])
    path = tmp_path / "statements.ndjson"
    path.write_text(path.read_text(encoding="utf-8") + '{"id": \n', encoding="utf-8")
    readable = run(target, "xapi.statements.readable")
    assert [(f.location.row, f.location.index) for f in readable.findings] == [(2, 1)]
    actor = run(target, "xapi.statements.data.actor")
    assert actor.findings == [] and "1 record(s) could not be read" in actor.unseen[0]


def test_no_statement_is_not_a_pass(check):
    ran = check("xapi.statements.data.actor", [])
    assert ran.findings == [] and ran.unseen == ["no statement was read"]


def test_the_target_version_selects_the_data_rules(check):
    agent = {"objectType": "Agent", "account": {"homePage": HOME_PAGE, "name": "teacher-1"}}
    s2 = variant(variant(S, "version", "2.0.0"), "context.contextAgents",
                 [{"objectType": "contextAgent", "agent": agent, "relevantTypes": ["https://example.jp/types/teacher"]}])
    assert check("xapi.statements.data.context", [s2], version="2.0.0").findings == []
    # in 1.0.3 contextAgents is an unknown property (Data 2.2, XAPI-00010): a structure finding
    assert "$.context.contextAgents" in check("xapi.statements.data.statement", [variant(s2, "version", "1.0.3")]).paths


def test_odd_values_are_judged_not_crashed_on(check):
    """A result that is not an object and a category id that is not a string are the Data checks' findings;
    the Japan score check and the template checks judge past them instead of raising."""
    odd_result = variant(S, "result", "done")
    assert check("xapi.jp.score.arithmetic", [odd_result]).findings == []
    assert check("xapi.statements.data.statement", [odd_result]).paths == ["$.result"]  # value.type
    odd_category = variant(S, "context.contextActivities.category", [{"id": ["not", "a", "string"]}])
    assert check("xapi.profile.declared", [odd_category], **JAPAN).findings == []
    assert check("xapi.statements.data.object", [odd_category]).findings  # activity.id
