"""``oneroster-rest-provider`` checks: error answers, authorisation, scopes, rate limiting."""

from __future__ import annotations

import contextlib

from renkei.harness.core.breaker import PeerUnavailable
from renkei.harness.core.context import CheckContext
from renkei.harness.lti.protocol.http import ApiResponse
from renkei.harness.oneroster.model import rest as R
from renkei.harness.oneroster.rest_provider.checks_base import (
    OAS,
    declared,
    fetch,
    rest_check,
    status_info,
    survey_of,
    target_of,
    url_of,
)
from renkei.harness.oneroster.rest_provider.client import TokenRefused
from renkei.harness.oneroster.rest_provider.survey import parents, scopes_for

_MINOR_PATH = "imsx_CodeMinor.imsx_codeMinorField[0].imsx_codeMinorFieldValue"


def _error_answer(ctx: CheckContext, resp: ApiResponse, status: int, minor: str, url: str) -> None:
    """Findings for an answer that should be ``status`` with the imsx payload and ``minor``."""
    if resp.status != status:
        ctx.fail(f"HTTP {resp.status} instead of {status} {minor}", ja=f"{status} {minor} ではなく HTTP {resp.status} です",
                 endpoint=url, method="GET")
        return
    data, got = status_info(resp)
    if data is None:
        ctx.fail("the error answer carries no imsx_StatusInfo payload", ja="エラー応答に imsx_StatusInfo がありません",
                 endpoint=url, method="GET", value=resp.text[:200])
    elif got != minor:
        ctx.fail(f"imsx_codeMinorFieldValue is {got!r}, not {minor}", ja=f"imsx_codeMinorFieldValue が {minor} ではありません",
                 endpoint=url, method="GET", claim=_MINOR_PATH, value=got)


def _probe_endpoint(ctx: CheckContext) -> R.Endpoint:
    for op in ("getAllUsers", "getAllOrgs", "getAllClasses", "getAllAcademicSessions"):
        if declared(ctx, R.BY_OPERATION[op]):
            return R.BY_OPERATION[op]
    flat = [e for e in R.ENDPOINTS if not e.single and not e.nested and declared(ctx, e)]
    if not flat:
        ctx.skip("the target declares no flat collection")
    return flat[0]


@rest_check("or.rest.error.not_found", f"{OAS} 404 unknownobject (single reads)", "error",
            ("存在しない sourcedId に 404 unknownobject を返す", "An unknown sourcedId answers 404 unknownobject"),
            ("単一取得で存在しない sourcedId を要求すると、404 と imsx_StatusInfo (imsx_codeMinorFieldValue="
             "unknownobject) が返ることを確認します。", "A single read of a sourcedId that does not exist answers "
             "404 with imsx_StatusInfo and imsx_codeMinorFieldValue unknownobject."))
def error_not_found(ctx: CheckContext) -> None:
    singles = [e for e in R.ENDPOINTS if e.single and declared(ctx, e)]
    if not singles:
        ctx.skip("the target declares no single read")
    wanted = [e for e in singles if e.operation_id in ("getUser", "getOrg", "getClass")] or singles[:1]
    for e in wanted:
        url = url_of(ctx, e, sourcedId="renkei-no-such-object-0000")
        resp = fetch(ctx, url, scopes_for(e))
        if resp is None:
            continue
        _error_answer(ctx, resp, 404, "unknownobject", url)


@rest_check("or.rest.error.payload", f"{OAS} imsx_StatusInfoDType", "error",
            ("エラー応答の imsx_StatusInfo が正しい", "Error answers carry a valid imsx_StatusInfo"),
            ("renkei が引き起こすエラー応答 (存在しない filter フィールド、存在しない sourcedId、トークンなし) がすべて "
             "imsx_codeMajor=failure、imsx_severity=error、語彙内の imsx_codeMinorFieldValue をもち、その値が HTTP "
             "ステータスに合う (404→unknownobject、401→unauthorisedrequest など) ことを確認します。",
             "The error answers renkei provokes (an unknown filter field, an unknown sourcedId, no token) each have "
             "imsx_codeMajor failure, imsx_severity error and an imsx_codeMinorFieldValue from the vocabulary that "
             "fits the status (404 unknownobject, 401 unauthorisedrequest ...)."))
