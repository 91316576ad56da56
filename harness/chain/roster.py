"""The roster at one moment of the scenario, as the 校務支援 holds it: what every link is compared with.

Built from OneRoster 1.2 REST objects (the mock's store, a vendor's REST provider) or the rows of a CSV
bundle turned into the same shape. Only what the links need is kept: users (identifier, names,
status, the schools of their roles), classes (school, terms), enrollments (role, status) and the
schoolYear sessions. ``tobedeleted`` objects are kept (OneRoster deletes by status) and are simply
not active.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

IDENTIFIERS = ("userMasterIdentifier", "sourcedId")


def _ref(value: Any) -> str:
    return str(value.get("sourcedId", "")) if isinstance(value, dict) else ""


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


@dataclass(frozen=True)
class RosterUser:
    sourced_id: str
    status: str
    enabled: bool
    master_id: str  # userMasterIdentifier ("" when absent)
    username: str
    email: str
    given_name: str
    family_name: str
    roles: tuple[tuple[str, str], ...]  # (role, org sourcedId)

    @property
    def active(self) -> bool:
        return self.status != "tobedeleted" and self.enabled

    def identifier(self, rule: str) -> str:
        """The identifier the chain carries for this user: ``userMasterIdentifier`` (else the sourcedId) or
        the sourcedId, as the profile's ``identifier`` parameter says."""
        if rule == "userMasterIdentifier" and self.master_id:
            return self.master_id
        return self.sourced_id

    def role_in(self) -> set[str]:
        return {r for r, _ in self.roles}

    def schools(self) -> set[str]:
        return {org for _, org in self.roles if org}

    def personal_values(self) -> dict[str, str]:
        """The personal values a downstream party must not receive unless allowed: the login name, the mail
        (and the part before @ of each), the name parts. A value that two kinds share keeps the first kind."""
        values: dict[str, str] = {}

        def add(kind: str, value: str) -> None:
            if value and value not in values.values():
                values[kind] = value

        add("username", self.username)
        add("username_local", self.username.split("@", 1)[0] if "@" in self.username else "")
        add("email", self.email)
        add("email_local", self.email.split("@", 1)[0] if "@" in self.email else "")
        if self.family_name and self.given_name:
            add("name", f"{self.family_name} {self.given_name}")
            add("name_nospace", self.family_name + self.given_name)
        add("familyName", self.family_name)
        add("givenName", self.given_name)
        return values


@dataclass(frozen=True)
class RosterClass:
    sourced_id: str
    status: str
    title: str
    class_code: str
    class_type: str
    school: str
    terms: tuple[str, ...]
    grades: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return self.status != "tobedeleted"


@dataclass(frozen=True)
class RosterEnrollment:
    sourced_id: str
    user: str
    klass: str
    role: str
    status: str

    @property
    def active(self) -> bool:
        return self.status != "tobedeleted"


@dataclass(frozen=True)
class RosterSession:
    sourced_id: str
    status: str
    type: str
    school_year: str
    title: str


