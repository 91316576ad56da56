"""What the scenario saw, position by position and step by step: the one input of every chain check.

A run is three phases (年度当初, 年次更新の後, 年度途中の異動の後). In each the roster is read from the
校務支援, imported into the e-portal, the app is launched for a sample of learners and teachers (and,
where the school year says a launch must now be refused, tried anyway), renkei reads the NRPS
membership of the classes it launched into, and reads what the app reported to the LRS. Between phases
the 校務支援's school-year events happen (``Change``). ``timeline`` is the same story for people.

Plain dataclasses, so a check's unit test builds an observation directly; nothing here talks to a peer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from renkei.harness.chain.roster import RosterSnapshot

# the positions of the chain, in the order the data flows
POSITIONS: dict[str, tuple[str, str]] = {
    "school_affairs": ("校務支援システム", "school-affairs system"),
    "eportal": ("学習eポータル", "learning e-portal"),
    "lrs": ("LRS (学習記録)", "LRS (learning records)"),
    "app": ("学習アプリ", "learning app"),
}
PHASES: dict[str, tuple[str, str]] = {
    "start": ("年度当初", "start of the school year"),
    "year_advance": ("年次更新の後", "after 年次更新 (the new school year)"),
    "changes": ("転出・転入・氏名訂正・学級変更の後", "after a transfer, a name correction and a class change"),
}
# the links of the chain as the report draws them: (key, from, to, label, the checks that judge it)
LINKS: tuple[tuple[str, str, str, tuple[str, str], tuple[str, ...]], ...] = (
    ("roster", "school_affairs", "eportal", ("名簿の取り込み (OneRoster)", "the roster import (OneRoster)"),
     ("chain.link.imported", "chain.context.roster_match", "chain.roster.names_current",
      "chain.year.no_last_year_class", "chain.transfer.old_school_refused", "chain.lifecycle.left_class_refused",
      "chain.lifecycle.tobedeleted_refused")),
    ("launch", "eportal", "app", ("起動 (LTI)", "the launch (LTI)"),
     ("chain.link.sub", "chain.link.launch_accepted", "chain.launch.teacher_classes", "chain.pii.launch")),
    ("nrps", "eportal", "app", ("名簿サービス (LTI NRPS)", "the membership service (LTI NRPS)"),
     ("chain.link.nrps_user_id", "chain.nrps.members", "chain.pii.nrps")),
    ("xapi", "app", "lrs", ("学習記録 (xAPI)", "the study logs (xAPI)"),
     ("chain.link.xapi_actor", "chain.link.xapi_reported", "chain.pii.xapi")),
    ("identity", "school_affairs", "lrs", ("1 年を通した同一人物 (識別子の連鎖)", "one learner through the year (the identifier)"),
     ("chain.year.identity_kept", "chain.transfer.identity_kept", "chain.xapi.joinable")),
)
# why a launch was tried; every purpose but "normal" expects a refusal
PURPOSES: dict[str, tuple[str, str]] = {
    "normal": ("通常の起動", "an ordinary launch"),
    "graduate": ("卒業生 (tobedeleted) の起動", "a graduate's launch (tobedeleted)"),
    "leaver": ("市外へ転出した児童生徒 (tobedeleted) の起動", "a launch of a pupil who left the municipality (tobedeleted)"),
    "last_year_class": ("昨年度の学級での起動", "a launch in last year's class"),
    "old_school": ("転出元の学校の学級での起動", "a launch in the class of the school the pupil left"),
    "old_class": ("学級変更前の学級での起動", "a launch in the class the pupil left"),
    "not_own_class": ("担当外の学級での教員の起動", "a teacher's launch in a class they do not teach"),
}
CHANGE_KINDS: dict[str, tuple[str, str]] = {
    "year_advance": ("年次更新", "年次更新 (school-year rollover)"),
    "transfer": ("転出・転入 (市内の学校間)", "転出・転入 (transfer between two schools of the municipality)"),
    "rename": ("氏名の訂正", "a name correction"),
    "class_change": ("学級変更", "a class change"),
    "leave": ("市外への転出 (tobedeleted)", "leaving the municipality (tobedeleted)"),
}


@dataclass
class PositionInfo:
    """Who takes a position: renkei's mock or a vendor's product (by its target file)."""

    key: str
    mock: bool
    name: str
    target: str | None = None  # the vendor's target file
    faults: list[str] = field(default_factory=list)  # a mock's deliberate faults (red runs)


@dataclass
class Event:
    """One line of the timeline."""

    n: int
    phase: str
    position: str  # a POSITIONS key, or "renkei"
    kind: str  # roster.read, change.<kind>, import, launch, nrps, xapi, join
    at: float
    seconds: float
    ja: str
    en: str
    ok: bool = True
    records: list[str] = field(default_factory=list)  # sourcedIds / statement ids involved (no personal data)


@dataclass
class Change:
    """One school-year event on the 校務支援 side, and what it changed (sourcedIds by kind)."""

    kind: str  # a CHANGE_KINDS key
    at: str
    users: list[str]  # the users the event is about (all moved pupils for 年次更新)
    detail: dict[str, Any] = field(default_factory=dict)  # transfer: from_school, to_school; class_change: from/to
    created: dict[str, list[str]] = field(default_factory=dict)
    changed: dict[str, list[str]] = field(default_factory=dict)
    deleted: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Launch:
    """One launch renkei started at the e-portal, as the user agent between e-portal and app saw it.

    ``outcome``: ``launched`` (the e-portal posted a verified id_token to the app), ``refused`` (it did
    not), ``error`` (renkei could not tell: the id_token did not verify, a peer did not answer).
    """

    n: int
    phase: str
    user: str  # roster sourcedId
    role: str  # the roster role renkei launched as: student | teacher
    context: str | None  # the class renkei asked for
    pii: str  # the PII variant asked for (full, names, email, none)
    purpose: str = "normal"
    outcome: str = "error"
    claims: dict[str, Any] | None = None
    accepted: bool | None = None  # did the app accept the launch (None: not launched, or not known)
    detail: str = ""  # why it was refused / what went wrong (for the finding)
    at: float = 0.0

    @property
    def expect_refusal(self) -> bool:
        return self.purpose != "normal"


@dataclass
class NrpsRead:
    phase: str
    context: str
    url: str
    members: list[dict[str, Any]] | None = None
    error: str | None = None


@dataclass
class Phase:
    name: str
    snapshot: RosterSnapshot | None = None
    changes: list[Change] = field(default_factory=list)
    imported: dict[str, Any] | None = None
    import_error: str | None = None
    launches: list[Launch] = field(default_factory=list)
    nrps: list[NrpsRead] = field(default_factory=list)
    nrps_unavailable: str | None = None  # why no NRPS was read at all in this phase
    statements: list[dict[str, Any]] = field(default_factory=list)  # new at the LRS in this phase
    xapi_error: str | None = None

    def normal_launches(self) -> list[Launch]:
        return [x for x in self.launches if x.purpose == "normal"]


@dataclass
class Join:
    """The LRS asked, at the end, for a learner's statements by their identity as the roster gives it then."""

    user: str
    identifier: str
    statement_ids: set[str] | None = None
    error: str | None = None


@dataclass
class ChainObservation:
    identifier_rule: str
    home_page: str  # the e-portal's account homePage (what actor.account.homePage must be)
    positions: dict[str, PositionInfo] = field(default_factory=dict)
    phases: list[Phase] = field(default_factory=list)
    joins: dict[str, Join] = field(default_factory=dict)
    timeline: list[Event] = field(default_factory=list)
    nrps_offered: bool = True
    problems: list[str] = field(default_factory=list)  # scenario steps that could not be done, and why
    not_made: dict[str, str] = field(default_factory=dict)  # CHANGE_KINDS the 校務支援 did not make, and why
    cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)  # analyses the checks share

    def phase(self, name: str) -> Phase | None:
        return next((p for p in self.phases if p.name == name), None)

    def launches(self) -> list[Launch]:
        return [x for p in self.phases for x in p.launches]
