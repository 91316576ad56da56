"""Deep Linking response and NRPS/AGS client checks of the ``lti13-tool`` profiles.

Deep Linking: the harness sends an LtiDeepLinkingRequest, takes the Tool's auto-submit form to the
``deep_link_return_url`` and judges the JWT as a Platform must [SEC §5.2.3], [DL §4.5], [CERT §6.2].
Services: the harness launches with NRPS/AGS claims and judges the calls the Tool then makes to the
harness's recording endpoints [SEC §4.1.1], [CORE §6.2], [NRPS], [AGS §3], [CERT §6.3-§6.4]. A service
the target file says the Tool does not use is skipped with that reason, never failed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from renkei.harness.core.context import CheckContext
from renkei.harness.core.model import Severity
from renkei.harness.core.registry import check
from renkei.harness.lti.protocol import vocab
from renkei.harness.lti.protocol.browser import BrowserError, same_endpoint
from renkei.harness.lti.protocol.claims import audiences as claim_audiences
from renkei.harness.lti.protocol.claims import is_json_number
from renkei.harness.lti.protocol.jose import JoseFailure, decode_unverified, verify_jwt
from renkei.harness.lti.protocol.timestamps import InvalidTimestamp, is_timestamp, parse_timestamp
from renkei.harness.lti.tool.checks import target_of
from renkei.harness.lti.tool.config import KIND
from renkei.harness.lti.tool.launches import ACCEPTED, DeepLinkExchange, ServiceExchange
from renkei.harness.lti.tool.platform_side import RecordedCall

Problem = tuple[str, str, str | None, Any]  # en, ja, claim, value


def tool_jwks(ctx: CheckContext) -> dict[str, Any] | None:
    """The Tool's JWKS (fetched once); a finding when it cannot be fetched or is not JSON."""
    t = target_of(ctx)

    def fetch() -> dict[str, Any] | BrowserError:
        browser = t.launcher.new_browser()
        try:
            data = browser.get_json(t.config.tool.jwks_url)
        except BrowserError as exc:
            return exc
        if not isinstance(data, dict):
            return BrowserError("invalid_json", "The JWKS is not a JSON object.", "JWKS が JSON オブジェクトではありません。",
                                url=t.config.tool.jwks_url, method="GET")
        return data

    got = t.shared("tool_jwks", fetch)
    if isinstance(got, BrowserError):
        ctx.fail("The Tool's JWKS cannot be used: " + got.en, ja="ツールの JWKS を使用できません: " + got.ja,
                 endpoint=got.url, method=got.method)
        return None
    return got  # type: ignore[no-any-return]


def verify_with_tool_keys(ctx: CheckContext, token: str, **where: Any) -> None:
    jwks = tool_jwks(ctx)
    if jwks is None:
        return
    try:
        verify_jwt(token, jwks)
    except JoseFailure as exc:
        ctx.fail("The JWT does not verify with the Tool's JWKS: " + str(exc),
                 ja="JWT をツールの JWKS で検証できません。", value=exc.code, **where)


# --- Deep Linking ----------------------------------------------------------------------------
def deep_link(ctx: CheckContext) -> DeepLinkExchange:
    t = target_of(ctx)
    if not t.config.tool.services.deep_linking:
        ctx.skip("the target file says the Tool does not support Deep Linking (tool.services.deep_linking: false)")
    return t.shared("deep_link", lambda: t.launcher.deep_link(ctx.params))  # type: ignore[no-any-return]


def dl_token(ctx: CheckContext) -> tuple[DeepLinkExchange, str] | None:
    ex = deep_link(ctx)
    if ex.recorded is None:
        ctx.fail(ex.en, ja=ex.ja, endpoint=ex.launch.endpoint, method=ex.launch.method)
        return None
    form = ex.recorded.form
    token = form.get("JWT") or next((v for v in form.values() if v.count(".") == 2), None)
    if not token:
        ctx.fail("The Deep Linking response form carries no JWT.", ja="ディープリンク応答フォームに JWT がありません。",
                 endpoint=target_of(ctx).config.deep_link_return_url, method="POST", value=", ".join(form))
        return None
    return ex, token


def dl_check(id: str, *, requirement: str, title: tuple[str, str], description: tuple[str, str],
             severity: Severity = Severity.ERROR) -> Callable[[Callable[..., list[Problem]]], None]:
    """Register a check judging the claims of the Tool's LtiDeepLinkingResponse."""

    def register(judge: Callable[..., list[Problem]]) -> None:
        def body(ctx: CheckContext) -> None:
            got = dl_token(ctx)
            if got is None:
                return
            ex, token = got
            url = target_of(ctx).config.deep_link_return_url
            try:
                header, claims = decode_unverified(token)
            except JoseFailure as exc:
                ctx.fail("The Deep Linking response is not a readable JWT: " + str(exc),
                         ja="ディープリンク応答が読み取れる JWT ではありません。", endpoint=url, method="POST",
                         value=exc.code)
                return
            for en, ja, claim, value in judge(claims, ex, target_of(ctx)):
                ctx.fail(en, ja=ja, endpoint=url, method="POST", claim=claim, value=value)

        body.__name__ = "check_" + id.replace(".", "_")
        check(id, kind=KIND, requirement=requirement, severity=severity, title_ja=title[0], title_en=title[1],
              description_ja=description[0], description_en=description[1], tags=("deep-linking",))(body)

    return register


