from __future__ import annotations

import json

from starlette.testclient import TestClient

from tests.mocks.lrs.conftest import headers, new_id, statement

URL = "/xapi/statements"


def test_put_then_get_sets_stored_authority_version(lrs: TestClient) -> None:
    sid = new_id()
    r = lrs.put(URL, params={"statementId": sid}, json=statement(), headers=headers())
    assert r.status_code == 204, r.text
    assert r.headers["X-Experience-API-Version"] == "1.0.3"
    assert "X-Experience-API-Consistent-Through" in r.headers
    got = lrs.get(URL, params={"statementId": sid}, headers=headers())
    assert got.status_code == 200
    body = got.json()
    assert body["id"] == sid and body["version"] == "1.0.0" and body["stored"].endswith("Z")
    assert body["authority"]["account"]["name"] == "app" and body["authority"]["name"] == "学習アプリ"
    assert body["timestamp"] == "2026-12-04T01:02:03.456Z"
    assert got.headers["Last-Modified"].endswith("GMT")


def test_put_same_is_204_and_different_is_409(lrs: TestClient) -> None:
    sid = new_id()
    assert lrs.put(URL, params={"statementId": sid}, json=statement(), headers=headers()).status_code == 204
    assert lrs.put(URL, params={"statementId": sid}, json=statement(), headers=headers()).status_code == 204
    r = lrs.put(URL, params={"statementId": sid}, json=statement(1), headers=headers())
    assert r.status_code == 409 and "already stored" in r.json()["error"]["message"]


def test_put_needs_statement_id_matching_body(lrs: TestClient) -> None:
    assert lrs.put(URL, json=statement(), headers=headers()).status_code == 400
    r = lrs.put(URL, params={"statementId": new_id()}, json=statement(id=new_id()), headers=headers())
    assert r.status_code == 400 and "differs" in r.text


def test_post_array_returns_ids_in_order(lrs: TestClient) -> None:
    given = new_id()
    r = lrs.post(URL, json=[statement(0, id=given), statement(1)], headers=headers())
    assert r.status_code == 200
    ids = r.json()
    assert ids[0] == given and len(ids) == 2
    assert lrs.get(URL, params={"statementId": ids[1]}, headers=headers()).json()["actor"]["name"] == "生徒1"


def test_post_is_all_or_nothing_and_names_the_rule(lrs: TestClient) -> None:
    bad = statement(1)
    del bad["verb"]
    r = lrs.post(URL, json=[statement(0), bad], headers=headers())
    assert r.status_code == 400
    error = r.json()["error"]
    assert "$[1]" in error["message"] and error["problems"][0]["path"].startswith("$[1]")
    assert lrs.get(URL, headers=headers()).json()["statements"] == []


def test_post_rejects_duplicate_ids_in_a_batch(lrs: TestClient) -> None:
    sid = new_id()
    r = lrs.post(URL, json=[statement(0, id=sid), statement(0, id=sid)], headers=headers())
    assert r.status_code == 400 and "more than once" in r.text


def test_post_rejects_malformed_json_and_wrong_type(lrs: TestClient) -> None:
    r = lrs.post(URL, content=b"{nope", headers={**headers(), "Content-Type": "application/json"})
    assert r.status_code == 400 and "not JSON" in r.text
    r = lrs.post(URL, content=b"{}", headers={**headers(), "Content-Type": "text/plain"})
    assert r.status_code == 400 and "Content-Type" in r.text


def test_query_filters(lrs: TestClient) -> None:
    reg = new_id()
    ids = lrs.post(URL, json=[statement(0), statement(1, context={"registration": reg}), statement(4)],
                   headers=headers()).json()

    def found(**params: str) -> list[str]:
        r = lrs.get(URL, params=params, headers=headers())
        assert r.status_code == 200, r.text
        return [s["id"] for s in r.json()["statements"]]

    assert found() == ids[::-1]  # newest stored first
    assert found(ascending="true") == ids
    agent = json.dumps({"account": {"homePage": "https://portal.example.jp", "name": "learner-0001"}})
    assert found(agent=agent) == [ids[1]]
    assert found(registration=reg) == [ids[1]]
    assert found(activity="https://app.example.jp/q/1") == [ids[2], ids[1]]
    assert found(verb="http://adlnet.gov/expapi/verbs/answered") == ids[::-1]
    assert found(verb="http://adlnet.gov/expapi/verbs/passed") == []


