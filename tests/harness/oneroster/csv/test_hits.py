"""``hits``: rule results become located findings, bounded by the sink's cap but fully counted."""

from __future__ import annotations

import polars as pl

from renkei.harness.oneroster.csv.hits import LINE, emit_hits, header_hit, select, subset
from renkei.harness.oneroster.csv.sink import FindingSink


def frame(values: list[str]) -> pl.DataFrame:
    return pl.DataFrame({"role": values, LINE: list(range(2, len(values) + 2))},
                        schema={"role": pl.Utf8, LINE: pl.Int64})


def test_select_returns_lines_and_values() -> None:
    hits = select(frame(["teacher", "x", "y"]), pl.col("role") != "teacher", "role", "bad", "不正")
    assert hits[0].rows.rows() == [(3, "x"), (4, "y")]
    assert select(frame(["teacher"]), pl.col("role") != "teacher", "role", "bad", "不正") == []


def test_subset_is_none_without_matches() -> None:
    assert subset(frame(["a"]), pl.col("role") == "b") is None
    assert subset(frame(["a", "b"]), pl.col("role") == "b").height == 1  # type: ignore[union-attr]


def test_emit_counts_all_but_stores_up_to_cap() -> None:
    sink = FindingSink({"c": {}}, cap=2)
    hits = select(frame(["x"] * 5), pl.col("role") == "x", "role", "bad", "不正")
    assert emit_hits(sink, "c", "enrollments.csv", hits) == 5
    assert sink.counts["c"] == 5 and len(sink.findings["c"]) == 2
    f = sink.findings["c"][0]
    assert (f.location.file, f.location.row, f.location.column, f.value) == ("enrollments.csv", 2, "role", "x")
    assert (f.message, f.message_ja) == ("bad", "不正")


def test_inactive_check_records_nothing_and_header_hit_is_line_1() -> None:
    sink = FindingSink({})
    emit_hits(sink, "c", "users.csv", [header_hit("primary", "missing", "なし")])
    assert not sink.counts.get("c")
    assert header_hit("primary", "missing", "なし").rows[LINE].to_list() == [1]


def test_subset_keeps_only_the_named_columns() -> None:
    df = frame(["a", "b"]).with_columns(pl.lit("wide").alias("other"))
    found = subset(df, pl.col("role") == "b", ["role"])
    assert found is not None and found.columns == [LINE, "role"] and found.rows() == [(3, "b")]
    assert subset(df, pl.col("role") == "z", ["role"]) is None
