"""Fixtures for the mock 校務支援システム's REST provider: a small generated roster in a ``RosterStore``,
the ASGI app driven in-process by a synchronous httpx client, and a token helper.

The generated bundle (oneroster12-csv-japan, 4 pupils per grade, 2 schools) has one 年度 session and
no terms; ``rich_store`` adds two terms and two grading periods (and puts the classes in them) so
that every nested path has a real parent.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from renkei.harness.lti.protocol.browser import InProcessTransport
from renkei.harness.oneroster.model import rest as R
from renkei.harness.oneroster.model.rest_binding import ref
from renkei.mocks.school_affairs.generator import generate_bundle
from renkei.mocks.school_affairs.rest.app import create_app
from renkei.mocks.school_affairs.rest.config import Client, ProviderConfig
from renkei.mocks.school_affairs.rest.lifecycle import remember_generation
from renkei.mocks.school_affairs.rest.store import RosterStore

PROFILE = "oneroster12-csv-japan"
GENERATION: dict[str, Any] = {"profile": PROFILE, "students_per_grade": 4, "municipalities": 1,
                              "schools_per_municipality": 2, "seed": 0, "school_year": 2026}
LOADED_AT = "2026-04-01T00:00:00.000Z"
BASE_URL = "http://sa.test"
CLIENT_ID, SECRET = "renkei-test", "s3cret-for-tests"
CORE_ID, CORE_SECRET = "core-only", "core-secret"
TERMS = ("term-zenki", "term-kouki")
GRADING_PERIODS = ("gp-1gakki", "gp-2gakki")


class Clock:
    """A clock the tests move by hand (``create_app(clock=...)``)."""

    def __init__(self, now: float | None = None) -> None:
        self.now = time.time() if now is None else now

    def __call__(self) -> float:
        return self.now


def rostering(path: str) -> str:
    return path if path.startswith(("/ims/", "/oauth", "/exports", "/admin")) else R.ROSTERING_PATH + path


class Api:
    """One app and a client for it; ``get`` asks for a token with the given scopes (cached)."""

    def __init__(self, app: Any, config: ProviderConfig, clock: Clock) -> None:
        self.app = app
        self.provider = app.provider
        self.store: RosterStore = app.provider.store
        self.config = config
        self.clock = clock
        self.transport = InProcessTransport(app)
        self.http = httpx.Client(transport=self.transport, base_url=BASE_URL)
        self._tokens: dict[tuple[str, ...], str] = {}

    def close(self) -> None:
        self.http.close()
        self.transport.close()

    def token_response(self, *scopes: str, client: tuple[str, str] = (CLIENT_ID, SECRET)) -> httpx.Response:
        return self.http.post(self.config.token_path, auth=client,
                              data={"grant_type": "client_credentials", "scope": " ".join(scopes)})

    def token(self, *scopes: str) -> str:
        scopes = scopes or (R.SCOPE_ROSTER,)
        if scopes not in self._tokens:
            answer = self.token_response(*scopes)
            assert answer.status_code == 200, answer.text
            self._tokens[scopes] = answer.json()["access_token"]
        return self._tokens[scopes]

    def auth(self, *scopes: str) -> dict[str, str]:
        return {"Authorization": "Bearer " + self.token(*scopes)}

    def get(self, path: str, *scopes: str, **params: Any) -> httpx.Response:
        return self.http.get(rostering(path), params=params, headers=self.auth(*scopes))

    def ok(self, path: str, *scopes: str, **params: Any) -> dict[str, Any]:
        answer = self.get(path, *scopes, **params)
        assert answer.status_code == 200, (path, answer.status_code, answer.text)
        data: dict[str, Any] = answer.json()
        return data

    def items(self, path: str, *scopes: str, **params: Any) -> list[dict[str, Any]]:
        """Every object of a collection (one page of up to max_limit; asserted complete)."""
        answer = self.get(path, *scopes, limit=self.config.max_limit, **params)
        assert answer.status_code == 200, (path, answer.status_code, answer.text)
        (key,) = answer.json()
        objs: list[dict[str, Any]] = answer.json()[key]
        assert len(objs) == int(answer.headers["X-Total-Count"])
        return objs


def status_minor(answer: httpx.Response) -> tuple[int, str]:
    """(HTTP status, imsx minor code) of an error answer."""
    body = answer.json()
    assert body["imsx_codeMajor"] == "failure" and body["imsx_severity"] == "error"
    (field,) = body["imsx_CodeMinor"]["imsx_codeMinorField"]
    return answer.status_code, field["imsx_codeMinorFieldValue"]


def ids(objs: list[dict[str, Any]]) -> list[str]:
    return [o["sourcedId"] for o in objs]


@pytest.fixture(scope="session")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("rest-roster") / "bulk.zip"
    generate_bundle(path, **GENERATION)
    return path


@pytest.fixture
def store(bundle: Path) -> Iterator[RosterStore]:
    """The generated roster, loaded as of ``LOADED_AT``; ``advance_year`` knows how it was made."""
    s = RosterStore()
    s.load_bundle(bundle, loaded_at=LOADED_AT)
    remember_generation(s, **GENERATION)
    yield s
    s.close()


def add_terms(s: RosterStore) -> None:
    """Two terms under the 年度 and a grading period under each; the first school's classes in the
    first term, every other class of the second school in the second."""
    (year,) = [d for d in s.iter_docs("academicSession") if d["type"] == "schoolYear"]
    year_id = year["sourcedId"]
    spans = (("2026-04-01", "2026-09-30"), ("2026-10-01", "2027-03-31"))
    for term, gp, (start, end), title in zip(TERMS, GRADING_PERIODS, spans, ("前期", "後期"), strict=True):
        s.put("academicSession", {"sourcedId": term, "status": "active", "dateLastModified": LOADED_AT,
                                  "title": f"2026年度{title}", "startDate": start, "endDate": end, "type": "term",
                                  "parent": ref("academicSession", year_id),
                                  "children": [ref("academicSession", gp)], "schoolYear": "2026"})
        s.put("academicSession", {"sourcedId": gp, "status": "active", "dateLastModified": LOADED_AT,
                                  "title": f"2026年度{title} 評価期間", "startDate": start, "endDate": end,
                                  "type": "gradingPeriod", "parent": ref("academicSession", term),
                                  "schoolYear": "2026"})
    year["children"] = [ref("academicSession", t) for t in TERMS]
    s.put("academicSession", year)
    schools = [d["sourcedId"] for d in s.iter_docs("org") if d["type"] == "school"]
    second = 0
    for klass in list(s.iter_docs("class")):
        school = klass["school"]["sourcedId"]
        if school == schools[0]:
            klass["terms"].append(ref("academicSession", TERMS[0]))
        elif second % 2 == 0:
            klass["terms"].append(ref("academicSession", TERMS[1]))
        if school != schools[0]:
            second += 1
        s.put("class", klass)


@pytest.fixture
def rich_store(store: RosterStore) -> RosterStore:
    add_terms(store)
    return store


@pytest.fixture
def clock() -> Clock:
    return Clock()


def provider_config(**kw: Any) -> ProviderConfig:
    clients = [Client(CLIENT_ID, SECRET), Client(CORE_ID, CORE_SECRET, scopes=(R.SCOPE_CORE,))]
    return ProviderConfig(clients=clients, signing_key=b"k" * 32, admin_key="admin-key-for-tests", **kw)


MakeApi = Callable[..., Api]


@pytest.fixture(scope="module")
def module_store(bundle: Path) -> Iterator[RosterStore]:
    """The plain roster shared by a module's tests (for apps that only read it)."""
    s = RosterStore()
    s.load_bundle(bundle, loaded_at=LOADED_AT)
    yield s
    s.close()


@pytest.fixture
def make_api(request: pytest.FixtureRequest, clock: Clock) -> Iterator[MakeApi]:
    """``make_api(store=None, **ProviderConfig fields)``: an app on ``store`` (default: the test's
    own plain one, the ``store`` fixture)."""
    made: list[Api] = []

    def make(on: RosterStore | None = None, **kw: Any) -> Api:
        config = provider_config(**kw)
        target = on if on is not None else request.getfixturevalue("store")
        api = Api(create_app(target, config, clock=clock), config, clock)
        made.append(api)
        return api

    yield make
    for api in made:
        api.close()


@pytest.fixture
def api(make_api: MakeApi, rich_store: RosterStore) -> Api:
    """The reference provider on the roster with terms (the test may change it)."""
    return make_api(rich_store)


@pytest.fixture(scope="module")
def shared_api(bundle: Path) -> Iterator[Api]:
    """The reference provider on the roster with terms, shared by a module's tests: read only."""
    s = RosterStore()
    s.load_bundle(bundle, loaded_at=LOADED_AT)
    add_terms(s)
    config = provider_config()
    clock = Clock()
    api = Api(create_app(s, config, clock=clock), config, clock)
    yield api
    api.close()
    s.close()
