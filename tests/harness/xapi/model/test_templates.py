"""Statement Templates and rules (xAPI Profiles Structure §8, Communication §2.1): determining properties,
each rule kind on a passing and a failing statement, the validates outcomes, and malformed documents."""

from __future__ import annotations

import json

import pytest

from renkei.harness.core.errors import ConfigError
from renkei.harness.xapi.model import templates as T

ANSWERED = "http://adlnet.gov/expapi/verbs/answered"
QUESTION = "http://adlnet.gov/expapi/activities/question"
PROFILE = "https://example.jp/profiles/drill"


def statement(**over: object) -> dict:
    base = {
        "actor": {"objectType": "Agent", "account": {"homePage": "https://portal.example.jp", "name": "u-1"}},
        "verb": {"id": ANSWERED, "display": {"en": "answered"}},
        "object": {"objectType": "Activity", "id": "https://drill.example.jp/q/1",
                   "definition": {"type": QUESTION}},
        "result": {"score": {"raw": 3, "max": 5, "scaled": 0.6}, "success": True},
        "context": {"contextActivities": {"category": {"id": PROFILE + "/v1"},
                                          "parent": [{"id": "https://drill.example.jp/t/1",
                                                      "definition": {"type": "http://adlnet.gov/expapi/activities/assessment"}}]}},
    }
    base.update(over)
    return base


def rule(**data: object) -> T.Rule:
    return T.parse_rule(data, "test")


def test_included_rule():
    r = rule(location="$.result.score.raw", presence="included")
    assert T.follows_rule(statement(), r).followed
    out = T.follows_rule(statement(result={"success": True}), r)
    assert not out.followed and "required" in out.why and out.path == "$.result.score.raw"


def test_included_with_a_selector_refuses_unmatchable_values():
    r = rule(location="$.context.contextActivities.parent[*]", selector="$.definition.type", presence="included")
    assert T.follows_rule(T.normalize(statement()), r).followed
    bare = statement(context={"contextActivities": {"parent": [{"id": "https://drill.example.jp/t/1"}]}})
    out = T.follows_rule(T.normalize(bare), r)
    assert not out.followed and out.path == "$.context.contextActivities.parent[0]"


def test_excluded_rule():
    r = rule(location="$.result.score.min", presence="excluded")
    assert T.follows_rule(statement(), r).followed
    out = T.follows_rule(statement(result={"score": {"min": 0}}), r)
    assert not out.followed and out.path == "$.result.score.min" and out.value == 0


def test_recommended_rule_applies_value_lists_only_when_present():
    r = rule(location="$.result.success", presence="recommended", all=[True])
    assert T.follows_rule(statement(result={}), r).followed  # absent: nothing to judge
    assert T.follows_rule(statement(), r).followed
    assert not T.follows_rule(statement(result={"success": False}), r).followed


def test_any_rule():
    r = rule(location="$.verb.id", any=[ANSWERED, "http://adlnet.gov/expapi/verbs/attempted"])
    assert T.follows_rule(statement(), r).followed
    assert not T.follows_rule(statement(verb={"id": "http://adlnet.gov/expapi/verbs/voided"}), r).followed
    assert not T.follows_rule(statement(verb={}), r).followed  # strict: no value is not one of them


def test_all_rule_and_json_equality():
    r = rule(location="$.result.success", all=[True])
    assert T.follows_rule(statement(), r).followed
    assert not T.follows_rule(statement(result={"success": 1}), r).followed  # 1 is not true
    nums = rule(location="$.result.score.max", all=[5])
    assert T.follows_rule(statement(result={"score": {"max": 5.0}}), nums).followed


def test_none_rule():
    r = rule(location="$.verb.id", none=["http://adlnet.gov/expapi/verbs/voided"])
    assert T.follows_rule(statement(), r).followed
    out = T.follows_rule(statement(verb={"id": "http://adlnet.gov/expapi/verbs/voided"}), r)
    assert not out.followed and out.path == "$.verb.id"


def template(**extra: object) -> T.Template:
    data = {"id": PROFILE + "/templates/answered", "type": "StatementTemplate", "prefLabel": {"en": "answered"},
            "verb": ANSWERED, "objectActivityType": QUESTION, **extra}
    return T.parse_template(data, "test")


def test_determining_properties():
    t = template(contextParentActivityType=["http://adlnet.gov/expapi/activities/assessment"])
    assert T.matches_determining_properties(T.normalize(statement()), t)
    assert not T.matches_determining_properties(statement(verb={"id": "http://adlnet.gov/expapi/verbs/attempted"}), t)
    assert not T.matches_determining_properties(statement(object={"id": "x:y"}), t)
    assert not T.matches_determining_properties(statement(context={}), t)
    usage = template(attachmentUsageType=["https://example.jp/usage/answer-image"])
    assert not T.matches_determining_properties(statement(), usage)
    assert T.matches_determining_properties(
        statement(attachments=[{"usageType": "https://example.jp/usage/answer-image"}]), usage)


def test_validates_outcomes_and_located_problems():
    t = template(rules=[{"location": "$.result.score.scaled", "presence": "included"},
                        {"location": "$.result.score['raw','max']", "presence": "included"}])
    assert T.validates(statement(), [t]).outcome == "success"
    assert T.validates(statement(verb={"id": "http://adlnet.gov/expapi/verbs/voided"}), [t]).outcome == "unmatched"
    bad = T.validates(statement(result={"score": {"raw": 3}}), [t], base="$[7]")
    assert bad.outcome == "invalid" and bad.templates == (t,)
    assert [p.path for p in bad.problems] == ["$[7].result.score.scaled"]
    assert bad.problems[0].rule == "template.rule.included" and "§8.1" in bad.problems[0].section