def test_related_activities_and_agents(lrs: TestClient) -> None:
    parent = "https://app.example.jp/course"
    teacher = {"objectType": "Agent", "mbox": "mailto:sensei@school.example.jp"}
    sid = lrs.post(URL, json=statement(0, context={"contextActivities": {"parent": {"id": parent}},
                                                   "instructor": teacher}), headers=headers()).json()[0]

    def found(**params: str) -> list[str]:
        return [s["id"] for s in lrs.get(URL, params=params, headers=headers()).json()["statements"]]

    assert found(activity=parent) == []
    assert found(activity=parent, related_activities="true") == [sid]
    assert found(agent=json.dumps(teacher)) == []
    assert found(agent=json.dumps(teacher), related_agents="true") == [sid]
    stored = lrs.get(URL, params={"statementId": sid}, headers=headers()).json()
    assert stored["context"]["contextActivities"]["parent"] == [{"id": parent}]  # XAPI-00096: always arrays


def test_since_until(lrs: TestClient) -> None:
    first = lrs.post(URL, json=statement(0), headers=headers()).json()[0]
    stored = lrs.get(URL, params={"statementId": first}, headers=headers()).json()["stored"]
    later = lrs.post(URL, json=statement(1), headers=headers()).json()[0]
    later_stored = lrs.get(URL, params={"statementId": later}, headers=headers()).json()["stored"]
    since = [s["id"] for s in lrs.get(URL, params={"since": stored}, headers=headers()).json()["statements"]]
    assert first not in since and (later in since or later_stored == stored)
    until = [s["id"] for s in lrs.get(URL, params={"until": stored}, headers=headers()).json()["statements"]]
    assert first in until


def test_more_pages_across_requests_and_ignore_later_writes(make_client) -> None:  # type: ignore[no-untyped-def]
    lrs = make_client(more_page_size=2)
    ids = lrs.post(URL, json=[statement(i) for i in range(5)], headers=headers()).json()
    seen: list[str] = []
    r = lrs.get(URL, params={"limit": "0"}, headers=headers()).json()
    seen += [s["id"] for s in r["statements"]]
    lrs.post(URL, json=statement(9), headers=headers())  # written while paging: not in this result
    while r["more"]:
        assert r["more"].startswith("/xapi/statements?more=")
        r = lrs.get(r["more"], headers=headers()).json()
        seen += [s["id"] for s in r["statements"]]
    assert seen == ids[::-1]


def test_more_token_is_checked(lrs: TestClient) -> None:
    r = lrs.get(URL, params={"more": "forged.abc"}, headers=headers())
    assert r.status_code == 400 and "more" in r.text


def test_query_parameter_rules(lrs: TestClient) -> None:
    sid = lrs.post(URL, json=statement(), headers=headers()).json()[0]
    assert lrs.get(URL, params={"statementid": sid}, headers=headers()).status_code == 400  # case differs
    assert lrs.get(URL, params={"statementId": sid, "verb": "http://x.example/v"}, headers=headers()).status_code == 400
    assert lrs.get(URL, params={"statementId": sid, "voidedStatementId": sid}, headers=headers()).status_code == 400
    assert lrs.get(URL, params={"statementId": "not-a-uuid"}, headers=headers()).status_code == 400
    assert lrs.get(URL, params={"statementId": new_id()}, headers=headers()).status_code == 404
    assert lrs.get(URL, params={"limit": "-1"}, headers=headers()).status_code == 400
    assert lrs.get(URL, params={"since": "yesterday"}, headers=headers()).status_code == 400
    assert lrs.get(URL, params={"format": "EXACT"}, headers=headers()).status_code == 400


