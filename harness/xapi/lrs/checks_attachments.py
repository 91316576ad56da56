"""``xapi-lrs`` attachment checks (1.0.3 Communication 1.5.2, Data 2.4.11 / 9274.1.1 4.1.3): statements
with attachments sent as ``multipart/mixed`` (built by the model's ``multipart.build_multipart``), read
back with ``attachments=true``, and the refusals of a hash mismatch and of a missing part."""

from __future__ import annotations

from renkei.harness.core.context import CheckContext
from renkei.harness.xapi.lrs import statements as S
from renkei.harness.xapi.lrs.checks_base import expect, lrs_check, read_back, require, send
from renkei.harness.xapi.model import multipart as M

USAGE = "https://renkei.invalid/xapi/attachment-usage/answer-sheet"
CONTENT = "解答用紙: 問1 ア、問2 ウ\n".encode()


def _with_attachment(run_iri: str, name: str, content: bytes) -> dict[str, object]:
    stmt = S.statement(run_iri, name)
    stmt["attachments"] = [M.attachment_for(content, "text/plain; charset=utf-8", USAGE, {"ja-JP": "解答用紙"})]
    return stmt


@lrs_check("xapi.comm.attachments", "Communication 1.5.2; Data 2.4.11", "error",
           ("添付つきステートメントを multipart/mixed で送り、読み戻せる", "Attachments go in and come back as multipart/mixed"),
           ("添付 1 件つきのステートメントを multipart/mixed で POST して 200、attachments=true の GET が multipart/mixed"
            " で同じ内容の添付を返し、sha2 と内容が合わない添付と、fileUrl も添付部分もない添付が 400 になることを確認します。",
            "POSTs a statement with one attachment as multipart/mixed (200); GET with attachments=true returns "
            "multipart/mixed with the same attachment content; an attachment whose content does not match its "
            "sha2, and one with neither fileUrl nor a part, are refused with 400."), ieee="4.1.3")
def attachments(ctx: CheckContext) -> None:
    target = require(ctx, "attachments")
    stmt = _with_attachment(target.run_iri, "attachments", CONTENT)
    body, ctype = M.build_multipart([stmt], [("text/plain; charset=utf-8", CONTENT)])
    resp = send(ctx, "POST", "statements", content=body, content_type=ctype)
    if expect(ctx, resp, (200,), "POST of a statement with an attachment (multipart/mixed)", "添付つきの POST") \
            and read_back(ctx, str(stmt["id"])) is not None:
        got = send(ctx, "GET", "statements", params={"statementId": str(stmt["id"]), "attachments": "true"})
        if expect(ctx, got, (200,), "GET with attachments=true", "attachments=true の GET"):
            assert got is not None
            try:
                _statements, parts = M.parse_multipart(got.body, got.headers.get("content-type", ""))
            except M.MultipartError as exc:
                ctx.fail(f"the answer to attachments=true is not a readable multipart/mixed body: {exc.problem.message}",
                         ja="attachments=true の応答が multipart/mixed として読めません", endpoint=got.url, method="GET",
                         value=got.headers.get("content-type"))
            else:
                if not any(p.body == CONTENT for p in parts):
                    ctx.fail("the attachment sent is not among the parts returned", ja="送った添付が応答にありません",
                             endpoint=got.url, method="GET")
    tampered = _with_attachment(target.run_iri, "attachments/tampered", CONTENT)
    body, ctype = M.build_multipart([tampered], [("text/plain; charset=utf-8", CONTENT + b"!")])
    resp = send(ctx, "POST", "statements", content=body, content_type=ctype)
    expect(ctx, resp, (400,), "POST of an attachment whose part does not match its sha2", "sha2 と合わない添付の POST")
    missing = _with_attachment(target.run_iri, "attachments/missing", CONTENT)
    resp = send(ctx, "POST", "statements", body=missing)
    expect(ctx, resp, (400,), "POST (application/json) of an attachment with neither fileUrl nor a part",
           "fileUrl も添付部分もない添付の POST")
