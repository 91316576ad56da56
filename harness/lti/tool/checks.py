"""Checks of the ``lti13-tool`` profiles: the harness plays the Platform against a vendor's Tool.

Each check drives one or more launches through ``Launcher`` and judges the Tool's reaction:
the 12 must-reject and 18 must-accept launches of the certification suite [CERT §6.1.1-§6.1.3],
the id_token validation rules of [SEC §5.1.3] the suite leaves out, the login/auth request rules of
[SEC §5.1.1] and [CORE §4.1], and the Japanese standard-model overlay (secondary sources, so
warnings). Deep Linking and NRPS/AGS checks live in ``checks_tool_services``.

A must-reject check only counts when a valid launch is accepted (else rejecting proves nothing).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

from renkei.harness.core.context import CheckContext
from renkei.harness.core.model import Severity
from renkei.harness.core.registry import check
from renkei.harness.lti.protocol import vocab
from renkei.harness.lti.protocol.browser import page_text
from renkei.harness.lti.tool.config import KIND
from renkei.harness.lti.tool.launches import ACCEPTED, ERROR, REJECTED, LaunchResult, LaunchSpec
from renkei.harness.lti.tool.payloads import (
    ADMIN,
    INSTRUCTOR,
    MULTIPLE_ROLES,
    SHORT_ROLES,
    STUDENT,
    UNKNOWN_ROLES,
    Mutation,
    bad_timestamps,
    chain,
    drop,
    drop_resource_link_id,
    expired,
    extra_audience,
    iat_future,
    invalid_message,
    missing_lti_claims,
    opaque,
    pii,
    roles,
    set_claim,
)
from renkei.harness.lti.tool.target import LtiToolTarget

SpecFactory = Callable[[dict[str, Any]], LaunchSpec]


# --- shared helpers --------------------------------------------------------------------------
def target_of(ctx: CheckContext) -> LtiToolTarget:
    return ctx.target  # type: ignore[no-any-return]


def run(ctx: CheckContext, spec: LaunchSpec) -> LaunchResult:
    return target_of(ctx).launcher.run(spec, ctx.params)


def baseline(ctx: CheckContext) -> LaunchResult:
    """A valid instructor launch via GET login, shared by the checks that need one."""
    return target_of(ctx).shared("baseline", lambda: run(ctx, LaunchSpec()))


def baseline_post(ctx: CheckContext) -> LaunchResult:
    return target_of(ctx).shared("baseline_post", lambda: run(ctx, LaunchSpec(login_method="POST")))


def report_not_done(ctx: CheckContext, result: LaunchResult, *, claim: str | None = None) -> None:
    ctx.fail("The launch could not be completed: " + result.en, ja="起動を完了できませんでした: " + result.ja,
             endpoint=result.endpoint, method=result.method, claim=claim,
             value=None if result.status is None else f"HTTP {result.status}")


def expect(ctx: CheckContext, result: LaunchResult, want: str, *, claim: str | None = None) -> None:
    """Turn a launch outcome into at most one finding."""
    if result.outcome == want:
        return
    status = None if result.status is None else f"HTTP {result.status} ({result.stage})"
    if status and result.page is not None and want == ACCEPTED:  # what the Tool said, to help its vendor
        shown = page_text(result.page.text)
        status = f"{status}: {shown}" if shown else status
    if result.outcome == ERROR:
        report_not_done(ctx, result, claim=claim)
    elif want == REJECTED and result.outcome == ACCEPTED:
        ctx.fail("The Tool accepted a launch it must reject.", ja="ツールは拒否すべき起動を受け付けました。",
                 endpoint=result.endpoint, method=result.method, claim=claim, value=status)
    elif want == ACCEPTED and result.outcome == REJECTED:
        ctx.fail("The Tool rejected a valid launch.", ja="ツールは正しい起動を拒否しました。",
                 endpoint=result.endpoint, method=result.method, claim=claim, value=status)
    else:
        ctx.fail(result.en, ja=result.ja, endpoint=result.endpoint, method=result.method, claim=claim, value=status)


def expect_rejected(ctx: CheckContext, spec: LaunchSpec, *, claim: str | None = None,
                    shared_as: str | None = None) -> None:
    base = baseline(ctx)
    if base.outcome != ACCEPTED:
        ctx.fail("Cannot judge a rejection: a valid launch is not accepted either (see lti.tool.core.login_get).",
                 ja="拒否を判定できません: 正しい起動も受け付けられていません (lti.tool.core.login_get を参照)。",
                 endpoint=base.endpoint, method=base.method, claim=claim)
        return
    expect(ctx, run_shared(ctx, spec, shared_as), REJECTED, claim=claim)


def run_shared(ctx: CheckContext, spec: LaunchSpec, shared_as: str | None) -> LaunchResult:
    """Run ``spec``, once per target when ``shared_as`` names it (another check judges the same launch)."""
    if shared_as is None:
        return run(ctx, spec)
    return target_of(ctx).shared(shared_as, lambda: run(ctx, spec))  # type: ignore[no-any-return]


def launch_check(
    id: str, *, requirement: str, severity: Severity | str, title: tuple[str, str], description: tuple[str, str],
    spec: SpecFactory, want: str, claim: str | None = None, params: dict[str, Any] | None = None,
    tags: tuple[str, ...] = (), shared_as: str | None = None,
) -> None:
    """Register a check that runs one launch and expects ``want`` (accepted/rejected).

    ``shared_as`` stores the launch result on the target under that name, so a second check that
    judges another aspect of the same launch reuses it instead of launching again.
    """

    def body(ctx: CheckContext) -> None:
        if want == REJECTED:
            expect_rejected(ctx, spec(ctx.params), claim=claim, shared_as=shared_as)
        else:
            expect(ctx, run_shared(ctx, spec(ctx.params), shared_as), ACCEPTED, claim=claim)

    body.__name__ = "check_" + id.replace(".", "_")
    body.__doc__ = description[1]
    check(id, kind=KIND, requirement=requirement, severity=severity, title_ja=title[0], title_en=title[1],
          description_ja=description[0], description_en=description[1], params=params, tags=tags)(body)


def _spec(**kw: Any) -> SpecFactory:
    return lambda params: LaunchSpec(**kw)


# --- [CERT §6.1.1] known "bad" payloads: the Tool must reject ---------------------------------
_REJECT_JA = "ツールはこの起動を拒否しなければなりません。"
_CERT_BAD: list[tuple[str, str, tuple[str, str], str, SpecFactory, str | None]] = [
    ("no_kid", "No KID Sent in JWT header", ("JWT ヘッダーに kid がない", "No kid in the JWT header"),
     "The id_token header has no kid; a Tool cannot pick the Platform key [SEC §6.3].",
     _spec(signing="no_kid"), None),
    ("unknown_kid", "Incorrect KID in JWT header", ("JWT ヘッダーの kid が鍵セットにない", "kid not in the Platform JWKS"),
     "The kid names no key of the harness JWKS.", _spec(signing="unknown_kid"), None),
    ("wrong_version", "Wrong LTI Version", ("LTI バージョンが誤り", "Wrong LTI version"),
     "The version claim is 1.2.0 instead of 1.3.0 [CORE §5.3.2].",
     _spec(mutate=set_claim(vocab.CLAIM_VERSION, "1.2.0")), vocab.CLAIM_VERSION),
    ("no_version", "No LTI Version", ("LTI バージョンがない", "No LTI version"),
     "The version claim is absent [CORE §5.3.2].", _spec(mutate=drop(vocab.CLAIM_VERSION)), vocab.CLAIM_VERSION),
    ("invalid_message", "Invalid LTI message", ("LTI メッセージではない", "Not an LTI message"),
     "A signed JWT whose payload is {\"name\": \"badltilaunch\"} (interpretation of hypothesis/lms).",
     _spec(mutate=invalid_message), None),
    ("missing_claims", "Missing LTI Claims", ("必須クレームの欠落", "Required claims missing"),
     "aud, iss, sub, deployment_id and roles are dropped (interpretation of hypothesis/lms).",
     _spec(mutate=missing_lti_claims), None),
    ("bad_timestamps", "Timestamps Incorrect", ("タイムスタンプが不正", "Incorrect timestamps"),
     "iat=11111 and exp=22222, i.e. expired in 1970 (interpretation of hypothesis/lms).",
     _spec(mutate=bad_timestamps), "exp"),
    ("no_message_type", "messsage_type Claim Missing", ("message_type クレームがない", "No message_type claim"),
     "The message_type claim is absent [CORE §5.3.1].", _spec(mutate=drop(vocab.CLAIM_MESSAGE_TYPE)),
     vocab.CLAIM_MESSAGE_TYPE),
    ("no_roles", "role Claim Missing", ("roles クレームがない", "No roles claim"),
     "The roles claim is absent (an empty array would be valid) [CORE §5.3.7].", _spec(mutate=drop(vocab.CLAIM_ROLES)),
     vocab.CLAIM_ROLES),
    ("no_deployment_id", "deployment_id Claim Missing", ("deployment_id クレームがない", "No deployment_id claim"),
     "The deployment_id claim is absent [CORE §5.3.3].", _spec(mutate=drop(vocab.CLAIM_DEPLOYMENT_ID)),
     vocab.CLAIM_DEPLOYMENT_ID),
    ("no_resource_link_id", "resource_link_id Claim Missing", ("resource_link.id がない", "No resource_link.id"),
     "The resource_link claim has no id (interpretation of ltix) [CORE §5.3.5].",
     _spec(mutate=drop_resource_link_id), vocab.CLAIM_RESOURCE_LINK),
]
for _name, _row, _title, _what, _factory, _claim in _CERT_BAD:
    launch_check(
        f"lti.tool.cert.{_name}", requirement=f"LTI-CERT §6.1.1 '{_row}'", severity=Severity.ERROR,
        title=_title, want=REJECTED, spec=_factory, claim=_claim, tags=("cert", "reject"),
        description=(f"認定試験の既知の不正ペイロード「{_row}」。{_REJECT_JA}",
                     f"Certification known-bad payload '{_row}': {_what} The Tool must reject it."),
    )


@check(
    "lti.tool.cert.no_sub", kind=KIND, requirement="LTI-CERT §6.1.1 'user Claim Missing' (vs LTI-CORE §5.3.6.1)",
    severity=Severity.ERROR, title_ja="sub クレームがない", title_en="No sub claim",
    description_ja=(
        "認定試験は sub のない起動の拒否を求めますが、LTI Core §5.3.6.1 は sub のない起動を匿名起動として認めます。"
        "仕様間で食い違うため、プロファイル引数 anonymous_launch_allowed: true でこの検査を省略できます。"
    ),
    description_en=(
        "The certification suite expects a launch without sub to be rejected, but LTI Core §5.3.6.1 allows it as "
        "an anonymous launch. Because the documents disagree, profile parameter anonymous_launch_allowed: true "
        "skips this check."
    ),
    params={"anonymous_launch_allowed": False}, tags=("cert", "reject"),
)
def check_no_sub(ctx: CheckContext) -> None:
    if ctx.params.get("anonymous_launch_allowed"):
        ctx.skip("profile parameter anonymous_launch_allowed is true (LTI Core §5.3.6.1 anonymous launch)")
    expect_rejected(ctx, LaunchSpec(mutate=drop("sub")), claim="sub")


# --- [CERT §6.1.2, §6.1.3] valid launches: the Tool must accept ---------------------------------
_CERT_VALID: list[tuple[str, str, tuple[str, str], Callable[[str], Mutation | None]]] = [
    ("launch", "Launch", ("通常の起動", "plain launch"), lambda role: None),
    ("multiple_roles", "Multiple Roles", ("複数のロール", "multiple role values"), roles(MULTIPLE_ROLES)),
    ("short_role", "Short Role", ("短縮形のロール名", "short (deprecated) role name"), roles(SHORT_ROLES)),
    ("unknown_role", "Unknown Role", ("未知のロール", "unknown role URI"), roles(UNKNOWN_ROLES)),
    ("no_role", "No Role", ("ロールなし (空配列)", "no role (empty array)"), roles(None)),
    ("email_only", "Only Email", ("メールアドレスのみ", "email only, no names"), lambda role: pii(False, True)),
    ("names_only", "Only Names", ("氏名のみ", "names only, no email"), lambda role: pii(True, False)),
    ("no_pii", "No PII", ("個人情報なし", "no PII"), lambda role: pii(False, False)),
    ("email_no_context", "Email Without Context", ("コンテキストなしでメールのみ", "email without context"),
     lambda role: chain(pii(False, True), drop(vocab.CLAIM_CONTEXT))),
]
for _role, _section, _role_ja in ((INSTRUCTOR, "§6.1.2", "教員"), (STUDENT, "§6.1.3", "児童生徒")):
    for _name, _row, _title, _edit in _CERT_VALID:
        launch_check(
            f"lti.tool.cert.{_role}.{_name}", requirement=f"LTI-CERT {_section} '{_row}'", severity=Severity.ERROR,
            title=(f"{_role_ja}: {_title[0]}を受け付ける", f"{_role.capitalize()}: accepts {_title[1]}"),
            want=ACCEPTED, spec=lambda params, r=_role, e=_edit: LaunchSpec(role=r, mutate=e(r)),
            tags=("cert", "accept"),
            description=(f"認定試験の正しい起動「{_row}」({_role_ja})。ツールは受け付けなければなりません。",
                         f"Certification valid launch '{_row}' ({_role}); the Tool must accept it."),
        )


# --- [SEC §5.1.3] id_token validation beyond the cert list --------------------------------------
WRONG_AUD = "sec.wrong_aud"  # one launch: lti.tool.sec.wrong_aud judges the refusal, rejection_status its status
_wrong_aud_spec = _spec(mutate=set_claim("aud", "renkei-other-client"))
_SEC: list[tuple[str, str, Severity, tuple[str, str], tuple[str, str], SpecFactory, str | None]] = [
    ("bad_signature", "LTI-SEC §5.1.3-1", Severity.ERROR, ("正しい kid で署名が不正", "Bad signature with the right kid"),
     ("kid は正しいが別の鍵で署名した id_token。ツールは署名を検証し拒否しなければなりません。",
      "Signed by another key under the right kid; the Tool must verify the signature and reject it."),
     _spec(signing="wrong_key"), None),
    ("alg_none", "LTI-SEC §5.1.3-1, §5.4", Severity.ERROR, ("alg none (署名なし)", "alg none (unsigned)"),
     ("alg: none の署名なし id_token。拒否しなければなりません。", "An unsigned id_token with alg none; must be rejected."),
     _spec(signing="none"), None),
    ("alg_hs256_public_key", "LTI-SEC §5.1.3-1, -6; LTI-CERT §4.2", Severity.ERROR,
     ("HS256 (公開鍵で HMAC)", "HS256 keyed with the public key"),
     ("プラットフォームの公開鍵 PEM を HMAC 鍵にした HS256 署名 (アルゴリズム混同攻撃)。拒否しなければなりません。",
      "HS256 signed with the Platform's public key PEM (alg confusion); must be rejected."),
     _spec(signing="hs256_public"), None),
    ("wrong_iss", "LTI-SEC §5.1.3-2", Severity.ERROR, ("iss が登録と異なる", "Wrong iss"),
     ("iss が登録済みの発行者と異なる id_token。拒否しなければなりません。", "iss is not the registered issuer; must be rejected."),
     _spec(mutate=set_claim("iss", "https://untrusted-platform.example.com")), "iss"),
    ("wrong_aud", "LTI-SEC §5.1.3-3", Severity.ERROR, ("aud に client_id がない", "aud lacks the client_id"),
     ("aud が別のクライアント。拒否しなければなりません (401)。", "aud names another client; must be rejected (401)."),
     _wrong_aud_spec, "aud"),
    ("extra_aud", "LTI-SEC §5.1.3-3", Severity.ERROR, ("aud に信頼できない追加の受信者", "Untrusted extra audience"),
     ("aud が client_id と信頼できない別の受信者を含む (azp は正しい)。拒否しなければなりません。",
      "aud holds the client_id plus an untrusted audience (azp correct); must be rejected."),
     _spec(mutate=extra_audience), "aud"),
    ("azp_mismatch", "LTI-SEC §5.1.3-5 (SHOULD)", Severity.WARNING, ("azp が client_id と異なる", "azp mismatch"),
     ("azp が別のクライアント。仕様は SHOULD のため警告です。", "azp names another client; SHOULD-level rule, so a warning."),
     _spec(mutate=set_claim("azp", "renkei-other-client")), "azp"),
    ("expired", "LTI-SEC §5.1.3-7", Severity.ERROR, ("期限切れ (exp)", "Expired (exp)"),
     ("exp が 1 時間前。拒否しなければなりません。", "exp one hour in the past; must be rejected."),
     _spec(mutate=expired), "exp"),
    ("no_exp", "LTI-SEC §5.1.2 (exp REQUIRED), §5.1.3-7", Severity.ERROR, ("exp がない", "No exp"),
     ("exp クレームのない id_token。exp は必須で、ツールは現在時刻が exp より前であることを確かめなければなりません。"
      "期限のないトークンは確かめようがないため、拒否しなければなりません。",
      "An id_token without the exp claim. exp is REQUIRED and the Tool MUST check that the current time is before "
      "it; a token without an expiry cannot pass that check, so it must be rejected (a validator that only "
      "compares exp when present accepts it)."),
     _spec(mutate=drop("exp")), "exp"),
    ("iat_future", "LTI-SEC §5.1.3-8 (MAY)", Severity.WARNING, ("iat が未来すぎる", "iat far in the future"),
     ("iat が未来 (既定 1 時間)。仕様は MAY のため警告です。", "iat in the future (default one hour); MAY-level rule, so a warning."),
     lambda params: LaunchSpec(mutate=iat_future(int(params.get("iat_future_seconds", 3600)))), "iat"),
    ("nonce_missing", "LTI-SEC §5.1.3-9", Severity.ERROR, ("nonce がない", "No nonce"),
     ("nonce クレームのない id_token。拒否しなければなりません。", "id_token without nonce; must be rejected."),
     _spec(mutate=drop("nonce")), "nonce"),
    ("state_mismatch", "LTI-SEC §5.1.1.4 (state RECOMMENDED, §5.1.1.2)", Severity.WARNING,
     ("state が一致しない", "state mismatch"),
     ("ブラウザーのセッションと一致しない state。state は RECOMMENDED (SEC §5.1.1.2) のため警告です。",
      "A state that does not match the browser session; state is RECOMMENDED (SEC §5.1.1.2), so a warning."),
     lambda params: LaunchSpec(state=opaque("forged-state")), None),
]
for _name, _req, _sev, _title, _desc, _factory, _claim in _SEC:
    launch_check(f"lti.tool.sec.{_name}", requirement=_req, severity=_sev, title=_title, description=_desc,
                 spec=_factory, want=REJECTED, claim=_claim, tags=("security", "reject"),
                 params={"iat_future_seconds": 3600} if _name == "iat_future" else None,
                 shared_as=WRONG_AUD if _name == "wrong_aud" else None)


@check(
    "lti.tool.sec.nonce_replay", kind=KIND, requirement="LTI-SEC §5.1.3-9 (SHOULD)", severity=Severity.WARNING,
    title_ja="nonce の再利用 (同じ id_token を 2 回)", title_en="Replayed nonce (same id_token twice)",
    description_ja=("受け付けられた id_token と state を同じブラウザー (同じクッキー) から再送します。"
                    "使用済み nonce の拒否は SHOULD のため警告です。"),
    description_en=("Posts an accepted id_token and state again from the same browser (same cookies). Rejecting a "
                    "used nonce is a SHOULD, so a warning."),
    tags=("security", "reject"),
)
def check_nonce_replay(ctx: CheckContext) -> None:
    launcher = target_of(ctx).launcher
    browser = launcher.new_browser()
    spec = LaunchSpec(browser=browser)
    jar = browser.client.cookies
    saved: list[Any] = []

    def snapshot(claims: dict[str, Any]) -> None:  # runs after login, before the POST
        saved.extend(list(jar.jar))

    spec.mutate = snapshot
    first = launcher.run(spec, ctx.params)
    if first.outcome != ACCEPTED:
        ctx.fail("Cannot test a replay: the first (valid) launch was not accepted.",
                 ja="リプレイを試験できません: 最初の (正しい) 起動が受け付けられませんでした。",
                 endpoint=first.endpoint, method=first.method, value=first.en)
        return
    for cookie in saved:
        jar.jar.set_cookie(cookie)
    expect(ctx, launcher.post(browser, first.endpoint or "", first.posted), REJECTED, claim="nonce")


@check(
    "lti.tool.sec.rejection_status", kind=KIND, requirement="LTI-SEC §5.1.3-3", severity=Severity.WARNING,
    title_ja="不正な aud の起動を HTTP 401 で拒否する", title_en="A wrong-aud launch is refused with HTTP 401",
    description_ja=("SEC §5.1.3 は aud に client_id がない id_token を「HTTP 401 で拒否しなければならない」としています。"
                    "別のステータスでも起動は成立しないため (認定試験もステータスは見ません) 警告です。"
                    "5xx はトークン検証の例外を処理できていないことを示し、ログや監視を汚し、攻撃の手掛かりになります。"),
    description_en=("SEC §5.1.3 says an id_token whose aud lacks the client_id MUST be rejected with HTTP 401. "
                    "Another status still refuses the launch (certification does not look at it), so this is a "
                    "warning. A 5xx shows the token validation error is not handled: noisy logs, a hint to attackers."),
    tags=("security",),
)
def check_rejection_status(ctx: CheckContext) -> None:
    result = run_shared(ctx, _wrong_aud_spec(ctx.params), WRONG_AUD)  # the launch lti.tool.sec.wrong_aud judges
    if result.outcome != REJECTED or result.status is None:
        ctx.skip("the wrong-aud launch was not observed as a rejection (see lti.tool.sec.wrong_aud)")
    if result.status != 401:
        ctx.fail("The wrong-aud launch was refused, but not with HTTP 401"
                 + (" (a server error: the validation failure is not handled)." if result.status >= 500 else "."),
                 ja="不正な aud の起動は拒否されましたが、HTTP 401 ではありません"
                    + ("（サーバーエラー: 検証失敗を処理できていません）。" if result.status >= 500 else "。"),
                 endpoint=result.endpoint, method=result.method, claim="aud", value=f"HTTP {result.status}")


# --- [CORE] message and login rules --------------------------------------------------------------
launch_check(
    "lti.tool.core.wrong_message_type", requirement="LTI-CORE §5.3.1", severity=Severity.ERROR,
    title=("message_type が不正", "Wrong message_type"), want=REJECTED, claim=vocab.CLAIM_MESSAGE_TYPE,
    spec=_spec(mutate=set_claim(vocab.CLAIM_MESSAGE_TYPE, "LtiRenkeiUnknownRequest")), tags=("core", "reject"),
    description=("message_type が未知の値。ツールは対応しない種別の起動を拒否しなければなりません。",
                 "An unknown message_type value; the Tool must not treat it as a resource link launch."),
)
launch_check(
    "lti.tool.core.unknown_deployment", requirement="LTI-CORE §3.1.3, §4.1.2", severity=Severity.WARNING,
    title=("未登録の deployment_id", "Unknown deployment_id"), want=REJECTED, claim=vocab.CLAIM_DEPLOYMENT_ID,
    spec=lambda params: LaunchSpec(deployment_id=opaque("renkei-unknown-deployment")), tags=("core", "reject"),
    description=(
        "ログインと id_token の両方で未登録の deployment_id を送ります。多くの実装は拒否しますが、仕様本文は拒否を"
        "明示的に MUST としていないため警告です。",
        "Sends an unregistered deployment_id in login and id_token. Libraries (OAT, PyLTI1p3) reject it, but the "
        "spec text does not literally require rejection, so a warning.",
    ),
)
launch_check(
    "lti.tool.core.target_link_uri_mismatch", requirement="LTI-CORE §5.3.4", severity=Severity.WARNING,
    title=("target_link_uri がログイン要求と異なる", "target_link_uri claim differs from login"), want=REJECTED,
    claim=vocab.CLAIM_TARGET_LINK_URI, tags=("core", "reject"),
    spec=lambda params: LaunchSpec(mutate=lambda c: c.__setitem__(
        vocab.CLAIM_TARGET_LINK_URI, c[vocab.CLAIM_TARGET_LINK_URI] + ("&" if "?" in c[vocab.CLAIM_TARGET_LINK_URI]
                                                                        else "?") + "renkei=claim")),
    description=(
        "プラットフォームは両者を一致させなければなりません (MUST)。不一致は改ざんされたフローを示しますが、"
        "ツール側の扱いは明記されていない (SHOULD 相当) ため警告です。",
        "The Platform MUST make both equal, so a mismatch signals a tampered flow; the Tool's duty is only implied "
        "(it should act on the signed claim), so a warning.",
    ),
)


@check(
    "lti.tool.core.login_get", kind=KIND, requirement="LTI-SEC §5.1.1.1", severity=Severity.ERROR,
    title_ja="GET によるログイン開始", title_en="Login initiation by GET",
    description_ja="GET で送ったログイン開始から正しい起動を完了し、受け付けられること。",
    description_en="A login initiation sent by GET leads to an accepted valid launch (Tools must support GET and POST).",
    tags=("core", "accept"),
)
def check_login_get(ctx: CheckContext) -> None:
    expect(ctx, baseline(ctx), ACCEPTED)


@check(
    "lti.tool.core.login_post", kind=KIND, requirement="LTI-SEC §5.1.1.1", severity=Severity.ERROR,
    title_ja="POST によるログイン開始", title_en="Login initiation by POST",
    description_ja="フォーム POST で送ったログイン開始から正しい起動を完了し、受け付けられること。",
    description_en="A login initiation sent as a form POST leads to an accepted valid launch.",
    tags=("core", "accept"),
)
def check_login_post(ctx: CheckContext) -> None:
    expect(ctx, baseline_post(ctx), ACCEPTED)


@check(
    "lti.tool.core.state_cookie_samesite", kind=KIND,
    requirement="LTI-SEC §5.1.1.4 (state bound to the user agent); RFC 6265bis SameSite", severity=Severity.WARNING,
    title_ja="ログイン時のクッキーが SameSite=None; Secure", title_en="Login cookies are SameSite=None; Secure",
    description_ja=(
        "プラットフォームからの起動はクロスサイトのフォーム POST のため、ブラウザーは SameSite=None; Secure 以外の"
        "クッキーを送りません。ハーネスのブラウザーは SameSite を無視するので、実ブラウザーでの失敗をここで警告します。"
        "LTI の MUST ではなくブラウザーの規則のため警告です。https のツールのみ判定します。"
    ),
    description_en=(
        "The launch is a cross-site form POST from the Platform, so browsers only send cookies marked "
        "SameSite=None; Secure. The harness's browser ignores SameSite, so this warns about launches that would "
        "fail in a real browser. A browser rule, not an LTI MUST, hence a warning; judged for https Tools only."
    ),
    tags=("core",),
)
def check_state_cookie_samesite(ctx: CheckContext) -> None:
    config = target_of(ctx).config
    if not config.tool.login_url.startswith("https://"):
        ctx.skip("the Tool's login URL is http; browsers accept SameSite=None only with Secure (https)")
    launch = baseline(ctx)
    if launch.auth is None:
        report_not_done(ctx, launch)
        return
    for header in launch.auth.set_cookies:
        name, _, rest = header.partition("=")
        attrs = {a.strip().split("=", 1)[0].lower(): a.strip().partition("=")[2].lower() for a in rest.split(";")[1:]}
        if attrs.get("samesite") != "none" or "secure" not in attrs:
            ctx.fail("A cookie set at login is not SameSite=None; Secure, so a browser will not send it with the "
                     "Platform's cross-site form_post.",
                     ja="ログイン時のクッキーが SameSite=None; Secure ではないため、ブラウザーはプラットフォームからの"
                        "クロスサイト POST にこれを付けません。",
                     endpoint=config.tool.login_url, method="GET", column="set-cookie", value=name.strip())


# --- [SEC §5.1.1.2] the Tool's authentication request ------------------------------------------
def auth_check(id: str, *, requirement: str, severity: Severity, title: tuple[str, str],
               description: tuple[str, str], param: str) -> Callable[[Callable[..., str | None]], None]:
    """Register a check on one parameter of the observed auth request(s) (GET and POST login).

    The judged function returns None when the value is fine, else the reason; the finding's
    ``value`` is the observed parameter.
    """

    def register(judge: Callable[..., str | None]) -> None:
        def body(ctx: CheckContext) -> None:
            for launch in (baseline(ctx), baseline_post(ctx)):
                auth = launch.auth
                if auth is None:
                    report_not_done(ctx, launch)
                    continue
                reason = judge(auth.params.get(param), launch, target_of(ctx))
                if reason is not None:
                    en, ja = reason.split("|", 1)
                    ctx.fail(en, ja=ja, endpoint=auth.url.split("?", 1)[0], method=auth.method, column=param,
                             value=auth.params.get(param))

        body.__name__ = "check_" + id.replace(".", "_")
        check(id, kind=KIND, requirement=requirement, severity=severity, title_ja=title[0], title_en=title[1],
              description_ja=description[0], description_en=description[1], tags=("auth-request",))(body)

    return register


def _equals(expected: str) -> Callable[..., str | None]:
    def judge(value: str | None, launch: LaunchResult, target: LtiToolTarget) -> str | None:
        if value is None:
            return f"The auth request has no {expected!r} value for this parameter.|認可要求にこの項目がありません。"
        return None if value == expected else \
            f"The parameter must be {expected!r}.|この項目は {expected!r} でなければなりません。"
    return judge


auth_check("lti.tool.auth.response_type", requirement="LTI-SEC §5.1.1.2", severity=Severity.ERROR,
           title=("認可要求 response_type=id_token", "Auth request response_type=id_token"), param="response_type",
           description=("認可要求の response_type は id_token でなければなりません。",
                        "The auth request's response_type must be id_token."))(_equals("id_token"))
auth_check("lti.tool.auth.response_mode", requirement="LTI-SEC §5.1.1.2", severity=Severity.ERROR,
           title=("認可要求 response_mode=form_post", "Auth request response_mode=form_post"), param="response_mode",
           description=("認可要求の response_mode は form_post でなければなりません。",
                        "The auth request's response_mode must be form_post."))(_equals("form_post"))
auth_check("lti.tool.auth.prompt", requirement="LTI-SEC §5.1.1.2", severity=Severity.ERROR,
           title=("認可要求 prompt=none", "Auth request prompt=none"), param="prompt",
           description=("prompt は none でなければなりません (SEC)。1EdTech の参照実装は任意扱いですが、本ハーネスは SEC に従います。",
                        "prompt must be none per SEC; the 1EdTech reference implementation is more lenient, the harness "
                        "follows SEC."))(_equals("none"))


@auth_check("lti.tool.auth.scope", requirement="LTI-SEC §5.1.1.2", severity=Severity.ERROR,
            title=("認可要求 scope に openid", "Auth request scope contains openid"), param="scope",
            description=("認可要求の scope は openid を含まなければなりません。", "The auth request's scope must contain openid."))
def _scope(value: str | None, launch: LaunchResult, target: LtiToolTarget) -> str | None:
    if value is None or "openid" not in value.split():
        return "The scope parameter does not contain openid.|scope に openid が含まれていません。"
    return None


@auth_check("lti.tool.auth.client_id", requirement="LTI-SEC §5.1.1.2", severity=Severity.ERROR,
            title=("認可要求 client_id", "Auth request client_id"), param="client_id",
            description=("client_id は登録された値でなければなりません。", "client_id must be the registered client id."))
def _client_id(value: str | None, launch: LaunchResult, target: LtiToolTarget) -> str | None:
    if value != target.config.tool.client_id:
        return "client_id is missing or not the registered one.|client_id がないか登録値と異なります。"
    return None


@auth_check("lti.tool.auth.redirect_uri", requirement="LTI-SEC §5.1.1.2", severity=Severity.ERROR,
            title=("認可要求 redirect_uri が登録済み", "Auth request redirect_uri is registered"), param="redirect_uri",
            description=("redirect_uri は登録済みのリダイレクト URI のいずれかでなければなりません。",
                         "redirect_uri must be one of the registered redirect URIs."))
def _redirect_uri(value: str | None, launch: LaunchResult, target: LtiToolTarget) -> str | None:
    if value not in target.config.tool.redirect_uris:
        return "redirect_uri is missing or not registered.|redirect_uri がないか未登録です。"
    return None


@auth_check("lti.tool.auth.login_hint", requirement="LTI-SEC §5.1.1.2", severity=Severity.ERROR,
            title=("認可要求 login_hint をそのまま返す", "Auth request echoes login_hint"), param="login_hint",
            description=("login_hint は受け取った値のまま送らなければなりません。", "login_hint must be sent as received."))
def _login_hint(value: str | None, launch: LaunchResult, target: LtiToolTarget) -> str | None:
    if value != launch.login_params.get("login_hint"):
        return "login_hint is missing or altered.|login_hint がないか変更されています。"
    return None


@auth_check("lti.tool.auth.lti_message_hint", requirement="LTI-CORE §4.1.1", severity=Severity.ERROR,
            title=("lti_message_hint を変更せず返す", "lti_message_hint echoed unaltered"), param="lti_message_hint",
            description=("受け取った lti_message_hint は変更せずに認可要求へ含めなければなりません。",
                         "A received lti_message_hint must be sent back unaltered in the auth request."))
def _message_hint(value: str | None, launch: LaunchResult, target: LtiToolTarget) -> str | None:
    if value != launch.login_params.get("lti_message_hint"):
        return "lti_message_hint is missing or altered.|lti_message_hint がないか変更されています。"
    return None


@auth_check("lti.tool.auth.nonce", requirement="LTI-SEC §5.1.1.2, §5.1.3-9", severity=Severity.ERROR,
            title=("認可要求 nonce", "Auth request nonce"), param="nonce",
            description=("nonce は必須で、ログインごとに異なる値でなければなりません。",
                         "nonce is required and must differ for every login."))
def _nonce(value: str | None, launch: LaunchResult, target: LtiToolTarget) -> str | None:
    if not value:
        return "The auth request has no nonce.|認可要求に nonce がありません。"
    nonces = [r.auth.params.get("nonce") for r in (target.cached("baseline"), target.cached("baseline_post"))
              if r is not None and r.auth is not None]
    if nonces.count(value) > 1:
        return "The same nonce was sent for two different logins.|異なるログインで同じ nonce が送られました。"
    return None


@auth_check("lti.tool.auth.state", requirement="LTI-SEC §5.1.1.2 (RECOMMENDED)", severity=Severity.WARNING,
            title=("認可要求 state", "Auth request state"), param="state",
            description=("state は RECOMMENDED (CSRF 対策) のため、ない場合は警告です。",
                         "state is RECOMMENDED (CSRF protection), so its absence is a warning."))
def _state(value: str | None, launch: LaunchResult, target: LtiToolTarget) -> str | None:
    if not value:
        return "The auth request has no state.|認可要求に state がありません。"
    return None


# --- Japanese standard-model overlay (secondary sources: warnings) -------------------------------
_JP_NOTE_JA = "出典は二次資料 (標準モデル本文は未確認) のため警告です。"
_JP_NOTE_EN = "The source is secondary (the standard-model text is not verified), so a warning."
_JP_ROLES = ((STUDENT, "児童生徒"), (INSTRUCTOR, "教員"), (ADMIN, "学校管理者"))
_UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


@check(
    "lti.tool.jp.sub_uuid_v4", kind=KIND, requirement="学習eポータル標準モデル (二次資料): sub = UUID v4",
    severity=Severity.WARNING, title_ja="sub が UUID v4 の起動を受け付ける", title_en="Accepts a UUID v4 sub",
    description_ja="標準モデルでは sub が UUID v4 とされます。その起動を受け付けること。" + _JP_NOTE_JA,
    description_en="The standard model uses a UUID v4 sub; the Tool must accept such a launch. " + _JP_NOTE_EN,
    tags=("japan",),
)
def check_jp_sub(ctx: CheckContext) -> None:
    person = target_of(ctx).launcher.people.make(STUDENT, "uuid4")
    assert _UUID4.match(person.sub) and uuid.UUID(person.sub).version == 4
    expect(ctx, run(ctx, LaunchSpec(role=STUDENT, person=person)), ACCEPTED, claim="sub")


@check(
    "lti.tool.jp.full_uri_roles", kind=KIND, requirement="学習eポータル標準モデル (二次資料): ロールはフル URI",
    severity=Severity.WARNING, title_ja="児童生徒・教員・学校管理者のフル URI ロール",
    title_en="Full-URI roles for student, teacher, school administrator",
    description_ja="児童生徒・教員・学校管理者をフル URI のロールで起動し、すべて受け付けること。" + _JP_NOTE_JA,
    description_en="Launches as student, teacher and school administrator with full role URIs; all must be "
                   "accepted. " + _JP_NOTE_EN,
    tags=("japan",),
)
def check_jp_roles(ctx: CheckContext) -> None:
    for role, _ja in _JP_ROLES:
        person = target_of(ctx).launcher.person(role, {**ctx.params, "sub_format": "uuid4"})
        expect(ctx, run(ctx, LaunchSpec(role=role, person=person)), ACCEPTED, claim=vocab.CLAIM_ROLES)


@check(
    "lti.tool.jp.deployment_school_code", kind=KIND,
    requirement="学習eポータル標準モデル (二次資料): deployment_id = S_ + 学校コード", severity=Severity.WARNING,
    title_ja="deployment_id が S_ + 学校コード", title_en="deployment_id is S_ + school code",
    description_ja="登録済み deployment_id の一つが S_ + 検査数字の正しい学校コードで、その起動を受け付けること。" + _JP_NOTE_JA,
    description_en="One registered deployment_id is S_ plus a 学校コード with a valid check digit, and a launch with "
                   "it is accepted. " + _JP_NOTE_EN,
    tags=("japan",),
)
def check_jp_deployment(ctx: CheckContext) -> None:
    # the one 学校コード rule, shared with OneRoster (imported late: keeps the LTI package independent)
    from renkei.harness.jp.codes import is_valid_school_code

    ids = target_of(ctx).config.tool.deployment_ids
    school = [d for d in ids if d.startswith("S_") and is_valid_school_code(d[2:])]
    if not school:
        ctx.fail("No registered deployment_id is S_ followed by a valid 学校コード.",
                 ja="S_ + 正しい学校コードの deployment_id が登録されていません。",
                 file=target_of(ctx).config.path, column="tool.deployment_ids", value=", ".join(ids))
        return
    expect(ctx, run(ctx, LaunchSpec(deployment_id=school[0])), ACCEPTED, claim=vocab.CLAIM_DEPLOYMENT_ID)


@check(
    "lti.tool.jp.deep_linking_offered", kind=KIND,
    requirement="学習eポータル標準モデル (二次資料): LTI Core + Deep Linking", severity=Severity.WARNING,
    title_ja="ディープリンクに対応", title_en="Supports Deep Linking",
    description_ja="標準モデルは Core と Deep Linking を規定するとされます。対象ファイルで対応を宣言すること。" + _JP_NOTE_JA,
    description_en="The standard model is reported to specify Core and Deep Linking; the target file must declare "
                   "Deep Linking support. " + _JP_NOTE_EN,
    tags=("japan",),
)
def check_jp_deep_linking(ctx: CheckContext) -> None:
    if not target_of(ctx).config.tool.services.deep_linking:
        ctx.fail("The target file says the Tool does not support Deep Linking.",
                 ja="対象ファイルでディープリンク非対応とされています。", file=target_of(ctx).config.path,
                 column="tool.services.deep_linking",
                 value="false")