@check(
    "lti.tool.dl.response", kind=KIND, requirement="LTI-DL §2.3, §4.5; LTI-SEC §5.2; LTI-CERT §6.2",
    severity=Severity.ERROR, title_ja="ディープリンク応答を返す", title_en="Returns a Deep Linking response",
    description_ja="ディープリンク要求に対し、deep_link_return_url へ単一のフォーム項目 JWT を自動送信すること。",
    description_en="After an LtiDeepLinkingRequest the Tool auto-posts a form with the single parameter JWT to the "
                   "deep_link_return_url.",
    tags=("deep-linking",),
)
def check_dl_response(ctx: CheckContext) -> None:
    ex = deep_link(ctx)
    if ex.recorded is None:
        ctx.fail(ex.en, ja=ex.ja, endpoint=ex.launch.endpoint, method=ex.launch.method)
        return
    if "JWT" not in ex.recorded.form:
        ctx.fail("The form must carry the response in the parameter named JWT.",
                 ja="応答はフォーム項目 JWT で送らなければなりません。",
                 endpoint=target_of(ctx).config.deep_link_return_url, method="POST", value=", ".join(ex.recorded.form))


@check(
    "lti.tool.dl.signature", kind=KIND, requirement="LTI-SEC §5.2.3-1, -6; LTI-SEC §6.3", severity=Severity.ERROR,
    title_ja="ディープリンク応答の署名", title_en="Deep Linking response signature",
    description_ja="応答 JWT は kid 付きの RS256 で、ツールの JWKS で検証できること。",
    description_en="The response JWT is RS256 with a kid and verifies with the Tool's JWKS.",
    tags=("deep-linking",),
)
def check_dl_signature(ctx: CheckContext) -> None:
    got = dl_token(ctx)
    if got is not None:
        verify_with_tool_keys(ctx, got[1], endpoint=target_of(ctx).config.deep_link_return_url, method="POST")


@dl_check("lti.tool.dl.iss", requirement="LTI-SEC §5.2.2, §5.2.3-2", title=("応答の iss = client_id", "Response iss is the client_id"),
          description=("ツール発のメッセージの iss は client_id でなければなりません。",
                       "A tool-originating message's iss must be the Tool's client_id."))
def _dl_iss(claims: dict[str, Any], ex: DeepLinkExchange, t: Any) -> list[Problem]:
    if claims.get("iss") != t.config.tool.client_id:
        return [("iss is not the client_id.", "iss が client_id ではありません。", "iss", claims.get("iss"))]
    return []


@dl_check("lti.tool.dl.aud", requirement="LTI-SEC §5.2.2, §5.2.3-3", title=("応答の aud = 発行者", "Response aud is the issuer"),
          description=("aud はプラットフォームの発行者 URL を含み、信頼できない他の受信者を含まないこと。",
                       "aud must contain the Platform issuer and no untrusted extra audience."))
def _dl_aud(claims: dict[str, Any], ex: DeepLinkExchange, t: Any) -> list[Problem]:
    aud = claims.get("aud")
    audiences = claim_audiences(aud)
    if t.config.issuer not in audiences:
        return [("aud does not contain the Platform issuer.", "aud にプラットフォームの発行者が含まれていません。", "aud", aud)]
    if len(set(audiences)) > 1:
        return [("aud contains audiences other than the Platform issuer.", "aud に発行者以外の受信者が含まれています。",
                 "aud", aud)]
    return []


@dl_check("lti.tool.dl.timestamps", requirement="LTI-SEC §5.2.2, §5.2.3-7, -8",
          title=("応答の exp / iat", "Response exp / iat"),
          description=("exp と iat は数値で、受信時に exp は未来、iat は未来すぎないこと。",
                       "exp and iat are numbers; at receipt exp is in the future and iat not in the future."))
def _dl_times(claims: dict[str, Any], ex: DeepLinkExchange, t: Any) -> list[Problem]:
    problems: list[Problem] = []
    at = ex.recorded.at if ex.recorded else 0.0
    exp, iat = claims.get("exp"), claims.get("iat")
    if not is_json_number(exp):
        problems.append(("exp is missing or not a number.", "exp がないか数値ではありません。", "exp", exp))
    elif exp <= at:
        problems.append(("exp is already past when the response arrives.", "受信時に exp が過ぎています。", "exp", exp))
    if not is_json_number(iat):
        problems.append(("iat is missing or not a number.", "iat がないか数値ではありません。", "iat", iat))
    elif iat > at + 60:
        problems.append(("iat is in the future.", "iat が未来です。", "iat", iat))
    return problems


