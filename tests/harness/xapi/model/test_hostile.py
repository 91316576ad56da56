"""Random damage to valid statements (seeded, so a failure reproduces): the validators, the
comparison, the formats and the filters never raise, and every problem names a catalogued rule."""

from __future__ import annotations

import copy
import json
import random
from typing import Any

from renkei.harness.xapi.model.compare import differences
from renkei.harness.xapi.model.filters import matches
from renkei.harness.xapi.model.formats import prepare
from renkei.harness.xapi.model.rules import RULES
from renkei.harness.xapi.model.statement import validate_statement, validate_statements
from tests.harness.xapi.model.samples import BASES, LEARNER

ATOMS: list[Any] = [None, True, False, 0, -1, 2**70, 0.5, -1e300, "", "x", "mailto:", "2026-04-01T00:00:00Z",
                    "1fcdd088-66fc-11ec-b362-ebfd340b9cee", "http://adlnet.gov/expapi/verbs/voided", "SubStatement",
                    "StatementRef", "Group", "Agent", "Activity", "ja-JP"]


def _random_value(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if depth > 3 or roll < 0.6:
        return rng.choice(ATOMS)
    if roll < 0.8:
        return [_random_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    keys = ["id", "objectType", "mbox", "member", "account", "homePage", "name", "display", "definition", "object",
            "actor", "verb", "score", "raw", "min", "max", "contextActivities", "parent", "extensions"]
    return {rng.choice(keys): _random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))}


def _containers(doc: Any) -> list[Any]:
    out, todo = [], [doc]
    while todo:
        node = todo.pop()
        if isinstance(node, dict | list):
            out.append(node)
            todo.extend(node.values() if isinstance(node, dict) else node)
    return out


def _damage(rng: random.Random, doc: dict[str, Any]) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    for _ in range(rng.randint(1, 4)):
        node = rng.choice(_containers(doc))
        if isinstance(node, dict):
            key = rng.choice([*node.keys(), "objectType", "extra"]) if node else "id"
            if rng.random() < 0.2:
                node.pop(key, None)
            else:
                node[key] = _random_value(rng)
        elif node:
            node[rng.randrange(len(node))] = _random_value(rng)
    return doc


def test_random_damage_never_raises() -> None:
    rng = random.Random(20260401)
    bases = [make() for make in BASES.values()]
    for _ in range(1000):
        base = rng.choice(bases)
        doc = _damage(rng, base)
        for version in ("1.0.3", "2.0.0"):
            for sent_by_lrp in (True, False):
                problems = validate_statement(doc, version, sent_by_lrp=sent_by_lrp)  # type: ignore[arg-type]
                assert all(p.rule in RULES and p.path.startswith("$") for p in problems)
                json.dumps([(p.path, p.message, p.message_ja) for p in problems], ensure_ascii=False)
        differences(base, doc)
        differences(doc, base, strict=True)
        for fmt in ("exact", "ids", "canonical"):
            prepare(doc, fmt, ["ja"])  # type: ignore[arg-type]
        matches(doc, agent=LEARNER, activity="https://x.jp/a", registration="r", verb="v", related_agents=True,
                related_activities=True)
    assert validate_statements([_damage(rng, bases[0]) for _ in range(50)]) is not None
