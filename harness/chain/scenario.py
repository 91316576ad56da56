"""The scenario: one school year through the whole chain, driven once and observed at every position.

Three phases. In each, the roster is read from the 校務支援 and imported into the e-portal (a REST pull
or a CSV push), the app is launched for the sample (and tried where a launch must now be refused),
renkei reads the NRPS membership of the classes it launched into, and waits for the app's study logs
at the LRS. Between the phases the 校務支援 lives its school year: 年次更新, then a 転出・転入, a name
correction, a class change and a pupil leaving the municipality. At the end renkei asks the LRS for
each followed learner's statements by the identity the roster gives them then.

A step that cannot be done (a peer that does not answer, an event the roster cannot take) is written
to the timeline and to ``problems``; the checks that needed it are then not evaluated. Nothing here
judges: the checks read the ``ChainObservation``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from renkei.harness.chain import sample as S
from renkei.harness.chain.config import ChainTargetConfig
from renkei.harness.chain.launcher import Launcher
from renkei.harness.chain.lrs_reader import LrsReader, wait_for_statements
from renkei.harness.chain.observation import ChainObservation, Change, Event, Join, Launch, NrpsRead, Phase
from renkei.harness.chain.positions import EventNotMade, Positions
from renkei.harness.chain.roster import RosterSnapshot
from renkei.harness.core import progress
from renkei.harness.core.breaker import PeerUnavailable
from renkei.harness.core.errors import RenkeiError
from renkei.harness.lti.protocol.browser import BrowserError
from renkei.harness.lti.protocol.http import ApiClient
from renkei.harness.oneroster.rest_consumer import nrps

SINCE_MARGIN = 60.0  # the LRS is read from a minute before the scenario began (clock skew)


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _count(parts: dict[str, list[str]], kind: str) -> int:
    return len(parts.get(kind, []))


class ChainScenario:
    def __init__(self, positions: Positions, config: ChainTargetConfig, *, identifier: str, workdir: Path,
                 api: ApiClient, launcher: Launcher, clock: Callable[[], float] = time.time) -> None:
        self.p = positions
        self.config = config
        self.settings = config.scenario
        self.workdir = workdir
        self.api = api
        self.launcher = launcher
        self.clock = clock
        self.obs = ChainObservation(identifier_rule=identifier, home_page=positions.eportal.home_page,
                                    positions=positions.infos(), nrps_offered=positions.eportal.nrps is not None)
        reader = positions.lrs.reader
        self.lrs = LrsReader(api, positions.lrs.endpoint, reader[0], reader[1])
        self._seen: set[str] = set()
        self._launches = 0
        self._imports = 0
        self._started = clock()

    # -- the timeline -----------------------------------------------------------------------
    def event(self, phase: str, position: str, kind: str, started: float, ja: str, en: str, *, ok: bool = True,
              records: list[str] | None = None) -> None:
        now = self.clock()
        self.obs.timeline.append(Event(len(self.obs.timeline) + 1, phase, position, kind, started,
                                       round(now - started, 3), ja, en, ok, list(records or [])))
        progress.report(f"chain: {en}")

    def problem(self, phase: str, position: str, kind: str, started: float, what: str, reason: str) -> None:
        """``what``: "日本語 / English" (the step that could not be done)."""
        ja, _, en = what.partition(" / ")
        self.obs.problems.append(f"{phase}: {en or ja}: {reason}")
        self.event(phase, position, kind, started, f"{ja}ができませんでした: {reason}", f"{en or ja} failed: {reason}",
                   ok=False)

    # -- the scenario -----------------------------------------------------------------------
    def run(self) -> ChainObservation:
        s = self.settings
        first = self.phase("start", [], lambda snap: S.start_plan(snap, self._sample, s), prepare=True)
        if first.snapshot is None:
            return self.obs
        sample = self._sample
        before = first.snapshot
        year = self.apply("year_advance", "year_advance", lambda: self.p.source.year_advance(), users=[])
        followed: list[str] = []

        def year_plan(snap: RosterSnapshot) -> list[S.Planned]:
            plan, keep = S.year_plan(before, snap, sample, s)
            followed.extend(keep)
            return plan

        second = self.phase("year_advance", [year] if year else [], year_plan)
        if second.snapshot is None:
            return self.obs
        events = self.p.source.choose_events(second.snapshot, followed)
        changes = self.mid_year(events)
        made = {c.kind for c in changes}  # an event that did not happen has nothing to try afterwards
        events = S.Events(*(getattr(events, k) if k in made else None
                            for k in ("transfer", "rename", "class_change", "leave")))
        mid_before = second.snapshot
        self.phase("changes", changes,
                   lambda snap: S.changes_plan(mid_before, snap, followed, sample.teachers, events, s))
        self.joins(followed)
        return self.obs

    def phase(self, name: str, changes: list[Change], plan: Callable[[RosterSnapshot], list[S.Planned]], *,
              prepare: bool = False) -> Phase:
        phase = Phase(name, changes=changes)
        self.obs.phases.append(phase)
        started = self.clock()
        try:
            phase.snapshot = snap = self.p.source.snapshot()
        except (RenkeiError, PeerUnavailable) as exc:
            self.problem(name, "school_affairs", "roster.read", started, "名簿の読み取り / reading the roster", str(exc))
            return phase
        self.event(name, "school_affairs", "roster.read", started,
                   f"名簿を読み取りました (利用者 {len(snap.users)}、学級 {len(snap.classes)}、在籍 {len(snap.enrollments)}、"
                   f"年度 {snap.current_year or '?'})",
                   f"roster read ({len(snap.users)} users, {len(snap.classes)} classes, {len(snap.enrollments)} "
                   f"enrollments, school year {snap.current_year or '?'})")
        if prepare:
            self._sample = S.choose(snap, self.settings)
            extra = [u for u in self.p.source.presampled() if u not in self._sample.learners]
            self._sample.learners[:0] = extra
        self.import_roster(phase)
        if phase.import_error is None:
            self.launch_all(phase, plan(snap))
            self.read_nrps(phase)
            self.read_xapi(phase)
        return phase

    def import_roster(self, phase: Phase) -> None:
        started = self.clock()
        self._imports += 1
        try:
            source = self.p.source.import_source(self.workdir, self._imports)
            phase.imported = self.p.eportal.import_roster(source)
        except (RenkeiError, PeerUnavailable) as exc:
            phase.import_error = str(exc)
            self.problem(phase.name, "eportal", "import", started, "名簿の取り込み / the roster import", str(exc))
            return
        how = "OneRoster REST を取得" if source.mode == "rest" else "OneRoster CSV を受け取り"
        how_en = "pulled OneRoster REST" if source.mode == "rest" else "took a OneRoster CSV bundle"
        self.event(phase.name, "eportal", "import", started, f"学習eポータルが名簿を取り込みました ({how})",
                   f"the e-portal imported the roster ({how_en})")

    def launch_all(self, phase: Phase, plan: list[S.Planned]) -> None:
        started = self.clock()
        try:
            _, jwks = self.api.get_json(self.p.eportal.jwks_url)
        except (BrowserError, PeerUnavailable) as exc:
            reason = exc.en if isinstance(exc, BrowserError) else exc.reason
            self.problem(phase.name, "eportal", "launch", started, "学習eポータルの公開鍵の取得 / reading the e-portal's key set", reason)
            jwks = None
        for planned in plan:
            self._launches += 1
            url = self.p.eportal.launch_url(planned.user, planned.context, planned.pii)
            at = self.clock()
            result = self.launcher.launch(url, jwks if isinstance(jwks, dict) else None)
            phase.launches.append(Launch(self._launches, phase.name, planned.user, planned.role, planned.context,
                                         planned.pii, planned.purpose, result.outcome, result.claims, result.accepted,
                                         result.detail, at))
        done = phase.launches
        launched = sum(x.outcome == "launched" for x in done)
        refused = sum(x.outcome == "refused" for x in done)
        self.event(phase.name, "app", "launch", started,
                   f"{len(done)} 件の LTI 起動 (起動 {launched}、拒否 {refused}、うち拒否されるべき試行 "
                   f"{sum(x.expect_refusal for x in done)})",
                   f"{len(done)} LTI launches ({launched} launched, {refused} refused; "
                   f"{sum(x.expect_refusal for x in done)} of them tries that must be refused)",
                   ok=not any(x.outcome == "error" for x in done), records=sorted({x.user for x in done}))

    def read_nrps(self, phase: Phase) -> None:
        access = self.p.eportal.nrps
        if access is None:
            phase.nrps_unavailable = "the e-portal offers no NRPS reader to renkei (positions.eportal.nrps)"
            return
        started = self.clock()
        contexts = sorted({x.context for x in phase.launches if x.context and x.purpose == "normal"
                           and x.outcome == "launched"})
        contexts += sorted({c.detail.get("from_class", "") for c in phase.changes} - {""} - set(contexts))
        try:
            token = nrps.service_token(self.api, token_url=access.token_url, client_id=access.client_id,
                                       deployment_id=access.deployment_id, key=access.key)
        except PeerUnavailable as exc:
            phase.nrps_unavailable = exc.reason
            self.problem(phase.name, "eportal", "nrps", started, "NRPS のトークンの取得 / obtaining the NRPS token", exc.reason)
            return
        for context in contexts:
            url = access.memberships_url.replace("{context}", context)
            try:
                phase.nrps.append(NrpsRead(phase.name, context, url, nrps.read_membership(self.api, url, token,
                                                                                           context).members))
            except PeerUnavailable as exc:
                phase.nrps.append(NrpsRead(phase.name, context, url, error=exc.reason))
        self.event(phase.name, "eportal", "nrps", started, f"{len(contexts)} 学級の NRPS メンバーシップを読みました",
                   f"read the NRPS membership of {len(contexts)} classes",
                   ok=all(r.error is None for r in phase.nrps), records=contexts)

    def read_xapi(self, phase: Phase) -> None:
        started = self.clock()
        since = _iso(self._started - SINCE_MARGIN)
        expect = any(x.role == "student" and x.accepted for x in phase.launches)
        obs = self.config.observation
        try:
            fresh = wait_for_statements(lambda: self.lrs.since(since), self._seen, wait_seconds=obs.xapi_wait_seconds,
                                        idle_seconds=obs.xapi_idle_seconds, expect_some=expect)
        except PeerUnavailable as exc:
            phase.xapi_error = exc.reason
            self.problem(phase.name, "lrs", "xapi", started, "LRS の読み取り / reading the LRS", exc.reason)
            return
        phase.statements = fresh
        self._seen |= {str(st.get("id")) for st in fresh}
        self.event(phase.name, "lrs", "xapi", started, f"学習アプリの学習記録 {len(fresh)} 件が LRS に届きました",
                   f"{len(fresh)} statements of the app reached the LRS")

    # -- the 校務支援's school year -------------------------------------------------------------
    def apply(self, phase: str, kind: str, action: Callable[[], dict[str, Any]], *, users: list[str],
              detail: dict[str, Any] | None = None) -> Change | None:
        started = self.clock()
        labels = {"year_advance": ("年次更新", "年次更新 (school-year rollover)"),
                  "transfer": ("転出・転入", "a transfer (転出・転入)"), "rename": ("氏名の訂正", "a name correction"),
                  "class_change": ("学級変更", "a class change"), "leave": ("市外への転出", "leaving the municipality")}
        ja, en = labels[kind]
        try:
            done = action()
        except EventNotMade as exc:  # the vendor's 校務支援 did not make it: its checks are skipped
            self.obs.not_made[kind] = exc.reason
            self.event(phase, "school_affairs", f"change.{kind}", started, f"{ja}は行われませんでした: {exc.reason}",
                       f"{en} was not made: {exc.reason}", records=list(users))
            return None
        except (RenkeiError, PeerUnavailable) as exc:
            self.problem(phase, "school_affairs", f"change.{kind}", started, f"{ja} / {en}", str(exc))
            return None
        change = Change(kind, str(done.get("at", "")), users or list(done.get("changed", {}).get("user", [])),
                        dict(detail or {}), dict(done.get("created", {})), dict(done.get("changed", {})),
                        dict(done.get("deleted", {})))
        c, d = change.created, change.deleted
        self.event(phase, "school_affairs", f"change.{kind}", started,
                   f"{ja} (作成 利用者 {_count(c, 'user')}・在籍 {_count(c, 'enrollment')}、tobedeleted 利用者 "
                   f"{_count(d, 'user')}・学級 {_count(d, 'class')}・在籍 {_count(d, 'enrollment')})",
                   f"{en} (created {_count(c, 'user')} users, {_count(c, 'enrollment')} enrollments; tobedeleted "
                   f"{_count(d, 'user')} users, {_count(d, 'class')} classes, {_count(d, 'enrollment')} enrollments)",
                   records=list(users))
        return change

    def mid_year(self, events: S.Events) -> list[Change]:
        snap = self.obs.phases[-1].snapshot
        assert snap is not None
        src = self.p.source
        done: list[Change | None] = []
        if events.transfer:
            user, to = events.transfer
            room = snap.homeroom(user) or ""
            done.append(self.apply("changes", "transfer", lambda: src.transfer(user, to), users=[user],
                                   detail={"from_school": snap.classes[room].school if room else "", "to_school": to,
                                           "from_class": room}))
        if events.rename:
            user, fields = events.rename
            done.append(self.apply("changes", "rename", lambda: src.edit(user, fields), users=[user],
                                   detail={"fields": sorted(fields)}))
        if events.class_change:
            user, to_class = events.class_change
            done.append(self.apply("changes", "class_change", lambda: src.class_change(user, to_class), users=[user],
                                   detail={"from_class": snap.homeroom(user) or "", "to_class": to_class}))
        if events.leave:
            user = events.leave
            done.append(self.apply("changes", "leave", lambda: src.leave(user), users=[user],
                                   detail={"from_class": snap.homeroom(user) or ""}))
        missing = [k for k, v in (("transfer", events.transfer), ("rename", events.rename),
                                  ("class_change", events.class_change), ("leave", events.leave)) if not v]
        for kind in missing:
            self.obs.problems.append(f"changes: no sampled learner could take the event {kind}")
            self.obs.not_made.setdefault(kind, "no learner of renkei's sample could take it (scenario: sample more)")
        return [c for c in done if c is not None]

    def joins(self, learners: list[str]) -> None:
        last = self.obs.phases[-1].snapshot if self.obs.phases else None
        if last is None:
            return
        started = self.clock()
        for u in learners:
            user = last.users.get(u)
            if user is None or not user.active:
                continue
            identifier = user.identifier(self.obs.identifier_rule)
            join = Join(u, identifier)
            try:
                join.statement_ids = {str(st.get("id")) for st in self.lrs.by_account(self.obs.home_page, identifier)}
            except PeerUnavailable as exc:
                join.error = exc.reason
            self.obs.joins[u] = join
        self.event("changes", "lrs", "join", started,
                   f"{len(self.obs.joins)} 人の学習記録を、いまの名簿の識別子で LRS に問い合わせました",
                   f"asked the LRS for the statements of {len(self.obs.joins)} learners by their identifier now",
                   ok=all(j.error is None for j in self.obs.joins.values()))