@dl_check("lti.tool.dl.nonce", requirement="LTI-SEC §5.2.2, §5.2.3-9", title=("応答の nonce", "Response nonce"),
          description=("ツール発のメッセージは nonce を含まなければなりません。", "A tool-originating message must contain a nonce."))
def _dl_nonce(claims: dict[str, Any], ex: DeepLinkExchange, t: Any) -> list[Problem]:
    nonce = claims.get("nonce")
    if not isinstance(nonce, str) or not nonce:
        return [("nonce is missing or empty.", "nonce がないか空です。", "nonce", nonce)]
    return []


@dl_check("lti.tool.dl.message_type", requirement="LTI-DL §4.5", title=("応答の message_type", "Response message_type"),
          description=("message_type は LtiDeepLinkingResponse でなければなりません。",
                       "message_type must be LtiDeepLinkingResponse."))
def _dl_type(claims: dict[str, Any], ex: DeepLinkExchange, t: Any) -> list[Problem]:
    value = claims.get(vocab.CLAIM_MESSAGE_TYPE)
    if value != vocab.MSG_DEEP_LINKING_RESPONSE:
        return [("message_type is not LtiDeepLinkingResponse.", "message_type が LtiDeepLinkingResponse ではありません。",
                 vocab.CLAIM_MESSAGE_TYPE, value)]
    return []


@dl_check("lti.tool.dl.version", requirement="LTI-DL §4.5; LTI-CORE §5.3.2", title=("応答の version", "Response version"),
          description=("version は 1.3.0 でなければなりません。", "version must be 1.3.0."))
def _dl_version(claims: dict[str, Any], ex: DeepLinkExchange, t: Any) -> list[Problem]:
    value = claims.get(vocab.CLAIM_VERSION)
    if value != vocab.LTI_VERSION:
        return [("version is not 1.3.0.", "version が 1.3.0 ではありません。", vocab.CLAIM_VERSION, value)]
    return []


@dl_check("lti.tool.dl.deployment_id", requirement="LTI-DL §4.5; LTI-CORE §3.1.3",
          title=("応答の deployment_id", "Response deployment_id"),
          description=("deployment_id は要求と同じ値でなければなりません。", "deployment_id must equal the request's."))
def _dl_deployment(claims: dict[str, Any], ex: DeepLinkExchange, t: Any) -> list[Problem]:
    sent = (ex.request_claims or {}).get(vocab.CLAIM_DEPLOYMENT_ID)
    value = claims.get(vocab.CLAIM_DEPLOYMENT_ID)
    if value != sent:
        return [("deployment_id is missing or differs from the request.", "deployment_id がないか要求と異なります。",
                 vocab.CLAIM_DEPLOYMENT_ID, value)]
    return []


@dl_check("lti.tool.dl.data", requirement="LTI-DL §4.5.5", title=("data をそのまま返す", "Echoes data"),
          description=("要求の deep_linking_settings.data を data クレームでそのまま返さなければなりません。",
                       "The request's deep_linking_settings.data must come back unchanged in the data claim."))
def _dl_data(claims: dict[str, Any], ex: DeepLinkExchange, t: Any) -> list[Problem]:
    value = claims.get(vocab.CLAIM_DL_DATA)
    if value != ex.data:
        return [("The data claim is missing or altered.", "data クレームがないか変更されています。", vocab.CLAIM_DL_DATA, value)]
    return []


@dl_check("lti.tool.dl.content_items", requirement="LTI-DL §3, §4.5.6",
          title=("content_items の形式", "content_items shape"),
          description=("content_items は (あれば) オブジェクトの配列で、type は要求の accept_types のいずれか、"
                       "ltiResourceLink の url・custom・lineItem は仕様の形式であること。",
                       "content_items (if present) is an array of objects whose type is one of the requested "
                       "accept_types; ltiResourceLink url/custom/lineItem follow the spec."))