def error_payload(ctx: CheckContext) -> None:
    e = _probe_endpoint(ctx)
    probes = [(url_of(ctx, e) + "?filter=renkeiNoSuchField%3D%27x%27", scopes_for(e), None)]
    single = next((s for s in R.ENDPOINTS if s.single and declared(ctx, s)), None)
    if single is not None:
        probes.append((url_of(ctx, single, sourcedId="renkei-no-such-object-0000"), scopes_for(single), None))
    probes.append((url_of(ctx, e), [], ""))
    judged = 0
    for url, scopes, token in probes:
        resp = fetch(ctx, url, scopes, token=token)
        if resp is None:
            continue
        if resp.status < 400 or resp.status == 429:
            continue
        judged += 1
        data, minor = status_info(resp)
        if data is None:
            ctx.fail(f"HTTP {resp.status} without an imsx_StatusInfo payload", ja=f"HTTP {resp.status} に imsx_StatusInfo がありません",
                     endpoint=url, method="GET", value=resp.text[:200])
            continue
        if data.get("imsx_codeMajor") != "failure":
            ctx.fail(f"imsx_codeMajor is {data.get('imsx_codeMajor')!r}, not failure", ja="imsx_codeMajor が failure ではありません",
                     endpoint=url, method="GET", claim="imsx_codeMajor", value=data.get("imsx_codeMajor"))
        if data.get("imsx_severity") != "error":
            ctx.fail(f"imsx_severity is {data.get('imsx_severity')!r}, not error", ja="imsx_severity が error ではありません",
                     endpoint=url, method="GET", claim="imsx_severity", value=data.get("imsx_severity"))
        if minor not in R.CODE_MINOR:
            ctx.fail(f"imsx_codeMinorFieldValue {minor!r} is not in the vocabulary", ja="imsx_codeMinorFieldValue が語彙にありません",
                     endpoint=url, method="GET", claim=_MINOR_PATH, value=minor)
        elif minor not in R.MINOR_FOR_STATUS.get(resp.status, R.CODE_MINOR):
            ctx.fail(f"imsx_codeMinorFieldValue {minor} does not fit HTTP {resp.status}",
                     ja=f"imsx_codeMinorFieldValue {minor} が HTTP {resp.status} に合いません", endpoint=url, method="GET",
                     claim=_MINOR_PATH, value=minor)
    if not judged:
        ctx.fail("no error answer could be provoked (an unknown filter field, an unknown id and a missing token were "
                 "all answered with success)", ja="エラー応答を得られませんでした (未知の filter フィールド、未知の ID、トークンなしの"
                 "いずれも成功で応答)", endpoint=url_of(ctx, e), method="GET")


@rest_check("or.rest.auth.no_token", f"{OAS} 401 unauthorisedrequest; RFC 6750 §3", "error",
            ("トークンなしの要求を 401 で拒否する", "A request without a token is refused with 401"),
            ("Authorization ヘッダーなしの要求に 401 と unauthorisedrequest が返ることを確認します。",
             "A request without an Authorization header answers 401 with unauthorisedrequest."))
def auth_no_token(ctx: CheckContext) -> None:
    e = _probe_endpoint(ctx)
    url = url_of(ctx, e) + "?limit=1"
    resp = fetch(ctx, url, [], token="")
    if resp is None:
        return
    _error_answer(ctx, resp, 401, "unauthorisedrequest", url)


