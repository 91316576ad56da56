"""The streaming reader: exact line numbers, broken records kept out of the frames and reported,
the same answer whatever the chunk size, and bounded memory on pathological lines.

The first tests pin the polars behaviour the reader's verification relies on; if a polars
upgrade changes it, they say so before the reader silently misreads a file.
"""

from __future__ import annotations

import io
import tracemalloc
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from renkei.harness.core.registry import REGISTRY
from renkei.harness.oneroster.csv import (
    reader,
)  # noqa: F401  (checks_package registers the checks)
from renkei.harness.oneroster.csv.package import Limits, open_bundle
from renkei.harness.oneroster.csv.reader import LINE, last_boundary, read_csv, unique_names
from renkei.harness.oneroster.csv.sink import FindingSink


def parse(data: bytes, cols: list[str]) -> pl.DataFrame:
    return pl.read_csv(data, has_header=False, new_columns=cols, infer_schema=False, quote_char='"',
                       empty_string_is_null=False, raise_if_empty=False)


# --- polars behaviour the reader depends on -------------------------------------------------


def test_polars_pads_short_rows_silently() -> None:
    assert parse(b"1,2,3\n4\n", ["a", "b", "c"]).rows() == [("1", "2", "3"), ("4", "", "")]


def test_polars_rejects_long_rows() -> None:
    with pytest.raises(pl.exceptions.ComputeError):
        parse(b"1,2,3\n4,5,6,7\n", ["a", "b", "c"])


def test_polars_empty_and_quoted_empty_are_both_empty_strings() -> None:
    assert parse(b'1,,""\n', ["a", "b", "c"]).rows() == [("1", "", "")]


def test_polars_reads_a_quote_after_a_space_literally() -> None:
    assert parse(b'1, "x",3\n', ["a", "b", "c"]).rows() == [("1", ' "x"', "3")]


def test_polars_strips_crlf_terminators_but_keeps_quoted_crlf() -> None:
    assert parse(b'1,"x\r\ny",3\r\n', ["a", "b", "c"]).rows() == [("1", "x\r\ny", "3")]


def test_polars_turns_a_blank_line_into_a_row() -> None:
    assert parse(b"1,2\n\n3,4\n", ["a", "b"]).height == 3


def test_polars_drops_a_cr_after_a_closing_quote() -> None:
    assert parse(b'1,"x"\r,3\n', ["a", "b", "c"]).rows() == [("1", "x", "3")]


def test_polars_reads_doubled_quotes_in_an_unquoted_field_literally() -> None:
    assert parse(b'1,a""b,3\n', ["a", "b", "c"]).rows() == [("1", 'a""b', "3")]


def test_polars_takes_the_column_count_from_the_first_row() -> None:
    with pytest.raises(pl.exceptions.SchemaError):
        parse(b"1,2\n3,4,5\n", ["a", "b", "c"])


# --- helpers ---------------------------------------------------------------------------------


def sink() -> FindingSink:
    return FindingSink({c.id: {} for c in REGISTRY.all()})


def read(tmp_path: Path, data: bytes, *, chunk_bytes: int = 32 * 2**20, limits: Limits | None = None,
         name: str = "users.csv") -> tuple[Any, list[tuple[Any, ...]], FindingSink]:
    folder = tmp_path / f"b{len(list(tmp_path.iterdir()))}"
    folder.mkdir()
    (folder / name).write_bytes(data)
    s = sink()
    bundle = open_bundle(folder, s, limits)
    stream = read_csv(bundle, name, s, chunk_bytes=chunk_bytes)
    rows: list[tuple[Any, ...]] = []
    for chunk in stream:
        assert chunk.df.columns[-1] == LINE and chunk.df.schema[LINE] == pl.Int64
        rows.extend(chunk.df.rows())
    bundle.close()
    return stream, rows, s


def lines(s: FindingSink, check_id: str) -> list[int | None]:
    return [f.location.row for f in s.findings[check_id]]


def found(s: FindingSink) -> set[str]:
    return {k for k, v in s.findings.items() if v}


# --- records and line numbers ----------------------------------------------------------------


def test_plain_file(tmp_path: Path) -> None:
    stream, rows, s = read(tmp_path, b"sourcedId,givenName\nu1,Taro\nu2,\n")
    assert stream.header == ["sourcedId", "givenName"] and stream.encoding == "utf-8"
    assert rows == [("u1", "Taro", 2), ("u2", "", 3)] and stream.rows == 2
    assert found(s) == set()


