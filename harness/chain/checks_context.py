"""The context links: what a launch and the NRPS say about a user's class matches the roster at that moment.

The roster is the truth of who is in which class (OneRoster enrollments), of which school (the class's
school) and 年度 (the class's term, a schoolYear session). A launch's context is one of the user's
current classes, with the roles of their enrollment there and its current title; the NRPS membership of
a class lists exactly its current members; a teacher is launched into their classes and not into
others'; names in a launch or in the NRPS are the roster's current ones (a name correction reaches the
app).
"""

from __future__ import annotations

from typing import Any

from renkei.harness.chain.checks_base import chain_check, launched, nrps_reads, observation, usable
from renkei.harness.chain.links import context_of, context_roles, member_roles, where
from renkei.harness.chain.roster import RosterSnapshot, RosterUser
from renkei.harness.core.context import CheckContext
from renkei.harness.lti.protocol import vocab

# OneRoster enrollment role -> the LTI context role a launch must carry for it [CORE App. A.2.2]; the other
# principal roles of the map are the ones it must not carry (a pupil launched as Instructor)
ROLE_MAP = {"student": "Learner", "teacher": "Instructor"}


@chain_check(
    "chain.context.roster_match", "LTI CORE §5.3.7 roles, §5.4.1 context; OR12 enrollments.role, classes.school, "
    "classes.terms (schoolYear)", "error",
    ("起動の学級・学校・年度・ロールが名簿と一致", "The launch's class, school, 年度 and roles match the roster"),
    ("各起動 (通常の起動) で、context がその時点の名簿で利用者が在籍する学級 (有効な在籍、有効な学級) であり、学級の学校が"
     "利用者の所属校、学級の年度がいまの年度 (schoolYear) であること、context の title・label が名簿の学級名・学級コード"
     "と一致し、ロールが在籍の role に対応すること (student → Learner、teacher → Instructor、対応表は role_map) と、反対"
     "側のロール (児童生徒に Instructor など) を含まないことを確認します。",
     "In every ordinary launch the context is a class the user is enrolled in at that moment (an active enrollment "
     "in an active class), of one of the user's schools and of the current 年度 (schoolYear); its title and label "
     "are the roster's class title and class code; the roles carry the enrollment's role (student → Learner, "
     "teacher → Instructor, the role_map parameter) and not the other side's (a pupil as Instructor)."),
    params={"role_map": ROLE_MAP})
def context_roster_match(ctx: CheckContext) -> None:
    obs = observation(ctx)
    role_map: dict[str, str] = dict(ctx.params.get("role_map") or ROLE_MAP)
    seen = 0
    for phase, snap, x in launched(ctx, obs):
        user = snap.users.get(x.user)
        if user is None:
            continue
        seen += 1
        claim = context_of(x)
        cid = claim.get("id") if claim else None
        loc = where("eportal", phase.name, launch=x, claim=vocab.CLAIM_CONTEXT)
        if not isinstance(cid, str):
            ctx.fail("the launch carries no context (the class it was started in)", ja="起動に context (起動した学級) "
                     "がありません", **loc)
            continue
        if not _class_matches(ctx, snap, user, cid, claim or {}, loc):
            continue  # roles are judged in a class the user is enrolled in
        roles = context_roles(x.claims or {})
        held = snap.active_roles(user.sourced_id, cid)
        wanted = {role_map[r] for r in held if r in role_map}
        for missing in sorted(wanted - roles):
            ctx.fail(f"the launch lacks the context role {missing} of the user's enrollment",
                     ja=f"在籍の役割に対応するロール {missing} が起動にありません", value=", ".join(sorted(roles)),
                     **{**loc, "claim": vocab.CLAIM_ROLES})
        for wrong in sorted((set(role_map.values()) - wanted) & roles):
            ctx.fail(f"the launch carries the context role {wrong}, which the user's enrollment does not give",
                     ja=f"在籍の役割にないロール {wrong} が起動にあります", value=wrong, **{**loc, "claim": vocab.CLAIM_ROLES})
    if not seen:
        ctx.stop_not_evaluated("no launch reached the app")


