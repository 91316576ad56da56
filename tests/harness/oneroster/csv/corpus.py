"""The OneRoster defect corpus: realistic breakages of a valid generated bundle, with where they are.

Each ``Defect`` names a profile, a mutation of a small generated bundle (``mutable_bundle.Bundle``)
and returns what the validator must report: the check id and the location (file + physical row +
column for CSV cells, zip entry for package damage, byte offset for bad bytes). The defects follow
the quirks public sources describe (reference oneroster.md §1 rules P1–P17, §2.3 Japanese
restrictions, §2.4 encodings, §4 Moodle fixtures, §5 Japanese exports); ``test_corpus.py`` runs
every one through ``renkei.harness.cli.execute`` like ``renkei run`` does.

``gap`` marks a case where the validator (not the corpus) is known to be wrong; the test turns it
into a strict xfail so the gap stays visible and the case turns red once the validator is fixed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from tests.harness.oneroster.csv.mutable_bundle import Bundle

P12, P11 = "oneroster12-csv", "oneroster11-csv"
JP, EPORTAL, JPK12 = "oneroster12-csv-japan", "oneroster12-csv-eportal", "oneroster12-csv-jpk12"
PROFILES = (P12, P11, JP, EPORTAL, JPK12)

DT = "2026-04-01T09:00:00.000Z"  # a valid CSV121 DateTime


@dataclass(frozen=True)
class Expect:
    """A finding that must be present. Unset fields are not compared."""

    check_id: str
    file: str | None = None
    row: int | None = None
    column: str | None = None
    entry: str | None = None
    byte_offset: int | None = None
    contains: str | None = None  # substring of the English message

    def describe(self) -> str:
        where = {k: v for k, v in (("file", self.file), ("row", self.row), ("column", self.column),
                                   ("entry", self.entry), ("byte_offset", self.byte_offset),
                                   ("contains", self.contains)) if v is not None}
        return f"{self.check_id} at {where}"


Mutation = Callable[[Bundle], "Expect | list[Expect]"]


@dataclass(frozen=True)
class Defect:
    """One corpus case: ``mutate`` breaks a copy of the profile's base bundle and says where."""

    name: str
    profile: str
    mutate: Mutation
    exit_code: int = 1  # 0 when only warning-severity checks fire
    clean: tuple[str, ...] = ()  # checks that must report nothing (e.g. no header error after a BOM)
    gap: str | None = None  # known validator gap: strict xfail with this reason

    def apply(self, bundle: Bundle) -> list[Expect]:
        got = self.mutate(bundle)
        return got if isinstance(got, list) else [got]


def new_id(n: int) -> str:
    """A lower-case UUID v4 that no generated record uses."""
    return str(uuid.UUID(int=0xDEFEC7 << 80 | n, version=4))


def at(check_id: str, file: str, row: int | None = None, column: str | None = None, **kw: object) -> Expect:
    return Expect(check_id, file=file, row=row, column=column, **kw)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------ small helpers


def _student_user(b: Bundle) -> int:
    return b.find("users.csv", lambda r: r.get("grades", "") != "" or r.get("role") == "student")


def _set(file: str, column: str, value: str | Callable[[str], str], check: str,
         where: Callable[[dict[str, str]], bool] | None = None, **equal: str) -> Mutation:
    """Mutation: put ``value`` into ``column`` of the first matching row; expect ``check`` there."""

    def mutate(b: Bundle) -> Expect:
        line = b.find(file, where, **equal)
        new = value(b.cell(file, line, column)) if callable(value) else value
        b.set_cell(file, line, column, new)
        return at(check, file, line, column)

    return mutate


def _dangling(file: str, column: str, where: Callable[[dict[str, str]], bool] | None = None,
              check: str | None = None, n: int = 0) -> Mutation:
    return _set(file, column, new_id(100 + n), check or f"or.{file[:-4]}.refs",
                where or (lambda r: r.get(column, "") != ""))


def _rename_column(file: str, old: str, new: str, check: str) -> Mutation:
    """The finding names the specified column that is missing or misspelled."""

    def mutate(b: Bundle) -> Expect:
        b.edit(file, lambda rows: rows[0].__setitem__(rows[0].index(old), new))
        return at(check, file, 1, old)

    return mutate


def _swap_columns(file: str, a: str, c: str, check: str) -> Mutation:
    def mutate(b: Bundle) -> Expect:
        def swap(rows: list[list[str]]) -> None:
            i, j = rows[0].index(a), rows[0].index(c)
            for r in rows:
                r[i], r[j] = r[j], r[i]
        b.edit(file, swap)
        return at(check, file, 1, a)  # the first position that holds the wrong column

    return mutate


def _to_delta(b: Bundle, file: str) -> None:
    """Declare ``file`` delta in the manifest and fill status/dateLastModified in every row."""
    b.manifest_set(f"file.{file[:-4]}", "delta")

    def fill(rows: list[list[str]]) -> None:
        s, d = rows[0].index("status"), rows[0].index("dateLastModified")
        for r in rows[1:]:
            r[s], r[d] = "active", DT
    b.edit(file, fill)


def _delta_cell(file: str, column: str, value: str, check: str) -> Mutation:
    def mutate(b: Bundle) -> Expect:
        _to_delta(b, file)
        line = 3
        b.set_cell(file, line, column, value)
        return at(check, file, line, column)

    return mutate


def _manifest(prop: str, value: str, check: str, column: str | None = None) -> Mutation:
    def mutate(b: Bundle) -> Expect:
        line = b.manifest_set(prop, value)
        return at(check, "manifest.csv", line, column)

    return mutate


def _hankaku(text: str) -> str:
    table = dict(zip("アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン",
                     "ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜﾝ", strict=True))
    return "ｶﾅ" + "".join(table.get(c, c) for c in text)


def _hiragana(text: str) -> str:
    return "".join(chr(ord(c) - 0x60) if "\u30a1" <= c <= "\u30f6" else c for c in text)


def _fullwidth(text: str) -> str:
    return text.translate(str.maketrans("0123456789", "０１２３４５６７８９"))


def _bad_check_digit(code: str) -> str:
    return code[:-1] + str((int(code[-1]) + 1) % 10)


# ------------------------------------------------------------------------------ header / files


def _missing_column(b: Bundle) -> Expect:
    def drop(rows: list[list[str]]) -> None:
        i = rows[0].index("username")
        for r in rows:
            del r[i]
    b.edit("users.csv", drop)
    return at("or.users.header", "users.csv", 1, "username")


