"""A consumer reference set for one profile: valid and invalid bundles, each with the outcome it must have.

1EdTech certifies OneRoster CSV *consumers* with reference sets (ref oneroster.md §4): the vendor
imports every valid bundle (every file must go in) and every invalid one (the files holding the
known errors must be rejected and the errors reported), and logs test id, date, status, files
imported, files rejected and an explanation. This builds such a set for any renkei OneRoster
profile from the mock 校務支援システム's bundles:

- ``valid01``: the full set of the profile's files, guardians included;
- ``valid02``: a core set: another seed and size, no guardians, demographics.csv absent;
- ``valid03``: valid01 with a UTF-8 BOM, which CSV121 P5 asks importers to tolerate (renkei warns);
- ``invalidNN``: valid01 with one family of known defects each (``FAMILIES``); a family the profile
  has no check for (the Japanese rules under a base profile) is left out, the rest keep their order.

Every bundle is checked by renkei before it joins the set. Mocks never run the harness
(tests/test_layering.py), so the caller (the CLI, a test) passes ``verify``: bundle -> the profile's
``RunResult``. A valid bundle must pass with only its expected warnings, an invalid one must fail
with exactly its defects' checks at exactly their places; anything else is a ``ReferenceSetError``.
The same arguments give the same bytes.
"""

from __future__ import annotations

import csv
import io
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from renkei.harness.core.errors import RenkeiError
from renkei.harness.core.model import Outcome, RunResult
from renkei.mocks.school_affairs.defects import BOM, BOM_CHECK, InjectedDefect, break_bundle, shift_jis_copy
from renkei.mocks.school_affairs.generator import PROFILE_VARIANTS, generate_bundle
from renkei.mocks.school_affairs.zip_copy import copy_zip

Verify = Callable[[Path], RunResult]
Spot = tuple[str, int | None, str | None]  # file, row, column: where renkei places a finding
Kind = Literal["valid", "invalid"]

SHIFT_JIS_CHECK = "or.enc.utf8"
# Defects another check of some profiles also reports at the same cell (expected where the profile has it).
ALSO_REPORTED: dict[str, tuple[str, ...]] = {"or.jp.shussekino": ("or.jp.fullwidth-digits",)}
FULL_SIZE = {"municipalities": 1, "schools_per_municipality": 2, "students_per_grade": 8}
CORE_SIZE = {"municipalities": 1, "schools_per_municipality": 1, "students_per_grade": 5}
CORE_ABSENT = ("demographics",)  # descriptive data an importer can live without


class ReferenceSetError(RenkeiError):
    """The set cannot be built: an unknown profile, or renkei disagrees with a bundle it made (a bug)."""


@dataclass(frozen=True)
class Family:
    """One invalid bundle's theme: the catalogue defects (``break_bundle`` check ids) it holds."""

    key: str
    checks: tuple[str, ...]
    ja: str
    en: str


FAMILIES: tuple[Family, ...] = (
    Family("required", ("or.users.required",), "必須項目の値が空欄", "A required value is empty"),
    Family("references", ("or.enrollments.refs", "or.courses.refs", "or.jp.home-class"),
           "存在しないレコードを指す参照", "References to records that do not exist"),
    Family("vocabulary", ("or.users.format", "or.classes.enum", "or.demographics.enum", "or.enrollments.format"),
           "列挙値・真偽値・日付の書式の誤り", "Values outside the vocabulary, Boolean and date formats"),
    Family("identity", ("or.enrollments.unique", "or.users.status", "or.sem.enrollment-primary"),
           "sourcedId の重複、bulk と在籍情報の規則違反", "A duplicate sourcedId, bulk and enrollment rules"),
    Family("encoding", (SHIFT_JIS_CHECK,), "文字コードが Shift_JIS（UTF-8 ではない）",
           "The encoding is Shift_JIS, not UTF-8"),
    Family("japan", ("or.jp.school-code", "or.jp.session-title", "or.jp.grades", "or.jp.kana-script",
                     "or.jp.hankaku-kana", "or.jp.shussekino", "or.jp.course-code"),
           "日本の規則（学校コード・年度・学年コード・よみがな・出席番号・courseCode）",
           "Japanese rules (学校コード, 年度, grade codes, kana readings, 出席番号, courseCode)"),
)


