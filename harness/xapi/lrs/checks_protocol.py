"""``xapi-lrs`` protocol checks (1.0.3 Communication 1.1, 2.8, 3.3, 4.0 / 9274.1.1 4.1): the version
header both ways, authentication, HEAD and the About resource."""

from __future__ import annotations

import uuid

from renkei.harness.core.context import CheckContext
from renkei.harness.xapi.lrs import statements as S
from renkei.harness.xapi.lrs.checks_base import (
    body_json,
    expect,
    lrs_check,
    read_back,
    require,
    send,
    target_of,
    write,
)
from renkei.harness.xapi.model.versions import HEADER


def latest(version: str) -> str:
    """The version an LRS of this line must name in every answer (1.0.3 §3.3: the latest patch)."""
    return "2.0.0" if version.startswith("2.") else "1.0.3"


@lrs_check("xapi.comm.version.header", "Communication 3.3", "error",
           ("すべての応答に X-Experience-API-Version がある", "Every answer carries X-Experience-API-Version"),
           ("Statement・About・エラー応答のそれぞれに X-Experience-API-Version があり、その版の最新パッチ (1.0.3 または "
            "2.0.0) であることを確認します。",
            "Statement, About and error answers each carry X-Experience-API-Version naming the latest patch "
            "version of the line (1.0.3 or 2.0.0)."), ieee="4.1.5")
def version_header(ctx: CheckContext) -> None:
    target = target_of(ctx)
    want = latest(target.version)
    answers = [send(ctx, "GET", "statements", params={"limit": "1"}),
               send(ctx, "GET", "statements", params={"statementId": "not-a-uuid"})]
    if target.config.declared("about"):
        answers.append(send(ctx, "GET", "about"))
    for resp in answers:
        if resp is None:
            continue
        got = resp.headers.get(HEADER)
        if got != want:
            ctx.fail(f"{HEADER} is {got!r}, not {want!r} (HTTP {resp.status})",
                     ja=f"{HEADER} が {want!r} ではなく {got!r} です", endpoint=resp.url, method=resp.method, value=got)


@lrs_check("xapi.comm.version.request", "Communication 3.3 (XAPI-00101)", "error",
           ("要求の版ヘッダーの受け付けと拒否", "The request version header is accepted and refused as specified"),
           ("版ヘッダーがない要求と、1.1.0・0.95 の要求は 400、版の短い形 (1.0 / 2.0) と別のパッチ (1.0.9 / 2.0.9) は"
            "受け付けられる (200) ことを確認します。",
            "Requests without the version header, or with 1.1.0 or 0.95, are refused with 400; the short form "
            "(1.0 / 2.0) and another patch (1.0.9 / 2.0.9) are accepted (200)."), ieee="4.1.5")
def version_request(ctx: CheckContext) -> None:
    line = "2.0" if target_of(ctx).version.startswith("2.") else "1.0"
    for value, status in ((None, 400), ("1.1.0", 400), ("0.95", 400), (line, 200), (f"{line}.9", 200)):
        resp = send(ctx, "GET", "statements", params={"limit": "1"}, version=value)
        what = f"{HEADER}: {value}" if value else f"no {HEADER}"
        expect(ctx, resp, (status,), f"GET statements with {what}", f"GET statements ({what})")


@lrs_check("xapi.comm.auth", "Communication 4.0 (XAPI-00334, XAPI-00335)", "error",
           ("認証のない要求・誤った資格情報は 401", "No or wrong credentials are answered 401"),
           ("Authorization のない要求と誤った secret の要求が 401、正しい HTTP Basic の要求が 200 になることを確認します。",
            "A request without Authorization and one with a wrong secret are answered 401; one with the right "
            "HTTP Basic credentials 200."), ieee="4.1.2")
def auth(ctx: CheckContext) -> None:
    target = target_of(ctx)
    key, _secret = target.client.credentials
    wrong = (key, "renkei-wrong-" + uuid.uuid4().hex)
    for creds, what in ((None, "no credentials"), (wrong, "a wrong secret")):
        resp = send(ctx, "GET", "statements", params={"limit": "1"}, auth=creds)
        expect(ctx, resp, (401,), f"GET statements with {what}", f"GET statements ({what})")
    resp = send(ctx, "GET", "statements", params={"limit": "1"})
    expect(ctx, resp, (200,), "GET statements with the target's Basic credentials", "正しい Basic 認証での GET")


@lrs_check("xapi.comm.head", "Communication 1.1", "error",
           ("HEAD は本文のない GET", "HEAD is GET without a body"),
           ("書いたステートメントへの HEAD が 200 で本文を返さないことを確認します。",
            "HEAD on a statement written is answered 200 without a body."), ieee="4.1.1")
def head(ctx: CheckContext) -> None:
    target = target_of(ctx)
    stmt = S.statement(target.run_iri, "head")
    if not write(ctx, stmt) or read_back(ctx, stmt["id"]) is None:
        return
    resp = send(ctx, "HEAD", "statements", params={"statementId": stmt["id"]})
    if expect(ctx, resp, (200,), "HEAD on a stored statement", "保存済みステートメントへの HEAD") and resp and resp.body:
        ctx.fail(f"HEAD returned a body of {len(resp.body)} bytes", ja="HEAD が本文を返しました",
                 endpoint=resp.url, method="HEAD")


@lrs_check("xapi.comm.about", "Communication 2.8 (XAPI-00317 for 2.0)", "error",
           ("About が対応版を返す", "About lists the versions"),
           ("GET about が 200 で {version: [...], extensions?: {...}} を返し、version に 1.0.x (1.0.3 の検査) または "
            "2.0.0 (2.0 の検査) があることを確認します。",
            "GET about is 200 with {version: [...], extensions?: {...}} and version lists a 1.0.x version "
            "(1.0.3 profile) or 2.0.0 (2.0 profile)."), ieee="4.1.6.7")
def about(ctx: CheckContext) -> None:
    target = require(ctx, "about")
    resp = send(ctx, "GET", "about")
    if not expect(ctx, resp, (200,), "GET about", "About の取得"):
        return
    assert resp is not None
    data = body_json(ctx, resp)
    if data is None:
        return
    versions = data.get("version") if isinstance(data, dict) else None
    if not isinstance(versions, list) or not all(isinstance(v, str) for v in versions):
        ctx.fail("about.version is not an array of strings", ja="about.version が文字列の配列ではありません",
                 endpoint=resp.url, method="GET", claim="$.version", value=versions)
        return
    two = target.version.startswith("2.")
    if (two and "2.0.0" not in versions) or (not two and not any(v.startswith("1.0.") for v in versions)):
        want = "2.0.0" if two else "a 1.0.x version"
        ctx.fail(f"about.version {versions} does not list {want}", ja=f"about.version に {want} がありません",
                 endpoint=resp.url, method="GET", claim="$.version", value=versions)
    if isinstance(data, dict) and "extensions" in data and not isinstance(data["extensions"], dict):
        ctx.fail("about.extensions is not an object", ja="about.extensions がオブジェクトではありません",
                 endpoint=resp.url, method="GET", claim="$.extensions")
