"""``xapi-lrs`` Statement Resource checks (1.0.3 Communication 2.1 / 9274.1.1 4.1.6.1): writing,
batches, immutability, queries (filters, ``more``, order, since/until, related, format) and the
parameter rules. Every statement written is run-marked (activity ids and registrations of this run)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from renkei.harness.core.context import CheckContext
from renkei.harness.xapi.lrs import statements as S
from renkei.harness.xapi.lrs.checks_base import (
    body_json,
    expect,
    has_all,
    ids_of,
    lrs_check,
    query,
    read_back,
    send,
    target_of,
    where,
    write,
)
from renkei.harness.xapi.lrs.client import parse_time
from renkei.harness.xapi.model.compare import differences
from renkei.harness.xapi.model.versions import CONSISTENT_THROUGH


@lrs_check("xapi.comm.statements.put", "Communication 2.1.1 (XAPI-00144, XAPI-00145)", "error",
           ("PUT statements は statementId を必須とし 204 を返す", "PUT statements needs statementId and answers 204"),
           ("statementId 付きの PUT が 204 で受け付けられ、statementId のない PUT と、本文の id が statementId と異なる"
            " PUT が 400 で拒否されることを確認します。",
            "A PUT with statementId is answered 204; a PUT without statementId, and one whose body id differs "
            "from statementId, are refused with 400."), ieee="4.1.6.1")
def put(ctx: CheckContext) -> None:
    target = target_of(ctx)
    stmt = S.statement(target.run_iri, "put")
    write(ctx, stmt)
    other = S.statement(target.run_iri, "put/no-id")
    resp = send(ctx, "PUT", "statements", body=other)
    expect(ctx, resp, (400,), "PUT statements without statementId", "statementId のない PUT")
    mismatch = S.statement(target.run_iri, "put/mismatch")
    resp = send(ctx, "PUT", "statements", params={"statementId": str(uuid.uuid4())}, body=mismatch)
    expect(ctx, resp, (400,), "PUT whose body id differs from statementId", "本文の id と statementId が異なる PUT")


@lrs_check("xapi.comm.statements.post", "Communication 2.1.2; Data 2.4.1 (XAPI-00026)", "error",
           ("POST statements は id の配列を順に返す", "POST statements answers the ids in order"),
           ("2 件 (1 件は id なし) を配列で POST し、200 と 2 件の id の配列 (送った順、id のないものは LRS が付けた UUID)"
            " が返り、どちらも読み戻せることを確認します。",
            "POSTs an array of two statements (one without id) and requires 200 with an array of two ids in the "
            "order sent (the LRS generating the missing one), both readable afterwards."), ieee="4.1.6.1")
def post(ctx: CheckContext) -> None:
    target = target_of(ctx)
    first = S.statement(target.run_iri, "post/1")
    second = S.statement(target.run_iri, "post/2", with_id=False)
    resp = send(ctx, "POST", "statements", body=[first, second])
    if not expect(ctx, resp, (200,), "POST of two valid statements", "正しいステートメント 2 件の POST"):
        return
    assert resp is not None
    ids = body_json(ctx, resp)
    if not (isinstance(ids, list) and len(ids) == 2 and all(isinstance(i, str) for i in ids)):
        ctx.fail("the answer is not an array of two statement ids", ja="応答が 2 件の id の配列ではありません",
                 endpoint=resp.url, method="POST", value=resp.text[:200])
        return
    if ids[0] != first["id"]:
        ctx.fail(f"the first id is {ids[0]!r}, not the id sent ({first['id']})", ja="1 件目の id が送った id と異なります",
                 endpoint=resp.url, method="POST", claim="$[0]")
    for sid, sent in zip(ids, (first, {**second, "id": ids[1]}), strict=True):
        got = read_back(ctx, sid)
        if got is not None and differences(sent, got):
            ctx.fail(f"statement {sid} came back changed at {differences(sent, got)[0]}",
                     ja=f"ステートメント {sid} が変わって返りました", method="GET", **where(ctx))


@lrs_check("xapi.comm.statements.batch", "Communication 2.1.2, 3.2", "error",
           ("不正な 1 件を含むバッチは全体が拒否される", "A batch with one invalid statement is refused whole"),
           ("正しい 1 件と actor のない 1 件を一緒に POST し、400 で拒否され、正しい方も保存されないことを確認します。",
            "POSTs a valid statement together with one without actor; requires 400 and that the valid one was "
            "not stored either."), ieee="4.1.6.1")
def batch(ctx: CheckContext) -> None:
    target = target_of(ctx)
    good = S.statement(target.run_iri, "batch/good")
    bad = S.statement(target.run_iri, "batch/bad")
    del bad["actor"]
    resp = send(ctx, "POST", "statements", body=[good, bad])
    if not expect(ctx, resp, (400,), "POST of a batch with a statement without actor", "actor のない 1 件を含むバッチ"):
        return
    look = send(ctx, "GET", "statements", params={"statementId": good["id"]})
    if look is not None and look.status == 200:
        ctx.fail("the valid statement of the refused batch was stored", ja="拒否されたバッチの正しい 1 件が保存されています",
                 endpoint=look.url, method="GET")


@lrs_check("xapi.comm.statements.immutable", "Data 2.3 (Statement Immutability); Communication 2.1.1", "error",
           ("保存済みの id に別の内容を送っても変わらない", "A stored statement does not change when its id is re-sent"),
           ("書いたステートメントと同じ id で内容の違うものを PUT し、204 か 409 が返り、読み戻すと最初の内容のままである"
            "ことを確認します。",
            "PUTs different content under the id of a stored statement; requires 204 or 409 and the first "
            "content when read back."), ieee="4.1.6.1")
def immutable(ctx: CheckContext) -> None:
    target = target_of(ctx)
    stmt = S.statement(target.run_iri, "immutable")
    if not write(ctx, stmt) or read_back(ctx, stmt["id"]) is None:
        return
    changed = {**stmt, "verb": {"id": "http://adlnet.gov/expapi/verbs/attempted", "display": {"en-US": "attempted"}}}
    resp = send(ctx, "PUT", "statements", params={"statementId": stmt["id"]}, body=changed)
    expect(ctx, resp, (204, 409), "PUT of other content under a stored id", "保存済み id への別内容の PUT")
    got = read_back(ctx, stmt["id"])
    if got is not None:
        for path in differences(stmt, got):
            ctx.fail(f"{path} changed after other content was sent under the same id",
                     ja=f"同じ id で別内容を送った後 {path} が変わりました", method="GET", claim=path, **where(ctx))


@lrs_check("xapi.comm.statements.conflict", "Communication 2.1.1 (SHOULD)", "warning",
           ("保存済みの id に別の内容を送ると 409", "Other content under a stored id is answered 409"),
           ("保存済みの id で内容の違うステートメントを PUT すると 409 Conflict が返ることを確認します (SHOULD)。",
            "PUTting different content under a stored id SHOULD be answered 409 Conflict."), ieee="4.1.6.1")
def conflict(ctx: CheckContext) -> None:
    target = target_of(ctx)
    stmt = S.statement(target.run_iri, "conflict")
    if not write(ctx, stmt):
        return
    changed = {**stmt, "verb": {"id": "http://adlnet.gov/expapi/verbs/attempted", "display": {"en-US": "attempted"}}}
    resp = send(ctx, "PUT", "statements", params={"statementId": stmt["id"]}, body=changed)
    expect(ctx, resp, (409,), "PUT of other content under a stored id", "保存済み id への別内容の PUT")


def _marked(ctx: CheckContext, name: str, count: int, **kw: Any) -> tuple[str, list[dict[str, Any]]] | None:
    """``count`` statements written one by one under a fresh registration; None after a finding."""
    target = target_of(ctx)
    registration = str(uuid.uuid4())
    written = []
    for i in range(count):
        stmt = S.statement(target.run_iri, f"{name}/{i}", registration=registration, **kw)
        if not write(ctx, stmt):
            return None
        written.append(stmt)
    return registration, written


@lrs_check("xapi.comm.statements.filters", "Communication 2.1.3", "error",
           ("agent・verb・activity・registration で検索できる", "Queries by agent, verb, activity and registration"),
           ("書いたステートメントが agent・verb・activity・registration の各条件で見つかり、どれにも合わない検索は 200 と"
            "空の配列になることを確認します。",
            "A statement written is found by agent, verb, activity and registration filters; a query matching "
            "nothing is 200 with an empty array."), ieee="4.1.6.1")
def filters(ctx: CheckContext) -> None:
    learner = S.learner()
    made = _marked(ctx, "filters", 1, actor=learner)
    if made is None:
        return
    registration, (stmt,) = made
    agent = json.dumps({"objectType": "Agent", "account": learner["account"]})
    for params in ({"registration": registration}, {"agent": agent}, {"activity": stmt["object"]["id"]},
                   {"verb": stmt["verb"]["id"], "registration": registration}):
        got = query(ctx, params, until=has_all([stmt["id"]]))
        if got is not None and stmt["id"] not in ids_of(got[0]):
            ctx.fail(f"the statement written is not found by {', '.join(params)}",
                     ja=f"{', '.join(params)} で書いたステートメントが見つかりません", endpoint=got[1].url, method="GET")
    none = query(ctx, {"registration": str(uuid.uuid4())})
    if none is not None and none[0]:
        ctx.fail(f"a query matching nothing returned {len(none[0])} statement(s)", ja="該当なしの検索で結果が返りました",
                 endpoint=none[1].url, method="GET")


@lrs_check("xapi.comm.statements.more", "Communication 2.1.3; Data 2.5 (StatementResult more)", "error",
           ("more をたどると全件が 1 回ずつそろう", "Following more gives every statement exactly once"),
           ("同じ registration で 3 件書き、limit=1 で検索して more をたどり、最初のページに more があり、3 件が重複も"
            "欠けもなくそろうことを確認します。",
            "Writes three statements under one registration, queries with limit=1 and follows more: the first "
            "page has a more IRL and the three come exactly once."), ieee="4.1.6.1")
def more(ctx: CheckContext) -> None:
    target = target_of(ctx)
    made = _marked(ctx, "more", 3)
    if made is None:
        return
    registration, written = made
    wanted = [s["id"] for s in written]
    first = query(ctx, {"registration": registration}, until=has_all(wanted))
    if first is None:
        return
    page = query(ctx, {"registration": registration, "limit": "1"})
    if page is None:
        return
    data = page[1].json()
    if len(page[0]) > 1:
        ctx.fail(f"limit=1 returned {len(page[0])} statements", ja="limit=1 で 2 件以上返りました",
                 endpoint=page[1].url, method="GET")
    if not data.get("more"):
        ctx.fail("the first page of three statements with limit=1 has no more IRL",
                 ja="limit=1 で 3 件中の最初のページに more がありません", endpoint=page[1].url, method="GET",
                 claim="$.more", value=data.get("more"))
        return
    every, pages, stopped = target.client.follow_more(page[1])
    if stopped:
        ctx.fail(f"following more stopped: {stopped}", ja=f"more をたどれませんでした: {stopped}",
                 endpoint=pages[-1].url, method="GET")
    seen = ids_of(every)
    for sid in wanted:
        if seen.count(sid) != 1:
            ctx.fail(f"statement {sid} came {seen.count(sid)} times over the more pages",
                     ja=f"ステートメント {sid} が more のページ全体で {seen.count(sid)} 回返りました",
                     endpoint=pages[-1].url, method="GET")


@lrs_check("xapi.comm.statements.order", "Communication 2.1.3 (since, until, ascending)", "error",
           ("stored の順と since・until・ascending", "stored order, since, until and ascending"),
           ("3 件を順に書き、既定では新しい順、ascending=true では古い順に返り、since (その時刻を含まない) と until"
            " (含む) が stored で絞り込むことを確認します。",
            "Writes three statements one after another: by default they come newest stored first, with "
            "ascending=true oldest first; since (exclusive) and until (inclusive) filter on stored."),
           ieee="4.1.6.1")
def order(ctx: CheckContext) -> None:
    made = _marked(ctx, "order", 3)
    if made is None:
        return
    registration, written = made
    wanted = [s["id"] for s in written]
    got = query(ctx, {"registration": registration}, until=has_all(wanted))
    if got is None:
        return
    stored = {s.get("id"): s.get("stored") for s in got[0]}
    times = [parse_time(stored.get(i)) if isinstance(stored.get(i), str) else None for i in wanted]
    if None in times:
        ctx.stop_not_evaluated("not every statement written came back with a readable stored timestamp")
    if not times[0] < times[1] < times[2]:  # type: ignore[operator]
        ctx.stop_not_evaluated("the three statements were stored at the same instant; their order cannot be told")
    if ids_of(got[0]) != wanted[::-1]:
        ctx.fail(f"default order is {ids_of(got[0])}, not newest stored first {wanted[::-1]}",
                 ja="既定の順が stored の新しい順ではありません", endpoint=got[1].url, method="GET")
    asc = query(ctx, {"registration": registration, "ascending": "true"})
    if asc is not None and ids_of(asc[0]) != wanted:
        ctx.fail("ascending=true is not oldest stored first", ja="ascending=true が stored の古い順ではありません",
                 endpoint=asc[1].url, method="GET")
    since = query(ctx, {"registration": registration, "since": str(stored[wanted[0]])})
    if since is not None and sorted(ids_of(since[0])) != sorted(wanted[1:]):
        ctx.fail("since=<stored of the first> must return exactly the two later statements (since is exclusive)",
                 ja="since が最初の 1 件を除く 2 件を返しません (since はその時刻を含みません)",
                 endpoint=since[1].url, method="GET")
    until = query(ctx, {"registration": registration, "until": str(stored[wanted[1]])})
    if until is not None and sorted(ids_of(until[0])) != sorted(wanted[:2]):
        ctx.fail("until=<stored of the second> must return exactly the first two statements (until is inclusive)",
                 ja="until が最初の 2 件を返しません (until はその時刻を含みます)", endpoint=until[1].url, method="GET")


@lrs_check("xapi.comm.statements.related", "Communication 2.1.3 (related_activities, related_agents)", "error",
           ("related_activities・related_agents で広げて検索できる", "related_activities and related_agents widen a query"),
           ("親 activity と instructor を持つステートメントが、activity=親・agent=instructor だけでは見つからず、"
            "related_activities=true・related_agents=true を付けると見つかることを確認します。",
            "A statement with a parent activity and an instructor is not found by activity=<parent> or "
            "agent=<instructor> alone, and is found with related_activities=true / related_agents=true."),
           ieee="4.1.6.1")
def related(ctx: CheckContext) -> None:
    target = target_of(ctx)
    parent = target.activity(f"related-parent/{uuid.uuid4().hex[:8]}")
    teacher = S.learner()
    stmt = S.statement(target.run_iri, "related")
    stmt["context"]["contextActivities"] = {"parent": [{"id": parent}]}
    stmt["context"]["instructor"] = teacher
    if not write(ctx, stmt) or read_back(ctx, stmt["id"]) is None:
        return
    agent = json.dumps({"objectType": "Agent", "account": teacher["account"]})
    for key, value, flag in (("activity", parent, "related_activities"), ("agent", agent, "related_agents")):
        wide = query(ctx, {key: value, flag: "true"}, until=has_all([stmt["id"]]))
        if wide is not None and stmt["id"] not in ids_of(wide[0]):
            ctx.fail(f"{key}=... with {flag}=true does not find the statement", ja=f"{flag}=true で見つかりません",
                     endpoint=wide[1].url, method="GET")
        narrow = query(ctx, {key: value})
        if narrow is not None and stmt["id"] in ids_of(narrow[0]):
            ctx.fail(f"{key}=... without {flag} finds a statement that only relates to it",
                     ja=f"{flag} なしで関連するだけのステートメントが見つかりました", endpoint=narrow[1].url, method="GET")


@lrs_check("xapi.comm.statements.format", "Communication 2.1.3 (format)", "error",
           ("format=ids と canonical", "format=ids and canonical"),
           ("format=ids では actor が IFI だけ・activity が id だけで返り、format=canonical (Accept-Language: ja-JP) では"
            "言語マップが 1 言語だけで返ることを確認します。",
            "With format=ids the actor comes back with its IFI only and the activity with its id only; with "
            "format=canonical (Accept-Language: ja-JP) each language map has one language."), ieee="4.1.6.1")
def format_(ctx: CheckContext) -> None:
    target = target_of(ctx)
    stmt = S.statement(target.run_iri, "format")
    if not write(ctx, stmt) or read_back(ctx, stmt["id"]) is None:
        return
    resp = send(ctx, "GET", "statements", params={"statementId": stmt["id"], "format": "ids"})
    if expect(ctx, resp, (200,), "GET with format=ids", "format=ids の取得"):
        assert resp is not None
        got = body_json(ctx, resp)
        actor = got.get("actor") if isinstance(got, dict) else None
        obj = got.get("object") if isinstance(got, dict) else None
        if not isinstance(actor, dict) or "name" in actor or "account" not in actor:
            ctx.fail("format=ids: the actor is not reduced to its IFI", ja="format=ids で actor が IFI だけになりません",
                     endpoint=resp.url, method="GET", claim="$.actor", value=actor)
        if not isinstance(obj, dict) or "definition" in obj or obj.get("id") != stmt["object"]["id"]:
            ctx.fail("format=ids: the activity is not reduced to its id", ja="format=ids で activity が id だけになりません",
                     endpoint=resp.url, method="GET", claim="$.object", value=obj)
    resp = send(ctx, "GET", "statements", params={"statementId": stmt["id"], "format": "canonical"},
                headers={"Accept-Language": "ja-JP"})
    if expect(ctx, resp, (200,), "GET with format=canonical", "format=canonical の取得"):
        assert resp is not None
        got = body_json(ctx, resp)
        name = (((got or {}).get("object") or {}).get("definition") or {}).get("name") if isinstance(got, dict) \
            else None
        if not isinstance(name, dict) or len(name) != 1:
            ctx.fail("format=canonical: object.definition.name does not hold exactly one language",
                     ja="format=canonical で name が 1 言語になりません", endpoint=resp.url, method="GET",
                     claim="$.object.definition.name", value=name)


@lrs_check("xapi.comm.statements.parameters", "Communication 2.1.3, 3.2 (XAPI-00012)", "error",
           ("不正なパラメータの組み合わせは 400", "Invalid parameter combinations are refused with 400"),
           ("statementId と voidedStatementId の併用、statementId と verb の併用、未知のパラメータ、UUID でない "
            "registration がそれぞれ 400 になることを確認します。",
            "statementId with voidedStatementId, statementId with verb, an unknown parameter and a registration "
            "that is not a UUID are each refused with 400."), ieee="4.1.6.1")
def parameters(ctx: CheckContext) -> None:
    sid = str(uuid.uuid4())
    for params, what in (({"statementId": sid, "voidedStatementId": sid}, "statementId with voidedStatementId"),
                         ({"statementId": sid, "verb": S.VERB["id"]}, "statementId with verb"),
                         ({"renkeiUnknown": "1"}, "an unknown parameter"),
                         ({"registration": "not-a-uuid"}, "registration that is not a UUID")):
        resp = send(ctx, "GET", "statements", params=params)
        expect(ctx, resp, (400,), f"GET statements with {what}", f"GET statements ({what})")


@lrs_check("xapi.comm.statements.consistent_through", "Communication 2.1.3 (X-Experience-API-Consistent-Through)",
           "error", ("Consistent-Through ヘッダーが書き込みに追いつく", "Consistent-Through is sent and catches up"),
           ("Statement Resource の応答に X-Experience-API-Consistent-Through (ISO 8601) があり、書いたステートメントの "
            "stored 以降にまで (待ち時間の上限内に) 進むことを確認します。",
            "Statement Resource answers carry X-Experience-API-Consistent-Through (ISO 8601), and it reaches the "
            "stored time of a statement written (within the consistency wait)."), ieee="4.1.6.1")
def consistent_through(ctx: CheckContext) -> None:
    target = target_of(ctx)
    stmt = S.statement(target.run_iri, "consistent-through")
    if not write(ctx, stmt):
        return
    got = read_back(ctx, stmt["id"])
    stored = parse_time(got.get("stored")) if got is not None and isinstance(got.get("stored"), str) else None
    client = target.client
    end = client.clock() + client.obs.consistency_wait_seconds
    while True:
        resp = send(ctx, "GET", "statements", params={"limit": "1"})
        if resp is None:
            return
        raw = resp.headers.get(CONSISTENT_THROUGH)
        through = parse_time(raw)
        if through is None:
            ctx.fail(f"{CONSISTENT_THROUGH} is missing or not an ISO 8601 timestamp",
                     ja=f"{CONSISTENT_THROUGH} がないか ISO 8601 ではありません", endpoint=resp.url, method="GET",
                     value=raw)
            return
        if stored is None or through >= stored:
            return
        if client.clock() >= end:
            ctx.fail(f"{CONSISTENT_THROUGH} {raw} stayed before the stored time {got.get('stored')} of a statement "
                     "already readable", ja=f"{CONSISTENT_THROUGH} が書いたステートメントの stored に追いつきません",
                     endpoint=resp.url, method="GET", value=raw)
            return
        client.sleep(client.obs.poll_interval_seconds)
