"""``quick.surely_valid`` never says valid where the full validator finds a problem: on every rule's
failing case of ``test_statement``, on random mutations of valid statements, and on hostile values;
and it does say valid for the common shapes (otherwise it saves nothing)."""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest

from renkei.harness.xapi.model.quick import surely_valid
from renkei.harness.xapi.model.statement import validate_in_full, validate_statement
from renkei.harness.xapi.model.values import VOIDED as V_VOIDED
from tests.harness.xapi.model.samples import BASES, DELETE, LEARNER, TEACHER, mutate
from tests.harness.xapi.model.test_statement import BAD

POOL: list[Any] = [None, True, False, 0, 1, -1, 2.5, -2.0, float("nan"), "", " ", "x", "x:y", "a b:c",
                   "https://example.jp/a", "mailto:a@b.jp", "ja-JP", "ja_JP", "Agent", "Group", "Activity",
                   "SubStatement", "StatementRef", "2026-04-01T09:00:00Z", "2026-04-01T09:00:00-00:00",
                   "2026-04-01T09:00:00", "2026-13-01T09:00:00Z", "5f0b7d7e-3d55-4c2a-9a1e-8d2f6c1b0a11",
                   "PT1S", "P", "1.0.3", "2.0.0", "1.0.x", "a" * 40, "a" * 64, "http://adlnet.gov/expapi/verbs/voided",
                   [], [1], ["x"], [None], [{}], {}, {"en": "x"}, {"x": 1}, {"objectType": "Agent"},
                   copy.deepcopy(LEARNER), copy.deepcopy(TEACHER), {"objectType": "Group", "member": []},
                   {"objectType": "Group", "member": [copy.deepcopy(TEACHER)], "mbox": "mailto:g@b.jp"},
                   {"id": "https://example.jp/a"}, {"objectType": "StatementRef", "id": "x"}, {1: 2}]
KEYS = ["objectType", "id", "name", "mbox", "account", "member", "display", "definition", "extensions",
        "type", "score", "raw", "min", "max", "scaled", "registration", "platform", "revision", "language",
        "statement", "contextActivities", "parent", "team", "instructor", "usageType", "length", "sha2", "Id"]


