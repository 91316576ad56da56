"""A small school year that every chain check passes on, built in memory; tests break one link of it.

Two 小学校 (A, B). 2026年度: learners L1, L2, L3 and teacher T1 in A's 1年1組 (a1), graduate G1 and teacher
T2 in A's 6年1組 (a6). 年次更新 to 2027: the 2026 classes end, L1-L3 and T1 move to 2年1組 (a2n), G1
graduates. Mid-year: L1 transfers to B's 2年1組 (b2n), L2's family name is corrected, L3 moves to A's
特別支援学級 (asn). The e-portal, the app and the LRS do everything right; ``run`` judges one check with
the engine's own outcome rules.
"""

from __future__ import annotations

import copy
from typing import Any

from renkei.harness.chain.observation import (
    ChainObservation,
    Change,
    Join,
    Launch,
    NrpsRead,
    Phase,
    PositionInfo,
)
from renkei.harness.chain.roster import RosterSnapshot, snapshot_from_rest
from renkei.harness.core.model import CheckResult
from renkei.harness.core.profiles import load_profile, resolve
from renkei.harness.core.session import RunOptions, RunSession
from renkei.harness.core.targets import load_standards
from renkei.harness.lti.protocol import vocab

HOME = "https://eportal.test"
SCHOOLS = {"sch-a": "A小学校", "sch-b": "B小学校"}
UMI = {u: f"umi-{u}" for u in ("L1", "L2", "L3", "G1", "T1", "T2")}
NAMES = {"L1": ("一郎", "佐藤"), "L2": ("花子", "高田"), "L3": ("三郎", "鈴木"), "G1": ("六子", "田中"),
         "T1": ("先生", "山本"), "T2": ("教諭", "中村")}
CLASSES = {  # sourcedId: (school, title, code, grades, term, classType)
    "a1": ("sch-a", "1年1組", "1-1", ["P1"], "ses26", "homeroom"),
    "a6": ("sch-a", "6年1組", "6-1", ["P6"], "ses26", "homeroom"),
    "a2n": ("sch-a", "2年1組", "2-1", ["P2"], "ses27", "homeroom"),
    "b2n": ("sch-b", "2年1組", "2-1", ["P2"], "ses27", "homeroom"),
    "asn": ("sch-a", "特別支援学級", "SN", ["P1", "P2", "P3", "P4", "P5", "P6"], "ses27", "homeroom"),
}


def _user(sid: str, role: str, school: str, status: str = "active", family: str | None = None) -> dict[str, Any]:
    given, fam = NAMES[sid]
    return {"sourcedId": sid, "status": status, "enabledUser": "true", "userMasterIdentifier": UMI[sid],
            "username": f"{sid.lower()}@school.example.jp", "email": f"{sid.lower()}@school.example.jp",
            "givenName": given, "familyName": family or fam,
            "roles": [{"roleType": "primary", "role": role, "org": {"sourcedId": school}}]}


def _class(sid: str, status: str = "active") -> dict[str, Any]:
    school, title, code, grades, term, ctype = CLASSES[sid]
    return {"sourcedId": sid, "status": status, "title": title, "classCode": code, "grades": grades,
            "classType": ctype, "school": {"sourcedId": school}, "terms": [{"sourcedId": term}]}


def _enr(user: str, klass: str, role: str = "student", status: str = "active") -> dict[str, Any]:
    return {"sourcedId": f"e-{user}-{klass}", "status": status, "role": role, "user": {"sourcedId": user},
            "class": {"sourcedId": klass}}


def _snap(users: list[dict[str, Any]], classes: list[dict[str, Any]], enrollments: list[dict[str, Any]],
          year: str) -> RosterSnapshot:
    sessions = [{"sourcedId": "ses26", "type": "schoolYear", "schoolYear": "2026",
                 "status": "active" if year == "2026" else "tobedeleted"}]
    if year == "2027":
        sessions.append({"sourcedId": "ses27", "type": "schoolYear", "schoolYear": "2027", "status": "active"})
    orgs = [{"sourcedId": s, "type": "school", "name": n, "identifier": s} for s, n in SCHOOLS.items()]
    return snapshot_from_rest(0.0, {"user": users, "class": classes, "enrollment": enrollments, "org": orgs,
                                    "academicSession": sessions})