@dataclass(frozen=True)
class Defect:
    """One known error of a bundle: where it is, which checks report it, what the consumer must say."""

    file: str
    row: int
    column: str | None  # None: the whole file (BOM, encoding)
    check_ids: tuple[str, ...]  # the check it was made for first
    severity: str  # that check's severity in the profile: "error" means the file must be rejected
    sourced_id: str | None  # of the row, to find it by id rather than by line
    value: str | None  # the cell as written
    ja: str
    en: str


@dataclass(frozen=True)
class Bundle:
    test_id: str  # "<profile>_valid01"
    kind: Kind
    ja: str
    en: str
    files: tuple[str, ...]  # data files in the zip (manifest.csv, always there, not counted)
    defects: tuple[Defect, ...]

    @property
    def file(self) -> str:
        return f"{self.test_id}.zip"

    @property
    def files_rejected(self) -> tuple[str, ...]:
        return tuple(sorted({d.file for d in self.defects if d.severity == "error"}))

    @property
    def files_imported(self) -> tuple[str, ...]:
        """Valid: the files that must be imported; invalid: those that may be (nothing wrong in them)."""
        return tuple(f for f in self.files if f not in self.files_rejected)


@dataclass(frozen=True)
class ReferenceSet:
    profile: str
    profile_version: str
    title_ja: str
    title_en: str
    seed: int
    school_year: int
    verified_by: str  # "renkei 0.1.0"
    bundles: tuple[Bundle, ...]


def build_reference_set(out: Path, *, profile: str, verify: Verify, seed: int = 0,
                        school_year: int = 2026) -> ReferenceSet:
    """Write the set's zips into the existing folder ``out`` and return what each must do."""
    if profile not in PROFILE_VARIANTS:
        raise ReferenceSetError(f"unknown profile {profile!r} for a reference set "
                                f"(known: {', '.join(sorted(PROFILE_VARIANTS))})")
    maker = _Maker(Path(out), profile, verify)
    full = maker.path("valid", 1)
    generate_bundle(full, profile=profile, seed=seed, school_year=school_year, **FULL_SIZE)
    maker.add("valid", full, [], "すべてのファイル（保護者を含む）をそろえた完全なセット",
              "The full set: every file of the profile, guardians included")
    with tempfile.TemporaryDirectory(prefix="renkei-refset-") as tmp:
        source = Path(tmp) / "core-source.zip"
        generate_bundle(source, profile=profile, seed=seed + 1, school_year=school_year, guardians=False,
                        **CORE_SIZE)
        core = maker.path("valid", 2)
        copy_zip(source, core, _core_edit)
    maker.add("valid", core, [], "コアセット：demographics.csv なし（manifest では absent）、保護者なし、別の規模",
              "A core set: no demographics.csv (absent in the manifest), no guardians, another size")
    bom = maker.path("valid", 3)
    defects = break_bundle(full, bom, seed=seed, only=[BOM_CHECK])
    maker.add("valid", bom, defects, "valid01 の1ファイルに BOM 付き UTF-8（CSV121 P5 は取り込み側に許容を求める）",
              "valid01 with one file in UTF-8 with a BOM (CSV121 P5 asks importers to tolerate it)")
    for index, family in enumerate(FAMILIES, start=1):
        only = [c for c in family.checks if c in maker.profile_checks]
        if not only:
            continue
        candidate = maker.out / ".candidate.zip"
        if family.checks == (SHIFT_JIS_CHECK,):
            defects = shift_jis_copy(full, candidate)
        else:
            defects = break_bundle(full, candidate, seed=seed + index, only=only)
        if not defects:
            candidate.unlink()
            continue
        final = maker.path("invalid", maker.count("invalid") + 1)
        candidate.rename(final)
        maker.add("invalid", final, defects, family.ja, family.en)
    first = maker.first
    return ReferenceSet(profile=profile, profile_version=first.profile.version, title_ja=first.profile.title_ja,
                        title_en=first.profile.title, seed=seed, school_year=school_year,
                        verified_by=f"renkei {first.tool.version}", bundles=tuple(maker.bundles))


def _core_edit(name: str, data: bytes) -> bytes | None:
    """Leave out the optional files and declare them absent (a file listed as bulk must be there)."""
    if name.removesuffix(".csv") in CORE_ABSENT:
        return None
    if name != "manifest.csv":
        return data
    text = data.decode("utf-8")
    for file in CORE_ABSENT:
        text = text.replace(f"file.{file},bulk\n", f"file.{file},absent\n")
    return text.encode("utf-8")