def test_voiding(lrs: TestClient) -> None:
    target = lrs.post(URL, json=statement(0), headers=headers()).json()[0]
    void = statement(0, verb={"id": "http://adlnet.gov/expapi/verbs/voided"},
                     object={"objectType": "StatementRef", "id": target})
    voider = lrs.post(URL, json=void, headers=headers()).json()[0]
    assert lrs.get(URL, params={"statementId": target}, headers=headers()).status_code == 404
    assert lrs.get(URL, params={"voidedStatementId": target}, headers=headers()).json()["id"] == target
    listed = [s["id"] for s in lrs.get(URL, headers=headers()).json()["statements"]]
    assert target not in listed and voider in listed
    again = statement(0, verb={"id": "http://adlnet.gov/expapi/verbs/voided"},
                      object={"objectType": "StatementRef", "id": voider})
    r = lrs.post(URL, json=again, headers=headers())
    assert r.status_code == 400 and "cannot be voided" in r.text


def test_statement_ref_targeting_matches(lrs: TestClient) -> None:
    target = lrs.post(URL, json=statement(1), headers=headers()).json()[0]
    ref = lrs.post(URL, json=statement(2, object={"objectType": "StatementRef", "id": target}),
                   headers=headers()).json()[0]
    found = [s["id"] for s in lrs.get(URL, params={"activity": "https://app.example.jp/q/1"},
                                      headers=headers()).json()["statements"]]
    assert found == [ref, target]


def test_head_is_get_without_body(lrs: TestClient) -> None:
    lrs.post(URL, json=statement(), headers=headers())
    got = lrs.get(URL, headers=headers())
    head = lrs.head(URL, headers=headers())
    assert head.status_code == 200 and head.content == b""
    assert head.headers["Content-Length"] == str(len(got.content))


def test_version_header_rules(lrs: TestClient) -> None:
    r = lrs.get(URL, headers={"Authorization": headers()["Authorization"]})
    assert r.status_code == 400 and r.headers["X-Experience-API-Version"]
    assert lrs.get(URL, headers=headers("1.1.0")).status_code == 400
    assert lrs.get(URL, headers=headers("0.95")).status_code == 400
    assert lrs.get(URL, headers=headers("1.0")).headers["X-Experience-API-Version"] == "1.0.3"
    two = lrs.get(URL, headers=headers("2.0"))
    assert two.status_code == 200 and two.headers["X-Experience-API-Version"] == "2.0.0"


def test_version_2_statement_version_and_utc(lrs: TestClient) -> None:
    sid = lrs.post(URL, json=statement(timestamp="2026-12-04T10:02:03.456+09:00"), headers=headers("2.0.0")).json()[0]
    got = lrs.get(URL, params={"statementId": sid}, headers=headers("2.0.0")).json()
    assert got["version"] == "2.0.0" and got["timestamp"] == "2026-12-04T01:02:03.456Z"


def test_only_served_versions(make_client) -> None:  # type: ignore[no-untyped-def]
    lrs = make_client(versions=["1.0.3"])
    assert lrs.get(URL, headers=headers("2.0.0")).status_code == 400
    assert lrs.get("/xapi/about").json()["version"] == ["1.0.3"]


def test_format_ids_and_canonical(lrs: TestClient) -> None:
    sid = lrs.post(URL, json=statement(), headers=headers()).json()[0]
    ids = lrs.get(URL, params={"statementId": sid, "format": "ids"}, headers=headers()).json()
    assert "display" not in ids["verb"] and "definition" not in ids["object"] and "name" not in ids["actor"]
    canonical = lrs.get(URL, params={"format": "canonical"}, headers={**headers(), "Accept-Language": "ja-JP"}).json()
    assert canonical["statements"][0]["verb"]["display"] == {"ja-JP": "回答した"}
    exact = lrs.get(URL, params={"statementId": sid}, headers=headers()).json()
    assert exact["verb"]["display"] == {"en-US": "answered", "ja-JP": "回答した"}
