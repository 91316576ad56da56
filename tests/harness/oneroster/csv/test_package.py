"""Bundle opening: hostile zips are built for real (zipfile + raw byte patching) and must end as
findings with the entry name, never as exceptions or as files outside the target."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest

from renkei.harness.core.errors import ConfigError
from renkei.harness.core.model import Severity
from renkei.harness.core.registry import REGISTRY
from renkei.harness.oneroster.csv import checks_package
from renkei.harness.oneroster.csv.package import (
    EntryError,
    LimitedReader,
    Limits,
    limits_from_params,
    open_bundle,
)
from renkei.harness.oneroster.csv.phases import Analysis
from renkei.harness.oneroster.csv.reader import read_csv
from renkei.harness.oneroster.csv.sink import FindingSink

USERS = b"sourcedId,givenName\nu1,Taro\n"
PKG_IDS = ("or.pkg.zip", "or.pkg.root", "or.pkg.path-traversal", "or.pkg.symlink", "or.pkg.duplicate-entry",
           "or.pkg.entry-name-encoding", "or.pkg.zip-bomb", "or.pkg.unreadable")


def sink() -> FindingSink:
    return FindingSink({c.id: {} for c in REGISTRY.all()})


def build_zip(path: Path, entries: list[tuple[str | zipfile.ZipInfo, bytes]],
              patches: dict[bytes, bytes] | None = None, method: int = zipfile.ZIP_DEFLATED) -> Path:
    """Write a zip, then patch raw bytes (same length) in local headers and the central directory."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=method) as zf:
        for name, data in entries:
            zf.writestr(name, data)
    raw = buf.getvalue()
    for old, new in (patches or {}).items():
        assert len(old) == len(new) and old in raw
        raw = raw.replace(old, new)
    path.write_bytes(raw)
    return path


def ids(s: FindingSink) -> set[str]:
    return {k for k, v in s.findings.items() if v}


def entries_of(s: FindingSink, check_id: str) -> list[str | None]:
    return [f.location.entry for f in s.findings[check_id]]


def test_clean_zip_has_no_package_findings(tmp_path: Path) -> None:
    s = sink()
    b = open_bundle(build_zip(tmp_path / "ok.zip", [("manifest.csv", b"propertyName,value\n"), ("users.csv", USERS)]), s)
    assert b.ok and b.kind == "zip" and set(b.files) == {"manifest.csv", "users.csv"}
    assert ids(s) == set()
    assert b.open("users.csv").read() == USERS
    b.close()


def test_zip_extension_required(tmp_path: Path) -> None:
    s = sink()
    b = open_bundle(build_zip(tmp_path / "bundle.dat", [("users.csv", USERS)]), s)
    assert b.ok and "users.csv" in b.files  # still analysed
    assert ids(s) == {"or.pkg.zip"}
    b.close()


def test_not_a_zip_is_a_finding_and_unusable(tmp_path: Path) -> None:
    target = tmp_path / "bundle.zip"
    target.write_bytes(b"sourcedId\nnot a zip\n")
    s = sink()
    b = open_bundle(target, s)
    assert not b.ok and b.files == {}
    assert ids(s) == {"or.pkg.zip"}


def test_corrupt_central_directory_never_raises(tmp_path: Path) -> None:
    # UTF-8 flag set but the name bytes are not UTF-8: zipfile itself raises while listing.
    path = build_zip(tmp_path / "bad.zip", [("é.csv", USERS)], patches={"é".encode(): b"\xff\xfe"})
    s = sink()
    b = open_bundle(path, s)
    assert not b.ok
    assert ids(s) == {"or.pkg.zip"}


def test_folder_is_accepted_with_a_note(tmp_path: Path) -> None:
    (tmp_path / "users.csv").write_bytes(USERS)
    s = sink()
    b = open_bundle(tmp_path, s)
    assert b.ok and b.kind == "folder" and list(b.files) == ["users.csv"]
    assert ids(s) == set() and "or.pkg.zip" in s.skips


def test_enclosing_folder_is_reported_and_analysed_as_root(tmp_path: Path) -> None:
    s = sink()
    b = open_bundle(build_zip(tmp_path / "x.zip", [("export/", b""), ("export/users.csv", USERS)]), s)
    assert ids(s) == {"or.pkg.root"} and entries_of(s, "or.pkg.root") == ["export/"]
    assert list(b.files) == ["users.csv"]
    assert b.open("users.csv").read() == USERS
    b.close()


