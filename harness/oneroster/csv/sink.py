"""Findings sink for the one-pass OneRoster analysis.

The CSV analysis reads every file once (streaming, vectorised) and evaluates all active rules
in that pass; each rule writes into the bucket of its check id. The pytest items then only
report their bucket, so `-k`/`--select` still decide which rules are evaluated at all.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from renkei.harness.core.model import DEFAULT_FINDINGS_CAP, Finding, Location


class FindingSink:
    def __init__(self, active: dict[str, dict[str, Any]], cap: int = DEFAULT_FINDINGS_CAP) -> None:
        self.active = active  # check id -> merged params (only these are evaluated)
        self.cap = cap
        self.findings: dict[str, list[Finding]] = defaultdict(list)
        self.counts: dict[str, int] = defaultdict(int)
        self.skips: dict[str, str] = {}
        self.unseen: dict[str, list[str]] = {}  # check id -> what it could not see (ctx.not_evaluated)

    def wants(self, check_id: str) -> bool:
        return check_id in self.active

    def params(self, check_id: str) -> dict[str, Any]:
        return self.active.get(check_id, {})

    def room(self, check_id: str) -> int:
        """How many more findings this check stores (vectorised rules fetch only that many)."""
        return max(0, self.cap - len(self.findings[check_id]))

    def fail(self, check_id: str, message: str, *, ja: str | None = None, value: Any = None,
             **location: Any) -> None:
        if check_id not in self.active:
            return
        self.counts[check_id] += 1
        bucket = self.findings[check_id]
        if len(bucket) < self.cap:
            bucket.append(Finding(message=message, message_ja=ja, location=Location(**location),
                                  value=None if value is None else str(value)))

    def add_counted(self, check_id: str, total: int, sample: Iterable[Finding]) -> None:
        """Record ``total`` violations of which ``sample`` are stored (vectorised rules)."""
        if check_id not in self.active or total <= 0:
            return
        self.counts[check_id] += total
        bucket = self.findings[check_id]
        for f in sample:
            if len(bucket) >= self.cap:
                break
            bucket.append(f)

    def skip(self, check_id: str, reason: str) -> None:
        if check_id in self.active and not self.counts.get(check_id):
            self.skips.setdefault(check_id, reason)

    def not_evaluated(self, check_id: str, reason: str) -> None:
        """Record that part of what ``check_id`` tests was never seen; the check reports it through
        ``ctx.not_evaluated``, so it cannot pass."""
        if check_id in self.active:
            reasons = self.unseen.setdefault(check_id, [])
            if reason not in reasons:
                reasons.append(reason)
