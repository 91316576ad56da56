"""Each fault breaks exactly the rule it names: a battery of requests answers as the reference
provider does, except the answers the fault is about, and those change in the named way only.
Throttling (``throttle_every``) too."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from renkei.harness.oneroster.model import rest as R
from renkei.mocks.school_affairs.rest.app import links
from renkei.mocks.school_affairs.rest.auth import TokenService
from renkei.mocks.school_affairs.rest.config import FAULTS
from renkei.mocks.school_affairs.rest.store import RosterStore
from tests.mocks.school_affairs.rest.conftest import (
    BASE_URL,
    CLIENT_ID,
    SECRET,
    Api,
    MakeApi,
    rostering,
    status_minor,
)

HEADERS = ("x-total-count", "link", "www-authenticate", "retry-after")
PROBES: dict[str, tuple[str, str, dict[str, str]]] = {
    "users": ("/users", "roster", {"limit": "5"}),
    "users_offset": ("/users", "roster", {"limit": "5", "offset": "5"}),
    "filter": ("/users", "roster", {"filter": "roles.role='teacher'"}),
    "bad_filter": ("/users", "roster", {"filter": "bogus='x'"}),
    "sort": ("/orgs", "roster", {"sort": "identifier", "orderBy": "desc"}),
    "fields": ("/demographics", "roster", {"fields": "sourcedId,sex", "limit": "3"}),
    "fields_single": ("/users/{user}", "roster", {"fields": "sourcedId"}),
    "bad_fields": ("/users", "roster", {"fields": "nope"}),
    "user": ("/users/{user}", "roster", {}),
    "unknown": ("/users/nope", "roster", {}),
    "demographics": ("/demographics", "roster", {"limit": "3"}),
    "demographics_core": ("/demographics", "core", {}),
    "nested_users": ("/schools/{school}/teachers", "roster", {"limit": "3"}),
    "nested_classes": ("/schools/{school}/classes", "roster", {"limit": "3"}),
    "nested_core": ("/schools/{school}/classes", "core", {}),
    "enrollments": ("/enrollments", "core", {"limit": "3"}),
    "no_token": ("/users", "none", {}),
    "expired": ("/users", "expired", {}),
    "limit_bad": ("/users", "roster", {"limit": "0"}),
    "token_ok": ("/oauth/token", "good", {}),
    "token_bad_secret": ("/oauth/token", "bad", {}),
}
COLLECTIONS = {"users", "users_offset", "filter", "sort", "fields", "demographics", "nested_users", "nested_classes",
               "enrollments"}
USER_OBJECTS = {"users", "users_offset", "filter", "user", "nested_users"}
WITH_HREFS = USER_OBJECTS | {"sort", "nested_classes", "enrollments"}


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    headers: tuple[tuple[str, str], ...]

    def header(self, name: str) -> str | None:
        return dict(self.headers).get(name)

    def without(self, name: str) -> Answer:
        return Answer(self.status, self.body, tuple((k, v) for k, v in self.headers if k != name))

    def with_body(self, body: Any) -> Answer:
        return Answer(self.status, body, self.headers)


def ask(api: Api, name: str, roster_ids: dict[str, str]) -> Answer:
    path, who, params = PROBES[name]
    if who in ("good", "bad"):
        answer = api.http.post(path, auth=(CLIENT_ID, SECRET if who == "good" else "wrong"),
                               data={"grant_type": "client_credentials", "scope": R.SCOPE_ROSTER})
        body = answer.json()
        if answer.status_code == 200:  # tokens differ by jti/iat: keep what is not random
            body = {k: v for k, v in body.items() if k != "access_token"}
        return Answer(answer.status_code, body, ())
    if who == "expired":  # issued by the same key an hour and a bit ago
        past = TokenService(api.config, clock=lambda: api.clock() - api.config.token_ttl - 60)
        headers = {"Authorization": "Bearer " + str(past.issue(None, _form())[1]["access_token"])}
    elif who == "none":
        headers = {}
    else:
        headers = api.auth(R.SCOPE_ROSTER if who == "roster" else R.SCOPE_CORE)
    answer = api.http.get(rostering(path.format(**roster_ids)), params=params, headers=headers)
    try:
        body = answer.json()
    except ValueError:
        body = answer.text
    return Answer(answer.status_code, body, tuple((h, answer.headers[h]) for h in HEADERS if h in answer.headers))


def _form() -> bytes:
    return f"grant_type=client_credentials&client_id={CLIENT_ID}&client_secret={SECRET}&scope={R.SCOPE_ROSTER}".encode()


@pytest.fixture(scope="module")
def roster_ids(module_store: RosterStore) -> dict[str, str]:
    school = next(d for d in module_store.iter_docs("org") if d["type"] == "school")["sourcedId"]
    user = next(d for d in module_store.iter_docs("user"))["sourcedId"]
    return {"school": school, "user": user}


@pytest.fixture
def reference(make_api: MakeApi, module_store: RosterStore, roster_ids: dict[str, str]) -> dict[str, Answer]:
    api = make_api(module_store)
    return {name: ask(api, name, roster_ids) for name in PROBES}


def _walk(obj: Any, fn: Callable[[dict[str, Any]], None]) -> Any:
    obj = copy.deepcopy(obj)

    def visit(x: Any) -> None:
        if isinstance(x, dict):
            fn(x)
            for v in x.values():
                visit(v)
        elif isinstance(x, list):
            for v in x:
                visit(v)

    visit(obj)
    return obj


def _users_of(body: Any) -> list[dict[str, Any]]:
    (value,) = body.values()
    return value if isinstance(value, list) else [value]


def _error(answer: Answer, minor: str) -> Answer:
    body = copy.deepcopy(answer.body)
    body["imsx_CodeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"] = minor
    return answer.with_body(body)


def _unfiltered(whole: Answer, params: dict[str, str]) -> Answer:
    """``whole`` (the first page of /users) as answered to a request with ``params``."""
    total = int(whole.header("x-total-count") or 0)
    link = links(BASE_URL + R.ROSTERING_PATH + "/users", params, R.DEFAULT_LIMIT, 0, total)
    return Answer(200, whole.body, (("x-total-count", str(total)), ("link", link)))


def expectations(fault: str, ref: dict[str, Answer], extra: Callable[..., Answer]) -> dict[str, Answer]:
    """What the faulty provider answers to each probe, derived from the reference answers."""
    want = dict(ref)
    if fault in ("no_total_count", "no_link_header"):
        for n in COLLECTIONS:
            want[n] = ref[n].without("x-total-count" if fault == "no_total_count" else "link")
    elif fault == "off_by_one_paging":
        shifted = extra("/users", limit="5", offset="6")
        want["users_offset"] = ref["users_offset"].with_body(shifted.body)
    elif fault == "filter_ignored":  # the whole collection, under the request's own Link parameters
        for n in ("filter", "bad_filter"):
            want[n] = _unfiltered(extra("/users"), PROBES[n][2])
    elif fault == "sort_ignored":
        want["sort"] = ref["sort"].with_body(extra("/orgs").body)
    elif fault == "fields_ignored":
        want["fields"] = ref["fields"].with_body(extra("/demographics", limit="3").body)
        want["fields_single"] = ref["user"]
        want["bad_fields"] = _unfiltered(extra("/users"), PROBES["bad_fields"][2])
    elif fault == "wrong_envelope":
        for n in COLLECTIONS:
            (value,) = ref[n].body.values()
            want[n] = ref[n].with_body({"data": value})
    elif fault == "nested_500":
        for n in ("nested_users", "nested_classes"):
            want[n] = Answer(500, R.status_info(500, "internal_server_error", "internal error"), ())
    elif fault == "expired_token_accepted":
        want["expired"] = extra("/users")
    elif fault == "demographics_leak":
        want["demographics_core"] = extra("/demographics")
    elif fault == "bad_secret_accepted":
        want["token_bad_secret"] = ref["token_ok"]
    elif fault == "wrong_minor_codes":
        for n, a in ref.items():
            if a.status >= 400 and isinstance(a.body, dict) and "imsx_CodeMinor" in a.body:
                want[n] = _error(a, "invaliddata")
    elif fault == "unknown_is_empty":
        want["unknown"] = Answer(200, {}, ())
    elif fault == "boolean_json":
        def to_bool(d: dict[str, Any]) -> None:
            for k in ("enabledUser", "primary"):
                if d.get(k) in ("true", "false"):
                    d[k] = d[k] == "true"
        for n, a in ref.items():
            if a.status == 200 and isinstance(a.body, dict):
                want[n] = a.with_body(_walk(a.body, to_bool))
    elif fault == "missing_family_name":
        for n in USER_OBJECTS:
            body = copy.deepcopy(ref[n].body)
            for u in _users_of(body):
                u.pop("familyName", None)
            want[n] = ref[n].with_body(body)
    elif fault == "broken_href":
        def broken(d: dict[str, Any]) -> None:
            if isinstance(d.get("href"), str):
                d["href"] = d["href"].replace("/ims/", "/broken/ims/", 1)
        for n in WITH_HREFS:
            want[n] = ref[n].with_body(_walk(ref[n].body, broken))
    elif fault == "bad_kana":
        for n in USER_OBJECTS:
            body = copy.deepcopy(ref[n].body)
            for u in _users_of(body):
                jp = u.get("metadata", {}).get("jp", {})
                if "kanaGivenName" in jp:
                    jp["kanaGivenName"] = "たろう ﾀﾛｳ"
            want[n] = ref[n].with_body(body)
    else:
        raise AssertionError(f"no expectation written for the fault {fault}")
    return want


CHANGED = {
    "no_total_count": COLLECTIONS, "no_link_header": COLLECTIONS, "off_by_one_paging": {"users_offset"},
    "filter_ignored": {"filter", "bad_filter"}, "sort_ignored": {"sort"},
    "fields_ignored": {"fields", "fields_single", "bad_fields"}, "wrong_envelope": COLLECTIONS,
    "nested_500": {"nested_users", "nested_classes"}, "expired_token_accepted": {"expired"},
    "demographics_leak": {"demographics_core"}, "bad_secret_accepted": {"token_bad_secret"},
    "wrong_minor_codes": {"bad_filter", "bad_fields", "unknown", "demographics_core", "nested_core", "no_token",
                          "expired"},
    "unknown_is_empty": {"unknown"}, "boolean_json": {"users", "users_offset", "filter", "user", "nested_users",
                                                      "enrollments"},
    "missing_family_name": USER_OBJECTS, "broken_href": WITH_HREFS, "bad_kana": USER_OBJECTS,
}


def test_every_fault_has_an_expectation() -> None:
    """The battery covers the faults it was written for; every later fault is held to the check of the
    provider profile that must catch it (tests/harness/oneroster/rest_provider/test_checks.py), and a fault
    of the school year to the chain check that must (tests/harness/chain/test_chain_provider.py)."""
    from tests.harness.chain.test_chain_provider import SCHOOL_YEAR_FAULTS
    from tests.harness.oneroster.rest_provider.test_checks import FAULT_CHECKS

    assert set(CHANGED) <= set(FAULTS)
    assert set(FAULTS) - set(CHANGED) <= set(FAULT_CHECKS) | set(SCHOOL_YEAR_FAULTS)


@pytest.mark.parametrize("fault", sorted(CHANGED))
def test_fault_changes_exactly_what_it_names(make_api: MakeApi, module_store: RosterStore,
                                             roster_ids: dict[str, str], reference: dict[str, Answer],
                                             fault: str) -> None:
    ref_api = make_api(module_store)
    broken = make_api(module_store, faults={fault})

    def extra(path: str, **params: str) -> Answer:
        """The reference answer to another request."""
        answer = ref_api.http.get(rostering(path), params=params, headers=ref_api.auth(R.SCOPE_ROSTER))
        return Answer(answer.status_code, answer.json(),
                      tuple((h, answer.headers[h]) for h in HEADERS if h in answer.headers))

    want = expectations(fault, reference, extra)
    assert {n for n in PROBES if want[n] != reference[n]} == CHANGED[fault], "the expectation changes nothing"
    for name in PROBES:
        got = ask(broken, name, roster_ids)
        assert got == want[name], name


# -- throttling ------------------------------------------------------------------------------------

def test_throttle_every_nth_request(make_api: MakeApi, module_store: RosterStore) -> None:
    api = make_api(module_store, throttle_every=3, retry_after=7)
    headers = api.auth(R.SCOPE_ROSTER, R.SCOPE_GRADEBOOK_READ)  # the token endpoint is not counted
    statuses = []
    for i in range(7):
        path = R.GRADEBOOK_PATH + "/lineItems" if i == 4 else R.ROSTERING_PATH + "/orgs"
        answer = api.http.get(path, headers=headers)
        statuses.append(answer.status_code)
        if answer.status_code == 429:
            assert status_minor(answer) == (429, "server_busy")
            assert answer.headers["Retry-After"] == "7"
    assert statuses == [200, 200, 429, 200, 200, 429, 200]
    assert [r.status for r in api.provider.log if r.path != api.config.token_path] == statuses


def test_no_throttle_by_default(make_api: MakeApi, module_store: RosterStore) -> None:
    api = make_api(module_store)
    assert all(api.get("/orgs").status_code == 200 for _ in range(12))


def test_throttle_comes_after_authentication(make_api: MakeApi, module_store: RosterStore) -> None:
    api = make_api(module_store, throttle_every=1)
    assert api.http.get(R.ROSTERING_PATH + "/orgs").status_code == 401  # no token: refused, not counted
    assert api.get("/orgs").status_code == 429


def test_fault_names_cite_a_rule() -> None:
    for name, text in FAULTS.items():
        assert text.rstrip().endswith("]") and "[" in text, name
        json.dumps(text)
