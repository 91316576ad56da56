"""The 41 rostering reads of the mock provider: envelopes, nested paths against the flat data, 404s,
paging (X-Total-Count, Link), sort, fields and filter."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from renkei.harness.oneroster.model import query as Q
from renkei.harness.oneroster.model import rest as R
from renkei.mocks.school_affairs.rest import app as app_module
from renkei.mocks.school_affairs.rest import lifecycle
from renkei.mocks.school_affairs.rest.store import RosterStore
from tests.mocks.school_affairs.rest.conftest import (
    BASE_URL,
    GRADING_PERIODS,
    TERMS,
    Api,
    MakeApi,
    ids,
    status_minor,
)
from tests.mocks.school_affairs.rest.rosters import Roster

COLLECTIONS = [e for e in R.ENDPOINTS if not e.single]
SINGLES = [e for e in R.ENDPOINTS if e.single]
NESTED = [e for e in R.ENDPOINTS if e.nested]
# REST-required fields a Japanese roster leaves empty, so the binding leaves them out: the Japan
# Profile wants courses.courseCode empty (reference §2.3), the OpenAPI CourseDType requires it.
EMPTY_IN_JAPAN = {("course", "courseCode")}


@pytest.fixture(scope="module")
def roster(shared_api: Api) -> Roster:
    return Roster.read(shared_api)


@pytest.fixture
def api(shared_api: Api) -> Api:
    """In this module ``api`` is the shared, read-only app; tests that change the roster use ``fresh``."""
    return shared_api


@pytest.fixture
def fresh(make_api: MakeApi, rich_store: RosterStore) -> tuple[Api, Roster]:
    """An app of the test's own (it may change the roster) and its data."""
    own = make_api(rich_store)
    return own, Roster.read(own)


def parse_links(header: str) -> dict[str, dict[str, str]]:
    out = {}
    for url, rel in re.findall(r'<([^>]*)>; rel="(\w+)"', header):
        parts = urlsplit(url)
        assert f"{parts.scheme}://{parts.netloc}" == BASE_URL
        out[rel] = {"path": parts.path, **dict(parse_qsl(parts.query))}
    return out


def url(endpoint: R.Endpoint, roster: Roster) -> str:
    return endpoint.url_path(**roster.path_ids(endpoint))


@pytest.mark.parametrize("endpoint", R.ENDPOINTS, ids=lambda e: e.operation_id)
def test_every_endpoint_answers_with_its_envelope(api: Api, roster: Roster, endpoint: R.Endpoint) -> None:
    answer = api.get(url(endpoint, roster), R.SCOPE_ROSTER, **({} if endpoint.single else {"limit": 5000}))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    body = answer.json()
    assert list(body) == [endpoint.envelope]
    spec = R.object_spec(endpoint.object)
    objs = [body[endpoint.envelope]] if endpoint.single else body[endpoint.envelope]
    if endpoint.single:
        assert objs[0]["sourcedId"] == roster.path_ids(endpoint)["sourcedId"]
    else:
        assert objs, "every collection has something to show for the chosen parent"
        assert int(answer.headers["X-Total-Count"]) == len(objs)
        assert "Link" in answer.headers
    for obj in objs:
        required = {f for f in spec.required if (endpoint.object, f) not in EMPTY_IN_JAPAN}
        assert required <= set(obj), endpoint.operation_id  # required fields are there
        assert set(obj) <= set(spec.by_name), endpoint.operation_id  # additionalProperties: false


@pytest.mark.parametrize("endpoint", COLLECTIONS, ids=lambda e: e.operation_id)
def test_collections_agree_with_the_flat_data(api: Api, roster: Roster, endpoint: R.Endpoint) -> None:
    path_ids = roster.path_ids(endpoint)
    got = ids(api.items(endpoint.url_path(**path_ids)))
    want = roster.expected(endpoint, [path_ids[p] for p in endpoint.params])
    assert got == want
    assert len(set(got)) == len(got)


