"""``xapi-lrs`` Data checks (xAPI 1.0.3 Data / 9274.1.1 4.2): what the LRS accepts, rejects and returns.

Rejections are table-driven (``corpus.CORPUS``): every row is sent for real as a run-marked
statement, must be answered 400, and must not be stored (looked up by id afterwards: 404). Valid
statements must come back unchanged except for the fields the LRS sets (``compare.differences``).
"""

from __future__ import annotations

import uuid

from renkei.harness.core.context import CheckContext
from renkei.harness.xapi.lrs import corpus
from renkei.harness.xapi.lrs import statements as S
from renkei.harness.xapi.lrs.checks_base import (
    expect,
    ids_of,
    lrs_check,
    query,
    read_back,
    send,
    target_of,
    write,
    written,
)
from renkei.harness.xapi.lrs.client import parse_time
from renkei.harness.xapi.model.compare import differences


def reject_all(ctx: CheckContext, section: str) -> None:
    """Send every corpus row of ``section``; each must be refused with its status and not stored."""
    target = target_of(ctx)
    rows = corpus.cases(section, target.version)
    if not rows:
        ctx.skip(f"no corpus rows for {section} in xAPI {target.version}")
    for case in rows:
        label = f"{case.name} ({case.requirement})" if case.requirement else case.name
        stmt = S.statement(target.run_iri, f"rejected/{section}")
        case.mutate(stmt)
        resp = send(ctx, "POST", "statements", body=stmt)
        if resp is None:
            continue
        if resp.status != case.status:
            ctx.fail(f"{label}: HTTP {resp.status} instead of {case.status}",
                     ja=f"{label}: {case.status} ではなく HTTP {resp.status}",
                     endpoint=resp.url, method="POST", claim=case.name)
            continue
        sid = stmt.get("id")
        if isinstance(sid, str) and _is_uuid(sid):
            look = send(ctx, "GET", "statements", params={"statementId": sid})
            if look is not None and look.status == 200:
                ctx.fail(f"{label}: refused with {resp.status} but stored anyway",
                         ja=f"{case.name}: 拒否されたのに保存されています", endpoint=look.url, method="GET",
                         claim=case.name)


def _is_uuid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False


def _rejection(check_id: str, section: str, requirement: str, ieee: str, ja: str, en: str) -> None:
    ids = ", ".join(sorted({i.strip() for c in corpus.CORPUS if c.section == section
                            for i in c.requirement.split(",") if i.strip()}))

    @lrs_check(check_id, f"{requirement} ({ids})" if ids else requirement, "error", (f"{ja}の不正なステートメントを 400 で拒否する",
                                                            f"Invalid {en} statements are rejected with 400"),
               (f"{ja}の規則に反するステートメント (表 corpus の {section} 行) を実際に送り、400 で拒否され、保存されない"
                "ことを確認します。",
                f"Sends every statement of the corpus that breaks a {en} rule ({section} rows) and requires 400 "
                "and that the statement was not stored."), ieee=ieee)
    def run(ctx: CheckContext) -> None:
        reject_all(ctx, section)

    run.__name__ = f"reject_{section}"


for _args in (
    ("xapi.data.structure", "structure", "Data 2.2", "4.2.1", "ステートメント構造", "statement structure"),
    ("xapi.data.actor.ifi", "actor", "Data 2.4.2", "4.2.2.1", "actor・IFI", "actor and IFI"),
    ("xapi.data.verb", "verb", "Data 2.4.3", "4.2.2.1", "verb", "verb"),
    ("xapi.data.object", "object", "Data 2.4.4", "4.2.2.1", "object・サブステートメント", "object and sub-statement"),
    ("xapi.data.result", "result", "Data 2.4.5", "4.2.2.1", "result・score", "result and score"),
    ("xapi.data.context", "context", "Data 2.4.6", "4.2.2.1", "context", "context"),
    ("xapi.data.timestamp", "timestamp", "Data 2.4.7, 4.5", "4.2.7", "timestamp", "timestamp"),
    ("xapi.data.authority", "authority", "Data 2.4.9", "4.2.2.1", "authority", "authority"),
    ("xapi.data.version", "version", "Data 2.4.10", "4.2.2.1", "version", "version"),
    ("xapi.data.attachments", "attachments", "Data 2.4.11", "4.2.2.1", "添付 (attachments)", "attachment"),
    ("xapi.data.voiding.objecttype", "voiding", "Data 2.3.2", "4.2.5", "取り消し (voiding)", "voiding"),
):
    _rejection(*_args)


@lrs_check("xapi.data.roundtrip", "Data 2.3, 2.4; Communication 1.4", "error",
           ("受け付けたステートメントがそのまま返る", "An accepted statement comes back unchanged"),
           ("日本語を含む正しいステートメントを PUT し、GET で読み戻して、LRS が設定する stored・authority・version 以外が"
            "送ったとおりである (UTF-8 を含む) ことを確認します。",
            "PUTs a valid statement with Japanese text, reads it back and requires it unchanged (UTF-8 included) "
            "apart from stored, authority and version, which the LRS sets."), ieee="4.2.1")
def roundtrip(ctx: CheckContext) -> None:
    target = target_of(ctx)
    sent = written(ctx, "roundtrip", S.statement(target.run_iri, "roundtrip"))
    if sent is None:
        return
    got = read_back(ctx, sent["id"])
    if got is None:
        return
    for path in differences(sent, got):
        ctx.fail(f"{path} differs from what was sent", ja=f"{path} が送った値と異なります",
                 endpoint=target.client.url("statements"), method="GET", claim=path)