def test_nested_folder_is_reported_and_ignored(tmp_path: Path) -> None:
    s = sink()
    b = open_bundle(build_zip(tmp_path / "x.zip", [("users.csv", USERS), ("old/users.csv", USERS),
                                                  ("__MACOSX/._users.csv", b"x")]), s)
    assert list(b.files) == ["users.csv"]
    assert sorted(entries_of(s, "or.pkg.root")) == ["__MACOSX/", "old/"]


def test_nested_folder_in_folder_target(tmp_path: Path) -> None:
    (tmp_path / "users.csv").write_bytes(USERS)
    (tmp_path / "sub").mkdir()
    s = sink()
    b = open_bundle(tmp_path, s)
    assert list(b.files) == ["users.csv"] and entries_of(s, "or.pkg.root") == ["sub/"]


@pytest.mark.parametrize(("placeholder", "hostile"), [
    (b"zz/users.csv", b"../users.csv"),
    (b"Zetc_users.csv", b"/etc/users.csv"),
    (b"C_users.csv", b"C:users.csv"),
    (b"a_users.csv", b"a\\users.csv"),
])
def test_path_traversal_entries_are_ignored(tmp_path: Path, placeholder: bytes, hostile: bytes) -> None:
    path = build_zip(tmp_path / "x.zip", [("manifest.csv", b"propertyName,value\n"), (placeholder.decode(), USERS)],
                     patches={placeholder: hostile})
    s = sink()
    b = open_bundle(path, s)
    assert entries_of(s, "or.pkg.path-traversal") == [hostile.decode()]
    assert list(b.files) == ["manifest.csv"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.zip"]  # nothing written anywhere


def test_symlink_entry_is_ignored(tmp_path: Path) -> None:
    link = zipfile.ZipInfo("users.csv")
    link.create_system = 3
    link.external_attr = (0o120777 << 16)
    s = sink()
    b = open_bundle(build_zip(tmp_path / "x.zip", [(link, b"/etc/passwd"), ("orgs.csv", USERS)]), s)
    assert entries_of(s, "or.pkg.symlink") == ["users.csv"]
    assert list(b.files) == ["orgs.csv"]


def test_symlink_in_folder_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside.csv"
    outside.write_bytes(USERS)
    target = tmp_path / "bundle"
    target.mkdir()
    os.symlink(outside, target / "users.csv")
    s = sink()
    b = open_bundle(target, s)
    assert b.files == {} and entries_of(s, "or.pkg.symlink") == ["users.csv"]


def test_duplicate_entries(tmp_path: Path) -> None:
    path = build_zip(tmp_path / "x.zip", [("users.csv", USERS), ("users.csX", b"sourcedId\nsecond\n"),
                                         ("Orgs.csv", USERS), ("orgs.csv", USERS)],
                     patches={b"users.csX": b"users.csv"})
    s = sink()
    b = open_bundle(path, s)
    found = entries_of(s, "or.pkg.duplicate-entry")
    assert found == ["users.csv", "orgs.csv"]
    assert b.open("users.csv").read() == USERS  # the first occurrence is used
    b.close()


def test_duplicate_case_clash_in_folder(tmp_path: Path) -> None:
    (tmp_path / "users.csv").write_bytes(USERS)
    (tmp_path / "Users.csv").write_bytes(USERS)
    s = sink()
    open_bundle(tmp_path, s)
    assert len(s.findings["or.pkg.duplicate-entry"]) == 1


def test_shift_jis_entry_name_is_named_and_decoded(tmp_path: Path) -> None:
    sjis = "生徒.csv".encode("cp932")
    placeholder = b"X" * (len(sjis) - 4) + b".csv"
    s = sink()
    b = open_bundle(build_zip(tmp_path / "x.zip", [(placeholder.decode(), USERS)], patches={placeholder: sjis}), s)
    (finding,) = s.findings["or.pkg.entry-name-encoding"]
    assert "Shift_JIS/CP932" in finding.message and finding.value == "生徒.csv"
    assert finding.location.entry == "生徒.csv"
    assert list(b.files) == ["生徒.csv"]


def test_utf8_flagged_name_is_fine(tmp_path: Path) -> None:
    s = sink()
    b = open_bundle(build_zip(tmp_path / "x.zip", [("生徒.csv", USERS)]), s)
    assert ids(s) == set() and list(b.files) == ["生徒.csv"]


def test_high_ratio_entry_is_not_read(tmp_path: Path) -> None:
    bomb = b"\0" * (8 * 2**20)
    s = sink()
    b = open_bundle(build_zip(tmp_path / "x.zip", [("users.csv", USERS), ("orgs.csv", bomb)]), s)
    assert entries_of(s, "or.pkg.zip-bomb") == ["orgs.csv"]
    assert list(b.files) == ["users.csv"]


def test_size_and_count_limits(tmp_path: Path) -> None:
    path = build_zip(tmp_path / "x.zip", [(f"f{i}.csv", USERS) for i in range(5)], method=zipfile.ZIP_STORED)
    s = sink()
    assert not open_bundle(path, s, Limits(max_entries=3)).ok
    assert ids(s) == {"or.pkg.zip-bomb"}
    s = sink()
    b = open_bundle(path, s, Limits(max_total_bytes=3 * len(USERS)))
    assert sorted(b.files) == ["f0.csv", "f1.csv", "f2.csv"] and entries_of(s, "or.pkg.zip-bomb") == ["f3.csv"]
    s = sink()
    b = open_bundle(path, s, Limits(max_entry_bytes=len(USERS) - 1))
    assert b.files == {} and len(s.findings["or.pkg.zip-bomb"]) == 5


def test_reader_stops_at_the_limit() -> None:
    reader = LimitedReader(io.BytesIO(b"x" * 500), limit=100)
    with pytest.raises(EntryError) as err:
        while reader.read(64):
            pass
    assert err.value.check_id == "or.pkg.zip-bomb" and reader.consumed <= 164


def test_crc_error_is_reported_while_reading(tmp_path: Path) -> None:
    body = b"sourcedId,givenName\n" + b"u1,Taro\n" * 50
    corrupt = body.replace(b"Taro\nu1", b"Tar0\nu1", 1)
    path = build_zip(tmp_path / "x.zip", [("users.csv", body)], patches={body: corrupt}, method=zipfile.ZIP_STORED)
    s = sink()
    b = open_bundle(path, s)
    assert ids(s) == set()  # CRC is only known once the entry has been read
    stream = read_csv(b, "users.csv", s)
    list(stream)
    (finding,) = s.findings["or.pkg.unreadable"]
    assert "CRC" in finding.message and finding.location.entry == "users.csv"
    b.close()


def test_unsupported_and_encrypted_entries(tmp_path: Path) -> None:
    # compression method 9 (deflate64) and the "encrypted" flag bit, patched into both headers
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr("users.csv", USERS)
        zf.writestr("orgs.csv", USERS)
    raw = bytearray(buf.getvalue())
    for sig, flag_at, method_at in ((b"PK\x03\x04", 6, 8), (b"PK\x01\x02", 8, 10)):
        first = raw.find(sig)
        second = raw.find(sig, first + 4)
        raw[first + method_at] = 9
        raw[second + flag_at] |= 0x1
    (tmp_path / "x.zip").write_bytes(bytes(raw))
    s = sink()
    b = open_bundle(tmp_path / "x.zip", s)
    assert b.files == {}
    assert sorted(entries_of(s, "or.pkg.unreadable")) == ["orgs.csv", "users.csv"]


def test_bzip2_is_reported_but_read(tmp_path: Path) -> None:
    s = sink()
    b = open_bundle(build_zip(tmp_path / "x.zip", [("users.csv", USERS)], method=zipfile.ZIP_BZIP2), s)
    assert entries_of(s, "or.pkg.unreadable") == ["users.csv"]
    assert b.open("users.csv").read() == USERS
    b.close()


def test_limits_from_params() -> None:
    assert limits_from_params({"max_ratio": 500, "other": 1}) == Limits(max_ratio=500.0)
    with pytest.raises(ConfigError, match="max_entries"):
        limits_from_params({"max_entries": "many"})


def test_phase_sets_bundle_or_none(tmp_path: Path) -> None:
    good = build_zip(tmp_path / "ok.zip", [("users.csv", USERS)])
    analysis = Analysis(path=good, params={}, sink=sink())
    checks_package.package_phase(analysis)
    assert analysis.shared["bundle"] is not None and callable(analysis.shared["close"])
    analysis.shared["close"]()
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"nope")
    analysis = Analysis(path=bad, params={}, sink=sink())
    checks_package.package_phase(analysis)
    assert analysis.shared["bundle"] is None