def _extension_not_metadata(b: Bundle) -> Expect:
    def add(rows: list[list[str]]) -> None:
        rows[0].append("kanaName")
        for r in rows[1:]:
            r.append("")
    b.edit("users.csv", add)
    return at("or.users.header", "users.csv", 1, "kanaName")


def _duplicate_header(b: Bundle) -> Expect:
    def add(rows: list[list[str]]) -> None:
        rows[0].append("metadata.note")
        rows[0].append("metadata.note")
        for r in rows[1:]:
            r.extend(["", ""])
    b.edit("orgs.csv", add)
    return at("or.orgs.header", "orgs.csv", 1, "metadata.note")


def _userprofiles_wrong_case(b: Bundle) -> Expect:
    users = b.rows("users.csv")
    uid = users[1][0]
    head = ("sourcedId,status,dateLastModified,userSourcedId,profileType,vendorId,applicationId,description,"
            "credentialType,username,password\n")
    b.add("userprofiles.csv", head + f"{new_id(7)},,,{uid},lms,renkei,,,,user1,\n")
    b.manifest_set("file.userProfiles", "bulk")
    return [at("or.manifest.file-set", "userprofiles.csv")]


def _missing_manifest(b: Bundle) -> Expect:
    b.remove("manifest.csv")
    return Expect("or.manifest.present", file="manifest.csv")


def _manifest_wrong_case(b: Bundle) -> Expect:
    b.rename("manifest.csv", "Manifest.csv")
    return Expect("or.manifest.present", contains="case")


def _present_but_absent(b: Bundle) -> Expect:
    line = b.manifest_set("file.demographics", "absent")
    return at("or.manifest.file-set", "manifest.csv", line, "value")  # where the vendor fixes it


def _declared_but_missing(b: Bundle) -> Expect:
    b.remove("demographics.csv")
    return at("or.manifest.file-set", "manifest.csv", b.manifest_line("file.demographics"))


def _empty_file(b: Bundle) -> Expect:
    b.set_rows("demographics.csv", b.rows("demographics.csv")[:1])
    return at("or.demographics.not-empty", "demographics.csv")


def _unknown_csv(b: Bundle) -> Expect:
    b.add("students.csv", "sourcedId,name\nx,y\n")
    return at("or.manifest.file-set", "students.csv")


# ------------------------------------------------------------------------------ values


def _duplicate_sourced_id(b: Bundle) -> Expect:
    rows = b.rows("classes.csv")
    rec = dict(zip(rows[0], rows[1], strict=True))
    line = b.append_row("classes.csv", {**rec, "title": rec["title"] + "（複製）"})
    return at("or.classes.unique", "classes.csv", line, "sourcedId")


def _delta_missing_dlm(b: Bundle) -> Expect:
    _to_delta(b, "users.csv")
    line = b.set_cell("users.csv", 4, "dateLastModified", "")
    return at("or.users.status", "users.csv", line, "dateLastModified")


def _delta_bad_status(b: Bundle) -> Expect:
    _to_delta(b, "orgs.csv")
    line = b.set_cell("orgs.csv", 2, "status", "deleted")
    return at("or.orgs.status", "orgs.csv", line, "status")


def _two_primary_roles(b: Bundle) -> Expect:
    line = b.find("roles.csv", role="teacher")
    rec = b.record("roles.csv", line)
    new = b.append_row("roles.csv", {**rec, "sourcedId": new_id(20), "role": "principal"})
    return at("or.sem.primary-role-unique", "roles.csv", new)


def _demographics_without_user(b: Bundle) -> Expect:
    line = b.set_cell("demographics.csv", 3, "sourcedId", new_id(21))
    return at("or.sem.demographics-user", "demographics.csv", line, "sourcedId")


def _user_master_duplicate(b: Bundle) -> Expect:
    first = b.find("users.csv", lambda r: r["userMasterIdentifier"] != "")
    value = b.cell("users.csv", first, "userMasterIdentifier")
    line = b.find("users.csv", lambda r: r["userMasterIdentifier"] not in ("", value))
    b.set_cell("users.csv", line, "userMasterIdentifier", value)
    return at("or.sem.user-master-id-unique", "users.csv", line, "userMasterIdentifier")


def _session_dates_reversed(b: Bundle) -> Expect:
    b.set_cell("academicSessions.csv", 2, "startDate", "2027-04-01")
    return at("or.sem.session-dates", "academicSessions.csv", 2)


def _class_refs_district(b: Bundle) -> Expect:
    district = b.rows("orgs.csv")[b.find("orgs.csv", type="district") - 1][0]
    line = b.find("classes.csv")
    b.set_cell("classes.csv", line, "schoolSourcedId", district)
    return at("or.classes.refs", "classes.csv", line, "schoolSourcedId")


def _enrollment_refs_district(b: Bundle) -> Expect:
    district = b.rows("orgs.csv")[b.find("orgs.csv", type="district") - 1][0]
    line = b.find("enrollments.csv", role="student")
    b.set_cell("enrollments.csv", line, "schoolSourcedId", district)
    return at("or.enrollments.refs", "enrollments.csv", line, "schoolSourcedId")


def _term_list_dangling(b: Bundle) -> Expect:
    line = b.find("classes.csv")
    term = b.cell("classes.csv", line, "termSourcedIds")
    b.set_cell("classes.csv", line, "termSourcedIds", f"{term},{new_id(22)}")
    return at("or.classes.refs", "classes.csv", line, "termSourcedIds")


def _role_profile_dangling(b: Bundle) -> Expect:
    line = b.find("roles.csv", role="student")
    b.set_cell("roles.csv", line, "userProfileSourcedId", new_id(23))
    return at("or.roles.refs", "roles.csv", line, "userProfileSourcedId")


# ------------------------------------------------------------------------------ Japan Profile


def _non_v4_uuid(b: Bundle) -> Expect:
    line = b.find("roles.csv", role="student")
    b.set_cell("roles.csv", line, "sourcedId", str(uuid.UUID(int=0xABCDEF << 64 | 0x1234, version=1)))
    return at("or.jp.uuid-sourcedid", "roles.csv", line, "sourcedId")


def _upper_uuid(b: Bundle) -> Expect:
    line = b.find("roles.csv", role="student")
    b.set_cell("roles.csv", line, "sourcedId", b.cell("roles.csv", line, "sourcedId").upper())
    return at("or.jp.uuid-sourcedid", "roles.csv", line, "sourcedId")


