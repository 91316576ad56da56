"""Generate a OneRoster CSV bulk bundle (zip) that passes a given renkei profile.

The mock 校務支援システム's export: 教育委員会 → 小学校/中学校 → 年度 session, courses, homerooms and
subject classes, teachers, students (kanji names with matching katakana readings) and guardians.
Headers come from ``renkei.harness.oneroster.model.columns`` so generator and validator cannot drift apart.

Output is deterministic (same arguments → byte-identical zip: seeded RNG streams, fixed entry order,
fixed ZipInfo timestamps and deflate level) and streamed (each homeroom's people are regenerated
from (seed, homeroom) for every file, so memory stays bounded at a million users). The bundle of
``school_year + 1`` with the same seed holds the same orgs and pupils one grade up (年次更新).
Format (ref oneroster.md §1.1): UTF-8 without BOM, LF line ends, RFC 4180 minimal quoting, bulk
(status and dateLastModified empty), manifest with every ``file.*`` row of the version.
"""

from __future__ import annotations

import csv
import io
import os
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from renkei.harness.oneroster.model.columns import (
    FILES_11,
    FILES_12,
    JP_ENROLLMENTS_LOWER,
    JP_ENROLLMENTS_UPPER,
    MANIFEST_HEADER,
    roster_headers,
)
from renkei.mocks.school_affairs.ids import rng_for, uuid4_from
from renkei.mocks.school_affairs.layout import Layout, SchoolPlan, build_layout
from renkei.mocks.school_affairs.names import NameSource, Person, load_names
from renkei.mocks.school_affairs.people import Student, Teacher, group_students, school_teachers

# profile id -> (columns variant in columns.py, manifest oneroster.version); ref oneroster.md §2.1/§2.6.
# The version is the one the profile's document uses (its preferred_oneroster_versions, else the first of
# oneroster_versions); a test holds this table to the profiles' own parameters.
PROFILE_VARIANTS: dict[str, tuple[str, str]] = {
    "oneroster11-csv": ("1.1", "1.1"),
    "oneroster120-csv": ("1.2", "1.2"),
    "oneroster12-csv": ("1.2.1", "1.2"),
    "oneroster12-csv-japan-ed2": ("jp-ed2", "1.2"),
    "oneroster12-csv-japan": ("jp-1.2.1", "1.2"),
    "oneroster12-csv-eportal3": ("jp-ed2", "1.2"),
    "oneroster12-csv-eportal": ("jp-1.2.1", "1.2.1"),
    "oneroster12-csv-interop5": ("jp-1.2.1", "1.2.1"),
    "oneroster12-csv-jpk12": ("jp-k12", "1.2_JP"),
    "oneroster12-csv-interop6": ("jp-k12", "1.2_JP"),
}
JP_VARIANTS = frozenset({"jp-ed2", "jp-1.2.1", "jp-k12"})
# Entry order inside the zip (manifest first); files a variant lacks are skipped.
FILE_ORDER = ("academicSessions", "orgs", "courses", "classes", "users", "roles", "demographics",
              "enrollments")
# The benchmark input (brief: ~1M users / 5M enrollments): 400 schools, 549k students + as many
# guardians + 16.6k teachers = 1,114,600 users; 5,024,400 enrollments.
BENCHMARK_ARGS: dict[str, int] = {"municipalities": 20, "schools_per_municipality": 20,
                                  "students_per_grade": 305}
COMPRESS_LEVEL = 1  # fixed for byte-identical output; 1 is ~2x faster than 6 for ~12% more bytes
SYSTEM_NAME = "renkei mock 校務支援システム"


class GeneratorError(ValueError):
    """Invalid generator arguments (message names the argument)."""


