"""Bundles shaped like real exports (reference oneroster.md §2.4, §4, §5): the findings must be the
ones the vendor would agree with, and legal-but-unusual input must produce no error at all."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest

from renkei.harness.core.model import Outcome, RunResult
from tests.harness.oneroster.csv import corpus_env
from tests.harness.oneroster.csv.corpus import JP, P11, P12, PROFILES
from tests.harness.oneroster.csv.corpus_env import (
    Recorder,
    base_bundle,
    check_of,
    crashed,
    explain,
    run_bundle,
)
from tests.harness.oneroster.csv.mutable_bundle import Bundle

Base = Callable[[str], bytes]

base_zip = corpus_env.base_zip  # fixtures: pytest finds them by name in this module
quiet_cli = corpus_env.quiet_cli


def _run(bundle: Bundle, profile: str, tmp_path: Path) -> RunResult:
    result = run_bundle(bundle.write(tmp_path), profile)
    assert not crashed(result), explain(result)
    return result


def _gating(result: RunResult) -> set[str]:
    return {c.id for c in result.checks if c.outcome in (Outcome.FAILED, Outcome.ERROR)}


def _noisy(result: RunResult) -> set[str]:
    return _gating(result) | {c.id for c in result.checks if c.outcome is Outcome.WARNING}


def _at(result: RunResult, check_id: str) -> set[tuple[str | None, int | None, str | None]]:
    check = check_of(result, check_id)
    assert check is not None, f"{check_id} did not run"
    return {(f.location.file, f.location.row, f.location.column) for f in check.findings}


def _data_lines(bundle: Bundle, name: str) -> range:
    return range(2, len(bundle.rows(name)) + 1)


# ------------------------------------------------------------------------- Moodle fixtures (§4)


def test_moodle_11_fixture_style(base_zip: Base, tmp_path: Path, quiet_cli: Recorder) -> None:
    """catalyst/moodle-enrol_oneroster 1.1 sets: TRUE booleans, dateLastModified 2023-05-01 and
    status filled in files the manifest calls bulk. Each is reported on every row it occurs in."""
    b = base_bundle(base_zip, P11)
    for name in ("orgs.csv", "users.csv", "enrollments.csv"):
        def moodle(rows: list[list[str]]) -> None:
            s, d = rows[0].index("status"), rows[0].index("dateLastModified")
            for r in rows[1:]:
                r[s], r[d] = "active", "2023-05-01"
                if "enabledUser" in rows[0]:
                    r[rows[0].index("enabledUser")] = "TRUE"
        b.edit(name, moodle)
    result = _run(b, P11, tmp_path)

    assert result.exit_code == 1
    users = _data_lines(b, "users.csv")
    assert {(("users.csv", n, "enabledUser")) for n in users} <= _at(result, "or.users.format")
    assert {(("users.csv", n, "dateLastModified")) for n in users} <= _at(result, "or.users.format")
    assert {(("users.csv", n, "status")) for n in users} <= _at(result, "or.users.status")
    assert {(("orgs.csv", n, "dateLastModified")) for n in _data_lines(b, "orgs.csv")} <= _at(
        result, "or.orgs.status")
    # nothing unrelated: the references, headers and manifest of the fixture are fine
    assert _gating(result) == {"or.users.format", "or.users.status", "or.orgs.format", "or.orgs.status",
                               "or.enrollments.format", "or.enrollments.status"}, explain(result)


def test_moodle_v1p2_full_dataset_style(base_zip: Base, tmp_path: Path, quiet_cli: Recorder) -> None:
    """v1p2_full_dataset.zip: misspelled prefferedGivenName/prefferedFamilyName headers, a file named
    userprofiles.csv, dates like 1/05/2023 and TRUE."""
    b = base_bundle(base_zip, P12)
    b.edit("users.csv", lambda rows: rows[0].__setitem__(rows[0].index("preferredGivenName"),
                                                         "prefferedGivenName"))
    b.edit("users.csv", lambda rows: rows[0].__setitem__(rows[0].index("preferredFamilyName"),
                                                         "prefferedFamilyName"))
    b.set_cell("users.csv", 2, "enabledUser", "TRUE")
    line = b.find("enrollments.csv", role="student")
    b.set_cell("enrollments.csv", line, "beginDate", "1/05/2023")
    uid = b.rows("users.csv")[1][0]
    b.add("userprofiles.csv", "sourcedId,status,dateLastModified,userSourcedId,profileType,vendorId,"
                              "applicationId,description,credentialType,username,password\n"
                              f"up-1,,,{uid},lms,moodle,,,,user1,\n")
    b.manifest_set("file.userProfiles", "bulk")
    result = _run(b, P12, tmp_path)

    assert result.exit_code == 1
    header = check_of(result, "or.users.header")
    assert {f.location.column for f in header.findings} >= {"preferredGivenName", "preferredFamilyName"}
    assert ("users.csv", 2, "enabledUser") in _at(result, "or.users.format")
    assert ("enrollments.csv", line, "beginDate") in _at(result, "or.enrollments.format")
    file_set = check_of(result, "or.manifest.file-set")
    assert any(f.location.file == "userprofiles.csv" and "case" in f.message for f in file_set.findings)


# ------------------------------------------------------------------------- legal but unusual


def _quote_all(b: Bundle) -> None:
    for e in b.entries:
        rows = list(csv.reader(io.StringIO(e.data.decode("utf-8"), newline="")))
        out = io.StringIO(newline="")
        csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows(rows)
        e.data = out.getvalue().encode("utf-8")


@pytest.mark.parametrize("profile", (P12, JP))
def test_l_sha_all_fields_quoted_passes(profile: str, base_zip: Base, tmp_path: Path,
                                        quiet_cli: Recorder) -> None:
    """L社 double-quotes every field (NULL becomes ""): legal RFC 4180, so no finding of any kind."""
    b = base_bundle(base_zip, profile)
    _quote_all(b)
    assert b.bytes_of("users.csv").startswith(b'"sourcedId","status"')
    result = _run(b, profile, tmp_path)
    assert result.exit_code == 0 and not _noisy(result), explain(result)


@pytest.mark.parametrize("profile", PROFILES)
def test_excel_bom_and_crlf_is_not_an_error(profile: str, base_zip: Base, tmp_path: Path,
                                            quiet_cli: Recorder) -> None:
    """Excel "CSV UTF-8": BOM + CRLF in every file. CRLF everywhere is RFC 4180; a BOM must be
    tolerated (CSV121 P5) and is only a warning because some Japanese importers reject it."""
    b = base_bundle(base_zip, profile)
    for e in b.entries:
        e.data = b"\xef\xbb\xbf" + e.data.replace(b"\n", b"\r\n")
    result = _run(b, profile, tmp_path)

    assert result.exit_code == 0, explain(result)
    assert _noisy(result) == {"or.enc.bom"}, explain(result)
    assert {f.location.file for f in check_of(result, "or.enc.bom").findings} == {e.name for e in b.entries}


def test_crlf_only_passes_without_warnings(base_zip: Base, tmp_path: Path, quiet_cli: Recorder) -> None:
    b = base_bundle(base_zip, JP)
    for e in b.entries:
        e.data = e.data.replace(b"\n", b"\r\n")
    result = _run(b, JP, tmp_path)
    assert result.exit_code == 0 and not _noisy(result), explain(result)


def test_gaiji_and_unusual_legal_values_pass(base_zip: Base, tmp_path: Path, quiet_cli: Recorder) -> None:
    """JIS X 0213 / non-BMP kanji (𠮷, 髙, 﨑), a quoted multi-value userIds list, a comma-free
    quoted title, stored (uncompressed) entries: all legal, so nothing is reported."""
    b = base_bundle(base_zip, JP)
    b.set_cell("users.csv", 2, "familyName", "𠮷田")
    b.set_cell("users.csv", 3, "familyName", "髙橋")
    b.set_cell("users.csv", 4, "givenName", "美﨑")
    b.set_cell("users.csv", 2, "userIds", "{校務:S0001},{LTI:a1b2}")
    b.set_cell("classes.csv", 2, "location", '本館 "さくら" 教室')
    for e in b.entries:
        e.compress_type = 0
    result = _run(b, JP, tmp_path)
    assert result.exit_code == 0 and not _noisy(result), explain(result)


# ------------------------------------------------------------------------- zips made on Windows / macOS


def test_windows_zip_with_sjis_entry_names(base_zip: Base, tmp_path: Path, quiet_cli: Recorder) -> None:
    """Explorer's "send to compressed folder" on a folder 名簿データ: Shift_JIS names without the UTF-8
    flag inside an enclosing folder. The names are decoded and named as Shift_JIS/CP932 (warning), the
    enclosing folder is an error (CSV121 P1), and the data inside is still analysed and clean."""
    b = base_bundle(base_zip, JP)
    for e in b.entries:
        e.name = "名簿データ/" + e.name
        e.raw_name = e.name.encode("cp932")
    b.add("名簿データ/読んでください.txt", "説明\r\n".encode("cp932"),
          raw_name="名簿データ/読んでください.txt".encode("cp932"))
    result = _run(b, JP, tmp_path)

    assert result.exit_code == 1
    names = check_of(result, "or.pkg.entry-name-encoding")
    assert names.outcome is Outcome.WARNING
    assert "名簿データ/users.csv" in {f.location.entry for f in names.findings}
    assert all("Shift_JIS/CP932" in f.message for f in names.findings)
    assert {f.location.entry for f in check_of(result, "or.pkg.root").findings} == {"名簿データ/"}
    assert _gating(result) == {"or.pkg.root"}, explain(result)


def test_windows_sjis_readme_at_root_is_only_a_warning(base_zip: Base, tmp_path: Path,
                                                       quiet_cli: Recorder) -> None:
    b = base_bundle(base_zip, JP)
    b.add("読んでください.txt", "説明\r\n".encode("cp932"), raw_name="読んでください.txt".encode("cp932"))
    result = _run(b, JP, tmp_path)
    assert result.exit_code == 0, explain(result)
    assert _noisy(result) == {"or.pkg.entry-name-encoding"}, explain(result)


def test_macos_finder_zip(base_zip: Base, tmp_path: Path, quiet_cli: Recorder) -> None:
    """Finder's "Compress": an enclosing folder plus __MACOSX/._* resource forks. Both are folders
    in the zip (CSV121 P1); the data files are still read and are clean."""
    b = base_bundle(base_zip, JP)
    for e in list(b.entries):
        b.add("__MACOSX/export/._" + e.name, b"\x00\x05\x16\x07Mac OS X        ")
        e.name = "export/" + e.name
    result = _run(b, JP, tmp_path)
    assert result.exit_code == 1
    assert {f.location.entry for f in check_of(result, "or.pkg.root").findings} == {"export/", "__MACOSX/"}
    assert _gating(result) == {"or.pkg.root"}, explain(result)


# ------------------------------------------------------------------------- Japanese exporters (§2.3, §5)


def test_shift_jis_export_is_named_and_still_analysed(base_zip: Base, tmp_path: Path,
                                                      quiet_cli: Recorder) -> None:
    """sqlcmd-style CP932 users.csv: one encoding error naming Shift_JIS/CP932, and the file is still
    read as CP932, so no header, reference or kana finding follows from the encoding alone."""
    b = base_bundle(base_zip, JP)
    b.set_bytes("users.csv", b.text("users.csv").encode("cp932"))
    result = _run(b, JP, tmp_path)
    assert result.exit_code == 1
    enc = check_of(result, "or.enc.utf8")
    assert enc.findings_count == 1 and "Shift_JIS/CP932" in enc.findings[0].message
    assert enc.findings[0].location.file == "users.csv"
    assert _gating(result) == {"or.enc.utf8"}, explain(result)


def test_da_r_style_null_parents_are_only_a_warning(base_zip: Base, tmp_path: Path,
                                                    quiet_cli: Recorder) -> None:
    """DA-R/DA-AA write the literal NULL for "no parent" and MEIBO reads it as blank (reference §2.3):
    the Japanese profiles warn about the literal and do not call it a dangling reference."""
    b = base_bundle(base_zip, JP)
    district = b.find("orgs.csv", type="district")
    b.set_cell("orgs.csv", district, "parentSourcedId", "NULL")
    b.set_cell("academicSessions.csv", 2, "parentSourcedId", "NULL")
    result = _run(b, JP, tmp_path)
    assert {("orgs.csv", district, "parentSourcedId"), ("academicSessions.csv", 2, "parentSourcedId")} <= _at(
        result, "or.jp.null-literal")
    assert result.exit_code == 0 and _noisy(result) == {"or.jp.null-literal"}, explain(result)


def test_null_parent_is_a_dangling_reference_in_the_base_profile(base_zip: Base, tmp_path: Path,
                                                                 quiet_cli: Recorder) -> None:
    """CSV121 knows no NULL: outside the Japanese profiles the literal is a sourcedId that resolves
    to nothing."""
    b = base_bundle(base_zip, P12)
    district = b.find("orgs.csv", type="district")
    b.set_cell("orgs.csv", district, "parentSourcedId", "NULL")
    result = _run(b, P12, tmp_path)
    assert result.exit_code == 1
    assert ("orgs.csv", district, "parentSourcedId") in _at(result, "or.orgs.refs")


def test_meibo_hiragana_readings_warn_but_pass(base_zip: Base, tmp_path: Path, quiet_cli: Recorder) -> None:
    """MEIBO's own spec fixture uses hiragana readings (やま) and passes; DA-AA requires katakana: a
    warning on every hiragana reading, never an error."""
    b = base_bundle(base_zip, JP)

    def to_hiragana(rows: list[list[str]]) -> None:
        i = rows[0].index("metadata.jp.kanaFamilyName")
        for r in rows[1:]:
            r[i] = "".join(chr(ord(c) - 0x60) if "\u30a1" <= c <= "\u30f6" else c for c in r[i])
    b.edit("users.csv", to_hiragana)
    result = _run(b, JP, tmp_path)
    assert result.exit_code == 0, explain(result)
    assert _noisy(result) == {"or.jp.kana-script"}, explain(result)
    rows = {n for n in _data_lines(b, "users.csv") if b.cell("users.csv", n, "metadata.jp.kanaFamilyName")}
    assert {("users.csv", n, "metadata.jp.kanaFamilyName") for n in rows} == _at(result, "or.jp.kana-script")


class _Stream(io.RawIOBase):
    """A non-seekable sink: zipfile then writes data descriptors (general purpose bit 3)."""

    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b: bytes) -> int:  # type: ignore[override]
        self.data += b
        return len(b)


def test_streamed_zip_with_data_descriptors_passes(base_zip: Base, tmp_path: Path,
                                                   quiet_cli: Recorder) -> None:
    """Java's ZipOutputStream and other streaming writers put sizes in data descriptors after each
    entry (bit 3): legal zip, so nothing is reported."""
    import zipfile

    sink = _Stream()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as zf:
        for e in base_bundle(base_zip, JP).entries:
            with zf.open(e.name, "w") as fh:
                fh.write(e.data)
    with zipfile.ZipFile(io.BytesIO(bytes(sink.data))) as zf:
        assert all(i.flag_bits & 0x8 for i in zf.infolist())
    b = Bundle(raw=bytes(sink.data))
    result = _run(b, JP, tmp_path)
    assert result.exit_code == 0 and not _noisy(result), explain(result)


def test_unzipped_folder_is_accepted(base_zip: Base, tmp_path: Path, quiet_cli: Recorder) -> None:
    """A folder target (what a vendor gets after unzipping) is analysed the same; or.pkg.zip is skipped."""
    folder = tmp_path / "export"
    folder.mkdir()
    for e in base_bundle(base_zip, JP).entries:
        (folder / e.name).write_bytes(e.data)
    result = run_bundle(folder, JP)
    assert result.exit_code == 0 and not _noisy(result), explain(result)
    assert check_of(result, "or.pkg.zip").outcome is Outcome.SKIPPED
    assert check_of(result, "or.users.required").outcome is Outcome.PASSED


@pytest.mark.parametrize("profile", PROFILES)
def test_manifest_only_zip_means_no_updates(profile: str, base_zip: Base, tmp_path: Path,
                                           quiet_cli: Recorder) -> None:
    """CSV121 P2: a zip holding only manifest.csv (every file absent) says "no updates occurred";
    nightly exports with no changes look like this, and it is legal."""
    b = base_bundle(base_zip, profile)
    b.entries = [e for e in b.entries if e.name == "manifest.csv"]

    def absent(rows: list[list[str]]) -> None:
        for r in rows[1:]:
            if r[0].startswith("file."):
                r[1] = "absent"
    b.edit("manifest.csv", absent)
    result = _run(b, profile, tmp_path)
    assert result.exit_code == 0 and not _noisy(result), explain(result)


def test_ext_terms_where_the_base_allows_them(base_zip: Base, tmp_path: Path, quiet_cli: Recorder) -> None:
    """CSV121 P17: classType, role, sex and org type take ext: terms; the base profile accepts them."""
    b = base_bundle(base_zip, P12)
    b.set_cell("classes.csv", 2, "classType", "ext:lab")
    b.set_cell("roles.csv", b.find("roles.csv", role="guardian"), "role", "ext:grandparent")
    b.set_cell("demographics.csv", 2, "sex", "ext:x-nonbinary")
    result = _run(b, P12, tmp_path)
    assert result.exit_code == 0 and not _noisy(result), explain(result)
