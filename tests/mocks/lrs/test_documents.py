from __future__ import annotations

import hashlib
import json

from starlette.testclient import TestClient

from tests.mocks.lrs.conftest import headers

ACTIVITY = "https://app.example.jp/unit/1"
AGENT = json.dumps({"objectType": "Agent", "account": {"homePage": "https://portal.example.jp", "name": "learner-7"}})
STATE = "/xapi/activities/state"
APROF = "/xapi/activities/profile"
GPROF = "/xapi/agents/profile"


def state(**extra: str) -> dict[str, str]:
    return {"activityId": ACTIVITY, "agent": AGENT, **extra}


def test_state_put_get_etag_and_content_type(lrs: TestClient) -> None:
    r = lrs.put(STATE, params=state(stateId="bookmark"), content=b"page=3",
                headers=headers(**{"Content-Type": "text/plain"}))
    assert r.status_code == 204, r.text
    got = lrs.get(STATE, params=state(stateId="bookmark"), headers=headers())
    assert got.status_code == 200 and got.content == b"page=3"
    assert got.headers["Content-Type"].startswith("text/plain")
    assert got.headers["ETag"] == '"' + hashlib.sha1(b"page=3").hexdigest() + '"'
    assert got.headers["Last-Modified"].endswith("GMT")
    head = lrs.head(STATE, params=state(stateId="bookmark"), headers=headers())
    assert head.status_code == 200 and head.content == b"" and head.headers["ETag"] == got.headers["ETag"]


def test_state_list_since_and_delete(lrs: TestClient) -> None:
    for sid in ("a", "b"):
        lrs.put(STATE, params=state(stateId=sid), content=b"x", headers=headers())
    assert lrs.get(STATE, params=state(), headers=headers()).json() == ["a", "b"]
    assert lrs.get(STATE, params=state(since="2999-01-01T00:00:00Z"), headers=headers()).json() == []
    assert lrs.delete(STATE, params=state(stateId="a"), headers=headers()).status_code == 204
    assert lrs.get(STATE, params=state(stateId="a"), headers=headers()).status_code == 404
    assert lrs.delete(STATE, params=state(), headers=headers()).status_code == 204
    assert lrs.get(STATE, params=state(), headers=headers()).json() == []


def test_state_registration_separates_documents(lrs: TestClient) -> None:
    reg = "3e1c6b1c-1d8d-4f7e-9c1a-8c2b6f9d0a11"
    lrs.put(STATE, params=state(stateId="s", registration=reg), content=b"r", headers=headers())
    assert lrs.get(STATE, params=state(stateId="s"), headers=headers()).status_code == 404
    assert lrs.get(STATE, params=state(stateId="s", registration=reg), headers=headers()).content == b"r"
    assert lrs.get(STATE, params=state(stateId="s", registration="nope"), headers=headers()).status_code == 400


def test_state_parameters_are_required_and_checked(lrs: TestClient) -> None:
    assert lrs.get(STATE, params={"agent": AGENT, "stateId": "s"}, headers=headers()).status_code == 400
    r = lrs.get(STATE, params={"activityId": ACTIVITY, "agent": '{"name":"no ifi"}', "stateId": "s"},
                headers=headers())
    assert r.status_code == 400 and "agent" in r.text
    assert lrs.put(STATE, params=state(), content=b"x", headers=headers()).status_code == 400  # no stateId
    assert lrs.get(STATE, params=state(stateid="s"), headers=headers()).status_code == 400


def test_profile_put_without_precondition_on_existing_is_409(lrs: TestClient) -> None:
    p = {"activityId": ACTIVITY, "profileId": "settings"}
    assert lrs.put(APROF, params=p, json={"a": 1}, headers=headers()).status_code == 204
    r = lrs.put(APROF, params=p, json={"a": 2}, headers=headers())
    assert r.status_code == 409 and "If-Match" in r.text
    assert lrs.get(APROF, params=p, headers=headers()).json() == {"a": 1}
    tag = lrs.get(APROF, params=p, headers=headers()).headers["ETag"]
    assert lrs.put(APROF, params=p, json={"a": 3}, headers=headers(**{"If-Match": tag})).status_code == 204
    assert lrs.get(APROF, params=p, headers=headers()).json() == {"a": 3}


def test_if_match_and_if_none_match_fail_with_412(lrs: TestClient) -> None:
    p = {"agent": AGENT, "profileId": "prefs"}
    assert lrs.put(GPROF, params=p, json={"x": 1}, headers=headers(**{"If-Match": '"abc"'})).status_code == 412
    assert lrs.put(GPROF, params=p, json={"x": 1}, headers=headers(**{"If-None-Match": "*"})).status_code == 204
    assert lrs.put(GPROF, params=p, json={"x": 2}, headers=headers(**{"If-None-Match": "*"})).status_code == 412
    assert lrs.put(GPROF, params=p, json={"x": 2}, headers=headers(**{"If-Match": '"wrong"'})).status_code == 412
    assert lrs.delete(GPROF, params=p, headers=headers(**{"If-Match": '"wrong"'})).status_code == 412
    assert lrs.get(GPROF, params=p, headers=headers()).json() == {"x": 1}


def test_state_put_over_existing_is_409_only_in_2_0(lrs: TestClient) -> None:
    p = state(stateId="s")
    lrs.put(STATE, params=p, content=b"1", headers=headers())
    assert lrs.put(STATE, params=p, content=b"2", headers=headers()).status_code == 204  # 1.0.3: exempt
    assert lrs.put(STATE, params=p, content=b"3", headers=headers("2.0.0")).status_code == 409


def test_post_merges_json_objects(lrs: TestClient) -> None:
    p = {"activityId": ACTIVITY, "profileId": "merge"}
    assert lrs.post(APROF, params=p, json={"a": 1, "b": 1}, headers=headers()).status_code == 204
    assert lrs.post(APROF, params=p, json={"b": 2, "c": 3}, headers=headers()).status_code == 204
    assert lrs.get(APROF, params=p, headers=headers()).json() == {"a": 1, "b": 2, "c": 3}


def test_post_merge_refuses_non_objects(lrs: TestClient) -> None:
    p = {"activityId": ACTIVITY, "profileId": "m2"}
    lrs.put(APROF, params=p, content=b"plain", headers=headers(**{"Content-Type": "text/plain"}))
    r = lrs.post(APROF, params=p, json={"a": 1}, headers=headers())
    assert r.status_code == 400 and "stored" in r.json()["error"]["message"]
    q = {"activityId": ACTIVITY, "profileId": "m3"}
    lrs.post(APROF, params=q, json={"a": 1}, headers=headers())
    assert lrs.post(APROF, params=q, json=[1, 2], headers=headers()).status_code == 400
    assert lrs.get(APROF, params=q, headers=headers()).json() == {"a": 1}


def test_agent_profile_refuses_a_group(lrs: TestClient) -> None:
    group = json.dumps({"objectType": "Group", "member": [json.loads(AGENT)]})
    assert lrs.get(GPROF, params={"agent": group, "profileId": "p"}, headers=headers()).status_code == 400


def test_documents_need_a_permitted_scope(lrs: TestClient) -> None:
    reader = {**headers(), "Authorization": "Basic " + __import__("base64").b64encode(b"reader:r").decode()}
    r = lrs.put(STATE, params=state(stateId="s"), content=b"x", headers=reader)
    assert r.status_code == 403
