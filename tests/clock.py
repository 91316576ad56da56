"""A clock the tests move by hand: ``clock()`` is the time, ``clock.sleep(s)`` moves it on at once."""

from __future__ import annotations


class FakeClock:
    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
