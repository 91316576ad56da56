"""Hostile and broken providers (respx): each gives findings or not-evaluated errors, in bounded time,
never a hang, a traceback or a leaked secret, and a transport failure never fails a product check."""

from __future__ import annotations

import json

import httpx
import pytest
import respx

from renkei.harness.core import secret_registry
from renkei.harness.oneroster.model import rest as R
from tests.harness.oneroster.rest_provider.provider_env import BASE, SECRET, open_respx, run

API = BASE + R.ROSTERING_PATH
TOKEN = {"access_token": "renkei-hostile-token-0123456789", "token_type": "Bearer", "expires_in": 3600}
ONLY_ORGS = {"declares": {"endpoints": ["getAllOrgs"], "demographics": False}}


def _org(i: int) -> dict[str, str]:
    return {"sourcedId": f"org-{i}", "status": "active", "dateLastModified": "2026-04-01T00:00:00Z",
            "name": f"学校{i}", "type": "school", "identifier": f"B1{i:011d}"}


@pytest.fixture(autouse=True)
def _registry():
    secret_registry.begin_run()
    yield


def _mock(router: respx.MockRouter, orgs: httpx.Response | None = None, **routes: httpx.Response) -> None:
    router.post(BASE + "/oauth/token").mock(return_value=routes.pop("token", httpx.Response(200, json=TOKEN)))
    unauthorised = httpx.Response(401, json=R.status_info(401, "unauthorisedrequest", "no token"))
    router.get(url__startswith=API + "/orgs").mock(return_value=orgs if orgs is not None else unauthorised)


def _assert_no_secret(results: dict) -> None:
    text = json.dumps({k: [f.model_dump() for f in o.findings] + [o.reason] for k, o in results.items()},
                      ensure_ascii=False)
    assert SECRET not in text and TOKEN["access_token"] not in text


def test_a_refusing_token_endpoint_fails_one_check_and_leaves_the_rest_not_evaluated():
    with respx.mock(assert_all_called=False) as router:
        _mock(router, token=httpx.Response(401, json={"error": "invalid_client"}))
        results = run(open_respx(**ONLY_ORGS))
    assert results["or.rest.token.issued"].outcome == "failed"
    assert results["or.rest.object.required"].outcome == "error"
    assert "no access token" in results["or.rest.object.required"].reason
    assert not [cid for cid, o in results.items() if o.outcome == "failed" and cid != "or.rest.token.issued"
                and cid != "or.rest.token.bad_secret"]
    _assert_no_secret(results)


def test_a_redirecting_token_url_is_a_finding_not_a_traceback():
    with respx.mock(assert_all_called=False) as router:
        _mock(router, token=httpx.Response(302, headers={"Location": BASE + "/oauth/token"}))
        results = run(open_respx(**ONLY_ORGS))
    assert results["or.rest.token.issued"].outcome == "failed"
    assert "redirect" in results["or.rest.token.issued"].findings[0].message


def test_a_provider_that_times_out_is_not_evaluated_and_breaks_the_circuit():
    with respx.mock(assert_all_called=False) as router:
        router.post(BASE + "/oauth/token").mock(return_value=httpx.Response(200, json=TOKEN))
        route = router.get(url__startswith=API).mock(side_effect=httpx.ReadTimeout("slow"))
        results = run(open_respx(**ONLY_ORGS))
    assert results["or.rest.endpoint.answers"].outcome == "error"
    failed = {cid for cid, o in results.items() if o.outcome == "failed"}
    assert failed <= {"or.rest.token.bad_secret"}  # respx issues a token for any secret; nothing else fails
    assert results["or.rest.paging.complete"].outcome == "error"
    assert route.call_count <= 4  # the breaker opened after three timeouts in a row


def test_an_endless_body_is_cut_at_the_cap():
    with respx.mock(assert_all_called=False) as router:
        _mock(router, httpx.Response(200, content=b'{"orgs": [' + b" " * 300_000 + b"]}"))
        results = run(open_respx(**ONLY_ORGS, observation={"max_body_bytes": 100_000}))
    answers = results["or.rest.endpoint.answers"]
    assert answers.outcome == "failed" and "cap" in answers.findings[0].message


