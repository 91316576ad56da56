"""What the reader could not deliver, in words, and how the engine turns it into "not evaluated"."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from renkei.harness.core.model import Outcome
from renkei.harness.oneroster.csv import engine as E
from renkei.harness.oneroster.csv.target import OneRosterCsvTarget
from renkei.harness.oneroster.csv.undelivered import Account, Level
from tests.harness.oneroster.csv import corpus_env
from tests.harness.oneroster.csv.bundles import (
    active_checks,
    csv_bytes,
    make_bundle,
    valid_roster,
    with_manifest,
)
from tests.harness.oneroster.csv.corpus_env import Recorder, run_bundle

quiet_cli = corpus_env.quiet_cli  # fixture


def brief_example() -> Account:
    a = Account("users.csv")
    a.gap("fields:21", "has 21 fields instead of 22", "have 21 fields instead of 22",
          by="or.csv.field-count").add([4, 9, 12])
    a.gap("unclosed", "has an unclosed quote", "have an unclosed quote", by="or.csv.rfc4180").add([30])
    return a


def test_reason_names_rows_reasons_and_lines() -> None:
    assert brief_example().reason(Level.ROWS, "or.users.required") == (
        "4 rows of users.csv were not evaluated: 3 have 21 fields instead of 22 (lines 4, 9, 12); "
        "1 has an unclosed quote (line 30)")


def test_reason_lists_the_first_lines_and_says_there_are_more() -> None:
    a = Account("orgs.csv")
    g = a.gap("fields:3", "has 3 fields instead of 7", "have 3 fields instead of 7", by="or.csv.field-count")
    g.add(list(range(2, 9)))
    g.add([], count=100)
    assert a.reason(Level.ROWS, "x") == ("107 rows of orgs.csv were not evaluated: 107 have 3 fields instead of 7 "
                                        "(lines 2, 3, 4, 5, 6, …)")


def test_reason_depends_on_what_the_check_reads() -> None:
    a = brief_example()
    assert a.reason(Level.HEADER, "or.users.header") is None  # the header was read
    assert a.reason(Level.BYTES, "or.enc.utf8") is None  # every byte was parsed
    assert a.reason(Level.ROWS, "or.csv.field-count").startswith("1 row of users.csv was not evaluated: 1 has an "
                                                                  "unclosed quote")  # its own rows are its findings
    a.gap("overlong", "is longer than max_line_bytes=64", "are longer than max_line_bytes=64",
          by="or.csv.limits", parsed=False).add([40])
    assert a.reason(Level.BYTES, "or.enc.utf8") == ("1 row of users.csv was not evaluated: 1 is longer than "
                                                    "max_line_bytes=64 (line 40)")
    assert a.reason(Level.BYTES, "or.csv.limits") is None


def test_unread_and_stopped_files() -> None:
    a = Account("orgs.csv")
    a.not_read("it is UTF-16, not UTF-8", "or.enc.utf8")
    assert not a.complete
    assert a.reason(Level.HEADER, "or.orgs.header") == "orgs.csv was not read: it is UTF-16, not UTF-8"
    assert a.reason(Level.BYTES, "or.enc.utf8") is None
    b = Account("users.csv")
    b.stop(120, "entry cannot be read (CRC-32 mismatch)", "or.pkg.unreadable")
    assert b.reason(Level.ROWS, "or.users.unique") == (
        "users.csv was read only up to line 120, the rest was not evaluated: entry cannot be read (CRC-32 mismatch)")
    assert b.reason(Level.HEADER, "or.users.header") is None


def _analyse(path: Path) -> E.FindingSink:
    target = OneRosterCsvTarget(str(path), {})
    target.activate(active_checks())
    return target.analysis().sink


def _with_short_row(files: dict, name: str, row: int = 1) -> dict:
    rows = [list(r) for r in files[name]]
    rows[row] = rows[row][:-1]
    return {**files, name: rows}


def test_dropped_rows_make_the_file_checks_not_evaluated(tmp_path: Path) -> None:
    sink = _analyse(make_bundle(tmp_path, _with_short_row(valid_roster(), "users.csv")))
    reason = "1 row of users.csv was not evaluated: 1 has 21 fields instead of 22 (line 2)"
    for cid in ("or.users.required", "or.users.unique", "or.users.not-empty", "or.sem.user-master-id-unique",
                "or.enrollments.refs", "or.roles.refs", "or.enc.cr-in-field", "or.csv.limits"):
        assert sink.unseen.get(cid) == [reason], cid
    assert "or.users.header" not in sink.unseen  # the header was read
    assert "or.csv.field-count" not in sink.unseen and sink.counts["or.csv.field-count"] == 1  # its own finding
    assert "or.orgs.required" not in sink.unseen  # orgs.csv was read completely


def test_a_file_whose_rows_were_all_dropped_is_not_empty(tmp_path: Path) -> None:
    files = valid_roster()
    files["orgs.csv"] = [files["orgs.csv"][0]] + [r + ["extra"] for r in files["orgs.csv"][1:]]
    sink = _analyse(make_bundle(tmp_path, files))
    assert not sink.counts.get("or.orgs.not-empty")
    assert sink.unseen["or.orgs.not-empty"][0].startswith("2 rows of orgs.csv were not evaluated: 2 have 8 fields")


def test_no_dangling_reference_into_a_file_with_dropped_rows(tmp_path: Path) -> None:
    sink = _analyse(make_bundle(tmp_path, _with_short_row(valid_roster(), "users.csv")))  # the student's row
    assert not sink.counts.get("or.enrollments.refs") and not sink.counts.get("or.roles.refs")
    assert not sink.counts.get("or.enrollments.format")  # the reference column was format-checked itself


def test_a_manifest_with_a_dropped_row_reports_nothing_missing(tmp_path: Path) -> None:
    files = with_manifest(valid_roster())
    manifest = [list(r) for r in files["manifest.csv"]]
    users = next(i for i, r in enumerate(manifest) if r[0] == "file.users")
    manifest[users].append("x")  # the row declaring users.csv cannot be read
    sink = _analyse(make_bundle(tmp_path, {**files, "manifest.csv": manifest}))
    assert not sink.counts.get("or.manifest.file-entries") and not sink.counts.get("or.manifest.file-set")
    assert sink.unseen["or.manifest.file-set"] == [
        f"1 row of manifest.csv was not evaluated: 1 has 3 fields instead of 2 (line {users + 1})"]
    assert sink.unseen["or.users.status"] and sink.unseen["or.package.rostering-set"]


def _folder(tmp_path: Path, files: dict, **raw: bytes) -> Path:
    """The files (+ manifest) as a folder target; ``raw`` replaces a file's bytes (name without .csv)."""
    folder = tmp_path / "bundle"
    folder.mkdir()
    for name, rows in with_manifest(files).items():
        (folder / name).write_bytes(raw.get(name[:-4], b"") or csv_bytes(rows))
    return folder


