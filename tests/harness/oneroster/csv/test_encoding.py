"""Encoding checks: UTF-8 validity with byte offsets, the Shift_JIS/CP932 fallback, BOM, CR
inside fields and mixed line endings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from renkei.harness.core.model import Severity
from renkei.harness.core.registry import REGISTRY
from renkei.harness.oneroster.csv import checks_package  # noqa: F401  (registers the checks)
from renkei.harness.oneroster.csv.encoding import LineEndings, is_cp932, scan_invalid, sniff
from renkei.harness.oneroster.csv.package import open_bundle
from renkei.harness.oneroster.csv.reader import read_csv
from renkei.harness.oneroster.csv.sink import FindingSink

ENC_IDS = ("or.enc.utf8", "or.enc.bom", "or.enc.cr-in-field", "or.enc.line-endings", "or.csv.rfc4180",
           "or.csv.field-count", "or.csv.limits")


def sink() -> FindingSink:
    return FindingSink({c.id: {} for c in REGISTRY.all()})


def read(tmp_path: Path, data: bytes, chunk_bytes: int = 32 * 2**20) -> tuple[Any, list[tuple[Any, ...]], FindingSink]:
    folder = tmp_path / f"b{len(list(tmp_path.iterdir()))}"
    folder.mkdir()
    (folder / "users.csv").write_bytes(data)
    s = sink()
    bundle = open_bundle(folder, s)
    stream = read_csv(bundle, "users.csv", s, chunk_bytes=chunk_bytes)
    rows = [r for chunk in stream for r in chunk.df.rows()]
    bundle.close()
    return stream, rows, s


def found(s: FindingSink) -> set[str]:
    return {k for k, v in s.findings.items() if v}


# --- helpers of encoding.py ------------------------------------------------------------------


def test_sniff() -> None:
    assert sniff(b"plain ascii") == "utf-8"
    assert sniff("山田".encode()) == "utf-8"
    assert sniff("山田".encode("cp932")) == "cp932"
    assert sniff(b"\xff\xfe\xfd") == "utf-8"  # neither: stay on UTF-8 and report


def test_is_cp932_rejects_unassigned_single_bytes() -> None:
    assert is_cp932("ｶﾀｶﾅと漢字".encode("cp932"))
    assert not is_cp932(b"abc\xff")
    assert not is_cp932(b"abc\x80")


def test_scan_invalid_offsets_and_cap() -> None:
    bad = scan_invalid(b"ab\xffcd\xfe\xfe", cap=2)
    assert bad.total == 3 and bad.spots == [(2, 3), (5, 6)] and bad.text == "ab\ufffdcd\ufffd\ufffd"


def test_line_endings_counter() -> None:
    endings = LineEndings()
    endings.add(2, 0, b"a\r\nb\r\n", 1)
    assert not endings.mixed
    endings.add(1, 1, b"c\r\nd\ne\r\n", 3)
    assert endings.mixed and endings.deviation_line == 4


# --- or.enc.utf8 -------------------------------------------------------------------------------


def test_utf8_passes(tmp_path: Path) -> None:
    stream, rows, s = read(tmp_path, "id,name\n1,山田\n".encode())
    assert stream.encoding == "utf-8" and rows == [("1", "山田", 2)] and found(s) == set()


def test_invalid_utf8_is_located_and_reading_continues(tmp_path: Path) -> None:
    data = "id,name\n1,山田\n2,a".encode() + b"\xff" + b"b\n3,c\n"
    _, rows, s = read(tmp_path, data)
    (f,) = s.findings["or.enc.utf8"]
    assert f.location.row == 3 and f.location.byte_offset == data.index(b"\xff") and f.value == "ff"
    assert "CP932" not in f.message
    assert [r[1] for r in rows] == ["山田", "a\ufffdb", "c"]


def test_cp932_file_is_named_and_decoded(tmp_path: Path) -> None:
    data = "id,name\r\n1,山田\r\n2,ﾀﾛｳ\r\n".encode("cp932")
    stream, rows, s = read(tmp_path, data)
    (f,) = s.findings["or.enc.utf8"]
    assert "Shift_JIS/CP932 detected" in f.message and f.location.row == 2
    assert f.location.byte_offset == data.index("山".encode("cp932"))
    assert stream.encoding == "cp932" and [r[1] for r in rows] == ["山田", "ﾀﾛｳ"]


def test_cp932_detected_after_an_ascii_start(tmp_path: Path) -> None:
    data = b"id,name\n" + b"".join(b"%d,ascii\n" % i for i in range(200)) + "999,佐藤\n".encode("cp932")
    stream, rows, s = read(tmp_path, data, chunk_bytes=1024)
    assert stream.encoding == "cp932" and rows[-1][1] == "佐藤" and len(rows) == 201
    (f,) = s.findings["or.enc.utf8"]
    assert "Shift_JIS/CP932" in f.message and f.location.row == 202


def test_not_cp932_as_a_whole_reports_each_invalid_sequence(tmp_path: Path) -> None:
    data = "id,name\n1,山\n".encode("cp932") + b"2,x\xffy\n"
    _, rows, s = read(tmp_path, data)
    assert [f.location.row for f in s.findings["or.enc.utf8"]] == [2, 3]  # 8E (山 lead byte), FF
    assert all("CP932" not in f.message for f in s.findings["or.enc.utf8"]) and len(rows) == 2


def test_bytes_invalid_in_both_encodings(tmp_path: Path) -> None:
    body = b"".join(b"%d,x\n" % i for i in range(300))
    data = "id,name\n1,山田\n".encode("cp932") + body + b"2,x\xffy\n"
    stream, rows, s = read(tmp_path, data, chunk_bytes=1024)
    messages = [f.message for f in s.findings["or.enc.utf8"]]
    assert len(messages) == 2 and "both UTF-8 and Shift_JIS/CP932" in messages[1]
    assert s.findings["or.enc.utf8"][1].location.row == 303 and len(rows) == 302
    assert stream.encoding == "cp932" and rows[0][1] == "山田"


def test_utf16_is_reported_and_not_read(tmp_path: Path) -> None:
    stream, rows, s = read(tmp_path, "id,name\n1,a\n".encode("utf-16"))
    assert stream.header == [] and rows == [] and found(s) == {"or.enc.utf8"}


# --- or.enc.bom ----------------------------------------------------------------------------------


def test_bom_is_a_warning_and_stripped(tmp_path: Path) -> None:
    stream, rows, s = read(tmp_path, b"\xef\xbb\xbfid,name\n1,a\n")
    assert stream.header == ["id", "name"] and rows == [("1", "a", 2)]
    (f,) = s.findings["or.enc.bom"]
    assert f.location.row == 1 and f.location.byte_offset == 0
    assert REGISTRY.get("or.enc.bom").severity == Severity.WARNING


def test_bom_byte_offsets_count_the_bom(tmp_path: Path) -> None:
    data = b"\xef\xbb\xbfid,name\n1,\xff\n"
    _, _, s = read(tmp_path, data)
    assert s.findings["or.enc.utf8"][0].location.byte_offset == data.index(b"\xff")


def test_no_bom_passes(tmp_path: Path) -> None:
    _, _, s = read(tmp_path, b"id,name\n1,a\n")
    assert "or.enc.bom" not in found(s)


# --- or.enc.cr-in-field ----------------------------------------------------------------------------


@pytest.mark.parametrize("record", [b'2,"a\rb"', b"2,a\rb", b'2,"a\r\nb"'])
def test_cr_inside_a_field(tmp_path: Path, record: bytes) -> None:
    _, rows, s = read(tmp_path, b"id,name\r\n1,x\r\n" + record + b"\r\n3,y\r\n")
    (f,) = s.findings["or.enc.cr-in-field"]
    assert f.location.row == 3 and f.location.column == "name"
    assert [r[0] for r in rows] == ["1", "2", "3"]


def test_crlf_terminators_are_not_cr_in_field(tmp_path: Path) -> None:
    _, _, s = read(tmp_path, b'id,name\r\n1,"x"\r\n2,\r\n')
    assert found(s) == set()


# --- or.enc.line-endings ---------------------------------------------------------------------------


def test_mixed_line_endings_once_at_first_deviation(tmp_path: Path) -> None:
    _, _, s = read(tmp_path, b"id,name\r\n1,a\r\n2,b\n3,c\r\n4,d\n")
    (f,) = s.findings["or.enc.line-endings"]
    assert f.location.row == 3 and "2 LF" in f.message and "3 CRLF" in f.message


@pytest.mark.parametrize("nl", [b"\n", b"\r\n"])
def test_consistent_line_endings_pass(tmp_path: Path, nl: bytes) -> None:
    _, _, s = read(tmp_path, b"id,name" + nl + b"1,a" + nl + b"2,b" + nl)
    assert found(s) == set()


def test_check_metadata() -> None:
    for check_id in ENC_IDS:
        d = REGISTRY.get(check_id)
        assert d.kind == "oneroster-csv" and "OR 1.2.1 CSV" in d.requirement
        assert d.title.ja and d.title.en and d.description.ja and d.description.en
    assert REGISTRY.get("or.enc.line-endings").severity == Severity.WARNING
    assert REGISTRY.get("or.enc.cr-in-field").severity == Severity.ERROR
    assert "reject" in REGISTRY.get("or.enc.bom").description.en


def test_binary_file_stops_early_with_one_finding(tmp_path: Path) -> None:
    import random

    rnd = random.Random(5)
    noise = bytes(rnd.randrange(128, 256) for _ in range(200_000))
    stream, rows, s = read(tmp_path, b"id,name\n1," + noise + b"\n")
    assert rows == [] and len(s.findings["or.enc.utf8"]) == 1
    assert "not text" in s.findings["or.enc.utf8"][0].message
    stream, rows, s = read(tmp_path, noise)
    assert stream.header == [] and "not text" in s.findings["or.enc.utf8"][0].message