def _nodes(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _nodes(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _nodes(v, (*path, i))
    return out


def _mutated(base: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    doc = copy.deepcopy(base)
    for _ in range(rng.choice((1, 1, 2))):
        path = rng.choice(_nodes(doc)[1:])
        parent: Any = doc
        for step in path[:-1]:
            parent = parent[step]
        last = path[-1]
        roll = rng.random()
        if roll < 0.2 and isinstance(parent, dict):
            del parent[last]
        elif roll < 0.35 and isinstance(parent[last], dict):
            parent[last][rng.choice(KEYS)] = copy.deepcopy(rng.choice(POOL))
        else:
            parent[last] = copy.deepcopy(rng.choice(POOL))
    return doc


def _held(statement: Any, version: str = "1.0.3", sent_by_lrp: bool = True) -> None:
    if surely_valid(statement, version, sent_by_lrp):
        assert validate_in_full(statement, version, sent_by_lrp=sent_by_lrp) == [], statement  # type: ignore[arg-type]


@pytest.mark.parametrize(("base", "path", "value", "version", "rule", "where"), BAD)
def test_no_rule_case_is_called_valid(base: str, path: str, value: Any, version: str, rule: str, where: str) -> None:
    statement = mutate(BASES[base](), path, value)
    assert not surely_valid(statement, version, True)
    assert validate_statement(statement, version) == validate_in_full(statement, version)  # type: ignore[arg-type]


def test_common_shapes_are_recognised() -> None:
    for name in ("activity", "sub"):
        assert surely_valid(BASES[name](), "1.0.3", True), name
    assert not surely_valid(BASES["void"](), "1.0.3", True)  # voiding: always the full walk
    assert not surely_valid(BASES["activity"](), "2.0.0", True)  # 2.0: always the full walk
    assert not surely_valid(BASES["activity"](), "1.0.3", False)  # as an LRS returns it: the full walk


def test_random_mutations_never_disagree() -> None:
    rng = random.Random(6)
    called_valid = 0
    for i in range(3000):
        base = BASES[("activity", "sub", "void")[i % 3]]()
        statement = _mutated(base, rng)
        _held(statement)
        called_valid += surely_valid(statement, "1.0.3", True)
    assert called_valid > 100  # the mutations that stay valid are recognised too (the test can see both sides)


def test_hostile_values_never_disagree() -> None:
    base = BASES["activity"]()
    for path in ("actor", "actor.account", "verb", "verb.display", "object", "object.definition",
                 "object.definition.choices", "result.score", "context", "context.contextActivities",
                 "context.contextActivities.parent", "context.team", "context.team.member", "timestamp",
                 "attachments", "authority", "stored", "version", "context.extensions", "context.language",
                 "context.platform", "verb.id", "object.id", "object.definition.type", "id", "context.registration"):
        for value in [*POOL, DELETE]:
            _held(mutate(base, path, value))


def test_objects_met_before_are_judged_by_value_not_by_id() -> None:
    """An activity (or contextActivities) equal to one judged valid before is valid; one with the same
    id but any other value is walked again, so a change of type, a bad IRI or a number where a string
    belongs is found, whatever was seen before."""
    base = BASES["activity"]()
    assert surely_valid(base, "1.0.3", True)
    same = copy.deepcopy(base)
    assert surely_valid(same, "1.0.3", True)  # answered from what was kept
    for path, value in (("object.definition.type", 1), ("object.definition.type", True), ("object.definition.type", "x y"),
                        ("object.definition.name", {"ja-JP": 1}), ("object.objectType", "Agent"),
                        ("context.contextActivities.parent", [{"id": "not an iri"}]),
                        ("context.contextActivities.parent", [{"id": True}]), ("verb.display", {"en": 1}),
                        ("verb.display", {"ja_JP": "x"}), ("verb.id", V_VOIDED)):
        changed = mutate(copy.deepcopy(base), path, value)
        assert not surely_valid(changed, "1.0.3", True), (path, value)
        assert validate_in_full(changed, "1.0.3") != [], (path, value)
    assert surely_valid(copy.deepcopy(base), "1.0.3", True)  # and the valid one still is
    team = {"objectType": "Group", "name": "1年1組", "member": [{"mbox": "mailto:s01@example.ed.jp"}]}
    with_team = mutate(copy.deepcopy(base), "context.team", team)
    assert surely_valid(with_team, "1.0.3", True) and surely_valid(copy.deepcopy(with_team), "1.0.3", True)
    for member in ({"mbox": "s01@example.ed.jp"}, {"mbox": 1}, {"mbox": "mailto:s01@example.ed.jp", "openid": "x:y"}):
        changed = mutate(copy.deepcopy(with_team), "context.team", {**team, "member": [member]})
        assert not surely_valid(changed, "1.0.3", True) and validate_in_full(changed, "1.0.3") != [], member


def test_what_is_kept_is_bounded_and_a_private_copy() -> None:
    from renkei.harness.xapi.model.quick import _Seen

    seen = _Seen()
    value = {"id": "https://example.app.jp/a", "definition": {"name": {"ja-JP": "問題"}}}
    seen.add("k", value)
    value["definition"]["name"]["ja-JP"] = "changed later by a caller"
    assert not seen.has("k", value)  # the kept copy is what was judged
    seen.add("big", {"id": "x" * (_Seen.MAX_BYTES + 1)})
    assert "big" not in seen.found
    for n in range(_Seen.PER_KEY + 3):
        seen.add("k", {"n": n})
    assert len(seen.found["k"]) == _Seen.PER_KEY and seen.has("k", {"n": _Seen.PER_KEY + 2})
    for n in range(_Seen.MAX_KEYS + 10):
        seen.add(f"key{n}", {"n": n})
    assert len(seen.found) <= _Seen.MAX_KEYS
    big = {"id": "x" * (_Seen.MAX_BYTES - 100)}
    for n in range(_Seen.MAX_TOTAL // len(big["id"]) + 10):  # kept bytes, not only keys, are bounded
        seen.add(f"big{n}", big)
        assert seen.total <= _Seen.MAX_TOTAL