def _dl_items(claims: dict[str, Any], ex: DeepLinkExchange, t: Any) -> list[Problem]:
    claim = vocab.CLAIM_DL_CONTENT_ITEMS
    if claim not in claims:
        return []
    items = claims[claim]
    if not isinstance(items, list):
        return [("content_items is not an array.", "content_items が配列ではありません。", claim, type(items).__name__)]
    settings = (ex.request_claims or {}).get(vocab.CLAIM_DL_SETTINGS, {})
    accepted = settings.get("accept_types", [])
    problems: list[Problem] = []
    for i, item in enumerate(items):
        where = f"{claim}[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("type"), str):
            problems.append(("The item is not an object with a string type.", "項目が type (文字列) を持つオブジェクトではありません。",
                             where, None))
            continue
        kind = item["type"]
        if kind not in accepted:
            problems.append(("The item type was not among the requested accept_types.",
                             "項目の type が要求した accept_types に含まれていません。", where + ".type", kind))
        url = item.get("url")
        if (kind == "link" or url is not None) and not (isinstance(url, str) and urlsplit(url).scheme in ("http", "https")):
            problems.append(("The item url is missing or not an absolute http(s) URL.",
                             "項目の url がないか絶対 http(s) URL ではありません。", where + ".url", url))
        custom = item.get("custom")
        if custom is not None and not (isinstance(custom, dict) and all(isinstance(v, str) for v in custom.values())):
            problems.append(("custom must be an object of string values.", "custom は文字列値のオブジェクトでなければなりません。",
                             where + ".custom", custom))
        line = item.get("lineItem")
        if line is not None and not (isinstance(line, dict) and is_json_number(line.get("scoreMaximum"))
                                     and line["scoreMaximum"] > 0):
            problems.append(("lineItem needs a positive numeric scoreMaximum.", "lineItem には正の数値 scoreMaximum が必要です。",
                             where + ".lineItem", line))
    return problems


# --- NRPS / AGS client behaviour ---------------------------------------------------------------
def services(ctx: CheckContext, need: str) -> ServiceExchange | None:
    t = target_of(ctx)
    declared = t.config.tool.services
    if need == "nrps" and not declared.nrps:
        ctx.skip("the target file says the Tool does not use NRPS (tool.services.nrps: false)")
    if need == "ags" and not declared.ags:
        ctx.skip("the target file says the Tool does not use AGS (tool.services.ags: false)")
    if need == "any" and not (declared.nrps or declared.ags):
        ctx.skip("the target file says the Tool uses neither NRPS nor AGS")
    ex: ServiceExchange = t.shared("services", lambda: t.launcher.services(ctx.params))
    if ex.launch.outcome != ACCEPTED:
        ctx.fail(ex.en, ja=ex.ja, endpoint=ex.launch.endpoint, method=ex.launch.method)
        return None
    return ex


def calls_or_fail(ctx: CheckContext, ex: ServiceExchange, kinds: tuple[str, ...], endpoint: str) -> list[RecordedCall]:
    calls = [c for c in ex.calls if c.kind in kinds]
    if not calls:
        wait = target_of(ctx).config.services.wait_seconds
        extra_en = f" ({ex.en})" if ex.en else ""
        extra_ja = f" ({ex.ja})" if ex.ja else ""
        ctx.fail(f"The Tool made no such call within {wait:g} s after the launch{extra_en}.",
                 ja=f"起動後 {wait:g} 秒以内にツールからこの呼び出しがありませんでした{extra_ja}。", endpoint=endpoint)
    return calls


def _tokens(ctx: CheckContext) -> list[RecordedCall]:
    ex = services(ctx, "any")
    if ex is None:
        return []
    return calls_or_fail(ctx, ex, ("token",), target_of(ctx).config.token_url)


@check(
    "lti.tool.svc.token_request", kind=KIND, requirement="LTI-SEC §4.1.1; LTI-CORE §6.2", severity=Severity.ERROR,
    title_ja="トークン要求の形式", title_en="Token request format",
    description_ja=("サービス用トークンは client_credentials と JWT クライアントアサーション (フォーム形式) で要求すること。"),
    description_en=("Service tokens are requested with grant_type=client_credentials, the JWT bearer client "
                    "assertion type, a client_assertion and a scope, form-encoded."),
    tags=("services",),
)
def check_token_request(ctx: CheckContext) -> None:
    for call in _tokens(ctx):
        where = {"endpoint": call.url, "method": call.method}
        if "application/x-www-form-urlencoded" not in call.headers.get("content-type", ""):
            ctx.fail("The token request is not form-encoded.", ja="トークン要求がフォーム形式ではありません。",
                     column="content-type", value=call.headers.get("content-type"), **where)
        expected = {"grant_type": vocab.GRANT_CLIENT_CREDENTIALS, "client_assertion_type": vocab.CLIENT_ASSERTION_TYPE}
        for name, want in expected.items():
            if call.form.get(name) != want:
                ctx.fail(f"{name} must be {want}.", ja=f"{name} は {want} でなければなりません。", column=name,
                         value=call.form.get(name), **where)
        for name in ("client_assertion", "scope"):
            if not call.form.get(name):
                ctx.fail(f"The token request has no {name}.", ja=f"トークン要求に {name} がありません。", column=name, **where)


