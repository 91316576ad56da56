"""The rule engine: sources, emit, keys, rule registry, the per-file loop."""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl
import pytest

from renkei.harness.core.errors import ConfigError
from renkei.harness.oneroster.csv import engine as E
from renkei.harness.oneroster.csv.analysis import analyse
from renkei.harness.oneroster.csv.sink import FindingSink
from renkei.harness.oneroster.model.schema import schema_for
from tests.harness.oneroster.csv.bundles import (
    ORG_DISTRICT,
    ORG_SCHOOL,
    failing,
    make_bundle,
    run_memory,
    valid_roster,
    with_manifest,
)


@pytest.fixture
def rules() -> Iterator[None]:
    """Let a test register rules without leaking them into other tests."""
    saved = [list(b) for b in (E.ROW_RULES, E.START_RULES, E.END_RULES, E.CROSS_RULES)]
    yield
    for bucket, old in zip((E.ROW_RULES, E.START_RULES, E.END_RULES, E.CROSS_RULES), saved, strict=True):
        bucket[:] = old


def frame(values: list[str], column: str = "a") -> pl.DataFrame:
    return pl.DataFrame({column: values, E.LINE: list(range(2, 2 + len(values)))},
                        schema={column: pl.Utf8, E.LINE: pl.Int64})


# ------------------------------------------------------------------- emit


def test_emit_counts_all_but_stores_only_room() -> None:
    sink = FindingSink({"x": {}}, cap=3)
    df = frame(["bad"] * 10 + ["ok"])
    n = E.emit(sink, "x", df, pl.col("a") == "bad", file="f.csv", column="a", message="m", ja="j")
    assert n == 10 and sink.counts["x"] == 10 and len(sink.findings["x"]) == 3
    f = sink.findings["x"][0]
    assert (f.location.file, f.location.row, f.location.column, f.value) == ("f.csv", 2, "a", "bad")
    assert (f.message, f.message_ja) == ("m", "j")
    E.emit(sink, "x", df, pl.col("a") == "bad", file="f.csv", column="a", message="m", ja="j")
    assert sink.counts["x"] == 20 and len(sink.findings["x"]) == 3


def test_emit_nothing_when_inactive_or_clean() -> None:
    sink = FindingSink({"x": {}})
    df = frame(["ok"])
    assert E.emit(sink, "y", df, None, file="f", column="a", message="m", ja="j") == 0
    assert E.emit(sink, "x", df, pl.col("a") == "bad", file="f", column="a", message="m", ja="j") == 0
    assert sink.counts.get("x", 0) == 0


def test_emit_value_column_choice() -> None:
    sink = FindingSink({"x": {}})
    df = frame(["v"]).with_columns(pl.lit("other").alias("b"))
    E.emit(sink, "x", df, None, file="f", column="a", message="m", ja="j", value=None)
    E.emit(sink, "x", df, None, file="f", column="a", message="m", ja="j", value="b")
    assert [f.value for f in sink.findings["x"]] == [None, "other"]


# ------------------------------------------------------------------- sources


def test_memory_source_chunks_lines_and_duplicate_names() -> None:
    src = E.MemorySource({"t.csv": [["a", "a", "b"], ["1", "2", "3"], ["4"], ["7", "8", "9"]]}, chunk_rows=2)
    stream = src.open("t.csv")
    frames = [c.df for c in stream]
    assert stream.header == ["a", "a", "b"]
    assert [f.height for f in frames] == [2, 1]
    assert frames[0].columns == ["a", "a#2", "b", E.LINE]
    assert frames[0][E.LINE].to_list() == [2, 3] and frames[1][E.LINE].to_list() == [4]
    assert frames[0].row(1)[:3] == ("4", "", "")


def test_memory_source_names_columns_like_the_reader() -> None:
    """A header naming ``a#2`` or ``__line__`` itself still gets distinct columns, as the reader gives."""
    from renkei.harness.oneroster.csv.reader import unique_names

    header = ["a", "a", "a#2", E.LINE]
    frames = [c.df for c in E.MemorySource({"t.csv": [header, ["1", "2", "3", "4"]]}).open("t.csv")]
    assert frames[0].columns == [*unique_names(header), E.LINE] == ["a", "a#2", "a#2#2", "__line__#2", E.LINE]
    assert frames[0].row(0) == ("1", "2", "3", "4", 2)


# ------------------------------------------------------------------- keys


