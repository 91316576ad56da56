"""Benchmark: OneRoster CSV validation vs. the fastest plain CSV parse of the same bundle.

Generates a Japanese roster bundle (default: prefecture scale, about 1,000,000 users and
5,000,000 enrollments), then measures in separate child processes, in the same run:

1. raw parse with polars (``pl.read_csv`` of every member, all columns as strings),
2. raw parse with the csv module (every row of every member),
3. ``renkei run`` of the profile on the bundle,

and prints wall times, the ratio validation / fastest raw parse, and each child's peak RSS. All of it
twice: on the zip (inflating is part of every reader's work) and on the same files extracted to a
folder (pure parsing against validation).
Target (issue #2): ratio <= 3 and validation peak RSS < 2 GiB.

    python benchmarks/csv_validate.py                 # prefecture scale
    python benchmarks/csv_validate.py --scale 0.05    # quick look (~50,000 users)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

# Each raw reader takes a zip or a folder, like renkei does, and parses every CSV in it.
RAW_POLARS = r"""
import sys, zipfile, pathlib, polars as pl
target, rows = pathlib.Path(sys.argv[1]), 0
if target.is_dir():
    for path in sorted(target.glob("*.csv")):
        rows += pl.read_csv(path, infer_schema=False).height
else:
    with zipfile.ZipFile(target) as z:
        for name in z.namelist():
            if name.endswith(".csv"):
                rows += pl.read_csv(z.read(name), infer_schema=False).height
print(rows)
"""

RAW_CSV = r"""
import csv, io, sys, zipfile, pathlib
target, rows = pathlib.Path(sys.argv[1]), 0
def count(f):
    return sum(1 for _ in csv.reader(io.TextIOWrapper(f, encoding="utf-8", newline="")))
if target.is_dir():
    for path in sorted(target.glob("*.csv")):
        with open(path, "rb") as f:
            rows += count(f)
else:
    with zipfile.ZipFile(target) as z:
        for name in z.namelist():
            if name.endswith(".csv"):
                with z.open(name) as f:
                    rows += count(f)
