"""The identity links: one learner is one identifier from the roster to the LRS.

OneRoster ``userMasterIdentifier`` (the 学習eポータルUUID; the profile's ``identifier`` parameter may
choose ``sourcedId``) → the launch's LTI ``sub`` → the NRPS ``user_id`` → the xAPI
``actor.account.name`` with the e-portal's ``homePage``. That the sub *is* the userMasterIdentifier is
the Japanese practice the public sources describe but no primary text states (reference lti.md §5,
xapi.md §4): the rule is a parameter, and the descriptions say so. Also here: the e-portal launches
every active user it imported, the app accepts the launches, and the app's study logs arrive.
"""

from __future__ import annotations

from renkei.harness.chain.checks_base import chain_check, launched, nrps_reads, observation, usable
from renkei.harness.chain.links import CANDIDATE_KINDS, actor_account, attribute, sub_of, where
from renkei.harness.core.context import CheckContext

IDENTITY_NOTE = ("sub = userMasterIdentifier は公開資料が示す日本の運用で、一次資料では未確認です (プロファイルの "
                 "identifier で sourcedId に切り替えられます)。",
                 "sub = userMasterIdentifier is the Japanese practice public sources describe, not confirmed by a "
                 "primary text (the profile's identifier parameter switches it to sourcedId).")


@chain_check(
    "chain.link.sub", "LTI CORE §5.3.6 sub (the Platform's user id); OR12 users.userMasterIdentifier; "
    "Japan overlay sub = 学習eポータルUUID (reference lti.md §5)", "error",
    ("起動の sub が名簿の識別子と同じ", "The launch's sub is the roster's identifier"),
    ("すべての起動 (全フェーズ、児童生徒と教員) で、id_token の sub がその時点の名簿 (校務支援) の利用者の識別子 "
     "(userMasterIdentifier、なければ sourcedId) と一致することを確認します。違えば学習eポータルが連携を切っています。"
     + IDENTITY_NOTE[0],
     "In every launch (every phase, learners and teachers) the id_token's sub is the identifier the 校務支援's "
     "roster gives the user at that moment (userMasterIdentifier, else sourcedId). If not, the e-portal broke the "
     "link. " + IDENTITY_NOTE[1]))
def link_sub(ctx: CheckContext) -> None:
    obs = observation(ctx)
    seen = 0
    for phase, snap, x in launched(ctx, obs):
        user = snap.users.get(x.user)
        if user is None:
            continue
        seen += 1
        expected, sub = user.identifier(obs.identifier_rule), sub_of(x)
        if sub != expected:
            ctx.fail(f"the launch's sub is not the user's {obs.identifier_rule} in the roster",
                     ja=f"起動の sub が名簿の {obs.identifier_rule} と違います", value=sub,
                     **where("eportal", phase.name, launch=x, claim="sub"))
    if not seen:
        ctx.stop_not_evaluated("no launch reached the app")


@chain_check(
    "chain.link.nrps_user_id", "LTI NRPS v2 §2 members[].user_id (= the launch's sub); OR12 users.userMasterIdentifier",
    "error",
    ("NRPS の user_id が名簿の識別子と起動の sub と同じ", "NRPS user_id is the roster identifier and the launch's sub"),
    ("renkei が読んだ各学級の NRPS メンバーシップで、各メンバーの user_id がその時点の名簿の識別子と一致し、同じフェーズで"
     "起動した利用者なら起動の sub とも一致することを確認します (メンバーは lis_person_sourcedid、なければ user_id で"
     "名簿と突き合わせます)。" + IDENTITY_NOTE[0],
     "In every NRPS membership renkei read, each member's user_id is the roster's identifier of that member at "
     "that moment and, for users launched in the same phase, the launch's sub (members are matched with the roster "
     "by lis_person_sourcedid, else by user_id). " + IDENTITY_NOTE[1]))