@dataclass
class GenerationStats:
    users: int = 0
    enrollments: int = 0
    orgs: int = 0
    classes: int = 0
    files: dict[str, int] = field(default_factory=dict)  # file name -> data rows (header excluded)
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(self.files.values())

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True)
class _Options:
    profile: str
    variant: str
    version: str
    jp: bool
    guardians: bool
    enrollments_per_student: int | None
    headers: dict[str, tuple[str, ...]]

    @property
    def shusseki_cols(self) -> tuple[str, str]:
        return JP_ENROLLMENTS_LOWER if self.variant == "jp-k12" else JP_ENROLLMENTS_UPPER

    @property
    def produced(self) -> tuple[str, ...]:
        return tuple(f for f in FILE_ORDER if f in self.headers)


class _CsvEntry:
    """One CSV member of the zip, written row by row through a deflate stream."""

    def __init__(self, zf: zipfile.ZipFile, name: str, header: tuple[str, ...],
                 date_time: tuple[int, int, int, int, int, int]) -> None:
        info = zipfile.ZipInfo(name, date_time=date_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        # ZipFile.open("w") takes the level from the ZipInfo (3.11/3.12: _compresslevel; 3.13+: compress_level)
        setattr(info, "compress_level" if hasattr(info, "compress_level") else "_compresslevel", COMPRESS_LEVEL)
        info.create_system = 3
        info.external_attr = 0o100644 << 16  # regular file, rw-r--r--
        raw: IO[bytes] = zf.open(info, "w", force_zip64=True)
        self._text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        self._text._CHUNK_SIZE = 1 << 16  # type: ignore[attr-defined]  # fewer, larger deflate calls
        self._writer = csv.writer(self._text, lineterminator="\n")
        self.header = header
        self.rows = 0
        self._writer.writerow(header)

    def row(self, values: dict[str, str]) -> None:
        self._writer.writerow([values.get(c, "") for c in self.header])
        self.rows += 1

    def raw_row(self, values: list[str]) -> None:
        self._writer.writerow(values)
        self.rows += 1

    def close(self) -> None:
        self._text.close()

    def __enter__(self) -> _CsvEntry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()  # also on error: zipfile refuses to close with an entry still open


def _check_args(profile: str, municipalities: int, schools_per_municipality: int,
                students_per_grade: int, school_year: int, enrollments_per_student: int | None) -> None:
    if profile not in PROFILE_VARIANTS:
        raise GeneratorError(f"unknown profile {profile!r}; known: {', '.join(PROFILE_VARIANTS)}")
    for name, value, low, high in (("municipalities", municipalities, 1, 9_999),
                                   ("schools_per_municipality", schools_per_municipality, 1, 10_000),
                                   ("students_per_grade", students_per_grade, 1, 100_000),
                                   ("school_year", school_year, 1980, 2100)):
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise GeneratorError(f"{name} must be an integer in {low}..{high}, got {value!r}")
    if enrollments_per_student is not None and (
            not isinstance(enrollments_per_student, int) or enrollments_per_student < 1):
        raise GeneratorError(f"enrollments_per_student must be a positive integer or None, "
                             f"got {enrollments_per_student!r}")


def generate_bundle(out: Path, *, profile: str, municipalities: int = 1, schools_per_municipality: int = 2,
                    students_per_grade: int = 30, seed: int = 0, school_year: int = 2026,
                    enrollments_per_student: int | None = None, guardians: bool = True) -> GenerationStats:
    """Write a valid bulk bundle for ``profile`` to the zip ``out`` and return row counts.

    ``enrollments_per_student`` caps each student's enrollments (homeroom + first n-1 subjects of
    their grade; default: every subject). ``guardians`` adds one guardian user per student where the
    version has roles.csv (1.2+); guardians never get enrollments.
    """
    _check_args(profile, municipalities, schools_per_municipality, students_per_grade, school_year,
                enrollments_per_student)
    started = time.perf_counter()
    variant, version = PROFILE_VARIANTS[profile]
    headers = roster_headers(variant)
    opts = _Options(profile=profile, variant=variant, version=version, jp=variant in JP_VARIANTS,
                    guardians=guardians and "roles" in headers,
                    enrollments_per_student=enrollments_per_student, headers=headers)
    layout = build_layout(seed=seed, school_year=school_year, municipalities=municipalities,
                          schools_per_municipality=schools_per_municipality,
                          students_per_grade=students_per_grade)
    names = load_names()
    stats = GenerationStats()
    out = Path(out)
    if out.is_dir():
        raise GeneratorError(f"out {str(out)!r} is a folder; give the path of the zip file to write")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    date_time = (school_year, 4, 1, 0, 0, 0)
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED,
                             compresslevel=COMPRESS_LEVEL, allowZip64=True) as zf:
            with _CsvEntry(zf, "manifest.csv", MANIFEST_HEADER, date_time) as manifest:
                for prop, value in _manifest_rows(opts):
                    manifest.raw_row([prop, value])
            stats.files["manifest.csv"] = manifest.rows
            for name in opts.produced:
                with _CsvEntry(zf, f"{name}.csv", headers[name], date_time) as entry:
                    _WRITERS[name](entry, layout, opts, names)
                stats.files[f"{name}.csv"] = entry.rows
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            tmp.unlink()
    stats.users = stats.files.get("users.csv", 0)
    stats.enrollments = stats.files.get("enrollments.csv", 0)
    stats.orgs = stats.files.get("orgs.csv", 0)
    stats.classes = stats.files.get("classes.csv", 0)
    stats.seconds = time.perf_counter() - started
    return stats