@check(
    "lti.tool.svc.assertion_claims", kind=KIND, requirement="LTI-SEC §4.1.1; LTI-CORE §6.2", severity=Severity.ERROR,
    title_ja="クライアントアサーションのクレーム", title_en="Client assertion claims",
    description_ja="iss と sub は client_id、aud はトークン URL、jti は一意、iat と exp は数値で受信時に exp が未来であること。",
    description_en="iss and sub are the client_id, aud is the token URL, jti is unique, iat and exp are numbers "
                   "and exp is in the future at receipt.",
    params={"assertion_audiences": []}, tags=("services",),
)
def check_assertion_claims(ctx: CheckContext) -> None:
    t = target_of(ctx)
    allowed_aud = {t.config.token_url, *ctx.params.get("assertion_audiences", [])}
    seen_jti: set[str] = set()
    for call in _tokens(ctx):
        where = {"endpoint": call.url, "method": call.method}
        token = call.form.get("client_assertion")
        if not token:
            continue
        try:
            _, claims = decode_unverified(token)
        except JoseFailure as exc:
            ctx.fail("The client assertion is not a readable JWT: " + str(exc),
                     ja="クライアントアサーションが読み取れる JWT ではありません。", value=exc.code, **where)
            continue
        for name in ("iss", "sub"):
            if claims.get(name) != t.config.tool.client_id:
                ctx.fail(f"{name} must be the client_id.", ja=f"{name} は client_id でなければなりません。", claim=name,
                         value=claims.get(name), **where)
        aud = claims.get("aud")
        audiences = claim_audiences(aud)
        if not allowed_aud & set(audiences):
            ctx.fail("aud does not name the token endpoint.", ja="aud がトークンエンドポイントを示していません。", claim="aud",
                     value=aud, **where)
        jti = claims.get("jti")
        if not isinstance(jti, str) or not jti:
            ctx.fail("jti is missing.", ja="jti がありません。", claim="jti", value=jti, **where)
        elif jti in seen_jti:
            ctx.fail("jti was reused in another assertion.", ja="jti が別のアサーションで再利用されています。", claim="jti",
                     value=jti, **where)
        else:
            seen_jti.add(jti)
        if not is_json_number(claims.get("iat")):
            ctx.fail("iat is missing or not a number.", ja="iat がないか数値ではありません。", claim="iat",
                     value=claims.get("iat"), **where)
        exp = claims.get("exp")
        if not is_json_number(exp) or exp <= call.at:
            ctx.fail("exp is missing, not a number or already past.", ja="exp がない、数値でない、または期限切れです。",
                     claim="exp", value=exp, **where)


@check(
    "lti.tool.svc.assertion_signature", kind=KIND, requirement="LTI-SEC §4.1.1, §6.3", severity=Severity.ERROR,
    title_ja="クライアントアサーションの署名", title_en="Client assertion signature",
    description_ja="クライアントアサーションは kid 付き RS256 で、ツールの JWKS で検証できること。",
    description_en="The client assertion is RS256 with a kid and verifies with the Tool's JWKS.",
    tags=("services",),
)
def check_assertion_signature(ctx: CheckContext) -> None:
    for call in _tokens(ctx):
        token = call.form.get("client_assertion")
        if token:
            verify_with_tool_keys(ctx, token, endpoint=call.url, method=call.method)


@check(
    "lti.tool.svc.scopes", kind=KIND, requirement="LTI-SEC §4.1; LTI-NRPS; LTI-AGS §3.1", severity=Severity.ERROR,
    title_ja="要求するスコープ", title_en="Requested scopes",
    description_ja="トークン要求のスコープは起動で提供されたサービスのスコープに限られること。",
    description_en="Scopes requested for tokens are limited to those the launch offered.",
    tags=("services",),
)
def check_scopes(ctx: CheckContext) -> None:
    ex = services(ctx, "any")
    if ex is None:
        return
    claims = ex.launch.claims or {}
    offered: set[str] = set()
    if vocab.CLAIM_NRPS in claims:
        offered.add(vocab.SCOPE_NRPS_READONLY)
    offered |= set((claims.get(vocab.CLAIM_AGS) or {}).get("scope", []))
    for call in _tokens(ctx):
        requested = call.form.get("scope", "").split()
        extra = [s for s in requested if s not in offered]
        if extra:
            ctx.fail("The Tool requested scopes the launch did not offer.", ja="起動で提供されていないスコープを要求しました。",
                     endpoint=call.url, method=call.method, column="scope", value=" ".join(extra))


def _nrps_calls(ctx: CheckContext) -> list[RecordedCall]:
    ex = services(ctx, "nrps")
    if ex is None:
        return []
    return calls_or_fail(ctx, ex, ("nrps",), target_of(ctx).config.nrps_url(ex.context_id))