def link_nrps_user_id(ctx: CheckContext) -> None:
    obs = observation(ctx)
    seen = 0
    for phase, snap, ids, read in nrps_reads(ctx, obs):
        assert read.members is not None
        subs = {x.user: sub_of(x) for x in phase.launches if x.outcome == "launched"}
        for m in read.members:
            seen += 1
            uid = m.get("user_id")
            lis = m.get("lis_person_sourcedid")
            user = snap.users.get(lis) if isinstance(lis, str) else None
            if user is None:
                sid = ids.get(uid) if isinstance(uid, str) else None
                if sid is None:
                    ctx.fail("an NRPS member's user_id is no identifier of the roster",
                             ja="NRPS のメンバーの user_id が名簿のどの識別子でもありません", value=uid,
                             **where("eportal", phase.name, klass=read.context, claim="members[].user_id"))
                continue
            expected = user.identifier(obs.identifier_rule)
            if uid != expected:
                ctx.fail(f"an NRPS member's user_id is not their {obs.identifier_rule} in the roster",
                         ja=f"NRPS のメンバーの user_id が名簿の {obs.identifier_rule} と違います", value=uid,
                         **where("eportal", phase.name, user=user.sourced_id, klass=read.context,
                                 claim="members[].user_id"))
            elif user.sourced_id in subs and subs[user.sourced_id] != uid:
                ctx.fail("an NRPS member's user_id is not the sub of the same user's launch",
                         ja="NRPS のメンバーの user_id が同じ利用者の起動の sub と違います", value=uid,
                         **where("eportal", phase.name, user=user.sourced_id, klass=read.context,
                                 claim="members[].user_id"))
    if not seen:
        ctx.stop_not_evaluated("no NRPS membership was read")


@chain_check(
    "chain.link.xapi_actor", "xAPI 1.0.3 Data §2.4.2.3 account IFI; Japan xAPI Profiles (draft) common rules "
    "$.actor.account.homePage/name; LTI CORE §5.3.6 sub", "error",
    ("学習記録の actor が起動の sub と学習eポータルの homePage", "The statement's actor is the launch's sub at the "
     "e-portal's homePage"),
    ("学習アプリが LRS に送った各ステートメントの actor が account で、name がその学習者の起動の sub、homePage が学習eポータル"
     "のものであることを確認します。sub 以外 (ログイン名、メール、氏名) で送られたものは何を使ったかを示します。"
     "どの学習者にも結び付かないステートメントは結合できないため不合格です。xAPI の日本プロファイルは草案で、"
     "name を sub とする対応は一次資料では未確認です。",
     "Every statement the app sent to the LRS has an account actor whose name is the learner's launch sub and "
     "whose homePage is the e-portal's. A statement sent under something else (the login name, the mail, the "
     "name) says what it used; a statement that names no launched learner cannot be joined and fails. The Japan "
     "xAPI Profiles are drafts; name = sub is not confirmed by a primary text."))
def link_xapi_actor(ctx: CheckContext) -> None:
    obs = observation(ctx)
    for phase in obs.phases:
        if phase.xapi_error:
            ctx.not_evaluated(f"{phase.name}: {phase.xapi_error}")
    found = attribute(obs)
    if not found.by_launch and not found.unattributed:
        ctx.stop_not_evaluated("the LRS holds no statement of the app")
    for _n, statements in sorted(found.by_launch.items()):
        for st in statements:
            sid = str(st.get("id"))
            launch = found.launch_of[sid]
            home, name = actor_account(st)
            loc = where("app", launch.phase, launch=launch, statement=sid, claim="actor.account.name")
            if name is None:
                ctx.fail("the statement's actor is not an account (the Japan xAPI Profiles identify learners by "
                         "account)", ja="ステートメントの actor が account ではありません (日本の xAPI プロファイルは account "
                         "で学習者を表します)", value=str(st.get("actor"))[:200], **loc)
                continue
            if name != sub_of(launch):
                kind = CANDIDATE_KINDS.get(found.how.get(sid, ""), ("", ""))
                ctx.fail(f"actor.account.name is {kind[1] or 'another value'} instead of the launch's sub",
                         ja=f"actor.account.name が起動の sub ではなく{kind[0] or '別の値'}です", value=name, **loc)
            if home != obs.home_page:
                ctx.fail("actor.account.homePage is not the e-portal's homePage",
                         ja="actor.account.homePage が学習eポータルのものではありません", value=home,
                         **{**loc, "claim": "actor.account.homePage"})
    for phase_name, statements in found.unattributed.items():
        for st in statements:
            _, name = actor_account(st)
            ctx.fail("a statement whose actor names no launched learner: it cannot be joined to anyone",
                     ja="actor が起動したどの学習者も指さないステートメントです。誰にも結び付けられません", value=name,
                     **where("app", phase_name, statement=str(st.get("id")), claim="actor.account.name"))


