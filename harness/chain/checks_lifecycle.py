"""The school-year links: what 年次更新, a 転出・転入, a class change and a withdrawal must (not) change downstream.

After 年次更新 a learner keeps their identifier (in the roster, the launch and the study log) and no
launch carries last year's class; a pupil transferred between two schools of the municipality keeps
the same identifier (the 学習eポータルUUID is "reused across transfers", reference lti.md §5) and the
old school's class no longer launches them; a class left in a class change no longer launches; a
``tobedeleted`` user (a graduate, a pupil who left) cannot launch; and a learner's earlier statements
are still found under the identity they have now.
"""

from __future__ import annotations

from typing import Any

from renkei.harness.chain.checks_base import chain_check, observation, usable
from renkei.harness.chain.links import actor_account, attribute, context_of, sub_of, where
from renkei.harness.chain.observation import PURPOSES, ChainObservation, Launch, Phase
from renkei.harness.chain.roster import RosterSnapshot
from renkei.harness.core.context import CheckContext
from renkei.harness.lti.protocol import vocab


def _normal(phase: Phase, user: str) -> Launch | None:
    """The user's ordinary launch of the phase that reached the app."""
    return next((x for x in phase.launches if x.user == user and x.purpose == "normal" and x.outcome == "launched"
                 and x.claims is not None), None)


def _actors(obs: ChainObservation, launch: Launch) -> set[str]:
    return {name for st in attribute(obs).by_launch.get(launch.n, []) if (name := actor_account(st)[1])}


def _registered_again(snap: RosterSnapshot, user: str, master_id: str) -> str | None:
    """The active record, other than ``user``'s, that now holds their userMasterIdentifier (a 校務支援 that
    ended the learner and registered them again under a new sourcedId), or None."""
    if not master_id:
        return None
    return next((sid for sid, u in sorted(snap.users.items()) if sid != user and u.active and u.master_id == master_id),
                None)


def _kept(ctx: CheckContext, obs: ChainObservation, before: Phase, after: Phase, user: str, what: tuple[str, str]) -> bool:
    """Compare one learner across two phases (roster identifier, launch sub, statement actor); True if compared."""
    b, a = before.snapshot, after.snapshot
    assert b is not None and a is not None
    old = b.users.get(user)
    new = a.users.get(user)
    if old is None:
        return False
    gone = {u for c in after.changes for u in c.deleted.get("user", [])}
    if (new is None or not new.active) and user in gone:
        again = _registered_again(a, user, old.master_id)
        if again is not None:
            ctx.fail(f"{what[1]}: the roster re-registered the learner under a new sourcedId (their "
                     "userMasterIdentifier is now on another record)",
                     ja=f"{what[0]}: 名簿が学習者を新しい sourcedId で登録し直しました (userMasterIdentifier が別の記録に"
                     "付いています)", value=again, **where("school_affairs", after.name, user=user, claim="users.sourcedId"))
            return True
        return False  # a graduate: the 校務支援 ended them on purpose (chain.lifecycle.tobedeleted_refused)
    if new is None or not new.active:
        ctx.fail(f"{what[1]}: the learner is no longer an active user of the roster (a new record instead?)",
                 ja=f"{what[0]}: 学習者が名簿で有効な利用者ではなくなりました (別の記録として作り直した?)",
                 **where("school_affairs", after.name, user=user, claim="users.status"))
        return True
    if old.identifier(obs.identifier_rule) != new.identifier(obs.identifier_rule):
        ctx.fail(f"{what[1]}: the roster gave the learner another {obs.identifier_rule}",
                 ja=f"{what[0]}: 名簿が学習者に別の {obs.identifier_rule} を与えました", value=new.identifier(obs.identifier_rule),
                 **where("school_affairs", after.name, user=user, claim=f"users.{obs.identifier_rule}"))
        return True
    x0, x1 = _normal(before, user), _normal(after, user)
    if x0 is None or x1 is None:
        ctx.not_evaluated(f"{after.name}: user {user} was not launched both before and after")
        return False
    if sub_of(x0) != sub_of(x1):
        ctx.fail(f"{what[1]}: the e-portal launches the learner with another sub than before",
                 ja=f"{what[0]}: 学習eポータルが以前と違う sub で学習者を起動しました", value=sub_of(x1),
                 **where("eportal", after.name, launch=x1, claim="sub"))
        return True
    a0, a1 = _actors(obs, x0), _actors(obs, x1)
    if a0 and a1 and a0 != a1:
        ctx.fail(f"{what[1]}: the app reports the learner under another actor than before",
                 ja=f"{what[0]}: 学習アプリが以前と違う actor で学習者を報告しています", value=", ".join(sorted(a1)),
                 **where("app", after.name, launch=x1, claim="actor.account.name"))
    return True


