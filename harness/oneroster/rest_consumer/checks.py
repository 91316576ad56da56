"""``oneroster-rest-consumer`` checks: what the vendor's consumer asked renkei's provider for.

Every finding names the request (method, path and query as the consumer sent it) and the import it
belongs to (1: the first import; 2: the one after the school-year change).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

from renkei.harness.core.context import CheckContext
from renkei.harness.core.model import Severity
from renkei.harness.core.registry import check
from renkei.harness.lti.protocol import vocab
from renkei.harness.oneroster.model import query as Q
from renkei.harness.oneroster.model import rest as R
from renkei.harness.oneroster.rest_consumer.config import KIND
from renkei.harness.oneroster.rest_consumer.target import Imports, RestConsumerTarget

Entry = dict[str, Any]
TOKEN_PATH = "/oauth/token"
PAGING = ("limit", "offset")
_TEMPLATES = [(re.compile("^" + re.escape(R.ROSTERING_PATH) + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(e.path)) + "$"), e)
              for e in R.ENDPOINTS]


def consumer_check(id: str, requirement: str, severity: Severity | str, title: tuple[str, str],
                   description: tuple[str, str]) -> Any:
    return check(id, kind=KIND, requirement=requirement, severity=severity, title_ja=title[0], title_en=title[1],
                 description_ja=description[0], description_en=description[1])


def _imports(ctx: CheckContext) -> Imports:
    target: RestConsumerTarget = ctx.target
    return target.imports()


def endpoint_of(path: str) -> R.Endpoint | None:
    return next((e for rx, e in _TEMPLATES if rx.match(path)), None)


def _api(log: list[Entry]) -> list[Entry]:
    return [e for e in log if e["path"].startswith(R.ROSTERING_PATH)]


def _query(entry: Entry) -> dict[str, str]:
    return dict(parse_qsl(entry.get("query") or "", keep_blank_values=True))


def _key(entry: Entry) -> tuple[str, tuple[tuple[str, str], ...]]:
    q = _query(entry)
    return entry["path"], tuple(sorted((k, v) for k, v in q.items() if k not in PAGING))


def _where(entry: Entry, n: int) -> dict[str, Any]:
    q = f"?{entry['query']}" if entry.get("query") else ""
    return {"endpoint": f"[import {n}] {entry['path']}{q}", "method": entry["method"]}


def _both(imports: Imports) -> Iterable[tuple[int, list[Entry]]]:
    yield 1, imports.first
    yield 2, imports.second


def _coverage(entries: list[Entry]) -> tuple[int | None, int]:
    """(X-Total-Count served, how many of [0, total) the 200 answers covered)."""
    total = next((e["total"] for e in entries if e["status"] == 200 and e.get("total") is not None), None)
    covered: set[int] = set()
    for e in entries:
        if e["status"] != 200 or not e.get("returned"):
            continue
        try:
            offset = int(_query(e).get("offset", "0"))
        except ValueError:
            continue
        covered.update(range(offset, offset + e["returned"]))
    return total, len(covered & set(range(total))) if total is not None else len(covered)


def _collections(log: list[Entry]) -> dict[tuple[str, tuple[tuple[str, str], ...]], list[Entry]]:
    out: dict[tuple[str, tuple[tuple[str, str], ...]], list[Entry]] = {}
    for e in _api(log):
        ep = endpoint_of(e["path"])
        if ep is not None and not ep.single:
            out.setdefault(_key(e), []).append(e)
    return out


@consumer_check("or.rest.consumer.token", "RFC 6749 §4.4 client credentials; RFC 6750 §2.1", "error",
                ("トークンを正しく取得して使う", "Obtains a token correctly and uses it"),
                ("各取り込みで、API を呼ぶ前にクライアントクレデンシャルでトークンを取得し (200)、すべての API 要求に有効な"
                 "Bearer トークンを付けている (401 が一度もない) ことを確認します。",
                 "In each import the consumer obtains a client-credentials token (200) before calling the API, and "
                 "every API request carries a valid bearer token (no 401 at all)."))
def consumer_token(ctx: CheckContext) -> None:
    for n, log in _both(_imports(ctx)):
        tokens = [e for e in log if e["path"] == TOKEN_PATH]
        api = _api(log)
        if not any(t["status"] == 200 for t in tokens):
            ctx.fail(f"import {n}: no token was obtained", ja=f"取り込み {n}: トークンを取得していません",
                     endpoint=f"[import {n}] {TOKEN_PATH}", method="POST")
        elif api and api[0]["at"] < min(t["at"] for t in tokens if t["status"] == 200):
            ctx.fail(f"import {n}: the API was called before a token was obtained", ja=f"取り込み {n}: トークン取得前に API を"
                     "呼んでいます", **_where(api[0], n))
        for e in api:
            if e["status"] == 401:
                ctx.fail(f"import {n}: a request without a valid token (401)", ja=f"取り込み {n}: 有効なトークンのない要求 (401)",
                         **_where(e, n))
                break


def _needed(endpoint: R.Endpoint) -> str:
    if endpoint.object == "demographics":
        return R.SCOPE_DEMOGRAPHICS
    return R.SCOPE_ROSTER if endpoint.nested else R.SCOPE_CORE


@consumer_check("or.rest.consumer.scopes", "RFC 6749 §3.3 scope; OR12 REST OpenAPI security (least privilege)", "warning",
                ("必要なスコープだけを要求する", "Asks only for the scopes it needs"),
                ("取り込みで読んだパスに必要なスコープ (一覧は roster-core.readonly、入れ子は roster.readonly、人口統計は "
                 "roster-demographics.readonly) より広いスコープを要求していないかを確認します。個人情報の最小化のため"
                 "の推奨で、仕様の MUST ではないため警告です。",
                 "The consumer asks for no broader scope than the paths it read need (flat collections "
                 "roster-core.readonly, nested paths roster.readonly, demographics roster-demographics.readonly). "
                 "A data-minimisation recommendation, not a MUST of the spec: a warning."))
def consumer_scopes(ctx: CheckContext) -> None:
    for n, log in _both(_imports(ctx)):
        eps = [ep for ep in (endpoint_of(e["path"]) for e in _api(log) if e["status"] == 200) if ep is not None]
        needed = {_needed(ep) for ep in eps}
        granted = {s for e in log if e["path"] == TOKEN_PATH and e["status"] == 200 for s in e.get("scopes") or ()}
        for scope in sorted(granted):
            broader = (scope == R.SCOPE_ROSTER and R.SCOPE_ROSTER not in needed) or (
                scope == R.SCOPE_DEMOGRAPHICS and R.SCOPE_DEMOGRAPHICS not in needed)
            if broader:
                ctx.fail(f"import {n}: asked for {scope.rsplit('/', 1)[-1]}, which none of the paths it read needs",
                         ja=f"取り込み {n}: 読んだパスに不要なスコープ {scope.rsplit('/', 1)[-1]} を要求しています",
                         endpoint=f"[import {n}] {TOKEN_PATH}", method="POST", value=scope)


@consumer_check("or.rest.consumer.complete", "OR12 REST §3.3 limit/offset; OpenAPI X-Total-Count / links", "error",
                ("全ページを最後まで読む", "Reads every page to the end"),
                ("最初の取り込みで読んだ各一覧について、返されたページ (offset と件数) が X-Total-Count の全件を覆っている"
                 "ことを確認します。最初のページだけで止める実装は学校のデータを取りこぼします。",
                 "For every collection the first import read, the pages it was served (offset and count) cover all "
                 "X-Total-Count objects. A consumer that stops after the first page loses a school's data."))
def consumer_complete(ctx: CheckContext) -> None:
    imports = _imports(ctx)
    colls = _collections(imports.first)
    if not colls:
        ctx.stop_not_evaluated("the first import read no collection")
    for (path, _), entries in colls.items():
        total, covered = _coverage(entries)
        if total is not None and covered < total:
            ctx.fail(f"read {covered} of {total} objects of {path}", ja=f"{path} の {total} 件中 {covered} 件しか読んでいません",
                     **_where(entries[-1], 1))


@consumer_check("or.rest.consumer.no_reread", "OR12 REST §3.3 paging (each page once)", "warning",
                ("同じページを読み直さない", "Does not read a page twice"),
                ("1 回の取り込みで、同じ要求 (パスとクエリ) に 200 で答えたページを再び要求していないことを確認します"
                 " (429 の後の再試行は除きます)。提供側の負荷を増やすため警告です。",
                 "Within one import, no request (path and query) answered 200 is sent again (retries after 429 "
                 "excepted). It loads the provider for nothing: a warning."))
def consumer_no_reread(ctx: CheckContext) -> None:
    for n, log in _both(_imports(ctx)):
        seen: set[tuple[str, str]] = set()
        for e in _api(log):
            if e["status"] != 200:
                continue
            key = (e["path"], e.get("query") or "")
            if key in seen:
                ctx.fail(f"import {n}: the same page was read again", ja=f"取り込み {n}: 同じページを再び読んでいます", **_where(e, n))
                break
            seen.add(key)


@consumer_check("or.rest.consumer.stops", "OR12 REST §3.3 offset; RFC 8288 rel=\"next\"", "error",
                ("最後のページで止まる", "Stops at the last page"),
                ("全件を読み終えた一覧について、最後を越える要求が 1 回を超えないことを確認します (空のページを 1 回確かめる"
                 "のは構いません)。", "Once a collection is read whole, the consumer sends at most one request past the "
                 "end (checking one empty page is fine)."))
def consumer_stops(ctx: CheckContext) -> None:
    for n, log in _both(_imports(ctx)):
        for (path, _), entries in _collections(log).items():
            total, _covered = _coverage(entries)
            if total is None:
                continue
            beyond = [e for e in entries if e["status"] == 200 and int(_query(e).get("offset", "0") or 0) >= max(total, 1)]
            if len(beyond) > 1:
                ctx.fail(f"import {n}: {len(beyond)} requests past the end of {path}",
                         ja=f"取り込み {n}: {path} の最後を越える要求が {len(beyond)} 回あります", **_where(beyond[1], n))


@consumer_check("or.rest.consumer.retry_after", "RFC 9110 §10.2.3 Retry-After; OR12 REST 429 server_busy", "error",
                ("429 の Retry-After を守る", "Honours Retry-After on 429"),
                ("renkei の提供側は一定間隔で 429 (server_busy、Retry-After 付き) を返します。429 の後の次の要求が "
                 "Retry-After の秒数以上あけて送られたことを確認します。",
                 "renkei's provider answers some requests with 429 (server_busy with Retry-After). After each 429 the "
                 "consumer's next request must come at least Retry-After seconds later."))
def consumer_retry_after(ctx: CheckContext) -> None:
    target: RestConsumerTarget = ctx.target
    wait = target.config.harness.retry_after
    judged = 0
    for n, log in _both(_imports(ctx)):
        for i, e in enumerate(log):
            if e["status"] != 429:
                continue
            nxt = next((x for x in log[i + 1:] if x.get("client_id") == e.get("client_id")), None)
            if nxt is None:
                continue
            judged += 1
            gap = nxt["at"] - e["at"]
            if gap < wait - 0.25:
                ctx.fail(f"import {n}: the next request came {gap:.2f} s after a 429 asking for {wait} s",
                         ja=f"取り込み {n}: {wait} 秒待つよう求めた 429 の {gap:.2f} 秒後に次の要求が来ました", **_where(nxt, n))
    if not judged:
        ctx.skip("the consumer met no 429 (harness.throttle_every is 0 or the import was too short)")


_FLAT = {"user": ("/users", "/students", "/teachers"), "enrollment": ("/enrollments",), "class": ("/classes",),
         "org": ("/orgs", "/schools"), "academicSession": ("/academicSessions", "/terms")}


@consumer_check("or.rest.consumer.delta", "OR12 REST §3.3 filter dateLastModified; CSV121 delta semantics", "error",
                ("変更後の取り込みで変更分を読む", "The import after a change reads what changed"),
                ("1 回目の取り込みの後、提供側で転出・転入、氏名の訂正、tobedeleted を行います。2 回目の取り込みが、変更のあった"
                 "種類の一覧を全件読み直すか、変更時刻以前の dateLastModified>'…' の filter で差分を最後まで読んだことを確認"
                 "します。", "After the first import renkei's provider makes a 転出・転入, a name correction and a "
                 "tobedeleted. The second import must read each changed kind again, either the whole collection or a "
                 "dateLastModified>'…' delta from an instant no later than the change, to its end."))
def consumer_delta(ctx: CheckContext) -> None:
    imports = _imports(ctx)
    at = str(imports.change.get("at", ""))
    colls = _collections(imports.second)
    for kind in sorted(imports.change.get("changed", {})):
        paths = _FLAT.get(kind)
        if not paths:
            continue
        ok = False
        for (path, query), entries in colls.items():
            if not path.endswith(paths):
                continue
            total, covered = _coverage(entries)
            filt = dict(query).get("filter")
            if filt is None:
                ok = ok or (total is not None and covered >= total)
                continue
            try:
                parsed = Q.parse_filter(filt)
            except Q.QueryError:
                continue
            since = [p.value for p in parsed.predicates if p.path == "dateLastModified" and p.op in (">", ">=")]
            if since and Q.compare(since[0], at) <= 0 and total is not None and covered >= total:
                ok = True
        if not ok:
            ctx.fail(f"the import after the change did not read the changed {kind} objects again",
                     ja=f"変更後の取り込みが、変更された {kind} を読み直していません",
                     endpoint=f"[import 2] {R.ROSTERING_PATH}{_FLAT[kind][0]}", method="GET",
                     value=", ".join(imports.change["changed"][kind][:3]))


def _enabled(user: dict[str, Any]) -> bool:
    return user.get("status") != "tobedeleted" and user.get("enabledUser") != "false"


@consumer_check("or.rest.consumer.imported", "OR12 REST §3 (status tobedeleted); OneRoster sourcedId stability", "error",
                ("取り込んだ結果が提供側と一致する", "What the consumer holds matches what was served"),
                ("利用側が自らの OneRoster REST (/users) で取り込み結果を示す場合 (consumer.exposes)、2 回目の取り込みの後に"
                 "読み、提供側の有効な利用者がすべて有効で同じ userMasterIdentifier をもつこと、tobedeleted にした利用者が"
                 "無効か存在しないこと、氏名の訂正が反映されていること、転出・転入した児童生徒が同じ ID のままであることを"
                 "確認します。", "When the consumer shows what it imported over its own OneRoster REST /users "
                 "(consumer.exposes), renkei reads it after the second import: every active user of the provider is "
                 "there, enabled, with the same userMasterIdentifier; the user made tobedeleted is disabled or gone; "
                 "the name correction arrived; the transferred pupil keeps the same identifiers."))
def consumer_imported(ctx: CheckContext) -> None:
    target: RestConsumerTarget = ctx.target
    if target.config.consumer.exposes is None:
        ctx.skip("the target declares no consumer.exposes (where the consumer shows what it imported)")
    imports = _imports(ctx)
    held = {str(u.get("sourcedId")): u for u in target.exposed_users()}
    served = {str(u["sourcedId"]): u for u in target.provider.users()}
    where = {"endpoint": target.config.consumer.exposes.base_url.rstrip("/") + R.ROSTERING_PATH + "/users",
             "method": "GET"}
    for sid, user in served.items():
        mine = held.get(sid)
        if user.get("status") == "tobedeleted":
            if mine is not None and _enabled(mine):
                ctx.fail(f"user {sid} is tobedeleted at the provider but still enabled", ja=f"利用者 {sid} は提供側で "
                         "tobedeleted ですが、有効なままです", value=sid, **where)
            continue
        if mine is None:
            ctx.fail(f"user {sid} was served but is not held", ja=f"利用者 {sid} が取り込まれていません", value=sid, **where)
            continue
        if not _enabled(mine) and user.get("enabledUser") != "false":
            ctx.fail(f"user {sid} is active at the provider but disabled", ja=f"利用者 {sid} が無効になっています",
                     value=sid, **where)
        umi = user.get("userMasterIdentifier")
        if umi and mine.get("userMasterIdentifier") not in (None, umi):
            ctx.fail(f"user {sid} holds another userMasterIdentifier", ja=f"利用者 {sid} の userMasterIdentifier が"
                     "異なります", claim="userMasterIdentifier", value=mine.get("userMasterIdentifier"), **where)
    renamed = str(imports.change.get("renamed", ""))
    if renamed in held and renamed in served and held[renamed].get("givenName") != served[renamed].get("givenName"):
        ctx.fail(f"the name correction of {renamed} did not arrive", ja=f"{renamed} の氏名の訂正が反映されていません",
                 claim="givenName", value=held[renamed].get("givenName"), **where)


_NRPS_ROLE = {"student": "Learner", "teacher": "Instructor"}  # the LIS context roles the enrollment roles mean


def _served_members(target: RestConsumerTarget, class_ids: set[str]) -> dict[str, dict[str, dict[str, Any]]]:
    """class -> user sourcedId -> user, for the active enrollments of active users in those classes."""
    users = {str(u["sourcedId"]): u for u in target.provider.objects("user") if _enabled(u)}
    out: dict[str, dict[str, dict[str, Any]]] = {c: {} for c in class_ids}
    for e in target.provider.objects("enrollment"):
        cid = str((e.get("class") or {}).get("sourcedId"))
        uid = str((e.get("user") or {}).get("sourcedId"))
        if cid in out and e.get("status") != "tobedeleted" and uid in users:
            out[cid].setdefault(uid, dict(users[uid], _roles=set()))["_roles"].add(str(e.get("role")))
    return out


@consumer_check("or.rest.consumer.nrps_matches",
                "OR12 REST §3 (enrollments); LTI NRPS 2.0 §2.2 (members, user_id, roles, status); LTI Core §5.3.6",
                "error",
                ("NRPS のメンバーシップが提供した在籍と一致する", "The NRPS memberships match the enrollments served"),
                ("利用側が取り込み結果を LTI NRPS で示す場合 (consumer.exposes_nrps)、2 回目の取り込みの後に、提供した"
                 "クラスの標本 (max_classes 件) それぞれのメンバーシップを読み、有効な在籍の利用者がちょうど Active で並ぶこと"
                 " (欠けも余分もない)、user_id が利用者の userMasterIdentifier か sourcedId であること、student が Learner、"
                 "teacher が Instructor の役割をもつことを確認します。user_id にどちらの ID を使うかを定める一次資料は"
                 "確認できていないため、どちらも受け入れます。student/teacher 以外の役割の対応は比較しません。",
                 "When the consumer shows what it imported as LTI NRPS memberships (consumer.exposes_nrps), renkei "
                 "reads, after the second import, the membership of a sample of the classes it served (max_classes) "
                 "and requires exactly the users with an active enrollment to be Active members (none missing, none "
                 "extra), each user_id to be the user's userMasterIdentifier or sourcedId, students to hold Learner "
                 "and teachers Instructor. No primary source confirmed which identifier user_id carries, so either is "
                 "accepted; roles other than student/teacher are not compared."))
def consumer_nrps_matches(ctx: CheckContext) -> None:
    target: RestConsumerTarget = ctx.target
    if target.config.consumer.exposes_nrps is None:
        ctx.skip("the target declares no consumer.exposes_nrps (NRPS memberships where the consumer shows its import)")
    _imports(ctx)
    memberships = target.nrps_memberships()
    served = _served_members(target, {m.class_id for m in memberships})
    everyone = {}  # every user the provider holds, by either identifier: names why an extra member is extra
    for user in target.provider.objects("user"):
        everyone[str(user["sourcedId"])] = user
        if user.get("userMasterIdentifier"):
            everyone[str(user["userMasterIdentifier"])] = user
    for ms in memberships:
        expected = served[ms.class_id]
        by_id = {}
        for sid, user in expected.items():
            by_id[sid] = sid
            if user.get("userMasterIdentifier"):
                by_id[str(user["userMasterIdentifier"])] = sid
        where = {"endpoint": ms.url, "method": "GET"}
        present: set[str] = set()
        for member in ms.members:
            if member.get("status", "Active") != "Active":
                continue
            uid = str(member.get("user_id"))
            sid = by_id.get(uid) or by_id.get(str(member.get("lis_person_sourcedid")))
            if sid is None:
                known = everyone.get(uid) or everyone.get(str(member.get("lis_person_sourcedid")))
                why, why_ja = ((f"user {known['sourcedId']} is {known.get('status')} at the provider",
                                f"利用者 {known['sourcedId']} は提供側で {known.get('status')} です")
                               if known is not None and not _enabled(known) else
                               ("has no active enrollment in the class served", "提供した在籍にありません"))
                ctx.fail(f"class {ms.class_id}: member {uid} is Active but {why}",
                         ja=f"クラス {ms.class_id}: メンバー {uid} は Active ですが、{why_ja}",
                         claim="members[].user_id", value=uid, **where)
                continue
            present.add(sid)
            if uid not in by_id:
                ctx.fail(f"class {ms.class_id}: user {sid}'s user_id {uid} is neither its userMasterIdentifier nor its "
                         "sourcedId", ja=f"クラス {ms.class_id}: 利用者 {sid} の user_id {uid} が userMasterIdentifier "
                         "でも sourcedId でもありません", claim="members[].user_id", value=uid, **where)
            held = {vocab.simple_role_name(str(r)) for r in member.get("roles") or [] if isinstance(r, str)}
            for role in sorted(expected[sid]["_roles"]):
                want = _NRPS_ROLE.get(role)
                if want and want not in held:
                    ctx.fail(f"class {ms.class_id}: user {sid} is enrolled as {role} but lacks the {want} role",
                             ja=f"クラス {ms.class_id}: 利用者 {sid} は {role} として在籍していますが {want} の役割が"
                             "ありません", claim="members[].roles", value=", ".join(sorted(held)), **where)
        for sid in sorted(set(expected) - present):
            ctx.fail(f"class {ms.class_id}: user {sid} has an active enrollment but is not an Active member",
                     ja=f"クラス {ms.class_id}: 利用者 {sid} は在籍していますが Active なメンバーにいません",
                     claim="members", value=sid, **where)