def test_check_metadata() -> None:
    for check_id in PKG_IDS:
        d = REGISTRY.get(check_id)
        assert d.kind == "oneroster-csv" and d.requirement.startswith("OR 1.2.1 CSV")
        assert d.title.ja and d.title.en and d.description.ja and d.description.en
    assert REGISTRY.get("or.pkg.entry-name-encoding").severity == Severity.WARNING
    assert REGISTRY.get("or.pkg.zip-bomb").severity == Severity.ERROR


def test_local_header_name_mismatch_is_unreadable_not_a_crash(tmp_path: Path) -> None:
    path = build_zip(tmp_path / "x.zip", [("users.csv", USERS)])
    raw = path.read_bytes()
    path.write_bytes(raw.replace(b"users.csv", b"evil!.csv", 1))  # local header only
    s = sink()
    b = open_bundle(path, s)
    rows = list(read_csv(b, "users.csv", s))
    assert rows == [] and entries_of(s, "or.pkg.unreadable") == ["users.csv"]
    b.close()


def test_checks_report_through_the_target(tmp_path: Path) -> None:
    from renkei.harness.core.context import CheckContext, CheckSkipped
    from renkei.harness.oneroster.csv.target import OneRosterCsvTarget, report_bucket

    path = build_zip(tmp_path / "x.zip", [("users.csv", USERS), ("zz/x.csv", USERS)],
                     patches={b"zz/x.csv": b"../x.csv"})
    target = OneRosterCsvTarget(str(path), {})
    target.activate({check_id: {} for check_id in PKG_IDS})
    ctx = CheckContext(REGISTRY.get("or.pkg.path-traversal"), target)
    report_bucket(ctx)
    assert ctx.count == 1 and ctx.findings[0].location.entry == "../x.csv"
    ctx = CheckContext(REGISTRY.get("or.pkg.symlink"), target)
    report_bucket(ctx)
    assert ctx.count == 0

    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "users.csv").write_bytes(USERS)
    target = OneRosterCsvTarget(str(tmp_path / "folder"), {})
    target.activate({check_id: {} for check_id in PKG_IDS})
    with pytest.raises(CheckSkipped, match="folder"):
        report_bucket(CheckContext(REGISTRY.get("or.pkg.zip"), target))