@chain_check(
    "chain.year.identity_kept", "OR12 users.sourcedId/userMasterIdentifier (stable across school years); LTI CORE "
    "§5.3.6 sub (stable for the user); Japan: 学習eポータルUUID kept (reference lti.md §5)", "error",
    ("年次更新の後も学習者の識別子が変わらない", "A learner keeps their identifier through 年次更新"),
    ("年度当初と年次更新の後の両方で起動した学習者について、名簿の識別子、起動の sub、学習記録の actor が変わらないことを"
     "確認し、変わった位置 (校務支援、学習eポータル、学習アプリ) を示します。",
     "For every learner launched at the start of the year and after 年次更新, the roster's identifier, the launch's "
     "sub and the statements' actor stay the same; the finding names the position that changed it (校務支援, "
     "e-portal, app)."))
def year_identity_kept(ctx: CheckContext) -> None:
    obs = observation(ctx)
    before, after = obs.phase("start"), obs.phase("year_advance")
    if before is None or after is None or before.snapshot is None or after.snapshot is None:
        ctx.stop_not_evaluated("the phases around 年次更新 were not both observed")
    if not any(c.kind == "year_advance" for c in after.changes):
        ctx.stop_not_evaluated("年次更新 did not happen on the 校務支援 side")
    compared = sum(_kept(ctx, obs, before, after, x.user, ("年次更新", "after 年次更新"))
                   for x in before.normal_launches() if x.role == "student" and x.outcome == "launched")
    if not compared:
        ctx.stop_not_evaluated("no learner was launched both before and after 年次更新")


def _last_year_classes(obs: ChainObservation) -> set[str]:
    start, year = obs.phase("start"), obs.phase("year_advance")
    assert start is not None and start.snapshot is not None and year is not None
    snap = start.snapshot
    old = {cid for cid in snap.classes if snap.class_year(cid) == snap.current_year} if snap.current_year else set()
    for change in year.changes:
        old |= set(change.deleted.get("class", []))
    return old


@chain_check(
    "chain.year.no_last_year_class", "OR12 academicSessions (schoolYear), classes.terms, status tobedeleted; LTI CORE "
    "§5.4.1 context", "error",
    ("年次更新の後、昨年度の学級で起動されない", "After 年次更新 no launch carries last year's class"),
    ("年次更新の後のすべての起動で、context が昨年度の学級 (昨年度の schoolYear の学級、年次更新で tobedeleted になった"
     "学級) でないことと、昨年度の学級での起動の試みが拒否されることを確認します。",
     "After 年次更新 no launch carries a class of last year (a class of last year's schoolYear, or one 年次更新 "
     "marked tobedeleted), and launches tried in last year's class are refused."))
def year_no_last_year_class(ctx: CheckContext) -> None:
    obs = observation(ctx)
    year = obs.phase("year_advance")
    start = obs.phase("start")
    if start is None or start.snapshot is None or year is None or not any(c.kind == "year_advance" for c in year.changes):
        ctx.stop_not_evaluated("年次更新 did not happen on the 校務支援 side")
    old = _last_year_classes(obs)
    seen = 0
    for phase in usable(obs):
        if phase.name == "start":
            continue
        for x in phase.launches:
            if x.outcome == "error":
                ctx.not_evaluated(f"{phase.name}: launch #{x.n}: {x.detail}")
                continue
            seen += 1
            cid = (context_of(x) or {}).get("id") if x.outcome == "launched" else None
            if cid in old:
                ctx.fail("a launch after 年次更新 carries last year's class", ja="年次更新の後の起動に昨年度の学級が"
                         "入っています", value=cid, **where("eportal", phase.name, launch=x, claim=vocab.CLAIM_CONTEXT))
    if not seen:
        ctx.stop_not_evaluated("no launch was tried after 年次更新")
    if not any(x.purpose == "last_year_class" for p in usable(obs) for x in p.launches):
        ctx.not_evaluated("no launch in last year's class was tried (no sampled learner's class was retired)")


def _changes(obs: ChainObservation, kind: str) -> list[tuple[Phase, Any]]:
    return [(p, c) for p in obs.phases for c in p.changes if c.kind == kind]


