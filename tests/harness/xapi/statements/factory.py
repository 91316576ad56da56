"""Synthetic statements for the xapi-statements tests: a Japan-profile-conformant ``answered`` statement
and its variants. Every id is generated from a seeded random source (no real people or products)."""

from __future__ import annotations

import copy
import random
import uuid
from typing import Any

HOME_PAGE = "https://portal.example.jp"
EXT = "https://w3id.org/japan-xapi/extensions/"
ASSESSMENT = "https://w3id.org/japan-xapi/profiles/assessment/v1.0.0"
_rng = random.Random(20260401)


def synthetic_uuid(rng: random.Random = _rng) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


LEARNER = synthetic_uuid()


def answered(n: int = 0, *, learner: str = LEARNER, rng: random.Random = _rng) -> dict[str, Any]:
    raw = n % 11
    return {
        "id": synthetic_uuid(rng),
        "timestamp": f"2026-05-12T09:{n % 60:02d}:00.000+09:00",
        "actor": {"objectType": "Agent", "account": {"homePage": HOME_PAGE, "name": learner}},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en": "answered", "ja-JP": "解答した"}},
        "object": {"objectType": "Activity", "id": f"https://drill.example.jp/items/q-{n:04d}",
                   "definition": {"type": "http://adlnet.gov/expapi/activities/question",
                                  "name": {"ja-JP": f"問{n + 1}", "en": f"Question {n + 1}"},
                                  "description": {"ja-JP": "分数のたし算", "en": "Adding fractions"},
                                  "extensions": {EXT + "course-of-study-code": ["8220263100000000"]}}},
        "result": {"score": {"scaled": raw / 10, "raw": raw, "min": 0, "max": 10}, "success": raw >= 6,
                   "duration": "PT45S"},
        "context": {"platform": "ドリル X", "language": "ja-JP", "registration": synthetic_uuid(rng),
                    "contextActivities": {"category": [{"id": ASSESSMENT}]},
                    "extensions": {EXT + "grade": ["P4"], EXT + "subject": ["P030"], EXT + "question-order": n + 1}},
        "version": "1.0.3",
    }


def variant(statement: dict[str, Any], path: str, value: Any = ..., *, delete: bool = False) -> dict[str, Any]:
    """A copy with the dotted ``path`` set to ``value`` (or deleted)."""
    out = copy.deepcopy(statement)
    *parents, last = path.split(".")
    node = out
    for p in parents:
        node = node[int(p)] if isinstance(node, list) else node[p]
    if delete:
        del node[last]
    else:
        node[last] = value
    return out
