"""The Gradebook service: PUT creates then replaces, GET (single, collections, nested), DELETE,
scopes per method, bad bodies and unknown references."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from renkei.harness.oneroster.model import rest as R
from renkei.mocks.school_affairs.rest.store import RosterStore
from tests.mocks.school_affairs.rest.conftest import BASE_URL, Api, MakeApi, ids, status_minor

GB = R.GRADEBOOK_PATH
ALL = (R.SCOPE_GRADEBOOK_READ, R.SCOPE_GRADEBOOK_PUT, R.SCOPE_GRADEBOOK_DELETE)


def guid(kind: str, sid: str) -> dict[str, str]:
    return {"sourcedId": sid, "type": kind, "href": "whatever the client sent"}


@pytest.fixture
def ctx(store: RosterStore) -> dict[str, str]:
    klass = next(d for d in store.iter_docs("class") if d["classType"] == "scheduled")
    other = next(d for d in store.iter_docs("class") if d["sourcedId"] != klass["sourcedId"])
    school = klass["school"]["sourcedId"]
    enrolled = [e for e in store.iter_docs("enrollment") if e["class"]["sourcedId"] == klass["sourcedId"]
                and e["role"] == "student"]
    return {"class": klass["sourcedId"], "other_class": other["sourcedId"], "school": school,
            "student": enrolled[0]["user"]["sourcedId"], "student2": enrolled[1]["user"]["sourcedId"]}


@pytest.fixture
def api(make_api: MakeApi) -> Api:
    return make_api()


def put(api: Api, kind: str, sid: str, body: Any, *scopes: str) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return api.http.put(f"{GB}/{R.object_spec(kind).collection_key}/{sid}", content=content,
                        headers={**api.auth(*(scopes or ALL)), "Content-Type": "application/json"})


def gb_get(api: Api, path: str, *scopes: str, **params: Any) -> httpx.Response:
    return api.http.get(GB + path, params=params, headers=api.auth(*(scopes or ALL)))


def line_item(ctx: dict[str, str], **kw: Any) -> dict[str, Any]:
    return {"lineItem": {"title": "漢字テスト", "assignDate": "2026-06-01T00:00:00Z",
                         "dueDate": "2026-06-08T00:00:00Z", "class": guid("class", ctx["class"]),
                         "school": guid("org", ctx["school"]), "category": guid("category", "cat-1"), **kw}}


def result(ctx: dict[str, str], li: str = "li-1", student: str | None = None, **kw: Any) -> dict[str, Any]:
    return {"result": {"lineItem": guid("lineItem", li), "student": guid("user", student or ctx["student"]),
                       "scoreStatus": "fully graded", "score": 85, "scoreDate": "2026-06-09", **kw}}


@pytest.fixture
def graded(api: Api, ctx: dict[str, str]) -> Api:
    """A category, two line items (one in another class), three results."""
    assert put(api, "category", "cat-1", {"category": {"title": "小テスト", "weight": "1"}}).status_code == 201
    assert put(api, "lineItem", "li-1", line_item(ctx)).status_code == 201
    assert put(api, "lineItem", "li-2", line_item(ctx, **{"class": guid("class", ctx["other_class"])})).status_code == 201
    assert put(api, "result", "res-1", result(ctx)).status_code == 201
    assert put(api, "result", "res-2", result(ctx, student=ctx["student2"], score=40)).status_code == 201
    assert put(api, "result", "res-3", result(ctx, li="li-2", scoreStatus="exempt")).status_code == 201
    return api


def test_put_creates_then_replaces(api: Api, ctx: dict[str, str]) -> None:
    first = put(api, "category", "cat-1", {"category": {"title": "小テスト"}})
    assert first.status_code == 201
    body = first.json()["category"]
    assert body["sourcedId"] == "cat-1" and body["status"] == "active" and body["title"] == "小テスト"
    assert R.DATETIME_RE.match(body["dateLastModified"])
    again = put(api, "category", "cat-1", {"category": {"sourcedId": "cat-1", "title": "単元テスト",
                                                        "status": "tobedeleted"}})
    assert again.status_code == 200 and again.json()["category"]["title"] == "単元テスト"
    got = gb_get(api, "/categories/cat-1")
    assert got.status_code == 200 and got.json() == {"category": again.json()["category"]}
    assert got.json()["category"]["status"] == "tobedeleted"
    assert api.store.count("category") == 1


def test_put_normalises_references(graded: Api, ctx: dict[str, str]) -> None:
    item = gb_get(graded, "/lineItems/li-1").json()["lineItem"]
    assert item["class"] == {"href": f"{BASE_URL}{R.ROSTERING_PATH}/classes/{ctx['class']}",
                             "sourcedId": ctx["class"], "type": "class"}
    assert item["category"]["href"] == f"{BASE_URL}{GB}/categories/cat-1"
    assert graded.http.get(item["category"]["href"][len(BASE_URL):], headers=graded.auth(*ALL)).status_code == 200
    res = gb_get(graded, "/results/res-1").json()["result"]
    assert res["class"]["sourcedId"] == ctx["class"]  # taken from the line item when the body has none
    assert res["lineItem"]["href"] == f"{BASE_URL}{GB}/lineItems/li-1" and res["score"] == 85


def test_collections_and_nested_reads(graded: Api, ctx: dict[str, str]) -> None:
    def objs(path: str, **params: str) -> list[str]:
        answer = gb_get(graded, path, **params)
        assert answer.status_code == 200, (path, answer.text)
        (items,) = answer.json().values()
        assert int(answer.headers["X-Total-Count"]) == len(items)
        return ids(items)

    assert objs("/categories") == ["cat-1"]
    assert objs("/lineItems") == ["li-1", "li-2"]
    assert objs("/results") == ["res-1", "res-2", "res-3"]
    assert objs(f"/classes/{ctx['class']}/lineItems") == ["li-1"]
    assert objs(f"/classes/{ctx['other_class']}/lineItems") == ["li-2"]
    assert objs(f"/classes/{ctx['class']}/results") == ["res-1", "res-2"]
    assert objs(f"/classes/{ctx['class']}/lineItems/li-1/results") == ["res-1", "res-2"]
    assert objs(f"/classes/{ctx['class']}/lineItems/li-2/results") == []
    assert objs(f"/classes/{ctx['class']}/students/{ctx['student2']}/results") == ["res-2"]
    assert objs(f"/schools/{ctx['school']}/lineItems") == ["li-1", "li-2"]
    assert objs(f"/classes/{ctx['class']}/scoreScales") == []
    assert objs("/results", filter="score>'50'") == ["res-1", "res-3"]
    assert objs("/results", filter="score>'50' AND student.sourcedId='" + ctx["student"] + "'") == ["res-1", "res-3"]
    assert objs("/results", filter="score<'50' OR scoreStatus='exempt'") == ["res-2", "res-3"]
    assert objs("/results", sort="score", orderBy="desc", fields="sourcedId,score") == ["res-1", "res-3", "res-2"]
    page = gb_get(graded, "/results", limit=2, offset=1)
    assert ids(page.json()["results"]) == ["res-2", "res-3"] and page.headers["X-Total-Count"] == "3"


def test_nested_reads_need_real_parents(graded: Api, ctx: dict[str, str]) -> None:
    for path in ("/classes/nope/lineItems", f"/classes/{ctx['class']}/lineItems/nope/results",
                 f"/classes/{ctx['class']}/students/nope/results", "/schools/nope/lineItems",
                 f"/schools/{ctx['class']}/lineItems"):
        assert status_minor(gb_get(graded, path)) == (404, "unknownobject"), path


def test_scoreScale(api: Api, ctx: dict[str, str]) -> None:
    body = {"scoreScale": {"title": "5段階", "type": "numeric", "class": guid("class", ctx["class"]),
                           "scoreScaleValue": [{"itemValueLHS": "5", "itemValueRHS": "よくできる"}]}}
    assert put(api, "scoreScale", "ss-1", body).status_code == 201
    (only,) = gb_get(api, f"/classes/{ctx['class']}/scoreScales").json()["scoreScales"]
    assert only["scoreScaleValue"] == body["scoreScale"]["scoreScaleValue"]


def test_delete(graded: Api, ctx: dict[str, str]) -> None:
    delete = graded.http.delete(f"{GB}/results/res-1", headers=graded.auth(R.SCOPE_GRADEBOOK_DELETE))
    assert delete.status_code == 204 and delete.content == b""
    assert status_minor(gb_get(graded, "/results/res-1")) == (404, "unknownobject")
    again = graded.http.delete(f"{GB}/results/res-1", headers=graded.auth(R.SCOPE_GRADEBOOK_DELETE))
    assert status_minor(again) == (404, "unknownobject")
    assert ids(gb_get(graded, "/results").json()["results"]) == ["res-2", "res-3"]
    assert put(graded, "result", "res-1", result(ctx)).status_code == 201  # a new one again


def test_scopes_per_method(graded: Api, ctx: dict[str, str]) -> None:
    read, write, delete = R.SCOPE_GRADEBOOK_READ, R.SCOPE_GRADEBOOK_PUT, R.SCOPE_GRADEBOOK_DELETE
    assert status_minor(put(graded, "lineItem", "li-3", line_item(ctx), read)) == (403, "forbidden")
    assert status_minor(put(graded, "lineItem", "li-3", line_item(ctx), delete)) == (403, "forbidden")
    assert status_minor(put(graded, "lineItem", "li-3", line_item(ctx), R.SCOPE_ROSTER)) == (403, "forbidden")
    assert put(graded, "lineItem", "li-3", line_item(ctx), write).status_code == 201
    for scope in (write, delete, R.SCOPE_ROSTER):
        assert status_minor(gb_get(graded, "/lineItems/li-3", scope)) == (403, "forbidden")
        assert status_minor(gb_get(graded, "/lineItems", scope)) == (403, "forbidden")
    assert gb_get(graded, "/lineItems/li-3", read).status_code == 200
    for scope in (read, write):
        answer = graded.http.delete(f"{GB}/lineItems/li-3", headers=graded.auth(scope))
        assert status_minor(answer) == (403, "forbidden")
    assert graded.http.delete(f"{GB}/lineItems/li-3", headers=graded.auth(delete)).status_code == 204
    assert status_minor(graded.http.put(f"{GB}/lineItems/li-3", content=b"{}")) == (401, "unauthorisedrequest")
    assert graded.http.post(f"{GB}/lineItems/li-3", headers=graded.auth(*ALL)).status_code == 405


@pytest.mark.parametrize(("body", "needle"), [
    (b"not json", "not JSON"), (b"", "not JSON"), (b"[1, 2]", "must be"), (b'{"lineItem": "x"}', "must be"),
    (b'{"result": {}}', "must be"), (b"\xff\xfe", "not JSON"), (b"[" * 5000 + b"]" * 5000, "not JSON"),
])
def test_malformed_bodies_are_400(graded: Api, body: bytes, needle: str) -> None:
    answer = put(graded, "lineItem", "li-9", body)
    assert status_minor(answer) == (400, "invaliddata")
    assert needle in answer.json()["imsx_description"]


@pytest.mark.parametrize(("change", "needle"), [
    ({"sourcedId": "li-other"}, "not the path's"), ({"colour": "red"}, "no field"), ({"title": None}, "needs title"),
    ({"class": "c-1"}, "GUIDRef"), ({"class": {"type": "class"}}, "GUIDRef"), ({"category": {"sourcedId": 5}}, "GUIDRef"),
    ({"status": "deleted"}, "status"),
])
def test_invalid_line_items_are_400(graded: Api, ctx: dict[str, str], change: dict[str, Any], needle: str) -> None:
    body = line_item(ctx, **change)
    body["lineItem"] = {k: v for k, v in body["lineItem"].items() if v is not None}
    answer = put(graded, "lineItem", "li-9", body)
    assert status_minor(answer) == (400, "invaliddata")
    assert needle in answer.json()["imsx_description"]
    assert graded.store.get("lineItem", "li-9") is None


def test_invalid_results_are_400(graded: Api, ctx: dict[str, str]) -> None:
    answer = put(graded, "result", "res-9", result(ctx, scoreStatus="great"))
    assert status_minor(answer) == (400, "invaliddata") and "scoreStatus" in answer.json()["imsx_description"]
    assert put(graded, "result", "res-9", result(ctx, scoreStatus="ext:jp-mikomi")).status_code == 201
    answer = put(graded, "result", "res-8", {"result": {"lineItem": guid("lineItem", "li-1")}})
    assert status_minor(answer) == (400, "invaliddata") and "needs" in answer.json()["imsx_description"]


@pytest.mark.parametrize(("kind", "field", "value"), [
    ("lineItem", "class", "no-class"), ("lineItem", "school", "no-school"), ("lineItem", "category", "no-cat"),
    ("lineItem", "gradingPeriod", "no-gp"), ("result", "lineItem", "no-li"), ("result", "student", "no-user"),
    ("result", "scoreScale", "no-scale"),
])
def test_unknown_references_are_422(graded: Api, ctx: dict[str, str], kind: str, field: str, value: str) -> None:
    body = line_item(ctx) if kind == "lineItem" else result(ctx)
    ref_type = R.object_spec(kind).by_name[field].ref_type or ""
    body[kind][field] = guid(ref_type, value)
    answer = put(graded, kind, "new-one", body)
    assert status_minor(answer) == (422, "invaliddata")
    assert value in answer.json()["imsx_description"]
    assert graded.store.get(kind, "new-one") is None


def test_body_over_the_limit_is_413(graded: Api, ctx: dict[str, str]) -> None:
    body = line_item(ctx, description="あ" * 400_000)
    assert put(graded, "lineItem", "li-big", body).status_code == 413
