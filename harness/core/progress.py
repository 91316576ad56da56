"""A tiny progress channel: long analyses announce what they are doing, the CLI listens.

Kept as a module-level listener list so the engine never depends on the console.
"""

from __future__ import annotations

from collections.abc import Callable

Listener = Callable[[str], None]
_listeners: list[Listener] = []


def subscribe(listener: Listener) -> None:
    _listeners.append(listener)


def unsubscribe(listener: Listener) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def report(stage: str) -> None:
    """Announce what a long analysis is doing now, e.g. ``users.csv: 250,000 rows``."""
    for listener in list(_listeners):
        listener(stage)