def _enrollment_headers(old: tuple[str, str], new: tuple[str, str]) -> Mutation:
    def mutate(b: Bundle) -> Expect:
        def rename(rows: list[list[str]]) -> None:
            for o, n in zip(old, new, strict=True):
                rows[0][rows[0].index(o)] = n
        b.edit("enrollments.csv", rename)
        return at("or.enrollments.header", "enrollments.csv", 1, old[0])

    return mutate


def _district_with_parent(b: Bundle) -> Expect:
    school = b.rows("orgs.csv")[b.find("orgs.csv", type="school") - 1][0]
    line = b.find("orgs.csv", type="district")
    b.set_cell("orgs.csv", line, "parentSourcedId", school)
    return at("or.jp.district-parent", "orgs.csv", line, "parentSourcedId")


# ------------------------------------------------------------------------------ encoding


def _shift_jis(b: Bundle) -> Expect:
    text = b.text("users.csv")
    data = text.encode("cp932")
    first = next(i for i, byte in enumerate(data) if byte >= 0x80)
    b.set_bytes("users.csv", data)
    return at("or.enc.utf8", "users.csv", data.count(b"\n", 0, first) + 1, contains="Shift_JIS/CP932",
              byte_offset=first)


def _invalid_byte(b: Bundle) -> Expect:
    line = b.find("users.csv")
    rows = b.rows("users.csv")
    rows[line - 1][rows[0].index("middleName")] = "@@BAD@@"
    b.set_rows("users.csv", rows)
    data = b.bytes_of("users.csv")
    offset = data.index(b"@@BAD@@")
    b.set_bytes("users.csv", data.replace(b"@@BAD@@", b"A\xffB"))
    return at("or.enc.utf8", "users.csv", line, byte_offset=offset + 1)


def _bom(b: Bundle) -> Expect:
    b.set_bytes("users.csv", b"\xef\xbb\xbf" + b.bytes_of("users.csv"))
    return at("or.enc.bom", "users.csv", 1)


def _cr_in_field(b: Bundle) -> Expect:
    line = b.find("users.csv")
    b.set_cell("users.csv", line, "middleName", "a\rb")
    return at("or.enc.cr-in-field", "users.csv", line, "middleName")


def _mixed_endings(b: Bundle) -> Expect:
    lines = b.text("classes.csv").split("\n")
    lines[3] += "\r"
    b.set_text("classes.csv", "\n".join(lines))
    return at("or.enc.line-endings", "classes.csv")


def _quoted_newline_then_error(b: Bundle) -> Expect:
    """A quoted LF at line 3 (legal) moves every later record down one physical line."""
    b.set_cell("users.csv", 3, "middleName", "一\n二")
    rows = b.rows("users.csv")
    rows[5][rows[0].index("givenName")] = ""  # record 6 -> physical line 7
    b.set_rows("users.csv", rows)
    return at("or.users.required", "users.csv", 7, "givenName")


def _unbalanced_quote(b: Bundle) -> Expect:
    lines = b.text("orgs.csv").split("\n")
    lines[2] = lines[2].replace(",school,", ',"school,', 1)
    b.set_text("orgs.csv", "\n".join(lines))
    return at("or.csv.rfc4180", "orgs.csv", 3)


def _extra_field(b: Bundle) -> Expect:
    lines = b.text("classes.csv").split("\n")
    lines[4] += ",extra"
    b.set_text("classes.csv", "\n".join(lines))
    return at("or.csv.field-count", "classes.csv", 5)


def _blank_line(b: Bundle) -> Expect:
    lines = b.text("courses.csv").split("\n")
    lines.insert(2, "")
    b.set_text("courses.csv", "\n".join(lines))
    return at("or.csv.field-count", "courses.csv", 3)


def _utf16(b: Bundle) -> Expect:
    b.set_bytes("orgs.csv", b.text("orgs.csv").encode("utf-16"))
    return at("or.enc.utf8", "orgs.csv", 1, byte_offset=0)


# ------------------------------------------------------------------------------ package


def _nested_folder(b: Bundle) -> Expect:
    for e in b.entries:
        e.name = "export/" + e.name
    return Expect("or.pkg.root", entry="export/")


def _subfolder(b: Bundle) -> Expect:
    b.add("old/users.csv", b.bytes_of("users.csv"))
    return Expect("or.pkg.root", entry="old/")


def _traversal(b: Bundle) -> Expect:
    b.add("../evil.csv", "sourcedId\nx\n")
    return Expect("or.pkg.path-traversal", entry="../evil.csv")


def _absolute(b: Bundle) -> Expect:
    b.add("/tmp/evil.csv", "sourcedId\nx\n")
    return Expect("or.pkg.path-traversal", entry="/tmp/evil.csv")


def _backslash(b: Bundle) -> Expect:
    b.add("..\\evil.csv", "sourcedId\nx\n")
    return Expect("or.pkg.path-traversal", entry="..\\evil.csv")


def _symlink(b: Bundle) -> Expect:
    b.add("passwd.csv", "/etc/passwd", symlink=True)
    return Expect("or.pkg.symlink", entry="passwd.csv")


def _duplicate_entry(b: Bundle) -> Expect:
    b.add("users.csv", b.bytes_of("users.csv"))
    return Expect("or.pkg.duplicate-entry", entry="users.csv")


def _sjis_entry_name(b: Bundle) -> Expect:
    name = "名簿メモ.txt"
    b.add(name, "メモ\n".encode("cp932"), raw_name=name.encode("cp932"))
    return Expect("or.pkg.entry-name-encoding", entry=name, contains="Shift_JIS/CP932")


def _zip_bomb(b: Bundle) -> Expect:
    b.add("padding.txt", b"\0" * (4 << 20))
    return Expect("or.pkg.zip-bomb", entry="padding.txt")


