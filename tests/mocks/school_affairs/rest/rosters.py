"""What each rostering path should answer, computed in Python from the flat collections (tests only).

The expectations follow the app's documented rules (membership follows *active* enrollments; a
user's subset ``/students``/``/teachers`` is its primary role) and never look at SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from renkei.harness.oneroster.model import rest as R
from tests.mocks.school_affairs.rest.conftest import GRADING_PERIODS, TERMS, Api

Obj = dict[str, Any]


def _sid(ref: Any) -> str | None:
    return ref.get("sourcedId") if isinstance(ref, dict) else None


def primary_role(user: Obj) -> str | None:
    roles = user.get("roles") or []
    return next((r["role"] for r in roles if r.get("roleType") == "primary"), roles[0]["role"] if roles else None)


@dataclass
class Roster:
    sessions: list[Obj]
    classes: list[Obj]
    courses: list[Obj]
    enrollments: list[Obj]
    orgs: list[Obj]
    users: list[Obj]
    demographics: list[Obj]

    @classmethod
    def read(cls, api: Api) -> Roster:
        return cls(api.items("/academicSessions"), api.items("/classes"), api.items("/courses"),
                   api.items("/enrollments"), api.items("/orgs"), api.items("/users"), api.items("/demographics"))

    def of(self, kind: str) -> list[Obj]:
        return {"academicSession": self.sessions, "class": self.classes, "course": self.courses,
                "enrollment": self.enrollments, "org": self.orgs, "user": self.users,
                "demographics": self.demographics}[kind]

    def members(self, klass: str | None = None, user: str | None = None, role: str | None = None,
                school: str | None = None) -> list[Obj]:
        return [e for e in self.enrollments if e["status"] == "active"
                and (klass is None or _sid(e["class"]) == klass) and (user is None or _sid(e["user"]) == user)
                and (role is None or e["role"] == role) and (school is None or _sid(e["school"]) == school)]

    def expected(self, endpoint: R.Endpoint, ids: list[str]) -> list[str]:
        """The sourcedIds (in collection order) a collection path answers."""
        subset = endpoint.subset
        objs = self.of(endpoint.object)
        if subset is None:
            keep = objs
        elif subset.startswith("type="):
            keep = [o for o in objs if o.get("type") == subset[5:]]
        elif subset.startswith("role="):
            keep = [o for o in objs if primary_role(o) == subset[5:]]
        else:
            keep = [o for o in objs if self._in(subset, ids, o)]
        return [o["sourcedId"] for o in keep]

    def _in(self, subset: str, ids: list[str], o: Obj) -> bool:
        sid = o["sourcedId"]
        role_of = {"students": "student", "teachers": "teacher"}
        head, _, tail = subset.rpartition(".")
        if subset == "course.classes":
            return _sid(o.get("course")) == ids[0]
        if subset in ("school.classes", "school.enrollments"):
            return _sid(o.get("school")) == ids[0]
        if subset == "school.courses":
            return _sid(o.get("org")) == ids[0]
        if subset == "school.class.enrollments":
            return _sid(o.get("school")) == ids[0] and _sid(o.get("class")) == ids[1]
        if subset in ("school.students", "school.teachers"):
            return any(r["role"] == role_of[tail] and _sid(r["org"]) == ids[0] for r in o["roles"])
        if subset in ("school.class.students", "school.class.teachers"):
            return bool(self.members(klass=ids[1], user=sid, role=role_of[tail], school=ids[0]))
        if subset == "school.terms":
            terms = {_sid(t) for c in self.classes if _sid(c["school"]) == ids[0] for t in c["terms"]}
            return o.get("type") == "term" and sid in terms
        if subset in ("student.classes", "teacher.classes", "user.classes"):
            role = {"student": "student", "teacher": "teacher", "user": None}[head]
            return bool(self.members(klass=sid, user=ids[0], role=role))
        if subset == "term.classes":
            return ids[0] in {_sid(t) for t in o["terms"]}
        if subset == "term.gradingPeriods":
            return o.get("type") == "gradingPeriod" and _sid(o.get("parent")) == ids[0]
        if subset in ("class.students", "class.teachers"):
            return bool(self.members(klass=ids[0], user=sid, role=role_of[tail]))
        raise AssertionError(subset)

    # -- parents with something below them ---------------------------------------------------------

    def school(self) -> Obj:
        return next(o for o in self.orgs if o["type"] == "school")

    def klass(self) -> Obj:
        school = self.school()["sourcedId"]
        return next(c for c in self.classes if _sid(c["school"]) == school
                    and self.members(klass=c["sourcedId"], role="student")
                    and self.members(klass=c["sourcedId"], role="teacher"))

    def student(self) -> str:
        return str(_sid(self.members(klass=self.klass()["sourcedId"], role="student")[0]["user"]))

    def teacher(self) -> str:
        return str(_sid(self.members(klass=self.klass()["sourcedId"], role="teacher")[0]["user"]))

    def path_ids(self, endpoint: R.Endpoint) -> dict[str, str]:
        """Values for the path parameters of ``endpoint`` that name real parents (or the object)."""
        klass = self.klass()
        ids = {"schoolSourcedId": self.school()["sourcedId"], "classSourcedId": klass["sourcedId"],
               "courseSourcedId": str(_sid(klass["course"])), "studentSourcedId": self.student(),
               "teacherSourcedId": self.teacher(), "userSourcedId": self.student(), "termSourcedId": TERMS[0]}
        if endpoint.single:
            head = endpoint.path.strip("/").split("/")[0]
            year = next(s for s in self.sessions if s["type"] == "schoolYear")
            ids["sourcedId"] = {
                "academicSessions": year["sourcedId"], "classes": klass["sourcedId"],
                "courses": ids["courseSourcedId"], "demographics": self.student(),
                "enrollments": self.enrollments[0]["sourcedId"], "gradingPeriods": GRADING_PERIODS[0],
                "orgs": next(o for o in self.orgs if o["type"] == "district")["sourcedId"],
                "schools": ids["schoolSourcedId"], "students": self.student(), "teachers": self.teacher(),
                "terms": TERMS[0], "users": self.users[-1]["sourcedId"]}[head]
        return {p: ids[p] for p in endpoint.params}