def test_keystore_known_with_attribute() -> None:
    keys = E.KeyStore({"orgs"})
    keys.add("orgs", pl.DataFrame({"sourcedId": ["d", "s", ""], "type": ["district", "school", "school"],
                                   E.LINE: [2, 3, 4]}))
    assert not keys.ready("orgs")
    keys.finish("orgs")
    assert keys.ready("orgs") and keys.count("orgs") == 2
    probe = pl.DataFrame({"ref": ["d", "s", "x"]})
    got = probe.select(keys.known("orgs", "ref").alias("k"),
                       keys.known("orgs", "ref", attr="type", value="school").alias("s"))
    assert got["k"].to_list() == [True, True, False]
    assert got["s"].to_list() == [False, True, False]


def test_hash_expr_matches_series_hash() -> None:
    s = pl.Series("a", ["x", "y"])
    assert pl.DataFrame([s]).select(E.hash_expr("a"))["a"].to_list() == s.hash(seed=E.HASH_SEED).to_list()


def test_keys_are_kept_for_referenced_files() -> None:
    files = with_manifest(valid_roster())
    run = analyse(FindingSink({}), {}, E.MemorySource(files))  # type: ignore[arg-type]
    assert run.keys.ready("orgs") and run.keys.count("users") == 2
    school = pl.DataFrame({"r": [ORG_SCHOOL, ORG_DISTRICT]}).select(
        run.keys.known("orgs", "r", attr="type", value="school"))
    assert school.to_series().to_list() == [True, False]
    assert not run.keys.ready("enrollments")  # nothing references enrollments: no memory spent


# ------------------------------------------------------------------- registry and loop


def test_row_rule_runs_only_when_its_check_is_active(rules: None) -> None:
    seen: list[tuple[str, int]] = []

    @E.row_rule("users", "orgs", checks=("test.{file}.probe",))
    def probe(fc: E.FileContext, df: pl.DataFrame) -> None:
        seen.append((fc.name, df.height))

    run_memory(valid_roster(), checks="or.manifest.*")
    assert seen == []
    files = with_manifest(valid_roster())
    sink = FindingSink({"test.users.probe": {}})
    analyse(sink, {}, E.MemorySource(files, chunk_rows=1))  # type: ignore[arg-type]
    assert seen == [("users", 1), ("users", 1)]


def test_file_rules_see_header_and_totals_cross_rules_run_last(rules: None) -> None:
    events: list[str] = []

    @E.file_rule("orgs", at="start")
    def start(fc: E.FileContext) -> None:
        events.append(f"start {fc.file_name} {fc.header[0]} {fc.rows}")

    @E.file_rule("orgs", at="end")
    def end(fc: E.FileContext) -> None:
        events.append(f"end {fc.rows} {fc.mode}")

    @E.cross_rule(order=5, reads=())
    def cross(run: E.Run) -> None:
        events.append(f"cross {run.rows['orgs']}")

    analyse(FindingSink({}), {}, E.MemorySource(with_manifest(valid_roster())))  # type: ignore[arg-type]
    assert events == ["start orgs.csv sourcedId 0", "end 2 bulk", "cross 2"]


def test_registration_is_idempotent(rules: None) -> None:
    def f(run: E.Run) -> None:
        return None

    E.cross_rule(order=1, reads=())(f)
    E.cross_rule(order=1, reads=())(f)
    assert sum(r.func is f for r in E.CROSS_RULES) == 1


def test_absent_file_checks_are_skipped_with_reason() -> None:
    files = valid_roster()
    sink = run_memory(files, checks="or.demographics.*")
    assert sink.skips["or.demographics.header"] == "demographics.csv is not in the package"


def test_unknown_variant_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="columns"):
        E.Run.create(FindingSink({}), {"columns": "9.9"}, None)


def test_rescan_returns_requested_rows() -> None:
    files = with_manifest(valid_roster())
    run = E.Run.create(FindingSink({}), {}, E.MemorySource(files))  # type: ignore[arg-type]
    got = E.rescan(run, schema_for("1.2.1")["users"], pl.col(E.LINE) == 3, ["username"])
    assert got.to_dicts() == [{E.LINE: 3, "username": "teacher1"}]


# ------------------------------------------------------------------- through the real target