def _previous(obs: ChainObservation, phase: Phase) -> Phase | None:
    i = obs.phases.index(phase)
    return obs.phases[i - 1] if i > 0 else None


@chain_check(
    "chain.transfer.identity_kept", "OR12 users.sourcedId/userMasterIdentifier; LTI CORE §5.3.6 sub; Japan: the "
    "利用者識別子 is reused across transfers (reference lti.md §5)", "error",
    ("転出・転入の後も同じ識別子", "A transferred pupil keeps the same identifier"),
    ("市内の学校間で転出・転入した児童生徒について、名簿上同じ利用者 (sourcedId) のまま有効で、所属が転入先の学校に移り、"
     "識別子、起動の sub、学習記録の actor が転出前と同じであることを確認します。",
     "A pupil transferred between two schools of the municipality stays the same active user of the roster "
     "(sourcedId), now belongs to the new school, and keeps the identifier, the launch's sub and the statements' "
     "actor they had before."))
def transfer_identity_kept(ctx: CheckContext) -> None:
    obs = observation(ctx)
    moves = _changes(obs, "transfer")
    if not moves:
        ctx.stop_not_evaluated("no 転出・転入 happened on the 校務支援 side")
    compared = 0
    for phase, change in moves:
        before = _previous(obs, phase)
        if before is None or before.snapshot is None or phase.snapshot is None:
            continue
        for user in change.users:
            u = phase.snapshot.users.get(user)
            to = change.detail.get("to_school")
            if u is not None and to and to not in u.schools():
                ctx.fail("after the transfer the roster does not place the pupil in the new school",
                         ja="転出・転入の後も名簿の所属が転入先の学校になっていません", value=", ".join(sorted(u.schools())),
                         **where("school_affairs", phase.name, user=user, claim="users.roles"))
            compared += _kept(ctx, obs, before, phase, user, ("転出・転入", "after the transfer"))
    if not compared:
        ctx.stop_not_evaluated("the transferred pupil was not launched both before and after")


def _refusals(ctx: CheckContext, obs: ChainObservation, purposes: tuple[str, ...], what: str) -> int:
    tried = 0
    for phase in usable(obs):
        for x in phase.launches:
            if x.purpose not in purposes:
                continue
            if x.outcome == "error":
                ctx.not_evaluated(f"{phase.name}: launch #{x.n}: {x.detail}")
                continue
            tried += 1
            if x.outcome == "launched":
                ctx.fail(f"the e-portal launched {what}", ja=f"学習eポータルが起動してしまいました: {_ja(x.purpose)}",
                         value=(context_of(x) or {}).get("id"), **where("eportal", phase.name, launch=x))
    return tried


def _ja(purpose: str) -> str:
    return PURPOSES.get(purpose, (purpose, purpose))[0]


@chain_check(
    "chain.transfer.old_school_refused", "OR12 enrollments.status tobedeleted (転出); LTI CORE §5.4.1 context", "error",
    ("転出元の学校の学級では起動されない", "The old school's class no longer launches a transferred pupil"),
    ("転出・転入の後、転出元の学校の学級 (在籍が tobedeleted になった学級) での起動の試みが拒否されることを確認します。",
     "After the transfer, a launch tried in the class of the school the pupil left (whose enrollment is now "
     "tobedeleted) is refused."))
def transfer_old_school_refused(ctx: CheckContext) -> None:
    obs = observation(ctx)
    if not _refusals(ctx, obs, ("old_school",), "a transferred pupil in the class of the school they left"):
        ctx.stop_not_evaluated("no launch in the old school's class was tried (no transfer happened)")


@chain_check(
    "chain.lifecycle.left_class_refused", "OR12 enrollments.status tobedeleted (学級変更); LTI CORE §5.4.1 context",
    "error",
    ("学級変更で離れた学級では起動されない", "A class left in a class change no longer launches the pupil"),
    ("学級変更の後、前の学級 (在籍が tobedeleted になった学級) での起動の試みが拒否されることを確認します。",
     "After a class change, a launch tried in the class the pupil left (whose enrollment is now tobedeleted) is "
     "refused."))
def lifecycle_left_class_refused(ctx: CheckContext) -> None:
    obs = observation(ctx)
    if not _refusals(ctx, obs, ("old_class",), "a pupil in the class they left"):
        ctx.stop_not_evaluated("no launch in a class left by a class change was tried")


