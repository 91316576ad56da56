"""The fast forms of the Japan rules say what the plain forms say: the compiled presence test of the common
rules, the extension objects found without JSONPath, and one look at each extension for both its shape
and its name."""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest

from renkei.harness.xapi.model import jsonpath
from renkei.harness.xapi.statements import japan
from renkei.harness.xapi.statements.target import Statement
from tests.harness.xapi.statements.factory import answered

EXT = japan.EXTENSIONS_BASE


def _drop_one(statement: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """A copy with one member somewhere removed, or replaced by a non-object."""
    doc = copy.deepcopy(statement)
    node: Any = doc
    while True:
        key = rng.choice(list(node))
        if isinstance(node[key], dict) and node[key] and rng.random() < 0.6:
            node = node[key]
            continue
        if rng.random() < 0.7:
            del node[key]
        else:
            node[key] = rng.choice([None, "x", 1, []])
        return doc


def test_compiled_presence_is_every_path_present() -> None:
    tree = japan._presence_tree()
    assert tree is not None
    has_all = japan.compile_presence(tree)
    paths = [r.location for r in japan.common_rules()]
    rng = random.Random(7)
    base = answered(1)
    assert has_all(base) and all(p.present(base) for p in paths)
    for _ in range(400):
        doc = _drop_one(base, rng)
        assert has_all(doc) is all(p.present(doc) for p in paths), doc
    assert not has_all(None) and not has_all([]) and not has_all({})


def test_compiled_presence_takes_any_member_name() -> None:
    """Names go into the generated source as literals: quotes, backslashes and line breaks are just names."""
    odd = "a'b\"c\\d\n}:"
    has_all = japan.compile_presence({odd: {"x": {}}, "plain": {}})
    assert has_all({odd: {"x": 1}, "plain": 0})
    assert not has_all({odd: {"y": 1}, "plain": 0}) and not has_all({odd: "x", "plain": 0})


def test_extension_objects_are_what_jsonpath_finds() -> None:
    st = answered(1)
    st["result"]["extensions"] = {EXT + "content-type": "hint"}
    found = japan.extension_objects(st)
    expected = [(place, m.value) for place, _ in japan.EXTENSION_PLACES for m in jsonpath.find(st, place)
                if isinstance(m.value, dict) and m.value]
    assert found == expected and [p for p, _ in found] == [p for p, _ in japan.EXTENSION_PLACES]
    st["context"]["extensions"] = {}
    st["object"]["definition"] = "not an object"
    assert [p for p, _ in japan.extension_objects(st)] == ["$.result.extensions"]
    assert japan.extension_objects([st]) == [] and japan.extension_objects(None) == []


@pytest.mark.parametrize(("extensions", "shapes", "names"), [
    ({EXT + "grade": ["P5"], EXT + "unit": ["u1"]}, [], []),
    ({EXT + "grade": "P5"}, ["$.context.extensions['https://w3id.org/japan-xapi/extensions/grade']"], []),
    ({EXT + "gradee": ["P5"]}, [], ["$.context.extensions['https://w3id.org/japan-xapi/extensions/gradee']"]),
    ({japan.OLD_BASE + "grade": ["P5"]}, [], ["$.context.extensions['https://w3id.org/xapi-japan-profiles/grade']"]),
    ({"https://example.app.jp/ext/own": {"any": "thing"}}, [], []),
])
def test_one_look_gives_shape_and_name_problems(extensions: dict[str, Any], shapes: list[str], names: list[str]) -> None:
    st = {"context": {"extensions": extensions}}
    got_shapes, got_names = japan.extension_problems(st)
    assert [p.path for p in got_shapes] == shapes and [p.path for p in got_names] == names
    assert japan.extension_value_problems(st) == got_shapes and japan.unknown_extension_problems(st) == got_names


def test_surely_common_is_no_problem_from_any_common_rule() -> None:
    rng = random.Random(11)
    base = answered(1)
    variants = [base, {**base, "version": "1.0.2"}, {**base, "version": "2.0.0"}, {**base, "version": 103},
                {**base, "actor": {**base["actor"], "mbox": "mailto:a@example.ed.jp"}},
                {**base, "actor": {"objectType": "Group", "mbox": "mailto:g@example.ed.jp", "account": {}}}]
    variants += [_drop_one(base, rng) for _ in range(300)]
    for doc in variants:
        common = japan.common_problems_by_presence(doc)
        nothing = not (common["included"] or common["recommended"] or japan.actor_problems(doc)
                       or japan.version_problems(doc))
        assert japan.surely_common(doc) is nothing, doc


def test_common_problems_are_the_rules_judged_one_by_one() -> None:
    """The prebuilt rule tests report what each rule, judged by the Profiles algorithm, says."""
    from renkei.harness.xapi.model import templates

    rng = random.Random(5)
    base = answered(1)
    for doc in [base, {}, *(_drop_one(base, rng) for _ in range(300))]:
        got = japan.common_problems_by_presence(doc)
        stmt = templates.normalize(doc)
        for presence in ("included", "recommended"):
            expected = [r.location.text for r in japan.common_rules() if r.presence == presence
                        and not templates.follows_rule(stmt, templates.Rule(r.location, r.selector, "included")).followed]
            assert [p.path for p in got[presence]] == expected, (presence, doc)


def test_outcomes_by_verb_are_what_validates_finds() -> None:
    """Where a document's outcome follows from the verb alone, it is the outcome validates finds on any
    statement with that verb; the templates layer's shortcut gives the full judgement's answer."""
    from renkei.harness.xapi.model import templates
    from renkei.harness.xapi.statements import checks_templates

    docs = [templates.load_profile_file(japan.fixture(n)) for n in japan.JAPAN_DOCUMENTS]
    verbs = sorted({t.verb for d in docs for t in d.templates if t.verb}) + ["https://example.app.jp/verbs/own"]
    rng = random.Random(3)
    statements = []
    for verb in verbs:
        st = answered(1)
        st["verb"] = {"id": verb, "display": {"en": "x"}}
        statements += [st, _drop_one(st, rng), variant_category(st, docs[0].id), variant_category(st, docs[1].id)]
    judges = {mode: checks_templates._judge(docs, mode) for mode in ("all", "declared")}
    for st in statements:
        verb = st.get("verb")
        vid = verb.get("id") if isinstance(verb, dict) else None
        for doc in docs:
            fixed = doc.fixed_outcome(vid)
            if fixed is not None and isinstance(st, dict):
                assert doc.validates(st) == fixed
        stmt, category = templates.normalize_with_category(st)
        full = [(d, d.declared_among(category), d.validates_normalized(stmt)) for d in docs]
        for mode, judge in judges.items():  # what the Profiles algorithm says, by the rules of the two modes
            expected = []
            for _doc, declared, r in full:
                if mode == "declared" and not declared:
                    continue
                if r.outcome == "invalid":
                    expected += [("xapi.profile.templates", p.path) for p in r.problems]
                elif r.outcome == "unmatched" and declared:
                    expected.append(("xapi.profile.declared", "$.context.contextActivities.category"))
            got = [(f.check, f.problem.path) for f in judge(Statement(0, st, {}))]
            assert got == expected, (mode, st.get("verb"))


def variant_category(statement: dict[str, Any], profile: str) -> dict[str, Any]:
    st = copy.deepcopy(statement)
    st.setdefault("context", {}).setdefault("contextActivities", {})["category"] = [{"id": profile}]
    return st
