"""Valid statements the model tests mutate, and the mutation helper. All people are generated."""

from __future__ import annotations

import copy
from typing import Any

DELETE = object()

LEARNER = {"objectType": "Agent", "name": "生成 太郎",
           "account": {"homePage": "https://example.platform.jp", "name": "1fcdd088-66fc-11ec-b362-ebfd340b9cee"}}
TEACHER = {"objectType": "Agent", "mbox": "mailto:teacher01@example.ed.jp"}


def activity_statement() -> dict[str, Any]:
    """An 'answered' statement touching most Data properties (the Japan assessment template's shape)."""
    return {
        "id": "5f0b7d7e-3d55-4c2a-9a1e-8d2f6c1b0a11",
        "actor": copy.deepcopy(LEARNER),
        "verb": {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en-US": "answered", "ja-JP": "回答した"}},
        "object": {
            "objectType": "Activity",
            "id": "https://example.app.jp/questions/q-001",
            "definition": {
                "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
                "name": {"ja-JP": "問題1"},
                "description": {"ja-JP": "分数のたし算"},
                "moreInfo": "https://example.app.jp/help/q-001",
                "interactionType": "choice",
                "correctResponsesPattern": ["b"],
                "choices": [{"id": "a", "description": {"ja-JP": "1/2"}}, {"id": "b", "description": {"ja-JP": "3/4"}}],
                "extensions": {"https://w3id.org/japan-xapi/extensions/course-of-study-code": ["8220263100000000"]},
            },
        },
        "result": {"score": {"scaled": 0.8, "raw": 8, "min": 0, "max": 10}, "success": True, "completion": True,
                   "response": "b", "duration": "PT1M2.5S",
                   "extensions": {"https://example.app.jp/ext/attempt": 1}},
        "context": {
            "registration": "0e9c4a5b-7b0e-4c3f-8f6e-2d1a3b4c5d6e",
            "instructor": copy.deepcopy(TEACHER),
            "team": {"objectType": "Group", "name": "1年1組", "member": [copy.deepcopy(TEACHER)]},
            "contextActivities": {"category": [{"id": "https://w3id.org/japan-xapi/profiles/core"}],
                                  "parent": [{"id": "https://example.app.jp/tests/t-01", "objectType": "Activity"}]},
            "revision": "r1",
            "platform": "example-app",
            "language": "ja-JP",
            "statement": {"objectType": "StatementRef", "id": "9a7c2f0e-1b2d-4e3f-8a9b-0c1d2e3f4a5b"},
            "extensions": {"https://w3id.org/japan-xapi/extensions/grade": ["P5"]},
        },
        "timestamp": "2026-04-01T09:00:00.123+09:00",
        "version": "1.0.3",
        "attachments": [{"usageType": "https://example.app.jp/usage/answer-sheet", "display": {"ja-JP": "解答用紙"},
                         "contentType": "image/png", "length": 1024,
                         "sha2": "a" * 64, "fileUrl": "https://example.app.jp/files/1.png"}],
    }


def substatement_statement() -> dict[str, Any]:
    return {
        "actor": copy.deepcopy(TEACHER),
        "verb": {"id": "http://adlnet.gov/expapi/verbs/planned"},
        "object": {"objectType": "SubStatement", "actor": copy.deepcopy(LEARNER),
                   "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
                   "object": {"id": "https://example.app.jp/units/u-3"},
                   "timestamp": "2026-04-02T00:00:00Z"},
    }


def voiding_statement() -> dict[str, Any]:
    return {"actor": copy.deepcopy(TEACHER), "verb": {"id": "http://adlnet.gov/expapi/verbs/voided"},
            "object": {"objectType": "StatementRef", "id": "5f0b7d7e-3d55-4c2a-9a1e-8d2f6c1b0a11"}}


BASES = {"activity": activity_statement, "sub": substatement_statement, "void": voiding_statement}


def mutate(base: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of ``base`` with the dotted ``path`` (``context.team.member.0``) set to ``value`` (or
    removed with ``DELETE``); missing objects on the way are created."""
    doc = copy.deepcopy(base)
    if path == "":
        return value
    node: Any = doc
    parts = path.split(".")
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
    last = parts[-1]
    if isinstance(node, list):
        if value is DELETE:
            del node[int(last)]
        else:
            node[int(last)] = value
    elif value is DELETE:
        node.pop(last, None)
    else:
        node[last] = value
    return doc