def _manifest_rows(opts: _Options) -> list[tuple[str, str]]:
    rows = [("manifest.version", "1.0"), ("oneroster.version", opts.version)]
    for name in (FILES_11 if opts.variant == "1.1" else FILES_12):
        rows.append((f"file.{name}", "bulk" if name in opts.produced else "absent"))
    rows.append(("source.systemName", SYSTEM_NAME))
    return rows


# ---------------------------------------------------------------------------------------------
# per-file writers


def _plans(layout: Layout) -> Iterator[SchoolPlan]:
    for school in layout.schools:
        yield layout.plan(school)


def _write_sessions(entry: _CsvEntry, layout: Layout, opts: _Options, names: NameSource) -> None:
    year = layout.school_year
    # MEIBO/JP convention: schoolYear = the year the 年度 starts; base text: the year it ends.
    entry.row({"sourcedId": layout.session_id, "title": f"{year}年度", "type": "schoolYear",
               "startDate": f"{year}-04-01", "endDate": f"{year + 1}-03-31",
               "schoolYear": str(year if opts.jp else year + 1)})


def _write_orgs(entry: _CsvEntry, layout: Layout, opts: _Options, names: NameSource) -> None:
    """Each 教育委員会 (no parent) followed by its schools; schools are stored in district order."""
    current = None
    for school in layout.schools:
        district = school.district
        if district is not current:
            current = district
            entry.row({"sourcedId": district.sourced_id, "name": district.name, "type": "district",
                       "identifier": district.code})
        entry.row({"sourcedId": school.sourced_id, "name": school.name, "type": "school",
                   "identifier": school.code, "parentSourcedId": district.sourced_id})


def _write_courses(entry: _CsvEntry, layout: Layout, opts: _Options, names: NameSource) -> None:
    for plan in _plans(layout):
        for course in (plan.homeroom_course, *plan.subject_courses):
            entry.row({"sourcedId": course.sourced_id, "schoolYearSourcedId": layout.session_id,
                       "title": course.title,
                       "courseCode": "" if opts.jp else (course.subject_code or "HR"),
                       "orgSourcedId": plan.school.sourced_id, "subjects": course.subject,
                       "subjectCodes": course.subject_code})


def _write_classes(entry: _CsvEntry, layout: Layout, opts: _Options, names: NameSource) -> None:
    for plan in _plans(layout):
        school_id = plan.school.sourced_id
        for group in plan.groups:
            code = "SN" if group.slot is None else f"{group.slot[0]}-{group.slot[1]}"
            entry.row({"sourcedId": group.class_id, "title": group.title, "grades": ",".join(group.grades),
                       "courseSourcedId": plan.homeroom_course.sourced_id, "classCode": code,
                       "classType": "homeroom", "schoolSourcedId": school_id,
                       "termSourcedIds": layout.session_id,
                       "metadata.jp.specialNeeds": "true" if group.special_needs else "false"})
        for sc in plan.subject_classes:
            entry.row({"sourcedId": sc.sourced_id, "title": sc.title, "grades": sc.grade,
                       "courseSourcedId": sc.course_id,
                       "classCode": f"{sc.section[0]}-{sc.section[1]}-{sc.subject_code}",
                       "classType": "scheduled", "schoolSourcedId": school_id,
                       "termSourcedIds": layout.session_id, "subjects": sc.subject,
                       "subjectCodes": sc.subject_code, "metadata.jp.specialNeeds": "false"})


