"""Benchmark: the chain-japan scenario on a municipality-sized roster, and where the time goes per position.

Runs the whole profile in-process against the mock chain twice in the same run: a baseline roster (the
demo's: 3 schools, 6 pupils per grade) and a municipality (default 10 schools, about 3,000 learners,
as many guardians, their teachers). For each it prints the wall time of setting the chain up
(generating the roster, loading the mock 校務支援, starting the servers), of the scenario per position
(the timeline's seconds: 校務支援 reads and school-year events, e-portal imports and NRPS, app launches,
LRS reads), of judging the checks, and the ratio municipality / baseline next to the ratio of their
sizes. Target (issue #11): the municipality's scenario runs in minutes.

    python benchmarks/chain.py                      # 10 schools, ~3,000 learners
    python benchmarks/chain.py --schools 4 --per-grade 20    # a quick look
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import yaml

from renkei.harness.core.model import Outcome
from renkei.harness.core.session import RunOptions, RunSession
from renkei.harness.core.targets import load_standards

POSITIONS = ("school_affairs", "eportal", "app", "lrs")


def learners(schools: int, per_grade: int) -> int:
    """Pupils of a generated municipality: 小学校 (6 grades) and 中学校 (3) alternate."""
    elementary = (schools + 1) // 2
    return (elementary * 6 + (schools - elementary) * 3) * per_grade


def run(schools: int, per_grade: int, classes: int, per_class: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="renkei-bench-chain-") as tmp:
        target = Path(tmp) / "chain.yaml"
        target.write_text(yaml.safe_dump({
            "kind": "chain", "name": "benchmark",
            "mocks": {"roster": {"schools": schools, "students_per_grade": per_grade, "seed": 2026}},
            "scenario": {"classes_per_school": classes, "learners_per_class": per_class, "refusals": 2},
            "observation": {"xapi_wait_seconds": 60, "xapi_idle_seconds": 1.0, "timeout_seconds": 120},
        }), encoding="utf-8")
        started = time.perf_counter()
        session = RunSession.create(RunOptions(profile="chain-japan", target=str(target)))
        opened = time.perf_counter()
        first = session.checks[0]
        session.run_check(first)  # runs the scenario (shared by every check)
        scenario = time.perf_counter()
        for check in session.checks[1:]:
            session.run_check(check)
        result = session.finish()
        done = time.perf_counter()
    spent: dict[str, float] = defaultdict(float)
    for event in result.target["chain"]["timeline"]:
        spent[event["position"]] += float(event["seconds"])
    bad = [c.id for c in result.checks if c.outcome is not Outcome.PASSED]
    if bad:
        print(f"  warning: not every check passed: {', '.join(bad)}", file=sys.stderr)
    launches = sum(p["launches"] for p in result.target["chain"]["phases"])
    return {"setup": opened - started, **{p: spent[p] for p in POSITIONS},
            "scenario": scenario - opened, "checks": done - scenario, "total": done - started,
            "launches": float(launches)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--schools", type=int, default=10)
    ap.add_argument("--per-grade", type=int, default=67, help="pupils per grade and school (67: ~3,000 learners)")
    ap.add_argument("--classes", type=int, default=3, help="homerooms sampled per school")
    ap.add_argument("--per-class", type=int, default=2, help="learners sampled per homeroom")
    args = ap.parse_args(argv)
    load_standards()
    base = (3, 6)
    print(f"baseline: {base[0]} schools, {learners(*base):,} learners ...", flush=True)
    small = run(*base, args.classes, args.per_class)
    print(f"municipality: {args.schools} schools, {learners(args.schools, args.per_grade):,} learners ...", flush=True)
    big = run(args.schools, args.per_grade, args.classes, args.per_class)
    size = learners(args.schools, args.per_grade) / learners(*base)
    print(f"\n{'':28}{'baseline s':>12}{'municipality s':>16}{'ratio':>8}   (size ratio {size:.1f}x)")
    labels = {"setup": "setup (roster, mocks)", "school_affairs": "  校務支援 (reads, events)",
              "eportal": "  e-portal (imports, NRPS)", "app": "  LTI launches (e-portal → app)", "lrs": "  LRS (statements)",
              "scenario": "scenario (all positions)", "checks": "judging the checks", "total": "total"}
    for key, label in labels.items():
        ratio = big[key] / small[key] if small[key] else float("nan")
        print(f"{label:28}{small[key]:12.2f}{big[key]:16.2f}{ratio:8.2f}")
    print(f"{'launches':28}{small['launches']:12.0f}{big['launches']:16.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