@rest_check("or.rest.auth.bad_token", f"{OAS} 401 unauthorisedrequest; RFC 6750 §3.1 invalid_token", "error",
            ("改ざんしたトークンを 401 で拒否する", "A forged token is refused with 401"),
            ("発行されたトークンの末尾を書き換えたもの、および無関係な文字列をトークンとして送り、401 と "
             "unauthorisedrequest が返ることを確認します。", "The issued token with its end altered, and an unrelated "
             "string, are sent as bearer tokens: each answers 401 with unauthorisedrequest."))
def auth_bad_token(ctx: CheckContext) -> None:
    target = target_of(ctx)
    e = _probe_endpoint(ctx)
    url = url_of(ctx, e) + "?limit=1"
    try:
        real = target.client.token(scopes_for(e))
    except TokenRefused as exc:
        ctx.stop_not_evaluated(f"no token to alter: {exc.en}")
    altered = real[:-4] + ("AAAA" if not real.endswith("AAAA") else "BBBB")
    for token in (altered, "renkei-not-a-token-0000000000"):
        resp = fetch(ctx, url, [], token=token)
        if resp is None:
            continue
        _error_answer(ctx, resp, 401, "unauthorisedrequest", url)


@rest_check("or.rest.auth.expired_token", "RFC 6749 §5.1 expires_in; RFC 6750 §3.1 invalid_token", "error",
            ("期限切れのトークンを 401 で拒否する", "An expired token is refused with 401"),
            ("expires_in が observation.expiry_wait_seconds 以下のとき、期限まで待って同じトークンで要求し 401 が返る"
             "ことを確認します。寿命がそれより長いトークンは待たずに評価対象外 (skipped) とします。",
             "When expires_in is at most observation.expiry_wait_seconds, renkei waits until the token expires and "
             "sends it again: the answer must be 401. Longer-lived tokens are skipped, not waited for."))
def auth_expired_token(ctx: CheckContext) -> None:
    target = target_of(ctx)
    e = _probe_endpoint(ctx)
    try:
        _, data = target.client.token_answer(scopes_for(e))
    except TokenRefused as exc:
        ctx.stop_not_evaluated(f"no token: {exc.en}")
    ttl = data.get("expires_in")
    budget = target.config.observation.expiry_wait_seconds
    if not isinstance(ttl, int | float) or ttl > budget:
        ctx.skip(f"the token lives {ttl!r} s, longer than observation.expiry_wait_seconds ({budget} s)")
    target.sleep(float(ttl) + 1.5)
    url = url_of(ctx, e) + "?limit=1"
    resp = fetch(ctx, url, [], token=data["access_token"])
    if resp is None:
        return
    _error_answer(ctx, resp, 401, "unauthorisedrequest", url)


@rest_check("or.rest.auth.scope", f"{OAS} security (scopes per operation); 403 forbidden", "error",
            ("スコープの足りないトークンを 403 で拒否する", "A token without the needed scope is refused with 403"),
            ("入れ子のパスは roster.readonly だけを受け付けるため、roster-core.readonly のトークンで 403 forbidden が返る"
             "ことを確認します。また roster-demographics.readonly だけのトークンで一覧を要求して 403 を確認します。",
             "Nested paths accept roster.readonly only, so a roster-core.readonly token must get 403 forbidden; a "
             "token holding roster-demographics.readonly only must get 403 on a rostering collection too."))
def auth_scope(ctx: CheckContext) -> None:
    target = target_of(ctx)
    survey = survey_of(ctx)
    nested = [r for r in survey.reads if r.collection is not None and r.endpoint.nested]
    probes: list[tuple[str, str]] = []
    if nested:
        probes.append((nested[0].url + "?limit=1", R.SCOPE_CORE))
    else:
        nested_eps = [e for e in R.ENDPOINTS if e.nested and not e.single and declared(ctx, e)]
        chosen = next(((e, ids) for e in nested_eps for ids in parents(survey, e, 1)), None)
        if chosen is not None:
            probes.append((url_of(ctx, chosen[0], **chosen[1]) + "?limit=1", R.SCOPE_CORE))
    if target.config.declares.demographics:
        e = _probe_endpoint(ctx)
        probes.append((url_of(ctx, e) + "?limit=1", R.SCOPE_DEMOGRAPHICS))
    if not probes:
        ctx.skip("no nested path and no demographics scope to test")
    for url, scope in probes:
        try:
            token = target.client.token([scope])
        except TokenRefused as exc:
            ctx.not_evaluated(f"no {scope} token could be obtained: {exc.en}")
            continue
        resp = fetch(ctx, url, [], token=token)
        if resp is None:
            continue
        _error_answer(ctx, resp, 403, "forbidden", url)


