"""Rule results as data: a ``Hit`` is one message applied to a set of offending rows.

The Japanese and semantic rules (``rules_jp``, ``rules_semantic``) are pure functions over polars
DataFrames that return hits; they know nothing of the sink or the engine, so they are tested on
DataFrames built by hand. ``emit_hits`` turns hits into located findings, storing only as many as
the sink has room for while counting all of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl

from renkei.harness.core.model import Finding, Location
from renkei.harness.oneroster.csv.reader import LINE
from renkei.harness.oneroster.csv.sink import FindingSink

VALUE = "value"


@dataclass(frozen=True)
class Hit:
    """Rows (``__line__`` Int64, ``value`` Utf8) violating one rule in one column, with the message."""

    column: str | None
    rows: pl.DataFrame
    en: str
    ja: str

    @property
    def count(self) -> int:
        return self.rows.height


def subset(df: pl.DataFrame, mask: pl.Expr, columns: list[str] | None = None) -> pl.DataFrame | None:
    """Rows where ``mask`` holds, or None when there are none; ``columns`` (+ ``__line__``) only, if given.

    Valid data is the common path: ``select(mask.any())`` evaluates only the mask, whereas a
    ``filter`` would also gather every column of a wide chunk just to return zero rows. When rows
    do match, naming ``columns`` keeps a rule that needs one column from copying the other twenty.
    """
    mask = mask.fill_null(False)
    if not df.select(mask.any()).item():
        return None
    if columns is None:
        return df.filter(mask)
    keep = [LINE, *(c for c in dict.fromkeys(columns) if c != LINE)]
    return df.lazy().filter(mask).select(keep).collect()


def select(df: pl.DataFrame, mask: pl.Expr, column: str | None, en: str, ja: str,
           value: pl.Expr | None = None) -> list[Hit]:
    """Rows of ``df`` where ``mask`` holds, as a one-element hit list (empty when none match).

    ``value`` defaults to the cell of ``column``; nulls in the mask count as "no violation".
    """
    if value is None:
        value = pl.col(column) if column is not None else pl.lit(None, dtype=pl.Utf8)
    mask = mask.fill_null(False)
    if not df.select(mask.any()).item():  # the common path evaluates the mask only
        return []
    rows = (df.lazy().filter(mask)  # lazy: only the columns behind line and value are gathered
            .select(pl.col(LINE).cast(pl.Int64), value.cast(pl.Utf8).alias(VALUE)).collect())
    return [Hit(column, rows, en, ja)]


def header_hit(column: str, en: str, ja: str) -> Hit:
    """A hit located on the header line (a column the rule needs is absent)."""
    rows = pl.DataFrame({LINE: [1], VALUE: [None]}, schema={LINE: pl.Int64, VALUE: pl.Utf8})
    return Hit(column, rows, en, ja)


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
