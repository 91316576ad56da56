"""Shared set-up of the end-to-end OneRoster tests: small base bundles, a quiet CLI, finding matching.

Import the fixtures into a test module (``from tests.harness.oneroster.csv.corpus_env import base_zip,
quiet_cli``). Every run goes through ``renkei.harness.cli`` exactly as ``renkei run`` does; ``quiet_cli``
only swaps the consoles for recorders (so output can be searched for tracebacks) and skips the
``gc.collect()`` rounds pytest performs when each nested run unconfigures, which otherwise cost a
quarter of a second per run in a large test process and say nothing about renkei.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from renkei.harness.core.model import Finding, Outcome, RunResult
from renkei.mocks.school_affairs.generator import generate_bundle
from tests.harness.oneroster.csv.corpus import PROFILES, Expect
from tests.harness.oneroster.csv.mutable_bundle import Bundle

BASE_ARGS: dict[str, int] = {"municipalities": 1, "schools_per_municipality": 1, "students_per_grade": 1,
                             "seed": 7}


class Recorder:
    """Stands in for a rich Console: keeps printed text, renders nothing."""

    is_terminal = False

    def __init__(self) -> None:
        self.parts: list[str] = []

    def print(self, *objects: Any, **_: Any) -> None:
        self.parts.append(" ".join(str(o) for o in objects))

    @property
    def text(self) -> str:
        return "\n".join(self.parts)


@pytest.fixture(scope="session")
def base_zip(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], bytes]:
    """Profile id -> bytes of a small valid generated bundle (generated once per session)."""
    folder = tmp_path_factory.mktemp("base-bundles")
    cache: dict[str, bytes] = {}

    def get(profile: str) -> bytes:
        if profile not in cache:
            if profile not in PROFILES:
                raise KeyError(f"no base bundle for profile {profile!r}")
            path = folder / f"{profile}.zip"
            generate_bundle(path, profile=profile, **BASE_ARGS)
            cache[profile] = path.read_bytes()
        return cache[profile]

    return get


@pytest.fixture
def quiet_cli(monkeypatch: pytest.MonkeyPatch) -> Iterator[Recorder]:
    """Route the CLI's consoles into one recorder; skip pytest's per-run forced GC."""
    import renkei.harness.cli as cli

    rec = Recorder()
    monkeypatch.setattr(cli, "out", rec)
    monkeypatch.setattr(cli, "err", rec)
    monkeypatch.setattr(gc, "collect", lambda *a, **k: 0)
    yield rec


def base_bundle(base_zip: Callable[[str], bytes], profile: str) -> Bundle:
    return Bundle.from_zip(base_zip(profile))


def matches(finding: Finding, want: Expect) -> bool:
    loc = finding.location
    for attr in ("file", "row", "column", "entry", "byte_offset"):
        expected = getattr(want, attr)
        if expected is not None and getattr(loc, attr) != expected:
            return False
    return want.contains is None or want.contains in finding.message


def check_of(result: RunResult, check_id: str) -> Any:
    for c in result.checks:
        if c.id == check_id:
            return c
    return None


def explain(result: RunResult, focus: str | None = None) -> str:
    """Readable digest of a run for assertion messages: failing checks and their first findings."""
    lines = [f"exit={result.exit_code}"]
    for c in result.checks:
        if c.outcome in (Outcome.PASSED, Outcome.SKIPPED) and c.id != focus:
            continue
        lines.append(f"  {c.id}: {c.outcome.value} ({c.findings_count}){' ' + c.error if c.error else ''}"
                     + (f" skip={c.skip_reason}" if c.skip_reason else ""))
        for f in c.findings[:4]:
            lines.append(f"      {f.location.model_dump(exclude_none=True)} {f.message}")
    return "\n".join(lines)


def crashed(result: RunResult) -> list[str]:
    """Checks that errored for another reason than unreadable input (a renkei bug: bad input must
    give findings or "not evaluated", never crashes)."""
    return [f"{c.id}: {c.error}" for c in result.checks if c.outcome is Outcome.ERROR and not c.not_evaluated]


def run_bundle(path: Path, profile: str) -> RunResult:
    from renkei.harness.cli import execute
    from renkei.harness.core.session import RunOptions

    return execute(RunOptions(profile=profile, target=str(path)), interactive=False)