@chain_check(
    "chain.link.imported", "OR12 CSV/REST (the roster the e-portal imports); LTI CORE §5 (a launch of a rostered "
    "user); 学習eポータル標準モデル (roster → launch)", "error",
    ("取り込んだ名簿の利用者を起動できる", "The e-portal launches the users it imported"),
    ("各フェーズで名簿を取り込んだ後、名簿上有効な利用者 (年次更新後の新入生、転入生、氏名訂正・学級変更の後の児童生徒を"
     "含む) を、いま在籍する学級で起動できることを確認します。拒否されたら学習eポータルが名簿を取り込めていません。",
     "After each import, every active user of the roster renkei launched (新入生 after 年次更新, the transferred, "
     "renamed and class-changed pupils included) is launched in the class they are enrolled in now. A refusal means "
     "the e-portal did not take the roster in."))
def link_imported(ctx: CheckContext) -> None:
    obs = observation(ctx)
    seen = 0
    for phase in usable(obs):
        assert phase.snapshot is not None
        for x in phase.normal_launches():
            if x.outcome == "error":
                ctx.not_evaluated(f"{phase.name}: launch #{x.n}: {x.detail}")
                continue
            seen += 1
            if x.outcome == "refused":
                ctx.fail("the e-portal refused to launch an active user of the roster it imported",
                         ja="取り込んだ名簿で有効な利用者の起動を学習eポータルが拒否しました", value=x.detail,
                         **where("eportal", phase.name, launch=x))
    if not seen:
        ctx.stop_not_evaluated("no launch was tried")


@chain_check(
    "chain.link.launch_accepted", "LTI SEC §5.1.3 (the Tool validates and accepts a valid id_token); LTI CORE §5",
    "error",
    ("学習アプリが学習eポータルの起動を受け付ける", "The app accepts the e-portal's launches"),
    ("学習eポータルが署名付き id_token を送った起動を、学習アプリが受け付けた (受け付けの表示が出た) ことを確認します。",
     "Every launch in which the e-portal posted a signed id_token is accepted by the app (its accepted page "
     "shows)."))
def link_launch_accepted(ctx: CheckContext) -> None:
    obs = observation(ctx)
    seen = 0
    for phase, _, x in launched(ctx, obs):
        if x.accepted is None:
            ctx.not_evaluated(f"{phase.name}: launch #{x.n}: the app's answer could not be read")
            continue
        seen += 1
        if not x.accepted:
            ctx.fail("the app did not accept a launch the e-portal issued", ja="学習eポータルが発行した起動を学習アプリが"
                     "受け付けませんでした", value=x.detail, **where("app", phase.name, launch=x))
    if not seen:
        ctx.stop_not_evaluated("no launch reached the app")


@chain_check(
    "chain.link.xapi_reported", "xAPI 1.0.3 Communication §2.1 (statements sent to the LRS); Japan xAPI Profiles "
    "(draft) (the app reports study logs to the e-portal's LRS)", "error",
    ("学習者の起動ごとに学習記録が LRS に届く", "Every learner launch's study log reaches the LRS"),
    ("学習アプリが受け付けた学習者の起動ごとに、その学習者に結び付くステートメントが待ち時間 (observation.xapi_wait_seconds) "
     "内に LRS に届いたことを確認します。",
     "For every learner launch the app accepted, statements joinable to that learner reached the LRS within "
     "observation.xapi_wait_seconds."))
def link_xapi_reported(ctx: CheckContext) -> None:
    obs = observation(ctx)
    found = attribute(obs)
    seen = 0
    for phase, _, x in launched(ctx, obs, role="student"):
        if phase.xapi_error:
            ctx.not_evaluated(f"{phase.name}: {phase.xapi_error}")
            continue
        if not x.accepted:
            continue
        seen += 1
        if not found.by_launch.get(x.n):
            ctx.fail("no statement joinable to the learner reached the LRS after their launch",
                     ja="起動の後、その学習者に結び付くステートメントが LRS に届いていません",
                     **where("app", phase.name, launch=x))
    if not seen:
        ctx.stop_not_evaluated("no learner launch was accepted by the app")