class _UserRows:
    """users.csv rows as lists in header order: users is the widest file, so no per-row dicts.

    Columns the variant lacks map to one scratch slot past the end that is cut off.
    """

    _COLUMNS = ("enabledUser", "username", "givenName", "familyName", "email", "agentSourcedIds",
                "grades", "userMasterIdentifier", "preferredGivenName", "preferredFamilyName",
                "primaryOrgSourcedId", "orgSourcedIds", "role", "metadata.jp.kanaGivenName",
                "metadata.jp.kanaFamilyName", "metadata.jp.homeClass",
                "metadata.jp.kanaPreferredFamilyName", "metadata.jp.kanaPreferredGivenName")

    def __init__(self, header: tuple[str, ...], opts: _Options) -> None:
        self.width = len(header)
        position = {c: i for i, c in enumerate(header)}
        self.at = [position.get(c, self.width) for c in self._COLUMNS]
        self.jp = opts.jp

    def make(self, sourced_id: str, local: str, domain: str, person: Person, *, grades: str = "",
             agents: str = "", master_id: str = "", org: str, role: str, home: str = "") -> list[str]:
        row = [""] * (self.width + 1)
        row[0] = sourced_id
        email = f"{local}@{domain}"
        values = ("true", email, person.given, person.family, email, agents, grades,
                  master_id if self.jp else "", person.given, person.family, org, org, role,
                  person.given_kana, person.family_kana, home, person.family_kana, person.given_kana)
        for i, v in zip(self.at, values, strict=True):
            row[i] = v
        del row[self.width]
        return row


def _teacher_row(rows: _UserRows, plan: SchoolPlan, t: Teacher) -> list[str]:
    p = t.person
    return rows.make(t.sourced_id, f"{p.family_romaji}.{p.given_romaji}.t{t.serial:03d}", plan.school.domain,
                     p, master_id=t.master_id, org=plan.school.sourced_id, role="teacher", home=t.homeroom_id)


def _student_row(rows: _UserRows, plan: SchoolPlan, home_id: str, s: Student, guardians: bool) -> list[str]:
    p = s.person
    return rows.make(s.sourced_id, f"{p.family_romaji}.{p.given_romaji}.s{s.account}", plan.school.domain,
                     p, grades=s.grade, agents=s.guardian.sourced_id if guardians else "",
                     master_id=s.master_id, org=plan.school.sourced_id, role="student", home=home_id)


def _guardian_row(rows: _UserRows, plan: SchoolPlan, s: Student) -> list[str]:
    g = s.guardian
    p = g.person
    return rows.make(g.sourced_id, f"{p.family_romaji}.{p.given_romaji}.g{s.account}", plan.school.domain,
                     p, agents=s.sourced_id, master_id=g.master_id, org=plan.school.sourced_id, role="guardian")


def _people(layout: Layout, plan: SchoolPlan, names: NameSource) -> Iterator[tuple[str, list[Student]]]:
    for group in plan.groups:
        yield group.class_id, group_students(layout, plan, group, names)


def _write_users(entry: _CsvEntry, layout: Layout, opts: _Options, names: NameSource) -> None:
    """Per school: teachers, then per homeroom its students and then their guardians."""
    rows = _UserRows(entry.header, opts)
    for plan in _plans(layout):
        for t in school_teachers(layout, plan, names):
            entry.raw_row(_teacher_row(rows, plan, t))
        for home_id, students in _people(layout, plan, names):
            for s in students:
                entry.raw_row(_student_row(rows, plan, home_id, s, opts.guardians))
            if opts.guardians:
                for s in students:
                    entry.raw_row(_guardian_row(rows, plan, s))


