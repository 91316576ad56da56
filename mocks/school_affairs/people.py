"""Students, guardians and teachers, regenerated on demand from (seed, homeroom or school).

A homeroom's members come from their own RNG stream, so users.csv, roles.csv, demographics.csv
and enrollments.csv can each rebuild the same people without holding a million of them.
The stream is keyed by cohort (the 年度 the pupils entered the school), not by grade, so the
bundle of the next 年度 (same seed, ``school_year + 1``) holds the same children one grade up with
the same sourcedIds, names and accounts — the 年次更新 case (ref oneroster.md §5) — while
sessions, classes and enrollments get new ids and the top grade leaves.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from renkei.mocks.school_affairs.ids import rng_for, uuid4_from
from renkei.mocks.school_affairs.layout import Group, Layout, SchoolPlan
from renkei.mocks.school_affairs.names import NameSource, Person


@dataclass(frozen=True, slots=True)
class Guardian:
    sourced_id: str
    master_id: str
    role_id: str  # roles.csv sourcedId of the guardian role
    person: Person
    birth_date: str


@dataclass(frozen=True, slots=True)
class Student:
    sourced_id: str
    master_id: str  # userMasterIdentifier (学習eポータルUUID)
    role_id: str
    person: Person
    grade: str  # P1..P6 / J1..J3
    slot: tuple[int, int]  # (grade, section) whose subject classes the student attends
    birth_date: str
    account: str  # per-school account number: cohort (2 digits) + section + number in class
    shussekino: int  # 出席番号 in the homeroom, 1..n in kana order
    guardian: Guardian


@dataclass(frozen=True, slots=True)
class Teacher:
    sourced_id: str
    master_id: str
    role_id: str
    person: Person
    birth_date: str
    serial: int
    homeroom_id: str  # the class this teacher is 担任 of (metadata.jp.homeClass)


def _day_between(rng: random.Random, first: date, last: date) -> str:
    return date.fromordinal(first.toordinal() + int(rng.random() * (last.toordinal() - first.toordinal() + 1))
                            ).isoformat()


def student_birth_range(school_year: int, years_in_school: int) -> tuple[date, date]:
    """Birth dates of a pupil in their ``years_in_school``-th year (1 = 小1) in 年度 ``school_year``.

    学校教育法 §17: school starts at the first 学年 after the day following the 6th birthday (age is
    reached the day before the birthday), so 小1 of 年度 Y is born 2 April (Y-7) .. 1 April (Y-6).
    """
    shift = years_in_school - 1
    return date(school_year - 7 - shift, 4, 2), date(school_year - 6 - shift, 4, 1)


def group_students(layout: Layout, plan: SchoolPlan, group: Group, names: NameSource) -> list[Student]:
    """Members of one homeroom with their guardians, 出席番号 assigned by kana order."""
    school = plan.school
    offset = 0 if school.kind == "elementary" else 6
    group_rng = rng_for(layout.seed, group.key) if group.slot is not None else None
    drafts: list[tuple[Person, str, str, str, tuple[int, int], str, str, Guardian]] = []
    for k in range(group.size):
        slot = group.member_slot(k)
        cohort = layout.school_year - slot[0] + 1
        if group_rng is not None:
            rng, account = group_rng, f"{cohort % 100:02d}{slot[1]:02d}{k + 1:02d}"
        else:  # 特別支援学級: one pupil per cohort, each with its own stream
            rng, account = rng_for(layout.seed, "sn", school.index, cohort), f"{cohort % 100:02d}0001"
        person = names.person(rng)
        sid, mid, role_id = uuid4_from(rng), uuid4_from(rng), uuid4_from(rng)
        first, last = student_birth_range(layout.school_year, slot[0] + offset)
        birth = _day_between(rng, first, last)
        g_sex = "female" if rng.random() < 0.6 else "male"
        family = (person.family, person.family_kana, person.family_romaji)
        parent = names.person(rng, sex=g_sex, family=family)
        child_year = int(birth[:4])
        g_birth = _day_between(rng, date(child_year - 45, 1, 1), date(child_year - 22, 12, 31))
        guardian = Guardian(uuid4_from(rng), uuid4_from(rng), uuid4_from(rng), parent, g_birth)
        drafts.append((person, sid, mid, role_id, slot, birth, account, guardian))
    order = sorted(range(len(drafts)),
                   key=lambda i: (drafts[i][0].family_kana, drafts[i][0].given_kana, i))
    number = {i: n for n, i in enumerate(order, start=1)}
    return [
        Student(sourced_id=sid, master_id=mid, role_id=role_id, person=person,
                grade=f"{school.grade_prefix}{slot[0]}", slot=slot, birth_date=birth, account=account,
                shussekino=number[k], guardian=guardian)
        for k, (person, sid, mid, role_id, slot, birth, account, guardian) in enumerate(drafts)
    ]


def school_teachers(layout: Layout, plan: SchoolPlan, names: NameSource) -> list[Teacher]:
    """One 担任 per homeroom (incl. the 特別支援学級), aged 23–60 on 1 April of the 年度.

    Ids and names are keyed by school only; birth dates follow the 年度 (not carried across years).
    """
    rng = rng_for(layout.seed, "teachers", plan.school.index)
    april = date(layout.school_year, 4, 1)
    teachers: list[Teacher] = []
    for n, group in enumerate(plan.groups, start=1):
        person = names.person(rng)
        sid, mid, role_id = uuid4_from(rng), uuid4_from(rng), uuid4_from(rng)
        birth = _day_between(rng, date(april.year - 60, 4, 2), date(april.year - 23, 4, 1))
        teachers.append(Teacher(sid, mid, role_id, person, birth, n, group.class_id))
    return teachers
