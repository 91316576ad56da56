"""``prepare``: the three GET formats of Communication §2.1.3."""

from __future__ import annotations

import copy

from renkei.harness.xapi.model.formats import pick_language, prepare
from renkei.harness.xapi.model.statement import validate_statement
from tests.harness.xapi.model.samples import activity_statement, substatement_statement


def test_exact_is_the_statement() -> None:
    st = activity_statement()
    assert prepare(st, "exact") == st


def test_ids_keeps_only_identifiers() -> None:
    st = activity_statement()
    before = copy.deepcopy(st)
    out = prepare(st, "ids")
    assert st == before
    assert out["actor"] == {"objectType": "Agent", "account": st["actor"]["account"]}
    assert out["verb"] == {"id": st["verb"]["id"]}
    assert out["object"] == {"objectType": "Activity", "id": st["object"]["id"]}
    assert out["context"]["team"] == {"objectType": "Group", "member": [{"objectType": "Agent",
                                                                          "mbox": "mailto:teacher01@example.ed.jp"}]}
    assert out["context"]["contextActivities"]["parent"] == [{"id": "https://example.app.jp/tests/t-01",
                                                              "objectType": "Activity"}]
    assert out["result"] == st["result"]
    assert validate_statement(out) == []
    sub = prepare(substatement_statement(), "ids")
    assert sub["object"]["actor"] == {"objectType": "Agent", "account": sub["object"]["actor"]["account"]}


def test_canonical_keeps_one_language() -> None:
    st = activity_statement()
    st["object"]["definition"]["name"] = {"en-US": "Question 1", "ja-JP": "問題1"}
    out = prepare(st, "canonical", ["ja"])
    assert out["verb"]["display"] == {"ja-JP": "回答した"}
    assert out["object"]["definition"]["name"] == {"ja-JP": "問題1"}
    assert prepare(st, "canonical", ["en-US", "ja"])["verb"]["display"] == {"en-US": "answered"}
    assert prepare(st, "canonical", ["fr"])["verb"]["display"] == {"en-US": "answered"}
    assert out["actor"] == st["actor"]
    assert st["verb"]["display"] == {"en-US": "answered", "ja-JP": "回答した"}


def test_pick_language() -> None:
    m = {"en-US": "a", "ja-JP": "b", "ja": "c"}
    assert pick_language(m, ["ja"]) == {"ja": "c"}
    assert pick_language(m, ["JA-jp"]) == {"ja-JP": "b"}
    assert pick_language(m, ["*"]) == {"en-US": "a"}
    assert pick_language({}, ["ja"]) == {}
