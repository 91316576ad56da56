"""Rule results as data: a ``Hit`` is one message applied to a set of offending rows.

Rules over polars DataFrames (the Japanese ones in ``rules_jp``, the CSV semantic ones) return hits and
know nothing of where the rows came from: a CSV chunk (``__line__`` = the physical line) or REST
objects laid out as CSV cells (``__line__`` = the object's index), so a rule is written once for both
bindings. Turning hits into located findings is the binding's business.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

LINE = "__line__"  # the row's position: a CSV physical line, or a REST object's index
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
