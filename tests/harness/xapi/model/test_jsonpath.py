"""The JSONPath subset of xAPI Profiles rules: what it finds, the paths it reports, what it refuses."""

from __future__ import annotations

import re

import pytest

from renkei.harness.xapi.model import jsonpath

STATEMENT = {
    "actor": {"account": {"homePage": "https://portal.example.jp", "name": "u-1"}},
    "context": {
        "contextActivities": {"category": [{"id": "https://w3id.org/japan-xapi/profiles/core"}, {"id": "x:y"}]},
        "extensions": {"https://w3id.org/japan-xapi/extensions/grade": ["P3"]},
    },
    "result": {"score": {"raw": 3, "max": 5}},
}


def test_member_steps_and_bracket_names():
    assert jsonpath.parse("$.actor.account.name").values(STATEMENT) == ["u-1"]
    assert jsonpath.parse("$['actor'][\"account\"]['homePage']").values(STATEMENT) == ["https://portal.example.jp"]
    found = jsonpath.find(STATEMENT, "$.context.extensions['https://w3id.org/japan-xapi/extensions/grade']")
    assert found == [jsonpath.Match("$.context.extensions['https://w3id.org/japan-xapi/extensions/grade']", ["P3"])]


def test_wildcards_indexes_and_unions_report_concrete_paths():
    found = jsonpath.find(STATEMENT, "$.context.contextActivities.category[*].id")
    assert [m.path for m in found] == ["$.context.contextActivities.category[0].id",
                                       "$.context.contextActivities.category[1].id"]
    assert jsonpath.parse("$.context.contextActivities.category[-1].id").values(STATEMENT) == ["x:y"]
    assert jsonpath.parse("$.result.score['raw','max']").values(STATEMENT) == [3, 5]
    assert jsonpath.parse("$.result.score.*").values(STATEMENT) == [3, 5]
    assert jsonpath.parse("$.context.contextActivities.category[0,1].id").values(STATEMENT) == [
        "https://w3id.org/japan-xapi/profiles/core", "x:y"]


def test_alternatives_join_in_order():
    path = jsonpath.parse("$.result.score.min | $.result.score.max|$.actor.account.name")
    assert path.values(STATEMENT) == [5, "u-1"]


def test_missing_members_and_out_of_range_indexes_find_nothing():
    assert jsonpath.find(STATEMENT, "$.object.id") == []
    assert jsonpath.find(STATEMENT, "$.context.contextActivities.category[5]") == []
    assert jsonpath.find(STATEMENT, "$.actor.account.name.deeper") == []
    assert jsonpath.find(STATEMENT, "$") == [jsonpath.Match("$", STATEMENT)]


def test_a_base_prefixes_selector_paths():
    found = jsonpath.parse("$.id").find({"id": "a"}, base="$.object")
    assert found == [jsonpath.Match("$.object.id", "a")]


def test_quoted_names_with_quotes_round_trip():
    doc = {"it's": 1}
    found = jsonpath.find(doc, "$['it\\'s']")
    assert found[0].value == 1
    assert jsonpath.find(doc, found[0].path)[0].value == 1


@pytest.mark.parametrize("path, why", [
    ("actor.name", "must start with '$'"),
    ("$..name", "recursive descent"),
    ("$.a[?(@.b)]", "filter and script"),
    ("$.a[(@.length-1)]", "filter and script"),
    ("$.a[0:2]", "slices"),
    ("$.a['b'", "',' or ']' expected"),
    ("$.a['b", "unterminated"),
    ("$.a.", "member name is expected"),
    ("$.a b", "unexpected 'b'"),
    ("$" + ".a" * 65, "more than 64 steps"),
])
def test_paths_outside_the_subset_are_refused_with_the_position(path, why):
    with pytest.raises(jsonpath.JsonPathError, match=re.escape(why)):
        jsonpath.parse(path)


def test_a_path_must_be_a_bounded_string():
    with pytest.raises(jsonpath.JsonPathError, match="must be a string"):
        jsonpath.parse(5)  # type: ignore[arg-type]
    with pytest.raises(jsonpath.JsonPathError, match="longer than"):
        jsonpath.parse("$." + "a" * 3000)