def test_utf16_file_with_a_lone_surrogate_gives_one_finding_and_no_derived_ones(tmp_path: Path) -> None:
    files = valid_roster()
    text = csv_bytes(files["orgs.csv"]).decode("utf-8").replace("見本市教育委員会", "見本\ud800市")
    sink = _analyse(_folder(tmp_path, files, orgs=b"\xff\xfe" + text.encode("utf-16-le", "surrogatepass")))
    assert [f.message for f in sink.findings["or.enc.utf8"]] == [
        "file is UTF-16 (byte order mark FF FE / FE FF), not UTF-8; it is not read"]
    for cid in ("or.orgs.header", "or.orgs.not-empty", "or.orgs.required"):
        assert not sink.counts.get(cid), cid  # no "no header row", no "no data rows"
        assert sink.unseen[cid] == ["orgs.csv was not read: it is UTF-16, not UTF-8"]
    assert not sink.counts.get("or.classes.refs")  # schools in orgs.csv were never seen: not dangling


def test_utf16_without_a_byte_order_mark_is_named(tmp_path: Path) -> None:
    files = valid_roster()
    sink = _analyse(_folder(tmp_path, files, orgs=csv_bytes(files["orgs.csv"]).decode("utf-8").encode("utf-16-be")))
    assert "without a byte order mark" in sink.findings["or.enc.utf8"][0].message
    assert not sink.counts.get("or.orgs.header")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_in_a_folder_is_named_and_never_opened(tmp_path: Path, quiet_cli: Recorder) -> None:
    folder = _folder(tmp_path, valid_roster())
    (folder / "users.csv").unlink()
    os.mkfifo(folder / "users.csv")  # opening it for reading would block until a writer comes
    result = run_bundle(folder, "oneroster12-csv")
    by_id = {c.id: c for c in result.checks}
    unreadable = by_id["or.pkg.unreadable"]
    assert unreadable.outcome is Outcome.FAILED
    assert [(f.location.entry, f.message) for f in unreadable.findings] == [
        ("users.csv", "entry is a FIFO (named pipe), not a regular file; it is not read")]
    assert by_id["or.manifest.file-set"].findings_count == 0  # not "declared bulk, but the file is missing"
    users = by_id["or.users.required"]
    assert users.outcome is Outcome.ERROR
    assert users.not_evaluated == ["users.csv was not read: it is a FIFO (named pipe), not a regular file"]
    assert result.exit_code == 1
