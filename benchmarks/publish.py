"""Benchmark: `renkei publish` of many results vs. copying and parsing the same folders.

Writes N result folders (default 1,000: 250 products, each with versions, several profiles and a
signed share), then measures in the same run:

1. the baseline: ``shutil.copytree`` of every folder and a ``json.loads`` of every result.json (the
   I/O and parsing any publisher must do),
2. ``publish`` of all of them into a new site, signatures verified with the keyring,
3. ``publish`` of one more result into that site (the incremental case),

and prints wall times and the ratio publish / baseline. Target (issue 9): 1,000 results publish in
under a minute; the feed is the same bytes when the same inputs are published twice (checked here).

    python benchmarks/publish.py              # 1,000 results
    python benchmarks/publish.py --results 200
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from renkei.harness.core.model import (
    CheckResult,
    Outcome,
    ProductInfo,
    ProfileInfo,
    RunResult,
    Severity,
    ToolInfo,
)
from renkei.reports import json_writer, junit_writer, signature
from renkei.reports.html import writer as html_writer
from renkei.reports.site.build import publish

PROFILES = [("oneroster12-csv-japan", "provider"), ("oneroster12-rest-consumer", "consumer"),
            ("lti13-platform-japan", "platform"), ("lti13-tool-japan", "tool")]


def _run(i: int) -> RunResult:
    profile, role = PROFILES[i % len(PROFILES)]
    checks = [CheckResult(id=f"x.check.{n}", requirement="spec §1", severity=Severity.ERROR,
                          outcome=Outcome.FAILED if (i + n) % 37 == 0 else Outcome.PASSED, title=f"check {n}",
                          title_ja=f"検査 {n}", description="d", description_ja="説明") for n in range(60)]
    finished = datetime(2026, 12, 4, tzinfo=UTC) - timedelta(days=i % 500)
    run = RunResult(tool=ToolInfo(version="0.1.0"),
                    profile=ProfileInfo(id=profile, version="1.2", title=profile, title_ja=profile,
                                        standard="benchmark", source="benchmark"),
                    product=ProductInfo(name=f"製品 {i // 4 % 250:03}", version=f"{i % 3}.0", vendor="例社",
                                        role=role),
                    started_at=finished - timedelta(minutes=1), finished_at=finished, redacted=True, checks=checks)
    run.recount()
    return run


def _write_results(root: Path, n: int, key: signature.Ed25519PrivateKey) -> list[Path]:
    folders = []
    for i in range(n):
        folder = root / f"r{i:05}"
        run = _run(i)
        for writer in (json_writer, junit_writer, html_writer):
            writer.write(run, folder)
        if i % 3 == 0:
            signature.sign_folder(folder, key)
        folders.append(folder)
    return folders


def _baseline(folders: list[Path], out: Path) -> float:
    start = time.perf_counter()
    for folder in folders:
        json.loads((folder / "result.json").read_bytes())
        shutil.copytree(folder, out / folder.name)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="renkei-bench-publish-") as tmp:
        root = Path(tmp)
        private, public, _ = signature.create_keys(root / "keys", "bench")
        keyring = signature.load_public_keys(public)
        print(f"writing {args.results} result folders ...", flush=True)
        folders = _write_results(root / "results", args.results, signature.load_private_key(private))
        extra = _write_results(root / "extra", 1, signature.load_private_key(private))
        as_of = datetime(2026, 12, 4, tzinfo=UTC)
        base = _baseline(folders, root / "copy")
        start = time.perf_counter()
        done = publish(folders, root / "site", keyring=keyring, as_of=as_of)
        full = time.perf_counter() - start
        feed = hashlib.sha256((root / "site" / "feed.json").read_bytes()).hexdigest()
        start = time.perf_counter()
        publish(extra, root / "site", keyring=keyring, as_of=as_of)
        grow = time.perf_counter() - start
        again = publish(folders, root / "site2", keyring=keyring, as_of=as_of)
        same = hashlib.sha256((again.site / "feed.json").read_bytes()).hexdigest() == feed
    print(f"baseline (copy + json.loads of {args.results} folders): {base:7.2f} s")
    print(f"publish of {done.records} results:                  {full:7.2f} s   ratio {full / base:.2f}x "
          f"(target: under 60 s for 1,000)")
    print(f"publish of one more result into that site:       {grow:7.2f} s")
    print(f"feed identical when published again: {same}")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
