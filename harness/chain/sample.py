"""Who the scenario launches, and who the school-year events happen to: chosen from the roster, deterministically.

The sample is small on purpose (a municipality has thousands of learners; a link breaks for all of
them or for the ones an event touched): per school, homerooms spread over the grades with the top
grade always among them (its pupils graduate at 年次更新), the first learners of each by sourcedId,
and the teachers of those classes. After 年次更新 the same learners are launched in their new class,
a few 新入生 join, and the graduates and last year's classes are tried; then one sampled learner each
is transferred to another school, has their name corrected, changes class and leaves the
municipality. The same roster gives the same sample, run after run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from renkei.harness.chain.config import Scenario
from renkei.harness.chain.roster import RosterClass, RosterSnapshot

# 異体字 corrections a 校務支援 typically makes (the registered kanji of a family name); else the given name grows
VARIANTS = {"高": "髙", "崎": "﨑", "辺": "邊", "沢": "澤", "斉": "齊", "浜": "濱", "島": "嶋", "吉": "𠮷", "德": "徳"}
_GRADE = re.compile(r"^([A-Za-z]+)(\d+)$")


@dataclass(frozen=True)
class Planned:
    user: str
    role: str  # student | teacher
    context: str | None
    pii: str
    purpose: str = "normal"


@dataclass
class Sample:
    learners: list[str] = field(default_factory=list)
    teachers: list[str] = field(default_factory=list)


def grade_key(grade: str) -> tuple[str, int]:
    m = _GRADE.match(grade)
    return (m.group(1), int(m.group(2))) if m else (grade, 0)


def schools(snap: RosterSnapshot) -> list[str]:
    found = [sid for sid, o in snap.orgs.items() if o.get("type") == "school" and o.get("status") != "tobedeleted"]
    return sorted(found, key=lambda s: (snap.orgs[s].get("identifier", ""), s))


def homerooms(snap: RosterSnapshot, school: str, *, single_grade: bool = True, with_pupils: bool = True) -> list[
        RosterClass]:
    """Active homerooms of a school in grade order: single-grade ones (no 特別支援学級) unless ``single_grade`` is
    False, and ones that have pupils unless ``with_pupils`` is False (a class a pupil may move into)."""
    rooms = [c for c in snap.classes.values() if c.active and c.school == school and c.class_type == "homeroom"
             and (len(c.grades) == 1 or not single_grade)
             and (not with_pupils or any("student" in roles for roles in snap.members(c.sourced_id).values()))]
    return sorted(rooms, key=lambda c: (min((grade_key(g) for g in c.grades), default=("", 0)), c.title, c.sourced_id))


def spread(items: list[RosterClass], count: int) -> list[RosterClass]:
    """``count`` of ``items`` spread evenly, the first and the last always included."""
    if len(items) <= count:
        return list(items)
    picks = sorted({round(i * (len(items) - 1) / (count - 1)) for i in range(count)})
    return [items[i] for i in picks]


def students_of(snap: RosterSnapshot, klass: str) -> list[str]:
    return sorted(u for u, roles in snap.members(klass).items() if "student" in roles)


def teacher_rooms(snap: RosterSnapshot, teacher: str) -> list[str]:
    """The classes a teacher teaches now, homerooms first."""
    mine = [k for k, roles in snap.active_classes(teacher).items() if "teacher" in roles]
    return sorted(mine, key=lambda k: (snap.classes[k].class_type != "homeroom", k))


def choose(snap: RosterSnapshot, settings: Scenario) -> Sample:
    sample = Sample()
    for school in schools(snap):
        teachers: list[str] = []
        for room in spread(homerooms(snap, school), settings.classes_per_school):
            sample.learners += students_of(snap, room.sourced_id)[:settings.learners_per_class]
            teachers += sorted(u for u, roles in snap.members(room.sourced_id).items()
                               if "teacher" in roles and u not in teachers)
        sample.teachers += teachers[:settings.teachers_per_school]
    return sample


def _pii(settings: Scenario, i: int) -> str:
    return settings.pii_variants[i % len(settings.pii_variants)]


def not_own_room(snap: RosterSnapshot, teacher: str) -> str | None:
    """A homeroom of the teacher's school that they do not teach."""
    mine = set(teacher_rooms(snap, teacher))
    school = next((snap.classes[k].school for k in mine), None)
    if school is None:
        return None
    other = [c.sourced_id for c in homerooms(snap, school) if c.sourced_id not in mine
             and teacher not in snap.members(c.sourced_id)]
    return other[0] if other else None


def teacher_launches(snap: RosterSnapshot, teachers: list[str], settings: Scenario) -> list[Planned]:
    out: list[Planned] = []
    for i, t in enumerate(teachers):
        rooms = teacher_rooms(snap, t)
        if not rooms:
            continue
        out.append(Planned(t, "teacher", rooms[0], "full"))
        other = not_own_room(snap, t)
        if other is not None and i < settings.refusals:
            out.append(Planned(t, "teacher", other, "full", "not_own_class"))
    return out


