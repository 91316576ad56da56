"""``xapi-statements`` checks on the input itself: every record is a readable statement, and a capture
received what the target expected."""

from __future__ import annotations

from collections.abc import Iterable

from renkei.harness.core.context import CheckContext
from renkei.harness.xapi.model.rules import problem
from renkei.harness.xapi.statements.judging import report, statements_check, target_of
from renkei.harness.xapi.statements.target import Flag, LayerSpec, Statement, StatementsTarget, plan_layer

READABLE = "xapi.statements.readable"


def _objects(s: Statement) -> Iterable[Flag]:
    if isinstance(s.value, dict):
        return ()  # not a generator: this runs on every statement
    return [Flag(READABLE, problem("statement.type", "$"), type(s.value).__name__)]


@plan_layer(READABLE)
def _objects_layer(target: StatementsTarget, params: dict[str, object]) -> LayerSpec:
    return "objects", _objects


@statements_check(READABLE, "xAPI 1.0.3 Data §2.4 (a Statement is a JSON object, XAPI-00014); renkei input limits", "error",
                  ("すべての記録が文として読める", "Every record is a readable statement"),
                  ("ファイル (JSON 配列または 1 行 1 文の NDJSON) の各記録、または記録用 LRS が受けた各要求の本文が、上限"
                   "(1 文の大きさ、入れ子の深さ、文の数) の範囲内の JSON オブジェクトとして読めることを確認します。読めない"
                   "記録は行番号 (または要求) を示して報告し、他の検査はその記録を見ていないため「未評価」になります。",
                   "Each record of the file (a JSON array, or NDJSON with one statement per line), or each statements "
                   "request the recording LRS received, reads as a JSON object within the limits (statement size, "
                   "nesting depth, number of statements). An unreadable record is reported with its line (or request); "
                   "every other check did not see it and becomes not evaluated."))
def readable(ctx: CheckContext) -> None:
    target = target_of(ctx)
    reading = target.reading()
    for bad in reading.unreadable:
        ctx.fail(bad.message, ja=bad.message_ja, index=bad.index, **bad.where)
    ctx.count += reading.unreadable_count - len(reading.unreadable)
    if not reading.statements and not reading.unreadable_count:
        ctx.stop_not_evaluated("no statement was read (the file or the capture is empty)")
    report(ctx, target.layer(*_objects_layer(target, ctx.params)))


@statements_check("xapi.statements.received", "renkei capture (target capture.expect_statements)", "error",
                  ("想定した数の文が届く", "The expected number of statements arrives"),
                  ("取り込み (capture) で、対象ファイルの capture.expect_statements 件以上の文が wait_seconds 以内に記録用 "
                   "LRS に届いたことを確認します。ファイルを読む場合と、件数を指定しない場合は対象外です。",
                   "In a capture, at least capture.expect_statements statements reached the recording LRS within "
                   "wait_seconds. Skipped for a file, and when no count is given."))
def received(ctx: CheckContext) -> None:
    target = target_of(ctx)
    cap = target.config.capture
    if target.config.source != "capture" or cap is None or cap.expect_statements is None:
        ctx.skip("not a capture with capture.expect_statements")
    got = target.captured()
    if got.statements < cap.expect_statements:
        ctx.fail(f"{got.statements} of the {cap.expect_statements} expected statements arrived within "
                 f"{cap.wait_seconds:.0f} s", ja=f"想定 {cap.expect_statements} 件のうち {got.statements} 件しか "
                 f"{cap.wait_seconds:.0f} 秒以内に届きませんでした", endpoint=target.lrs.url if target.lrs else None)


@statements_check("xapi.statements.attachments", "xAPI 1.0.3 Communication §1.5.2 (multipart/mixed attachments), "
                  "Data §2.4.11, §2.6 (signed statements)", "error",
                  ("添付を正しく送る", "Attachments are sent correctly"),
                  ("取り込みで、添付のある文の要求が multipart/mixed の規則に従うことを確認します: fileUrl のない添付ごとに "
                   "sha2 の一致する部分があり、各部分に X-Experience-API-Hash (内容と一致) と Content-Transfer-Encoding: "
                   "binary があり、余分な部分がなく、署名付きの文 (JWS) の署名が検証できること。ファイルを読む場合は対象外です。",
                   "In a capture, requests carrying statements with attachments follow the multipart/mixed rules: each "
                   "attachment without a fileUrl has a part with a matching sha2, each part has X-Experience-API-Hash "
                   "(matching its content) and Content-Transfer-Encoding: binary, there is no extra part, and a signed "
                   "statement's JWS verifies. Skipped for a file."))
def attachments(ctx: CheckContext) -> None:
    target = target_of(ctx)
    if target.config.source != "capture":
        ctx.skip("a file carries no attachment parts (only a capture does)")
    got = target.captured()
    for request, p in got.attachment_problems:
        ref = ", ".join(x for x in (p.requirement, p.section) if x)
        ctx.fail(f"request {request.index}: {p.message}" + (f" ({ref})" if ref else ""),
                 ja=f"要求 {request.index}: {p.message_ja}" + (f" ({ref})" if ref else ""), column=p.path,
                 endpoint=f"[request {request.index}] {request.path}", method=request.method)