def test_nested_expectations_are_not_trivial(roster: Roster) -> None:
    klass = roster.klass()["sourcedId"]
    students = roster.expected(R.BY_OPERATION["getStudentsForClass"], [klass])
    assert 0 < len(students) < len(roster.users)
    assert roster.expected(R.BY_OPERATION["getTermsForSchool"], [roster.school()["sourcedId"]]) == [TERMS[0]]
    assert roster.expected(R.BY_OPERATION["getGradingPeriodsForTerm"], [TERMS[0]]) == [GRADING_PERIODS[0]]


def test_single_reads_are_the_collection_objects(api: Api, roster: Roster) -> None:
    for obj in roster.users[:5] + roster.classes[:3] + roster.enrollments[:3]:
        kind = "users" if obj in roster.users else "classes" if obj in roster.classes else "enrollments"
        (single,) = api.ok(f"/{kind}/{obj['sourcedId']}").values()
        assert single == obj


def test_membership_follows_active_enrollments(fresh: tuple[Api, Roster]) -> None:
    api, roster = fresh
    klass = roster.klass()["sourcedId"]
    student = roster.student()
    assert student in ids(api.items(f"/classes/{klass}/students"))
    for e in roster.members(klass=klass, user=student):
        lifecycle.mark_deleted(api.store, "enrollment", e["sourcedId"])
    assert student not in ids(api.items(f"/classes/{klass}/students"))
    assert klass not in ids(api.items(f"/students/{student}/classes"))
    assert klass not in ids(api.items(f"/users/{student}/classes"))
    school = roster.school()["sourcedId"]
    assert student not in ids(api.items(f"/schools/{school}/classes/{klass}/students"))
    # the enrollment itself is still served, marked tobedeleted
    assert {e["status"] for e in api.items(f"/schools/{school}/classes/{klass}/enrollments")} == {"active",
                                                                                                   "tobedeleted"}


def test_a_role_change_moves_a_user_between_students_and_teachers(fresh: tuple[Api, Roster]) -> None:
    api, roster = fresh
    teacher = roster.teacher()
    user = next(u for u in roster.users if u["sourcedId"] == teacher)
    roles = [{**r, "role": "student"} for r in user["roles"]]
    lifecycle.edit(api.store, "user", teacher, {"roles": roles})
    assert teacher in ids(api.items("/students")) and teacher not in ids(api.items("/teachers"))
    assert api.get(f"/students/{teacher}").status_code == 200
    assert api.get(f"/teachers/{teacher}").status_code == 404
    school = roster.school()["sourcedId"]
    assert teacher in ids(api.items(f"/schools/{school}/students"))


@pytest.mark.parametrize("endpoint", SINGLES, ids=lambda e: e.operation_id)
def test_unknown_single_is_404(api: Api, endpoint: R.Endpoint) -> None:
    answer = api.get(endpoint.url_path(sourcedId="no-such-id"), R.SCOPE_ROSTER)
    assert status_minor(answer) == (404, "unknownobject")
    assert "no-such-id" in answer.json()["imsx_description"]


@pytest.mark.parametrize(("path", "sid"), [
    ("/students", "teacher"), ("/teachers", "student"), ("/schools", "district"), ("/terms", "gp"),
    ("/gradingPeriods", "term"), ("/terms", "year")])
def test_single_of_the_wrong_subset_is_404(api: Api, roster: Roster, path: str, sid: str) -> None:
    year = next(s for s in roster.sessions if s["type"] == "schoolYear")["sourcedId"]
    district = next(o for o in roster.orgs if o["type"] == "district")["sourcedId"]
    value = {"teacher": roster.teacher(), "student": roster.student(), "district": district,
             "gp": GRADING_PERIODS[0], "term": TERMS[0], "year": year}[sid]
    assert status_minor(api.get(f"{path}/{value}")) == (404, "unknownobject")


