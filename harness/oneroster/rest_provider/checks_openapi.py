"""``or.rest.openapi.*``: schemathesis' response checks, run on the official OpenAPI, one renkei check each.

The run (``openapi.py``) is shared: requests are generated and sent once, and each check reports the
failures of its schemathesis check family, each located at the concrete request (method + URL with
its query) and saying what schemathesis saw.
"""

from __future__ import annotations

from renkei.harness.core import secret_registry
from renkei.harness.core.context import CheckContext
from renkei.harness.core.extras import MissingExtra
from renkei.harness.oneroster.rest_provider.checks_base import OAS, rest_check, target_of
from renkei.harness.oneroster.rest_provider.openapi import (
    DEFAULTS,
    NOT_JUDGED,
    shared_run,
    summary,
)

_HOW_EN = (" schemathesis generates GET requests from the official 1EdTech OneRoster 1.2 Rostering OpenAPI document "
           "(the operations the target declares; openapi_examples generated requests per operation, path ids partly "
           "taken from what the survey read, plus one plain request each; seed openapi_seed; at most "
           "openapi_max_requests requests and openapi_max_seconds seconds). renkei sends them with its own token "
           "and client (Retry-After honoured, requests spaced and capped) and schemathesis judges each answer.")
_HOW_JA = (" schemathesis が 1EdTech 公式の OneRoster 1.2 Rostering OpenAPI 文書から GET 要求を生成します (対象ファイルで"
           "宣言した操作のみ。操作ごとに openapi_examples 件と素の要求 1 件、パスの ID の一部は調査で読んだ実在の ID、"
           "シード openapi_seed、上限 openapi_max_requests 件・openapi_max_seconds 秒)。renkei が自分のトークンと"
           "クライアントで送り (Retry-After を守り、間隔と件数を制限)、schemathesis が各応答を判定します。")


def _report(ctx: CheckContext, name: str, ja: str) -> None:
    """Every failure of schemathesis' ``name`` check as a finding; what could not be judged, said."""
    try:
        result = shared_run(target_of(ctx), ctx.params)
    except MissingExtra as exc:  # documented: without renkei[openapi] these checks skip
        ctx.skip(str(exc))
    for reason in result.unseen:
        ctx.not_evaluated(reason)
    if result.more_unseen:
        ctx.not_evaluated(f"and {result.more_unseen} more requests or operations that could not be judged")
    if not result.responses:
        ctx.stop_not_evaluated("no answer from the provider was judged")
    scrub = secret_registry.active().scrub
    for f in result.of(name):
        seen = f"; {f.occurrences} answers of this operation" if f.occurrences > 1 else ""
        seen_ja = f"; この操作の {f.occurrences} 件の応答" if f.occurrences > 1 else ""
        what = summary(f)
        ctx.fail(scrub(f"{f.operation}: {f.title}" + (f": {what}" if what else "")
                       + f" (HTTP {f.status}; schemathesis {name}, {f.code} {f.kind}{seen})"),
                 ja=scrub(f"{f.operation}: {ja}" + (f": {what}" if what else "")
                          + f" (HTTP {f.status}; schemathesis {name}, {f.code} {f.kind}{seen_ja})"),
                 endpoint=f.url, method="GET", value=f.seen)


@rest_check("or.rest.openapi.server_error", f"{OAS} (schemathesis not_a_server_error)", "error",
            ("生成した要求にサーバーエラー (5xx) を返さない", "Generated requests get no server error (5xx)"),
            ("文書が許す要求 (型と制約を満たす引数) に 5xx を返さないことを確認します。5xx は利用側ではなく提供側の障害です。"
             + _HOW_JA,
             "A request the document allows (parameters of the documented types and constraints) is never "
             "answered with a 5xx: that is the provider failing, not the consumer." + _HOW_EN),
            params=dict(DEFAULTS))
def server_error(ctx: CheckContext) -> None:
    _report(ctx, "not_a_server_error", "サーバーエラーが返されました")


