"""Hits (``model.hits``) turned into located CSV findings.

``emit_hits`` stores only as many findings as the sink has room for while counting all of them.
"""

from __future__ import annotations

from collections.abc import Iterable

from renkei.harness.core.model import Finding, Location
from renkei.harness.oneroster.csv.sink import FindingSink
from renkei.harness.oneroster.model.hits import LINE, VALUE, Hit, header_hit, select, subset

__all__ = ["LINE", "VALUE", "Hit", "emit_hits", "header_hit", "select", "subset"]


def emit_hits(sink: FindingSink, check_id: str, file: str, hits: Iterable[Hit]) -> int:
    """Record hits under ``check_id`` for ``file``; returns how many violations were counted."""
    total = 0
    for hit in hits:
        if not hit.count:
            continue
        total += hit.count
        room = sink.room(check_id)
        sample = hit.rows.head(room) if room else hit.rows.head(0)
        findings = [
            Finding(message=hit.en, message_ja=hit.ja,
                    location=Location(file=file, row=line, column=hit.column), value=value)
            for line, value in sample.iter_rows()
        ]
        sink.add_counted(check_id, hit.count, findings)
    return total