def _analyse_target(path: object, params: dict[str, object] | None = None) -> FindingSink:
    from renkei.harness.oneroster.csv import checks_package  # noqa: F401  (phase 10: the bundle)
    from renkei.harness.oneroster.csv.target import OneRosterCsvTarget
    from tests.harness.oneroster.csv.bundles import active_checks

    target = OneRosterCsvTarget(str(path), dict(params or {}))
    target.activate(active_checks("base"))
    return target.analysis().sink


def test_zip_through_reader_reports_physical_lines(tmp_path: object) -> None:
    files = valid_roster()
    header = files["users.csv"][0]
    files["users.csv"][1][header.index("pronouns")] = "line one\nline two"  # quoted newline: row 2 spans 2 lines
    files["users.csv"][2][header.index("enabledUser")] = "Yes"  # record on physical line 4
    path = make_bundle(tmp_path, files)  # type: ignore[arg-type]
    sink = _analyse_target(path)
    f = sink.findings["or.users.format"]
    assert len(f) == 1 and (f[0].location.file, f[0].location.row, f[0].value) == ("users.csv", 4, "Yes")
    base = {k: v for k, v in sink.counts.items() if v and k.split(".")[1] in ("manifest", "package", "users")}
    assert base == {"or.users.format": 1}


def test_unusable_target_skips_engine_checks(tmp_path: object) -> None:
    from pathlib import Path

    bogus = Path(str(tmp_path)) / "not-a-zip.zip"
    bogus.write_bytes(b"this is not a zip file")
    sink = _analyse_target(bogus)
    assert sink.skips.get("or.users.header") == "the package could not be opened"
    assert sink.counts.get("or.manifest.present", 0) == 0


def test_track_attribute_keeps_extra_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(E, "KEY_ATTRS", {k: set(v) for k, v in E.KEY_ATTRS.items()})
    monkeypatch.setattr(E, "EXTRA_KEYED", set(E.EXTRA_KEYED))
    E.track_attribute("roles", "role")
    run = analyse(FindingSink({}), {}, E.MemorySource(with_manifest(valid_roster())))  # type: ignore[arg-type]
    roles = pl.DataFrame({"r": [r[0] for r in valid_roster()["roles.csv"][1:]]})
    got = roles.select(run.keys.known("roles", "r", attr="role", value="teacher")).to_series().to_list()
    assert got == [False, True]
    assert run.variant == E.DEFAULT_VARIANT == "1.2.1"


def test_chunk_size_parameter() -> None:
    assert E.chunk_bytes({}) == 64 * 2**20
    assert E.chunk_bytes({"chunk_mib": 8}) == 8 * 2**20
    for bad in (0, "64", True, 4096):
        with pytest.raises(ConfigError, match="chunk_mib"):
            E.chunk_bytes({"chunk_mib": bad})


def test_prefetch_parameter() -> None:
    assert E.prefetch_chunks({}) is True and E.prefetch_chunks({"prefetch": False}) is False
    with pytest.raises(ConfigError, match="prefetch"):
        E.prefetch_chunks({"prefetch": "no"})


# ------------------------------------------------------------------- lookups batched per file


LATER_CASES = [  # (file, data row, column, value, check that must fire)
    ("enrollments.csv", 1, "userSourcedId", "no-such-user", "or.enrollments.refs"),
    ("enrollments.csv", 2, "userSourcedId", "bad id!", "or.enrollments.format"),
    ("roles.csv", 1, "userSourcedId", "no-such-user", "or.roles.refs"),
]


@pytest.mark.parametrize(("file", "row", "column", "value", "check"), LATER_CASES)
def test_lookup_later_finds_what_per_chunk_lookups_find(monkeypatch: pytest.MonkeyPatch, file: str, row: int,
                                                        column: str, value: str, check: str) -> None:
    files = valid_roster()
    files[file][row][files[file][0].index(column)] = value
    per_chunk = run_memory(files)
    monkeypatch.setattr(E, "LOOKUP_LATER_KEYS", 1)  # every key set counts as large: batch per file
    later = run_memory(files)
    assert later.counts[check] == per_chunk.counts[check] == 1
    assert {k: v for k, v in later.counts.items() if v} == {k: v for k, v in per_chunk.counts.items() if v}
    f = later.findings[check][0]
    assert (f.location.file, f.location.row, f.location.column, f.value) == (file, row + 1, column, value)