def _class_matches(ctx: CheckContext, snap: RosterSnapshot, user: RosterUser, cid: str, claim: dict[str, Any],
                   loc: dict[str, Any]) -> bool:
    """Judge the class of a launch; False when it is no class the user is enrolled in now."""
    klass = snap.classes.get(cid)
    if klass is None:
        ctx.fail("the launch's context names no class of the roster", ja="起動の context が名簿のどの学級でもありません",
                 value=cid, **loc)
        return False
    if cid not in snap.active_classes(user.sourced_id):
        ctx.fail("the launch's context is a class the user is not (or no longer) enrolled in",
                 ja="起動の context が、利用者が在籍していない (在籍が終わった) 学級です", value=cid, **loc)
        return False
    if klass.school not in user.schools():
        ctx.fail("the launch's class belongs to a school the user does not belong to", ja="起動の学級の学校が利用者の"
                 "所属校ではありません", value=klass.school, **loc)
    year, current = snap.class_year(cid), snap.current_year
    if year and current and year != current:
        ctx.fail(f"the launch's class is of the 年度 {year}, not the current {current}",
                 ja=f"起動の学級が今の年度 {current} ではなく {year} 年度のものです", value=year, **loc)
    title, label = claim.get("title"), claim.get("label")
    if title is not None and title != klass.title:
        ctx.fail("the launch's context title is not the roster's class title", ja="起動の context の title が名簿の"
                 "学級名と違います", value=title, **{**loc, "claim": vocab.CLAIM_CONTEXT + ".title"})
    if label is not None and label not in (klass.class_code, klass.title):
        ctx.fail("the launch's context label is neither the roster's class code nor its title",
                 ja="起動の context の label が名簿の学級コードでも学級名でもありません", value=label,
                 **{**loc, "claim": vocab.CLAIM_CONTEXT + ".label"})
    return True


def _member_user(snap: RosterSnapshot, member: dict[str, Any], ids: dict[str, str]) -> str | None:
    lis = member.get("lis_person_sourcedid")
    if isinstance(lis, str) and lis in snap.users:
        return lis
    uid = member.get("user_id")
    return ids.get(uid) if isinstance(uid, str) else None


@chain_check(
    "chain.nrps.members", "LTI NRPS v2 §2 (the membership of the context); OR12 enrollments (status)", "error",
    ("NRPS のメンバーシップが名簿の在籍と一致 (教員が見る自分の学級)", "The NRPS membership is the roster's class (what a "
     "teacher sees of their class)"),
    ("renkei が読んだ各学級 (起動した学級と、転出・学級変更・転出で離れた学級) の NRPS で、有効 (Active) なメンバーが"
     "その時点の名簿の有効な在籍とちょうど一致し (欠けも余分もない。昨年度の学級、転出元の学級に残っていない)、各メンバー"
     "のロールが在籍の role に対応することを確認します。教員が自分の学級で見る名簿がこれです。",
     "In the NRPS of every class renkei read (the classes launched into, and the ones a pupil left by transfer, "
     "class change or leaving), the Active members are exactly the roster's active enrollments at that moment "
     "(nobody missing, nobody extra: no one left in last year's class or the class they left), each with the "
     "context role of their enrollment. This is what a teacher sees of their class."),
    params={"role_map": ROLE_MAP})
def nrps_members(ctx: CheckContext) -> None:
    obs = observation(ctx)
    role_map: dict[str, str] = dict(ctx.params.get("role_map") or ROLE_MAP)
    seen = 0
    for phase, snap, ids, read in nrps_reads(ctx, obs):
        assert read.members is not None
        seen += 1
        expected = snap.members(read.context)
        listed: dict[str, dict[str, Any]] = {}
        for m in read.members:
            if m.get("status", "Active") != "Active":
                continue
            user = _member_user(snap, m, ids)
            if user is None:
                continue  # an unknown user_id is chain.link.nrps_user_id's finding
            listed[user] = m
            if user not in expected:
                ctx.fail("an Active member of the NRPS membership is not (or no longer) enrolled in the class",
                         ja="NRPS で Active のメンバーが、名簿ではこの学級に在籍していません (在籍が終わっています)",
                         **where("eportal", phase.name, user=user, klass=read.context, claim="members[].status"))
                continue
            wanted = {role_map[r] for r in expected[user] if r in role_map}
            if wanted - member_roles(m):
                ctx.fail("an NRPS member lacks the context role of their enrollment", ja="NRPS のメンバーに在籍の"
                         "役割に対応するロールがありません", value=", ".join(sorted(member_roles(m))),
                         **where("eportal", phase.name, user=user, klass=read.context, claim="members[].roles"))
        for user in sorted(set(expected) - set(listed)):
            ctx.fail("a member the roster enrolls in the class is missing from the NRPS membership (or not "
                     "Active)", ja="名簿でこの学級に在籍する利用者が NRPS にいません (または Active ではありません)",
                     **where("eportal", phase.name, user=user, klass=read.context, claim="members"))
    if not seen:
        ctx.stop_not_evaluated("no NRPS membership was read")


@chain_check(
    "chain.launch.teacher_classes", "LTI CORE §5.4.1 context, §5.3.7 roles; OR12 enrollments (role teacher)", "error",
    ("教員は担当する学級にだけ起動される", "A teacher is launched into their own classes only"),
    ("教員を担当する学級で起動でき (Instructor)、担当していない同じ学校の学級では起動が拒否されることを確認します。",
     "A teacher is launched into a class they teach (as Instructor), and a launch into a class of the same school "
     "they do not teach is refused."))
