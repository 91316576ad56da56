"""Fewer young-generation garbage collections while a bulk pass runs.

Why: CPython's cyclic collector scans the young generation every 700 net container allocations. A pass
that parses a million statements (or pages of users) allocates tens of millions of short-lived dicts
and lists that form no cycles: the scans find nothing, and when a pass keeps a batch of statements
alive across them they also promote it and cost as much as a fifth of the pass. A larger threshold
while the pass runs keeps the collector working (cycles are still collected, just in larger steps) at
a fraction of the cost. Process-wide, so nesting and threads share one count and the first threshold
is restored when the last pass ends, also on an exception.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

YOUNG_THRESHOLD = 20_000  # allocations between young collections during a pass (CPython's default: 700)

_lock = threading.Lock()
_depth = 0
_saved: tuple[int, ...] | None = None


@contextmanager
def rare_young_collections(threshold: int = YOUNG_THRESHOLD) -> Iterator[None]:
    """While the block runs, the young generation is collected every ``threshold`` allocations at most
    as often as before (a lower threshold already set, or 0 = automatic collection off, is kept)."""
    global _depth, _saved
    with _lock:
        if _depth == 0:
            current = gc.get_threshold()
            if 0 < current[0] < threshold:
                _saved = current
                gc.set_threshold(threshold, *current[1:])
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _saved is not None:
                gc.set_threshold(*_saved)
                _saved = None
