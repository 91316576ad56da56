"""NRPS membership and AGS line items / scores / results of the mock e-portal."""

from __future__ import annotations

import json
import re

import pytest

from renkei.harness.lti.protocol import vocab
from tests.mocks.eportal.eportal_support import CLASS1, CLASS2, ISSUER, STUDENT1, STUDENT2, TEACHER

pytestmark = pytest.mark.anyio
NRPS_ACCEPT = {"Accept": vocab.MEDIA_NRPS_MEMBERSHIP}
LINK_RE = re.compile(r'<([^>]+)>;\s*rel="next"')


async def test_nrps_membership_container(portal) -> None:
    headers = await portal.token(vocab.SCOPE_NRPS_READONLY) | NRPS_ACCEPT
    response = await portal.client.get(f"/nrps/{CLASS1}", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(vocab.MEDIA_NRPS_MEMBERSHIP)
    body = response.json()
    assert body["context"] == {"id": CLASS1, "label": "1-1", "title": "1年1組"}
    by_id = {m["user_id"]: m for m in body["members"]}
    assert set(by_id) == {TEACHER, STUDENT1, STUDENT2, "u-s3", "u-off"}
    assert by_id[TEACHER]["roles"] == [vocab.ROLE_INSTRUCTOR]
    assert by_id[STUDENT1]["status"] == "Active" and by_id["u-off"]["status"] == "Inactive"
    assert by_id[STUDENT1]["name"] == "試験 一郎" and by_id[STUDENT1]["lis_person_sourcedid"] == "u-s1"


async def test_nrps_role_filter_and_paging(portal) -> None:
    headers = await portal.token(vocab.SCOPE_NRPS_READONLY) | NRPS_ACCEPT
    teachers = (
        await portal.client.get(f"/nrps/{CLASS1}", params={"role": "Instructor"}, headers=headers)
    ).json()
    assert [m["user_id"] for m in teachers["members"]] == [TEACHER]
    by_uri = await portal.client.get(f"/nrps/{CLASS1}", params={"role": vocab.ROLE_LEARNER}, headers=headers)
    assert len(by_uri.json()["members"]) == 4
    seen: list[str] = []
    url: str | None = f"{ISSUER}/nrps/{CLASS1}?limit=2"
    while url:
        page = await portal.client.get(url, headers=headers)
        assert len(page.json()["members"]) <= 2
        seen += [m["user_id"] for m in page.json()["members"]]
        match = LINK_RE.search(page.headers.get("link", ""))
        url = match.group(1) if match else None
    assert len(seen) == 5 and len(set(seen)) == 5


async def test_fault_no_link_paging(portal_factory) -> None:
    portal = portal_factory({"no_link_paging"})
    headers = await portal.token(vocab.SCOPE_NRPS_READONLY) | NRPS_ACCEPT
    page = await portal.client.get(f"/nrps/{CLASS1}", params={"limit": 2}, headers=headers)
    assert len(page.json()["members"]) == 2 and "link" not in page.headers


@pytest.mark.parametrize(
    ("path", "params", "accept", "status"),
    [
        (f"/nrps/{CLASS1}", {}, "application/xml", 406),
        ("/nrps/nope", {}, vocab.MEDIA_NRPS_MEMBERSHIP, 404),
        (f"/nrps/{CLASS1}", {"limit": "x"}, vocab.MEDIA_NRPS_MEMBERSHIP, 400),
        (f"/nrps/{CLASS1}", {"limit": "0"}, vocab.MEDIA_NRPS_MEMBERSHIP, 400),
    ],
)
async def test_nrps_errors(portal, path: str, params: dict, accept: str, status: int) -> None:
    headers = await portal.token(vocab.SCOPE_NRPS_READONLY) | {"Accept": accept}
    assert (await portal.client.get(path, params=params, headers=headers)).status_code == status


def _json(auth: dict, data: dict, media: str) -> dict:
    return {"content": json.dumps(data), "headers": auth | {"Content-Type": media}}


async def test_line_item_lifecycle(portal) -> None:
    auth = await portal.token(vocab.SCOPE_AGS_LINEITEM)
    base = f"/ags/{CLASS1}/lineitems"
    created = await portal.client.post(
        base,
        **_json(
            auth,
            {"label": "小テスト1", "scoreMaximum": 10, "resourceId": "q1", "tag": "quiz"},
            vocab.MEDIA_AGS_LINEITEM,
        ),
    )
    assert created.status_code == 201
    item = created.json()
    assert item["id"] == created.headers["location"] and item["id"].startswith(f"{ISSUER}{base}/")
    assert item["resourceId"] == "q1" and item["tag"] == "quiz"
    await portal.client.post(
        base, **_json(auth, {"label": "小テスト2", "scoreMaximum": 5, "tag": "hw"}, vocab.MEDIA_AGS_LINEITEM)
    )
    listing = await portal.client.get(base, headers=auth | {"Accept": vocab.MEDIA_AGS_LINEITEM_CONTAINER})
    assert listing.headers["content-type"].startswith(vocab.MEDIA_AGS_LINEITEM_CONTAINER)
    assert len(listing.json()) == 2
    assert [
        i["label"] for i in (await portal.client.get(base, params={"tag": "quiz"}, headers=auth)).json()
    ] == ["小テスト1"]
    assert (await portal.client.get(base, params={"resource_id": "none"}, headers=auth)).json() == []
    paged = await portal.client.get(base, params={"limit": 1}, headers=auth)
    assert len(paged.json()) == 1 and 'rel="next"' in paged.headers["link"]
    put = await portal.client.put(
        item["id"],
        **_json(
            auth, {"id": item["id"], "label": "小テスト1(改)", "scoreMaximum": 20}, vocab.MEDIA_AGS_LINEITEM
        ),
    )
    assert put.status_code == 200 and put.json()["label"] == "小テスト1(改)" and "tag" not in put.json()
    assert (await portal.client.get(item["id"], headers=auth)).json()["scoreMaximum"] == 20
    assert (await portal.client.delete(item["id"], headers=auth)).status_code == 204
    assert (await portal.client.get(item["id"], headers=auth)).status_code == 404


@pytest.mark.parametrize(
    ("body", "media", "status"),
    [
        ({"label": "x", "scoreMaximum": 1}, "application/json", 415),
        ({"scoreMaximum": 1}, None, 400),
        ({"label": "x", "scoreMaximum": 0}, None, 400),
        ({"label": "x", "scoreMaximum": 1, "tag": 3}, None, 400),
    ],
)
async def test_line_item_validation(portal, body: dict, media: str | None, status: int) -> None:
    auth = await portal.token(vocab.SCOPE_AGS_LINEITEM)
    response = await portal.client.post(
        f"/ags/{CLASS1}/lineitems", **_json(auth, body, media or vocab.MEDIA_AGS_LINEITEM)
    )
    assert response.status_code == status


async def test_readonly_scope_cannot_write(portal) -> None:
    auth = await portal.token(vocab.SCOPE_AGS_LINEITEM_READONLY)
    assert (await portal.client.get(f"/ags/{CLASS1}/lineitems", headers=auth)).status_code == 200
    response = await portal.client.post(
        f"/ags/{CLASS1}/lineitems", **_json(auth, {"label": "x", "scoreMaximum": 1}, vocab.MEDIA_AGS_LINEITEM)
    )
    assert response.status_code == 403


def _score(user: str, stamp: str, given: float = 7) -> dict:
    return {
        "userId": user,
        "timestamp": stamp,
        "scoreGiven": given,
        "scoreMaximum": 10,
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
        "comment": "よくできました",
    }


async def test_scores_and_results_across_contexts(portal) -> None:
    """The cert suite's AGS walk [CERT §5.4]: per-scope tokens, two contexts."""
    li = await portal.token(vocab.SCOPE_AGS_LINEITEM)
    item1 = (
        await portal.client.post(
            f"/ags/{CLASS1}/lineitems",
            **_json(li, {"label": "A", "scoreMaximum": 10}, vocab.MEDIA_AGS_LINEITEM),
        )
    ).json()["id"]
    item3 = (
        await portal.client.post(
            f"/ags/{CLASS2}/lineitems",
            **_json(li, {"label": "C", "scoreMaximum": 10}, vocab.MEDIA_AGS_LINEITEM),
        )
    ).json()["id"]
    score = await portal.token(vocab.SCOPE_AGS_SCORE)
    for item in (item3, item1):
        posted = await portal.client.post(
            f"{item}/scores",
            **_json(score, _score(STUDENT1, "2026-11-21T09:00:00.123+09:00"), vocab.MEDIA_AGS_SCORE),
        )
        assert posted.status_code == 204
    assert (await portal.client.get(f"{item1}/results", headers=score)).status_code == 403
    result = await portal.token(vocab.SCOPE_AGS_RESULT_READONLY)
    listing = await portal.client.get(f"{item1}/results", headers=result)
    assert listing.headers["content-type"].startswith(vocab.MEDIA_AGS_RESULT_CONTAINER)
    [row] = listing.json()
    assert row["userId"] == STUDENT1 and row["resultScore"] == 7 and row["resultMaximum"] == 10
    assert row["scoreOf"] == item1
    assert (
        await portal.client.get(f"{item1}/results", params={"user_id": STUDENT2}, headers=result)
    ).json() == []
    gradebook = (await portal.client.get(f"/gradebook/{CLASS2}")).json()
    assert gradebook[0]["scores"][0]["scoreGiven"] == 7


async def test_score_timestamp_rules(portal) -> None:
    li = await portal.token(vocab.SCOPE_AGS_LINEITEM)
    item = (
        await portal.client.post(
            f"/ags/{CLASS1}/lineitems",
            **_json(li, {"label": "A", "scoreMaximum": 10}, vocab.MEDIA_AGS_LINEITEM),
        )
    ).json()["id"]
    auth = await portal.token(vocab.SCOPE_AGS_SCORE)

    async def post(body: dict, media: str = vocab.MEDIA_AGS_SCORE) -> int:
        return (await portal.client.post(f"{item}/scores", **_json(auth, body, media))).status_code

    assert await post(_score(STUDENT1, "2026-11-21T00:00:00.500Z", 5)) == 204
    assert await post(_score(STUDENT1, "2026-11-21T09:00:00.500+09:00", 6)) == 409  # same instant
    assert await post(_score(STUDENT1, "2026-11-20T23:59:59.999Z", 6)) == 409  # older
    assert await post(_score(STUDENT1, "2026-11-21T00:00:00.5001Z", 8)) == 204  # later by 100 µs
    assert await post(_score(STUDENT2, "2026-11-20T00:00:00.1Z", 3)) == 204  # per user
    assert await post(_score(STUDENT1, "2026-11-22T00:00:00Z")) == 400  # no sub-second part
    assert await post(_score(STUDENT1, "2026-11-22T00:00:00.1")) == 400  # no zone
    assert await post(_score(STUDENT1, "2026-11-22T00:00:01.1Z"), "application/json") == 415
    assert await post(_score("stranger", "2026-11-22T00:00:02.1Z")) == 400
    bad = _score(STUDENT1, "2026-11-22T00:00:03.1Z") | {"gradingProgress": "Done"}
    assert await post(bad) == 400
    no_max = {k: v for k, v in _score(STUDENT1, "2026-11-22T00:00:04.1Z").items() if k != "scoreMaximum"}
    assert await post(no_max) == 400
    over = _score(STUDENT1, "2026-11-22T00:00:05.1Z", 12)  # scoreGiven > scoreMaximum is allowed
    assert await post(over) == 204
    results = await portal.token(vocab.SCOPE_AGS_RESULT_READONLY)
    rows = (await portal.client.get(f"{item}/results", params={"user_id": STUDENT1}, headers=results)).json()
    assert rows[0]["resultScore"] == 12


async def test_every_offset_form_of_the_ags_examples_is_accepted(portal) -> None:
    li = await portal.token(vocab.SCOPE_AGS_LINEITEM)
    dated = {"label": "A", "scoreMaximum": 10, "startDateTime": "2018-03-06T20:05:02Z",
             "endDateTime": "2018-04-07T07:05:03+0900"}
    created = await portal.client.post(f"/ags/{CLASS1}/lineitems", **_json(li, dated, vocab.MEDIA_AGS_LINEITEM))
    assert created.status_code == 201, created.text
    item = created.json()["id"]
    auth = await portal.token(vocab.SCOPE_AGS_SCORE)
    # AGS §3.4.9.1 lists +00:00, Z and +00; +0000 is the ISO 8601 basic offset. Each one is later.
    for n, stamp in enumerate(["2017-04-16T18:54:36.736+00:00", "2017-04-16T18:54:36.737Z",
                               "2017-04-16T18:54:36.738+00", "2017-04-16T18:54:36.739+0000"]):
        score = _score(STUDENT1, stamp, n) | {"submission": {"startedAt": stamp, "submittedAt": stamp}}
        response = await portal.client.post(f"{item}/scores", **_json(auth, score, vocab.MEDIA_AGS_SCORE))
        assert response.status_code == 204, (stamp, response.text)
    bad = _score(STUDENT1, "2017-04-16T18:54:37.1Z") | {"submission": {"startedAt": "2017-04-16T18:54:36Z"}}
    response = await portal.client.post(f"{item}/scores", **_json(auth, bad, vocab.MEDIA_AGS_SCORE))
    assert response.status_code == 400 and "submission.startedAt" in response.json()["error_description"]
    undated = dated | {"endDateTime": "2018-04-06T22:05:03"}
    response = await portal.client.post(f"/ags/{CLASS1}/lineitems", **_json(li, undated, vocab.MEDIA_AGS_LINEITEM))
    assert response.status_code == 400 and "no time zone designator" in response.json()["error_description"]


async def test_fault_no_link_paging_applies_to_line_items(portal_factory) -> None:
    portal = portal_factory({"no_link_paging"})
    auth = await portal.token(vocab.SCOPE_AGS_LINEITEM)
    for label in ("A", "B"):
        await portal.client.post(f"/ags/{CLASS1}/lineitems",
                                 **_json(auth, {"label": label, "scoreMaximum": 1}, vocab.MEDIA_AGS_LINEITEM))
    page = await portal.client.get(f"/ags/{CLASS1}/lineitems", params={"limit": 1}, headers=auth)
    assert len(page.json()) == 1 and "link" not in page.headers


async def test_fault_paging_ends_at_page_2_only_breaks_the_third_page(portal, portal_factory) -> None:
    async def pages(p) -> list[int]:
        auth = await p.token(vocab.SCOPE_NRPS_READONLY)
        sizes, url = [], f"/nrps/{CLASS1}?limit=1"
        while url:
            response = await p.client.get(url, headers=auth | {"Accept": vocab.MEDIA_NRPS_MEMBERSHIP})
            sizes.append(len(response.json()["members"]))
            url = response.links.get("next", {}).get("url")
        return sizes

    assert await pages(portal) == [1, 1, 1, 1, 1]
    assert await pages(portal_factory({"paging_ends_at_page_2"})) == [1, 1]