def launch_teacher_classes(ctx: CheckContext) -> None:
    obs = observation(ctx)
    own = other = 0
    for phase in usable(obs):
        for x in phase.launches:
            if x.role != "teacher" or x.purpose not in ("normal", "not_own_class"):
                continue
            if x.outcome == "error":
                ctx.not_evaluated(f"{phase.name}: launch #{x.n}: {x.detail}")
                continue
            if x.purpose == "normal":
                own += 1
                if x.outcome != "launched":
                    ctx.fail("a teacher was not launched into a class they teach", ja="教員が担当する学級で起動されません"
                             "でした", value=x.detail, **where("eportal", phase.name, launch=x))
                elif "Instructor" not in context_roles(x.claims or {}):
                    ctx.fail("a teacher was launched into their class without the Instructor role",
                             ja="教員が担当学級で Instructor のロールなしに起動されました",
                             **where("eportal", phase.name, launch=x, claim=vocab.CLAIM_ROLES))
            else:
                other += 1
                if x.outcome == "launched":
                    ctx.fail("a teacher was launched into a class they do not teach", ja="教員が担当していない学級で"
                             "起動されました", **where("eportal", phase.name, launch=x, claim=vocab.CLAIM_CONTEXT))
    if not own:
        ctx.stop_not_evaluated("no teacher was launched")
    if not other:
        ctx.not_evaluated("no class a sampled teacher does not teach was found to try")


def _names(claims: dict[str, Any]) -> dict[str, str]:
    return {k: v for k, v in claims.items() if k in ("given_name", "family_name", "name") and isinstance(v, str)}


def _name_problems(user: RosterUser, names: dict[str, str]) -> list[tuple[str, str]]:
    """(field, value) of every name that is not the roster's current one."""
    bad = []
    if "given_name" in names and names["given_name"] != user.given_name:
        bad.append(("given_name", names["given_name"]))
    if "family_name" in names and names["family_name"] != user.family_name:
        bad.append(("family_name", names["family_name"]))
    if "name" in names and names["name"].replace(" ", "").replace("\u3000", "") != user.family_name + user.given_name:
        bad.append(("name", names["name"]))
    return bad


@chain_check(
    "chain.roster.names_current", "OR12 users.givenName/familyName; LTI CORE §5.3.6 (given_name, family_name, name); "
    "LTI NRPS v2 §2", "error",
    ("起動と NRPS の氏名が名簿のいまの氏名", "Names in launches and the NRPS are the roster's current ones"),
    ("氏名を含む起動 (PII あり) と NRPS のメンバーで、given_name・family_name・name がその時点の名簿の名・姓と一致する"
     "ことを確認します。氏名の訂正の後は訂正後の氏名が届かなければなりません。値は --redact で伏せられます。",
     "In launches that carry names (a PII variant with names) and in NRPS members, given_name, family_name and "
     "name are the roster's given and family name at that moment: after a name correction the corrected name "
     "must arrive. The values are masked with --redact."))
def roster_names_current(ctx: CheckContext) -> None:
    obs = observation(ctx)
    seen = 0
    for phase, snap, x in launched(ctx, obs):
        user = snap.users.get(x.user)
        names = _names(x.claims or {})
        if user is None or not names:
            continue
        seen += 1
        for field, value in _name_problems(user, names):
            ctx.fail(f"the launch's {field} is not the roster's current name", ja=f"起動の {field} が名簿のいまの氏名と"
                     "違います", value=value, **where("eportal", phase.name, launch=x, claim=field))
    for phase in usable(obs):
        snap = phase.snapshot
        assert snap is not None
        ids = snap.by_identifier(obs.identifier_rule)
        for read in phase.nrps:
            for m in read.members or []:
                sid = _member_user(snap, m, ids)
                names = _names(m)
                if sid is None or not names:
                    continue
                seen += 1
                for field, value in _name_problems(snap.users[sid], names):
                    ctx.fail(f"an NRPS member's {field} is not the roster's current name",
                             ja=f"NRPS のメンバーの {field} が名簿のいまの氏名と違います", value=value,
                             **where("eportal", phase.name, user=sid, klass=read.context, claim=f"members[].{field}"))
    for phase in usable(obs):
        for change in phase.changes:
            renamed = [x for x in phase.launches if change.kind == "rename" and x.user in change.users
                       and x.outcome == "launched" and _names(x.claims or {})]
            if change.kind == "rename" and not renamed:
                ctx.not_evaluated(f"{phase.name}: no launch with names followed the name correction")
    if not seen:
        ctx.skip("no launch or NRPS member carried names (every PII variant used withholds them)")
