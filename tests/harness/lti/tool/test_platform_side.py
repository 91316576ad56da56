"""The harness's own Platform side: endpoints answer like a Platform and every call is recorded."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from renkei.harness.lti.protocol import vocab
from renkei.harness.lti.protocol.browser import InProcessTransport
from renkei.harness.lti.protocol.jose import generate_rsa_key
from renkei.harness.lti.tool.platform_side import PlatformSide
from tests.harness.lti.tool.tool_env import PLATFORM, target_config

CTX = "ctx-1"


@pytest.fixture(scope="module")
def key() -> object:
    return generate_rsa_key()


@pytest.fixture
def side(key: object) -> PlatformSide:
    side = PlatformSide(target_config(services={"nrps_page_size": 2}), [key])  # type: ignore[list-item]
    side.set_roster(CTX, [{"user_id": f"u{i}", "roles": [vocab.ROLE_LEARNER if i else vocab.ROLE_INSTRUCTOR]}
                          for i in range(5)])
    return side


@pytest.fixture
def client(side: PlatformSide) -> Iterator[httpx.Client]:
    transport = InProcessTransport(side.app)
    with httpx.Client(transport=transport, base_url=PLATFORM) as c:
        yield c
    transport.close()


def _token(client: httpx.Client, scope: str) -> str:
    resp = client.post("/token", data={"grant_type": "client_credentials",
                                       "client_assertion_type": vocab.CLIENT_ASSERTION_TYPE,
                                       "client_assertion": "a.b.c", "scope": scope})
    assert resp.status_code == 200, resp.text
    return str(resp.json()["access_token"])


def test_jwks_publishes_public_keys_only(client: httpx.Client, side: PlatformSide) -> None:
    resp = client.get("/jwks")
    assert resp.headers["cache-control"] == "max-age=300"
    (entry,) = resp.json()["keys"]
    assert entry["kid"] and entry["alg"] == "RS256" and "d" not in entry
    assert [c.kind for c in side.calls] == ["jwks"]


@pytest.mark.parametrize(("form", "error"), [
    ({"grant_type": "password"}, "unsupported_grant_type"),
    ({"grant_type": "client_credentials", "scope": vocab.SCOPE_NRPS_READONLY}, "invalid_client"),
    ({"grant_type": "client_credentials", "client_assertion_type": vocab.CLIENT_ASSERTION_TYPE,
      "client_assertion": "x", "scope": "https://example.com/unknown"}, "invalid_scope"),
])
def test_token_endpoint_refuses_bad_requests(client: httpx.Client, side: PlatformSide, form: dict[str, str],
                                             error: str) -> None:
    resp = client.post("/token", data=form)
    assert resp.status_code == 400 and resp.json() == {"error": error}
    assert side.calls[-1].kind == "token" and side.calls[-1].status == 400


def test_token_grants_the_known_subset_of_requested_scopes(client: httpx.Client) -> None:
    resp = client.post("/token", data={"grant_type": "client_credentials",
                                       "client_assertion_type": vocab.CLIENT_ASSERTION_TYPE, "client_assertion": "x",
                                       "scope": f"{vocab.SCOPE_AGS_SCORE} https://example.com/other"})
    assert resp.json()["scope"] == vocab.SCOPE_AGS_SCORE and resp.json()["token_type"] == "bearer"


def test_nrps_pages_with_link_next_and_records_it(client: httpx.Client, side: PlatformSide) -> None:
    assert client.get(f"/nrps/{CTX}/memberships").status_code == 401
    auth = {"Authorization": "Bearer " + _token(client, vocab.SCOPE_NRPS_READONLY)}
    url: str | None = f"{PLATFORM}/nrps/{CTX}/memberships"
    seen: list[str] = []
    while url:
        resp = client.get(url, headers=auth)
        assert resp.headers["content-type"].startswith(vocab.MEDIA_NRPS_MEMBERSHIP)
        seen += [m["user_id"] for m in resp.json()["members"]]
        url = resp.links.get("next", {}).get("url")
    assert seen == ["u0", "u1", "u2", "u3", "u4"]
    nrps = side.calls_of("nrps")
    assert [bool(c.link_next) for c in nrps] == [False, True, True, False]  # first call had no token
    assert nrps[1].headers["authorization"] == "Bearer ***" and nrps[1].token_scopes == (vocab.SCOPE_NRPS_READONLY,)
    learners = client.get(f"/nrps/{CTX}/memberships?role=Learner&limit=10", headers=auth).json()["members"]
    assert len(learners) == 4


def test_nrps_needs_its_scope_and_a_known_context(client: httpx.Client) -> None:
    auth = {"Authorization": "Bearer " + _token(client, vocab.SCOPE_AGS_SCORE)}
    assert client.get(f"/nrps/{CTX}/memberships", headers=auth).status_code == 403
    assert client.get("/nrps/unknown/memberships", headers=auth).status_code == 404


def test_ags_lineitem_score_and_result_round_trip(client: httpx.Client, side: PlatformSide) -> None:
    auth = {"Authorization": "Bearer " + _token(client, " ".join(vocab.AGS_SCOPES))}
    base = f"/ags/{CTX}/lineitems"
    assert client.post(base, content=json.dumps({"label": "x"}), headers=auth).status_code == 400
    created = client.post(base, content=json.dumps({"label": "x", "scoreMaximum": 10}), headers=auth)
    assert created.status_code == 201
    item = created.json()["id"]
    assert item == f"{PLATFORM}{base}/1"
    assert [i["id"] for i in client.get(base, headers=auth).json()] == [item]
    score = {"userId": "u1", "scoreGiven": 7, "scoreMaximum": 10, "timestamp": "2026-04-01T10:00:00.1Z",
             "activityProgress": "Completed", "gradingProgress": "FullyGraded"}
    assert client.post(item + "/scores", content=json.dumps(score), headers=auth).status_code == 204
    results = client.get(item + "/results", headers=auth).json()
    assert results[0]["userId"] == "u1" and results[0]["resultScore"] == 7
    assert client.put(item, content=json.dumps({"label": "y", "scoreMaximum": 5}), headers=auth).json()["label"] == "y"
    assert client.delete(item, headers=auth).status_code == 204
    assert client.get(item, headers=auth).status_code == 404
    kinds = [c.kind for c in side.calls_of("ags.lineitems", "ags.lineitem", "ags.scores", "ags.results")]
    assert kinds == ["ags.lineitems"] * 3 + ["ags.scores", "ags.results", "ags.lineitem", "ags.lineitem",
                                             "ags.lineitem"]
    assert side.calls_of("ags.scores")[0].json() == score


def test_ags_write_needs_the_write_scope(client: httpx.Client) -> None:
    auth = {"Authorization": "Bearer " + _token(client, vocab.SCOPE_AGS_LINEITEM_READONLY)}
    assert client.get(f"/ags/{CTX}/lineitems", headers=auth).status_code == 200
    assert client.post(f"/ags/{CTX}/lineitems", content="{}", headers=auth).status_code == 403


def test_auth_endpoint_explains_itself_and_deep_link_returns_are_recorded(client: httpx.Client,
                                                                        side: PlatformSide) -> None:
    assert client.get("/auth?scope=openid").status_code == 400
    assert client.get("/return?lti_msg=done").status_code == 200
    assert client.post("/deep_link/return", data={"JWT": "a.b.c"}).status_code == 200
    side.record_deep_link({"JWT": "d.e.f"}, PLATFORM + "/deep_link/return")
    assert [c.form for c in side.calls_of("deep_link")] == [{"JWT": "a.b.c"}, {"JWT": "d.e.f"}]
    assert side.calls_of("auth")[0].query == {"scope": ["openid"]}
    assert side.calls_of("return")[0].query == {"lti_msg": ["done"]}


def test_wait_for_returns_the_predicate_value_after_a_bounded_wait(side: PlatformSide) -> None:
    assert side.wait_for(lambda: True, 5) is True
    assert side.wait_for(lambda: False, 0.05) is False


def test_ags_ids_are_never_reused_and_container_filters_apply(client: httpx.Client) -> None:
    auth = {"Authorization": "Bearer " + _token(client, " ".join(vocab.AGS_SCOPES))}
    base = f"/ags/{CTX}/lineitems"

    def create(**fields: object) -> str:
        made = client.post(base, content=json.dumps({"scoreMaximum": 1, **fields}), headers=auth)
        assert made.status_code == 201
        return made.json()["id"]

    first = create(label="a", tag="quiz", resourceId="r1")
    second = create(label="b", tag="essay")
    assert client.delete(first, headers=auth).status_code == 204
    third = create(label="c", tag="quiz")
    assert len({first, second, third}) == 3  # a deleted id is never handed out again
    assert client.get(second, headers=auth).json()["label"] == "b"
    assert [i["id"] for i in client.get(base, params={"tag": "quiz"}, headers=auth).json()] == [third]
    assert client.get(base, params={"resource_id": "r1"}, headers=auth).json() == []


def test_the_line_item_container_pages_with_link_next_and_carries_filters(client: httpx.Client,
                                                                            side: PlatformSide) -> None:
    auth = {"Authorization": "Bearer " + _token(client, " ".join(vocab.AGS_SCOPES))}
    for n in range(5):
        side.add_lineitem(CTX, {"id": f"{PLATFORM}/ags/{CTX}/lineitems/{n}", "scoreMaximum": 1, "label": f"i{n}",
                                "tag": "quiz" if n % 2 else "essay"})
    url: str | None = f"{PLATFORM}/ags/{CTX}/lineitems"
    pages: list[list[str]] = []
    while url:
        resp = client.get(url, headers=auth)
        assert resp.headers["content-type"].startswith(vocab.MEDIA_AGS_LINEITEM_CONTAINER)
        pages.append([i["label"] for i in resp.json()])
        url = resp.links.get("next", {}).get("url")
    assert pages == [["i0", "i1"], ["i2", "i3"], ["i4"]]  # ags_page_size defaults to 2
    assert [bool(c.link_next) for c in side.calls_of("ags.lineitems")] == [True, True, False]
    first = client.get(f"/ags/{CTX}/lineitems", params={"tag": "essay", "limit": "1"}, headers=auth)
    assert [i["label"] for i in first.json()] == ["i0"]
    following = client.get(first.links["next"]["url"], headers=auth)
    assert [i["label"] for i in following.json()] == ["i2"]  # the filter travelled into the next link
    assert client.get(f"/ags/{CTX}/lineitems", params={"limit": "x"}, headers=auth).status_code == 400
