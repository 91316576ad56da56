from __future__ import annotations

import json
from urllib.parse import urlencode

from starlette.testclient import TestClient

from tests.mocks.lrs.conftest import basic, headers, new_id, statement


def test_about_needs_neither_auth_nor_version(lrs: TestClient) -> None:
    r = lrs.get("/xapi/about")
    assert r.status_code == 200
    assert r.json()["version"] == ["1.0.3", "2.0.0"] and isinstance(r.json()["extensions"], dict)
    assert r.headers["X-Experience-API-Version"]
    assert lrs.get("/xapi/about", params={"x": "1"}).status_code == 400


def test_missing_or_wrong_credentials_are_401_with_challenge(lrs: TestClient) -> None:
    r = lrs.get("/xapi/statements", headers={"X-Experience-API-Version": "1.0.3"})
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Basic")
    r = lrs.get("/xapi/statements", headers={**headers(), "Authorization": basic(secret="wrong")})
    assert r.status_code == 401
    r = lrs.get("/xapi/statements", headers={**headers(), "Authorization": "Basic !!!"})
    assert r.status_code == 401


def test_read_only_client_cannot_write(lrs: TestClient) -> None:
    reader = {**headers(), "Authorization": basic("reader", "r")}
    assert lrs.get("/xapi/statements", headers=reader).status_code == 200
    r = lrs.post("/xapi/statements", json=statement(), headers=reader)
    assert r.status_code == 403 and "scopes" in r.text


def test_agents_person_object(lrs: TestClient) -> None:
    lrs.post("/xapi/statements", json=statement(3), headers=headers())
    agent = {"account": {"homePage": "https://portal.example.jp", "name": "learner-0003"}}
    r = lrs.get("/xapi/agents", params={"agent": json.dumps(agent)}, headers=headers())
    assert r.json() == {"objectType": "Person", "name": ["生徒3"], "account": [agent["account"]]}
    unknown = lrs.get("/xapi/agents", params={"agent": '{"mbox":"mailto:nobody@example.jp"}'}, headers=headers())
    assert unknown.json() == {"objectType": "Person", "mbox": ["mailto:nobody@example.jp"]}
    assert lrs.get("/xapi/agents", headers=headers()).status_code == 400


def test_activities_merge_definitions(lrs: TestClient) -> None:
    act = "https://app.example.jp/q/0"
    lrs.post("/xapi/statements", json=statement(0), headers=headers())
    lrs.post("/xapi/statements", json=statement(3, object={"id": act, "definition": {"name": {"en-US": "Q0"}}}),
             headers=headers())
    r = lrs.get("/xapi/activities", params={"activityId": act}, headers=headers())
    assert r.json() == {"objectType": "Activity", "id": act, "definition": {"name": {"ja-JP": "問題0", "en-US": "Q0"}}}
    bare = lrs.get("/xapi/activities", params={"activityId": "https://app.example.jp/none"}, headers=headers())
    assert bare.json() == {"objectType": "Activity", "id": "https://app.example.jp/none"}


def test_alternate_request_syntax_in_1_0_3(lrs: TestClient) -> None:
    sid = new_id()
    form = {"statementId": sid, "content": json.dumps(statement()), "Content-Type": "application/json",
            "Authorization": basic(), "X-Experience-API-Version": "1.0.3"}
    r = lrs.post("/xapi/statements?method=PUT", content=urlencode(form).encode(),
                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 204, r.text
    got = lrs.post("/xapi/statements?method=GET", content=urlencode({
        "statementId": sid, "Authorization": basic(), "X-Experience-API-Version": "1.0.3"}).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert got.status_code == 200 and got.json()["id"] == sid


def test_alternate_request_syntax_rules(lrs: TestClient) -> None:
    form = urlencode({"Authorization": basic(), "X-Experience-API-Version": "2.0.0"}).encode()
    r = lrs.post("/xapi/statements?method=GET", content=form,
                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 400 and "2.0" in r.text
    form = urlencode({"Authorization": basic(), "X-Experience-API-Version": "1.0.3"}).encode()
    r = lrs.post("/xapi/statements?method=GET&limit=1", content=form,
                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 400 and "only the method" in r.text


def test_body_over_the_limit_is_413(make_client) -> None:  # type: ignore[no-untyped-def]
    lrs = make_client(max_body_bytes=2048)
    r = lrs.post("/xapi/statements", content=b"[" + b" " * 4096 + b"]",
                 headers={**headers(), "Content-Type": "application/json"})
    assert r.status_code == 413 and r.headers["X-Experience-API-Version"] == "1.0.3"
    assert "2048" in r.json()["error"]["message"]


def test_recording_keeps_each_statements_request(make_client) -> None:  # type: ignore[no-untyped-def]
    lrs = make_client(record=True, max_body_bytes=2048)
    ok = lrs.post("/xapi/statements", json=statement(), headers=headers()).json()
    bad = statement()
    del bad["actor"]
    lrs.post("/xapi/statements", json=bad, headers=headers())
    lrs.post("/xapi/statements", content=b"x" * 4096, headers={**headers(), "Content-Type": "application/json"})
    lrs.get("/xapi/about")  # not the statements resource: not recorded
    rows = lrs.app.state.store.received()  # type: ignore[attr-defined]
    assert [r[7] for r in rows] == [200, 400, 413]
    first = rows[0]
    assert first[0] == 0 and first[2] == "POST" and first[3] == "/xapi/statements" and first[6] == "app"
    assert json.loads(first[10]) == ok and "authorization" not in json.loads(first[5])
    assert json.loads(bytes(rows[1][8])) == bad and rows[2][9] == 1


def test_unknown_paths_and_methods_are_xapi_errors(lrs: TestClient) -> None:
    r = lrs.get("/xapi/nothing", headers=headers())
    assert r.status_code == 404 and r.headers["X-Experience-API-Version"] == "1.0.3" and "error" in r.json()
    r = lrs.delete("/xapi/statements", headers=headers())
    assert r.status_code == 405 and "X-Experience-API-Consistent-Through" in r.headers