@rest_check("or.rest.openapi.status_code", f"{OAS} (schemathesis status_code_conformance)", "warning",
            ("応答の状態コードが公式 OpenAPI に記載されている", "Status codes are documented in the official OpenAPI"),
            ("応答の状態コードが操作の responses に記載されていることを確認します。警告とする理由: OpenAPI 3.0 は responses "
             "がすべての状態コードを網羅することを求めていません。また公式文書はすべての操作に default を記載しているため、"
             "schemathesis はこの文書ではどの状態コードも受け入れます (この検査は default のない文書でのみ失敗します)。"
             + _HOW_JA,
             "Each answer's status is one the operation's responses list. A warning because OpenAPI 3.0 does not "
             "require responses to cover every status, and because the official document declares 'default' on "
             "every operation, so schemathesis accepts any status for it (this check can only fail for a document "
             "without 'default')." + _HOW_EN),
            params=dict(DEFAULTS))
def status_code(ctx: CheckContext) -> None:
    _report(ctx, "status_code_conformance", "文書に記載のない状態コードです")


@rest_check("or.rest.openapi.content_type", f"{OAS} (schemathesis content_type_conformance)", "error",
            ("応答の Content-Type が公式 OpenAPI の記載と一致する",
             "Response media types match the official OpenAPI"),
            ("応答に Content-Type があり、文書の記載 (すべて application/json) と一致することを確認します。REST バインディング"
             "は JSON だけなので、ほかの形式の応答は利用側が読めません。" + _HOW_JA,
             "Each answer has a Content-Type and it is the one the document lists (application/json throughout): the "
             "REST binding is JSON only, so a consumer cannot read anything else." + _HOW_EN),
            params=dict(DEFAULTS))
def content_type(ctx: CheckContext) -> None:
    _report(ctx, "content_type_conformance", "Content-Type が文書の記載と一致しません")


@rest_check("or.rest.openapi.response_headers", f"{OAS} (schemathesis response_headers_conformance)", "error",
            ("応答ヘッダーが公式 OpenAPI のスキーマに適合する (X-Total-Count)",
             "Response headers conform to the official OpenAPI (X-Total-Count)"),
            ("文書が記載する応答ヘッダー (一覧の 200 応答の X-Total-Count、整数) が、送られた場合にスキーマに適合することを"
             "確認します。文書は X-Total-Count を必須としていないため、ないこと自体は or.rest.paging.* が判定します。整数で"
             "ない件数は利用側のページングを壊すためエラーです。" + _HOW_JA,
             "The response headers the document lists (X-Total-Count, an integer, on 200 collection answers) conform "
             "to their schema when sent. The document does not make X-Total-Count required, so its absence is "
             "judged by or.rest.paging.*; a count that is not an integer breaks a consumer's paging, hence an error."
             + _HOW_EN),
            params=dict(DEFAULTS))
def response_headers(ctx: CheckContext) -> None:
    _report(ctx, "response_headers_conformance", "応答ヘッダーが文書のスキーマに適合しません")


@rest_check("or.rest.openapi.response_schema", f"{OAS} (schemathesis response_schema_conformance)", "error",
            ("応答本文が公式 OpenAPI のスキーマに適合する", "Response bodies conform to the official OpenAPI schemas"),
            ("応答本文 (200 のエンベロープとオブジェクト、エラーの imsx_StatusInfo) が、その状態コードについて文書が示す"
             "スキーマに適合することを確認します (必須フィールド、型、列挙、additionalProperties: false、文字列の "
             "\"true\"/\"false\")。例外: fields=... を付けた要求には選んだフィールドだけが返るのが仕様本文の定めですが、"
             "文書はそれらを必須としているため、その応答の「必須プロパティがない」誤りは判定しません (or.rest.fields が"
             "判定します)。" + _HOW_JA,
             "Each answer's body (200 envelopes and objects, imsx_StatusInfo on errors) conforms to the schema the "
             "document gives for its status (required fields, types, enumerations, additionalProperties: false, the "
             "strings \"true\"/\"false\"). " + NOT_JUDGED + _HOW_EN),
            params=dict(DEFAULTS))
def response_schema(ctx: CheckContext) -> None:
    _report(ctx, "response_schema_conformance", "応答本文が文書のスキーマに適合しません")