def test_folder_file_name_in_shift_jis(tmp_path: Path) -> None:
    raw = os.fsencode(str(tmp_path)) + b"/" + "名簿.csv".encode("cp932")
    with open(raw, "wb") as fh:
        fh.write(USERS)
    s = sink()
    b = open_bundle(tmp_path, s)
    (finding,) = s.findings["or.pkg.entry-name-encoding"]
    assert finding.value == "名簿.csv" and "Shift_JIS/CP932" in finding.message
    assert list(b.files) == ["名簿.csv"] and b.open("名簿.csv").read() == USERS
    b.close()


def test_entry_count_is_read_from_the_real_end_record(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("users.csv", USERS)
        # a fake end record (declaring 32767 entries) inside the archive comment
        zf.comment = b"PK\x05\x06" + b"\x00" * 6 + b"\xff\x7f" + b"\x00" * 10 + b" exported by a tool"
    (tmp_path / "x.zip").write_bytes(buf.getvalue())
    s = sink()
    b = open_bundle(tmp_path / "x.zip", s, Limits(max_entries=5))
    # not mistaken for a 32767-entry bomb; Python's zipfile trusts the fake (lists nothing), which
    # other zip tools would not: reported as an ambiguous archive
    assert "or.pkg.zip-bomb" not in ids(s)
    (finding,) = s.findings["or.pkg.zip"]
    assert "declares 1 entries but 0 are listed" in finding.message
    b.close()
