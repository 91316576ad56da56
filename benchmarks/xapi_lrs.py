"""Benchmark: statements POSTed to the mock LRS (in-process) against the same rows written straight into SQLite.

The mock's path per batch: HTTP request through the ASGI app, body limit, Basic auth, JSON parse, the
model's full statement validation, id assignment, conflict and voiding look-ups, the LRS-set properties,
the statement index (agents, activities, activity definitions) and one SQLite transaction. The baseline,
in the same run and on the same machine: the same statement documents and the same index rows inserted
with ``executemany`` in one transaction per batch into a fresh WAL database with the store's schema. The
ratio (mock throughput / baseline throughput) is what the mock's request handling costs over the storage
it cannot avoid; target ``TARGET_RATIO``. Exits 1 when the target is missed.

    python benchmarks/xapi_lrs.py              # 5000 statements, batches of 100
    python benchmarks/xapi_lrs.py --n 20000 --batch 500
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from renkei.mocks.lrs.app import create_app
from renkei.mocks.lrs.config import LrsClient, LrsConfig
from renkei.mocks.lrs.index import derive
from renkei.mocks.lrs.store import SCHEMA, stamp

TARGET_RATIO = 0.3
HEADERS = {"X-Experience-API-Version": "1.0.3", "Authorization": "Basic YmVuY2g6YmVuY2g=",  # bench:bench
           "Content-Type": "application/json"}


def statements(n: int) -> list[dict[str, Any]]:
    """Generated learners answering generated questions (no real person)."""
    return [{"id": str(uuid.uuid4()),
             "actor": {"objectType": "Agent", "name": f"生徒{i % 500}",
                       "account": {"homePage": "https://portal.example.jp", "name": f"learner-{i % 500:05d}"}},
             "verb": {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"ja-JP": "回答した"}},
             "object": {"objectType": "Activity", "id": f"https://app.example.jp/q/{i % 200}",
                        "definition": {"name": {"ja-JP": f"問題{i % 200}"},
                                       "type": "http://adlnet.gov/expapi/activities/cmi.interaction"}},
             "result": {"score": {"scaled": 0.5, "raw": 5, "min": 0, "max": 10}, "success": True},
             "context": {"registration": str(uuid.uuid4()), "platform": "renkei bench", "language": "ja-JP",
                         "contextActivities": {"parent": [{"id": "https://app.example.jp/unit/1"}]}},
             "timestamp": "2026-12-04T01:02:03.456Z"} for i in range(n)]


async def _post_all(batches: list[bytes], db: Path) -> float:
    app = create_app(LrsConfig(clients=[LrsClient(key="bench", secret="bench")], db_path=db,
                               max_body_bytes=64 * 1024 * 1024, max_batch=100_000))
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://lrs") as client:
            start = time.perf_counter()
            for body in batches:
                r = await client.post("/xapi/statements", content=body, headers=HEADERS)
                if r.status_code != 200:
                    raise SystemExit(f"the mock refused a batch: {r.status_code} {r.text[:300]}")
            return time.perf_counter() - start
    finally:
        app.state.store.close()


def _baseline(sts: list[dict[str, Any]], batch: int, db: Path) -> float:
    conn = sqlite3.connect(str(db), isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.executescript(SCHEMA)
    start = time.perf_counter()
    seq = 0
    for at in range(0, len(sts), batch):
        rows, agents, activities = [], [], []
        now = stamp()
        for st in sts[at:at + batch]:
            seq += 1
            idx = derive(st)
            rows.append((seq, st["id"], now, idx.verb, idx.registration, idx.target, int(idx.voiding),
                         json.dumps(st, ensure_ascii=False, separators=(",", ":"))))
            agents += [(k, r, seq) for k, r in idx.agents]
            activities += [(a, r, seq) for a, r in idx.activities]
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("INSERT INTO statements(seq, id, stored, verb, registration, target, voiding, doc) "
                         "VALUES (?,?,?,?,?,?,?,?)", rows)
        conn.executemany("INSERT OR IGNORE INTO statement_agents VALUES (?,?,?)", agents)
        conn.executemany("INSERT OR IGNORE INTO statement_activities VALUES (?,?,?)", activities)
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def measure_store(n: int = 5000, batch: int = 100, repeat: int = 3) -> dict[str, Any]:
    """Statements per second through the mock and straight into SQLite (best of ``repeat`` runs each,
    alternating: a shared machine only ever adds time), and their ratio."""
    sts = statements(n)
    bodies = [json.dumps(sts[i:i + batch], ensure_ascii=False).encode() for i in range(0, n, batch)]
    mock_s = base_s = float("inf")
    for run in range(max(1, repeat)):
        with tempfile.TemporaryDirectory(prefix="renkei-bench-") as tmp:
            mock_s = min(mock_s, asyncio.run(_post_all(bodies, Path(tmp) / f"mock{run}.sqlite")))
            base_s = min(base_s, _baseline(sts, batch, Path(tmp) / f"baseline{run}.sqlite"))
    mock_rate, base_rate = n / mock_s, n / base_s
    return {"statements": n, "batch": batch, "repeat": repeat, "mock_per_s": round(mock_rate), "baseline_per_s": round(base_rate),
            "ratio": round(mock_rate / base_rate, 3), "target": TARGET_RATIO}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    result = measure_store(args.n, args.batch, args.repeat)
    print(json.dumps(result))
    print(f"mock {result['mock_per_s']} statements/s, baseline {result['baseline_per_s']}/s, "
          f"ratio {result['ratio']} (target >= {TARGET_RATIO})")
    return 0 if result["ratio"] >= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
