"""Expiry and supersession, as registries of conformance results do them.

A result is valid for a configurable number of months after its run (default 12); after that the
listing shows it as expired, because a product and its environment drift. Among results for the same
product version, profile and role, the newest is the current one; the older ones are kept in the
history as superseded by it, never deleted, so a reader can see what changed.
"""

from __future__ import annotations

import calendar
from datetime import datetime
from itertools import groupby

from renkei.reports.site.records import Record

DEFAULT_VALIDITY_MONTHS = 12


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` plus calendar months; the 31st becomes the last day of a shorter month."""
    total = moment.month - 1 + months
    year, month = moment.year + total // 12, total % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def expires_at(record: Record, validity_months: int) -> datetime:
    return add_months(record.finished_at, validity_months)


def assign(records: list[Record], *, as_of: datetime, validity_months: int = DEFAULT_VALIDITY_MONTHS) -> None:
    """Set ``status`` and ``superseded_by`` on every record."""
    ordered = sorted(records, key=lambda r: (r.group, r.finished_at, r.id))
    for _, members in groupby(ordered, key=lambda r: r.group):
        history = list(members)
        newest = history[-1]
        for record in history[:-1]:
            record.status, record.superseded_by = "superseded", newest.id
        newest.status = "expired" if expires_at(newest, validity_months) <= as_of else "current"
        newest.superseded_by = ""
