"""``xapi-lrs`` Alternate Request Syntax checks (1.0.3 Communication 1.3; removed in 9274.1.1).

In 1.0.3 an LRS MUST serve ``POST <resource>?method=<METHOD>`` with every header (Authorization,
X-Experience-API-Version, Content-Type, …), every parameter and the content as
``application/x-www-form-urlencoded`` form fields, exactly as the request it stands for (XAPI-00336,
XAPI-00148). renkei sends the form alone (no Authorization or version header on the outer POST), so
only an LRS that reads the form can answer it.

xAPI 2.0 removed the syntax. 9274.1.1 does not say that an LRS shall refuse it: it says an LRS shall
refuse parameters it does not recognise with 400, and that it *may* recognise and act on parameters
not in the standard (4.1.5). The ADL 2.0 suite expects a 4xx "assuming that this is simply not
allowed" (its own words). So for 2.0 an LRS that still serves the syntax is a warning, never a failure.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from renkei.harness.core.context import CheckContext
from renkei.harness.lti.protocol.http import ApiResponse
from renkei.harness.xapi.lrs import statements as S
from renkei.harness.xapi.lrs.checks_base import (
    body_json,
    expect,
    lrs_check,
    read_back,
    send,
    target_of,
)
from renkei.harness.xapi.model.compare import differences
from renkei.harness.xapi.model.versions import HEADER

FORM = "application/x-www-form-urlencoded"


def _alternate(ctx: CheckContext, method: str, fields: dict[str, str], *, query: dict[str, str] | None = None,
               http_method: str = "POST") -> ApiResponse | None:
    """``POST statements?method=<method>`` with ``fields`` (plus the credentials and version) as the form."""
    target = target_of(ctx)
    client = target.client
    form = {**fields, "Authorization": client.basic(*client.credentials), HEADER: target.version}
    return send(ctx, http_method, "statements", params={"method": method, **(query or {})},
                content=urlencode(form).encode("utf-8"), content_type=FORM, version=None, auth=None)


def _only(ctx: CheckContext, two: bool) -> None:
    version = target_of(ctx).version
    if version.startswith("2.") != two:
        ctx.skip("the Alternate Request Syntax is judged by " + ("xapi2-lrs (xAPI 2.0)" if two else
                                                               "xapi-lrs (xAPI 1.0.3)") + f", not for xAPI {version}")


@lrs_check("xapi.comm.alternate", "Communication 1.3 (XAPI-00336, XAPI-00148)", "error",
           ("Alternate Request Syntax (POST ?method=) を通常の要求と同じに扱う",
            "The Alternate Request Syntax (POST ?method=) is served as the request it stands for"),
           ("ヘッダー (Authorization・X-Experience-API-Version・Content-Type) と statementId・content をフォームの"
            "項目にした POST statements?method=PUT が 204 で、読み戻すと同じステートメントであること、POST "
            "statements?method=GET (statementId) が通常の GET と同じステートメントを 200 で返すこと、method=GET の "
            "limit=1 が StatementResult を返すこと、クエリに method 以外を含む要求と POST 以外の要求が 400 になることを"
            "確認します。外側の要求には Authorization も版ヘッダーも付けません (xAPI 1.0.3 のみ)。",
            "POST statements?method=PUT with the headers (Authorization, X-Experience-API-Version, Content-Type), "
            "statementId and content as form fields is answered 204 and the statement reads back unchanged; POST "
            "statements?method=GET with statementId returns the same statement as the plain GET (200); method=GET "
            "with limit=1 returns a StatementResult; a query with anything besides method, and the syntax sent "
            "with GET instead of POST, are refused with 400. The outer request carries neither Authorization nor "
            "a version header (xAPI 1.0.3 only)."), ieee="(removed in 2.0)")
def alternate(ctx: CheckContext) -> None:
    _only(ctx, two=False)
    target = target_of(ctx)
    stmt = S.statement(target.run_iri, "alternate-syntax")
    content = json.dumps(stmt, ensure_ascii=False)
    resp = _alternate(ctx, "PUT", {"statementId": stmt["id"], "content": content, "Content-Type": "application/json"})
    if expect(ctx, resp, (204,), "POST statements?method=PUT (a PUT in the Alternate Request Syntax)",
              "代替構文 (method=PUT) の POST"):
        got = read_back(ctx, stmt["id"])
        if got is not None:
            for path in differences(stmt, got):
                ctx.fail(f"the statement PUT through the Alternate Request Syntax differs at {path}",
                         ja=f"代替構文で PUT したステートメントの {path} が異なります",
                         endpoint=target.client.url("statements"), method="GET", claim=path)
            _same_as_plain_get(ctx, stmt["id"])
    resp = _alternate(ctx, "GET", {"limit": "1"})
    if expect(ctx, resp, (200,), "POST statements?method=GET with limit=1 (XAPI-00148)", "代替構文 (method=GET) の検索"):
        assert resp is not None
        data = body_json(ctx, resp)
        if not isinstance(data, dict) or not isinstance(data.get("statements"), list) or "more" not in data:
            ctx.fail("the answer to method=GET is not a StatementResult ({statements: [...], more})",
                     ja="method=GET の応答が StatementResult ではありません", endpoint=resp.url, method="POST",
                     value=resp.text[:200])
    extra = S.statement(target.run_iri, "alternate-syntax/extra")
    resp = _alternate(ctx, "PUT", {"statementId": extra["id"], "content": json.dumps(extra, ensure_ascii=False),
                                   "Content-Type": "application/json"}, query={"statementId": extra["id"]})
    expect(ctx, resp, (400,), "POST statements?method=PUT&statementId=… (extra information in the query)",
           "クエリに method 以外を含む代替構文")
    resp = _alternate(ctx, "POST", {"content": json.dumps(S.statement(target.run_iri, "alternate-syntax/get")),
                                    "Content-Type": "application/json"}, http_method="GET")
    expect(ctx, resp, (400,), "GET statements?method=POST (the syntax not issued as a POST)", "POST 以外の代替構文")


def _same_as_plain_get(ctx: CheckContext, statement_id: str) -> None:
    plain = send(ctx, "GET", "statements", params={"statementId": statement_id})
    alt = _alternate(ctx, "GET", {"statementId": statement_id})
    if not expect(ctx, alt, (200,), "POST statements?method=GET with statementId", "代替構文 (method=GET) の取得"):
        return
    assert alt is not None
    got = body_json(ctx, alt)
    want = body_json(ctx, plain) if plain is not None and plain.status == 200 else None
    if not isinstance(got, dict) or got.get("id") != statement_id:
        ctx.fail(f"method=GET did not return the statement {statement_id}",
                 ja=f"method=GET がステートメント {statement_id} を返しません", endpoint=alt.url, method="POST",
                 value=alt.text[:200])
    elif isinstance(want, dict) and want != got:
        ctx.fail("method=GET returned another representation than the plain GET "
                 f"(differs at {', '.join(differences(want, got, strict=True)[:5]) or 'its fields'})",
                 ja="method=GET の応答が通常の GET と異なります", endpoint=alt.url, method="POST")


@lrs_check("xapi.comm.alternate.removed", "Communication 1.3; removed in xAPI 2.0", "warning",
           ("xAPI 2.0 では Alternate Request Syntax を受け付けない (警告)",
            "xAPI 2.0: the removed Alternate Request Syntax is not served (warning)"),
           ("xAPI 2.0 で廃止された代替構文の POST statements?method=GET (limit=1) と method=PUT (content) が 4xx に"
            "なり、PUT したステートメントが保存されないことを確認します。9274.1.1 は代替構文を削除しましたが、拒否を"
            "義務づける文言は確認できず (4.1.5 は認識しないパラメータを 400 とする一方、仕様外のパラメータを認識して"
            "よいとしています)、ADL の 2.0 試験も「許されないと仮定して」4xx を期待しているため、警告にとどめます"
            " (xAPI 2.0 のみ)。",
            "POST statements?method=GET (limit=1) and method=PUT (content), the Alternate Request Syntax xAPI 2.0 "
            "removed, are answered 4xx and the statement PUT is not stored. 9274.1.1 deleted the syntax but no "
            "wording that an LRS shall refuse it was confirmed (4.1.5 refuses parameters an LRS does not "
            "recognise with 400, yet lets it recognise parameters outside the standard), and the ADL 2.0 suite "
            "expects 4xx 'assuming that this is simply not allowed', so this is a warning only (xAPI 2.0 only)."),
           ieee="4.1.5 (the syntax of 1.0.3 Communication 1.3 removed)")
def alternate_removed(ctx: CheckContext) -> None:
    _only(ctx, two=True)
    target = target_of(ctx)
    resp = _alternate(ctx, "GET", {"limit": "1"})
    _refused(ctx, resp, "POST statements?method=GET", "代替構文 (method=GET)")
    stmt = S.statement(target.run_iri, "alternate-syntax/removed")
    resp = _alternate(ctx, "PUT", {"statementId": stmt["id"], "content": json.dumps(stmt, ensure_ascii=False),
                                   "Content-Type": "application/json"})
    if _refused(ctx, resp, "POST statements?method=PUT", "代替構文 (method=PUT)"):
        look = send(ctx, "GET", "statements", params={"statementId": stmt["id"]})
        if look is not None and look.status == 200:
            ctx.fail("a statement sent in the removed Alternate Request Syntax was refused but stored anyway",
                     ja="廃止された代替構文で送ったステートメントが拒否されたのに保存されています", endpoint=look.url,
                     method="GET")


def _refused(ctx: CheckContext, resp: ApiResponse | None, what: str, ja: str) -> bool:
    if resp is None:
        return False
    if 400 <= resp.status < 500:
        return True
    ctx.fail(f"{what}: HTTP {resp.status}; the LRS still serves the Alternate Request Syntax, which xAPI 2.0 "
             "removed", ja=f"{ja}: HTTP {resp.status}。xAPI 2.0 で廃止された代替構文がまだ使えます",
             endpoint=resp.url, method=resp.method)
    return False
