"""The statements a run writes, all marked as this run's (activity ids under its run IRI).

The learner is a generated account (homePage ``https://renkei.invalid``, a UUID name), never a real
person; names and descriptions carry Japanese so every round trip also tests UTF-8 (Communication §1.4).
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

HOME_PAGE = "https://renkei.invalid"
VERB = {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en-US": "experienced", "ja-JP": "体験した"}}
VOIDED = "http://adlnet.gov/expapi/verbs/voided"


def learner(name: str | None = None) -> dict[str, Any]:
    return {"objectType": "Agent", "name": "renkei テスト学習者",
            "account": {"homePage": HOME_PAGE, "name": name or str(uuid.uuid4())}}


def statement(run_iri: str, name: str, *, registration: str | None = None, actor: dict[str, Any] | None = None,
              verb: dict[str, Any] | None = None, with_id: bool = True) -> dict[str, Any]:
    """A valid statement about the activity ``<run_iri>activity/<name>`` (a fresh copy: corpus rows
    mutate it in place)."""
    out: dict[str, Any] = {
        "actor": copy.deepcopy(actor) if actor else learner(),
        "verb": copy.deepcopy(verb or VERB),
        "object": {"objectType": "Activity", "id": f"{run_iri}activity/{name}",
                   "definition": {"name": {"ja-JP": "確認テスト 第1問", "en-US": "Check test, question 1"},
                                  "description": {"ja-JP": "漢字の読み方 (ひらがな・カタカナ)"},
                                  "type": "http://adlnet.gov/expapi/activities/assessment"}},
        "context": {"registration": registration or str(uuid.uuid4()),
                    "contextActivities": {"parent": [{"id": f"{run_iri}activity/course"}]}},
        "timestamp": "2026-04-01T09:00:00.000Z",
    }
    if with_id:
        out["id"] = str(uuid.uuid4())
    return out


def voiding(run_iri: str, target_id: str) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "actor": learner(),
            "verb": {"id": VOIDED, "display": {"en-US": "voided"}},
            "object": {"objectType": "StatementRef", "id": target_id},
            "context": {"contextActivities": {"grouping": [{"id": f"{run_iri}activity/voiding"}]}}}
