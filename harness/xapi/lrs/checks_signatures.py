"""``xapi-lrs`` signed-statement check (1.0.3 Data 2.6, Communication 1.5.2 / 9274.1.1 4.2.6, 4.1.3).

renkei signs a statement as a Learning Record Provider would (``signing``: an RS256 JWS with the
run's own key and certificate in ``x5c``, attached with the signature usageType as
``application/octet-stream`` in ``multipart/mixed``). The LRS must store it and give it back with its
signature; and it SHALL refuse with 400, storing nothing, a signature that is malformed in any of the
ways the LRS is told to verify: a payload that is not the statement, a body that is not a compact
JWS, an algorithm other than RS256/384/512, a signature the ``x5c`` certificate does not verify, and
a signature attachment that is not ``application/octet-stream`` (the cases of the ADL suite's
``E.Data2.6-SignedStatements.js`` and the certificate rule of the same section).
"""

from __future__ import annotations

import copy
from typing import Any

from renkei.harness.core.context import CheckContext
from renkei.harness.xapi.lrs import signing as G
from renkei.harness.xapi.lrs import statements as S
from renkei.harness.xapi.lrs.checks_base import expect, lrs_check, read_back, require, send, target_of
from renkei.harness.xapi.model import multipart as M
from renkei.harness.xapi.model.compare import differences


def _signer(ctx: CheckContext) -> tuple[G.Signer, G.Signer]:
    """The run's signer and a second key (for a signature its certificate does not verify)."""
    return target_of(ctx).shared("signers", lambda: (G.make_signer(), G.make_signer("renkei other key")))  # type: ignore[no-any-return]


def _post(ctx: CheckContext, body: bytes, ctype: str) -> Any:
    return send(ctx, "POST", "statements", content=body, content_type=ctype)


def _stored_signature(ctx: CheckContext, statement: dict[str, Any], jws_bytes: bytes) -> None:
    """The statement read back carries its signature attachment, and attachments=true returns the JWS."""
    sid = str(statement["id"])
    got = read_back(ctx, sid)
    if got is None:
        return
    for path in differences(statement, got):
        ctx.fail(f"the signed statement read back differs at {path}", ja=f"読み戻した署名つきステートメントの {path} が異なります",
                 endpoint=target_of(ctx).client.url("statements"), method="GET", claim=path)
    sha = M.attachment_for(jws_bytes, M.SIGNATURE_TYPE, M.SIGNATURE_USAGE, {})["sha2"]
    atts = got.get("attachments")
    mine = [a for a in atts if isinstance(a, dict) and a.get("usageType") == M.SIGNATURE_USAGE
            and str(a.get("sha2", "")).lower() == sha] if isinstance(atts, list) else []
    if not mine:
        ctx.fail("the signed statement came back without its signature attachment",
                 ja="署名つきステートメントが署名の添付なしで返りました", endpoint=target_of(ctx).client.url("statements"),
                 method="GET", claim="$.attachments", value=atts)
    resp = send(ctx, "GET", "statements", params={"statementId": sid, "attachments": "true"})
    if not expect(ctx, resp, (200,), "GET of the signed statement with attachments=true",
                  "署名つきステートメントの attachments=true の GET"):
        return
    assert resp is not None
    try:
        _statements, parts = M.parse_multipart(resp.body, resp.headers.get("content-type", ""))
    except M.MultipartError as exc:
        ctx.fail(f"the answer to attachments=true is not a readable multipart/mixed body: {exc.problem.message}",
                 ja="attachments=true の応答が multipart/mixed として読めません", endpoint=resp.url, method="GET",
                 value=resp.headers.get("content-type"))
        return
    if not any(p.body.strip() == jws_bytes for p in parts):
        ctx.fail("the JWS sent is not among the parts returned with attachments=true",
                 ja="送った JWS が attachments=true の応答にありません", endpoint=resp.url, method="GET")


def _refused(ctx: CheckContext, what: str, ja: str, statement: dict[str, Any], body: bytes, ctype: str) -> None:
    """POSTed, it must be 400; and the statement must not have been stored."""
    resp = _post(ctx, body, ctype)
    if not expect(ctx, resp, (400,), f"POST of a signed statement whose {what}", f"{ja}署名つきステートメントの POST"):
        return
    look = send(ctx, "GET", "statements", params={"statementId": str(statement["id"])})
    if look is not None and look.status == 200:
        ctx.fail(f"a signed statement whose {what} was refused with 400 but stored anyway",
                 ja=f"{ja}署名つきステートメントが 400 なのに保存されています", endpoint=look.url, method="GET")


