"""``xapi-statements`` checks of the Japan xAPI Profiles common rules (layer b) and the learner's identity.

One pass judges every statement for all of them (``jp`` layer); each check reports its own rule.
"""

from __future__ import annotations

from collections.abc import Iterable

from renkei.harness.core.context import CheckContext
from renkei.harness.xapi.statements import japan
from renkei.harness.xapi.statements.config import ExpectedActor
from renkei.harness.xapi.statements.judging import (
    DRAFT_EN,
    DRAFT_JA,
    report,
    require_statements,
    statements_check,
)
from renkei.harness.xapi.statements.target import (
    Flag,
    Layer,
    LayerSpec,
    Statement,
    StatementsTarget,
    plan_layer,
)

INCLUDED = "xapi.jp.common.included"
RECOMMENDED = "xapi.jp.common.recommended"
ACCOUNT = "xapi.jp.actor.account"
VERSION = "xapi.jp.version"
LAUNCHED = "xapi.jp.actor.launched_user"
REQ = "Japan xAPI Profiles (ICT CONNECT 21 draft 2026-04-01) Domain_Profile_Guidelines §2.3 common rules"


def _jp(s: Statement) -> list[Flag]:
    value = s.value
    if not isinstance(value, dict) or japan.surely_common(value):
        return []
    common = japan.common_problems_by_presence(value)
    actor, version = japan.actor_problems(value), japan.version_problems(value)
    if not (common["included"] or common["recommended"] or actor or version):
        return []  # the common case, with nothing built
    return [*(Flag(INCLUDED, p) for p in common["included"]), *(Flag(RECOMMENDED, p) for p in common["recommended"]),
            *(Flag(ACCOUNT, p) for p in actor), *(Flag(VERSION, p, value.get("version")) for p in version)]


@plan_layer(INCLUDED, RECOMMENDED, ACCOUNT, VERSION)
def _jp_layer(target: StatementsTarget, params: dict[str, object]) -> LayerSpec:
    return "jp", _jp


def _layer(target: StatementsTarget) -> Layer:
    return target.layer(*_jp_layer(target, {}))


@statements_check(INCLUDED, REQ + " (included)", "warning",
                  ("日本版共通ルールの必須項目がある", "The Japan common rules' required properties are present"),
                  ("すべての文に、共通ルールで included とされた項目 ($.id、$.timestamp、$.actor.objectType、"
                   "$.actor.account.homePage と name、$.verb.display.en、$.object.objectType・id・definition.type、"
                   "$.context.language、$.context.platform、$.version など) があることを確認します。" + DRAFT_JA,
                   "Every statement has the properties the common rules mark included ($.id, $.timestamp, "
                   "$.actor.objectType, $.actor.account.homePage and name, $.verb.display.en, $.object.objectType, id "
                   "and definition.type, $.context.language, $.context.platform, $.version ...). " + DRAFT_EN))
def common_included(ctx: CheckContext) -> None:
    report(ctx, _layer(require_statements(ctx)))


@statements_check(RECOMMENDED, REQ + " (recommended)", "info",
                  ("活動の名前と説明に ja-JP がある", "Activity name and description have ja-JP"),
                  ("共通ルールで recommended とされた $.object.definition.name['ja-JP'] と description['ja-JP'] が"
                   "あるかを示します。推奨事項のため情報です。",
                   "Shows whether $.object.definition.name['ja-JP'] and description['ja-JP'], which the common rules "
                   "recommend, are present. A recommendation: informative."))
def common_recommended(ctx: CheckContext) -> None:
    report(ctx, _layer(require_statements(ctx)))


@statements_check(ACCOUNT, REQ + " ($.actor.account)", "warning",
                  ("学習者を account で識別する", "The learner is identified by account"),
                  ("actor が mbox・mbox_sha1sum・openid ではなく account (homePage と name) で識別されていることを確認します。"
                   "ドラフトの共通ルールは $.actor.account.homePage と name を必須とし、例は name に UUID を使います。"
                   + DRAFT_JA,
                   "The actor is identified by account (homePage and name), not by mbox, mbox_sha1sum or openid. "
                   "The draft's common rules require $.actor.account.homePage and name, and its examples use a UUID as "
                   "name. " + DRAFT_EN))
def actor_account(ctx: CheckContext) -> None:
    report(ctx, _layer(require_statements(ctx)))


@statements_check(VERSION, "Japan xAPI Profiles (draft 2026-04-01): based on xAPI 1.0.3", "warning",
                  ("version が 1.0.x", "version is 1.0.x"),
                  ("日本版プロファイルは xAPI 1.0.3 に基づくため、文の version が 1.0.x であることを確認します (version が"
                   "あることは共通ルールの included で確かめます)。" + DRAFT_JA,
                   "The Japan profiles are based on xAPI 1.0.3, so a statement's version is 1.0.x (that version is "
                   "present is judged by the included common rules). " + DRAFT_EN))
def version(ctx: CheckContext) -> None:
    report(ctx, _layer(require_statements(ctx)))


@statements_check(LAUNCHED, "renkei identity linkage (DESIGN: OneRoster sourcedId → LTI sub → xAPI actor.account.name); "
                  "Japan xAPI Profiles draft §2.3 ($.actor.account)", "error",
                  ("actor が起動した利用者である", "The actor is the launched user"),
                  ("対象ファイルの expect.actor、または取り込みで renkei が LTI で起動した利用者を使い、すべての文の "
                   "actor.account.name が起動した利用者の ID (LTI の sub) と、account.homePage が学習eポータルの homePage "
                   "と一致することを確認します。一致しない文は別人の学習記録として蓄積され、手作業の名寄せが必要になります。"
                   "どちらもない場合は対象外です。ドラフトは name を OneRoster の sourcedId とは明記していません。",
                   "With the target's expect.actor, or the user renkei launched the app as over LTI in a capture, every "
                   "statement's actor.account.name equals the launched user's id (the LTI sub) and account.homePage the "
                   "e-portal's homePage. A statement that does not is stored as somebody else's record and needs "
                   "matching by hand. Skipped with neither. The drafts do not state that name is the OneRoster "
                   "sourcedId."), version="2")
def launched_user(ctx: CheckContext) -> None:
    target = require_statements(ctx)
    actor = target.expected_actor()  # after an LTI launch: the launched user (the capture has run by now)
    if actor is None:
        ctx.skip("the target declares no expect.actor and the app was not launched over LTI")
        return
    report(ctx, target.layer(*_layer_for(actor)))


@plan_layer(LAUNCHED)
def _launched_layer(target: StatementsTarget, params: dict[str, object]) -> LayerSpec | None:
    """Planned with the declared actor only: an LTI-launched one is known once the capture ran."""
    actor = target.config.expect.actor
    return None if actor is None else _layer_for(actor)


def _layer_for(actor: ExpectedActor) -> LayerSpec:

    def judge(s: Statement) -> Iterable[Flag]:
        if isinstance(s.value, dict):
            got = s.value.get("actor", {})
            account = got.get("account") if isinstance(got, dict) else None
            for p in japan.launched_user_problems(s.value, actor.name, actor.home_page):
                field = "name" if p.path.endswith("name") else "homePage"
                yield Flag(LAUNCHED, p, account.get(field) if isinstance(account, dict) else None)

    return f"launched:{actor.name}|{actor.home_page}", judge
