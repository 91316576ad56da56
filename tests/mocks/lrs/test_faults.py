"""Each fault breaks its one behaviour: the same request against the reference LRS and the faulty one."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from starlette.testclient import TestClient

from renkei.mocks.lrs.config import FAULTS
from tests.mocks.lrs.conftest import headers, statement

URL = "/xapi/statements"
Make = Callable[..., TestClient]


def both(make_client: Make, fault: str) -> tuple[TestClient, TestClient]:
    return make_client(), make_client(faults={fault})


def test_every_fault_is_tested() -> None:
    names = {n.removeprefix("test_") for n in globals() if n.startswith("test_")}
    assert set(FAULTS) <= names


def test_unknown_fault_is_refused() -> None:
    from pydantic import ValidationError

    from renkei.mocks.lrs.config import LrsConfig
    with pytest.raises(ValidationError, match="unknown LRS fault"):
        LrsConfig(faults={"no_such_fault"})


def test_accepts_missing_actor(make_client: Make) -> None:
    good, bad = both(make_client, "accepts_missing_actor")
    st = statement()
    del st["actor"]
    assert good.post(URL, json=st, headers=headers()).status_code == 400
    assert bad.post(URL, json=st, headers=headers()).status_code == 200


def test_accepts_bad_timestamp(make_client: Make) -> None:
    good, bad = both(make_client, "accepts_bad_timestamp")
    st = statement(timestamp="2026-13-45T99:00:00Z")
    r = good.post(URL, json=st, headers=headers())
    assert r.status_code == 400 and "timestamp" in r.text
    assert bad.post(URL, json=st, headers=headers()).status_code == 200


def test_ignores_voiding(make_client: Make) -> None:
    for lrs, visible in zip(both(make_client, "ignores_voiding"), (False, True), strict=True):
        target = lrs.post(URL, json=statement(), headers=headers()).json()[0]
        lrs.post(URL, json=statement(verb={"id": "http://adlnet.gov/expapi/verbs/voided"},
                                     object={"objectType": "StatementRef", "id": target}), headers=headers())
        assert (lrs.get(URL, params={"statementId": target}, headers=headers()).status_code == 200) is visible


def test_no_etag_checks(make_client: Make) -> None:
    p = {"activityId": "https://app.example.jp/a", "profileId": "p"}
    for lrs, status in zip(both(make_client, "no_etag_checks"), (409, 204), strict=True):
        lrs.put("/xapi/activities/profile", params=p, json={"a": 1}, headers=headers())
        assert lrs.put("/xapi/activities/profile", params=p, json={"a": 2}, headers=headers()).status_code == status
        wrong = headers(**{"If-Match": '"nope"'})
        assert lrs.put("/xapi/activities/profile", params=p, json={"a": 3}, headers=wrong).status_code == \
            (412 if status == 409 else 204)


def test_wrong_version_header(make_client: Make) -> None:
    good, bad = both(make_client, "wrong_version_header")
    assert good.get(URL, headers=headers()).headers["X-Experience-API-Version"] == "1.0.3"
    assert bad.get(URL, headers=headers()).headers["X-Experience-API-Version"] == "1.0.0"
    assert bad.get(URL, headers=headers("2.0.0")).headers["X-Experience-API-Version"] == "1.0.3"


def test_drops_more(make_client: Make) -> None:
    good, bad = make_client(more_page_size=2), make_client(more_page_size=2, faults={"drops_more"})
    for lrs, has_more in ((good, True), (bad, False)):
        lrs.post(URL, json=[statement(i) for i in range(3)], headers=headers())
        page = lrs.get(URL, headers=headers()).json()
        assert len(page["statements"]) == 2 and bool(page["more"]) is has_more


def test_no_consistent_through(make_client: Make) -> None:
    good, bad = both(make_client, "no_consistent_through")
    assert "X-Experience-API-Consistent-Through" in good.get(URL, headers=headers()).headers
    assert "X-Experience-API-Consistent-Through" not in bad.get(URL, headers=headers()).headers


def test_no_auth(make_client: Make) -> None:
    good, bad = both(make_client, "no_auth")
    bare = {"X-Experience-API-Version": "1.0.3"}
    assert good.post(URL, json=statement(), headers=bare).status_code == 401
    assert bad.post(URL, json=statement(), headers=bare).status_code == 200


def test_mutates_statement(make_client: Make) -> None:
    for lrs, same in zip(both(make_client, "mutates_statement"), (True, False), strict=True):
        sent = statement()
        sid = lrs.post(URL, json=sent, headers=headers()).json()[0]
        got = lrs.get(URL, params={"statementId": sid}, headers=headers()).json()
        assert (got["timestamp"] == sent["timestamp"]) is same


def test_post_merge_replaces(make_client: Make) -> None:
    p = {"activityId": "https://app.example.jp/a", "profileId": "p"}
    for lrs, expected in zip(both(make_client, "post_merge_replaces"), ({"a": 1, "b": 2}, {"b": 2}), strict=True):
        lrs.post("/xapi/activities/profile", params=p, json={"a": 1}, headers=headers())
        lrs.post("/xapi/activities/profile", params=p, json={"b": 2}, headers=headers())
        assert json.loads(lrs.get("/xapi/activities/profile", params=p, headers=headers()).content) == expected


def test_accepts_bad_signature(make_client: Make) -> None:
    from renkei.harness.xapi.lrs import signing
    from renkei.harness.xapi.model import multipart

    good, bad = both(make_client, "accepts_bad_signature")
    st = statement(id="7a1f7a38-8c2e-4d8e-9f2b-1c0a7b3e6d13")
    other = {**st, "verb": {"id": "http://adlnet.gov/expapi/verbs/failed"}}
    _, body, ctype = signing.signed(st, signing.sign(other, signing.make_signer()))  # payload: another statement
    assert good.post(URL, content=body, headers=headers(**{"Content-Type": ctype})).status_code == 400
    assert bad.post(URL, content=body, headers=headers(**{"Content-Type": ctype})).status_code == 200
    # what the fault keeps: a signature attachment of the wrong content type is still refused
    _, body, ctype = signing.signed({**st, "id": "8a1f7a38-8c2e-4d8e-9f2b-1c0a7b3e6d14"}, b"x.y.z",
                                    content_type="text/plain")
    assert bad.post(URL, content=body, headers=headers(**{"Content-Type": ctype})).status_code == 400
    assert multipart.SIGNATURE_TYPE == "application/octet-stream"


def _alternate_get(lrs: TestClient, version: str) -> int:
    from urllib.parse import urlencode

    from tests.mocks.lrs.conftest import basic

    form = urlencode({"limit": "1", "Authorization": basic(), "X-Experience-API-Version": version}).encode()
    return lrs.post(URL + "?method=GET", content=form,
                    headers={"Content-Type": "application/x-www-form-urlencoded"}).status_code


def test_no_alternate_syntax(make_client: Make) -> None:
    good, bad = both(make_client, "no_alternate_syntax")
    assert _alternate_get(good, "1.0.3") == 200
    assert _alternate_get(bad, "1.0.3") in (400, 401)  # the form's credentials are not read: not the GET


def test_alternate_syntax_in_2_0(make_client: Make) -> None:
    good, bad = both(make_client, "alternate_syntax_in_2_0")
    assert _alternate_get(good, "2.0.0") == 400
    assert _alternate_get(bad, "2.0.0") == 200
    assert _alternate_get(bad, "1.0.3") == 200