print(rows)
"""


# A child's own peak RSS (VmHWM of its process image), written at exit. ``ru_maxrss`` from wait4
# is not usable here: Linux carries the parent's high-water mark over fork + exec, so every child
# of this (large) benchmark process would report at least the parent's peak.
_PEAK = (
    "import atexit, os\n"
    "def _renkei_peak():\n"
    "    with open('/proc/self/status') as s, open(os.environ['RENKEI_BENCH_PEAK'], 'w') as o:\n"
    "        o.write(next(line for line in s if line.startswith('VmHWM:')).split()[1])\n"
    "if os.path.exists('/proc/self/status'):\n"
    "    atexit.register(_renkei_peak)\n"
)


@dataclass(frozen=True)
class ChildRun:
    wall: float  # seconds
    cpu: float  # user + system seconds of the child
    rss: int  # peak RSS in bytes
    code: int
    stdout: str


def run_child(args: list[str]) -> ChildRun:
    """Run a ``python -c`` child; return its wall and CPU time, peak RSS, exit code and stdout.

    Output goes to temporary files, not pipes: waiting on the process while a pipe fills up
    would deadlock.
    """
    assert args[1] == "-c", "children are python -c snippets"
    args = [args[0], "-c", _PEAK + args[2], *args[3:]]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err, \
            tempfile.NamedTemporaryFile("r", suffix=".peak") as peak:
        start = time.perf_counter()
        proc = subprocess.Popen(args, stdout=out, stderr=err, text=True,
                                env={**os.environ, "RENKEI_BENCH_PEAK": peak.name})
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
        written = peak.read().strip()
    if code not in (0, 1):
        sys.stderr.write(stderr)
    rss = int(written) * 1024 if written.isdigit() else usage.ru_maxrss * 1024  # no /proc: best effort
    return ChildRun(wall, usage.ru_utime + usage.ru_stime, rss, code, stdout)


def _child(args: list[str]) -> tuple[float, int, int, str]:
    """``run_child`` as (wall seconds, peak RSS bytes, exit code, stdout)."""
    got = run_child(args)
    return got.wall, got.rss, got.code, got.stdout


def prefecture_scale(scale: float) -> dict[str, int]:
    """Generator arguments for ``scale`` x the generator's prefecture-scale bundle.

    ``BENCHMARK_ARGS`` (about 1.1M users incl. guardians, 5.0M enrollments) is kept next to the
    generator, whose tests prove its row counts; only the number of municipalities is scaled.
    """
    from renkei.mocks.school_affairs.generator import BENCHMARK_ARGS

    args = dict(BENCHMARK_ARGS)
    args["municipalities"] = max(1, round(args["municipalities"] * scale))
    return args


def _measure(label: str, target: Path, profile: str, work: Path) -> tuple[float, int]:
    """Time the raw readers and renkei on one form of the bundle; return (ratio, renkei peak RSS)."""
    py = sys.executable
    polars_wall, polars_rss, polars_code, polars_rows = _child([py, "-c", RAW_POLARS, str(target)])
    csv_wall, csv_rss, csv_code, csv_rows = _child([py, "-c", RAW_CSV, str(target)])
    if polars_code or csv_code:  # a crashed baseline would make its short time look fastest
        raise SystemExit(f"a raw parse failed (polars exit {polars_code}, csv module exit {csv_code})")
    val_wall, val_rss, code, _ = _child([py, "-c", "from renkei.harness.cli import main; main()", "run",
                                         "--profile", profile, "--target", str(target),
                                         "--out", str(work / f"out-{label}")])
    fastest = min(polars_wall, csv_wall)
    fastest_name = "polars" if polars_wall <= csv_wall else "csv module"
    print(f"\n{label}: {target}")
    print(f"  {'measure':<34}{'wall s':>10}{'peak RSS MiB':>15}")
    print(f"  {'raw parse, polars':<34}{polars_wall:>10.2f}{polars_rss / 2**20:>15,.0f}   rows={polars_rows.strip()}")
    print(f"  {'raw parse, csv module':<34}{csv_wall:>10.2f}{csv_rss / 2**20:>15,.0f}   rows={csv_rows.strip()}")
    print(f"  {'renkei run ' + profile:<34}{val_wall:>10.2f}{val_rss / 2**20:>15,.0f}   exit={code}")
    ratio = val_wall / fastest
    print(f"  ratio validation / fastest raw parse ({fastest_name}): {ratio:.2f}x")
    if code not in (0, 1):
        raise SystemExit(f"renkei run failed with exit code {code}")
    return ratio, val_rss


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--profile", default="oneroster12-csv-japan")
    ap.add_argument("--scale", type=float, default=1.0, help="1.0 = about 1M users / 5M enrollments")
    ap.add_argument("--bundle", type=Path, help="use this bundle instead of generating one")
    ap.add_argument("--keep", action="store_true", help="keep the generated bundle and reports")
    args = ap.parse_args()

    from renkei.mocks.school_affairs.generator import generate_bundle

    work = Path(tempfile.mkdtemp(prefix="renkei-bench-"))
    bundle = args.bundle
    if bundle is None:
        bundle = work / "bundle.zip"
        params = prefecture_scale(args.scale)
        t0 = time.perf_counter()
        stats = generate_bundle(bundle, profile=args.profile, seed=1, **params)
        print(f"generated {bundle.name}: {stats.users:,} users, {stats.enrollments:,} enrollments "
              f"({bundle.stat().st_size / 2**20:,.0f} MiB zipped) in {time.perf_counter() - t0:,.1f} s")
    folder = work / "extracted"
    with zipfile.ZipFile(bundle) as z:  # not timed: the folder rows compare parsing without inflate
        z.extractall(folder)
    worst = 0.0
    peak = 0
    for label, target in (("zip", bundle), ("folder", folder)):
        ratio, rss = _measure(label, target, args.profile, work)
        worst, peak = max(worst, ratio), max(peak, rss)
    met = worst <= 3 and peak < 2 * 2**30
    print(f"\nworst ratio {worst:.2f}x (target <= 3x); validation peak RSS {peak / 2**30:.2f} GiB "
          f"(target < 2 GiB): {'targets met' if met else 'TARGETS MISSED'}")
    if not args.keep:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"kept: {work}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