@lrs_check("xapi.data.signature", "Data 2.6; Communication 1.5.2", "error",
           ("署名つきステートメントを保存・返却し、不正な署名を 400 で拒否する",
            "Signed statements are stored and returned; malformed signatures are refused with 400"),
           ("この実行で作った RSA 鍵と自己署名証明書 (JWS ヘッダーの x5c) で RS256 の JWS を作り、usageType "
            "http://adlnet.gov/expapi/attachments/signature・contentType application/octet-stream の添付として "
            "multipart/mixed で POST し、200 で保存され、読み戻したステートメントに署名の添付があり、attachments=true で"
            "同じ JWS が返ることを確認します。続いて、ペイロードが別のステートメントの JWS、JWS コンパクト形式でない署名、"
            "HS256 の署名、x5c の証明書と合わない鍵での署名、contentType が application/octet-stream でない署名の添付が、"
            "それぞれ 400 で拒否され保存されないことを確認します。添付 (declares.attachments) を宣言した LRS だけが対象です。",
            "Signs a statement as an RS256 JWS with an RSA key and a self-signed certificate made for the run (x5c "
            "in the JWS header), attaches it with usageType http://adlnet.gov/expapi/attachments/signature and "
            "contentType application/octet-stream, POSTs it as multipart/mixed and requires 200, the signature "
            "attachment on the statement read back, and the same JWS among the parts of attachments=true. Then a "
            "JWS whose payload is another statement, a signature that is not a compact JWS, an HS256 signature, "
            "a signature made with a key other than the x5c certificate's, and a signature attachment whose "
            "contentType is not application/octet-stream must each be refused with 400 and not stored. Only for "
            "an LRS that declares attachments (declares.attachments)."), ieee="4.2.6")
def signature(ctx: CheckContext) -> None:
    target = require(ctx, "attachments")
    signer, other = _signer(ctx)
    stmt = S.statement(target.run_iri, "signed")
    jws_bytes = G.sign(stmt, signer)
    sent, body, ctype = G.signed(stmt, jws_bytes)
    resp = _post(ctx, body, ctype)
    if expect(ctx, resp, (200,), "POST of a statement signed with RS256 (multipart/mixed)",
              "RS256 で署名したステートメントの POST"):
        _stored_signature(ctx, sent, jws_bytes)

    stmt = S.statement(target.run_iri, "signed/mismatch")
    different = copy.deepcopy(stmt)
    different["verb"] = {"id": "http://adlnet.gov/expapi/verbs/failed", "display": {"en-US": "failed"}}
    sent, body, ctype = G.signed(stmt, G.sign(different, signer))
    _refused(ctx, "JWS payload is another statement (another verb)", "ペイロードが別のステートメント (動詞違い) の",
             sent, body, ctype)

    stmt = S.statement(target.run_iri, "signed/not-a-jws")
    sent, body, ctype = G.signed(stmt, b"renkei: this is not a JWS")
    _refused(ctx, "signature is not a compact JWS", "署名が JWS コンパクト形式でない", sent, body, ctype)

    stmt = S.statement(target.run_iri, "signed/hs256")
    sent, body, ctype = G.signed(stmt, G.sign_hs256(stmt))
    _refused(ctx, "JWS uses HS256 (not RS256/384/512)", "HS256 の", sent, body, ctype)

    stmt = S.statement(target.run_iri, "signed/wrong-key")
    sent, body, ctype = G.signed(stmt, G.sign(stmt, signer, key=other.key))
    _refused(ctx, "signature does not verify with its x5c certificate", "x5c の証明書で検証できない",
             sent, body, ctype)

    stmt = S.statement(target.run_iri, "signed/content-type")
    sent, body, ctype = G.signed(stmt, G.sign(stmt, signer), content_type="text/plain; charset=ascii")
    _refused(ctx, "signature attachment is text/plain (not application/octet-stream)",
             "署名の添付が text/plain の", sent, body, ctype)
