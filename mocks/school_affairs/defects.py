"""A deliberately broken copy of a valid bundle, for red runs, ``make demo`` and tests.

``break_bundle`` injects realistic row-level defects seen in Japanese data (ref oneroster.md §2.3,
§5: missing names, bad 学校コード check digit, hiragana / half-width kana, ``2026`` for ``2026年度``,
dangling references, student primary=true, duplicate ids, ``TRUE``, full-width 出席番号, a BOM …)
and reports exactly where each one is, so a test can assert the validator finds it there.
``only`` picks some of them (one family per bundle, as the consumer reference set wants);
``shift_jis_copy`` re-encodes one file instead (a whole-file defect the catalogue cannot mix with others).
One defect per row; rows are chosen with ``random.Random(seed)``. Meant for demo-sized bundles:
each CSV is held in memory while it is rewritten.
"""

from __future__ import annotations

import csv
import io
import random
import zipfile
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

from renkei.mocks.school_affairs.ids import uuid4_from
from renkei.mocks.school_affairs.zip_copy import copy_zip

BOM = "\ufeff"
BOM_CHECK = "or.enc.bom"


class DefectError(ValueError):
    """The source bundle cannot be broken as asked (message names the file)."""


@dataclass(frozen=True)
class InjectedDefect:
    file: str  # e.g. "users.csv"
    row: int  # 1-based physical line, header = 1
    column: str | None  # None for file-level defects (BOM)
    check_id_hint: str  # id of the check meant to catch it (renkei.harness.oneroster checks_*.py)
    description_ja: str
    description_en: str


@dataclass
class _Table:
    name: str
    header: list[str]
    rows: list[list[str]]
    bom: bool = False

    def col(self, column: str) -> int:
        return self.header.index(column)

    def has(self, column: str) -> bool:
        return column in self.header


class _Breaker:
    def __init__(self, tables: dict[str, _Table], rng: random.Random,
                 only: frozenset[str] | None = None) -> None:
        self.tables = tables
        self.rng = rng
        self.only = only  # check ids whose defects to inject; None = the whole catalogue
        self.used: dict[str, set[int]] = {}
        self.defects: list[InjectedDefect] = []

    def pick(self, file: str, where: Callable[[_Table, list[str]], bool]) -> int | None:
        """Index of a random not-yet-broken data row of ``file`` satisfying ``where``."""
        table = self.tables.get(file)
        if table is None:
            return None
        used = self.used.setdefault(file, set())
        width = len(table.header)
        candidates = [i for i, r in enumerate(table.rows)
                      if i not in used and len(r) == width and where(table, r)]
        if not candidates:
            return None
        index = self.rng.choice(candidates)
        used.add(index)
        return index

    def set(self, file: str, where: Callable[[_Table, list[str]], bool], column: str,
            value: Callable[[_Table, list[str]], str], hint: str, ja: str, en: str) -> None:
        table = self.tables.get(file)
        if table is None or not table.has(column) or (self.only is not None and hint not in self.only):
            return
        index = self.pick(file, where)
        if index is None:
            return
        row = table.rows[index]
        row[table.col(column)] = value(table, row)
        self.defects.append(InjectedDefect(file, index, column, hint, ja, en))  # row fixed up later


def _is(column: str, value: str) -> Callable[[_Table, list[str]], bool]:
    return lambda t, r: t.has(column) and r[t.col(column)] == value


def _nonempty(column: str) -> Callable[[_Table, list[str]], bool]:
    return lambda t, r: t.has(column) and r[t.col(column)] != ""


def _student(t: _Table, r: list[str]) -> bool:
    """A student row of users.csv (1.2+: grades filled; 1.1: role column)."""
    if t.has("role"):
        return r[t.col("role")] == "student"
    return t.has("grades") and r[t.col("grades")] != ""


def _to_hiragana(text: str) -> str:
    return "".join(chr(ord(c) - 0x60) if "\u30a1" <= c <= "\u30f6" else c for c in text)


_HANKAKU = dict(zip("アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲン",
                    "ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜｦﾝ", strict=True))


