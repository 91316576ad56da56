"""``oneroster-rest-provider`` checks: paging, filter, sort, fields, nested paths against flat ones.

The reference for every query check is the full collection renkei read page by page: a filtered,
sorted or projected answer must equal what renkei computes locally from it (``model.query``).
A collection that could not be read whole makes those checks ``error`` (not evaluated), never pass.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from renkei.harness.core.context import CheckContext
from renkei.harness.lti.protocol.browser import BrowserError
from renkei.harness.oneroster.model import query as Q
from renkei.harness.oneroster.model import rest as R
from renkei.harness.oneroster.rest_provider.checks_base import (
    OAS,
    answered,
    browser_failure,
    fetch,
    require_complete,
    rest_check,
    status_info,
    survey_of,
    target_of,
    url_of,
)
from renkei.harness.oneroster.rest_provider.client import Collection
from renkei.harness.oneroster.rest_provider.survey import ref_id, ref_ids, scopes_for, sid

QUERY_SOURCE = ("the filter grammar follows third-party summaries that agree with each other; the 1.2 binding "
                "text itself was not confirmed from a primary source (reference/oneroster.md §3.3)")


@rest_check("or.rest.paging.total_count", f"{OAS} X-Total-Count (200 collection responses)", "error",
            ("一覧の応答に X-Total-Count がある", "Collections carry X-Total-Count"),
            ("一覧の 200 応答が、全件数を表す整数の X-Total-Count ヘッダーを返すことを確認します。",
             "Every 200 collection answer carries X-Total-Count, the integer count of all objects."))
def total_count(ctx: CheckContext) -> None:
    for endpoint, coll in answered(ctx):
        page = coll.pages[0]
        if page.total is None:
            ctx.fail(f"{endpoint.operation_id}: no X-Total-Count header", ja=f"{endpoint.operation_id}: X-Total-Count がありません",
                     endpoint=page.url, method="GET")
        elif not page.total.strip().isdigit():
            ctx.fail(f"{endpoint.operation_id}: X-Total-Count {page.total!r} is not a non-negative integer",
                     ja=f"{endpoint.operation_id}: X-Total-Count {page.total!r} が 0 以上の整数ではありません",
                     endpoint=page.url, method="GET", value=page.total)


@rest_check("or.rest.paging.complete", "OR12 REST §3.3 limit/offset; OpenAPI X-Total-Count", "error",
            ("ページをつなぐと全件がちょうど一度ずつそろう", "Pages add up to every object exactly once"),
            ("limit/offset でページをたどったとき、取得したオブジェクト数が X-Total-Count と一致し、sourcedId の重複も"
             "欠落もないことを確認します。", "Reading page by page with limit/offset yields exactly X-Total-Count "
             "objects, with no sourcedId twice and none missing."))
def paging_complete(ctx: CheckContext) -> None:
    for endpoint, coll in answered(ctx):
        total = coll.total
        if total is not None and len({sid(o) for o in coll.objects}) > total:  # evidence even when cut short
            ctx.fail(f"{endpoint.operation_id}: the pages hold more distinct objects than X-Total-Count ({total})",
                     ja=f"{endpoint.operation_id}: ページに X-Total-Count ({total}) より多くのオブジェクトがあります",
                     endpoint=coll.url, method="GET")
            continue
        if not require_complete(ctx, coll, "completeness"):
            continue
        ids = [sid(o) for o in coll.objects]
        dups = sorted(i for i in _dups(ids) if i is not None)
        if dups:
            ctx.fail(f"{endpoint.operation_id}: {len(dups)} sourcedId(s) served on more than one page",
                     ja=f"{endpoint.operation_id}: {len(dups)} 件の sourcedId が複数のページに出ました", endpoint=coll.url,
                     method="GET", value=", ".join(d for d in dups[:5] if d))
        if total is None:
            ctx.not_evaluated(f"{coll.url}: no usable X-Total-Count to compare the count with")
        elif total != len(set(ids)):
            ctx.fail(f"{endpoint.operation_id}: pages hold {len(set(ids))} objects, X-Total-Count says {total}",
                     ja=f"{endpoint.operation_id}: ページの合計が {len(set(ids))} 件で、X-Total-Count は {total} です",
                     endpoint=coll.url, method="GET")


def _dups(ids: list[str | None]) -> set[str | None]:
    seen: set[str | None] = set()
    out: set[str | None] = set()
    for i in ids:
        (out if i in seen else seen).add(i)
    return out


def _offset(url: str) -> int | None:
    q = dict(parse_qsl(urlsplit(url).query))
    try:
        return int(q["offset"]) if "offset" in q else None
    except ValueError:
        return None


@rest_check("or.rest.paging.links", f"{OAS} links first/prev/next/last; RFC 8288", "error",
            ("Link ヘッダーの first/prev/next/last が正しい", "Link rels first/prev/next/last are right"),
            ("複数ページの一覧で、Link ヘッダー (RFC 8288) が次ページのある間は rel=\"next\" を、最終ページでは next を"
             "含まず、rel=\"last\" が最終ページを指すことを確認します。",
             "On multi-page collections the Link header (RFC 8288) has rel=\"next\" while more pages follow, none "
             "on the last page, and rel=\"last\" names the last page."))
def paging_links(ctx: CheckContext) -> None:
    judged = 0
    for endpoint, coll in answered(ctx):
        if coll.misdirected is not None:
            judged += 1
            ctx.fail(f"{endpoint.operation_id}: {coll.misdirected}", ja=f"{endpoint.operation_id}: rel=\"next\" が"
                     "別のオリジンまたは既に読んだページを指しています", endpoint=coll.pages[-1].url if coll.pages else coll.url,
                     method="GET")
            continue
        if len(coll.pages) < 2:
            continue
        if not require_complete(ctx, coll, "the Link header"):
            continue
        judged += 1
        op = endpoint.operation_id
        for i, page in enumerate(coll.pages[:-1]):
            if page.count == 0:
                continue
            if "next" not in page.links:
                ctx.fail(f"{op}: page {i + 1} has no Link rel=\"next\" though more objects follow",
                         ja=f"{op}: {i + 1} ページ目に続きがあるのに Link rel=\"next\" がありません", endpoint=page.url, method="GET")
                break
        last = coll.pages[-1] if coll.pages[-1].count else coll.pages[-2]
        if "next" in last.links and last is coll.pages[-1]:
            ctx.fail(f"{op}: the last page still has Link rel=\"next\"", ja=f"{op}: 最終ページに Link rel=\"next\" があります",
                     endpoint=last.url, method="GET", value=last.links["next"])
        first = coll.pages[0]
        if "last" not in first.links:
            ctx.fail(f"{op}: no Link rel=\"last\"", ja=f"{op}: Link rel=\"last\" がありません", endpoint=first.url, method="GET")
        elif (_offset(first.links["last"]) or 0) != (_offset(last.url) or 0):
            ctx.fail(f"{op}: rel=\"last\" points to offset {_offset(first.links['last'])}, the last page is at "
                     f"offset {_offset(last.url)}", ja=f"{op}: rel=\"last\" が最終ページを指していません",
                     endpoint=first.url, method="GET", value=first.links["last"])
        if len(coll.pages) > 1 and "prev" not in coll.pages[1].links:
            ctx.fail(f"{op}: page 2 has no Link rel=\"prev\"", ja=f"{op}: 2 ページ目に Link rel=\"prev\" がありません",
                     endpoint=coll.pages[1].url, method="GET")
    if not judged:
        ctx.skip("no collection needed more than one page (raise the roster or lower observation.page_size)")


def _largest(ctx: CheckContext, wanted: tuple[str, ...] = ()) -> tuple[R.Endpoint, Collection]:
    """A flat collection read whole, preferring ``wanted`` operationIds, then the largest."""
    survey = survey_of(ctx)
    complete = {op: c for op, c in survey.flat.items() if c.complete and c.objects}
    for op in wanted:
        if op in complete:
            return R.BY_OPERATION[op], complete[op]
    if not complete:
        if survey.flat:
            ctx.stop_not_evaluated("no flat collection was read whole (see or.rest.paging.complete)")
        ctx.skip("the target declares no flat collection")
    op = max(complete, key=lambda o: len(complete[o].objects))
    return R.BY_OPERATION[op], complete[op]


@rest_check("or.rest.paging.beyond_end", "OR12 REST §3.3 offset", "error",
            ("最後を越える offset には空の一覧を返す", "An offset past the end answers an empty page"),
            ("X-Total-Count を越える offset の要求に、200 で空の配列を返す (エラーや重複したページにしない) ことを"
             "確認します。", "A request with an offset past X-Total-Count answers 200 with an empty array (not an "
             "error, not a repeated page)."))
def paging_beyond_end(ctx: CheckContext) -> None:
    endpoint, coll = _largest(ctx, ("getAllOrgs", "getAllAcademicSessions"))
    url = url_of(ctx, endpoint)
    offset = (coll.total if coll.total is not None else len(coll.objects)) + 10
    resp = fetch(ctx, f"{url}?limit=5&offset={offset}", scopes_for(endpoint))
    if resp is None:
        return
    where = f"{url}?limit=5&offset={offset}"
    if resp.status != 200:
        ctx.fail(f"HTTP {resp.status} instead of 200 with an empty array", ja=f"空配列の 200 ではなく HTTP {resp.status} です",
                 endpoint=where, method="GET")
        return
    try:
        data = resp.json()
    except BrowserError as exc:
        browser_failure(ctx, exc, "the answer is not JSON", "応答が JSON ではありません")
        return
    items = data.get(endpoint.envelope) if isinstance(data, dict) else None
    if items != []:
        ctx.fail(f"the answer is not an empty {endpoint.envelope!r} array", ja=f"空の {endpoint.envelope!r} 配列ではありません",
                 endpoint=where, method="GET", value=str(items)[:200])


def _filters(endpoint: R.Endpoint, objects: list[dict[str, Any]], forms: set[str]) -> list[str]:
    """Filters drawn from the data (so every one has a non-trivial expected answer)."""
    out: list[str] = []
    ids = sorted(i for i in (sid(o) for o in objects) if i)
    if not ids:
        return out
    pick = ids[len(ids) // 2]
    q = "'"

    def lit(value: str) -> str:
        return q + value.replace(q, q * 2) + q

    if "eq" in forms:
        out += ["status='active'", f"sourcedId={lit(pick)}"]
    stamps = sorted({o["dateLastModified"] for o in objects if isinstance(o.get("dateLastModified"), str)})
    if "compare" in forms and stamps:
        out.append(f"dateLastModified>{lit(stamps[len(stamps) // 2])}")
        out.append(f"dateLastModified<={lit(stamps[len(stamps) // 2])}")
    dotted = {"user": ("roles.role", "student"), "class": ("school.sourcedId", None),
              "enrollment": ("class.sourcedId", None), "course": ("org.sourcedId", None),
              "academicSession": ("type", None), "org": ("type", "school")}.get(endpoint.object)
    if dotted is not None and "dotted" in forms:
        path, value = dotted
        if value is None:
            first = objects[len(objects) // 2]
            value = next(iter(Q.values_at(first, path)), None)
        if isinstance(value, str):
            out.append(f"{path}={lit(value)}")
            if "and" in forms:
                out.append(f"status='active' AND {path}={lit(value)}")
    return out


def _extended(endpoint: R.Endpoint, objects: list[dict[str, Any]]) -> list[str]:
    ids = sorted(i for i in (sid(o) for o in objects) if i)
    if len(ids) < 2:
        return []
    out = [f"sourcedId='{ids[0]}' OR sourcedId='{ids[-1]}'", f"sourcedId!='{ids[0]}'", f"sourcedId~'{ids[0][:6]}'"]
    text_field = {"user": "familyName", "org": "name"}.get(endpoint.object, "title")
    values = [v for o in objects for v in Q.values_at(o, text_field) if isinstance(v, str) and v]
    if values:
        out.append(f"{text_field}~'{values[len(values) // 2][:1]}'")
    return out


def _run_filters(ctx: CheckContext, filters: list[str]) -> None:
    endpoint, full = _largest(ctx, ("getAllUsers", "getAllClasses", "getAllEnrollments"))
    target = target_of(ctx)
    url = url_of(ctx, endpoint)
    if not filters:
        ctx.skip("no filter could be drawn from the data")
    for text in filters:
        flt = Q.parse_filter(text)
        expected = {sid(o) for o in full.objects if Q.matches(flt, o)}
        got = target.client.read_collection(url, endpoint.envelope, scopes_for(endpoint), params={"filter": text})
        where = got.url
        if got.pages and got.pages[0].status != 200:
            ctx.fail(f"filter={text}: HTTP {got.pages[0].status}", ja=f"filter={text}: HTTP {got.pages[0].status} が返りました",
                     endpoint=where, method="GET")
            continue
        if not require_complete(ctx, got, f"filter={text}"):
            continue
        answered = {sid(o) for o in got.objects}
        if answered != expected:
            extra, missing = answered - expected, expected - answered
            ctx.fail(f"filter={text}: {len(answered)} objects answered, {len(expected)} match "
                     f"({len(extra)} that do not match, {len(missing)} missing)",
                     ja=f"filter={text}: 応答 {len(answered)} 件、該当 {len(expected)} 件 (非該当 {len(extra)} 件、欠落 "
                     f"{len(missing)} 件)", endpoint=where, method="GET",
                     value=", ".join(sorted(str(i) for i in (extra or missing))[:3]))


@rest_check("or.rest.filter", "OR12 REST §3.3 filter (=, >, <=, AND, dotted paths)", "error",
            ("filter の結果が全件から計算した結果と一致する", "filter answers what the full collection says"),
            ("データから作った filter (status='active'、sourcedId=、dateLastModified> と <=、roles.role= などの"
             "ドット付きパス、AND) の応答が、全件を読んで手元で絞り込んだ結果と同じ集合であることを確認します。"
             "filter の文法は互いに一致する第三者の解説によります (1.2 の仕様本文は一次資料で未確認)。"
             "使う形は params.forms で選べます。",
             "Filters drawn from the data (status='active', sourcedId=, dateLastModified> and <=, dotted paths such "
             "as roles.role=, AND) answer exactly the set renkei computes from the full collection. The grammar "
             "follows third-party summaries that agree (the 1.2 binding text itself was not confirmed from a "
             "primary source); params.forms chooses the forms used."),
            params={"forms": ["eq", "compare", "dotted", "and"]})
def filter_matches(ctx: CheckContext) -> None:
    endpoint, full = _largest(ctx, ("getAllUsers", "getAllClasses", "getAllEnrollments"))
    _run_filters(ctx, _filters(endpoint, full.objects, set(ctx.params.get("forms") or [])))


@rest_check("or.rest.filter.extended", "OR12 REST §3.3 filter (!=, ~, OR)", "warning",
            ("filter の !=・~ (部分一致)・OR が使える", "filter supports !=, ~ (contains) and OR"),
            ("!=、~ (部分一致、大文字小文字を区別しない)、OR を使った filter の応答が全件からの計算と一致するかを確認"
             "します。1.1 の慣行として述語 2 個まで・AND と OR の混在なしとする実装の報告があり、仕様本文も一次資料で未確認の"
             "ため警告とします。",
             "Filters with !=, ~ (case-insensitive contains) and OR answer what the full collection says. A warning: "
             "one vendor documents a 1.1 convention of at most two predicates and no AND/OR mixing, and the 1.2 "
             "binding text was not confirmed from a primary source."))
def filter_extended(ctx: CheckContext) -> None:
    endpoint, full = _largest(ctx, ("getAllUsers", "getAllClasses", "getAllEnrollments"))
    _run_filters(ctx, _extended(endpoint, full.objects))


def _expect_400(ctx: CheckContext, query: str, minor: str) -> None:
    endpoint, _ = _largest(ctx, ("getAllUsers", "getAllClasses"))
    url = f"{url_of(ctx, endpoint)}?{query}"
    resp = fetch(ctx, url, scopes_for(endpoint))
    if resp is None:
        return
    if resp.status != 400:
        ctx.fail(f"HTTP {resp.status} instead of 400 {minor}", ja=f"400 {minor} ではなく HTTP {resp.status} です", endpoint=url,
                 method="GET")
        return
    _, got = status_info(resp)
    if got != minor:
        ctx.fail(f"imsx_codeMinorFieldValue is {got!r}, not {minor}", ja=f"imsx_codeMinorFieldValue が {minor} ではありません",
                 endpoint=url, method="GET", claim="imsx_CodeMinor.imsx_codeMinorField[0].imsx_codeMinorFieldValue",
                 value=got)


@rest_check("or.rest.filter.invalid_field", f"{OAS} 400 invalid_filter_field", "error",
            ("存在しないフィールドでの filter を 400 invalid_filter_field で拒否する",
             "A filter on an unknown field is refused with 400 invalid_filter_field"),
            ("存在しないフィールドを使う filter に、黙って全件を返さず 400 と imsx_codeMinorFieldValue="
             "invalid_filter_field を返すことを確認します。", "A filter on a field that does not exist is answered 400 "
             "with imsx_codeMinorFieldValue invalid_filter_field, not silently with everything."))
def filter_invalid_field(ctx: CheckContext) -> None:
    _expect_400(ctx, "filter=renkeiNoSuchField%3D%27x%27", "invalid_filter_field")


@rest_check("or.rest.fields", "OR12 REST §3.3 fields", "error",
            ("fields で指定したフィールドだけが返る", "fields returns the named fields only"),
            ("fields=sourcedId,status の応答の各オブジェクトが、指定した 2 つのフィールドだけをもつことを確認します。",
             "With fields=sourcedId,status every object answered holds exactly those two fields."))
def fields_projection(ctx: CheckContext) -> None:
    endpoint, _ = _largest(ctx, ("getAllUsers", "getAllClasses"))
    url = url_of(ctx, endpoint)
    got = target_of(ctx).client.read_collection(url, endpoint.envelope, scopes_for(endpoint),
                                                params={"fields": "sourcedId,status"}, max_objects=200)
    if got.pages and got.pages[0].status != 200:
        ctx.fail(f"HTTP {got.pages[0].status}", ja=f"HTTP {got.pages[0].status} が返りました", endpoint=got.url, method="GET")
        return
    if got.error is not None:
        browser_failure(ctx, got.error, "the answer could not be read", "応答を読めませんでした")
        return
    for i, obj in enumerate(got.objects):
        if set(obj) != {"sourcedId", "status"}:
            ctx.fail(f"object holds {', '.join(sorted(obj))[:200]} instead of sourcedId, status",
                     ja="sourcedId, status 以外のフィールドを含むか、どちらかがありません", endpoint=got.url, method="GET", index=i)
            break


@rest_check("or.rest.fields.invalid", f"{OAS} 400 invalid_selection_field", "error",
            ("存在しないフィールドの fields を 400 invalid_selection_field で拒否する",
             "fields naming an unknown field is refused with 400 invalid_selection_field"),
            ("存在しないフィールドを fields に指定した要求に、400 と imsx_codeMinorFieldValue=invalid_selection_field を"
             "返すことを確認します。", "A fields parameter naming a field that does not exist is answered 400 with "
             "imsx_codeMinorFieldValue invalid_selection_field."))
def fields_invalid(ctx: CheckContext) -> None:
    _expect_400(ctx, "fields=sourcedId,renkeiNoSuchField", "invalid_selection_field")


@rest_check("or.rest.sort", "OR12 REST §3.3 sort/orderBy", "error",
            ("sort と orderBy で並べ替えられる", "sort and orderBy order the answer"),
            ("sort=sourcedId&orderBy=asc と desc の応答が、全件と同じ集合を sourcedId の昇順・降順で返すことを確認します"
             " (sourcedId は ASCII のため照合順序の違いが出ません)。",
             "sort=sourcedId with orderBy=asc and desc answer the full collection's set in ascending and descending "
             "sourcedId order (sourcedIds are ASCII, so collations cannot disagree)."))
def sort_order(ctx: CheckContext) -> None:
    endpoint, full = _largest(ctx, ("getAllOrgs", "getAllCourses", "getAllClasses"))
    url = url_of(ctx, endpoint)
    everything = {sid(o) for o in full.objects}
    for order in ("asc", "desc"):
        got = target_of(ctx).client.read_collection(url, endpoint.envelope, scopes_for(endpoint),
                                                    params={"sort": "sourcedId", "orderBy": order})
        if got.pages and got.pages[0].status != 200:
            ctx.fail(f"orderBy={order}: HTTP {got.pages[0].status}", ja=f"orderBy={order}: HTTP {got.pages[0].status}",
                     endpoint=got.url, method="GET")
            continue
        if not require_complete(ctx, got, f"sort orderBy={order}"):
            continue
        keys = [str(sid(o) or "").casefold() for o in got.objects]
        wanted = sorted(keys, reverse=order == "desc")
        if keys != wanted:
            at = next(i for i, (a, b) in enumerate(zip(keys, wanted, strict=True)) if a != b)
            ctx.fail(f"orderBy={order}: object {at} is out of order", ja=f"orderBy={order}: {at} 番目のオブジェクトの順序が違います",
                     endpoint=got.url, method="GET", index=at, value=keys[at])
        if {sid(o) for o in got.objects} != everything:
            ctx.fail(f"orderBy={order}: the sorted answer is not the same set as the collection",
                     ja=f"orderBy={order}: 並べ替えた応答が全件と同じ集合ではありません", endpoint=got.url, method="GET")


def _expected(survey_flat: Callable[[str], list[dict[str, Any]]], endpoint: R.Endpoint,
              ids: dict[str, str]) -> tuple[set[str | None], set[str | None]] | None:
    """(must hold, may hold) of a nested path from the flat data; None when it cannot be said."""
    subset = endpoint.subset or ""
    v = list(ids.values())
    enr = survey_flat("getAllEnrollments")

    def members(cls: str | None, role: str | None, user: str | None = None) -> tuple[set[str | None], set[str | None]]:
        rows = [e for e in enr if (cls is None or ref_id(e, "class") == cls)
                and (role is None or e.get("role") == role) and (user is None or ref_id(e, "user") == user)]
        key = "user" if user is None else "class"
        active = {ref_id(e, key) for e in rows if e.get("status") == "active"}
        return active, {ref_id(e, key) for e in rows}

    def where(op: str, test: Callable[[dict[str, Any]], bool]) -> tuple[set[str | None], set[str | None]]:
        got = {sid(o) for o in survey_flat(op) if test(o)}
        return got, got

    table: dict[str, Callable[[], tuple[set[str | None], set[str | None]]]] = {
        "course.classes": lambda: where("getAllClasses", lambda o: ref_id(o, "course") == v[0]),
        "school.classes": lambda: where("getAllClasses", lambda o: ref_id(o, "school") == v[0]),
        "school.courses": lambda: where("getAllCourses", lambda o: ref_id(o, "org") == v[0]),
        "school.enrollments": lambda: where("getAllEnrollments", lambda o: ref_id(o, "school") == v[0]),
        "school.class.enrollments": lambda: where("getAllEnrollments", lambda o: ref_id(o, "school") == v[0]
                                                  and ref_id(o, "class") == v[1]),
        "school.class.students": lambda: members(v[1], "student"),
        "school.class.teachers": lambda: members(v[1], "teacher"),
        "class.students": lambda: members(v[0], "student"),
        "class.teachers": lambda: members(v[0], "teacher"),
        "student.classes": lambda: members(None, "student", v[0]),
        "teacher.classes": lambda: members(None, "teacher", v[0]),
        "user.classes": lambda: members(None, None, v[0]),
        "term.classes": lambda: where("getAllClasses", lambda o: v[0] in ref_ids(o, "terms")),
        "term.gradingPeriods": lambda: where("getAllGradingPeriods", lambda o: ref_id(o, "parent") == v[0]),
        "school.students": lambda: where("getAllStudents", lambda o: any(
            isinstance(r, dict) and ref_id(r, "org") == v[0] and r.get("role") == "student" for r in o.get("roles") or [])),
        "school.teachers": lambda: where("getAllTeachers", lambda o: any(
            isinstance(r, dict) and ref_id(r, "org") == v[0] and r.get("role") == "teacher" for r in o.get("roles") or [])),
    }
    make = table.get(subset)
    return make() if make is not None else None


_NEEDS = {"course.classes": "getAllClasses", "school.classes": "getAllClasses", "school.courses": "getAllCourses",
          "school.enrollments": "getAllEnrollments", "school.class.enrollments": "getAllEnrollments",
          "term.classes": "getAllClasses", "term.gradingPeriods": "getAllGradingPeriods",
          "school.students": "getAllStudents", "school.teachers": "getAllTeachers"}


@rest_check("or.rest.nested.agree", "OR12 REST §3.2 nested paths", "error",
            ("入れ子のパスが一覧のデータと一致する", "Nested paths agree with the flat collections"),
            ("/classes/{id}/students がそのクラスの有効な student の在籍 (enrollments) の利用者と一致するなど、入れ子の"
             "パスの応答を一覧から計算した集合と比べます。在籍が tobedeleted の利用者は含めても含めなくても構いません。"
             "/schools/{id}/terms は仕様の定義が確認できないため比べません。",
             "Nested answers equal what the flat collections say: /classes/{id}/students holds the users of the "
             "class's active student enrollments, and so on (users whose enrollment is tobedeleted may or may not be "
             "listed). /schools/{id}/terms is not compared: its definition could not be confirmed."))
def nested_agree(ctx: CheckContext) -> None:
    survey = survey_of(ctx)
    judged = 0
    for read in survey.reads:
        coll = read.collection
        if coll is None or read.endpoint.subset == "school.terms":
            continue
        if not coll.pages or coll.pages[0].status != 200:
            continue
        need = _NEEDS.get(read.endpoint.subset or "", "getAllEnrollments")
        flat = survey.flat.get(need)
        if flat is None:
            ctx.not_evaluated(f"{read.endpoint.operation_id}: {need} is not declared, so the answer cannot be compared")
            continue
        if not require_complete(ctx, flat, f"{read.endpoint.operation_id} against {need}"):
            continue
        if not require_complete(ctx, coll, read.endpoint.operation_id):
            continue
        expected = _expected(survey.everything, read.endpoint, read.ids)
        if expected is None:
            continue
        judged += 1
        must, may = expected
        got = {sid(o) for o in coll.objects}
        missing, extra = must - got, got - may
        if missing or extra:
            ctx.fail(f"{read.endpoint.operation_id} {read.ids}: {len(missing)} missing, {len(extra)} that do not belong",
                     ja=f"{read.endpoint.operation_id} {read.ids}: 欠落 {len(missing)} 件、該当しないもの {len(extra)} 件",
                     endpoint=read.url, method="GET", value=", ".join(sorted(str(i) for i in (missing or extra))[:3]))
    if not judged and not ctx.unseen:
        ctx.skip("no nested path was read")