@pytest.mark.parametrize("endpoint", NESTED, ids=lambda e: e.operation_id)
def test_unknown_parent_is_404(api: Api, roster: Roster, endpoint: R.Endpoint) -> None:
    good = roster.path_ids(endpoint)
    for name in endpoint.params:
        answer = api.get(endpoint.url_path(**{**good, name: "no-such-parent"}), R.SCOPE_ROSTER)
        assert status_minor(answer) == (404, "unknownobject"), name
        assert "no-such-parent" in answer.json()["imsx_description"]


def test_parent_of_the_wrong_kind_is_404(api: Api, roster: Roster) -> None:
    district = next(o for o in roster.orgs if o["type"] == "district")["sourcedId"]
    year = next(s for s in roster.sessions if s["type"] == "schoolYear")["sourcedId"]
    other_school = [o for o in roster.orgs if o["type"] == "school"][1]["sourcedId"]
    klass = roster.klass()["sourcedId"]
    for path in (f"/schools/{district}/classes", f"/terms/{year}/classes", f"/terms/{GRADING_PERIODS[0]}/gradingPeriods",
                 f"/schools/{other_school}/classes/{klass}/students", f"/classes/{TERMS[0]}/students",
                 f"/courses/{klass}/classes"):
        assert status_minor(api.get(path)) == (404, "unknownobject"), path


# -- paging ----------------------------------------------------------------------------------------

PAGED = ["/users", "/enrollments", "/students", "/teachers", "/classes", "/demographics",
         "/schools/{school}/students", "/classes/{klass}/students", "/users?filter=roles.role='guardian'",
         "/classes?sort=title&orderBy=desc", "/enrollments?filter=role='student' OR primary='true'"]