def test_line_numbers_after_quoted_newlines(tmp_path: Path) -> None:
    data = b'id,note\n1,"a\nb\nc"\n2,x\n3,"d\r\ne"\n4,y'
    _, rows, s = read(tmp_path, data)
    assert [(r[0], r[2]) for r in rows] == [("1", 2), ("2", 5), ("3", 6), ("4", 8)]
    assert rows[0][1] == "a\nb\nc"
    assert lines(s, "or.enc.cr-in-field") == [6]  # the CRLF inside quotes


def test_header_with_quotes_and_duplicates(tmp_path: Path) -> None:
    stream, rows, _ = read(tmp_path, b'"id",name,name,__line__\n1,a,b,c\n')
    assert stream.header == ["id", "name", "name", "__line__"]
    assert stream.columns == ["id", "name", "name#2", "__line__#2"]
    assert rows == [("1", "a", "b", "c", 2)]


def test_unique_names() -> None:
    assert unique_names(["a", "a", "a#2", "a"]) == ["a", "a#2", "a#2#2", "a#3"]


def test_empty_and_header_only_files(tmp_path: Path) -> None:
    stream, rows, s = read(tmp_path, b"")
    assert stream.header == [] and rows == [] and stream.rows == 0 and found(s) == set()
    stream, rows, s = read(tmp_path, b"sourcedId,givenName\r\n")
    assert stream.header == ["sourcedId", "givenName"] and rows == [] and found(s) == set()
    stream, rows, _ = read(tmp_path, b"sourcedId,givenName")
    assert stream.header == ["sourcedId", "givenName"] and rows == []


def test_crlf_file(tmp_path: Path) -> None:
    _, rows, s = read(tmp_path, b"id,name\r\n1,a\r\n2,\r\n")
    assert rows == [("1", "a", 2), ("2", "", 3)] and found(s) == set()


def test_last_boundary_respects_quotes() -> None:
    assert last_boundary(b'a,b\n1,"x\ny') == (4, 0)
    assert last_boundary(b'a,"b"\n1,2\n') == (10, 2)
    assert last_boundary(b'"x\ny"\n', parity=1) == (3, 1)
    assert last_boundary(b"no newline") == (0, 0)


# --- or.csv.field-count ------------------------------------------------------------------------


def test_field_count_short_long_blank(tmp_path: Path) -> None:
    data = b"id,a,b\n1,x,y\n2,x\n3,x,y,z\n\n4,x,y\n"
    _, rows, s = read(tmp_path, data)
    assert [r[0] for r in rows] == ["1", "4"]
    assert lines(s, "or.csv.field-count") == [3, 4, 5]
    assert "blank line" in s.findings["or.csv.field-count"][2].message


@pytest.mark.parametrize("crlf", [False, True])
def test_a_flood_of_blank_lines_is_one_finding_and_the_rows_around_it_are_read(tmp_path: Path, crlf: bool) -> None:
    nl = b"\r\n" if crlf else b"\n"
    data = nl.join([b"id,a", b"1,x", *([b""] * 300_000), b"2,y", b""])
    _, rows, s = read(tmp_path, data)
    assert [(r[0], r[2]) for r in rows] == [("1", 2), ("2", 300_003)]
    (finding,) = s.findings["or.csv.field-count"]
    assert finding.location.row == 3 and "300000 blank lines" in finding.message
    assert "or.enc.line-endings" not in s.findings  # one kind of line ending throughout


def test_field_count_short_row_hidden_by_a_comma_in_a_value(tmp_path: Path) -> None:
    # The comma totals match (one short row, one quoted comma); byte accounting still catches it.
    _, rows, s = read(tmp_path, b'id,a\n1,"x,y"\n2\n3,z\n')
    assert [(r[0], r[1]) for r in rows] == [("1", "x,y"), ("3", "z")]
    assert lines(s, "or.csv.field-count") == [3]


# --- or.csv.rfc4180 ---------------------------------------------------------------------------


def test_valid_quoting_passes(tmp_path: Path) -> None:
    _, rows, s = read(tmp_path, b'id,a\n1,"say ""hi"""\n2,"a,b"\n3,""\n')
    assert [r[1] for r in rows] == ['say "hi"', "a,b", ""] and found(s) == set()


@pytest.mark.parametrize("bad", [b'2,a"b\n', b'2, "x"\n', b'2,"x"y\n', b'2,a""b\n', b'2,"x"\r,\n'])
def test_malformed_quoting_is_reported_and_skipped(tmp_path: Path, bad: bytes) -> None:
    _, rows, s = read(tmp_path, b"id,a\n1,ok\n" + bad + b"3,ok\n")
    assert [(r[0], r[2]) for r in rows] == [("1", 2), ("3", 4)]
    assert lines(s, "or.csv.rfc4180") == [3]


def test_unclosed_quote_at_end_of_file(tmp_path: Path) -> None:
    _, rows, s = read(tmp_path, b'id,a\n1,ok\n2,"open\n3,ok\n')
    assert lines(s, "or.csv.rfc4180") == [3]
    assert [(r[0], r[2]) for r in rows] == [("1", 2), ("3", 4)]


