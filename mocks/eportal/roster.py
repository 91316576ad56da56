"""The e-portal's roster, read from a OneRoster CSV bundle (zip or folder) with the csv module.

Why this is the identity anchor: the chain OneRoster ``userMasterIdentifier``/``sourcedId`` ->
LTI ``sub`` -> NRPS ``user_id`` is what the whole ecosystem relies on (DESIGN.md). ``sub`` is
``userMasterIdentifier`` when present (the 学習eポータルUUID of the Japan profiles, reference
oneroster.md §2.3), else ``sourcedId``; that mapping is this mock's choice because the primary
text stating it was NOT FOUND (reference lti.md §5). Contexts are classes; memberships are
enrollments. Only users, classes, enrollments and orgs are needed (roles.csv is used if present
for institution roles); bad input raises ``RosterError`` naming file, row and field.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from renkei.harness.core.errors import ConfigError
from renkei.harness.lti.protocol import vocab
from renkei.harness.oneroster.model.bundle_files import read_files

REQUIRED_FILES = ("users.csv", "classes.csv", "enrollments.csv", "orgs.csv")
MAX_FILE_BYTES = 64 * 1024 * 1024  # a roster file larger than this is refused, not read
MAX_ZIP_ENTRIES = 200

# enrollments.role -> LTI context role [CORE App. A.2.2]. The mapping is this mock's choice.
ENROLLMENT_ROLE_MAP: dict[str, str] = {
    "student": vocab.ROLE_LEARNER,
    "teacher": vocab.ROLE_INSTRUCTOR,
    "administrator": vocab.ROLE_CONTEXT_ADMIN,
    "proctor": vocab.context_role("Member"),
    "guardian": vocab.ROLE_MENTOR,
}
# roles.role / enrollment role -> institution role [CORE App. A.2.3].
INSTITUTION_ROLE_MAP: dict[str, str] = {
    "student": vocab.ROLE_INST_STUDENT,
    "teacher": vocab.ROLE_INST_FACULTY,
    "administrator": vocab.ROLE_INST_ADMIN,
    "principal": vocab.ROLE_INST_ADMIN,
    "siteAdministrator": vocab.ROLE_INST_ADMIN,
    "districtAdministrator": vocab.ROLE_INST_ADMIN,
    "systemAdministrator": vocab.ROLE_INST_ADMIN,
    "aide": vocab.ROLE_INST_STAFF,
    "counselor": vocab.ROLE_INST_STAFF,
    "proctor": vocab.ROLE_INST_STAFF,
    "guardian": vocab.institution_role("Mentor"),
    "parent": vocab.institution_role("Mentor"),
    "relative": vocab.institution_role("Mentor"),
}


class RosterError(ConfigError):
    """The bundle cannot be used as a roster; the message names file, row and field."""


@dataclass
class User:
    sourced_id: str
    sub: str
    username: str
    given_name: str
    family_name: str
    email: str
    enabled: bool
    institution_roles: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        """Japanese order, family then given, one space (as 校務 systems print names)."""
        return " ".join(p for p in (self.family_name, self.given_name) if p)


@dataclass
class SchoolClass:
    sourced_id: str
    title: str
    class_code: str
    school_sourced_id: str

    @property
    def label(self) -> str:
        return self.class_code or self.title


@dataclass
class Enrollment:
    user_sourced_id: str
    class_sourced_id: str
    role: str
    active: bool


@dataclass
class Org:
    sourced_id: str
    name: str
    type: str
    identifier: str


@dataclass
class Roster:
    users: dict[str, User] = field(default_factory=dict)  # by sourcedId
    classes: dict[str, SchoolClass] = field(default_factory=dict)
    enrollments: list[Enrollment] = field(default_factory=list)
    orgs: dict[str, Org] = field(default_factory=dict)

    def find_user(self, key: str) -> User | None:
        """By sourcedId, then ``sub``, then username: the launch starter accepts any of them."""
        if key in self.users:
            return self.users[key]
        return next((u for u in self.users.values() if key in (u.sub, u.username)), None)

    def user_by_sub(self, sub: str) -> User | None:
        return next((u for u in self.users.values() if u.sub == sub), None)

    def members(self, class_id: str) -> list[tuple[User, Enrollment]]:
        return [(self.users[e.user_sourced_id], e) for e in self.enrollments if e.class_sourced_id == class_id]

    def context_roles(self, user: User, class_id: str) -> list[str]:
        roles: list[str] = []
        for e in self.enrollments:
            if e.user_sourced_id == user.sourced_id and e.class_sourced_id == class_id:
                role = ENROLLMENT_ROLE_MAP.get(e.role, vocab.context_role("Member"))
                if role not in roles:
                    roles.append(role)
        return roles


def _read_text(name: str, data: bytes) -> list[tuple[int, dict[str, str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RosterError(f"{name}: not UTF-8 (byte {exc.start})") from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if not reader.fieldnames:
        raise RosterError(f"{name}: empty file, a header row is required")
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for record in reader:
            if None in record:
                raise RosterError(f"{name}: row {reader.line_num}: more fields than header columns")
            rows.append((reader.line_num, {k: (v or "") for k, v in record.items()}))
    except csv.Error as exc:
        raise RosterError(f"{name}: row {reader.line_num}: CSV syntax error ({exc})") from exc
    return rows


def _need(name: str, line: int, row: dict[str, str], column: str) -> str:
    value = row.get(column, "").strip()
    if not value:
        raise RosterError(f"{name}: row {line}: field '{column}' is required")
    return value


def _active(row: dict[str, str]) -> bool:
    return row.get("status", "").strip().lower() not in ("tobedeleted", "inactive")


def load_bundle(path: Path) -> Roster:
    """Read users, classes, enrollments, orgs (and roles if present) from a bundle."""
    path = Path(path)
    if not path.exists():
        raise RosterError(f"{path}: roster bundle does not exist")
    files = read_files(path, (*REQUIRED_FILES, "roles.csv"), max_entries=MAX_ZIP_ENTRIES,
                       max_file_bytes=MAX_FILE_BYTES, error=RosterError)
    missing = [n for n in REQUIRED_FILES if n not in files]
    if missing:
        raise RosterError(f"{path}: missing {', '.join(missing)} (the e-portal needs users, classes, "
                          "enrollments and orgs)")
    roster = Roster()
    for line, row in _read_text("orgs.csv", files["orgs.csv"]):
        sid = _need("orgs.csv", line, row, "sourcedId")
        roster.orgs[sid] = Org(sid, row.get("name", ""), row.get("type", ""), row.get("identifier", ""))
    seen_subs: dict[str, int] = {}
    for line, row in _read_text("users.csv", files["users.csv"]):
        sid = _need("users.csv", line, row, "sourcedId")
        if sid in roster.users:
            raise RosterError(f"users.csv: row {line}: field 'sourcedId' duplicates an earlier row")
        sub = row.get("userMasterIdentifier", "").strip() or sid
        if sub in seen_subs:
            raise RosterError(f"users.csv: row {line}: field 'userMasterIdentifier' duplicates row "
                              f"{seen_subs[sub]}; LTI sub must be unique")
        seen_subs[sub] = line
        roster.users[sid] = User(
            sourced_id=sid,
            sub=sub,
            username=row.get("username", "").strip(),
            given_name=_need("users.csv", line, row, "givenName"),
            family_name=_need("users.csv", line, row, "familyName"),
            email=row.get("email", "").strip(),
            enabled=row.get("enabledUser", "true").strip().lower() != "false" and _active(row),
        )
    for line, row in _read_text("classes.csv", files["classes.csv"]):
        sid = _need("classes.csv", line, row, "sourcedId")
        school = row.get("schoolSourcedId", "").strip()
        if school and school not in roster.orgs:
            raise RosterError(f"classes.csv: row {line}: field 'schoolSourcedId' refers to no org in orgs.csv")
        roster.classes[sid] = SchoolClass(sid, _need("classes.csv", line, row, "title"),
                                          row.get("classCode", "").strip(), school)
    for line, row in _read_text("enrollments.csv", files["enrollments.csv"]):
        user_id = _need("enrollments.csv", line, row, "userSourcedId")
        class_id = _need("enrollments.csv", line, row, "classSourcedId")
        role = _need("enrollments.csv", line, row, "role")
        if user_id not in roster.users:
            raise RosterError(f"enrollments.csv: row {line}: field 'userSourcedId' refers to no user in users.csv")
        if class_id not in roster.classes:
            raise RosterError(f"enrollments.csv: row {line}: field 'classSourcedId' refers to no class in classes.csv")
        roster.enrollments.append(Enrollment(user_id, class_id, role, _active(row)))
    if "roles.csv" in files:
        for line, row in _read_text("roles.csv", files["roles.csv"]):
            user_id = _need("roles.csv", line, row, "userSourcedId")
            user = roster.users.get(user_id)
            if user is None:
                raise RosterError(f"roles.csv: row {line}: field 'userSourcedId' refers to no user in users.csv")
            role = INSTITUTION_ROLE_MAP.get(row.get("role", "").strip(), vocab.institution_role("Other"))
            if role not in user.institution_roles and _active(row):
                user.institution_roles.append(role)
    for e in roster.enrollments:  # no roles.csv (OneRoster 1.1) or user without a role row
        user = roster.users[e.user_sourced_id]
        if not user.institution_roles and e.role in INSTITUTION_ROLE_MAP:
            user.institution_roles.append(INSTITUTION_ROLE_MAP[e.role])
    return roster