class _Maker:
    """Collects the verified bundles; the first verification tells which checks the profile has."""

    def __init__(self, out: Path, profile: str, verify: Verify) -> None:
        self.out = out
        self.profile = profile
        self.verify = verify
        self.bundles: list[Bundle] = []
        self._first: RunResult | None = None

    @property
    def first(self) -> RunResult:
        assert self._first is not None, "valid01 is verified first"
        return self._first

    @property
    def profile_checks(self) -> set[str]:
        return {c.id for c in self.first.checks}

    def count(self, kind: Kind) -> int:
        return sum(1 for b in self.bundles if b.kind == kind)

    def path(self, kind: Kind, number: int) -> Path:
        return self.out / f"{self.profile}_{kind}{number:02d}.zip"

    def add(self, kind: Kind, path: Path, defects: list[InjectedDefect], ja: str, en: str) -> None:
        result = self.verify(path)
        if self._first is None:
            self._first = result
        _compare(path.name, kind, defects, result)
        severity = {c.id: c.severity.value for c in result.checks}
        tables = _tables(path)
        rows = tuple(_defect(d, severity, tables) for d in defects)
        files = tuple(n for n in tables if n != "manifest.csv")
        self.bundles.append(Bundle(path.stem, kind, ja, en, files, rows))


def _compare(name: str, kind: Kind, defects: list[InjectedDefect], result: RunResult) -> None:
    """Raise unless renkei reported exactly the expected checks at exactly the expected places."""
    in_profile = {c.id for c in result.checks}
    want: dict[str, set[Spot]] = {}
    for d in defects:
        if d.check_id_hint not in in_profile:
            raise ReferenceSetError(f"{name}: a defect for {d.check_id_hint}, which profile "
                                    f"{result.profile.id} does not run (a renkei bug: please report it)")
        for cid in (d.check_id_hint, *(c for c in ALSO_REPORTED.get(d.check_id_hint, ()) if c in in_profile)):
            want.setdefault(cid, set()).add((d.file, d.row, d.column))
    seen: dict[str, set[Spot]] = {}
    problems: list[str] = []
    for c in result.checks:
        if c.outcome is Outcome.ERROR:
            problems.append(f"{c.id} could not run ({c.error})")
        if c.findings_count:
            seen[c.id] = {(f.location.file, f.location.row, f.location.column) for f in c.findings}
            if c.findings_count != len(c.findings):
                problems.append(f"{c.id} has more findings than it stored")
    for cid in sorted(set(want) | set(seen)):
        if want.get(cid) != seen.get(cid):
            problems.append(f"{cid}: expected {sorted(want.get(cid, ()), key=str)}, "
                            f"renkei reported {sorted(seen.get(cid, ()), key=str)}")
    verdict = "pass" if kind == "valid" else "fail"
    if result.verdict != verdict:
        problems.append(f"the profile's verdict is {result.verdict}, not {verdict}")
    if problems:
        raise ReferenceSetError(f"renkei does not agree with the {kind} bundle {name} it made under "
                                f"{result.profile.id}: {'; '.join(problems)} (a renkei bug: please report it)")


Table = tuple[list[str], dict[int, list[str]]]  # header, physical line -> cells


def _tables(path: Path) -> dict[str, Table]:
    """Every CSV of the zip as header and rows by line (a Shift_JIS member is read as such)."""
    tables: dict[str, Table] = {}
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            raw = zf.read(name)
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = raw.decode("cp932")
            reader = csv.reader(io.StringIO(text.removeprefix(BOM), newline=""))
            header = next(reader, [])
            rows: dict[int, list[str]] = {}
            line = reader.line_num + 1
            for cells in reader:
                rows[line] = cells
                line = reader.line_num + 1
            tables[name] = (header, rows)
    return tables


def _defect(d: InjectedDefect, severity: dict[str, str], tables: dict[str, Table]) -> Defect:
    checks = (d.check_id_hint, *(c for c in ALSO_REPORTED.get(d.check_id_hint, ()) if c in severity))
    sourced_id = value = None
    if d.column is not None:
        header, rows = tables[d.file]
        cells = rows[d.row]
        value = cells[header.index(d.column)]
        sourced_id = cells[header.index("sourcedId")] if "sourcedId" in header else None
    return Defect(d.file, d.row, d.column, checks, severity[d.check_id_hint], sourced_id, value,
                  d.description_ja, d.description_en)