def _write_roles(entry: _CsvEntry, layout: Layout, opts: _Options, names: NameSource) -> None:
    """Each user's one primary role at their school (guardians: at their child's school).

    Role ids are drawn with the person, so a user keeps their role id from one 年度 to the next.
    """
    for plan in _plans(layout):
        org = plan.school.sourced_id
        for t in school_teachers(layout, plan, names):
            entry.row({"sourcedId": t.role_id, "userSourcedId": t.sourced_id, "roleType": "primary",
                       "role": "teacher", "orgSourcedId": org})
        for _, students in _people(layout, plan, names):
            for s in students:
                entry.row({"sourcedId": s.role_id, "userSourcedId": s.sourced_id, "roleType": "primary",
                           "role": "student", "orgSourcedId": org})
            if opts.guardians:
                for s in students:
                    entry.row({"sourcedId": s.guardian.role_id, "userSourcedId": s.guardian.sourced_id,
                               "roleType": "primary", "role": "guardian", "orgSourcedId": org})


def _write_demographics(entry: _CsvEntry, layout: Layout, opts: _Options, names: NameSource) -> None:
    for plan in _plans(layout):
        for t in school_teachers(layout, plan, names):
            entry.row({"sourcedId": t.sourced_id, "birthDate": t.birth_date, "sex": t.person.sex})
        for _, students in _people(layout, plan, names):
            for s in students:
                entry.row({"sourcedId": s.sourced_id, "birthDate": s.birth_date, "sex": s.person.sex})
            if opts.guardians:
                for s in students:
                    g = s.guardian
                    entry.row({"sourcedId": g.sourced_id, "birthDate": g.birth_date, "sex": g.person.sex})


def _write_enrollments(entry: _CsvEntry, layout: Layout, opts: _Options, names: NameSource) -> None:
    header = entry.header
    idx = {c: i for i, c in enumerate(header)}
    no_col, flg_col = opts.shusseki_cols
    has_jp = no_col in idx
    width = len(header)
    cap = opts.enrollments_per_student

    def emit(sourced_id: str, class_id: str, school_id: str, user_id: str, role: str, primary: str,
             number: str) -> None:
        row = [""] * width
        row[0] = sourced_id
        row[idx["classSourcedId"]] = class_id
        row[idx["schoolSourcedId"]] = school_id
        row[idx["userSourcedId"]] = user_id
        row[idx["role"]] = role
        row[idx["primary"]] = primary
        if has_jp:
            row[idx[no_col]] = number
            row[idx[flg_col]] = "true"
        entry.raw_row(row)

    for plan in _plans(layout):
        rng = rng_for(layout.seed, "enrollments", plan.school.index, layout.school_year)
        school_id = plan.school.sourced_id
        teachers = school_teachers(layout, plan, names)
        for group in plan.groups:
            emit(uuid4_from(rng), group.class_id, school_id, teachers[group.teacher_index].sourced_id,
                 "teacher", "true", "")
            if group.slot is not None:
                for sc in plan.by_section.get(group.slot, ()):
                    emit(uuid4_from(rng), sc.sourced_id, school_id, teachers[sc.teacher_index].sourced_id,
                         "teacher", "true", "")
            for s in group_students(layout, plan, group, names):
                emit(uuid4_from(rng), group.class_id, school_id, s.sourced_id, "student", "false",
                     str(s.shussekino))
                subjects = plan.by_section.get(s.slot, ())
                if cap is not None:
                    subjects = subjects[:max(0, cap - 1)]
                for sc in subjects:
                    emit(uuid4_from(rng), sc.sourced_id, school_id, s.sourced_id, "student", "false", "")


_WRITERS = {
    "academicSessions": _write_sessions,
    "orgs": _write_orgs,
    "courses": _write_courses,
    "classes": _write_classes,
    "users": _write_users,
    "roles": _write_roles,
    "demographics": _write_demographics,
    "enrollments": _write_enrollments,
}
