"""Core checks of the ``lti13-platform`` profiles: the harness plays the Tool against a vendor's Platform.

Each scenario launch the target offers (full / no-PII student and instructor, Deep Linking, a
second context) runs once and is shared; checks judge what the harness Tool side recorded:
login initiation [SEC §5.1.1.1], [CORE §4.1], the authentication response [SEC §5.1.1.3], the
id_token payload checks of the certification suite [CERT §5.1] and of [SEC §5.1.2] / [CORE §5.3-§5.4]
and the Platform's key set [SEC §6]. Negative auth tests deviate the authentication request and
expect no id_token; they only count when a normal launch succeeds. Deep Linking, token/NRPS, AGS
and the certification/Japanese overlay checks live in ``checks_platform_{dl,services,ags,jp}``,
imported at the end of this module (the package imports only this one).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from renkei.harness.core.context import CheckContext
from renkei.harness.lti.platform.checks_base import (
    baseline_ok,
    expected_message_type,
    fail_at,
    is_short_ascii,
    is_url,
    launch_of,
    offered,
    platform_check,
    platform_jwks,
    received,
    roles_of,
    target_of,
)
from renkei.harness.lti.platform.config import DEEP_LINKING, INSTRUCTOR, INSTRUCTOR_NO_PII, STUDENT_NO_PII
from renkei.harness.lti.platform.launch import ERROR, RECEIVED
from renkei.harness.lti.protocol import vocab
from renkei.harness.lti.protocol.browser import BrowserError
from renkei.harness.lti.protocol.claims import audiences as claim_audiences
from renkei.harness.lti.protocol.claims import is_json_number
from renkei.harness.lti.protocol.jose import JoseFailure, verify_jwt

_INSTRUCTOR_ROLES = ("Instructor", "Faculty")
_LEARNER_ROLES = ("Learner", "Student")
_PRIVATE_JWK_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth")


# --- login initiation and launch completion --------------------------------------------------
@platform_check("lti.platform.login.launch_completes", "LTI-SEC §5.1.1; CERT §4.2.1", "error",
        ("各シナリオの起動が id_token まで完了する", "Every scenario launch completes with an id_token"),
        ("対象ファイルの各起動シナリオについて、OIDC ログイン開始から redirect URI への id_token 送信までが完了することを確認します。",
         "Each launch scenario of the target file must go through OIDC login initiation and end with an "
         "id_token posted to the redirect URI (certification: OIDC is always used)."))
def check_launch_completes(ctx: CheckContext) -> None:
    for scenario in offered(ctx):
        rec = launch_of(ctx, scenario)
        if rec.outcome != RECEIVED:
            ctx.fail(f"[{scenario}] The launch did not complete: {rec.en}", ja=f"[{scenario}] 起動が完了しません: {rec.ja}",
                     endpoint=rec.endpoint, method=rec.method)
        elif rec.decode_error is not None:
            fail_at(ctx, rec, "The id_token is not a decodable compact JWS.", "id_token をデコードできません (compact JWS ではありません)。",
                    value=rec.decode_error)


@platform_check("lti.platform.login.params", "LTI-SEC §5.1.1.1; LTI-CORE §4.1.1-§4.1.3", "error",
        ("ログイン開始要求のパラメーター", "Login initiation parameters"),
        ("ログイン開始要求に iss (登録済み発行者)、login_hint、target_link_uri があり、client_id と lti_deployment_id を送る場合は"
         "登録値であり、lti_message_hint を送る場合は空でないことを確認します。",
         "The login initiation carries iss (the registered issuer), login_hint and an absolute target_link_uri; "
         "client_id and lti_deployment_id, when sent, are the registered values; lti_message_hint, when sent, is "
         "non-empty; no parameter is repeated."))
def check_login_params(ctx: CheckContext) -> None:
    cfg = target_of(ctx).config
    for scenario in offered(ctx):
        rec = launch_of(ctx, scenario)
        if rec.login is None:
            continue  # reported by launch_completes
        p = rec.login.params
        where = {"endpoint": cfg.login_url, "method": rec.login.method}

        def bad(param: str, en: str, ja: str, value: Any = None, scenario: str = scenario,
                where: dict[str, Any] = where) -> None:
            ctx.fail(f"[{scenario}] {en}", ja=f"[{scenario}] {ja}", column=param, value=value, **where)

        if p.get("iss") != cfg.platform.issuer:
            bad("iss", "Parameter iss is missing or not the registered issuer.", "iss がないか登録済みの発行者と異なります。",
                p.get("iss"))
        if not p.get("login_hint"):
            bad("login_hint", "Parameter login_hint is missing or empty.", "login_hint がないか空です。")
        if not is_url(p.get("target_link_uri")):
            bad("target_link_uri", "Parameter target_link_uri is missing or not an absolute URL.",
                "target_link_uri がないか絶対 URL ではありません。", p.get("target_link_uri"))
        if "client_id" in p and p["client_id"] != cfg.platform.client_id:
            bad("client_id", "Parameter client_id is not the registered client_id.", "client_id が登録値と異なります。",
                p["client_id"])
        if "lti_deployment_id" in p and p["lti_deployment_id"] not in cfg.platform.deployment_ids:
            bad("lti_deployment_id", "Parameter lti_deployment_id is not a registered deployment.",
                "lti_deployment_id が登録済みのデプロイメントではありません。", p["lti_deployment_id"])
        if "lti_message_hint" in p and not p["lti_message_hint"]:
            bad("lti_message_hint", "Parameter lti_message_hint is present but empty.", "lti_message_hint が空です。")
        for name in rec.login.repeated:
            bad(name, "The parameter is sent more than once.", "パラメーターが複数回送られています。")


@platform_check("lti.platform.login.deployment_consistent", "LTI-CORE §4.1.2", "error",
        ("lti_deployment_id と deployment_id クレームの一致", "lti_deployment_id matches the deployment_id claim"),
        ("ログイン開始要求で lti_deployment_id を送った場合、id_token の deployment_id クレームと一致しなければなりません。",
         "When the login initiation carries lti_deployment_id, it MUST equal the id_token's deployment_id claim."))
def check_deployment_consistent(ctx: CheckContext) -> None:
    for rec in received(ctx):
        sent = rec.login.params.get("lti_deployment_id") if rec.login else None
        if sent is not None and rec.claims is not None and rec.claims.get(vocab.CLAIM_DEPLOYMENT_ID) != sent:
            fail_at(ctx, rec, "The deployment_id claim differs from the login's lti_deployment_id.",
                    "deployment_id クレームがログイン開始要求の lti_deployment_id と異なります。",
                    claim=vocab.CLAIM_DEPLOYMENT_ID, value=rec.claims.get(vocab.CLAIM_DEPLOYMENT_ID))


@platform_check("lti.platform.login.target_link_uri_match", "LTI-CORE §5.3.4", "error",
        ("target_link_uri クレームとログイン開始要求の一致", "target_link_uri claim equals the login's"),
        ("id_token の target_link_uri クレームは、ログイン開始要求の target_link_uri と同じでなければなりません。",
         "The target_link_uri claim MUST equal the target_link_uri of the login initiation."))
def check_target_link_uri_match(ctx: CheckContext) -> None:
    for rec in received(ctx):
        sent = rec.login.params.get("target_link_uri") if rec.login else None
        got = (rec.claims or {}).get(vocab.CLAIM_TARGET_LINK_URI)
        if got != sent:
            fail_at(ctx, rec, "The target_link_uri claim differs from the login initiation's target_link_uri.",
                    "target_link_uri クレームがログイン開始要求の target_link_uri と異なります。",
                    claim=vocab.CLAIM_TARGET_LINK_URI, value=got)


# --- authentication request handling [SEC §5.1.1.2-§5.1.1.3] ---------------------------------
@platform_check("lti.platform.auth.response_form_post", "LTI-SEC §5.1.1.3", "error",
        ("認証応答は form_post で id_token と state を返す", "Auth response is a form_post with id_token and state"),
        ("認証応答が redirect URI への POST フォーム (application/x-www-form-urlencoded) で、id_token と、送った state を"
         "そのまま含むことを確認します。",
         "The authentication response is a form POST (application/x-www-form-urlencoded) to the redirect URI "
         "carrying id_token and the state the harness sent, unchanged."))
def check_response_form_post(ctx: CheckContext) -> None:
    for rec in received(ctx):
        resp = rec.response
        assert resp is not None  # received implies a recorded response
        if resp.method != "POST" or "application/x-www-form-urlencoded" not in resp.content_type.lower():
            fail_at(ctx, rec, "The id_token did not arrive as a form POST (response_mode=form_post).",
                    "id_token が form POST (response_mode=form_post) で届きませんでした。", value=resp.method)
        if target_of(ctx).config.harness.base_url + resp.path != rec.auth_sent.get("redirect_uri"):
            fail_at(ctx, rec, "The id_token was sent to a URI other than the redirect_uri of the request.",
                    "id_token が認証要求の redirect_uri 以外へ送られました。", value=resp.path)
        sent = rec.auth_sent.get("state")
        if resp.params.get("state") != sent:
            fail_at(ctx, rec, "The state field is missing or not the state the harness sent.",
                    "state がないか、ハーネスが送った値と異なります。", value=resp.params.get("state"))
        if not resp.params.get("id_token"):
            fail_at(ctx, rec, "The token arrived in a field other than id_token.", "トークンが id_token 以外のフィールドで届きました。")


def _refusal_check(ctx: CheckContext, overrides: dict[str, str | None], en: str, ja: str) -> None:
    if not baseline_ok(ctx):
        return
    rec = target_of(ctx).launcher.launch(INSTRUCTOR, overrides=overrides)
    if rec.outcome == ERROR:
        ctx.fail("The launch could not be completed: " + rec.en, ja="起動を完了できませんでした: " + rec.ja,
                 endpoint=rec.endpoint, method=rec.method)
    elif rec.outcome == RECEIVED:
        ctx.fail(en, ja=ja, endpoint=rec.endpoint, method=rec.method, value="id_token issued")


@platform_check("lti.platform.auth.unregistered_redirect_uri", "LTI-SEC §5.1.1.3; CERT §4.2.1", "error",
        ("未登録の redirect_uri へ送信しない", "Never posts to an unregistered redirect_uri"),
        ("登録されていない redirect_uri を指定した認証要求に対し、プラットフォームはそこへ何も送ってはなりません (id_token もエラーも)。",
         "For an authentication request naming an unregistered redirect_uri the Platform must not send anything "
         "there (neither an id_token nor an error) and must not issue an id_token."))
def check_unregistered_redirect(ctx: CheckContext) -> None:
    if not baseline_ok(ctx):
        return
    target = target_of(ctx)
    rec = target.launcher.launch(INSTRUCTOR, overrides={"redirect_uri": target.config.unregistered_redirect_uri})
    for call in rec.unregistered:
        what = "id_token" if call.params.get("id_token") else "error/other"
        ctx.fail("The Platform sent the browser to an unregistered redirect_uri.",
                 ja="プラットフォームが未登録の redirect_uri へブラウザーを送りました。",
                 endpoint=target.config.unregistered_redirect_uri, method=call.method, value=what)
    if rec.outcome == RECEIVED:
        ctx.fail("The Platform issued an id_token for a request with an unregistered redirect_uri.",
                 ja="未登録の redirect_uri を含む要求に id_token を発行しました。", endpoint=rec.endpoint, method=rec.method)
    elif rec.outcome == ERROR and not rec.unregistered:
        ctx.fail("The launch could not be completed: " + rec.en, ja="起動を完了できませんでした: " + rec.ja,
                 endpoint=rec.endpoint, method=rec.method)


@platform_check("lti.platform.auth.requires_nonce", "LTI-SEC §5.1.1.2; OIDC Core §3.2.2.1", "error",
        ("nonce のない認証要求を拒否する", "Refuses an auth request without nonce"),
        ("nonce は必須パラメーターです。nonce のない認証要求に id_token を発行してはなりません (1EdTech RI は任意扱いですが、"
         "reference の方針どおり Security Framework に従います)。",
         "nonce is REQUIRED; a request without it must not get an id_token. (The 1EdTech reference implementation "
         "labels it optional; the harness follows the Security Framework.)"))
def check_requires_nonce(ctx: CheckContext) -> None:
    _refusal_check(ctx, {"nonce": None}, "The Platform issued an id_token for a request without nonce.",
                   "nonce のない認証要求に id_token を発行しました。")


@platform_check("lti.platform.auth.requires_prompt_none", "LTI-SEC §5.1.1.2", "warning",
        ("prompt=none のない認証要求を拒否する", "Refuses an auth request without prompt=none"),
        ("Security Framework は prompt=none を必須としますが、プラットフォームが欠落時に拒否すべきかは明記されず、1EdTech RI は"
         "任意扱いです。そのため警告です。",
         "The Security Framework makes prompt=none REQUIRED but does not say a Platform must refuse its absence, "
         "and the 1EdTech reference implementation treats it as optional; hence a warning."))
def check_requires_prompt(ctx: CheckContext) -> None:
    _refusal_check(ctx, {"prompt": None}, "The Platform issued an id_token for a request without prompt=none.",
                   "prompt=none のない認証要求に id_token を発行しました。")


@platform_check("lti.platform.auth.requires_form_post", "LTI-SEC §5.1.1.2", "warning",
        ("response_mode=form_post 以外の認証要求を拒否する", "Refuses an auth request without response_mode=form_post"),
        ("response_mode=form_post は必須ですが、他の値をプラットフォームが拒否すべきかは明記されていないため警告です。",
         "response_mode=form_post is REQUIRED, but whether a Platform must refuse other values is not stated; "
         "hence a warning."))
def check_requires_form_post(ctx: CheckContext) -> None:
    _refusal_check(ctx, {"response_mode": "query"},
                   "The Platform issued an id_token for a request with response_mode=query.",
                   "response_mode=query の認証要求に id_token を発行しました。")


@platform_check("lti.platform.auth.wrong_client_id", "LTI-SEC §5.1.1.2-§5.1.1.3", "error",
        ("未登録の client_id を拒否する", "Refuses an unregistered client_id"),
        ("登録されていない client_id の認証要求に id_token を発行してはなりません。",
         "An authentication request with an unregistered client_id must not get an id_token."))
def check_wrong_client_id(ctx: CheckContext) -> None:
    _refusal_check(ctx, {"client_id": "renkei-unregistered-client"},
                   "The Platform issued an id_token for an unregistered client_id.",
                   "未登録の client_id に id_token を発行しました。")


# --- id_token [CERT §5.1], [SEC §5.1.2], [CORE §5.3-§5.4] -------------------------------------
@platform_check("lti.platform.id_token.rs256_kid", "LTI-SEC §6.1, §6.3; CERT §5.1 'Signed with RSA 256'", "error",
        ("id_token は RS256 で kid 付き", "id_token is RS256 with a kid"),
        ("id_token のヘッダーが alg=RS256 で、鍵セットの鍵を選ぶ kid を持つことを確認します。",
         "The id_token header has alg RS256 and a kid selecting a key of the key set."))
def check_rs256_kid(ctx: CheckContext) -> None:
    for rec in received(ctx):
        header = rec.header or {}
        if header.get("alg") != "RS256":
            fail_at(ctx, rec, "The id_token is not signed with RS256.", "id_token が RS256 で署名されていません。",
                    value=header.get("alg"))
        if not isinstance(header.get("kid"), str) or not header.get("kid"):
            fail_at(ctx, rec, "The id_token header has no kid.", "id_token ヘッダーに kid がありません。")


@platform_check("lti.platform.id_token.signature", "CERT §5.1 'Signature Valid'; LTI-SEC §5.1.3-1", "error",
        ("id_token の署名が鍵セットで検証できる", "id_token signature verifies with the JWKS"),
        ("kid でプラットフォームの鍵セット (JWKS URL) から鍵を選び、id_token の署名を検証できることを確認します。",
         "The kid selects a key of the Platform's JWKS (JWKS URL) and the id_token signature verifies with it."))
def check_signature(ctx: CheckContext) -> None:
    jwks = platform_jwks(ctx)
    cfg = target_of(ctx).config
    if isinstance(jwks, BrowserError):
        ctx.fail("The Platform's JWKS cannot be fetched: " + jwks.en, ja="JWKS を取得できません: " + jwks.ja,
                 endpoint=cfg.platform.jwks_url, method="GET")
        return
    for rec in received(ctx):
        try:
            verify_jwt(rec.id_token or "", jwks)
        except JoseFailure as failure:
            fail_at(ctx, rec, f"The id_token signature cannot be verified with the JWKS ({failure.code}).",
                    f"id_token の署名を JWKS で検証できません ({failure.code})。", value=failure.code)


@platform_check("lti.platform.id_token.issuer", "LTI-SEC §5.1.2", "error",
        ("iss が登録済み発行者 (https、クエリなし)", "iss is the registered https issuer"),
        ("iss は登録済みの発行者と一致し、https でクエリやフラグメントを含まない URL でなければなりません。",
         "iss MUST equal the registered issuer and be an https URL without query or fragment."))
def check_issuer(ctx: CheckContext) -> None:
    cfg = target_of(ctx).config
    for rec in received(ctx):
        iss = (rec.claims or {}).get("iss")
        if iss != cfg.platform.issuer:
            fail_at(ctx, rec, "Claim iss is not the registered issuer.", "iss が登録済みの発行者と異なります。", claim="iss", value=iss)
        elif urlsplit(iss).scheme != "https" or urlsplit(iss).query or urlsplit(iss).fragment:
            fail_at(ctx, rec, "Claim iss is not an https URL without query and fragment.",
                    "iss がクエリ・フラグメントのない https URL ではありません。", claim="iss", value=iss)


@platform_check("lti.platform.id_token.audience", "LTI-SEC §5.1.2, §5.1.3-3..5", "error",
        ("aud に client_id、azp の整合", "aud holds the client_id; azp consistent"),
        ("aud は client_id を含み (文字列または配列)、複数の aud がある場合は azp が必須、azp がある場合は client_id と一致します。",
         "aud contains the client_id (string or array); with several audiences azp is present; azp, when present, "
         "equals the client_id."))
def check_audience(ctx: CheckContext) -> None:
    client_id = target_of(ctx).config.platform.client_id
    for rec in received(ctx):
        claims = rec.claims or {}
        aud = claims.get("aud")
        audiences = claim_audiences(aud)
        if client_id not in audiences:
            fail_at(ctx, rec, "Claim aud does not contain the client_id.", "aud に client_id が含まれていません。", claim="aud",
                    value=aud)
            continue
        if len(audiences) > 1 and "azp" not in claims:
            fail_at(ctx, rec, "Claim aud has several audiences but azp is absent.", "aud が複数なのに azp がありません。",
                    claim="azp")
        if "azp" in claims and claims["azp"] != client_id:
            fail_at(ctx, rec, "Claim azp is not the client_id.", "azp が client_id と異なります。", claim="azp",
                    value=claims["azp"])


@platform_check("lti.platform.id_token.timestamps", "LTI-SEC §5.1.2; CERT §5.1 'Timestamps Valid'", "error",
        ("iat/exp が妥当", "iat and exp are valid"),
        ("exp と iat は数値で、受信時点で exp が未来、iat が未来すぎず (引数 iat_skew_seconds)、exp が iat より後であることを確認します。",
         "exp and iat are numbers; at receipt exp is in the future, iat is not in the future beyond "
         "iat_skew_seconds, and exp is after iat."),
        params={"iat_skew_seconds": 60})
def check_timestamps(ctx: CheckContext) -> None:
    skew = float(ctx.params.get("iat_skew_seconds", 60))
    for rec in received(ctx):
        claims = rec.claims or {}
        at = rec.response.at if rec.response is not None else target_of(ctx).clock()
        exp, iat = claims.get("exp"), claims.get("iat")
        numbers = is_json_number(exp) and is_json_number(iat)
        if not numbers:
            fail_at(ctx, rec, "Claim exp or iat is missing or not a number.", "exp または iat がないか数値ではありません。",
                    claim="iat" if is_json_number(exp) else "exp")
            continue
        if exp <= at:
            fail_at(ctx, rec, "The id_token had already expired when it arrived.", "id_token は受信時に期限切れでした。",
                    claim="exp", value=f"exp-now={int(exp - at)}s")
        if iat > at + skew:
            fail_at(ctx, rec, "Claim iat is in the future.", "iat が未来の時刻です。", claim="iat",
                    value=f"iat-now={int(iat - at)}s")
        if exp <= iat:
            fail_at(ctx, rec, "Claim exp is not after iat.", "exp が iat より後ではありません。", claim="exp")


@platform_check("lti.platform.id_token.nonce", "LTI-SEC §5.1.2, §5.1.3-9", "error",
        ("nonce が認証要求の値と一致", "nonce equals the one sent"),
        ("id_token の nonce は、ハーネスが認証要求で送った nonce と一致しなければなりません。",
         "The id_token's nonce MUST be present and equal the nonce of the harness's authentication request."))
def check_nonce(ctx: CheckContext) -> None:
    for rec in received(ctx):
        got = (rec.claims or {}).get("nonce")
        if got is None:
            fail_at(ctx, rec, "Claim nonce is missing.", "nonce クレームがありません。", claim="nonce")
        elif got != rec.auth_sent.get("nonce"):
            fail_at(ctx, rec, "Claim nonce is not the nonce the harness sent.", "nonce がハーネスの送った値と異なります。",
                    claim="nonce", value=got)


@platform_check("lti.platform.id_token.sub", "LTI-SEC §5.1.2; LTI-CORE §5.3.6", "error",
        ("sub は 255 文字以内の ASCII", "sub is at most 255 ASCII characters"),
        ("sub はプラットフォームの利用者 ID で、空でない 255 文字以内の ASCII 文字列です (試験シナリオは匿名起動ではありません)。",
         "sub is the Platform's user id: a non-empty string of at most 255 ASCII characters (the scenarios are "
         "not anonymous launches)."))
def check_sub(ctx: CheckContext) -> None:
    for rec in received(ctx):
        sub = (rec.claims or {}).get("sub")
        if not is_short_ascii(sub):
            fail_at(ctx, rec, "Claim sub is missing, empty, longer than 255 or not ASCII.",
                    "sub がないか、空、255 文字超、または ASCII 以外です。", claim="sub", value=sub)


@platform_check("lti.platform.id_token.version", "LTI-CORE §5.3.2; CERT §5.1 'LTI Version'", "error",
        ("version クレームが 1.3.0", "version claim is 1.3.0"),
        ("LTI version クレームは 1.3.0 でなければなりません。", "The LTI version claim MUST be 1.3.0."))
def check_version(ctx: CheckContext) -> None:
    for rec in received(ctx):
        got = (rec.claims or {}).get(vocab.CLAIM_VERSION)
        if got != vocab.LTI_VERSION:
            fail_at(ctx, rec, "The version claim is missing or not 1.3.0.", "version クレームがないか 1.3.0 ではありません。",
                    claim=vocab.CLAIM_VERSION, value=got)


@platform_check("lti.platform.id_token.required_claims", "LTI-CORE §5.3; CERT §5.1 'Payload is Complete'", "error",
        ("必須クレームがそろっている", "Required claims are complete"),
        ("message_type (シナリオどおり)、登録済み deployment_id (255 文字以内の ASCII)、target_link_uri、roles 配列、"
         "リソースリンク起動では resource_link.id (255 文字以内) があることを確認します。",
         "message_type (as the scenario expects), a registered deployment_id (≤255 ASCII), target_link_uri, a roles "
         "array and, for resource link launches, resource_link.id (≤255 characters)."))
def check_required_claims(ctx: CheckContext) -> None:
    cfg = target_of(ctx).config
    for rec in received(ctx):
        c = rec.claims or {}
        if c.get(vocab.CLAIM_MESSAGE_TYPE) != expected_message_type(rec.scenario):
            fail_at(ctx, rec, "The message_type claim is missing or not the expected message type.",
                    "message_type クレームがないか期待する種類ではありません。", claim=vocab.CLAIM_MESSAGE_TYPE,
                    value=c.get(vocab.CLAIM_MESSAGE_TYPE))
        dep = c.get(vocab.CLAIM_DEPLOYMENT_ID)
        if not is_short_ascii(dep) or dep not in cfg.platform.deployment_ids:
            fail_at(ctx, rec, "The deployment_id claim is missing, malformed or not a registered deployment.",
                    "deployment_id クレームがないか、不正か、登録済みではありません。", claim=vocab.CLAIM_DEPLOYMENT_ID, value=dep)
        if not is_url(c.get(vocab.CLAIM_TARGET_LINK_URI)):
            fail_at(ctx, rec, "The target_link_uri claim is missing or not an absolute URL.",
                    "target_link_uri クレームがないか絶対 URL ではありません。", claim=vocab.CLAIM_TARGET_LINK_URI)
        roles = c.get(vocab.CLAIM_ROLES)
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            fail_at(ctx, rec, "The roles claim is missing or not an array of strings.", "roles クレームがないか文字列の配列ではありません。",
                    claim=vocab.CLAIM_ROLES)
        if expected_message_type(rec.scenario) == vocab.MSG_RESOURCE_LINK:
            link = c.get(vocab.CLAIM_RESOURCE_LINK)
            if not isinstance(link, dict) or not (isinstance(link.get("id"), str) and 0 < len(link["id"]) <= 255):
                fail_at(ctx, rec, "The resource_link claim or its id is missing or too long.",
                        "resource_link クレームまたはその id がないか長すぎます。", claim=vocab.CLAIM_RESOURCE_LINK + ".id")


@platform_check("lti.platform.id_token.roles_vocabulary", "LTI-CORE §5.3.7, App. A", "error",
        ("roles に LTI 語彙のロールがある", "roles contain an LTI vocabulary role"),
        ("roles が空でない場合、LTI のロール語彙 (完全な URI) のロールを 1 つ以上含まなければなりません。",
         "A non-empty roles claim MUST contain at least one role from the LTI role vocabularies (full URIs)."))
def check_roles_vocabulary(ctx: CheckContext) -> None:
    for rec in received(ctx):
        roles = roles_of(rec)
        if roles and not any(vocab.is_lti_role(r) for r in roles):
            fail_at(ctx, rec, "No role of the roles claim is a URI from the LTI role vocabularies.",
                    "roles に LTI ロール語彙の URI がありません。", claim=vocab.CLAIM_ROLES, value=", ".join(roles))


@platform_check("lti.platform.id_token.roles_full_uri", "LTI-CORE App. A", "warning",
        ("非推奨のロール表記 (短縮名) を使わない", "No deprecated (simple-name) roles"),
        ("短縮名 (例: Instructor) や …/lis/v2/person# のロールは非推奨です (受信側が認識してもよい) ため警告です。",
         "Simple names (e.g. Instructor) and …/lis/v2/person# roles are deprecated (receivers MAY recognise "
         "them); hence a warning."))
def check_roles_full_uri(ctx: CheckContext) -> None:
    for rec in received(ctx):
        for role in roles_of(rec):
            if vocab.role_kind(role) == "deprecated":
                fail_at(ctx, rec, "The roles claim uses a deprecated role form.", "roles に非推奨のロール表記があります。",
                        claim=vocab.CLAIM_ROLES, value=role)


@platform_check("lti.platform.id_token.roles_correct", "CERT §5.1 'Roles Correct'", "error",
        ("教員・学習者のロールが正しい", "Instructor and learner roles are correct"),
        ("教員シナリオは Instructor (または機関ロール Faculty)、学習者シナリオは Learner (または Student) を持ち、"
         "学習者シナリオに教員ロールがないことを確認します (非推奨の短縮名も認識します)。",
         "Instructor scenarios carry Instructor (or institution Faculty), learner scenarios Learner (or Student), "
         "and learner scenarios carry no instructor role (deprecated simple names are recognised)."))
def check_roles_correct(ctx: CheckContext) -> None:
    for rec in received(ctx):
        names = {vocab.simple_role_name(r) for r in roles_of(rec)}
        if rec.scenario in (INSTRUCTOR, INSTRUCTOR_NO_PII, DEEP_LINKING):
            if not names & set(_INSTRUCTOR_ROLES):
                fail_at(ctx, rec, "The instructor launch carries no instructor role.", "教員の起動に教員ロールがありません。",
                        claim=vocab.CLAIM_ROLES)
        elif not names & set(_LEARNER_ROLES):
            fail_at(ctx, rec, "The learner launch carries no learner role.", "学習者の起動に学習者ロールがありません。",
                    claim=vocab.CLAIM_ROLES)
        elif names & set(_INSTRUCTOR_ROLES):
            fail_at(ctx, rec, "The learner launch carries an instructor role.", "学習者の起動に教員ロールがあります。",
                    claim=vocab.CLAIM_ROLES)


def _shape_problems(c: dict[str, Any], roles: list[str]) -> Iterator[tuple[str, str, str]]:
    """(claim path, en, ja) for each optional claim of [CORE §5.4] that has the wrong shape."""
    if vocab.CLAIM_CONTEXT in c:
        ctx_claim = c[vocab.CLAIM_CONTEXT]
        if not isinstance(ctx_claim, dict) or not isinstance(ctx_claim.get("id"), str) or not (
                0 < len(ctx_claim["id"]) <= 255):
            yield vocab.CLAIM_CONTEXT + ".id", "context.id is missing or not 1-255 characters.", \
                "context.id がないか 1〜255 文字ではありません。"
        elif "type" in ctx_claim and not (isinstance(ctx_claim["type"], list)
                                          and all(isinstance(t, str) for t in ctx_claim["type"])):
            yield vocab.CLAIM_CONTEXT + ".type", "context.type is not an array of strings.", \
                "context.type が文字列の配列ではありません。"
    if vocab.CLAIM_TOOL_PLATFORM in c:
        tp = c[vocab.CLAIM_TOOL_PLATFORM]
        if not isinstance(tp, dict) or not isinstance(tp.get("guid"), str) or not 0 < len(tp["guid"]) <= 255:
            yield vocab.CLAIM_TOOL_PLATFORM + ".guid", "tool_platform.guid is missing or not 1-255 characters.", \
                "tool_platform.guid がないか 1〜255 文字ではありません。"
    if vocab.CLAIM_LAUNCH_PRESENTATION in c:
        lp = c[vocab.CLAIM_LAUNCH_PRESENTATION]
        if not isinstance(lp, dict):
            yield vocab.CLAIM_LAUNCH_PRESENTATION, "launch_presentation is not an object.", "launch_presentation がオブジェクトではありません。"
        else:
            if "document_target" in lp and lp["document_target"] not in vocab.LAUNCH_DOCUMENT_TARGETS:
                yield vocab.CLAIM_LAUNCH_PRESENTATION + ".document_target", \
                    "launch_presentation.document_target is not frame, iframe or window.", \
                    "launch_presentation.document_target が frame / iframe / window ではありません。"
            for dim in ("width", "height"):
                if dim in lp and not is_json_number(lp[dim]):
                    yield vocab.CLAIM_LAUNCH_PRESENTATION + "." + dim, f"launch_presentation.{dim} is not a number.", \
                        f"launch_presentation.{dim} が数値ではありません。"
            if "return_url" in lp and not is_url(lp["return_url"]):
                yield vocab.CLAIM_LAUNCH_PRESENTATION + ".return_url", \
                    "launch_presentation.return_url is not an absolute URL.", "launch_presentation.return_url が絶対 URL ではありません。"
    for name in (vocab.CLAIM_CUSTOM, vocab.CLAIM_LIS):
        if name in c and (not isinstance(c[name], dict) or not all(isinstance(v, str) for v in c[name].values())):
            yield name, "The claim is not an object whose values are all strings.", "値がすべて文字列のオブジェクトではありません。"
    if vocab.CLAIM_ROLE_SCOPE_MENTOR in c:
        rsm = c[vocab.CLAIM_ROLE_SCOPE_MENTOR]
        if not isinstance(rsm, list) or not all(isinstance(v, str) for v in rsm):
            yield vocab.CLAIM_ROLE_SCOPE_MENTOR, "role_scope_mentor is not an array of strings.", \
                "role_scope_mentor が文字列の配列ではありません。"
        if vocab.ROLE_MENTOR not in roles:
            yield vocab.CLAIM_ROLE_SCOPE_MENTOR, "role_scope_mentor is sent without the Mentor role.", \
                "Mentor ロールなしで role_scope_mentor が送られています。"


@platform_check("lti.platform.id_token.claim_shapes", "LTI-CORE §5.4", "error",
        ("任意クレームの形式", "Shapes of the optional claims"),
        ("context (id 必須)、tool_platform (guid 必須)、launch_presentation (document_target、width/height、return_url)、"
         "custom と lis (値は文字列)、role_scope_mentor (Mentor ロールのときのみ) の形式を確認します。",
         "context (id required), tool_platform (guid required), launch_presentation (document_target, width/height, "
         "return_url), custom and lis (string values), role_scope_mentor (only with the Mentor role)."))
def check_claim_shapes(ctx: CheckContext) -> None:
    for rec in received(ctx):
        for claim, en, ja in _shape_problems(rec.claims or {}, roles_of(rec)):
            fail_at(ctx, rec, en, ja, claim=claim)


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, f"{path}[{i}]")


@platform_check("lti.platform.id_token.no_extra_whitespace", "CERT §5.1 'Free of Extra Whitespace'", "error",
        ("値の前後に余分な空白がない", "No leading or trailing whitespace"),
        ("id_token のすべての文字列値 (入れ子を含む) に前後の空白がないことを確認します。",
         "No string value of the id_token (nested ones included) has leading or trailing whitespace."))
def check_no_whitespace(ctx: CheckContext) -> None:
    for rec in received(ctx):
        for path, text in _strings(rec.claims or {}, ""):
            if text != text.strip():
                fail_at(ctx, rec, "The value has leading or trailing whitespace.", "値の前後に空白があります。", claim=path,
                        value=repr(text))


@platform_check("lti.platform.id_token.no_pii", "CERT §5.1 'Without PII'", "error",
        ("個人情報なしの起動に氏名・メールがない", "No-PII launches carry no name or email"),
        ("個人情報なしのシナリオ (student_no_pii / instructor_no_pii) の id_token に氏名やメールなどの OIDC プロファイル"
         "クレームがないことを確認します。認定ガイドに従い、教員の個人情報なし起動ではメールを許可します (引数)。",
         "The no-PII scenarios carry no OIDC profile claims (names, email ...). As in the certification guide, the "
         "instructor no-PII launch may carry email (parameter instructor_email_allowed)."),
        params={"instructor_email_allowed": True})
def check_no_pii(ctx: CheckContext) -> None:
    allow_email = bool(ctx.params.get("instructor_email_allowed", True))
    for rec in received(ctx, (STUDENT_NO_PII, INSTRUCTOR_NO_PII)):
        for claim in vocab.PII_CLAIMS:
            if claim not in (rec.claims or {}):
                continue
            if claim == "email" and allow_email and rec.scenario == INSTRUCTOR_NO_PII:
                continue
            fail_at(ctx, rec, "The no-PII launch carries a personal data claim.", "個人情報なしの起動に個人情報クレームがあります。",
                    claim=claim)


# --- the Platform's key set [SEC §6] ----------------------------------------------------------
@platform_check("lti.platform.jwks.keys", "LTI-SEC §6.2, §6.3", "error",
        ("鍵セットの各鍵に kid と RSA の n/e", "Every JWKS key has a kid and RSA n/e"),
        ("鍵セットは keys 配列を持ち、各鍵に一意の kid があり、RSA 鍵は n と e を含み、秘密鍵の要素を含まないことを確認します。",
         "The key set has a keys array; every key has a unique kid, RSA keys carry n and e, and no key exposes "
         "private members."))
def check_jwks_keys(ctx: CheckContext) -> None:
    url = target_of(ctx).config.platform.jwks_url
    jwks = platform_jwks(ctx)
    if isinstance(jwks, BrowserError):
        ctx.fail("The JWKS cannot be fetched: " + jwks.en, ja="JWKS を取得できません: " + jwks.ja, endpoint=url, method="GET")
        return
    keys = jwks.get("keys")
    if not isinstance(keys, list) or not keys:
        ctx.fail("The JWKS has no non-empty keys array.", ja="JWKS に空でない keys 配列がありません。", endpoint=url, method="GET")
        return
    seen: set[str] = set()
    for i, key in enumerate(keys):
        if not isinstance(key, dict):
            ctx.fail("The key is not a JSON object.", ja="鍵が JSON オブジェクトではありません。", endpoint=url, method="GET", index=i)
            continue
        kid = key.get("kid")
        if not isinstance(kid, str) or not kid:
            ctx.fail("The key has no kid.", ja="鍵に kid がありません。", endpoint=url, method="GET", index=i)
        elif kid in seen:
            ctx.fail("The kid is used by more than one key.", ja="kid が複数の鍵で使われています。", endpoint=url, method="GET",
                     index=i, value=kid)
        else:
            seen.add(kid)
        if key.get("kty") == "RSA" and not (isinstance(key.get("n"), str) and isinstance(key.get("e"), str)):
            ctx.fail("The RSA key lacks n or e.", ja="RSA 鍵に n または e がありません。", endpoint=url, method="GET", index=i)
        leaked = [m for m in _PRIVATE_JWK_MEMBERS if m in key]
        if leaked:
            ctx.fail("The published key contains private key members.", ja="公開鍵に秘密鍵の要素が含まれています。",
                     endpoint=url, method="GET", index=i, value=",".join(leaked))


@platform_check("lti.platform.jwks.kid_stable", "LTI-SEC §6.3", "error",
        ("kid を別の鍵に再利用しない", "A kid is never reused for another key"),
        ("実行の最初と最後に取得した鍵セットを比べ、同じ kid が異なる鍵 (n/e) を指していないことを確認します (観測できる範囲)。",
         "Compares the key set fetched at the start and at the end of the run: the same kid must not name a "
         "different key (n/e), as far as the run can observe."))
def check_kid_stable(ctx: CheckContext) -> None:
    target = target_of(ctx)
    url = target.config.platform.jwks_url
    first = platform_jwks(ctx)
    try:
        _, later = target.launcher.api.get_json(url)
    except BrowserError as exc:
        ctx.fail("The JWKS cannot be fetched: " + exc.en, ja="JWKS を取得できません: " + exc.ja, endpoint=url, method="GET")
        return
    if isinstance(first, BrowserError) or not isinstance(later, dict):
        ctx.skip("the JWKS could not be read twice, so kid reuse is not observable")

    def index(jwks: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
        keys = jwks.get("keys") if isinstance(jwks.get("keys"), list) else []
        return {k["kid"]: (k.get("n"), k.get("e")) for k in keys if isinstance(k, dict) and isinstance(k.get("kid"), str)}

    before, after = index(first), index(later)  # type: ignore[arg-type]
    for kid in sorted(set(before) & set(after)):
        if before[kid] != after[kid]:
            ctx.fail("The same kid now names a different key.", ja="同じ kid が別の鍵を指しています。", endpoint=url, method="GET",
                     value=kid)
