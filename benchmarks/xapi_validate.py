"""Benchmark: xAPI statement validation vs. ``json.loads`` of the same bytes, in the same run.

Generates ``n`` realistic statements (the Japan assessment/LMS shapes: account actor, ja-JP language
maps, contextActivities, score, extensions; a share with sub-statements, groups and attachments),
serialises them as one JSON array, then times

1. ``json.loads`` of the bytes (the baseline every consumer pays anyway), and
2. ``validate_statements`` of the parsed array,

each the best of a few rounds, and prints the ratio validation / parse. Target (issue 8): <= 3.

    python benchmarks/xapi_validate.py            # 20,000 statements
    python benchmarks/xapi_validate.py -n 2000
"""

from __future__ import annotations

import argparse
import json
import random
import time
import uuid
from typing import Any

from renkei.harness.xapi.model.statement import validate_statements

VERBS = ("answered", "attempted", "completed", "launched", "initialized", "responded")
TYPES = ("http://adlnet.gov/expapi/activities/cmi.interaction", "http://adlnet.gov/expapi/activities/assessment",
         "http://id.tincanapi.com/activitytype/school-assignment")


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def statement(rng: random.Random, i: int) -> dict[str, Any]:
    """One generated statement (no real people: names are UUIDs on a made-up platform)."""
    verb = VERBS[i % len(VERBS)]
    st: dict[str, Any] = {
        "id": _uuid(rng),
        "actor": {"objectType": "Agent", "account": {"homePage": "https://example.platform.jp", "name": _uuid(rng)}},
        "verb": {"id": f"http://adlnet.gov/expapi/verbs/{verb}", "display": {"en": verb, "ja-JP": verb + "した"}},
        "object": {"objectType": "Activity", "id": f"https://example.app.jp/questions/q-{i % 500:04d}",
                   "definition": {"type": TYPES[i % 3], "name": {"ja-JP": f"問題{i % 500}", "en-US": f"Q{i % 500}"},
                                  "description": {"ja-JP": "分数のたし算"},
                                  "extensions": {"https://w3id.org/japan-xapi/extensions/course-of-study-code":
                                                 ["8220263100000000"]}}},
        "context": {"registration": _uuid(rng), "platform": "example-app", "language": "ja-JP",
                    "contextActivities": {
                        "parent": [{"id": f"https://example.app.jp/tests/t-{i % 40:03d}", "objectType": "Activity"}],
                        "category": [{"id": "https://w3id.org/japan-xapi/profiles/core"}]},
                    "extensions": {"https://w3id.org/japan-xapi/extensions/grade": ["P5"],
                                   "https://w3id.org/japan-xapi/extensions/subject": ["算数"]}},
        "timestamp": f"2026-04-{1 + i % 28:02d}T09:{i % 60:02d}:{(i * 7) % 60:02d}.{i % 1000:03d}+09:00",
        "version": "1.0.3",
    }
    if verb == "answered":
        raw = rng.randint(0, 10)
        st["result"] = {"score": {"scaled": raw / 10, "raw": raw, "min": 0, "max": 10}, "success": raw >= 6,
                        "completion": True, "response": "b", "duration": f"PT{rng.randint(5, 300)}.{i % 100}S"}
        st["object"]["definition"].update(interactionType="choice", correctResponsesPattern=["b"],
                                          choices=[{"id": c, "description": {"ja-JP": c}} for c in "abcd"])
    if i % 10 == 0:
        st["context"]["team"] = {"objectType": "Group", "name": "1年1組",
                                 "member": [{"mbox": f"mailto:s{j:02d}@example.ed.jp"} for j in range(3)]}
        st["context"]["instructor"] = {"mbox_sha1sum": f"{i:040x}"}
    if i % 25 == 0:
        st["object"] = {"objectType": "SubStatement", "actor": st["actor"],
                        "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
                        "object": {"id": "https://example.app.jp/units/u-3"}}
        st["context"].pop("platform")
    if i % 50 == 0:
        st["attachments"] = [{"usageType": "https://example.app.jp/usage/answer-sheet", "display": {"ja-JP": "解答用紙"},
                              "contentType": "image/png", "length": 1024, "sha2": f"{i:064x}"}]
    return st


def _best(fn: Any, rounds: int) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(rounds):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def measure_validate(n: int = 20000, rounds: int = 3, seed: int = 8) -> dict[str, Any]:
    """Times ``json.loads`` and ``validate_statements`` on ``n`` generated statements; the result has
    both times (s), the ratio, the body size and the number of problems (0: the generator is valid)."""
    rng = random.Random(seed)
    body = json.dumps([statement(rng, i) for i in range(n)], ensure_ascii=False).encode()
    parse_s, parsed = _best(lambda: json.loads(body), rounds)
    validate_s, problems = _best(lambda: validate_statements(parsed), rounds)
    return {"statements": n, "bytes": len(body), "json_loads_s": parse_s, "validate_s": validate_s,
            "ratio": validate_s / parse_s, "problems": len(problems),
            "statements_per_s": n / validate_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=20000, help="statements to generate (default 20,000)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    r = measure_validate(args.n, args.rounds)
    print(f"{r['statements']:,} statements, {r['bytes'] / 1e6:.1f} MB JSON; problems: {r['problems']}")
    print(f"json.loads          {r['json_loads_s'] * 1000:8.1f} ms")
    print(f"validate_statements {r['validate_s'] * 1000:8.1f} ms  ({r['statements_per_s']:,.0f} statements/s)")
    print(f"ratio validate / json.loads = {r['ratio']:.2f}  (target <= 3)")


if __name__ == "__main__":
    main()
