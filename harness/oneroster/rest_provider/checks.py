"""``oneroster-rest-provider`` checks: the token endpoint, endpoints and envelopes, objects, GUIDRefs.

renkei is the consumer (the 学習eポータル's side); every finding names the request (method + URL)
and, for an object, its index in the answer and the JSON path inside it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from renkei.harness.core.context import CheckContext
from renkei.harness.lti.protocol.browser import BrowserError
from renkei.harness.oneroster.model import rest as R
from renkei.harness.oneroster.model import rest_validate as V
from renkei.harness.oneroster.rest_provider.checks_base import (
    OAS,
    answered,
    browser_failure,
    rest_check,
    survey_of,
    target_of,
)
from renkei.harness.oneroster.rest_provider.client import Collection, TokenRefused


@rest_check("or.rest.token.issued", "RFC 6749 §4.4.2-4.4.3; OR12 REST OpenAPI securitySchemes OAuth2CC", "error",
            ("クライアントクレデンシャルでアクセストークンが発行される", "Client credentials obtain an access token"),
            ("トークンエンドポイントが grant_type=client_credentials の要求に 200 で access_token、token_type=Bearer、"
             "expires_in を返すことを確認します。", "The token endpoint answers a client_credentials request with 200, an "
             "access_token, token_type Bearer and expires_in."))
def token_issued(ctx: CheckContext) -> None:
    target = target_of(ctx)
    url = target.config.provider.token_url
    try:
        _, data = target.shared("token:answer", lambda: target.client.token_answer([R.SCOPE_ROSTER]))
    except TokenRefused as exc:
        ctx.fail(exc.en, ja=exc.ja, endpoint=url, method="POST")
        return
    if str(data.get("token_type", "")).lower() != "bearer":
        ctx.fail(f"token_type is {data.get('token_type')!r}, not Bearer", ja="token_type が Bearer ではありません",
                 endpoint=url, method="POST", claim="token_type", value=data.get("token_type"))
    if not isinstance(data.get("expires_in"), int | float) or isinstance(data.get("expires_in"), bool):
        ctx.fail("expires_in is missing or not a number (RFC 6749 §5.1 RECOMMENDED; a consumer needs it to renew)",
                 ja="expires_in がないか数値ではありません", endpoint=url, method="POST", claim="expires_in",
                 value=data.get("expires_in"))


@rest_check("or.rest.token.bad_secret", "RFC 6749 §5.2 invalid_client", "error",
            ("誤ったクライアントシークレットを拒否する", "A wrong client secret is refused"),
            ("誤ったシークレットでのトークン要求が 400 または 401 (error=invalid_client) で拒否されることを確認します。",
             "A token request with a wrong secret is refused with 400 or 401 and error invalid_client."))
def token_bad_secret(ctx: CheckContext) -> None:
    target = target_of(ctx)
    url = target.config.provider.token_url
    wrong = "renkei-wrong-secret-" + "x" * 16
    try:
        resp = target.client.token_request([R.SCOPE_ROSTER], secret=wrong)
    except BrowserError as exc:
        browser_failure(ctx, exc, "the token request failed", "トークン要求が失敗しました")
        return
    if resp.status == 200:
        ctx.fail("a token was issued for a wrong client secret", ja="誤ったシークレットでトークンが発行されました",
                 endpoint=url, method="POST")
        return
    if resp.status not in (400, 401):
        ctx.fail(f"HTTP {resp.status} instead of 400/401", ja=f"400/401 ではなく HTTP {resp.status} です",
                 endpoint=url, method="POST")
    try:
        data = resp.json()
    except BrowserError:
        data = None
    error = data.get("error") if isinstance(data, dict) else None
    if error != "invalid_client":
        ctx.fail(f"error is {error!r}, not invalid_client", ja=f"error が invalid_client ではありません ({error!r})",
                 endpoint=url, method="POST", claim="error", value=error)


@rest_check("or.rest.endpoint.answers", "OR12 REST §3.2 (41 read operations); OpenAPI paths", "error",
            ("宣言したエンドポイントがすべて応答する", "Every declared endpoint answers"),
            ("対象ファイルで宣言したエンドポイントごとに、一覧・単一取得・入れ子のパスが 200 で応答することを確認します。"
             "親の ID を一覧から選べないパスは評価できなかったものとして扱います。",
             "Every endpoint the target file declares answers 200 (collections, single reads, nested paths). A "
             "path whose parent ids cannot be chosen from the flat collections is reported as not evaluated."))
def endpoint_answers(ctx: CheckContext) -> None:
    survey = survey_of(ctx)
    for op, coll in survey.flat.items():
        _collection_answered(ctx, op, coll)
    for read in survey.reads:
        if read.collection is not None:
            _collection_answered(ctx, read.endpoint.operation_id, read.collection)
        elif read.error is not None:
            browser_failure(ctx, read.error, f"{read.endpoint.operation_id} could not be read",
                            f"{read.endpoint.operation_id} を読めませんでした")
        elif read.response is not None and read.response.status != 200:
            ctx.fail(f"{read.endpoint.operation_id}: HTTP {read.response.status} for an id listed by the collection",
                     ja=f"{read.endpoint.operation_id}: 一覧にある ID で HTTP {read.response.status} が返りました",
                     endpoint=read.url, method="GET")
    for op, why in survey.unreached.items():
        ctx.not_evaluated(f"{op}: {why}")


def _collection_answered(ctx: CheckContext, op: str, coll: Collection) -> None:
    if coll.pages and coll.pages[0].status != 200:
        ctx.fail(f"{op}: HTTP {coll.pages[0].status} instead of 200", ja=f"{op}: 200 ではなく HTTP {coll.pages[0].status}",
                 endpoint=coll.pages[0].url, method="GET")
    elif coll.error is not None and coll.error.code not in ("envelope", "status"):
        browser_failure(ctx, coll.error, f"{op} could not be read", f"{op} を読めませんでした")


@rest_check("or.rest.envelope", "OR12 REST OpenAPI *SetDType / Single*DType", "error",
            ("応答の包み (エンベロープ) が正しい", "Answers use the right envelope"),
            ("一覧は {\"users\": [...]} のようにコレクション名の配列で、単一取得は {\"user\": {...}} のように返ることを"
             "確認します (gradingPeriods/terms は academicSessions、schools は orgs、students/teachers は users)。",
             "Collections answer {\"users\": [...]} under the collection name and single reads {\"user\": {...}} "
             "(gradingPeriods/terms use academicSessions, schools orgs, students/teachers users)."))
def envelope(ctx: CheckContext) -> None:
    for endpoint, coll in answered(ctx):
        for page in coll.pages:
            if page.status == 200 and not page.envelope_ok:
                ctx.fail(f"{endpoint.operation_id}: no {endpoint.envelope!r} array in the answer",
                         ja=f"{endpoint.operation_id}: 応答に {endpoint.envelope!r} 配列がありません", endpoint=page.url,
                         method="GET")
                break
        if coll.bad_items:
            ctx.fail(f"{endpoint.operation_id}: {coll.bad_items} array element(s) are not objects",
                     ja=f"{endpoint.operation_id}: 配列の要素 {coll.bad_items} 個がオブジェクトではありません",
                     endpoint=coll.url, method="GET")
    for read in survey_of(ctx).reads:
        if read.response is None or read.response.status != 200:
            continue
        try:
            data = read.response.json()
        except BrowserError as exc:
            browser_failure(ctx, exc, "the answer is not JSON", "応答が JSON ではありません")
            continue
        key = read.endpoint.envelope
        if not isinstance(data, dict) or not isinstance(data.get(key), dict):
            ctx.fail(f"{read.endpoint.operation_id}: no {key!r} object in the answer",
                     ja=f"{read.endpoint.operation_id}: 応答に {key!r} オブジェクトがありません", endpoint=read.url, method="GET")
        elif data[key].get("sourcedId") != read.ids.get("sourcedId"):
            ctx.fail(f"{read.endpoint.operation_id}: the answer is another object ({data[key].get('sourcedId')!r})",
                     ja=f"{read.endpoint.operation_id}: 別のオブジェクトが返りました", endpoint=read.url, method="GET",
                     claim=f"{key}.sourcedId", value=data[key].get("sourcedId"))


def _judge_objects(ctx: CheckContext, judge: Callable[[R.ObjectSpec, dict[str, Any]], Iterable[V.Problem]]) -> None:
    """Judge every object read; one object served by several paths (/users, /students, a class's
    students) is reported once per problem, at the first answer that carried it."""
    seen = 0
    reported: set[tuple[str, str, str, str]] = set()
    for endpoint, url, index, obj in survey_of(ctx).objects():
        seen += 1
        spec = R.object_spec(endpoint.object)
        for p in judge(spec, obj):
            key = (spec.name, str(obj.get("sourcedId")), p.path, p.en)
            if key in reported:
                continue
            reported.add(key)
            ctx.fail(f"{spec.name} {obj.get('sourcedId')!r}: {p.en}", ja=f"{spec.name} {obj.get('sourcedId')!r}: {p.ja}",
                     endpoint=url, method="GET", index=index, claim=p.path, value=p.value)
    if not seen:
        ctx.skip("no object was read (see or.rest.endpoint.answers)")


@rest_check("or.rest.object.required", f"{OAS} *DType required", "error",
            ("必須フィールドがそろっている", "Required fields are present"),
            ("読んだすべてのオブジェクトに OpenAPI の必須フィールド (例: user は sourcedId, status, dateLastModified, "
             "enabledUser, givenName, familyName, roles) があり、空でないことを確認します。",
             "Every object read carries the OpenAPI's required fields (a user: sourcedId, status, dateLastModified, "
             "enabledUser, givenName, familyName, roles), none empty."))
def object_required(ctx: CheckContext) -> None:
    _judge_objects(ctx, V.missing_required)


@rest_check("or.rest.object.types", f"{OAS} *DType properties", "error",
            ("フィールドの型と語彙が正しい", "Field types and vocabularies are right"),
            ("文字列・日付 (YYYY-MM-DD)・日時 (RFC 3339)・列挙値 (ext: 拡張を含む)・\"true\"/\"false\" の文字列"
             " (enabledUser, primary など。JSON の真偽値は不可)・配列・roles の各要素を確認します。",
             "Strings, dates (YYYY-MM-DD), date-times (RFC 3339), enumerations (ext: terms allowed), the strings "
             "\"true\"/\"false\" (enabledUser, primary ...: JSON booleans are not allowed), arrays and each role."))
def object_types(ctx: CheckContext) -> None:
    _judge_objects(ctx, V.type_problems)


@rest_check("or.rest.object.unknown_fields", f"{OAS} *DType additionalProperties: false", "error",
            ("スキーマにないフィールドを送らない", "No fields outside the schema"),
            ("OpenAPI のオブジェクトは additionalProperties: false のため、スキーマにない項目は送れません。日本の拡張 "
             "(metadata.jp.*) は metadata の中に入れます。",
             "The OpenAPI objects are additionalProperties: false, so nothing outside the schema may be sent; the "
             "Japanese extensions (metadata.jp.*) belong inside metadata."))
def object_unknown_fields(ctx: CheckContext) -> None:
    _judge_objects(ctx, V.unknown_fields)


@rest_check("or.rest.guidref.shape", f"{OAS} *GUIDRefDType (href, sourcedId, type required)", "error",
            ("GUIDRef が {href, sourcedId, type} で型が正しい", "GUIDRefs are {href, sourcedId, type} of the right type"),
            ("参照 (course, school, terms, roles[].org など) が href (絶対 URI)・sourcedId・type をもち、type が参照先の"
             "種類と一致することを確認します。", "References (course, school, terms, roles[].org ...) carry href (an "
             "absolute URI), sourcedId and type, and the type names the kind of object referenced."))
def guidref_shape(ctx: CheckContext) -> None:
    _judge_objects(ctx, V.ref_problems)


@rest_check("or.rest.guidref.href", f"{OAS} *GUIDRefDType.href", "error",
            ("GUIDRef の href で参照先が取得できる", "GUIDRef hrefs resolve"),
            ("見本の GUIDRef (最大 observation.href_samples 件) の href を取得し、200 で同じ sourcedId のオブジェクトが"
             "返ることを確認します。別のオリジンを指す href は、トークンを送らずに指摘します。",
             "Sampled GUIDRef hrefs (up to observation.href_samples) are fetched: each answers 200 with the object of "
             "that sourcedId. An href on another origin is reported without sending the token there."))
def guidref_href(ctx: CheckContext) -> None:
    target = target_of(ctx)
    origin = urlsplit(target.config.rostering_url)
    picked: dict[str, tuple[str, str, str, int, str]] = {}
    for _endpoint, url, index, obj in survey_of(ctx).objects():
        for path, href, ref_sid, kind in V.hrefs(obj):
            if kind in R.REF_COLLECTION and kind != "resource" and href not in picked:
                picked[href] = (ref_sid, kind, url, index, path)
    if not picked:
        ctx.skip("no GUIDRef was read")
    samples = sorted(picked.items(), key=lambda kv: (kv[1][1], kv[0]))
    by_kind: dict[str, list[tuple[str, tuple[str, str, str, int, str]]]] = {}
    for item in samples:
        by_kind.setdefault(item[1][1], []).append(item)
    chosen: list[tuple[str, tuple[str, str, str, int, str]]] = []
    n = target.config.observation.href_samples
    while len(chosen) < n and any(by_kind.values()):
        for kind in sorted(by_kind):
            if by_kind[kind] and len(chosen) < n:
                chosen.append(by_kind[kind].pop(0))
    for href, (ref_sid, kind, url, index, path) in chosen:
        where = urlsplit(href)
        if (where.scheme, where.netloc) != (origin.scheme, origin.netloc):
            ctx.fail(f"href {href} points to another origin than the provider's", ja="href が提供者とは別のオリジンを指しています",
                     endpoint=url, method="GET", index=index, claim=path, value=href)
            continue
        try:
            resp = target.client.get(href, [R.SCOPE_ROSTER])
        except BrowserError as exc:
            browser_failure(ctx, exc, f"href {href} could not be read", f"href {href} を読めませんでした")
            continue
        if resp.status != 200:
            ctx.fail(f"href answers HTTP {resp.status}", ja=f"href が HTTP {resp.status} を返しました", endpoint=url,
                     method="GET", index=index, claim=path, value=href)
            continue
        try:
            data = resp.json()
        except BrowserError:
            data = None
        inner = next((v for v in data.values() if isinstance(v, dict)), None) if isinstance(data, dict) else None
        if not isinstance(inner, dict) or inner.get("sourcedId") != ref_sid:
            ctx.fail(f"href does not answer the {kind} {ref_sid!r}", ja=f"href が {kind} {ref_sid!r} を返しません",
                     endpoint=url, method="GET", index=index, claim=path, value=href)