@pytest.mark.parametrize("template", PAGED)
def test_pages_concatenate_to_the_collection(api: Api, roster: Roster, template: str) -> None:
    path, _, query = template.format(school=roster.school()["sourcedId"], klass=roster.klass()["sourcedId"]).partition("?")
    params: dict[str, Any] = dict(parse_qsl(query))
    whole = api.items(path, **params)
    total = len(whole)
    assert total > 0
    seen: list[dict[str, Any]] = []
    offset = 0
    while True:
        answer = api.get(path, limit=7, offset=offset, **params)
        assert answer.status_code == 200
        assert int(answer.headers["X-Total-Count"]) == total
        (page,) = answer.json().values()
        links = parse_links(answer.headers["Link"])
        assert links["first"]["offset"] == "0" and links["first"]["limit"] == "7"
        assert links["last"]["offset"] == str((total - 1) // 7 * 7)
        for rel in links.values():
            assert rel["path"] == R.ROSTERING_PATH + path
            assert {k: v for k, v in rel.items() if k not in ("path", "limit", "offset")} == params
        if offset:
            assert links["prev"]["offset"] == str(max(0, offset - 7))
        else:
            assert "prev" not in links
        seen += page
        if offset + 7 < total:
            assert len(page) == 7 and links["next"]["offset"] == str(offset + 7)
            offset += 7
        else:
            assert "next" not in links and len(page) == total - offset
            break
    assert seen == whole
    assert len({o["sourcedId"] for o in seen}) == total


@pytest.mark.parametrize("n", [0, 1, 7, 22])
def test_a_page_read_as_one_row_is_the_page_of_its_rows_rendered(api: Api, n: int) -> None:
    """A plain page (its documents joined in SQLite) has the bytes of its rows joined and each stored
    href replaced whole, and the Content-Length of those bytes; the same for a subset (students)."""
    for path, key, where in (("/users", "users", "kind='user'"), ("/students", "users", "kind='user' AND sub='student'")):
        api.get(path, limit=1)  # counted: the page below is answered on the event loop
        rows = api.store.query(f"SELECT CAST(doc AS BLOB) FROM objects WHERE {where} ORDER BY seq LIMIT ? OFFSET 3",
                               (n,))
        assert len(rows) == n
        joined = b",".join(d for (d,) in rows).replace(b'"href":"\\/ims/', b'"href":"' + BASE_URL.encode() + b"/ims/")
        answer = api.get(path, limit=n or 1, offset=3 if n else 10_000)
        assert answer.status_code == 200
        assert answer.content == b'{"' + key.encode() + b'":[' + joined + b"]}"
        assert int(answer.headers["Content-Length"]) == len(answer.content)
        assert answer.headers["Content-Type"] == "application/json"


def test_put_origin_replaces_the_marks_and_nothing_else() -> None:
    """The one-byte replace is taken only when the hrefs are the text's only backslashes; a value's
    escape (a quote, a backslash) sends the text to the replace of each whole stored href."""
    plain = b'{"a":{"href":"\\/ims/x/1"},"b":[{"href":"\\/ims/y/2"}]}'
    escaped = b'{"n":"say \\"hi\\" \\\\ \\/ims/","a":{"href":"\\/ims/x/1"}}'
    assert app_module.put_origin(plain, b"http://h:1", 2) == b'{"a":{"href":"http://h:1/ims/x/1"},' \
        b'"b":[{"href":"http://h:1/ims/y/2"}]}'
    assert app_module.put_origin(plain, b"http://h:1", 2) == app_module.put_origin(plain, b"http://h:1")
    want = b'{"n":"say \\"hi\\" \\\\ \\/ims/","a":{"href":"http://h:1/ims/x/1"}}'
    assert app_module.put_origin(escaped, b"http://h:1", 1) == want == app_module.put_origin(escaped, b"http://h:1")


def test_a_page_whose_values_hold_escapes_is_rendered_right(fresh: tuple[Api, Roster]) -> None:
    """A name with a quote and a backslash (json.dumps escapes both) next to the stored hrefs' marks:
    every href still gets the origin, the name reads back as stored, Content-Length holds."""
    api, _ = fresh
    user = next(api.store.iter_docs("user"))
    name = 'O"Brien \\ \\/ims/ 太郎'
    api.store.put("user", {**user, "givenName": name})
    mine_only = {"filter": f"sourcedId='{user['sourcedId']}'"}
    for params in (mine_only, {"limit": 60}, {"limit": 60}):  # filtered; a plain page, uncounted then counted
        answer = api.get("/users", **params)
        assert answer.status_code == 200 and int(answer.headers["Content-Length"]) == len(answer.content)
        (page,) = answer.json().values()
        mine = next(u for u in page if u["sourcedId"] == user["sourcedId"])
        assert mine["givenName"] == name
        assert mine["primaryOrg"]["href"] == BASE_URL + user["primaryOrg"]["href"]
        assert all(r["org"]["href"].startswith(BASE_URL + "/ims/") for u in page for r in u["roles"])
    single = api.get(f"/users/{user['sourcedId']}").json()["user"]
    assert single["givenName"] == name and single["primaryOrg"]["href"] == BASE_URL + user["primaryOrg"]["href"]


@pytest.mark.parametrize("faults", [{"broken_href"}, {"wrong_envelope"}, {"boolean_json"}, {"extra_field"}])
def test_pages_under_rendering_faults_carry_their_length(make_api: MakeApi, faults: set[str]) -> None:
    api = make_api(faults=faults)
    answer = api.get("/users", limit=20)
    assert answer.status_code == 200 and int(answer.headers["Content-Length"]) == len(answer.content)
    (page,) = answer.json().values()
    assert len(page) == 20


def test_plain_pages_are_answered_on_the_event_loop_and_the_rest_in_a_worker(
        fresh: tuple[Api, Roster], monkeypatch: pytest.MonkeyPatch) -> None:
    """Once its total is counted, a plain page (an index range) is answered without a worker thread,
    with the same bytes and headers; whatever may take long goes to the worker."""
    api, roster = fresh
    real = app_module.run_in_threadpool
    threaded: list[str] = []

    async def spy(fn: Any, *args: Any) -> Any:
        threaded.append(getattr(fn, "__name__", "?"))
        return await real(fn, *args)

    monkeypatch.setattr(app_module, "run_in_threadpool", spy)

    def answered_by(path: str, **params: Any) -> tuple[str, Any]:
        threaded.clear()
        answer = api.get(path, **params)
        assert answer.status_code == 200, answer.text
        return ("worker" if "collection_page" in threaded else "loop"), answer

    org = api.store.get("org", roster.school()["sourcedId"])
    assert org is not None
    api.store.put("org", org)  # a write (of the same document): every total is counted afresh
    first = answered_by("/users", limit=5, offset=5)
    again = answered_by("/users", limit=5, offset=5)
    assert (first[0], again[0]) == ("worker", "loop")  # the first counts the total
    assert again[1].content == first[1].content and again[1].headers == first[1].headers
    assert answered_by("/students", limit=3)[0] == "worker" and answered_by("/students", limit=3)[0] == "loop"
    school = roster.school()["sourcedId"]
    for path, params in [("/users", {"filter": "givenName!='x'"}), ("/users", {"sort": "familyName"}),
                         ("/users", {"fields": "sourcedId"}), (f"/schools/{school}/students", {})]:
        answered_by(path, **params)
        assert answered_by(path, **params)[0] == "worker", (path, params)
    teacher = roster.teacher()
    user = next(u for u in roster.users if u["sourcedId"] == teacher)
    lifecycle.edit(api.store, "user", teacher, {"roles": [{**r, "role": "student"} for r in user["roles"]]})
    answered_by("/teachers", limit=2)
    assert answered_by("/teachers", limit=2)[0] == "worker"  # no longer dense: an OFFSET query


def test_a_busy_store_sends_even_plain_pages_to_the_worker(api: Api) -> None:
    import threading

    api.get("/users", limit=2)  # counted
    endpoint = R.BY_OPERATION["getAllUsers"]
    held, done = threading.Event(), threading.Event()

    def hold() -> None:
        with api.store._lock:
            held.set()
            done.wait(10)

    other = threading.Thread(target=hold)
    other.start()
    held.wait(10)
    try:
        request = _request(R.ROSTERING_PATH + "/users", "limit=2")
        assert api.provider.quick_page(endpoint, request) is None
    finally:
        done.set()
        other.join()
    assert api.provider.quick_page(endpoint, request) is not None


def _request(path: str, query: str) -> Any:
    from starlette.requests import Request

    return Request({"type": "http", "method": "GET", "path": path, "query_string": query.encode(), "headers": [],
                    "scheme": "http", "server": ("sa.test", 80), "root_path": "", "path_params": {}})


def test_pages_stay_exact_after_the_positions_change(fresh: tuple[Api, Roster]) -> None:
    api, roster = fresh
    """After a role change and a deletion-free replace, /students and /teachers are no longer dense:
    paging falls back to the OFFSET query and stays exact."""
    teacher = roster.teacher()
    user = next(u for u in roster.users if u["sourcedId"] == teacher)
    lifecycle.edit(api.store, "user", teacher, {"roles": [{**r, "role": "student"} for r in user["roles"]]})
    for path in ("/students", "/teachers"):
        whole = ids(api.items(path))
        paged = [o for off in range(0, len(whole), 5) for o in ids(api.ok(path, limit=5, offset=off)[
            "users"])]
        assert paged == whole and len(set(paged)) == len(paged)


def test_offset_beyond_the_end_is_an_empty_page(api: Api) -> None:
    total = api.store.count("user")
    answer = api.get("/users", offset=total + 10, limit=5)
    assert answer.status_code == 200 and answer.json() == {"users": []}
    assert int(answer.headers["X-Total-Count"]) == total
    links = parse_links(answer.headers["Link"])
    assert "next" not in links and links["prev"]["offset"] == str(total + 5)
    answer = api.get("/users", filter="givenName='誰もいない'")
    assert answer.json() == {"users": []} and answer.headers["X-Total-Count"] == "0"
    links = parse_links(answer.headers["Link"])
    assert links["first"]["offset"] == links["last"]["offset"] == "0" and "next" not in links


def test_default_limit_is_100(make_api: MakeApi) -> None:
    api = make_api()
    answer = api.get("/enrollments")
    assert len(answer.json()["enrollments"]) == R.DEFAULT_LIMIT
    assert int(answer.headers["X-Total-Count"]) > R.DEFAULT_LIMIT


def test_limit_above_max_is_clamped(make_api: MakeApi) -> None:
    api = make_api(max_limit=10)
    answer = api.get("/users", limit=50)
    assert len(answer.json()["users"]) == 10
    links = parse_links(answer.headers["Link"])
    assert links["next"] == {"path": R.ROSTERING_PATH + "/users", "limit": "10", "offset": "10"}


@pytest.mark.parametrize(("name", "value"), [("limit", "0"), ("limit", "-3"), ("limit", "ten"), ("limit", ""),
                                             ("offset", "-1"), ("offset", "x"), ("offset", "1.5"),
                                             ("orderBy", "sideways")])
def test_bad_paging_parameters_are_400(api: Api, name: str, value: str) -> None:
    answer = api.get("/users", **{name: value})
    assert status_minor(answer) == (400, "invaliddata")
    assert name in answer.json()["imsx_description"]


# -- sort, fields, filter --------------------------------------------------------------------------

@pytest.mark.parametrize(("path", "field"), [("/users", "familyName"), ("/users", "metadata.jp.kanaGivenName"),
                                             ("/classes", "course.sourcedId"), ("/orgs", "identifier"),
                                             ("/users", "middleName"), ("/enrollments", "role")])
def test_sort_asc_and_desc(api: Api, path: str, field: str) -> None:
    (key,) = api.ok(path, limit=1).keys()
    asc = api.items(path, sort=field)
    desc = api.items(path, sort=field, orderBy="desc")
    assert sorted(ids(asc)) == sorted(ids(desc))
    for objs, reverse in ((asc, False), (desc, True)):
        values = [Q.values_at(o, field) for o in objs]
        have = [v[0] for v in values if v]
        assert have == sorted(have, reverse=reverse), (field, reverse)
        assert all(values[:len(have)]), "objects without the field sort last"
    default = api.items(path, orderBy="desc")  # orderBy without sort leaves the order alone
    assert default == api.items(path)


@pytest.mark.parametrize("sort", ["roles.role", "grades", "nickname", "terms.sourcedId", "", "metadata.",
                                  "metadata.jp.x')--", "metadata..jp"])
def test_bad_sort_is_400(api: Api, sort: str) -> None:
    path = "/classes" if sort == "terms.sourcedId" else "/users"
    assert status_minor(api.get(path, sort=sort)) == (400, "invalid_selection_field")


def test_fields_projection(api: Api, roster: Roster) -> None:
    objs = api.items("/users", fields="sourcedId,familyName,roles")
    assert ids(objs) == ids(roster.users)
    assert all(set(o) <= {"sourcedId", "familyName", "roles"} for o in objs)
    assert all(o["familyName"] == u["familyName"] for o, u in zip(objs, roster.users, strict=True))
    sid = roster.users[0]["sourcedId"]
    assert api.ok(f"/users/{sid}", fields="givenName") == {"user": {"givenName": roster.users[0]["givenName"]}}
    nested = api.items(f"/classes/{roster.klass()['sourcedId']}/students", fields="sourcedId")
    assert nested and all(list(o) == ["sourcedId"] for o in nested)
    refs = api.items("/classes", fields="school")
    assert refs[0]["school"]["href"].startswith(BASE_URL + R.ROSTERING_PATH)


@pytest.mark.parametrize("fields", ["nickname", "sourcedId,", "roles.role", "", "sourcedId,,givenName"])
def test_bad_fields_are_400(api: Api, roster: Roster, fields: str) -> None:
    assert status_minor(api.get("/users", fields=fields)) == (400, "invalid_selection_field")
    sid = roster.users[0]["sourcedId"]
    assert status_minor(api.get(f"/users/{sid}", fields=fields)) == (400, "invalid_selection_field")


@pytest.mark.parametrize("text", [
    "roles.role='student'", "roles.org.sourcedId='{school}'", "grades='P2' OR grades='J1'",
    "metadata.jp.kanaFamilyName~'サ' AND roles.role='student'", "familyName>='山'", "enabledUser!='false'",
    "dateLastModified>'2026-03-31T23:59:59Z'", "dateLastModified>'2026-04-01T00:00:00Z'",
])
def test_filter_equals_local_evaluation(api: Api, roster: Roster, text: str) -> None:
    text = text.format(school=roster.school()["sourcedId"])
    flt = Q.parse_filter(text)
    assert ids(api.items("/users", filter=text)) == [u["sourcedId"] for u in roster.users if Q.matches(flt, u)]


def test_filter_on_nested_paths_and_subsets(api: Api, roster: Roster) -> None:
    klass = roster.klass()
    terms = api.items(f"/schools/{roster.school()['sourcedId']}/classes", filter=f"terms.sourcedId='{TERMS[0]}'")
    assert terms and all(TERMS[0] in [t["sourcedId"] for t in c["terms"]] for c in terms)
    students = api.items(f"/classes/{klass['sourcedId']}/students", filter="grades~'P'")
    assert ids(students) == [u for u in roster.expected(R.BY_OPERATION["getStudentsForClass"], [klass["sourcedId"]])]
    assert api.items("/terms", filter="title~'後期'")[0]["sourcedId"] == TERMS[1]


@pytest.mark.parametrize("text", ["nickname='x'", "roles.colour='x'", "givenName", "givenName='x", "a='1' b='2'",
                                  "givenName='x' and familyName='y'"])
def test_bad_filter_is_400(api: Api, text: str) -> None:
    answer = api.get("/users", filter=text)
    assert status_minor(answer) == (400, "invalid_filter_field")
    assert answer.json()["imsx_description"]


def test_filter_field_of_another_object_is_400(api: Api) -> None:
    assert status_minor(api.get("/classes", filter="familyName='x'")) == (400, "invalid_filter_field")
    assert api.get("/classes", filter="metadata.jp.specialNeeds='true'").status_code == 200


# -- hrefs and the request log ---------------------------------------------------------------------

def test_every_href_resolves(api: Api, roster: Roster) -> None:
    hrefs: set[str] = set()
    for obj in roster.users[:10] + roster.classes[:5] + roster.enrollments[:5] + roster.sessions + roster.orgs:
        hrefs |= {v for p, v in _leaves(obj) if p.endswith("href")}
    assert len(hrefs) > 10
    for href in sorted(hrefs):
        assert href.startswith(BASE_URL + R.ROSTERING_PATH + "/")
        assert api.get(href[len(BASE_URL):]).status_code == 200, href


def _leaves(obj: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(obj, dict):
        return [x for k, v in obj.items() for x in _leaves(v, f"{prefix}.{k}")]
    if isinstance(obj, list):
        return [x for v in obj for x in _leaves(v, prefix)]
    return [(prefix, obj)]


def test_requests_are_logged(fresh: tuple[Api, Roster]) -> None:
    api = fresh[0]
    api.token()
    api.provider.log.clear()
    api.get("/users", limit=3)
    api.get("/users/nope")
    users, unknown = list(api.provider.log)
    assert (users.method, users.path, users.status, users.returned) == ("GET", R.ROSTERING_PATH + "/users", 200, 3)
    assert users.total == api.store.count("user") and users.client_id == "renkei-test"
    assert users.scopes == (R.SCOPE_ROSTER,) and users.query == "limit=3"
    assert (unknown.status, unknown.returned) == (404, None)
