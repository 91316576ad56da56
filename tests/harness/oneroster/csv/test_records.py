"""Vectorised record splitting: the same boundaries, field counts and verdicts a careful reader gives."""

from __future__ import annotations

import random

import polars as pl
import pytest

from renkei.harness.oneroster.csv import records as R


def naive_last_boundary(buf: bytes, parity: int = 0) -> tuple[int, int]:
    """The definition, byte by byte: the last newline with an even number of quotes before it."""
    best, quotes = (0, 0), parity
    for i, b in enumerate(buf):
        if b == 0x22:
            quotes += 1
        elif b == 0x0A and quotes % 2 == 0:
            best = (i + 1, quotes - parity)
    return best


@pytest.mark.parametrize("walk", [64, 1])  # 1: most searches go to the vectorised fallback
def test_last_boundary_matches_its_definition(monkeypatch: pytest.MonkeyPatch, walk: int) -> None:
    monkeypatch.setattr(R, "_WALK", walk)
    rng = random.Random(7)
    for _ in range(3000):
        buf = bytes(rng.choice(b'ab,"\n\r') for _ in range(rng.randint(0, 50)))
        parity = rng.randint(0, 1)
        assert R.last_boundary(buf, parity) == naive_last_boundary(buf, parity), (buf, parity)


def test_last_boundary_after_an_unclosed_quote_is_one_search() -> None:
    buf = b'a,"open\n' + b"x,y\n" * 200_000
    assert R.last_boundary(buf) == (0, 0)
    assert R.last_boundary(buf, parity=1) == (len(buf), 1)


def test_split_records_lines_terminators_and_blanks() -> None:
    split = R.split_records(b'a,b\r\n"x\ny",z\n\n1,"q""r"\r\n\r\nlast', 2)
    assert split.frame.select(R.LINE, R.TEXT, R.NL, R.TERM).rows() == [
        (2, "a,b", 0, "CRLF"), (3, '"x\ny",z', 1, "LF"), (6, '1,"q""r"', 0, "CRLF"), (8, "last", 0, None)]
    assert (split.blank, split.first_blank) == (2, 5) and not split.open_end
    assert (split.crlf, split.lf, split.first_crlf, split.first_lf) == (3, 2, 2, 4)


def test_split_records_keeps_blank_lines_of_a_one_column_file() -> None:
    split = R.split_records(b"a\n\nb\n", 2, keep_blank=True)
    assert split.frame[R.TEXT].to_list() == ["a", "", "b"] and split.blank == 0


def test_split_records_reports_a_quote_still_open_at_the_end() -> None:
    split = R.split_records(b'1,ok\n2,"open\n3,ok\n', 2)
    assert split.open_end and split.frame.select(R.LINE, R.TEXT).rows() == [(2, "1,ok"), (3, '2,"open\n3,ok\n')]


@pytest.mark.parametrize(("text", "fields", "ok"), [
    ("a,b,c", 3, True), ("", 1, True), ('"a,b",c', 2, True), ('"say ""hi""",x', 2, True),
    ('"multi\nline",x', 2, True), ('a"b,c', None, False), ('"x"y,c', None, False), (' "x",c', None, False),
    ('a,""b', None, False), ('"x"\r,c', None, False),
])
def test_field_counts_and_well_formed(text: str, fields: int | None, ok: bool) -> None:
    frame = pl.DataFrame({R.TEXT: [text], R.QUOTES: [text.count('"')]})
    got_ok = frame.select(R.well_formed()).item()
    assert got_ok is ok
    if ok:
        assert frame.select(R.field_counts()).item() == fields
