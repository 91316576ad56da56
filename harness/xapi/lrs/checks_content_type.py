"""``xapi-lrs`` check of the media type of the Statement Resource's answers (1.0.3 Communication 2.1.3).

Why a check of its own: a client reads an answer by its Content-Type. An LRS (or a proxy in front of
it) that labels its statements ``text/html`` or ``text/plain`` breaks every strict client even when
the body is right, and would otherwise pass every other check, which read the body as JSON whatever
its label says.
"""

from __future__ import annotations

from renkei.harness.core.context import CheckContext
from renkei.harness.lti.protocol.http import ApiResponse
from renkei.harness.xapi.lrs import statements as S
from renkei.harness.xapi.lrs.checks_base import expect, lrs_check, read_back, send, target_of, write

JSON = "application/json"


def _labelled_json(ctx: CheckContext, resp: ApiResponse, what: str, ja: str) -> None:
    if resp.media_type != JSON:
        got = resp.headers.get("content-type")
        ctx.fail(f"{what}: the Content-Type is not {JSON}", ja=f"{ja}: Content-Type が {JSON} ではありません",
                 endpoint=resp.url, method=resp.method, value=got)


@lrs_check("xapi.comm.statements.content_type", "Communication 2.1.3 (attachments=false: MUST report application/json)",
           "error", ("ステートメントの応答は application/json", "Statement answers are application/json"),
           ("attachments を指定しない (既定 false の) GET statements の応答、すなわち StatementResult と statementId で"
            "取得した 1 件の Content-Type が application/json であることを確認します。本文が正しくても、別の型 (text/html"
            " など) を名乗る応答は型を見て読むクライアントを壊します。xAPI 2.0 (9274.1.1 4.1.6.1) にも同じ規則があることは"
            "1.0.3 からの類推で、未確認です。",
            "Answers to GET statements without attachments (false by default), a StatementResult and a single "
            "statement fetched by statementId, are labelled Content-Type application/json. An answer with a right "
            "body but another label (text/html ...) breaks every client that reads by the label. That xAPI 2.0 "
            "(9274.1.1 4.1.6.1) keeps the rule is inferred from 1.0.3, not verified."), ieee="4.1.6.1")
def content_type(ctx: CheckContext) -> None:
    target = target_of(ctx)
    resp = send(ctx, "GET", "statements", params={"limit": "1"})
    if expect(ctx, resp, (200,), "GET statements?limit=1", "GET statements?limit=1") and resp is not None:
        _labelled_json(ctx, resp, "GET statements?limit=1 (a StatementResult)", "StatementResult の応答")
    stmt = S.statement(target.run_iri, "content-type")
    if not write(ctx, stmt) or read_back(ctx, stmt["id"]) is None:
        return
    one = send(ctx, "GET", "statements", params={"statementId": stmt["id"]})
    if expect(ctx, one, (200,), "GET statements?statementId=…", "statementId での取得") and one is not None:
        _labelled_json(ctx, one, "GET statements?statementId=… (one statement)", "1 件の取得の応答")