def test_lookup_later_queue_is_per_tag_and_emptied() -> None:
    run = E.Run.create(FindingSink({}), {}, None)
    run.keys = E.KeyStore({"users"})
    run.keys.add("users", pl.DataFrame({"sourcedId": ["u1", "u2"]}))
    run.keys.finish("users")
    fc = E.FileContext(run=run, schema=schema_for("1.2.1")["roles"], header=[])
    for values in (["u1", "zz"], ["", "u2"], ["yy", "u1"]):
        fc.chunk, fc._hashes = frame(values, "userSourcedId"), {}
        fc.lookup_later("a", "users", "userSourcedId")
    assert fc.missing_later("b", "users", "userSourcedId") is None
    missing = fc.missing_later("a", "users", "userSourcedId")
    assert missing is not None and missing.rows() == [(3, "zz"), (2, "yy")]  # queue order; blanks are no refs
    assert fc.missing_later("a", "users", "userSourcedId") is None


def test_demographics_user_batched(monkeypatch: pytest.MonkeyPatch) -> None:
    from renkei.harness.oneroster.csv import checks_jp  # noqa: F401  (registers or.sem.*)

    files = valid_roster()
    files["demographics.csv"] = [["sourcedId", "status", "dateLastModified", "birthDate"],
                                 [ORG_SCHOOL, "", "", ""]]
    monkeypatch.setattr(E, "LOOKUP_LATER_KEYS", 1)
    sink = run_memory(files, checks="or.sem.demographics-user", manifest=False)
    assert sink.counts["or.sem.demographics-user"] == 1
    f = sink.findings["or.sem.demographics-user"][0]
    assert (f.location.file, f.location.row, f.value) == ("demographics.csv", 2, ORG_SCHOOL)


# ------------------------------------------------------------------- literal NULL


def test_null_columns_and_blanking() -> None:
    df = pl.DataFrame({"a": ["NULL", "x"], "b": ["null", "NULLS"], "c": ["", "NULL"], E.LINE: [2, 3]})
    assert E.null_columns(df) == ["a", "c"]  # exact, case-sensitive
    out = E.blank_null_literals(df, ["a", "c"])
    assert out.rows() == [("", "null", "", 2), ("x", "NULLS", "", 3)]
    assert E.blank_null_literals(df, []) is df


def test_null_blanking_reaches_rules_and_rescans() -> None:
    files = valid_roster()
    files["orgs.csv"][1][files["orgs.csv"][0].index("parentSourcedId")] = "NULL"
    assert failing(run_memory(files, checks="base")) == {"or.orgs.refs": 1}
    assert failing(run_memory(files, {"null_literal_as_empty": True}, checks="base")) == {}
    run = E.Run.create(FindingSink({}), {"null_literal_as_empty": True},
                       E.MemorySource(with_manifest(files)))  # type: ignore[arg-type]
    rows = E.rescan(run, schema_for("1.2.1")["orgs"], pl.lit(True), ["parentSourcedId"])
    assert rows["parentSourcedId"].to_list() == ["", ORG_DISTRICT]


def test_match_is_computed_once_per_chunk() -> None:
    run = E.Run.create(FindingSink({}), {}, None)
    fc = E.FileContext(run=run, schema=schema_for("1.2.1")["users"], header=[])
    fc.chunk = frame(["ab", "x"])
    assert fc.matched("a", "^a") is None
    first = fc.match("a", "^a")
    assert first.to_list() == [True, False] and fc.match("a", "^a") is first and fc.matched("a", "^a") is first


def test_aligned_cuts_line_at_the_value_columns_pieces() -> None:
    a = pl.concat([pl.Series("a", ["x", "y"]), pl.Series("a", ["z"])], rechunk=False)
    b = pl.concat([pl.Series("b", ["1", "2"]), pl.Series("b", ["3"])], rechunk=False)
    df = pl.DataFrame([a, b, pl.Series(E.LINE, [2, 3, 4])])
    out = E._aligned(df)
    assert out.n_chunks("all") == [2, 2, 2] and out.equals(df)
    assert df.get_column(E.LINE).n_chunks() == 1  # the input frame is left as it was
    odd = pl.DataFrame([a, pl.Series("b", ["1", "2", "3"]), pl.Series(E.LINE, [2, 3, 4])])
    assert E._aligned(odd).n_chunks("all") == [1, 1, 1] and E._aligned(odd).equals(odd)
    single = frame(["a"])
    assert E._aligned(single) is single