@chain_check(
    "chain.lifecycle.tobedeleted_refused", "OR12 users.status tobedeleted (卒業、市外への転出); LTI CORE §5 (launch of "
    "an active user)", "error",
    ("tobedeleted の利用者は起動できない", "A tobedeleted user cannot launch"),
    ("年次更新で卒業した児童生徒と市外へ転出した児童生徒 (名簿で tobedeleted) の起動の試みが拒否されることを確認します。"
     "名簿がその利用者を tobedeleted にしていなければ校務支援の不合格です。",
     "Launches tried for pupils who graduated at 年次更新 or left the municipality (tobedeleted in the roster) are "
     "refused. A roster that did not mark the user tobedeleted fails at the 校務支援."))
def lifecycle_tobedeleted_refused(ctx: CheckContext) -> None:
    obs = observation(ctx)
    for phase in usable(obs):
        snap = phase.snapshot
        assert snap is not None
        for x in phase.launches:
            user = snap.users.get(x.user)
            if x.purpose in ("graduate", "leaver") and user is not None and user.active:
                ctx.fail("the roster still holds a graduate / a pupil who left as an active user",
                         ja="卒業した (転出した) 児童生徒が名簿でまだ有効な利用者です",
                         **where("school_affairs", phase.name, user=x.user, claim="users.status"))
    if not _refusals(ctx, obs, ("graduate", "leaver"), "a tobedeleted user (a graduate or a pupil who left)"):
        ctx.stop_not_evaluated("no tobedeleted user was tried")


def _identifier_then(obs: ChainObservation, launch: Launch) -> str | None:
    phase = obs.phase(launch.phase)
    user = phase.snapshot.users.get(launch.user) if phase and phase.snapshot else None
    return user.identifier(obs.identifier_rule) if user else None


@chain_check(
    "chain.xapi.joinable", "xAPI 1.0.3 Communication §2.1.3 (GET statements by agent); Japan xAPI Profiles (draft) "
    "account IFI; OR12 userMasterIdentifier", "error",
    ("以前の学習記録がいまの識別子で結合できる", "Earlier statements are joinable under the learner's identity now"),
    ("最後に、追跡した学習者ごとに、いまの名簿の識別子と学習eポータルの homePage の account で LRS に問い合わせ "
     "(agent)、その学習者の全フェーズのステートメント (年次更新・転出入の前のものを含む) がすべて返ることを確認します。"
     "返らないものは原因の位置 (actor を変えた学習アプリ、別の sub を与えた学習eポータル、識別子を変えた校務支援、返さない "
     "LRS) を示します。",
     "At the end the LRS is asked, for every learner followed, by the account of the e-portal's homePage and the "
     "identifier the roster gives them now (agent); every statement of theirs from every phase (from before 年次更新 "
     "and the transfer too) must come back. A missing one names the position that caused it (the app that changed "
     "the actor, the e-portal that gave another sub, the 校務支援 that changed the identifier, the LRS that does not "
     "return it)."))
def xapi_joinable(ctx: CheckContext) -> None:
    obs = observation(ctx)
    found = attribute(obs)
    seen = 0
    for user, join in sorted(obs.joins.items()):
        if join.error or join.statement_ids is None:
            ctx.not_evaluated(f"user {user}: {join.error}")
            continue
        mine = found.of_user(user)
        if not mine:
            continue
        seen += 1
        for launch, st in mine:
            sid = str(st.get("id"))
            if sid in join.statement_ids:
                continue
            home, name = actor_account(st)
            sub = sub_of(launch)
            then = _identifier_then(obs, launch)
            if name != sub or home != obs.home_page:
                position, why = "app", ("the app reported it under another actor than the launch's sub",
                                        "学習アプリが起動の sub と違う actor で報告しました")
            elif sub != then:
                position, why = "eportal", ("the e-portal launched the learner with a sub that is not their identifier",
                                            "学習eポータルが識別子と違う sub で学習者を起動しました")
            elif then != join.identifier:
                position, why = "school_affairs", ("the roster has given the learner another identifier since",
                                                   "その後、名簿が学習者に別の識別子を与えました")
            else:
                position, why = "lrs", ("the LRS does not return it for the learner's agent",
                                        "LRS が学習者の agent の問い合わせに返しません")
            ctx.fail(f"an earlier statement of the learner is not found under their identity now: {why[0]}",
                     ja=f"学習者の以前のステートメントがいまの識別子で見つかりません: {why[1]}", value=name,
                     **where(position, launch.phase, launch=launch, statement=sid, claim="actor.account.name"))
    if not seen:
        ctx.stop_not_evaluated("no followed learner has statements at the LRS to join")