@check(
    "lti.tool.nrps.accept", kind=KIND, requirement="LTI-NRPS; LTI-CERT §6.3 'request headers'", severity=Severity.ERROR,
    title_ja="NRPS 要求の Accept", title_en="NRPS request Accept header",
    description_ja=f"NRPS の GET は Accept: {vocab.MEDIA_NRPS_MEMBERSHIP} を送ること。",
    description_en=f"NRPS GETs send Accept: {vocab.MEDIA_NRPS_MEMBERSHIP}.",
    tags=("services", "nrps"),
)
def check_nrps_accept(ctx: CheckContext) -> None:
    for call in _nrps_calls(ctx):
        if vocab.MEDIA_NRPS_MEMBERSHIP not in call.headers.get("accept", ""):
            ctx.fail("The Accept header does not name the membership container media type.",
                     ja="Accept ヘッダーがメンバーシップコンテナのメディアタイプではありません。", endpoint=call.url,
                     method=call.method, column="accept", value=call.headers.get("accept"))


@check(
    "lti.tool.nrps.bearer", kind=KIND, requirement="LTI-CERT §6.3 'bearer token', 'bearer scope'; LTI-SEC §4.1",
    severity=Severity.ERROR, title_ja="NRPS 要求のベアラートークン", title_en="NRPS bearer token and scope",
    description_ja="NRPS 要求はハーネスが発行した、NRPS スコープを持つベアラートークンを送ること。",
    description_en="NRPS calls carry a bearer token the harness issued with the NRPS scope.",
    tags=("services", "nrps"),
)
def check_nrps_bearer(ctx: CheckContext) -> None:
    for call in _nrps_calls(ctx):
        if call.token_scopes is None or vocab.SCOPE_NRPS_READONLY not in call.token_scopes:
            ctx.fail("The call has no valid bearer token with the NRPS scope.",
                     ja="NRPS スコープを持つ有効なベアラートークンがありません。", endpoint=call.url, method=call.method,
                     column="authorization", value=f"HTTP {call.status}")


@check(
    "lti.tool.nrps.paging", kind=KIND, requirement="LTI-NRPS 'Limit query parameter' (Link rel=next)",
    severity=Severity.WARNING, title_ja="NRPS のページ送り (rel=next)", title_en="NRPS paging (rel=next)",
    description_ja="Link: rel=\"next\" の付いたページの後、そのリンクを取得して全員分を読むこと。ツール側の義務は明記されていないため警告です。",
    description_en="After a page with Link rel=\"next\" the Tool fetches that link to read the whole roster. The "
                   "Tool's duty is implied, not stated, so a warning.",
    tags=("services", "nrps"),
)
def check_nrps_paging(ctx: CheckContext) -> None:
    _judge_paging(ctx, _nrps_calls(ctx))


def _judge_paging(ctx: CheckContext, calls: list[RecordedCall]) -> None:
    """Every page the harness answered with a rel=next link is followed by a GET of that link."""
    for i, call in enumerate(calls):
        if call.link_next and not any(_same_url(later.url, call.link_next) for later in calls[i + 1:]):
            ctx.fail("The Tool did not follow the rel=next link.", ja="ツールが rel=next のリンクをたどりませんでした。",
                     endpoint=call.url, method=call.method, value=call.link_next)


def _same_url(a: str, b: str) -> bool:
    return same_endpoint(a, b) and parse_qs(urlsplit(a).query) == parse_qs(urlsplit(b).query)


def _ags_calls(ctx: CheckContext) -> list[RecordedCall]:
    ex = services(ctx, "ags")
    if ex is None:
        return []
    return calls_or_fail(ctx, ex, ("ags.lineitems", "ags.lineitem", "ags.scores", "ags.results"),
                         target_of(ctx).config.lineitems_url(ex.context_id))


_AGS_MEDIA: dict[tuple[str, str], tuple[str, str]] = {  # (kind, method) -> (header, media type)
    ("ags.lineitems", "GET"): ("accept", vocab.MEDIA_AGS_LINEITEM_CONTAINER),
    ("ags.lineitems", "POST"): ("content-type", vocab.MEDIA_AGS_LINEITEM),
    ("ags.lineitem", "GET"): ("accept", vocab.MEDIA_AGS_LINEITEM),
    ("ags.lineitem", "PUT"): ("content-type", vocab.MEDIA_AGS_LINEITEM),
    ("ags.scores", "POST"): ("content-type", vocab.MEDIA_AGS_SCORE),
    ("ags.results", "GET"): ("accept", vocab.MEDIA_AGS_RESULT_CONTAINER),
}


@check(
    "lti.tool.ags.media_types", kind=KIND, requirement="LTI-AGS §3.2.1, §3.3.4, §3.4.3; LTI-CERT §6.4 'JSON header'",
    severity=Severity.ERROR, title_ja="AGS のメディアタイプ", title_en="AGS media types",
    description_ja="AGS の各要求は仕様のメディアタイプを Accept (取得) または Content-Type (送信) に示すこと。",
    description_en="Each AGS call names the spec's media type in Accept (reads) or Content-Type (writes).",
    tags=("services", "ags"),
)
def check_ags_media(ctx: CheckContext) -> None:
    for call in _ags_calls(ctx):
        rule = _AGS_MEDIA.get((call.kind, call.method))
        if rule is None:
            continue
        header, media = rule
        if media not in call.headers.get(header, ""):
            ctx.fail(f"The {header} header does not name {media}.", ja=f"{header} ヘッダーが {media} ではありません。",
                     endpoint=call.url, method=call.method, column=header, value=call.headers.get(header))


