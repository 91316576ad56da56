"""``Prefetch``: the next chunk is read in a thread, errors surface in the consumer, early exits clean up."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from renkei.harness.oneroster.csv import engine as E
from renkei.harness.oneroster.csv.prefetch import Prefetch
from renkei.harness.oneroster.csv.target import OneRosterCsvTarget
from tests.harness.oneroster.csv.bundles import active_checks, make_bundle, uid, valid_roster


def test_items_arrive_in_order_from_another_thread() -> None:
    producers: set[int] = set()

    def items() -> Iterator[int]:
        for i in range(5):
            producers.add(threading.get_ident())
            yield i

    assert list(Prefetch(items())) == [0, 1, 2, 3, 4]
    assert producers and threading.get_ident() not in producers


def test_producer_error_is_raised_in_the_consumer() -> None:
    def items() -> Iterator[int]:
        yield 1
        raise KeyError("broken reader")

    got: list[int] = []
    with pytest.raises(KeyError, match="broken reader"):
        for i in Prefetch(items()):
            got.append(i)
    assert got == [1]


def test_early_exit_stops_the_thread_and_closes_the_source() -> None:
    closed = threading.Event()

    def items() -> Iterator[int]:
        try:
            yield from range(1000)
        finally:
            closed.set()

    prefetch = Prefetch(items())
    for i in prefetch:
        if i == 2:
            break
    assert closed.is_set() and not prefetch._thread.is_alive()


def test_iterates_once() -> None:
    prefetch = Prefetch(iter([1]))
    assert list(prefetch) == [1]
    with pytest.raises(RuntimeError):
        list(prefetch)


def _run_zip(path: Path, prefetch: bool) -> dict[str, list[tuple[object, ...]]]:
    target = OneRosterCsvTarget(str(path), {"prefetch": prefetch})  # the profile parameter
    target.activate(active_checks())
    sink = target.analysis().sink
    return {cid: [(f.location.file, f.location.row, f.location.column, f.value) for f in found]
            for cid, found in sink.findings.items() if found}


def test_engine_findings_are_the_same_with_and_without_prefetch(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    used: list[bool] = []
    monkeypatch.setattr(E, "Prefetch", lambda items: used.append(True) or Prefetch(items))
    files = valid_roster()
    header = files["enrollments.csv"][0]
    for n in range(300):  # 300 more enrollments, every 7th naming a user that does not exist
        row = list(files["enrollments.csv"][2])
        row[0] = uid(10_000 + n)
        row[header.index("userSourcedId")] = uid(20_000 + n) if n % 7 == 0 else row[header.index("userSourcedId")]
        files["enrollments.csv"].append(row)
    path = make_bundle(tmp_path, files)
    with_thread = _run_zip(path, prefetch=True)
    assert used  # the zip's members were read through the thread
    used.clear()
    without = _run_zip(path, prefetch=False)
    assert not used and with_thread == without
    assert len(with_thread["or.enrollments.refs"]) > 1