def claims(user: str, context: str | None, snap: RosterSnapshot, *, roles: tuple[str, ...] = ("Learner",),
           pii: str = "full") -> dict[str, Any]:
    u = snap.users[user]
    out: dict[str, Any] = {"iss": HOME, "sub": UMI[user], vocab.CLAIM_ROLES: [vocab.context_role(r) for r in roles]}
    if context is not None:
        c = snap.classes[context]
        out[vocab.CLAIM_CONTEXT] = {"id": context, "label": c.class_code, "title": c.title}
    if pii in ("full", "names"):
        out.update(given_name=u.given_name, family_name=u.family_name, name=f"{u.family_name} {u.given_name}")
    if pii in ("full", "email"):
        out["email"] = u.email
    return out


def statement(sid: str, user: str, *, name: str | None = None) -> dict[str, Any]:
    return {"id": sid, "actor": {"objectType": "Agent", "account": {"homePage": HOME, "name": name or UMI[user]}},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"}, "object": {"id": "https://app.test/drill/1"}}


def member(user: str, snap: RosterSnapshot, roles: tuple[str, ...] = ("Learner",), status: str = "Active",
           names: bool = True) -> dict[str, Any]:
    u = snap.users[user]
    m: dict[str, Any] = {"user_id": UMI[user], "lis_person_sourcedid": user, "status": status,
                         "roles": [vocab.context_role(r) for r in roles]}
    if names:
        m.update(name=f"{u.family_name} {u.given_name}", given_name=u.given_name, family_name=u.family_name)
    return m


class World:
    """The green observation and ways to reach into it."""

    def __init__(self) -> None:
        self.n = 0
        s0 = _snap([_user("L1", "student", "sch-a"), _user("L2", "student", "sch-a"), _user("L3", "student", "sch-a"),
                    _user("G1", "student", "sch-a"), _user("T1", "teacher", "sch-a"), _user("T2", "teacher", "sch-a")],
                   [_class("a1"), _class("a6")],
                   [_enr("L1", "a1"), _enr("L2", "a1"), _enr("L3", "a1"), _enr("T1", "a1", "teacher"),
                    _enr("G1", "a6"), _enr("T2", "a6", "teacher")], "2026")
        old = [_enr(u, "a1", status="tobedeleted") for u in ("L1", "L2", "L3")] + [
            _enr("T1", "a1", "teacher", "tobedeleted"), _enr("G1", "a6", status="tobedeleted"),
            _enr("T2", "a6", "teacher", "tobedeleted")]
        users1 = [_user("L1", "student", "sch-a"), _user("L2", "student", "sch-a"), _user("L3", "student", "sch-a"),
                  _user("G1", "student", "sch-a", "tobedeleted"), _user("T1", "teacher", "sch-a"),
                  _user("T2", "teacher", "sch-a")]
        classes1 = [_class("a1", "tobedeleted"), _class("a6", "tobedeleted"), _class("a2n"), _class("b2n"),
                    _class("asn")]
        enr1 = old + [_enr("L1", "a2n"), _enr("L2", "a2n"), _enr("L3", "a2n"), _enr("T1", "a2n", "teacher")]
        s1 = _snap(users1, classes1, enr1, "2027")
        users2 = [_user("L1", "student", "sch-b"), _user("L2", "student", "sch-a", family="髙田"),
                  *[u for u in users1 if u["sourcedId"] not in ("L1", "L2")]]
        enr2 = old + [_enr("L1", "a2n", status="tobedeleted"), _enr("L1", "b2n"), _enr("L2", "a2n"),
                      _enr("L3", "a2n", status="tobedeleted"), _enr("L3", "asn"), _enr("T1", "a2n", "teacher")]
        s2 = _snap(users2, classes1, enr2, "2027")
        self.snaps = (s0, s1, s2)
        start = Phase("start", s0, imported={"users": 6})
        start.launches = [self.launch("start", "L1", "a1", s0), self.launch("start", "L2", "a1", s0, pii="none"),
                          self.launch("start", "L3", "a1", s0, pii="names"),
                          self.launch("start", "T1", "a1", s0, role="teacher"),
                          self.refused("start", "T1", "a6", "not_own_class", role="teacher")]
        start.nrps = [NrpsRead("start", "a1", "https://eportal.test/nrps/a1",
                               [member(u, s0) for u in ("L1", "L2", "L3")] + [member("T1", s0, ("Instructor",))])]
        start.statements = [statement("st-1", "L1"), statement("st-2", "L1"), statement("st-3", "L2"),
                            statement("st-4", "L3")]
        year = Phase("year_advance", s1, imported={"users": 6},
                     changes=[Change("year_advance", "2027-04-01T00:00:00Z", ["L1", "L2", "L3", "T1"],
                                     deleted={"class": ["a1", "a6"], "user": ["G1"]})])
        year.launches = [self.launch("year_advance", "L1", "a2n", s1), self.launch("year_advance", "L2", "a2n", s1),
                         self.launch("year_advance", "L3", "a2n", s1),
                         self.refused("year_advance", "G1", "a6", "graduate"),
                         self.refused("year_advance", "L1", "a1", "last_year_class"),
                         self.launch("year_advance", "T1", "a2n", s1, role="teacher"),
                         self.refused("year_advance", "T1", "a1", "last_year_class", role="teacher")]
        year.nrps = [NrpsRead("year_advance", "a2n", "https://eportal.test/nrps/a2n",
                              [member(u, s1) for u in ("L1", "L2", "L3")] + [member("T1", s1, ("Instructor",))])]
        year.statements = [statement("st-5", "L1"), statement("st-6", "L2"), statement("st-7", "L3")]
        changes = Phase("changes", s2, imported={"users": 6}, changes=[
            Change("transfer", "2027-06-01T00:00:00Z", ["L1"], {"from_school": "sch-a", "to_school": "sch-b",
                                                                "from_class": "a2n"}),
            Change("rename", "2027-06-01T00:00:00Z", ["L2"], {"fields": ["familyName"]}),
            Change("class_change", "2027-06-01T00:00:00Z", ["L3"], {"from_class": "a2n", "to_class": "asn"})])
        changes.launches = [self.launch("changes", "L1", "b2n", s2), self.launch("changes", "L2", "a2n", s2),
                            self.launch("changes", "L3", "asn", s2),
                            self.refused("changes", "L1", "a2n", "old_school"),
                            self.refused("changes", "L3", "a2n", "old_class"),
                            self.launch("changes", "T1", "a2n", s2, role="teacher")]
        changes.nrps = [
            NrpsRead("changes", "a2n", "https://eportal.test/nrps/a2n",
                     [member("L2", s2), member("T1", s2, ("Instructor",)), member("L1", s2, status="Inactive"),
                      member("L3", s2, status="Inactive")]),
            NrpsRead("changes", "b2n", "https://eportal.test/nrps/b2n", [member("L1", s2)]),
            NrpsRead("changes", "asn", "https://eportal.test/nrps/asn", [member("L3", s2)])]
        changes.statements = [statement("st-8", "L1"), statement("st-9", "L2"), statement("st-10", "L3")]
        self.obs = ChainObservation(identifier_rule="userMasterIdentifier", home_page=HOME, phases=[start, year, changes])
        self.obs.positions = {k: PositionInfo(k, True, k) for k in ("school_affairs", "eportal", "lrs", "app")}
        ids = {"L1": {"st-1", "st-2", "st-5", "st-8"}, "L2": {"st-3", "st-6", "st-9"}, "L3": {"st-4", "st-7", "st-10"}}
        self.obs.joins = {u: Join(u, UMI[u], set(v)) for u, v in ids.items()}

    def launch(self, phase: str, user: str, context: str, snap: RosterSnapshot, *, role: str = "student",
               pii: str = "full") -> Launch:
        self.n += 1
        roles = ("Instructor",) if role == "teacher" else ("Learner",)
        return Launch(self.n, phase, user, role, context, pii, "normal", "launched",
                      claims(user, context, snap, roles=roles, pii=pii), True)

    def refused(self, phase: str, user: str, context: str, purpose: str, *, role: str = "student") -> Launch:
        self.n += 1
        return Launch(self.n, phase, user, role, context, "full", purpose, "refused", detail="HTTP 403")

    def find(self, phase: str, user: str, purpose: str = "normal") -> Launch:
        p = self.obs.phase(phase)
        assert p is not None
        return next(x for x in p.launches if x.user == user and x.purpose == purpose)

    def phase(self, name: str) -> Phase:
        p = self.obs.phase(name)
        assert p is not None
        return p


class FakeTarget:
    def __init__(self, obs: ChainObservation) -> None:
        self.obs = obs

    def observation(self) -> ChainObservation:
        return self.obs

    def describe(self) -> dict[str, Any]:
        return {}

    def close(self) -> None:
        pass


def run(check_id: str, obs: ChainObservation, params: dict[str, Any] | None = None) -> CheckResult:
    """One check of chain-japan against ``obs``, with the engine's outcome rules."""
    load_standards()
    profile = load_profile("chain-japan")
    resolved = next(r for r in resolve(profile) if r.id == check_id)
    if params:
        resolved = type(resolved)(resolved.definition, resolved.severity, {**resolved.params, **params})
    session = RunSession(options=RunOptions(profile="chain-japan", target="t"), profile=profile, checks=[resolved],
                         target=FakeTarget(copy.deepcopy(obs)), expected={})
    return session.run_check(resolved)