@check(
    "lti.tool.ags.bearer", kind=KIND, requirement="LTI-CERT §6.4 'bearer token', 'bearer scope'; LTI-AGS §3",
    severity=Severity.ERROR, title_ja="AGS 要求のベアラートークン", title_en="AGS bearer token and scope",
    description_ja="AGS 要求はハーネスが発行し、その操作のスコープを持つベアラートークンを送ること。",
    description_en="AGS calls carry a harness-issued bearer token holding the scope the operation needs.",
    tags=("services", "ags"),
)
def check_ags_bearer(ctx: CheckContext) -> None:
    for call in _ags_calls(ctx):
        if call.status in (401, 403):
            ctx.fail("The call has no valid bearer token with the scope this operation needs.",
                     ja="この操作に必要なスコープを持つ有効なベアラートークンがありません。", endpoint=call.url,
                     method=call.method, column="authorization", value=f"HTTP {call.status}")


@check(
    "lti.tool.ags.score", kind=KIND, requirement="LTI-AGS §3.4.4-§3.4.11", severity=Severity.ERROR,
    title_ja="スコアの形式 (timestamp ほか)", title_en="Score payload (timestamp etc.)",
    description_ja=("userId 必須、timestamp (と submission の startedAt・submittedAt) は秒未満の精度とタイムゾーン"
                    "付きの ISO 8601 (時差は Z、+00:00、+0000、+00 のいずれの書き方も可)、activityProgress と "
                    "gradingProgress は仕様の値、scoreGiven には scoreMaximum を伴うこと。"),
    description_en=("userId required; timestamp (and submission.startedAt/submittedAt) is ISO 8601 with sub-second "
                    "precision and a time zone (Z, +00:00, +0000 and +00 are all accepted); activityProgress/"
                    "gradingProgress use the spec's values; scoreGiven comes with scoreMaximum."),
    tags=("services", "ags"),
)
def check_ags_score(ctx: CheckContext) -> None:
    scores = [c for c in _ags_calls(ctx) if c.kind == "ags.scores"]
    if not scores and not ctx.count:
        ctx.skip("the Tool posted no score during the wait")
    for call in scores:
        where = {"endpoint": call.url, "method": call.method}
        body = call.json()
        if not isinstance(body, dict):
            ctx.fail("The score body is not a JSON object.", ja="スコアの本文が JSON オブジェクトではありません。", **where)
            continue
        for problem in _score_problems(body):
            en, ja, field, value = problem
            ctx.fail(en, ja=ja, column=field, value=value, **where)


def _date_time_problem(body: dict[str, Any], name: str, *, sub_second: bool, what_en: str,
                       what_ja: str) -> Problem | None:
    """One ISO 8601 field judged by the one parser (``timestamps``); None when fine."""
    try:
        parse_timestamp(body.get(name), sub_second=sub_second)
    except InvalidTimestamp as bad:
        return (f"{name} must be {what_en}: {bad}.", f"{name} は{what_ja}でなければなりません: {bad.ja}。", name,
                body.get(name))
    return None


_SCORE_TIME = ("ISO 8601 with sub-second precision and a time zone", "秒未満の精度とタイムゾーン付きの ISO 8601")