def learner_launches(snap: RosterSnapshot, learners: list[str], settings: Scenario,
                     full: set[str] | None = None) -> list[Planned]:
    out: list[Planned] = []
    for i, u in enumerate(learners):
        user = snap.users.get(u)
        room = snap.homeroom(u)
        if user is None or not user.active or room is None:
            continue
        out.append(Planned(u, "student", room, "full" if full and u in full else _pii(settings, i)))
    return out


def start_plan(snap: RosterSnapshot, sample: Sample, settings: Scenario) -> list[Planned]:
    return learner_launches(snap, sample.learners, settings) + teacher_launches(snap, sample.teachers, settings)


def newcomers(before: RosterSnapshot, after: RosterSnapshot, settings: Scenario) -> list[str]:
    """新入生: pupils of the new roster that the old one did not have, a few per school."""
    out: list[str] = []
    for school in schools(after):
        new = [u for c in homerooms(after, school) for u in students_of(after, c.sourced_id) if u not in before.users]
        out += sorted(new)[:settings.learners_per_class]
    return out


def year_plan(before: RosterSnapshot, after: RosterSnapshot, sample: Sample, settings: Scenario) -> tuple[
        list[Planned], list[str]]:
    """The launches after 年次更新, and the learners the later phases follow (continuing + 新入生)."""
    continuing = [u for u in sample.learners if u in after.users and after.users[u].active and after.homeroom(u)]
    graduates = [u for u in sample.learners if u not in continuing]
    joined = newcomers(before, after, settings)
    plan = learner_launches(after, continuing + joined, settings)
    for u in graduates[:settings.refusals]:
        plan.append(Planned(u, "student", before.homeroom(u), "full", "graduate"))
    for u in continuing[:settings.refusals]:
        old = before.homeroom(u)
        if old is not None and old not in after.active_classes(u):
            plan.append(Planned(u, "student", old, "full", "last_year_class"))
    teachers = [t for t in sample.teachers if t in after.users and after.users[t].active]
    plan += teacher_launches(after, teachers, settings)
    for t in teachers[:settings.refusals]:
        old_rooms = [k for k in teacher_rooms(before, t) if k not in after.active_classes(t)]
        if old_rooms:
            plan.append(Planned(t, "teacher", old_rooms[0], "full", "last_year_class"))
    return plan, continuing + joined


@dataclass
class Events:
    """Who the mid-year events happen to (sourcedIds), and where to."""

    transfer: tuple[str, str] | None = None  # (user, to school)
    rename: tuple[str, dict[str, str]] | None = None  # (user, corrected fields)
    class_change: tuple[str, str] | None = None  # (user, to class)
    leave: str | None = None


def corrected_name(family: str, given: str) -> dict[str, str]:
    """A name correction as a 校務支援 makes one: the family name's registered kanji, else the given name."""
    for plain, variant in VARIANTS.items():
        if plain in family:
            return {"familyName": family.replace(plain, variant, 1)}
    return {"givenName": given + "子"}


def choose_events(snap: RosterSnapshot, learners: list[str]) -> Events:
    events = Events()
    taken: set[str] = set()
    for u in learners:  # 転出・転入: a school with a homeroom of the same grade takes the pupil in
        room = snap.homeroom(u)
        if room is None:
            continue
        grades = snap.classes[room].grades
        school = snap.classes[room].school
        to = next((s for s in schools(snap) if s != school
                   and any(c.grades == grades for c in homerooms(snap, s, with_pupils=False))), None)
        if to is not None:
            events.transfer = (u, to)
            taken.add(u)
            break
    for u in learners:
        user = snap.users.get(u)
        if u not in taken and user is not None and snap.homeroom(u):
            events.rename = (u, corrected_name(user.family_name, user.given_name))
            taken.add(u)
            break
    for u in learners:  # 学級変更: another homeroom of the same school that takes the pupil's grade
        room = snap.homeroom(u)
        if u in taken or room is None:
            continue
        c = snap.classes[room]
        to = next((r.sourced_id for r in homerooms(snap, c.school, single_grade=False, with_pupils=False)
                   if r.sourced_id != room and set(c.grades) & set(r.grades)), None)
        if to is not None:
            events.class_change = (u, to)
            taken.add(u)
            break
    events.leave = next((u for u in learners if u not in taken and snap.homeroom(u)), None)
    return events


def changes_plan(before: RosterSnapshot, after: RosterSnapshot, learners: list[str], teachers: list[str],
                 events: Events, settings: Scenario) -> list[Planned]:
    full = {events.rename[0]} if events.rename else set()
    plan = learner_launches(after, learners, settings, full=full)
    tried = [("old_school", events.transfer[0] if events.transfer else None),
             ("old_class", events.class_change[0] if events.class_change else None),
             ("leaver", events.leave)]
    for purpose, u in tried:
        if u is not None and before.homeroom(u) is not None:
            plan.append(Planned(u, "student", before.homeroom(u), "full", purpose))
    active = [t for t in teachers if t in after.users and after.users[t].active]
    return plan + teacher_launches(after, active, settings)