def _to_hankaku(text: str) -> str:
    """Half-width katakana (voiced kana are written with a separate ﾞ/ﾟ, as legacy systems do)."""
    out = []
    for c in text:
        if c in _HANKAKU:
            out.append(_HANKAKU[c])
            continue
        base = chr(ord(c) - 1)  # ガ -> カ, パ -> ハ (the voiced kana follows its base in Unicode)
        base2 = chr(ord(c) - 2)
        if base in _HANKAKU and c in "ガギグゲゴザジズゼゾダヂヅデドバビブベボ":
            out.append(_HANKAKU[base] + "ﾞ")
        elif base2 in _HANKAKU and c in "パピプペポ":
            out.append(_HANKAKU[base2] + "ﾟ")
        else:
            out.append({"ー": "ｰ", "ャ": "ｬ", "ュ": "ｭ", "ョ": "ｮ", "ッ": "ｯ"}.get(c, c))
    return "".join(out)


def _fullwidth_digits(text: str) -> str:
    return text.translate(str.maketrans("0123456789", "０１２３４５６７８９"))


def _bad_check_digit(code: str) -> str:
    return code[:-1] + str((int(code[-1]) + 1) % 10) if code[-1:].isdigit() else code + "0"


def _inject(b: _Breaker) -> None:
    """The defect catalogue; each entry is skipped when the bundle lacks its file or column."""
    rng = b.rng
    b.set("users.csv", _student, "givenName", lambda t, r: "", "or.users.required",
          "必須項目 givenName（名）が空欄です", "required givenName is empty")
    b.set("users.csv", _nonempty("enabledUser"), "enabledUser", lambda t, r: "TRUE", "or.users.format",
          "真偽値が大文字の TRUE です（値は大文字小文字を区別し true/false のみ）",
          "Boolean written as TRUE; values are case-sensitive, only true/false")
    b.set("enrollments.csv", _is("role", "student"), "primary", lambda t, r: "true",
          "or.sem.enrollment-primary", "児童生徒の在籍情報で primary=true になっています",
          "a student enrollment has primary=true (only teachers may be primary)")
    b.set("enrollments.csv", _is("role", "student"), "userSourcedId", lambda t, r: uuid4_from(rng),
          "or.enrollments.refs", "在籍情報の userSourcedId が users.csv に存在しません",
          "enrollments.userSourcedId does not resolve to a user")
    enrollments = b.tables.get("enrollments.csv")
    if enrollments is not None and len(enrollments.rows) >= 2:
        first = enrollments.rows[0][0]
        b.used.setdefault("enrollments.csv", set()).add(0)  # the original keeps its id untouched
        b.set("enrollments.csv", lambda t, r: r[0] != first, "sourcedId", lambda t, r: first,
              "or.enrollments.unique", "sourcedId が同じファイル内の別の行と重複しています",
              "sourcedId duplicates another row of the same file")
    b.set("enrollments.csv", _is("role", "student"), "beginDate", lambda t, r: "2026-04-01T00:00:00Z",
          "or.enrollments.format", "日付項目 beginDate に日時（時刻付き）が書かれています（YYYY-MM-DD）",
          "Date field beginDate holds a DateTime; expected YYYY-MM-DD")
    # a scheduled class: a broken homeroom would also break every homeClass pointing at it
    b.set("classes.csv", _is("classType", "scheduled"), "classType", lambda t, r: "Scheduled", "or.classes.enum",
          "classType が大文字始まりの Scheduled です（値は大文字小文字を区別します）",
          "classType written as Scheduled; enumerated values are case-sensitive")
    b.set("demographics.csv", _nonempty("sex"), "sex", lambda t, r: "M" if r[t.col("sex")] == "male" else "F",
          "or.demographics.enum", "性別が M/F の略号です（male / female などの語彙を使います）",
          "sex abbreviated as M/F; the vocabulary is male/female/…")
    b.set("courses.csv", _nonempty("orgSourcedId"), "orgSourcedId", lambda t, r: uuid4_from(rng),
          "or.courses.refs", "教育課程の orgSourcedId が orgs.csv に存在しません",
          "courses.orgSourcedId does not resolve to an org")
    b.set("users.csv", _nonempty("sourcedId"), "status", lambda t, r: "active", "or.users.status",
          "bulk ファイルなのに status に値（active）が入っています（bulk では空欄）",
          "status is filled in a bulk file (bulk rows leave status and dateLastModified empty)")
    if not any(c.startswith("metadata.jp.") for t in b.tables.values() for c in t.header):
        return
    # Japan Profile only (a base-profile validator rightly accepts these values)
    b.set("orgs.csv", _is("type", "school"), "identifier", lambda t, r: _bad_check_digit(r[t.col("identifier")]),
          "or.jp.school-code", "学校コードのチェックディジットが誤っています",
          "学校コード (MEXT school code) has a wrong check digit")
    b.set("academicSessions.csv", _nonempty("title"), "title",
          lambda t, r: r[t.col("title")].removesuffix("年度"), "or.jp.session-title",
          "年度のタイトルが「2026年度」ではなく西暦のみです", "session title is the bare year, not <year>年度")
    b.set("users.csv", _nonempty("metadata.jp.kanaFamilyName"), "metadata.jp.kanaFamilyName",
          lambda t, r: _to_hiragana(r[t.col("metadata.jp.kanaFamilyName")]), "or.jp.kana-script",
          "よみがな（姓）がカタカナではなくひらがなです", "kana reading of the family name is in hiragana")
    b.set("users.csv", _nonempty("metadata.jp.kanaGivenName"), "metadata.jp.kanaGivenName",
          lambda t, r: _to_hankaku(r[t.col("metadata.jp.kanaGivenName")]), "or.jp.hankaku-kana",
          "よみがな（名）が半角カナです", "kana reading of the given name is half-width katakana")
    b.set("users.csv", _nonempty("metadata.jp.homeClass"), "metadata.jp.homeClass",
          lambda t, r: uuid4_from(rng), "or.jp.home-class",
          "metadata.jp.homeClass が classes.csv に存在しないクラスを指しています",
          "metadata.jp.homeClass names a class that is not in classes.csv")
    b.set("users.csv", _student, "grades",
          lambda t, r: r[t.col("grades")][1:] + "年", "or.jp.grades",
          "学年が文科省の学年コード（P1〜P6, J1〜J3）ではありません", "grade is not a MEXT grade code (P1–P6, J1–J3)")
    for column in ("metadata.jp.ShussekiNo", "metadata.jp.shussekiNo"):
        b.set("enrollments.csv", _nonempty(column), column,
              lambda t, r, c=column: _fullwidth_digits(r[t.col(c)]), "or.jp.shussekino",
              "出席番号が全角数字です", "出席番号 (attendance number) is written in full-width digits")
    b.set("courses.csv", _nonempty("title"), "courseCode", lambda t, r: "KOKUGO",
          "or.jp.course-code", "Japan Profile では空欄の courseCode に値が入っています",
          "courseCode is filled; the Japan Profile leaves it empty")