def _truncated(b: Bundle) -> Expect:
    data = b.to_bytes()
    b.raw = data[: len(data) // 2]
    return Expect("or.pkg.zip", file="bundle.zip")


def _not_a_zip(b: Bundle) -> Expect:
    b.raw = b.bytes_of("users.csv")
    return Expect("or.pkg.zip", file="bundle.zip")


def _empty_zip(b: Bundle) -> Expect:
    b.entries = []
    return Expect("or.manifest.present")


def _encrypted(b: Bundle) -> Expect:
    b.entry("users.csv").encrypted = True
    return Expect("or.pkg.unreadable", entry="users.csv")


def _bad_crc(b: Bundle) -> Expect:
    e = b.entry("classes.csv")
    e.compress_type = 0  # stored: flip a byte of the data in place after the CRC was computed
    data = b.to_bytes()
    marker = e.data[len(e.data) // 2: len(e.data) // 2 + 16]
    pos = data.index(marker)
    b.raw = data[:pos] + bytes([data[pos] ^ 0x01]) + data[pos + 1:]
    return Expect("or.pkg.unreadable", entry="classes.csv")


def _bzip2(b: Bundle) -> Expect:
    b.entry("orgs.csv").compress_type = 12
    return Expect("or.pkg.unreadable", entry="orgs.csv")


def _wrong_extension(b: Bundle) -> Expect:
    b.zip_name = "bundle.csv"
    return Expect("or.pkg.zip", file="bundle.csv")


def _deflate64_like(b: Bundle) -> Expect:
    """Compression method 9 (Deflate64, written by Windows Explorer for big files) cannot be read."""
    data = b.to_bytes()
    name = b"enrollments.csv"
    out = bytearray(data)
    for sig, method_at, name_at, len_at in ((b"PK\x03\x04", 8, 30, 26), (b"PK\x01\x02", 10, 46, 28)):
        pos = 0
        while (pos := out.find(sig, pos)) >= 0:
            n = int.from_bytes(out[pos + len_at: pos + len_at + 2], "little")
            if bytes(out[pos + name_at: pos + name_at + n]) == name:
                out[pos + method_at: pos + method_at + 2] = (9).to_bytes(2, "little")
            pos += 4
    b.raw = bytes(out)
    return Expect("or.pkg.unreadable", entry="enrollments.csv")


# ------------------------------------------------------------------------------ more layers


def _userprofile_user_dangling(b: Bundle) -> Expect:
    head = ("sourcedId,status,dateLastModified,userSourcedId,profileType,vendorId,applicationId,description,"
            "credentialType,username,password\n")
    b.add("userProfiles.csv", head + f"{new_id(30)},,,{new_id(31)},lms,renkei,,,,user1,\n")
    b.manifest_set("file.userProfiles", "bulk")
    return at("or.userProfiles.refs", "userProfiles.csv", 2, "userSourcedId")


def _invalid_byte_after_quoted_newline(b: Bundle) -> Expect:
    b.set_cell("classes.csv", 2, "location", "本館\n2階")
    rows = b.rows("classes.csv")
    rows[4][rows[0].index("location")] = "@@BAD@@"  # record 5 -> physical line 6
    b.set_rows("classes.csv", rows)
    data = b.bytes_of("classes.csv")
    offset = data.index(b"@@BAD@@")
    b.set_bytes("classes.csv", data.replace(b"@@BAD@@", b"\xc3("))
    return at("or.enc.utf8", "classes.csv", 6, byte_offset=offset)


def _bom_manifest(b: Bundle) -> Expect:
    b.set_bytes("manifest.csv", b"\xef\xbb\xbf" + b.bytes_of("manifest.csv"))
    return at("or.enc.bom", "manifest.csv", 1)


def _manifest_duplicate_property(b: Bundle) -> Expect:
    rows = b.rows("manifest.csv")
    rows.append(["file.users", "bulk"])
    b.set_rows("manifest.csv", rows)
    return at("or.manifest.header", "manifest.csv", len(rows))


def _manifest_without_version(b: Bundle) -> Expect:
    b.edit("manifest.csv", lambda rows: rows.__delitem__(b.manifest_line("oneroster.version") - 1))
    return at("or.manifest.oneroster-version", "manifest.csv")


def _manifest_bad_header(b: Bundle) -> Expect:
    b.edit("manifest.csv", lambda rows: rows.__setitem__(0, ["property", "value"]))
    return at("or.manifest.header", "manifest.csv", 1)


def _zero_byte_file(b: Bundle) -> Expect:
    b.set_bytes("demographics.csv", b"")
    return at("or.demographics.header", "demographics.csv")


def _header_trailing_space(b: Bundle) -> Expect:
    b.edit("orgs.csv", lambda rows: rows[0].__setitem__(rows[0].index("name"), "name "))
    return at("or.orgs.header", "orgs.csv", 1, "name")


def _users_12_column_in_121(b: Bundle) -> Expect:
    def add(rows: list[list[str]]) -> None:
        i = rows[0].index("userMasterIdentifier") + 1
        rows[0].insert(i, "resourceSourcedIds")
        for r in rows[1:]:
            r.insert(i, "")
    b.edit("users.csv", add)
    return at("or.users.header", "users.csv", 1, "resourceSourcedIds")


def _rostering_set_without_roles(b: Bundle) -> Expect:
    b.remove("roles.csv")
    b.manifest_set("file.roles", "absent")
    return Expect("or.package.rostering-set")


def _field_too_long(b: Bundle) -> Expect:
    line = b.find("users.csv")
    b.set_cell("users.csv", line, "middleName", "長" * 70_000)
    return at("or.csv.limits", "users.csv", line)


def _delta_dangling(b: Bundle) -> Expect:
    _to_delta(b, "enrollments.csv")
    line = b.set_cell("enrollments.csv", 3, "userSourcedId", new_id(32))
    return at("or.delta.refs", "enrollments.csv", line, "userSourcedId")


def _home_class_scheduled(b: Bundle) -> Expect:
    scheduled = b.rows("classes.csv")[b.find("classes.csv", classType="scheduled") - 1][0]
    line = b.find("users.csv", lambda r: r["metadata.jp.homeClass"] != "")
    b.set_cell("users.csv", line, "metadata.jp.homeClass", scheduled)
    return at("or.jp.home-class-homeroom", "users.csv", line, "metadata.jp.homeClass")


def _admin_primary(b: Bundle) -> Expect:
    line = b.find("roles.csv", role="teacher")
    b.set_cell("roles.csv", line, "role", "principal")
    return at("or.jp.admin-not-primary", "roles.csv", line)


def _school_without_parent(b: Bundle) -> Expect:
    line = b.find("orgs.csv", type="school")
    b.set_cell("orgs.csv", line, "parentSourcedId", "")
    return at("or.jp.school-parent", "orgs.csv", line)


def _agent_self(b: Bundle) -> Expect:
    line = b.find("users.csv", lambda r: r["agentSourcedIds"] != "")
    b.set_cell("users.csv", line, "agentSourcedIds", b.cell("users.csv", line, "sourcedId"))
    return at("or.sem.agent-self", "users.csv", line, "agentSourcedIds")


def _subjects_length(b: Bundle) -> Expect:
    line = b.find("courses.csv", lambda r: r["subjectCodes"] != "")
    b.set_cell("courses.csv", line, "subjects", b.cell("courses.csv", line, "subjects") + ",算数")
    return at("or.sem.subjects-length", "courses.csv", line)


def _enrollment_dates(b: Bundle) -> Expect:
    line = b.find("enrollments.csv", role="student")
    b.set_cell("enrollments.csv", line, "beginDate", "2027-03-31")
    b.set_cell("enrollments.csv", line, "endDate", "2026-04-01")
    return at("or.sem.enrollment-dates", "enrollments.csv", line)


def _cr_only_line_endings(b: Bundle) -> Expect:
    """Excel for Mac's "CSV (Macintosh)" ends records with a bare CR: to an RFC 4180 reader the whole
    file is one header record full of CRs (CSV121 P4)."""
    b.set_bytes("classes.csv", b.bytes_of("classes.csv").replace(b"\n", b"\r"))
    return at("or.enc.cr-in-field", "classes.csv", 1)


def _trailing_blank_lines(b: Bundle) -> Expect:
    """Skipped as importers skip them, and reported once, at the first (not once per line)."""
    lines = len(b.rows("classes.csv"))
    b.set_bytes("classes.csv", b.bytes_of("classes.csv") + b"\n\n")
    return at("or.csv.field-count", "classes.csv", lines + 1, contains="2 blank lines")


def _shift_jis_with_hankaku(b: Bundle) -> Expect:
    """A legacy CP932 export whose kana are half-width: both the encoding and the kana are reported,
    the kana on its own row (the file is analysed as CP932)."""
    line = b.find("users.csv", lambda r: r["metadata.jp.kanaFamilyName"] != "")
    b.set_cell("users.csv", line, "metadata.jp.kanaFamilyName", "ﾔﾏﾀﾞ")
    data = b.text("users.csv").encode("cp932")
    first = next(i for i, byte in enumerate(data) if byte >= 0x80)
    b.set_bytes("users.csv", data)
    return [at("or.enc.utf8", "users.csv", data.count(b"\n", 0, first) + 1, contains="Shift_JIS/CP932"),
            at("or.jp.hankaku-kana", "users.csv", line, "metadata.jp.kanaFamilyName")]


def _too_many_entries(b: Bundle) -> Expect:
    for i in range(250):
        b.add(f"tmp/{i:03d}.txt", "")
    return Expect("or.pkg.zip-bomb", file="bundle.zip")


def _zip_in_zip(b: Bundle) -> Expect:
    """Double-zipped delivery: the only entry is the real bundle."""
    inner = b.to_bytes()
    b.entries = []
    b.add("oneroster_export.zip", inner)
    return Expect("or.manifest.present")


def _upper_case_extension(b: Bundle) -> Expect:
    b.rename("users.csv", "users.CSV")
    return at("or.manifest.file-set", "users.CSV", contains="case")


def _quoted_crlf_then_error(b: Bundle) -> Expect:
    """A quoted CRLF (forbidden, P4) is reported on the line its field starts; later rows stay right."""
    b.set_cell("users.csv", 3, "middleName", "一\r\n二")
    rows = b.rows("users.csv")
    rows[5][rows[0].index("givenName")] = ""  # record 6 -> physical line 7
    b.set_rows("users.csv", rows)
    return [at("or.enc.cr-in-field", "users.csv", 3, "middleName"),
            at("or.users.required", "users.csv", 7, "givenName")]


def _crlf_file_with_quoted_lf(b: Bundle) -> Expect:
    """A CRLF file whose quoted field holds two LFs (legal): records 6 and 7 sit on lines 8 and 9."""
    b.set_cell("users.csv", 3, "middleName", "一\n二\n三")
    rows = b.rows("users.csv")
    rows[5][rows[0].index("givenName")] = ""
    rows[6][rows[0].index("enabledUser")] = "TRUE"
    b.set_rows("users.csv", rows)
    crlf = b.bytes_of("users.csv").replace(b"\n", b"\r\n")
    b.set_bytes("users.csv", crlf.replace("一\r\n二\r\n三".encode(), "一\n二\n三".encode()))
    return [at("or.users.required", "users.csv", 8, "givenName"),
            at("or.users.format", "users.csv", 9, "enabledUser")]


def _uuid_variant_c(b: Bundle) -> Expect:
    line = b.find("roles.csv", role="student")
    value = b.cell("roles.csv", line, "sourcedId")
    b.set_cell("roles.csv", line, "sourcedId", value[:19] + "c" + value[20:])  # variant nibble 8/9/a/b -> c
    return at("or.jp.uuid-sourcedid", "roles.csv", line, "sourcedId")


def _prefecture_99(b: Bundle) -> Expect:
    line = b.find("orgs.csv", type="school")
    code = b.cell("orgs.csv", line, "identifier")
    b.set_cell("orgs.csv", line, "identifier", code[:2] + "99" + code[4:])  # prefectures are 01-47
    return at("or.jp.school-code", "orgs.csv", line, "identifier")


def _list_with_space(b: Bundle) -> Expect:
    """Hand-edited lists ("id1, id2"): the space makes the second element no GUID."""
    line = b.find("classes.csv")
    term = b.cell("classes.csv", line, "termSourcedIds")
    b.set_cell("classes.csv", line, "termSourcedIds", f"{term}, {term}")
    return at("or.classes.format", "classes.csv", line, "termSourcedIds")


def _metadata_in_the_middle(b: Bundle) -> Expect:
    def insert(rows: list[list[str]]) -> None:
        rows[0].insert(5, "metadata.note")
        for r in rows[1:]:
            r.insert(5, "")
    b.edit("orgs.csv", insert)
    return at("or.orgs.header", "orgs.csv", 1, "metadata.note")


def _base_users_in_jp(b: Bundle) -> Expect:
    """A vendor sends its base 1.2.1 users.csv to a Japan Profile importer: no metadata.jp.* columns."""
    def strip(rows: list[list[str]]) -> None:
        keep = [i for i, c in enumerate(rows[0]) if not c.startswith("metadata.")]
        rows[:] = [[r[i] for i in keep] for r in rows]
    b.edit("users.csv", strip)
    return [at("or.users.header", "users.csv", 1, "metadata.jp.kanaGivenName"),
            at("or.users.header", "users.csv", 1, "metadata.jp.homeClass")]


# ------------------------------------------------------------------------------ the table

CORPUS: list[Defect] = [
    # headers and file names (CSV121 P2, P6, P7; Moodle v1p2_full_dataset; SDS issue #41)
    Defect("header-order-swapped", P12,
           _swap_columns("users.csv", "givenName", "familyName", "or.users.header")),
    Defect("header-case", P12, _rename_column("orgs.csv", "sourcedId", "sourcedid", "or.orgs.header")),
    Defect("header-misspelled-preferred", P12,
           _rename_column("users.csv", "preferredGivenName", "prefferedGivenName", "or.users.header")),
    Defect("header-extra-s", P12,
           _rename_column("classes.csv", "classType", "classTypes", "or.classes.header")),
    Defect("header-missing-column", P12, _missing_column),
    Defect("header-extension-not-metadata", P12, _extension_not_metadata),
    Defect("header-duplicate-name", P12, _duplicate_header),
    Defect("file-name-case-userprofiles", P12, _userprofiles_wrong_case),
    Defect("manifest-missing", P12, _missing_manifest),
    Defect("manifest-wrong-case", P12, _manifest_wrong_case),
    Defect("manifest-oneroster-version-1.1", P12,
           _manifest("oneroster.version", "1.1", "or.manifest.oneroster-version")),
    Defect("manifest-version-2.0", P12, _manifest("manifest.version", "2.0", "or.manifest.version")),
    Defect("manifest-file-value-case", P12, _manifest("file.orgs", "Bulk", "or.manifest.file-entries")),
    Defect("manifest-says-absent-file-present", P12, _present_but_absent),
    Defect("manifest-says-bulk-file-missing", P12, _declared_but_missing),
    Defect("unknown-csv-file", P12, _unknown_csv),
    Defect("empty-data-file", P12, _empty_file),
    # required values (CSV121 §3 tables)
    Defect("required-givenName", P12, _set("users.csv", "givenName", "", "or.users.required")),
    Defect("required-org-name", P12, _set("orgs.csv", "name", "", "or.orgs.required", type="school")),
    Defect("required-class-title", P12, _set("classes.csv", "title", "", "or.classes.required")),
    Defect("required-enrollment-user", P12,
           _set("enrollments.csv", "userSourcedId", "", "or.enrollments.required", role="student")),
    Defect("required-session-schoolYear", P12,
           _set("academicSessions.csv", "schoolYear", "", "or.academicSessions.required")),
    # formats (P11, P13; Moodle fixtures)
    Defect("guid-bad-chars", P12,
           _set("roles.csv", "sourcedId", "role #1", "or.roles.format", role="student")),
    Defect("guid-too-long", P12,
           _set("roles.csv", "sourcedId", "r" * 300, "or.roles.format", role="teacher")),
    Defect("date-us-style", P12, _set("enrollments.csv", "beginDate", "1/05/2023", "or.enrollments.format",
                                      role="student")),
    Defect("date-holds-datetime", P12, _set("academicSessions.csv", "endDate", "2027-03-31T00:00:00.000Z",
                                            "or.academicSessions.format")),
    Defect("datetime-without-millis", P12,
           _delta_cell("users.csv", "dateLastModified", "2026-04-01T09:00:00Z", "or.users.format")),
    Defect("datetime-without-zone", P12,
           _delta_cell("users.csv", "dateLastModified", "2026-04-01T09:00:00.000", "or.users.format")),
    Defect("datetime-date-only", P12,
           _delta_cell("orgs.csv", "dateLastModified", "2023-05-01", "or.orgs.format")),
    Defect("boolean-TRUE", P12, _set("users.csv", "enabledUser", "TRUE", "or.users.format")),
    # enrollments.primary is an Enumeration (true | false) in CSV121, not a Boolean column
    Defect("primary-yes", P12,
           _set("enrollments.csv", "primary", "yes", "or.enrollments.enum", role="teacher")),
    Defect("year-two-digits", P12,
           _set("academicSessions.csv", "schoolYear", "27", "or.academicSessions.format")),
    Defect("enum-case-role", P12,
           _set("enrollments.csv", "role", "Student", "or.enrollments.enum", role="student")),
    Defect("enum-case-org-type", P12, _set("orgs.csv", "type", "School", "or.orgs.enum", type="school")),
    Defect("enum-sex-abbrev", P12,
           _set("demographics.csv", "sex", "F", "or.demographics.enum", sex="female")),
    Defect("ext-bad-term", P12, _set("roles.csv", "role", "ext:bad term!", "or.roles.enum", role="guardian")),
    Defect("ext-not-extensible", P12,
           _set("roles.csv", "roleType", "ext:primary", "or.roles.enum", role="student")),
    Defect("duplicate-sourcedId", P12, _duplicate_sourced_id),
    # dangling references, one per reference column (P14: bulk sets are semantically complete)
    Defect("ref-session-parent", P12, _set("academicSessions.csv", "parentSourcedId", new_id(1),
                                           "or.academicSessions.refs")),
    Defect("ref-org-parent", P12, _dangling("orgs.csv", "parentSourcedId")),
    Defect("ref-course-schoolYear", P12, _dangling("courses.csv", "schoolYearSourcedId", n=1)),
    Defect("ref-course-org", P12, _dangling("courses.csv", "orgSourcedId", n=2)),
    Defect("ref-class-course", P12, _dangling("classes.csv", "courseSourcedId", n=3)),
    Defect("ref-class-school", P12, _dangling("classes.csv", "schoolSourcedId", n=4)),
    Defect("ref-class-terms", P12, _term_list_dangling),
    Defect("ref-enrollment-class", P12, _dangling("enrollments.csv", "classSourcedId", n=5)),
    Defect("ref-enrollment-school", P12, _dangling("enrollments.csv", "schoolSourcedId", n=6)),
    Defect("ref-enrollment-user", P12, _dangling("enrollments.csv", "userSourcedId", n=7)),
    Defect("ref-user-primary-org", P12, _dangling("users.csv", "primaryOrgSourcedId", n=8)),
    Defect("ref-user-agents", P12, _dangling("users.csv", "agentSourcedIds", n=9)),
    Defect("ref-role-user", P12, _dangling("roles.csv", "userSourcedId", n=10)),
    Defect("ref-role-org", P12, _dangling("roles.csv", "orgSourcedId", n=11)),
    Defect("ref-role-user-profile", P12, _role_profile_dangling),
    Defect("ref-11-user-orgs", P11, _dangling("users.csv", "orgSourcedIds", n=12)),
    Defect("ref-11-enrollment-class", P11, _dangling("enrollments.csv", "classSourcedId", n=13)),
    Defect("class-school-is-district", P12, _class_refs_district),
    Defect("enrollment-school-is-district", P12, _enrollment_refs_district),
    # bulk / delta (P14, P15; Moodle fixtures fill status in bulk)
    Defect("bulk-status-filled", P12, _set("users.csv", "status", "active", "or.users.status")),
    Defect("bulk-dlm-filled", P12, _set("orgs.csv", "dateLastModified", DT, "or.orgs.status")),
    Defect("delta-without-dlm", P12, _delta_missing_dlm),
    Defect("delta-bad-status", P12, _delta_bad_status),
    # semantics
    Defect("student-primary-true", P12,
           _set("enrollments.csv", "primary", "true", "or.sem.enrollment-primary",
                role="student")),
    Defect("two-primary-roles-one-org", P12, _two_primary_roles),
    Defect("demographics-without-user", P12, _demographics_without_user),
    Defect("user-master-id-duplicate", JP, _user_master_duplicate),
    Defect("session-end-before-start", P12, _session_dates_reversed),
    # Japan Profile (reference §2.3)
    Defect("jp-uuid-not-v4", JP, _non_v4_uuid),
    Defect("jp-uuid-upper-case", JP, _upper_uuid),
    Defect("jp-session-title-bare-year", JP,
           _set("academicSessions.csv", "title", "2026", "or.jp.session-title")),
    Defect("jp-session-type-semester", JP,
           _set("academicSessions.csv", "type", "semester", "or.jp.session-type")),
    Defect("jp-school-code-check-digit", JP,
           _set("orgs.csv", "identifier", _bad_check_digit, "or.jp.school-code",
                type="school")),
    Defect("jp-district-code-5-digits", JP,
           _set("orgs.csv", "identifier", lambda v: v[:5], "or.jp.district-code",
                type="district")),
    Defect("jp-org-type-local", JP, _set("orgs.csv", "type", "local", "or.jp.org-type", type="school")),
    Defect("jp-district-with-parent", JP, _district_with_parent),
    Defect("jp-kana-hiragana", JP,
           _set("users.csv", "metadata.jp.kanaFamilyName", _hiragana, "or.jp.kana-script",
                lambda r: r["metadata.jp.kanaFamilyName"] != ""), exit_code=0),
    Defect("jp-kana-hankaku", JP,
           _set("users.csv", "metadata.jp.kanaGivenName", _hankaku, "or.jp.hankaku-kana",
                lambda r: r["metadata.jp.kanaGivenName"] != "")),
    Defect("jp-name-hankaku", JP, _set("users.csv", "familyName", lambda v: "ｱｵｷ", "or.jp.hankaku-kana")),
    Defect("jp-shussekino-fullwidth", JP,
           _set("enrollments.csv", "metadata.jp.ShussekiNo", _fullwidth, "or.jp.shussekino",
                lambda r: r["metadata.jp.ShussekiNo"] != "")),
    Defect("jp-shussekino-not-integer", JPK12,
           _set("enrollments.csv", "metadata.jp.shussekiNo", "1番", "or.jp.shussekino",
                lambda r: r["metadata.jp.shussekiNo"] != "")),
    Defect("jp-null-literal", JP, _set("users.csv", "middleName", "NULL", "or.jp.null-literal"), exit_code=0),
    Defect("jp-course-code-filled", JP, _set("courses.csv", "courseCode", "KOKUGO", "or.jp.course-code")),
    Defect("jp-grade-bare-number", JP, _set("users.csv", "grades", "1", "or.jp.grades",
                                            lambda r: r["grades"] != "")),
    Defect("jp-subject-code-P01", JP, _set("courses.csv", "subjectCodes", "P01", "or.jp.subject-codes",
                                           lambda r: r["subjectCodes"] != ""), exit_code=0),
    Defect("jp-home-class-dangling", JP,
           _dangling("users.csv", "metadata.jp.homeClass", check="or.jp.home-class",
                     n=14)),
    Defect("jp-class-type-ext", JP, _set("classes.csv", "classType", "ext:lab", "or.jp.class-type")),
    Defect("jp-special-needs-1", JP,
           _set("classes.csv", "metadata.jp.specialNeeds", "1", "or.jp.special-needs")),
    Defect("jp-delta-rejected", JP, _manifest("file.orgs", "delta", "or.manifest.file-entries")),
    Defect("jp-upper-camel-in-jpk12", JPK12,
           _enrollment_headers(("metadata.jp.shussekiNo", "metadata.jp.publicFlg"),
                               ("metadata.jp.ShussekiNo", "metadata.jp.PublicFlg"))),
    Defect("jp-lower-camel-in-japan", JP,
           _enrollment_headers(("metadata.jp.ShussekiNo", "metadata.jp.PublicFlg"),
                               ("metadata.jp.shussekiNo", "metadata.jp.publicFlg"))),
    Defect("jpk12-version-1.2", JPK12,
           _manifest("oneroster.version", "1.2", "or.manifest.oneroster-version")),
    Defect("eportal-version-1.2_JP", EPORTAL,
           _manifest("oneroster.version", "1.2_JP", "or.manifest.oneroster-version")),
    Defect("eportal-user-master-id-missing", EPORTAL,
           _set("users.csv", "userMasterIdentifier", "", "or.jp.eportal-users")),
    Defect("eportal-primary-missing", EPORTAL,
           _set("enrollments.csv", "primary", "", "or.jp.enrollment-primary", role="student")),
    # encoding and CSV syntax (P4, P5; reference §2.4, §5)
    Defect("shift-jis-users", JP, _shift_jis),
    Defect("invalid-utf8-byte", P12, _invalid_byte),
    Defect("utf16-file", P12, _utf16),
    Defect("bom-users", P12, _bom, exit_code=0, clean=("or.users.header", "or.enc.utf8")),
    Defect("cr-inside-field", P12, _cr_in_field),
    Defect("mixed-line-endings", P12, _mixed_endings, exit_code=0),
    Defect("quoted-newline-shifts-rows", P12, _quoted_newline_then_error),
    Defect("unbalanced-quote", P12, _unbalanced_quote),
    Defect("extra-field", P12, _extra_field),
    Defect("blank-line", P12, _blank_line),
    # package (P1, P2; zip APPNOTE)
    Defect("zip-enclosing-folder", P12, _nested_folder),
    Defect("zip-nested-subfolder", P12, _subfolder),
    Defect("zip-dotdot-entry", P12, _traversal),
    Defect("zip-absolute-path", P12, _absolute),
    Defect("zip-backslash-path", P12, _backslash),
    Defect("zip-symlink-entry", P12, _symlink),
    Defect("zip-duplicate-entry", P12, _duplicate_entry),
    Defect("zip-sjis-entry-name", P12, _sjis_entry_name, exit_code=0),
    Defect("zip-bomb-ratio", P12, _zip_bomb),
    Defect("zip-truncated", P12, _truncated),
    Defect("zip-not-a-zip", P12, _not_a_zip),
    Defect("zip-empty", P12, _empty_zip),
    Defect("zip-encrypted-entry", P12, _encrypted),
    Defect("zip-bad-crc", P12, _bad_crc),
    Defect("zip-bzip2-method", P12, _bzip2),
    Defect("zip-deflate64-method", P12, _deflate64_like),
    Defect("zip-wrong-extension", P12, _wrong_extension),
    # second round: less common shapes of the same rules
    Defect("ref-userprofile-user", P12, _userprofile_user_dangling),
    Defect("invalid-byte-after-quoted-newline", P12, _invalid_byte_after_quoted_newline),
    Defect("bom-manifest", P12,
           _bom_manifest, exit_code=0, clean=("or.manifest.header", "or.manifest.version")),
    Defect("manifest-duplicate-property", P12, _manifest_duplicate_property),
    Defect("manifest-without-oneroster-version", P12, _manifest_without_version),
    Defect("manifest-bad-header", P12, _manifest_bad_header),
    Defect("zero-byte-file", P12, _zero_byte_file),
    Defect("header-trailing-space", P12, _header_trailing_space),
    Defect("users-1.2-column-in-1.2.1", P12, _users_12_column_in_121),
    Defect("rostering-set-without-roles", P12, _rostering_set_without_roles),
    Defect("field-too-long", P12, _field_too_long),
    Defect("delta-dangling-ref-warns", P12, _delta_dangling, exit_code=0),
    Defect("agent-is-self", P12, _agent_self, exit_code=0),
    Defect("subjects-length-differs", P12, _subjects_length),
    Defect("enrollment-end-before-begin", P12, _enrollment_dates),
    Defect("jp-home-class-not-homeroom", JP, _home_class_scheduled, exit_code=0),
    Defect("jp-principal-as-primary", JP, _admin_primary, exit_code=0),
    Defect("jp-school-without-parent", JP, _school_without_parent, exit_code=0),
    Defect("jp-grade-E1", JP,
           _set("users.csv", "grades", "E1", "or.jp.grades-e", lambda r: r["grades"] != ""),
           exit_code=0),
    # MEIBO/DA-R allow guardian enrollments, DA-K does not: the JP profile extends the base vocabulary
    # (vocabulary_extensions), so it is the disputed-role warning only
    Defect("jp-enrollment-role-guardian", JP,
           _set("enrollments.csv", "role", "guardian", "or.jp.enrollment-role",
                role="student"), exit_code=0),
    Defect("jp-enrollment-role-ext", JP, _set("enrollments.csv", "role", "ext:demonstrator",
                                              "or.jp.enrollment-role", role="student"), exit_code=0),
    Defect("jp-role-aide", JP,
           _set("roles.csv", "role", "aide", "or.jp.role-values", role="guardian"), exit_code=0),
    Defect("jp-kana-spaces", JP, _set("users.csv", "metadata.jp.kanaGivenName", lambda v: v[:1] + "　" + v[1:],
                                      "or.jp.kana-spaces", lambda r: len(r["metadata.jp.kanaGivenName"]) > 1),
           exit_code=0),
    Defect("cr-only-line-endings", P12, _cr_only_line_endings,
           clean=("or.classes.header", "or.classes.not-empty", "or.enrollments.refs")),
    Defect("trailing-blank-lines", P12, _trailing_blank_lines),
    Defect("shift-jis-with-hankaku", JP, _shift_jis_with_hankaku),
    Defect("zip-too-many-entries", P12, _too_many_entries),
    Defect("zip-inside-zip", P12, _zip_in_zip),
    Defect("file-extension-upper-case", P12, _upper_case_extension),
    Defect("quoted-crlf-then-error", P12, _quoted_crlf_then_error),
    Defect("crlf-file-with-quoted-lf", P12, _crlf_file_with_quoted_lf, clean=("or.enc.line-endings",)),
    # third round: values that look right at a glance
    Defect("user-ids-without-colon", P12, _set("users.csv", "userIds", "{LDAP}", "or.users.format")),
    Defect("date-not-in-calendar", P12,
           _set("demographics.csv", "birthDate", "2015-02-29", "or.demographics.format",
                lambda r: r["birthDate"] != "")),
    Defect("date-april-31", P12,
           _set("enrollments.csv", "beginDate", "2026-04-31", "or.enrollments.format", role="student")),
    Defect("sourcedId-leading-space", P12, _set("users.csv", "sourcedId", lambda v: " " + v, "or.users.format")),
    Defect("manifest-value-leading-space", P12, _manifest("file.orgs", " bulk", "or.manifest.file-entries")),
    Defect("jp-uuid-variant-c", JP, _uuid_variant_c),
    Defect("jp-school-code-prefecture-99", JP, _prefecture_99),
    Defect("eportal-user-master-id-not-uuid", EPORTAL,
           _set("users.csv", "userMasterIdentifier", "S0001", "or.jp.user-master-id")),
    Defect("list-with-space", P12, _list_with_space),
    Defect("metadata-column-in-the-middle", P12, _metadata_in_the_middle),
    Defect("jp-base-users-without-metadata", JP, _base_users_in_jp),
    Defect("jp-kana-columns-swapped", JP,
           _swap_columns("users.csv", "metadata.jp.kanaGivenName", "metadata.jp.kanaFamilyName", "or.users.header")),
]

assert len({d.name for d in CORPUS}) == len(CORPUS), "defect names must be unique"