@rest_check("or.rest.auth.demographics", f"{OAS} /demographics security: roster-demographics.readonly", "error",
            ("人口統計 (demographics) は専用スコープなしで読めない", "Demographics need their scope"),
            ("roster-core.readonly (人口統計を除く) のトークンで /demographics を要求すると 403 が返ることを確認します。"
             "roster.readonly で読めるかどうかは資料で食い違う (OpenAPI は roster-demographics.readonly のみ、Ed-Fi 版の"
             "説明は roster.readonly を含む) ため判定しません。",
             "A roster-core.readonly token (rostering without demographics) gets 403 on /demographics. Whether "
             "roster.readonly opens demographics is not judged: the OpenAPI lists roster-demographics.readonly only, "
             "the Ed-Fi copy's scope text says roster.readonly includes them."))
def auth_demographics(ctx: CheckContext) -> None:
    target = target_of(ctx)
    e = R.BY_OPERATION["getAllDemographics"]
    if not target.config.declares.demographics:
        ctx.skip("the target does not declare demographics")
    url = url_of(ctx, e) + "?limit=1"
    try:
        token = target.client.token([R.SCOPE_CORE])
    except TokenRefused as exc:
        ctx.stop_not_evaluated(f"no roster-core.readonly token could be obtained: {exc.en}")
    resp = fetch(ctx, url, [], token=token)
    if resp is None:
        return
    if resp.status == 200:
        ctx.fail("demographics were served to a roster-core.readonly token", ja="roster-core.readonly のトークンに人口統計が返されました",
                 endpoint=url, method="GET")
        return
    _error_answer(ctx, resp, 403, "forbidden", url)


@rest_check("or.rest.rate_limit", f"{OAS} 429 server_busy; RFC 9110 §10.2.3 Retry-After", "warning",
            ("429 には Retry-After と server_busy を付ける", "A 429 carries Retry-After and server_busy"),
            ("この実行中に 429 を受け取った場合、Retry-After ヘッダー (秒数または HTTP 日付) があり、observation."
             "max_retry_after_seconds 以内であったことを確認します。renkei は Retry-After を守って待ちます。429 が一度も"
             "なければ評価対象外です。",
             "When the provider answered 429 during this run, each carried Retry-After (seconds or an HTTP date) "
             "within observation.max_retry_after_seconds. renkei waits as asked; a run without any 429 skips this."))
def rate_limit(ctx: CheckContext) -> None:
    target = target_of(ctx)
    # the survey is where a provider that throttles shows it; one that throttled the survey to a stop
    # is judged on the 429s it sent
    with contextlib.suppress(PeerUnavailable):
        survey_of(ctx)
    throttles = list(target.client.throttles)
    if not throttles:
        ctx.skip("the provider answered no request with 429")
    limit = target.config.observation.max_retry_after_seconds
    for t in throttles[:20]:
        if t.retry_after is None:
            ctx.fail("429 without Retry-After", ja="Retry-After のない 429 です", endpoint=t.url, method="GET")
        elif t.waited > limit:
            ctx.fail(f"Retry-After asks for {t.waited:.0f} s, more than {limit:.0f} s", ja=f"Retry-After が {t.waited:.0f} 秒を求めています",
                     endpoint=t.url, method="GET", value=t.retry_after)