def _score_problems(body: dict[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    if not isinstance(body.get("userId"), str) or not body["userId"]:
        problems.append(("userId is missing.", "userId がありません。", "userId", body.get("userId")))
    stamp = _date_time_problem(body, "timestamp", sub_second=True, what_en=_SCORE_TIME[0], what_ja=_SCORE_TIME[1])
    if stamp is not None:
        problems.append(stamp)
    submission = body.get("submission")
    if submission is not None:  # optional; its date-times follow the timestamp rule [AGS §3.4.10]
        if not isinstance(submission, dict):
            problems.append(("submission must be an object.", "submission はオブジェクトでなければなりません。",
                             "submission", type(submission).__name__))
        else:
            for name in ("startedAt", "submittedAt"):
                if name in submission and (bad := _date_time_problem(
                        submission, name, sub_second=True, what_en=_SCORE_TIME[0], what_ja=_SCORE_TIME[1])):
                    problems.append((bad[0], bad[1], "submission." + name, bad[3]))
            if is_timestamp(submission.get("startedAt")) and is_timestamp(submission.get("submittedAt")) and (
                    parse_timestamp(submission["submittedAt"]).epoch < parse_timestamp(submission["startedAt"]).epoch):
                problems.append(("submission.submittedAt is before startedAt.", "submission.submittedAt が startedAt より前です。",
                                 "submission.submittedAt", submission["submittedAt"]))
    for name, allowed in (("activityProgress", vocab.AGS_ACTIVITY_PROGRESS), ("gradingProgress", vocab.AGS_GRADING_PROGRESS)):
        if body.get(name) not in allowed:
            problems.append((f"{name} is missing or not a defined value.", f"{name} がないか定義外の値です。", name,
                             body.get(name)))
    if "scoreGiven" in body:
        given, maximum = body.get("scoreGiven"), body.get("scoreMaximum")
        if not is_json_number(given) or given < 0:
            problems.append(("scoreGiven must be a number >= 0.", "scoreGiven は 0 以上の数値でなければなりません。",
                             "scoreGiven", given))
        if not is_json_number(maximum) or maximum <= 0:
            problems.append(("scoreGiven needs a positive scoreMaximum.", "scoreGiven には正の scoreMaximum が必要です。",
                             "scoreMaximum", maximum))
    return problems


@check(
    "lti.tool.ags.lineitem", kind=KIND, requirement="LTI-AGS §3.2.5-§3.2.8, §3.2.12, §3.2.13", severity=Severity.ERROR,
    title_ja="ラインアイテムの形式 (label・scoreMaximum・日時)", title_en="Line item payload (label, scoreMaximum, dates)",
    description_ja=("ツールが作成・更新するラインアイテムは、空でない label と 0 より大きい数値の scoreMaximum を持ち、"
                    "startDateTime と endDateTime はタイムゾーン付きの ISO 8601 であること (空値・null は「なし」として可)。"),
    description_en=("Line items the Tool creates or updates carry a non-blank label and a numeric scoreMaximum > 0; "
                    "startDateTime and endDateTime are ISO 8601 with a time zone designator (blank or null means none)."),
    tags=("services", "ags"),
)
def check_ags_lineitem(ctx: CheckContext) -> None:
    written = [c for c in _ags_calls(ctx) if (c.kind, c.method) in (("ags.lineitems", "POST"), ("ags.lineitem", "PUT"))]
    if not written and not ctx.count:
        ctx.skip("the Tool created or updated no line item during the wait")
    for call in written:
        where = {"endpoint": call.url, "method": call.method}
        body = call.json()
        if not isinstance(body, dict):
            ctx.fail("The line item body is not a JSON object.", ja="ラインアイテムの本文が JSON オブジェクトではありません。",
                     **where)
            continue
        if not isinstance(body.get("label"), str) or not body["label"].strip():
            ctx.fail("label is missing or blank.", ja="label がないか空です。", column="label", value=body.get("label"),
                     **where)
        maximum = body.get("scoreMaximum")
        if not is_json_number(maximum) or maximum <= 0:
            ctx.fail("scoreMaximum must be a number > 0.", ja="scoreMaximum は 0 より大きい数値でなければなりません。",
                     column="scoreMaximum", value=maximum, **where)
        for name in ("startDateTime", "endDateTime"):
            if body.get(name) in (None, ""):
                continue
            bad = _date_time_problem(body, name, sub_second=False, what_en="ISO 8601 with a time zone",
                                     what_ja="タイムゾーン付きの ISO 8601")
            if bad is not None:
                ctx.fail(bad[0], ja=bad[1], column=name, value=bad[3], **where)


@check(
    "lti.tool.ags.paging", kind=KIND, requirement="LTI-AGS §3.2.4 'limit' (Link rel=next)",
    severity=Severity.WARNING, title_ja="ラインアイテムコンテナのページ送り (rel=next)",
    title_en="Line item container paging (rel=next)",
    description_ja=("ハーネスはラインアイテムコンテナを 3 ページに分けて返し、起動のラインアイテムを最後のページに置きます。"
                    "Link: rel=\"next\" の付いたページを読んだツールは、そのリンクもたどること。ツールの義務は明記されて"
                    "いないため警告です。ツールがコンテナを読まない場合 (lineitem クレームだけを使う場合) は対象外です。"),
    description_en=("The harness serves the line item container in three pages, the launch's own item on the last. "
                    "A Tool that reads a page carrying Link rel=\"next\" follows that link. The Tool's duty is "
                    "implied, not stated, so a warning; a Tool that never reads the container (it uses the lineitem "
                    "claim only) is not judged."),
    tags=("services", "ags"),
)
def check_ags_paging(ctx: CheckContext) -> None:
    reads = [c for c in _ags_calls(ctx) if (c.kind, c.method) == ("ags.lineitems", "GET")]
    if not any(c.link_next for c in reads) and not ctx.count:
        ctx.skip("the Tool read no line item container page that has a next page")
    _judge_paging(ctx, reads)