def test_unclosed_quote_is_resynchronised_within_the_line_limit(tmp_path: Path) -> None:
    body = b"".join(b"%d,row\n" % i for i in range(3, 400))
    data = b'id,a\n1,ok\n2,"open\n' + body
    _, rows, s = read(tmp_path, data, chunk_bytes=1024, limits=Limits(max_line_bytes=512))
    assert lines(s, "or.csv.rfc4180") == [3]
    assert [r[0] for r in rows] == ["1"] + [str(i) for i in range(3, 400)]
    assert rows[-1][2] == 400


# --- chunking does not change the answer ------------------------------------------------------

MESSY = (
    "id,name,note\r\n"
    "1,山田,plain\r\n"
    '2,"佐藤, 花子","multi\nline"\r\n'
    "3,short\r\n"
    '4,"a""b",x\n'
    "5,a,b,c\r\n"
    '6,ok,"x"y\r\n'
    "\r\n"
    '7,"e\rf",z\r\n'
    "8,鈴木,last"
).encode()


@pytest.mark.parametrize("chunk_bytes", [1024, 1031, 1100, 2**20])
def test_same_result_for_any_chunk_size(tmp_path: Path, chunk_bytes: int) -> None:
    data = MESSY + b"\r\n" + b"".join(b"%d,name%d,note\r\n" % (i, i) for i in range(9, 300))
    _, rows, s = read(tmp_path, data, chunk_bytes=chunk_bytes)
    assert [r[0] for r in rows] == ["1", "2", "4", "7", "8"] + [str(i) for i in range(9, 300)]
    assert [r[-1] for r in rows][:5] == [2, 3, 6, 10, 11]
    assert rows[-1][-1] == 11 + 291
    assert lines(s, "or.csv.field-count") == [5, 7, 9]
    assert lines(s, "or.csv.rfc4180") == [8]
    assert lines(s, "or.enc.cr-in-field") == [10]
    assert lines(s, "or.enc.line-endings") == [6]


def test_many_chunks_of_a_large_file(tmp_path: Path) -> None:
    data = b"id,name\n" + b"".join(b'%d,"n\n%d"\n' % (i, i) for i in range(5000))
    stream, rows, s = read(tmp_path, data, chunk_bytes=4096)
    assert stream.rows == 5000 and found(s) == set()
    assert [r[2] for r in rows[:3]] == [2, 4, 6] and rows[-1][2] == 2 + 2 * 4999


# --- or.csv.limits -----------------------------------------------------------------------------


def test_field_and_line_limits(tmp_path: Path) -> None:
    limits = Limits(max_field_chars=10, max_line_bytes=64)
    data = b"id,a\n1,short\n2," + "あ".encode() * 11 + b"\n3," + b"x" * 100 + b"\n4,ok\n"
    _, rows, s = read(tmp_path, data, limits=limits)
    assert [f.location.row for f in s.findings["or.csv.limits"]] == [3, 4, 4]
    assert [f.location.column for f in s.findings["or.csv.limits"]][:2] == ["a", "a"]
    assert [r[0] for r in rows] == ["1", "2", "3", "4"]  # parseable rows stay in the frame


def test_limits_pass(tmp_path: Path) -> None:
    _, _, s = read(tmp_path, b"id,a\n1," + b"x" * 60 + b"\n", limits=Limits(max_field_chars=60, max_line_bytes=64))
    assert found(s) == set()


def test_huge_single_line_is_skipped_in_bounded_memory(tmp_path: Path) -> None:
    huge = b"2," + b"y" * (24 * 2**20)
    data = b"id,a\n1,ok\n" + huge + b"\n3,ok\n"
    tracemalloc.start()
    try:
        _, rows, s = read(tmp_path, data, chunk_bytes=256 * 1024, limits=Limits(max_line_bytes=512 * 1024))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [(r[0], r[2]) for r in rows] == [("1", 2), ("3", 4)]
    assert lines(s, "or.csv.limits") == [3]
    assert peak < 4 * 2**20  # a few chunk sizes, never the 24 MiB line


def test_unknown_name_is_a_caller_bug(tmp_path: Path) -> None:
    (tmp_path / "users.csv").write_bytes(b"a\n")
    bundle = open_bundle(tmp_path, sink())
    with pytest.raises(KeyError):
        read_csv(bundle, "orgs.csv", sink())