def test_invalid_json_is_a_finding():
    with respx.mock(assert_all_called=False) as router:
        _mock(router, httpx.Response(200, content=b"<html>not json</html>", headers={"content-type": "text/html"}))
        results = run(open_respx(**ONLY_ORGS))
    assert results["or.rest.endpoint.answers"].outcome == "failed"
    assert "JSON" in results["or.rest.endpoint.answers"].findings[0].message


def test_a_next_link_to_another_host_is_never_followed():
    page = httpx.Response(200, json={"orgs": [_org(1)]}, headers={
        "X-Total-Count": "2", "Link": '<http://evil.test/orgs?offset=1>; rel="next"'})
    with respx.mock(assert_all_called=False) as router:
        _mock(router, page)
        evil = router.get(url__startswith="http://evil.test").mock(return_value=httpx.Response(200, json={}))
        results = run(open_respx(**ONLY_ORGS))
    assert evil.call_count == 0
    assert results["or.rest.paging.links"].outcome == "failed"
    assert "another origin" in results["or.rest.paging.links"].findings[0].message
    _assert_no_secret(results)


def test_a_next_link_that_loops_is_a_finding():
    page = httpx.Response(200, json={"orgs": [_org(1)]}, headers={
        "X-Total-Count": "5", "Link": f'<{API}/orgs?limit=20&offset=0>; rel="next"'})
    with respx.mock(assert_all_called=False) as router:
        _mock(router, page)
        results = run(open_respx(**ONLY_ORGS))
    assert results["or.rest.paging.links"].outcome == "failed"


def test_a_total_that_never_ends_is_bounded():
    calls = {"n": 0}

    def endless(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        offset = int(request.url.params.get("offset", "0"))
        return httpx.Response(200, json={"orgs": [_org(offset + i) for i in range(20)]},
                              headers={"X-Total-Count": "1000000000"})

    with respx.mock(assert_all_called=False) as router:
        _mock(router)
        router.get(url__startswith=API + "/orgs").mock(side_effect=endless)
        results = run(open_respx(**ONLY_ORGS, observation={"max_pages": 30}), "or.rest.paging.complete")
    assert results["or.rest.paging.complete"].outcome == "error"
    assert "max_pages" in results["or.rest.paging.complete"].reason
    assert calls["n"] <= 31


def test_more_objects_than_the_total_is_a_finding_even_when_reading_stopped():
    def lying(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params.get("offset", "0"))
        return httpx.Response(200, json={"orgs": [_org(offset + i) for i in range(20)]},
                              headers={"X-Total-Count": "10"})

    with respx.mock(assert_all_called=False) as router:
        _mock(router)
        router.get(url__startswith=API + "/orgs").mock(side_effect=lying)
        results = run(open_respx(**ONLY_ORGS, observation={"max_pages": 5}), "or.rest.paging.complete")
    assert results["or.rest.paging.complete"].outcome == "failed"


def test_a_provider_that_stays_busy_is_not_hammered_and_not_failed():
    busy = httpx.Response(429, headers={"Retry-After": "2"}, json=R.status_info(429, "server_busy", "busy"))
    with respx.mock(assert_all_called=False) as router:
        _mock(router, busy)
        target = open_respx(**ONLY_ORGS, observation={"max_retries": 2})
        results = run(target, "or.rest.paging.*")
        results |= run(target, "or.rest.rate_limit")
    assert results["or.rest.paging.complete"].outcome == "error"
    assert "still 429" in results["or.rest.paging.complete"].reason
    assert results["or.rest.rate_limit"].outcome == "passed"  # every 429 carried a sensible Retry-After
    assert len(target.client.throttles) == 3  # the first try and two polite retries, then it stopped


def test_a_retry_after_beyond_the_limit_is_a_finding_and_not_waited_for():
    busy = httpx.Response(429, headers={"Retry-After": "3600"}, json=R.status_info(429, "server_busy", "busy"))
    with respx.mock(assert_all_called=False) as router:
        _mock(router, busy)
        target = open_respx(**ONLY_ORGS)
        results = run(target, "or.rest.rate_limit")
    assert results["or.rest.rate_limit"].outcome == "failed"
    assert target.client.clock() < 1_800_000_100  # the fake clock: renkei did not wait the hour
