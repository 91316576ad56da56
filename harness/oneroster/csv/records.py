"""Cutting CSV bytes into RFC 4180 records with C/Rust-speed operations only.

Why: the reader's fast path (a verified polars parse) covers valid regions; a region polars cannot
be trusted with used to be walked record by record in Python, which made a file where every row
is broken cost tens of times what a valid file costs. Here a region is split into records by
quote parity (a newline ends a record when the number of ``"`` before it is even — the same rule
that cuts chunks, so chunks and records agree), each record is judged by a linear-time regex (a
valid RFC 4180 record) and its fields are counted, all as polars expressions. Per-row Python is
left to the few records the reader chooses to look at closely.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from renkei.harness.oneroster.model.hits import LINE

# LINE: the first physical line of the record (1-based)
TEXT = "text"  # the record without its terminator (the CR of a CRLF terminator removed)
NL = "nl"  # newlines inside the record (physical lines - 1)
TERM = "term"  # None: no terminator (end of data); else "LF" or "CRLF"
QUOTES = "quotes"

QUOTED = r'"(?:[^"]|"")*"'  # a quoted field; [^"] matches newlines too (Rust regex)
_FIELD = rf'(?:{QUOTED}|[^",]*)'
RECORD = rf"^{_FIELD}(?:,{_FIELD})*$"  # a whole RFC 4180 record (terminator removed)
_EACH_FIELD = rf"(?:^|,){_FIELD}"
_MASKS = ("\x00", "\x01", "\ufdd0", "\ufdd1")  # stand-ins for quoted newlines (one is absent)
_WALK = 64  # quotes crossed in Python before last_boundary hands the search to polars


def last_boundary(buf: bytes, parity: int = 0) -> tuple[int, int]:
    """(index just after the last newline outside quotes, quotes before it); (0, 0) if none.

    ``parity`` is the quote parity of bytes pending before ``buf``. A newline is a record
    boundary when the number of ``"`` before it is even (escaped quotes come in pairs). Parity
    changes only at quotes, so the search walks back over quotes, not newlines: a stretch of
    megabytes after an unclosed quote costs one ``rfind``. Buffers with many quotes near their end
    and no boundary among them are searched vectorised.
    """
    total = buf.count(b'"')
    odd = (parity + total) & 1  # parity at the end of buf
    end = len(buf)
    for after in range(_WALK):  # ``after``: quotes crossed so far, all after ``end``
        q = buf.rfind(b'"', 0, end)
        if not odd:
            nl = buf.rfind(b"\n", q + 1, end)
            if nl >= 0:
                return nl + 1, total - after
        if q < 0:
            return 0, 0
        odd ^= 1
        end = q
    return _last_boundary_vectorised(buf, parity, total)


def _last_boundary_vectorised(buf: bytes, parity: int, total: int) -> tuple[int, int]:
    """``last_boundary`` for buffers with many quotes: split at quotes, find the last segment with
    even parity that holds a newline. latin-1 keeps one character per byte, so offsets are bytes."""
    segs = pl.DataFrame({"s": pl.Series([buf.decode("latin-1")]).str.split('"').explode()})
    segs = segs.with_row_index("k").with_columns(
        pl.col("s").str.len_chars().alias("n"), pl.col("s").str.contains("\n", literal=True).alias("nl"))
    # segment k follows k quotes of buf: its parity is parity + k
    hit = segs.filter(pl.col("nl") & ((pl.col("k") + parity) % 2 == 0)).tail(1)
    if hit.height == 0:
        return 0, 0
    k = int(hit["k"][0])
    start = int(segs["n"].head(k).sum()) + k  # bytes before the segment: its predecessors + k quotes
    seg = buf[start: start + int(hit["n"][0])]
    return start + seg.rfind(b"\n") + 1, k


@dataclass
class Split:
    """A region cut into records: the non-blank ones, the blank lines counted, the terminators."""

    frame: pl.DataFrame  # LINE, TEXT, NL, TERM, QUOTES of every non-blank record
    open_end: bool  # the last record is still inside an open quote at the end of the data
    blank: int  # blank lines (records without a field), not in ``frame``
    first_blank: int  # line of the first one (0: none)
    crlf: int  # record terminators of each kind, and the line of the first of each (None: none)
    lf: int
    first_crlf: int | None
    first_lf: int | None


def split_records(data: bytes, line0: int, *, keep_blank: bool = False) -> Split:
    """The records of ``data`` (valid UTF-8, starting at a record boundary on line ``line0``).

    A record never includes its terminator; the empty string after a final newline is not a
    record. Usually every line is a record; when a line holds an odd number of quotes, the
    newlines inside quotes are found by splitting at quotes (every odd piece is inside a quoted
    field) and masked while the text is split at the others. Blank lines are counted and left out
    of the frame right away (``keep_blank``: a one-column file, where a blank line is a record with
    one empty field), so a flood of them costs a few operations, not a dozen.
    """
    text = pl.Series(TEXT, [data.decode("utf-8")])
    frame, terminated_last = _lines(text)
    quotes = data.count(b'"')
    mask = None
    if quotes and frame.select((_quote_count() % 2 == 1).any()).item():
        pieces = pl.DataFrame({TEXT: text.str.split('"').explode()}).with_row_index("k")
        mask = next(c for c in _MASKS if c not in text[0])
        inside = pl.col("k") % 2 == 1
        text = pieces.select(pl.when(inside).then(pl.col(TEXT).str.replace_all("\n", mask, literal=True))
                             .otherwise(pl.col(TEXT)).str.join('"')).to_series()
        frame, terminated_last = _lines(text)
    if mask is None:
        frame = frame.with_columns(pl.int_range(line0, line0 + frame.height, dtype=pl.Int64).alias(LINE),
                                   pl.lit(0, dtype=pl.Int64).alias(NL))
    else:
        frame = frame.with_columns(pl.col(TEXT).str.count_matches(mask, literal=True).cast(pl.Int64).alias(NL))
        step = pl.col(NL) + 1
        frame = frame.with_columns(pl.col(TEXT).str.replace_all(mask, "\n", literal=True),
                                   (step.cum_sum() - step + line0).alias(LINE))
    # Blank lines first (a flood of them should cost as few passes as possible); each is terminated,
    # the CR of a CRLF still on it: an unterminated last line is never blank.
    blanks = [0, None, 0, None, 0, None]  # count, first line, then (count, first line) of CRLF, LF
    if not keep_blank:
        text_col, line_col = pl.col(TEXT), pl.col(LINE)
        cr = text_col == "\r"
        if not terminated_last:
            cr = cr & (pl.int_range(0, pl.len()) < pl.len() - 1)
        frame = frame.with_columns(pl.when(text_col == "").then(pl.lit(1, pl.Int8)).when(cr).then(pl.lit(2, pl.Int8))
                                   .otherwise(pl.lit(0, pl.Int8)).alias("blank"))
        b = pl.col("blank")
        blanks = list(frame.select((b > 0).sum().alias("n"), line_col.filter(b > 0).min().alias("n1"),
                                   (b == 2).sum().alias("c"), line_col.filter(b == 2).min().alias("c1"),
                                   (b == 1).sum().alias("l"), line_col.filter(b == 1).min().alias("l1")).row(0))
        frame = frame.filter(b == 0).drop("blank") if blanks[0] else frame.drop("blank")
    k = frame.height
    terminated = pl.int_range(0, k) < (k if terminated_last else k - 1)
    crlf = terminated & pl.col(TEXT).str.ends_with("\r")
    counted = _quote_count() if quotes else pl.lit(0, dtype=pl.Int64).alias(QUOTES)
    frame = frame.with_columns(
        pl.when(crlf).then(pl.col(TEXT).str.strip_suffix("\r")).otherwise(pl.col(TEXT)),
        pl.when(~terminated).then(pl.lit(None, dtype=pl.Utf8))
        .when(crlf).then(pl.lit("CRLF")).otherwise(pl.lit("LF")).alias(TERM), counted)
    last, term = pl.col(LINE) + pl.col(NL), pl.col(TERM)
    row = frame.select((term == "CRLF").sum().alias("c"), (term == "LF").sum().alias("l"),
                       last.filter(term == "CRLF").min().alias("c1"), last.filter(term == "LF").min().alias("l1")
                       ).row(0)
    return Split(frame.select(LINE, TEXT, NL, TERM, QUOTES), bool(quotes % 2), int(blanks[0]), int(blanks[1] or 0),
                 int(row[0]) + int(blanks[2]), int(row[1]) + int(blanks[4]),
                 _first(row[2], blanks[3]), _first(row[3], blanks[5]))


def _first(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else min(a, b)


def _lines(text: pl.Series) -> tuple[pl.DataFrame, bool]:
    """The lines of ``text`` (one string); True if the last one is terminated (the empty string
    after a final newline is dropped, a masked newline inside an open quote does not count)."""
    lines = text.str.split("\n").explode()
    terminated = lines.len() > 1 and lines[-1] == ""
    if terminated:
        lines = lines.head(lines.len() - 1)
    return pl.DataFrame([lines.alias(TEXT)]), terminated


def _quote_count() -> pl.Expr:
    return pl.col(TEXT).str.count_matches('"', literal=True).cast(pl.Int64).alias(QUOTES)


def field_counts() -> pl.Expr:
    """Fields per record: commas outside quoted fields + 1 (exact for records matching RECORD)."""
    text = pl.col(TEXT)
    plain = text.str.count_matches(",", literal=True) + 1
    quoted = text.str.count_matches(_EACH_FIELD)  # field by field from the left: a quoted comma is inside one
    return pl.when(pl.col(QUOTES) > 0).then(quoted).otherwise(plain).cast(pl.Int64)


def well_formed() -> pl.Expr:
    """True where a record follows RFC 4180 quoting (records without quotes always do)."""
    return (pl.col(QUOTES) == 0) | pl.col(TEXT).str.contains(RECORD)
