"""Checks of the Platform's token endpoint and NRPS 2.0, plus helpers the AGS checks share.

The harness Tool asks the Platform's token endpoint for bearer tokens with an RS256 client
assertion [SEC §4.1.1] (and deliberately broken ones: forged signature, wrong ``aud``, ``iss`` or
``sub``, expired or without ``exp``, replayed ``jti``, wrong ``client_assertion_type``, unknown scope) and reads the roster through NRPS following ``Link: rel="next"``
to the end [NRPS]. Service checks run only when the target file declares the service offered;
otherwise they are skipped with that reason. AGS lives in ``checks_platform_ags``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from renkei.harness.core.context import CheckContext
from renkei.harness.lti.platform.checks_base import is_url, launch_of, platform_check, target_of
from renkei.harness.lti.platform.config import INSTRUCTOR
from renkei.harness.lti.platform.launch import RECEIVED, LaunchRecord
from renkei.harness.lti.platform.services import WRONG_ASSERTION_TYPE, TokenResult
from renkei.harness.lti.protocol import vocab
from renkei.harness.lti.protocol.browser import BrowserError
from renkei.harness.lti.protocol.claims import is_json_number
from renkei.harness.lti.protocol.http import ApiResponse

UNKNOWN_SCOPE = "https://purl.renkei.invalid/spec/lti/scope/unknown"
SCORE_OK = (200, 201, 202, 204)
DENIED = (401, 403)


def need(ctx: CheckContext, service: str) -> None:
    """Skip unless the target declares ``service`` ('nrps', 'ags' or 'any')."""
    s = target_of(ctx).config.platform.services
    if service == "any" and not (s.nrps or s.ags):
        ctx.skip("the target file declares neither NRPS nor AGS (platform.services), so no service token is needed")
    if service in ("nrps", "ags") and not getattr(s, service):
        ctx.skip(f"the target file says the Platform does not offer {service.upper()} (platform.services.{service})")


def at(url: str | None, method: str) -> dict[str, Any]:
    return {"endpoint": url, "method": method}


def with_path_suffix(url: str, suffix: str) -> str:
    """``{lineitem}/scores``: the suffix goes on the path, the query stays [AGS §3.3, §3.4]."""
    p = urlsplit(url)
    return urlunsplit((p.scheme, p.netloc, p.path.rstrip("/") + suffix, p.query, p.fragment))


def with_params(url: str, **params: str) -> str:
    return str(httpx.URL(url).copy_merge_params(params))


def call(ctx: CheckContext, method: str, url: str, **kw: Any) -> ApiResponse | None:
    """One service call; a transport failure becomes a finding and ``None``."""
    try:
        return target_of(ctx).services.call(method, url, **kw)
    except BrowserError as exc:
        ctx.fail("The request failed: " + exc.en, ja="要求に失敗しました: " + exc.ja, **at(url, method))
        return None


def body_json(ctx: CheckContext, resp: ApiResponse) -> Any:
    try:
        return resp.json()
    except BrowserError as exc:
        ctx.fail(exc.en, ja=exc.ja, **at(resp.url, resp.method))
        return None


def safe_json(resp: ApiResponse) -> Any:
    """The body as JSON or ``None`` (for re-reading a body whose problems were already reported)."""
    try:
        return resp.json()
    except BrowserError:
        return None


def bearer(ctx: CheckContext, *scopes: str) -> str | None:
    """An access token for exactly ``scopes``; failure is a finding and ``None``."""
    result = target_of(ctx).services.token(*scopes)
    if result.access_token is None:
        _token_problem(ctx, result, "No access token could be obtained for the scope(s).",
                       "スコープのアクセストークンを取得できませんでした。", value=" ".join(scopes))
    return result.access_token


def _token_problem(ctx: CheckContext, result: TokenResult, en: str, ja: str, value: Any = None) -> None:
    url = target_of(ctx).services.token_url
    if result.error is not None:
        ctx.fail(en + " " + result.error.en, ja=ja + " " + result.error.ja, value=value, **at(url, "POST"))
    else:
        ctx.fail(en, ja=ja, value=value if value is not None else f"HTTP {result.status}", **at(url, "POST"))


# --- token endpoint [SEC §4.1, §4.1.1] -------------------------------------------------------
def _valid_scope(ctx: CheckContext) -> str:
    s = target_of(ctx).config.platform.services
    return vocab.SCOPE_NRPS_READONLY if s.nrps else vocab.SCOPE_AGS_LINEITEM


@platform_check("lti.platform.token.valid", "LTI-SEC §4.1, §4.1.1", "error",
        ("正しいトークン要求にアクセストークンを返す", "A valid token request gets an access token"),
        ("正しいクライアントアサーションによる要求に 200 で access_token、token_type=bearer、expires_in (数値)、"
         "要求したスコープの部分集合の scope を返すことを確認します。",
         "A valid client-credentials request with a JWT assertion gets HTTP 200 with access_token, token_type bearer, "
         "a numeric expires_in and a scope that is a subset of the requested scopes."))
def check_token_valid(ctx: CheckContext) -> None:
    need(ctx, "any")
    scope = _valid_scope(ctx)
    result = target_of(ctx).services.token(scope)
    url = target_of(ctx).services.token_url
    if result.status != 200 or not isinstance(result.body, dict):
        _token_problem(ctx, result, "The token endpoint did not answer HTTP 200 with a JSON object.",
                       "トークンエンドポイントが JSON オブジェクトと HTTP 200 で応答しませんでした。")
        return
    body = result.body
    if not isinstance(body.get("access_token"), str) or not body["access_token"]:
        ctx.fail("access_token is missing or empty.", ja="access_token がないか空です。", **at(url, "POST"))
    if not isinstance(body.get("token_type"), str) or body["token_type"].lower() != "bearer":
        ctx.fail("token_type is not bearer.", ja="token_type が bearer ではありません。", value=body.get("token_type"),
                 **at(url, "POST"))
    if "expires_in" in body and not is_json_number(body["expires_in"]):
        ctx.fail("expires_in is not a number.", ja="expires_in が数値ではありません。", **at(url, "POST"))
    granted = body.get("scope")
    if granted is not None and (not isinstance(granted, str) or not set(granted.split()) <= {scope}):
        ctx.fail("The granted scope is not a subset of the requested scopes.", ja="付与された scope が要求したスコープの部分集合ではありません。",
                 value=granted, **at(url, "POST"))


def _expect_refused(ctx: CheckContext, result: TokenResult, en: str, ja: str, *,
                    statuses: tuple[int, ...] = (400, 401), error: str | None = None) -> None:
    url = target_of(ctx).services.token_url
    if result.error is not None:
        ctx.fail("The token request failed: " + result.error.en, ja="トークン要求に失敗しました: " + result.error.ja,
                 **at(url, "POST"))
        return
    if result.access_token is not None or result.status not in statuses:
        ctx.fail(en, ja=ja, value=f"HTTP {result.status}", **at(url, "POST"))
        return
    got = result.body.get("error") if isinstance(result.body, dict) else None
    if not isinstance(got, str):
        ctx.fail("The error response is not a JSON object with an 'error' code.",
                 ja="エラー応答が 'error' コードを持つ JSON オブジェクトではありません。", **at(url, "POST"))
    elif error is not None and got != error:
        ctx.fail(f"The error code is not {error}.", ja=f"エラーコードが {error} ではありません。", value=got, **at(url, "POST"))


def _baseline_token(ctx: CheckContext) -> bool:
    if target_of(ctx).services.token(_valid_scope(ctx)).access_token is not None:
        return True
    ctx.fail("Cannot judge a refusal: a valid token request fails too (see lti.platform.token.valid).",
             ja="拒否を判定できません: 正しいトークン要求も失敗します (lti.platform.token.valid を参照)。",
             **at(target_of(ctx).services.token_url, "POST"))
    return False


def _bad_assertion_check(ctx: CheckContext, en: str, ja: str, *, forged: bool = False,
                         assertion_type: str = vocab.CLIENT_ASSERTION_TYPE, **claims: Any) -> None:
    """A token request with one thing wrong (``claims`` overrides; ``None`` drops a claim) must be refused."""
    need(ctx, "any")
    if not _baseline_token(ctx):
        return
    services = target_of(ctx).services
    assertion = services.sign(services.assertion_claims(**claims), forged=forged)
    _expect_refused(ctx, services.request_token([_valid_scope(ctx)], assertion, assertion_type=assertion_type), en, ja)


@platform_check("lti.platform.token.bad_signature", "LTI-SEC §4.1.1", "error",
        ("署名が不正なアサーションを拒否する", "Rejects an assertion with a bad signature"),
        ("ハーネスの kid で別の鍵が署名したクライアントアサーションを 400/401 とエラー JSON で拒否することを確認します。",
         "A client assertion signed by another key under the harness's kid is refused with 400/401 and an error JSON."))
def check_token_bad_signature(ctx: CheckContext) -> None:
    _bad_assertion_check(ctx, "The token endpoint accepted an assertion with a forged signature.",
                         "トークンエンドポイントが偽造署名のアサーションを受け付けました。", forged=True)


@platform_check("lti.platform.token.wrong_aud", "LTI-SEC §4.1.1", "error",
        ("aud が異なるアサーションを拒否する", "Rejects an assertion with a wrong aud"),
        ("aud にトークンエンドポイント (認可サーバー) を含まないアサーションは拒否しなければなりません。",
         "An assertion whose aud lacks the authorization server's identity MUST be refused."))
def check_token_wrong_aud(ctx: CheckContext) -> None:
    _bad_assertion_check(ctx, "The token endpoint accepted an assertion addressed to another audience.",
                         "トークンエンドポイントが別の宛先 (aud) のアサーションを受け付けました。",
                         aud="https://not-this-token-endpoint.renkei.invalid/token")


@platform_check("lti.platform.token.expired", "LTI-SEC §4.1.1", "error",
        ("期限切れのアサーションを拒否する", "Rejects an expired assertion"),
        ("exp が過去のアサーションを拒否しなければなりません。", "An assertion whose exp is in the past MUST be refused."))
def check_token_expired(ctx: CheckContext) -> None:
    now = int(target_of(ctx).clock())
    _bad_assertion_check(ctx, "The token endpoint accepted an expired assertion.",
                         "トークンエンドポイントが期限切れのアサーションを受け付けました。", iat=now - 900, exp=now - 600)


@platform_check("lti.platform.token.no_exp", "LTI-SEC §4.1.1", "error",
        ("exp のないアサーションを拒否する", "Rejects an assertion without exp"),
        ("exp はクライアントアサーションの必須クレームで、認可サーバーは exp を検証しなければなりません。exp のない"
         "アサーションは期限を確かめられないため、拒否しなければなりません (exp があるときだけ比べる実装はこれを通します)。",
         "exp is a REQUIRED claim of the client assertion and the authorization server MUST validate it; an "
         "assertion without exp cannot be checked for expiry and MUST be refused (a server that only compares exp "
         "when present lets it through)."))
def check_token_no_exp(ctx: CheckContext) -> None:
    _bad_assertion_check(ctx, "The token endpoint accepted an assertion without exp.",
                         "トークンエンドポイントが exp のないアサーションを受け付けました。", exp=None)


@platform_check("lti.platform.token.wrong_iss", "LTI-SEC §4.1.1; LTI-CORE §6.2", "error",
        ("iss が登録外のアサーションを拒否する", "Rejects an assertion with a wrong iss"),
        ("アサーションの iss はツールの client_id でなければならず、認可サーバーは iss を検証しなければなりません。"
         "sub は正しいまま iss だけを未登録の値にしたアサーションを拒否することを確認します。",
         "The assertion's iss MUST be the Tool's client_id and the authorization server MUST validate it. An "
         "assertion whose iss alone names an unregistered client (sub is still the client_id) must be refused."))
def check_token_wrong_iss(ctx: CheckContext) -> None:
    _bad_assertion_check(ctx, "The token endpoint accepted an assertion whose iss is not the client_id.",
                         "トークンエンドポイントが iss が client_id ではないアサーションを受け付けました。",
                         iss="renkei-unregistered-client")


@platform_check("lti.platform.token.wrong_sub", "LTI-SEC §4.1.1; LTI-CORE §6.2", "error",
        ("sub が client_id と異なるアサーションを拒否する", "Rejects an assertion with a wrong sub"),
        ("アサーションの sub も client_id でなければならず、認可サーバーは sub を検証しなければなりません。"
         "iss は正しいまま sub だけを別の値にしたアサーションを拒否することを確認します。",
         "The assertion's sub MUST also be the client_id and the authorization server MUST validate it. An "
         "assertion whose sub alone differs (iss is the client_id) must be refused."))
def check_token_wrong_sub(ctx: CheckContext) -> None:
    _bad_assertion_check(ctx, "The token endpoint accepted an assertion whose sub is not the client_id.",
                         "トークンエンドポイントが sub が client_id ではないアサーションを受け付けました。",
                         sub="renkei-other-subject")


@platform_check("lti.platform.token.wrong_assertion_type", "LTI-SEC §4.1.1; RFC 7523 §2.2", "error",
        ("client_assertion_type が異なる要求を拒否する", "Rejects a wrong client_assertion_type"),
        ("client_assertion_type は urn:ietf:params:oauth:client-assertion-type:jwt-bearer でなければなりません。"
         "正しく署名された JWT でも、別の種類 (SAML) と宣言した要求は拒否しなければなりません。",
         "client_assertion_type MUST be urn:ietf:params:oauth:client-assertion-type:jwt-bearer. A request that "
         "declares another type (SAML 2.0) must be refused even though the assertion is a correctly signed JWT."))
def check_token_wrong_assertion_type(ctx: CheckContext) -> None:
    _bad_assertion_check(ctx, "The token endpoint accepted a request whose client_assertion_type is not jwt-bearer.",
                         "トークンエンドポイントが client_assertion_type が jwt-bearer ではない要求を受け付けました。",
                         assertion_type=WRONG_ASSERTION_TYPE)


@platform_check("lti.platform.token.replayed_jti", "LTI-SEC §4.1.1", "error",
        ("jti を再利用したアサーションを拒否する", "Rejects a replayed jti"),
        ("一度使ったアサーション (同じ jti) の再送を拒否しなければなりません。",
         "Re-sending an assertion already used (same jti) MUST be refused."))
def check_token_replayed(ctx: CheckContext) -> None:
    need(ctx, "any")
    services = target_of(ctx).services
    assertion = services.sign(services.assertion_claims())
    first = services.request_token([_valid_scope(ctx)], assertion)
    if first.access_token is None:
        _token_problem(ctx, first, "Cannot judge a replay: the first use of the assertion was refused.",
                       "再送を判定できません: 最初のアサーション使用が拒否されました。")
        return
    _expect_refused(ctx, services.request_token([_valid_scope(ctx)], assertion),
                    "The token endpoint accepted a replayed assertion (same jti).",
                    "トークンエンドポイントが再送されたアサーション (同じ jti) を受け付けました。")


@platform_check("lti.platform.token.unknown_scope", "LTI-SEC §4.1", "error",
        ("未知のスコープに 400 invalid_scope", "Unknown scope gets 400 invalid_scope"),
        ("プラットフォームが知らないスコープだけを要求したとき、HTTP 400 と error=invalid_scope を返すことを確認します。",
         "A request for a scope the Platform does not know gets HTTP 400 with error invalid_scope."))
def check_token_unknown_scope(ctx: CheckContext) -> None:
    need(ctx, "any")
    if not _baseline_token(ctx):
        return
    services = target_of(ctx).services
    _expect_refused(ctx, services.request_token([UNKNOWN_SCOPE]),
                    "The token endpoint did not refuse an unknown scope with HTTP 400.",
                    "トークンエンドポイントが未知のスコープを HTTP 400 で拒否しませんでした。", statuses=(400,), error="invalid_scope")


# --- NRPS 2.0 [NRPS] ---------------------------------------------------------------------------
def nrps_claim(ctx: CheckContext) -> tuple[LaunchRecord, Any]:
    rec = launch_of(ctx, INSTRUCTOR)
    return rec, (rec.claims or {}).get(vocab.CLAIM_NRPS)


def launch_missing(ctx: CheckContext, rec: LaunchRecord) -> bool:
    if rec.outcome == RECEIVED and rec.claims is not None:
        return False
    ctx.fail(f"[{rec.scenario}] The launch did not complete: {rec.en}", ja=f"[{rec.scenario}] 起動が完了しません: {rec.ja}",
             endpoint=rec.endpoint, method=rec.method)
    return True


@platform_check("lti.platform.nrps.claim", "LTI-NRPS 2.0 'Claim for inclusion in LTI messages'", "error",
        ("起動に NRPS クレームがある", "Launches carry the NRPS claim"),
        ("NRPS を提供する場合、教員起動に namesroleservice クレーム (context_memberships_url と service_versions に 2.0) が"
         "あることを確認します。",
         "When NRPS is offered, the instructor launch carries the namesroleservice claim with "
         "context_memberships_url and service_versions containing 2.0."))
def check_nrps_claim(ctx: CheckContext) -> None:
    need(ctx, "nrps")
    rec, claim = nrps_claim(ctx)
    if launch_missing(ctx, rec):
        return
    if not isinstance(claim, dict):
        ctx.fail("The launch has no namesroleservice claim.", ja="起動に namesroleservice クレームがありません。",
                 claim=vocab.CLAIM_NRPS, endpoint=rec.endpoint, method=rec.method)
        return
    if not is_url(claim.get("context_memberships_url")):
        ctx.fail("context_memberships_url is missing or not an absolute URL.", ja="context_memberships_url がないか絶対 URL ではありません。",
                 claim=vocab.CLAIM_NRPS + ".context_memberships_url")
    versions = claim.get("service_versions")
    if not isinstance(versions, list) or "2.0" not in versions:
        ctx.fail("service_versions does not contain 2.0.", ja="service_versions に 2.0 がありません。",
                 claim=vocab.CLAIM_NRPS + ".service_versions")


@dataclass
class Pages:
    """A paged container read to its end: every response and the concatenated items."""

    responses: list[ApiResponse] = field(default_factory=list)
    items: list[Any] = field(default_factory=list)
    complete: bool = False


def read_pages(ctx: CheckContext, url: str, token: str, accept: str, key: str | None, max_pages: int) -> Pages:
    """GET ``url`` and follow ``Link: rel="next"`` to the end; ``key`` picks the list from an object body."""
    pages = Pages()
    seen: set[str] = set()
    next_url: str | None = url
    while next_url is not None:
        if next_url in seen or len(pages.responses) >= max_pages:
            ctx.fail("Paging does not end (a next link repeats or the page limit is reached).",
                     ja="ページングが終わりません (next リンクの繰り返し、またはページ数上限)。", value=str(len(pages.responses)),
                     **at(next_url, "GET"))
            return pages
        seen.add(next_url)
        resp = call(ctx, "GET", next_url, token=token, accept=accept)
        if resp is None:
            return pages
        pages.responses.append(resp)
        if resp.status != 200:
            ctx.fail(f"HTTP {resp.status} instead of 200.", ja=f"200 ではなく HTTP {resp.status} です。", **at(next_url, "GET"))
            return pages
        body = body_json(ctx, resp)
        items = body.get(key) if key is not None and isinstance(body, dict) else body
        if not isinstance(items, list):
            ctx.fail("The container has no array of items.", ja="コンテナーに項目の配列がありません。", **at(next_url, "GET"))
            return pages
        pages.items.extend(items)
        next_url = resp.link("next")
    pages.complete = True
    return pages


def nrps_all(ctx: CheckContext) -> tuple[Pages, str | None]:
    """The full membership (shared); the url is None when the claim or token is unusable."""
    target = target_of(ctx)

    def fetch() -> tuple[Pages, str | None]:
        _, claim = nrps_claim(ctx)
        url = claim.get("context_memberships_url") if isinstance(claim, dict) else None
        token = bearer(ctx, vocab.SCOPE_NRPS_READONLY) if is_url(url) else None
        if token is None or url is None:
            return Pages(), None
        return read_pages(ctx, url, token, vocab.MEDIA_NRPS_MEMBERSHIP, "members", 200), url

    return target.shared("nrps_all", fetch)  # type: ignore[no-any-return]


@platform_check("lti.platform.nrps.container", "LTI-NRPS 2.0 'Membership container'", "error",
        ("メンバーシップコンテナーの形式", "Membership container format"),
        ("メンバーシップ取得が 200 で application/vnd.ims.lti-nrps.v2.membershipcontainer+json を返し、context.id が起動の"
         "context.id と一致し、各メンバーに user_id と roles があり、教員の sub が含まれることを確認します。",
         "GET memberships answers 200 with the membership container media type; context.id equals the launch's "
         "context.id; every member has user_id and a roles array (status Active/Inactive when present); the "
         "instructor's sub is a member."))
def check_nrps_container(ctx: CheckContext) -> None:
    need(ctx, "nrps")
    rec, claim = nrps_claim(ctx)
    if launch_missing(ctx, rec):
        return
    pages, url = nrps_all(ctx)
    if url is None:
        if not ctx.count:
            ctx.fail("The launch has no usable context_memberships_url.", ja="起動に使用可能な context_memberships_url がありません。",
                     claim=vocab.CLAIM_NRPS)
        return
    for resp in pages.responses:
        if resp.status == 200 and resp.media_type != vocab.MEDIA_NRPS_MEMBERSHIP:
            ctx.fail("The response media type is not the NRPS membership container type.",
                     ja="応答のメディアタイプが NRPS メンバーシップコンテナーではありません。", value=resp.media_type,
                     **at(resp.url, "GET"))
        body = safe_json(resp) if resp.status == 200 else None
        launch_ctx = (rec.claims or {}).get(vocab.CLAIM_CONTEXT)
        wanted = launch_ctx.get("id") if isinstance(launch_ctx, dict) else None
        got = body.get("context", {}).get("id") if isinstance(body, dict) and isinstance(body.get("context"), dict) else None
        if isinstance(body, dict) and (got is None or (wanted is not None and got != wanted)):
            ctx.fail("context.id is missing or differs from the launch's context.id.",
                     ja="context.id がないか起動の context.id と異なります。", value=got, **at(resp.url, "GET"))
    for i, member in enumerate(pages.items):
        ok = (isinstance(member, dict) and isinstance(member.get("user_id"), str) and member["user_id"]
              and isinstance(member.get("roles"), list) and all(isinstance(r, str) for r in member["roles"]))
        if not ok:
            ctx.fail("The member lacks user_id or a roles array.", ja="メンバーに user_id または roles 配列がありません。", index=i,
                     **at(url, "GET"))
        elif "status" in member and member["status"] not in vocab.NRPS_FULL_STATUSES:
            ctx.fail("The member status is not Active or Inactive.", ja="メンバーの status が Active / Inactive ではありません。",
                     index=i, value=member["status"], **at(url, "GET"))
    sub = (rec.claims or {}).get("sub")
    if pages.complete and sub not in {m.get("user_id") for m in pages.items if isinstance(m, dict)}:
        ctx.fail("The instructor who launched is not among the members (user_id = launch sub).",
                 ja="起動した教員がメンバーにいません (user_id = 起動の sub)。", **at(url, "GET"))


#: Paging is judged over at least this many pages: a product that breaks only on a later page (a
#: cursor that is right for page 2 and wrong after it) shows nothing on two.
MIN_PAGES = 3


@platform_check("lti.platform.nrps.paging", "LTI-NRPS 2.0 'Limit query parameter', RFC 8288", "error",
        ("limit と Link rel=next のページング", "limit honoured and Link rel=next paging"),
        ("limit を全メンバー数の 3 分の 1 (最小 1) にして 3 ページ以上に分け、各ページが limit 件以下で、"
         "Link: rel=\"next\" を最後までたどると全メンバーがそろうことを確認します。3 ページ目以降だけで壊れる"
         "ページングも見つかります。メンバーが 3 人未満の文脈では後のページを見られないため、未評価とします。",
         "With limit set to a third of the members (at least 1), so that there are three pages or more, every page "
         "holds at most limit members and following Link rel=\"next\" to the end yields every member of the "
         "unpaged read; paging that breaks only from the third page on is caught. A context with fewer than three "
         "members cannot show later pages, so the check is then not evaluated."),
        params={"max_pages": 500})
def check_nrps_paging(ctx: CheckContext) -> None:
    need(ctx, "nrps")
    full, url = nrps_all(ctx)
    if url is None or not full.complete:
        ctx.fail("The full membership could not be read (see lti.platform.nrps.container).",
                 ja="全メンバーを取得できませんでした (lti.platform.nrps.container を参照)。", claim=vocab.CLAIM_NRPS)
        return
    everyone = {m.get("user_id") for m in full.items if isinstance(m, dict)}
    if len(everyone) < 2:
        ctx.skip("the context has fewer than two members, so paging is not observable")
    if len(everyone) < MIN_PAGES:
        ctx.not_evaluated(f"the instructor's context has only {len(everyone)} members, so paging cannot reach page "
                          f"{MIN_PAGES}; launch the instructor scenario in a context with at least {MIN_PAGES} members")
    limit = max(1, len(everyone) // MIN_PAGES)
    token = bearer(ctx, vocab.SCOPE_NRPS_READONLY)
    if token is None:
        return
    paged = read_pages(ctx, with_params(url, limit=str(limit)), token, vocab.MEDIA_NRPS_MEMBERSHIP, "members",
                       int(ctx.params.get("max_pages", 500)))
    for resp in paged.responses:
        body = safe_json(resp) if resp.status == 200 else None
        members = body.get("members") if isinstance(body, dict) else None
        if isinstance(members, list) and len(members) > limit:
            ctx.fail(f"A page holds more members than limit={limit}.", ja=f"ページのメンバー数が limit={limit} を超えています。",
                     value=str(len(members)), **at(resp.url, "GET"))
    got = {m.get("user_id") for m in paged.items if isinstance(m, dict)}
    if paged.complete and not everyone <= got:
        ctx.fail("Following rel=\"next\" does not reach every member (missing or no Link header).",
                 ja="rel=\"next\" をたどっても全メンバーに到達しません (Link ヘッダーがないか不足)。",
                 value=f"{len(got & everyone)}/{len(everyone)} after {len(paged.responses)} pages", **at(url, "GET"))