@dataclass
class RosterSnapshot:
    """The roster when it was read (``at``: epoch seconds). Lookups are indexed once, on first use."""

    at: float
    users: dict[str, RosterUser] = field(default_factory=dict)
    classes: dict[str, RosterClass] = field(default_factory=dict)
    enrollments: list[RosterEnrollment] = field(default_factory=list)
    orgs: dict[str, dict[str, str]] = field(default_factory=dict)  # sourcedId -> name, type, identifier
    sessions: dict[str, RosterSession] = field(default_factory=dict)
    _by_user: dict[str, list[RosterEnrollment]] | None = field(default=None, repr=False, compare=False)
    _by_class: dict[str, list[RosterEnrollment]] | None = field(default=None, repr=False, compare=False)

    def _index(self) -> None:
        by_user: dict[str, list[RosterEnrollment]] = {}
        by_class: dict[str, list[RosterEnrollment]] = {}
        for e in self.enrollments:
            by_user.setdefault(e.user, []).append(e)
            by_class.setdefault(e.klass, []).append(e)
        self._by_user, self._by_class = by_user, by_class

    def enrollments_of(self, user: str) -> list[RosterEnrollment]:
        if self._by_user is None:
            self._index()
        assert self._by_user is not None
        return self._by_user.get(user, [])

    def enrollments_in(self, klass: str) -> list[RosterEnrollment]:
        if self._by_class is None:
            self._index()
        assert self._by_class is not None
        return self._by_class.get(klass, [])

    @property
    def current_year(self) -> str | None:
        """The 年度 in force: the latest active schoolYear session (None if the roster names none)."""
        years = [s.school_year for s in self.sessions.values()
                 if s.type == "schoolYear" and s.status != "tobedeleted" and s.school_year]
        return max(years) if years else None

    def class_year(self, klass: str) -> str | None:
        """The 年度 of a class: the schoolYear of its terms (a term's own year when it is not a schoolYear)."""
        c = self.classes.get(klass)
        if c is None:
            return None
        years = sorted({self.sessions[t].school_year for t in c.terms if t in self.sessions
                        and self.sessions[t].school_year})
        return years[-1] if years else None

    def active_roles(self, user: str, klass: str) -> set[str]:
        """The user's roles in a class by their active enrollments (empty: not a current member)."""
        return {e.role for e in self.enrollments_of(user) if e.klass == klass and e.active}

    def active_classes(self, user: str) -> dict[str, set[str]]:
        """class -> the user's roles there, by active enrollments in active classes."""
        out: dict[str, set[str]] = {}
        for e in self.enrollments_of(user):
            c = self.classes.get(e.klass)
            if e.active and c is not None and c.active:
                out.setdefault(e.klass, set()).add(e.role)
        return out

    def members(self, klass: str) -> dict[str, set[str]]:
        """user -> roles, for every active enrollment of an active user in the class."""
        out: dict[str, set[str]] = {}
        for e in self.enrollments_in(klass):
            u = self.users.get(e.user)
            if e.active and u is not None and u.active:
                out.setdefault(e.user, set()).add(e.role)
        return out

    def homeroom(self, user: str) -> str | None:
        """The user's active homeroom (the first by sourcedId when a roster gives more than one)."""
        rooms = sorted(k for k, roles in self.active_classes(user).items()
                       if self.classes[k].class_type == "homeroom" and roles & {"student"})
        return rooms[0] if rooms else None

    def by_identifier(self, rule: str) -> dict[str, str]:
        """identifier -> user sourcedId (the first one, when a broken roster repeats an identifier)."""
        out: dict[str, str] = {}
        for sid in sorted(self.users):
            out.setdefault(self.users[sid].identifier(rule), sid)
        return out


def snapshot_from_rest(at: float, objects: dict[str, Iterable[dict[str, Any]]]) -> RosterSnapshot:
    """A snapshot from OneRoster 1.2 REST objects by kind (``user``, ``class``, ``enrollment``, ``org``,
    ``academicSession``); objects that are not JSON objects or lack a sourcedId are left out."""
    snap = RosterSnapshot(at=at)
    for o in objects.get("org", ()):
        if isinstance(o, dict) and o.get("sourcedId"):
            snap.orgs[str(o["sourcedId"])] = {"name": _str(o.get("name")), "type": _str(o.get("type")),
                                              "identifier": _str(o.get("identifier")), "status": _str(o.get("status"))}
    for s in objects.get("academicSession", ()):
        if isinstance(s, dict) and s.get("sourcedId"):
            snap.sessions[str(s["sourcedId"])] = RosterSession(
                str(s["sourcedId"]), _str(s.get("status")) or "active", _str(s.get("type")),
                str(s.get("schoolYear") or ""), _str(s.get("title")))
    for u in objects.get("user", ()):
        if not isinstance(u, dict) or not u.get("sourcedId"):
            continue
        roles = tuple((_str(r.get("role")), _ref(r.get("org"))) for r in u.get("roles") or [] if isinstance(r, dict))
        enabled = u.get("enabledUser") not in ("false", False)
        snap.users[str(u["sourcedId"])] = RosterUser(
            sourced_id=str(u["sourcedId"]), status=_str(u.get("status")) or "active", enabled=enabled,
            master_id=_str(u.get("userMasterIdentifier")), username=_str(u.get("username")),
            email=_str(u.get("email")), given_name=_str(u.get("givenName")), family_name=_str(u.get("familyName")),
            roles=roles)
    for c in objects.get("class", ()):
        if not isinstance(c, dict) or not c.get("sourcedId"):
            continue
        terms = tuple(_ref(t) for t in c.get("terms") or [] if _ref(t))
        grades = tuple(g for g in c.get("grades") or [] if isinstance(g, str))
        snap.classes[str(c["sourcedId"])] = RosterClass(
            str(c["sourcedId"]), _str(c.get("status")) or "active", _str(c.get("title")), _str(c.get("classCode")),
            _str(c.get("classType")), _ref(c.get("school")), terms, grades)
    for e in objects.get("enrollment", ()):
        if isinstance(e, dict) and e.get("sourcedId"):
            snap.enrollments.append(RosterEnrollment(str(e["sourcedId"]), _ref(e.get("user")), _ref(e.get("class")),
                                                     _str(e.get("role")), _str(e.get("status")) or "active"))
    return snap