def test_statement_ref_templates():
    t = T.parse_template({"id": "x:t", "type": "StatementTemplate", "verb": "http://adlnet.gov/expapi/verbs/voided",
                          "objectStatementRefTemplate": ["x:other"]}, "test")
    voiding = {"verb": {"id": "http://adlnet.gov/expapi/verbs/voided"},
               "object": {"objectType": "StatementRef", "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee"}}
    assert T.validates(voiding, [t]).outcome == "success"
    out = T.validates({**voiding, "object": {"objectType": "Activity", "id": "x:a"}}, [t])
    assert out.outcome == "invalid" and out.problems[0].path == "$.object"


def test_normalize_makes_context_activities_arrays_without_touching_the_input():
    s = statement()
    n = T.normalize(s)
    assert n["context"]["contextActivities"]["category"] == [{"id": PROFILE + "/v1"}]
    assert isinstance(s["context"]["contextActivities"]["category"], dict)


def test_a_profile_document_is_read_and_knows_when_it_is_declared(tmp_path):
    doc = {"id": PROFILE, "type": "Profile", "prefLabel": {"en": "drill"}, "versions": [{"id": PROFILE + "/v1"}],
           "templates": [{"id": PROFILE + "/templates/answered", "type": "StatementTemplate", "verb": ANSWERED}]}
    path = tmp_path / "p.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    profile = T.load_profile_file(path)
    assert profile.templates[0].verb == ANSWERED
    assert profile.declared_by(statement())
    assert not profile.declared_by(statement(context={}))


@pytest.mark.parametrize("doc, why", [
    ([], "top level must be an object"),
    ({"type": "Profile"}, "needs an id"),
    ({"id": "x:p", "type": "Concept"}, "type must be Profile"),
    ({"id": "x:p", "type": "Profile", "templates": [{"id": "x:t", "type": "Pattern"}]}, "templates[0] (x:t): type"),
    ({"id": "x:p", "type": "Profile", "templates": [{"id": "x:t", "type": "StatementTemplate",
                                                      "rules": [{"presence": "included"}]}]}, "needs a location"),
    ({"id": "x:p", "type": "Profile", "templates": [{"id": "x:t", "type": "StatementTemplate",
                                                      "rules": [{"location": "$.a"}]}]}, "at least one of"),
    ({"id": "x:p", "type": "Profile", "templates": [{"id": "x:t", "type": "StatementTemplate",
                                                      "rules": [{"location": "$..a", "presence": "included"}]}]},
     "recursive descent"),
    ({"id": "x:p", "type": "Profile", "templates": [{"id": "x:t", "type": "StatementTemplate",
                                                      "rules": [{"location": "$.a", "presence": "maybe"}]}]},
     "presence must be one of"),
    ({"id": "x:p", "type": "Profile", "templates": [{"id": "x:t", "type": "StatementTemplate",
                                                      "rules": [{"location": "$.a", "any": []}]}]}, "non-empty array"),
])
def test_malformed_documents_name_the_part(tmp_path, doc, why):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ConfigError, match="profile document .*bad.json") as err:
        T.load_profile_file(path)
    assert why in str(err.value)


def test_unreadable_documents(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100 + "]" * 100, encoding="utf-8")
    with pytest.raises(ConfigError, match="nested deeper"):
        T.load_profile_file(path)
    path.write_text("{", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid JSON"):
        T.load_profile_file(path)


def test_a_document_judges_like_validates_over_its_templates():
    """``ProfileDocument.validates`` tries only the templates whose verb can match; the outcome, templates
    and problems are those of ``validates`` over every template, whatever the verb."""
    rules = [{"location": "$.result.score.scaled", "presence": "included"}]
    templates = (template(rules=rules),  # answered
                 T.parse_template({"id": "x:any", "type": "StatementTemplate", "rules": rules}, "test"),  # no verb
                 T.parse_template({"id": "x:void", "type": "StatementTemplate",
                                   "verb": "http://adlnet.gov/expapi/verbs/voided"}, "test"))
    doc = T.ProfileDocument(PROFILE, {}, (PROFILE + "/v1",), templates)
    verbless = T.ProfileDocument(PROFILE, {}, (), templates[2:])
    cases = [statement(), statement(result={}), statement(verb={"id": "http://adlnet.gov/expapi/verbs/voided"}),
             statement(verb={"id": "x:other"}), statement(verb={"id": ["not", "a", "string"]}), statement(verb=None),
             {"verb": "answered"}, "not a statement"]
    for case in cases:
        for d in (doc, verbless):
            assert d.validates(case, base="$[3]") == T.validates(case, d.templates, base="$[3]"), case
    assert doc.validates(statement()).outcome == "success"
    assert doc.validates(statement(result={})).outcome == "invalid"
    assert verbless.validates(statement()).outcome == "unmatched"


def test_declared_among_the_category_ids():
    doc = T.ProfileDocument(PROFILE, {}, (PROFILE + "/v1",), ())
    assert T.category_ids(statement()) == [PROFILE + "/v1"]
    assert doc.declared_by(statement()) and doc.declared_among([PROFILE])
    odd = statement(context={"contextActivities": {"category": [{"id": ["x"]}, "x", {"id": PROFILE}]}})
    assert T.category_ids(odd) == [PROFILE] and doc.declared_by(odd)
    assert not doc.declared_by(statement(context={})) and not doc.declared_among([])
