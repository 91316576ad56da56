"""Read the next chunk of a CSV stream in a thread while the rules work on the current one.

Why: the reader (zip inflation + polars parse) and the rules (polars expressions) both release
the GIL, so on two or more cores a file is read and checked at the same time instead of in
turns. One chunk at most waits in the queue, so memory grows by one chunk.

The producer thread only runs the reader; everything it raises is handed to the consumer and
re-raised there, so an error surfaces where it would without the thread. Stopping early (the
consumer breaks or raises) stops the thread and closes the reader in the consumer's thread.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")
_END = object()
_POLL = 0.05  # seconds between checks of the stop flag while the queue is full


class Prefetch(Generic[T]):
    """Iterate ``items`` one step ahead in a daemon thread (``with``-free: iteration cleans up)."""

    def __init__(self, items: Iterable[T], name: str = "renkei-prefetch") -> None:
        self._items = iter(items)
        self._queue: queue.Queue[object] = queue.Queue(maxsize=1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._started = False

    def _put(self, item: object) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=_POLL)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        try:
            for item in self._items:
                if not self._put(item):
                    return
            self._put(_END)
        except BaseException as exc:  # re-raised by the consumer
            self._put(exc)

    def __iter__(self) -> Iterator[T]:
        if self._started:
            raise RuntimeError("a Prefetch can be iterated once")
        self._started = True
        self._thread.start()
        try:
            while True:
                item = self._queue.get()
                if item is _END:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item  # type: ignore[misc]
        finally:
            self._stop.set()
            self._thread.join()
            close = getattr(self._items, "close", None)
            if callable(close):  # a generator left suspended: run its cleanup here
                close()