@lrs_check("xapi.data.stored", "Data 2.4.8, 2.4.9 (XAPI-00023)", "error",
           ("LRS が stored と authority を設定する", "The LRS sets stored and authority"),
           ("読み戻したステートメントに、LRS が付けた stored (ISO 8601) と authority (Agent/Group) があることを確認します。",
            "A statement read back carries the stored timestamp (ISO 8601) and the authority (an Agent or Group) "
            "the LRS assigned."), ieee="4.2.2.1")
def stored(ctx: CheckContext) -> None:
    target = target_of(ctx)
    sent = written(ctx, "roundtrip", S.statement(target.run_iri, "roundtrip"))
    got = read_back(ctx, sent["id"]) if sent else None
    if got is None:
        return
    where = {"endpoint": target.client.url("statements"), "method": "GET"}
    if parse_time(got.get("stored") if isinstance(got.get("stored"), str) else None) is None:
        ctx.fail("stored is missing or not an ISO 8601 timestamp", ja="stored がないか ISO 8601 ではありません",
                 claim="$.stored", value=got.get("stored"), **where)
    authority = got.get("authority")
    if not isinstance(authority, dict) or authority.get("objectType", "Agent") not in ("Agent", "Group"):
        ctx.fail("authority is missing or not an Agent/Group", ja="authority がないか Agent/Group ではありません",
                 claim="$.authority", value=authority, **where)


@lrs_check("xapi.data.version.retained", "Data 2.4.10; Communication 3.3 (XAPI-00332)", "error",
           ("受け付けた version が保たれる", "The accepted version is kept"),
           ("version を付けたステートメントを書き、読み戻した version が送った値のままであることを確認します。",
            "A statement sent with a version is read back with the same version."), ieee="4.1.5")
def version_retained(ctx: CheckContext) -> None:
    target = target_of(ctx)
    stmt = S.statement(target.run_iri, "version")
    stmt["version"] = "2.0.0" if target.version.startswith("2.") else "1.0.3"
    if not write(ctx, stmt):
        return
    got = read_back(ctx, stmt["id"])
    if got is not None and got.get("version") != stmt["version"]:
        ctx.fail(f"version came back as {got.get('version')!r}, not {stmt['version']!r}",
                 ja="version が送った値と異なります", endpoint=target.client.url("statements"), method="GET",
                 claim="$.version", value=got.get("version"))


@lrs_check("xapi.data.context.arrays", "Data 2.4.6.2 (XAPI-00096)", "error",
           ("contextActivities の値は配列で返る", "contextActivities values come back as arrays"),
           ("contextActivities.parent を単一のオブジェクトで送り、読み戻すと配列になっていることを確認します。",
            "Sends contextActivities.parent as a single object and requires an array when read back."),
           ieee="4.2.2.1")
def context_arrays(ctx: CheckContext) -> None:
    target = target_of(ctx)
    if target.version.startswith("2."):
        ctx.skip("xAPI 2.0 writes contextActivities values as arrays; whether an LRS must still accept the "
                 "single-object form is not confirmed from 9274.1.1, so this 1.0.3 rule is not judged")
    stmt = S.statement(target.run_iri, "context-arrays")
    parent = {"id": target.activity("course")}
    stmt["context"]["contextActivities"] = {"parent": parent}
    if not write(ctx, stmt):
        return
    got = read_back(ctx, stmt["id"])
    if got is None:
        return
    value = ((got.get("context") or {}).get("contextActivities") or {}).get("parent")
    if value != [parent]:
        ctx.fail(f"contextActivities.parent came back as {value!r}, not [{parent!r}]",
                 ja="contextActivities.parent が配列で返りません", endpoint=target.client.url("statements"),
                 method="GET", claim="$.context.contextActivities.parent", value=value)


@lrs_check("xapi.data.voiding", "Data 2.3.2; Communication 2.1.4", "error",
           ("取り消したステートメントは voidedStatementId でだけ取れる", "A voided statement is only returned by "
            "voidedStatementId"),
           ("renkei が書いたステートメントを取り消し (voided)、statementId では 404、検索結果には現れず、"
            "voidedStatementId では 200 でそのステートメントが返ることを確認します。renkei は自分で書いたもの以外は取り消しません。",
            "Voids a statement renkei wrote itself and requires 404 by statementId, its absence from query "
            "results, and 200 with the statement by voidedStatementId. renkei voids nothing it did not write."), ieee="4.2.5")
def voiding(ctx: CheckContext) -> None:
    target = target_of(ctx)
    stmt = S.statement(target.run_iri, "voided")
    if not write(ctx, stmt) or read_back(ctx, stmt["id"]) is None:
        return
    void = S.voiding(target.run_iri, stmt["id"])
    if not write(ctx, void) or read_back(ctx, void["id"]) is None:
        return
    plain = send(ctx, "GET", "statements", params={"statementId": stmt["id"]})
    expect(ctx, plain, (404,), "GET by statementId of a voided statement", "取り消したステートメントの statementId 取得")
    found = query(ctx, {"registration": stmt["context"]["registration"]})
    if found is not None and stmt["id"] in ids_of(found[0]):
        ctx.fail("a query returns the voided statement (voided statements only come by voidedStatementId)",
                 ja="検索で取り消したステートメントが返りました", endpoint=found[1].url, method="GET")
    got = read_back(ctx, stmt["id"], voided=True)
    if got is not None and differences(stmt, got):
        ctx.fail("the voided statement came back changed", ja="取り消したステートメントが変わって返りました",
                 endpoint=target.client.url("statements"), method="GET", claim=differences(stmt, got)[0])
