"""The shape of a generated roster: districts, schools, courses, classes (no people).

Small parts (districts, schools) are held in memory; a school's classes and courses are rebuilt
on demand from (seed, school) so a million-user bundle never holds every class at once.
Japanese conventions (ref oneroster.md §2.3): one 教育委員会 (district, 6-digit code) per
municipality, 小学校/中学校 with valid 学校コード, grades P1–P6/J1–J3, homerooms "1年1組" of at most
35 pupils, at least one 特別支援学級 per school.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from renkei.harness.jp import codes as jpcodes
from renkei.mocks.school_affairs.ids import rng_for, uuid4_from

MAX_CLASS_SIZE = 35  # 小・中 学級編制の標準 (35人学級); sections are split so none exceeds it

# Subjects by school kind: (name, subject code, grade numbers that study it). The DA-K list holds
# P010..P100 and J010..J090 without names; we pair them with the 教科 in the order of 学校教育法施行規則
# 別表第一/第二 (10 elementary, 9 junior-high 教科) — the pairing is our assumption, unverified.
ELEMENTARY_SUBJECTS: tuple[tuple[str, str, tuple[int, ...]], ...] = (
    ("国語", "P010", (1, 2, 3, 4, 5, 6)), ("社会", "P020", (3, 4, 5, 6)),
    ("算数", "P030", (1, 2, 3, 4, 5, 6)), ("理科", "P040", (3, 4, 5, 6)), ("生活", "P050", (1, 2)),
    ("音楽", "P060", (1, 2, 3, 4, 5, 6)), ("図画工作", "P070", (1, 2, 3, 4, 5, 6)),
    ("家庭", "P080", (5, 6)), ("体育", "P090", (1, 2, 3, 4, 5, 6)), ("外国語", "P100", (5, 6)),
)
JUNIOR_SUBJECTS: tuple[tuple[str, str, tuple[int, ...]], ...] = tuple(
    (name, code, (1, 2, 3)) for name, code in (
        ("国語", "J010"), ("社会", "J020"), ("数学", "J030"), ("理科", "J040"), ("音楽", "J050"),
        ("美術", "J060"), ("保健体育", "J070"), ("技術・家庭", "J080"), ("外国語", "J090"))
)
_CITY_STEMS = ("青葉", "桜川", "若葉", "緑丘", "朝日", "白浜", "高原", "星野", "港南", "北野",
               "東山", "西原", "南台", "中央", "春日", "夕陽", "松風", "梅里", "竹林", "清流")
_CITY_SUFFIXES = ("市", "町", "村")
_KANJI_DIGITS = "〇一二三四五六七八九"


def kanji_number(n: int) -> str:
    """1..99 as kanji numerals (第一, 第十二); larger numbers in Arabic digits."""
    if not 1 <= n <= 99:
        return str(n)
    tens, ones = divmod(n, 10)
    return ((_KANJI_DIGITS[tens] if tens > 1 else "") + ("十" if tens else "")
            + (_KANJI_DIGITS[ones] if ones else ""))


@dataclass(frozen=True)
class District:
    index: int
    sourced_id: str
    name: str  # e.g. 青葉市教育委員会
    city: str  # e.g. 青葉市
    code: str  # 6 digits


@dataclass(frozen=True)
class School:
    index: int  # global ordinal
    sourced_id: str
    name: str
    code: str  # 学校コード
    kind: str  # "elementary" | "junior"
    district: District
    sections: tuple[int, ...]  # regular homerooms per grade
    special: tuple[int, ...]  # students per grade placed in the 特別支援学級 (0 or 1)
    students_per_grade: int

    @property
    def grade_prefix(self) -> str:
        return "P" if self.kind == "elementary" else "J"

    @property
    def grades(self) -> tuple[str, ...]:
        return tuple(f"{self.grade_prefix}{g}" for g in range(1, len(self.sections) + 1))

    @property
    def subjects(self) -> tuple[tuple[str, str, tuple[int, ...]], ...]:
        return ELEMENTARY_SUBJECTS if self.kind == "elementary" else JUNIOR_SUBJECTS

    @property
    def domain(self) -> str:
        """Mail domain under the JPRS-reserved example.jp."""
        return f"{self.code.lower()}.example.jp"


@dataclass(frozen=True)
class Course:
    sourced_id: str
    title: str
    subject: str  # "" for the homeroom course
    subject_code: str


@dataclass(frozen=True)
class Group:
    """A homeroom class and the students whose home class it is (their 出席番号 run 1..size)."""

    key: str  # RNG key of the members: (school, cohort, section), so a class moves up a grade intact
    class_id: str
    title: str
    grades: tuple[str, ...]
    special_needs: bool
    size: int
    slot: tuple[int, int] | None  # (grade 1-based, section 1-based) of every member (regular homeroom)
    special_slots: tuple[tuple[int, int], ...]  # per member, for the 特別支援学級 (交流学級 = section 1)
    teacher_index: int  # index into the school's teacher list

    def member_slot(self, k: int) -> tuple[int, int]:
        return self.slot if self.slot is not None else self.special_slots[k]


@dataclass(frozen=True)
class SubjectClass:
    sourced_id: str
    title: str
    grade: str
    section: tuple[int, int]
    subject: str
    subject_code: str
    course_id: str
    teacher_index: int


@dataclass(frozen=True)
class SchoolPlan:
    school: School
    homeroom_course: Course
    subject_courses: tuple[Course, ...]
    groups: tuple[Group, ...]  # regular sections in grade/section order, then the 特別支援学級
    subject_classes: tuple[SubjectClass, ...]
    by_section: dict[tuple[int, int], tuple[SubjectClass, ...]]

    @property
    def students(self) -> int:
        return sum(g.size for g in self.groups)


@dataclass(frozen=True)
class Layout:
    seed: int
    school_year: int
    prefecture: int
    session_id: str
    districts: tuple[District, ...]
    schools: tuple[School, ...]

    def plan(self, school: School) -> SchoolPlan:
        return _plan(self.seed, self.school_year, self.session_id, school)


def _split(total: int) -> tuple[int, ...]:
    """Sizes of homerooms for ``total`` pupils: as few as possible, none over MAX_CLASS_SIZE."""
    n = max(1, math.ceil(total / MAX_CLASS_SIZE))
    base, extra = divmod(total, n)
    return tuple(base + (1 if i < extra else 0) for i in range(n))


def build_layout(*, seed: int, school_year: int, municipalities: int, schools_per_municipality: int,
                 students_per_grade: int) -> Layout:
    """Districts and schools; schools alternate 小学校, 中学校 within a municipality."""
    rng = rng_for(seed, "layout")
    prefecture = rng.randint(1, 47)
    district_base = rng.randrange(10_000)
    school_base = rng.randrange(1_000_000)
    session_id = uuid4_from(rng_for(seed, "session", school_year))  # per 年度; orgs stay stable
    special = 1 if students_per_grade >= 2 else 0
    districts: list[District] = []
    schools: list[School] = []
    for m in range(municipalities):
        stem = _CITY_STEMS[m % len(_CITY_STEMS)]
        suffix = _CITY_SUFFIXES[(m // len(_CITY_STEMS)) % len(_CITY_SUFFIXES)]
        cycle = m // (len(_CITY_STEMS) * len(_CITY_SUFFIXES))
        city = f"{stem}{suffix}" if cycle == 0 else f"{stem}第{kanji_number(cycle + 1)}{suffix}"
        district = District(index=m, sourced_id=uuid4_from(rng), name=f"{city}教育委員会", city=city,
                            code=f"{prefecture:02d}{(district_base + m) % 10_000:04d}")
        districts.append(district)
        counters = {"elementary": 0, "junior": 0}
        for j in range(schools_per_municipality):
            kind = "elementary" if j % 2 == 0 else "junior"
            counters[kind] += 1
            n_grades = 6 if kind == "elementary" else 3
            index = len(schools)
            code = jpcodes.make_school_code("B1" if kind == "elementary" else "C1", prefecture, 2,
                                            (school_base + index) % 10_000_000)
            label = "小学校" if kind == "elementary" else "中学校"
            sections = tuple(len(_split(students_per_grade - special)) for _ in range(n_grades))
            schools.append(School(
                index=index, sourced_id=uuid4_from(rng),
                name=f"{city}立第{kanji_number(counters[kind])}{label}", code=code, kind=kind,
                district=district, sections=sections, special=(special,) * n_grades,
                students_per_grade=students_per_grade))
    return Layout(seed=seed, school_year=school_year, prefecture=prefecture, session_id=session_id,
                  districts=tuple(districts), schools=tuple(schools))


@lru_cache(maxsize=2)
def _plan(seed: int, year: int, session_id: str, school: School) -> SchoolPlan:
    rng = rng_for(seed, "school", school.index, year)  # courses and classes are per 年度
    hr_course = Course(uuid4_from(rng), f"{year}年度ホームルーム", "", "")
    courses = {code: Course(uuid4_from(rng), f"{year}年度{name}", name, code)
               for name, code, _ in school.subjects}
    groups: list[Group] = []
    regular = school.students_per_grade - school.special[0]
    for g, n_sections in enumerate(school.sections, start=1):
        for s, size in enumerate(_split(regular)[:n_sections], start=1):
            groups.append(Group(
                key=f"hr:{school.index}:{year - g + 1}:{s}", class_id=uuid4_from(rng), title=f"{g}年{s}組",
                grades=(f"{school.grade_prefix}{g}",), special_needs=False, size=size, slot=(g, s),
                special_slots=(), teacher_index=len(groups)))
    special_slots = tuple((g, 1) for g, n in enumerate(school.special, start=1) for _ in range(n))
    groups.append(Group(
        key=f"sn:{school.index}", class_id=uuid4_from(rng), title="特別支援学級", grades=school.grades,
        special_needs=True, size=len(special_slots), slot=None, special_slots=special_slots,
        teacher_index=len(groups)))
    n_regular = len(groups) - 1
    subject_classes: list[SubjectClass] = []
    by_section: dict[tuple[int, int], list[SubjectClass]] = {}
    for pos, group in enumerate(groups[:-1]):
        assert group.slot is not None
        g, s = group.slot
        for j, (name, code, years) in enumerate(school.subjects):
            if g not in years:
                continue
            # 小学校: 学級担任制 (the homeroom teacher teaches every subject); 中学校: 教科担任制.
            teacher = pos if school.kind == "elementary" else (pos + j) % n_regular
            sc = SubjectClass(uuid4_from(rng), f"{g}年{s}組 {name}", f"{school.grade_prefix}{g}", (g, s),
                              name, code, courses[code].sourced_id, teacher)
            subject_classes.append(sc)
            by_section.setdefault((g, s), []).append(sc)
    return SchoolPlan(school=school, homeroom_course=hr_course, subject_courses=tuple(courses.values()),
                      groups=tuple(groups), subject_classes=tuple(subject_classes),
                      by_section={k: tuple(v) for k, v in by_section.items()})