def test_reads_from_a_zip_entry(tmp_path: Path) -> None:
    import zipfile

    with zipfile.ZipFile(tmp_path / "x.zip", "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("users.csv", b"id,a\n" + b"".join(b"%d,v\n" % i for i in range(1000)))
    s = sink()
    bundle = open_bundle(tmp_path / "x.zip", s)
    stream = read_csv(bundle, "users.csv", s, chunk_bytes=2048)
    total = sum(c.df.height for c in stream)
    bundle.close()
    assert total == 1000 == stream.rows and found(s) == set()


def test_hostile_header_names_are_plain_names(tmp_path: Path) -> None:
    stream, rows, s = read(tmp_path, b'*,^a.*$,"",b\n1,"x\ry",,4\n')
    assert stream.columns == ["*", "^a.*$", "", "b"]
    assert rows == [("1", "x\ry", "", "4", 2)]
    assert [f.location.column for f in s.findings["or.enc.cr-in-field"]] == ["^a.*$"]


def test_cr_after_a_closing_quote_is_malformed(tmp_path: Path) -> None:
    _, rows, s = read(tmp_path, b'id,a,b\n1,"x"\r,y\n2,z,w\n')
    assert lines(s, "or.csv.rfc4180") == [2] and [r[0] for r in rows] == ["2"]


def test_bad_records_are_isolated_by_halving(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    good = [b'%d,"name\n%d",x\n' % (i, i) for i in range(2000)]
    data = b"id,name,c\n" + b"".join(good[:1000]) + b"bad,row\n" + b"".join(good[1000:]) + b'9999,"a""b",z\n'
    _, expected, s_expected = read(tmp_path, data)
    monkeypatch.setattr(reader, "_MIN_SPLIT", 256)
    scanned: list[int] = []
    slow = reader.CsvStream._slow

    def spy(self: reader.CsvStream, data: bytes, line0: int, final: bool) -> Any:
        scanned.append(len(data))
        return slow(self, data, line0, final)

    monkeypatch.setattr(reader.CsvStream, "_slow", spy)
    _, rows, s = read(tmp_path, data)
    assert 0 < sum(scanned) < len(data) // 20  # only small regions around the two bad records
    assert rows == expected and len(rows) == 2001 and rows[-1][:2] == ("9999", 'a"b')
    assert lines(s, "or.csv.field-count") == lines(s_expected, "or.csv.field-count") == [2002]


def test_abandoned_iteration_stops_the_read_ahead(tmp_path: Path) -> None:
    import threading

    folder = tmp_path / "b"
    folder.mkdir()
    (folder / "users.csv").write_bytes(b"id,a\n" + b"".join(b"%d,v\n" % i for i in range(5000)))
    s = sink()
    bundle = open_bundle(folder, s)
    chunks = iter(read_csv(bundle, "users.csv", s, chunk_bytes=1024))
    first = next(chunks)
    assert first.df.height > 0
    assert any(t.name == "renkei-readahead" for t in threading.enumerate())
    chunks.close()  # type: ignore[attr-defined]
    assert not any(t.name == "renkei-readahead" for t in threading.enumerate())
    bundle.close()


@pytest.mark.parametrize(("chunk_bytes", "split"), [(2**20, 2**30), (64, 2**30), (500, 2**30), (2**20, 100)])
def test_a_single_stray_quote_costs_one_record_at_any_chunk_size(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk_bytes: int, split: int) -> None:
    monkeypatch.setattr(reader, "_MIN_SPLIT", split)
    body = b"".join(b'%d,"name %d",x\n' % (i, i) for i in range(3, 200))
    _, rows, s = read(tmp_path, b'id,name,c\n1,a,b\n2,John "JJ Smith,c\n' + body, chunk_bytes=chunk_bytes)
    assert [r[0] for r in rows] == ["1"] + [str(i) for i in range(3, 200)]
    assert rows[-1][-1] == 200 and lines(s, "or.csv.rfc4180") == [3]


def test_cr_only_line_endings_are_one_error_and_read_as_lines() -> None:
    """Classic Mac "CSV (Macintosh)": one cr-in-field error at line 1, rows analysed as an editor shows them."""
    from renkei.harness.oneroster.csv.reader import CsvStream

    sink = FindingSink({"or.enc.cr-in-field": {}, "or.csv.field-count": {}})
    stream = CsvStream("orgs.csv", sink, Limits(), 1 << 20)
    stream._start(io.BytesIO(b"sourcedId,name\rs1,A\rs2,B\r"))
    rows = [r for chunk in stream for r in chunk.df.iter_rows(named=True)]
    assert stream.header == ["sourcedId", "name"]
    assert [(r["sourcedId"], r["__line__"]) for r in rows] == [("s1", 2), ("s2", 3)]
    assert sink.counts["or.enc.cr-in-field"] == 1 and sink.findings["or.enc.cr-in-field"][0].location.row == 1
    assert not sink.counts.get("or.csv.field-count")