def _read_tables(src: Path) -> tuple[list[zipfile.ZipInfo], dict[str, _Table], dict[str, bytes]]:
    if not src.is_file():
        raise DefectError(f"{src}: no such bundle file")
    if not zipfile.is_zipfile(src):
        raise DefectError(f"{src}: not a zip file (break_bundle needs a generated bundle zip)")
    tables: dict[str, _Table] = {}
    others: dict[str, bytes] = {}
    with zipfile.ZipFile(src) as zf:
        infos = zf.infolist()
        for info in infos:
            data = zf.read(info)
            if not info.filename.endswith(".csv") or info.filename == "manifest.csv":
                others[info.filename] = data
                continue
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise DefectError(f"{src}!{info.filename}: not UTF-8 ({exc.reason} at byte {exc.start})") from exc
            bom = text.startswith(BOM)
            rows = list(csv.reader(io.StringIO(text.removeprefix(BOM), newline="")))
            if not rows:
                raise DefectError(f"{src}!{info.filename}: empty CSV (no header)")
            tables[info.filename] = _Table(info.filename, rows[0], rows[1:], bom)
    return infos, tables, others


def _serialise(table: _Table) -> tuple[bytes, list[int]]:
    """CSV bytes and the 1-based physical line of every data row."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(table.header)
    lines: list[int] = []
    line = 1 + buf.getvalue().count("\n")
    for row in table.rows:
        lines.append(line)
        writer.writerow(row)
        line += 1 + sum(str(v).count("\n") for v in row)  # the terminator + newlines inside quoted cells
    return ((BOM if table.bom else "") + buf.getvalue()).encode("utf-8"), lines


def break_bundle(src: Path, dst: Path, *, seed: int = 0,
                 only: Collection[str] | None = None) -> list[InjectedDefect]:
    """Copy the bundle zip ``src`` to ``dst`` with defects injected; return where each one is.

    ``only`` limits the catalogue to the defects meant for these check ids (``check_id_hint``), so a
    bundle can hold one family of defects, as a consumer reference set wants; ids the catalogue has
    no defect for, or that the bundle lacks the file or column for, inject nothing.
    """
    src, dst = Path(src), Path(dst)
    infos, tables, others = _read_tables(src)
    allowed = None if only is None else frozenset(only)
    breaker = _Breaker(tables, random.Random(seed), allowed)
    _inject(breaker)
    bom_file = next((f for f in ("classes.csv", "users.csv") if f in tables and not tables[f].bom), None)
    if allowed is not None and BOM_CHECK not in allowed:
        bom_file = None
    if bom_file is not None:
        tables[bom_file].bom = True
    serialised = {name: _serialise(t) for name, t in tables.items()}
    defects = [InjectedDefect(d.file, serialised[d.file][1][d.row], d.column, d.check_id_hint,
                              d.description_ja, d.description_en) for d in breaker.defects]
    if bom_file is not None:
        defects.append(InjectedDefect(
            bom_file, 1, None, BOM_CHECK,
            "ファイル先頭に BOM（EF BB BF）があります。仕様上は許容されますが拒否する国内実装があります",
            "file starts with a UTF-8 BOM: CSV121 importers must tolerate it, some Japanese importers reject it"))
    dst.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(dst, "w", compression=zipfile.ZIP_DEFLATED) as zout:
        for info in infos:
            data = serialised[info.filename][0] if info.filename in serialised else others[info.filename]
            copy = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            copy.compress_type = zipfile.ZIP_DEFLATED
            copy.create_system = info.create_system
            copy.external_attr = info.external_attr
            zout.writestr(copy, data)
    defects.sort(key=lambda d: (d.file, d.row, d.column or ""))
    return defects


def shift_jis_copy(src: Path, dst: Path, *, file: str = "users.csv") -> list[InjectedDefect]:
    """Copy the bundle with ``file`` re-encoded as Shift_JIS (CP932), the way 校務 databases export
    by default (ref oneroster.md §5); the defect is located at the first line that is not ASCII."""
    src, dst = Path(src), Path(dst)
    with zipfile.ZipFile(src) as zf:
        if file not in zf.namelist():
            raise DefectError(f"{src}: no {file} to re-encode")
        text = zf.read(file).decode("utf-8")
    try:
        text.encode("cp932")
    except UnicodeEncodeError as exc:
        raise DefectError(f"{src}!{file}: {text[exc.start]!r} has no Shift_JIS (CP932) form") from None
    line = next((n for n, t in enumerate(text.split("\n"), start=1) if not t.isascii()), None)
    if line is None:
        raise DefectError(f"{src}!{file}: all ASCII, so Shift_JIS and UTF-8 would be the same bytes")
    copy_zip(src, dst, lambda name, data: data.decode("utf-8").encode("cp932") if name == file else data)
    return [InjectedDefect(file, line, None, "or.enc.utf8",
                           f"{file} が UTF-8 ではなく Shift_JIS（CP932）で書かれています（{line} 行目が最初の非 ASCII 文字）",
                           f"{file} is encoded in Shift_JIS (CP932), not UTF-8 (line {line} is the first non-ASCII one)")]
