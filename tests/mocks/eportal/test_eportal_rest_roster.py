"""The mock 学習eポータル pulls its roster over OneRoster REST from the mock 校務支援システム: the same people,
classes and enrollments as from the bundle, every page, Retry-After honoured; each ``rest_*`` fault
makes it the bad consumer it names (what the consumer profile judges is in its own tests)."""

from __future__ import annotations

import pytest

from renkei.harness.lti.protocol.browser import InProcessTransport
from renkei.harness.oneroster.model import rest as R
from renkei.mocks.eportal.rest_roster import RestSource, load_rest
from renkei.mocks.eportal.roster import RosterError, load_bundle
from renkei.mocks.school_affairs.generator import generate_bundle
from renkei.mocks.school_affairs.rest.app import create_app
from renkei.mocks.school_affairs.rest.config import Client, ProviderConfig
from renkei.mocks.school_affairs.rest.store import RosterStore

ID, SECRET = "eportal", "eportal-secret-0001"


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    path = tmp_path_factory.mktemp("rest-roster") / "roster.zip"
    generate_bundle(path, profile="oneroster12-csv-jpk12", students_per_grade=4)
    return path


def _provider(bundle, **config):
    store = RosterStore()
    store.load_bundle(bundle)
    app = create_app(store, ProviderConfig(clients=[Client(ID, SECRET)], **config))
    return app, InProcessTransport(app)


def _pull(bundle, faults=frozenset(), **config):
    app, transport = _provider(bundle, **config)
    waits: list[float] = []
    roster = load_rest(RestSource("http://sis.test", "http://sis.test/oauth/token", ID, SECRET, page_size=25),
                       transport=transport, sleep=waits.append, faults=frozenset(faults))
    return roster, list(app.provider.log), waits


def test_the_roster_over_rest_is_the_bundle(bundle):
    roster, log, _ = _pull(bundle)
    expected = load_bundle(bundle)
    assert set(roster.users) == set(expected.users)
    assert {u.sub for u in roster.users.values()} == {u.sub for u in expected.users.values()}
    assert set(roster.classes) == set(expected.classes)
    assert len(roster.enrollments) == len(expected.enrollments)
    token = next(e for e in log if e.path == "/oauth/token")
    assert token.scopes == (R.SCOPE_CORE,)  # it asks only for what it reads


def test_retry_after_is_honoured(bundle):
    roster, log, waits = _pull(bundle, throttle_every=4, retry_after=2)
    assert any(e.status == 429 for e in log)
    assert waits and all(w == 2 for w in waits)
    assert len(roster.users) == len(load_bundle(bundle).users)


def test_rest_ignore_retry_after_does_not_wait(bundle):
    _, log, waits = _pull(bundle, {"rest_ignore_retry_after"}, throttle_every=4)
    assert any(e.status == 429 for e in log) and waits == []


def test_rest_first_page_only_reads_one_page_per_collection(bundle):
    roster, log, _ = _pull(bundle, {"rest_first_page_only"})
    assert len(roster.users) == 25 < len(load_bundle(bundle).users)
    assert all("offset=0" in e.query for e in log if e.path.startswith(R.ROSTERING_PATH))


def test_rest_broad_scope_asks_for_more_than_it_reads(bundle):
    _, log, _ = _pull(bundle, {"rest_broad_scope"})
    token = next(e for e in log if e.path == "/oauth/token")
    assert set(token.scopes) == {R.SCOPE_ROSTER, R.SCOPE_DEMOGRAPHICS}


def test_rest_reread_pages_reads_every_page_twice(bundle):
    _, log, _ = _pull(bundle, {"rest_reread_pages"})
    pages = [(e.path, e.query) for e in log if e.path.startswith(R.ROSTERING_PATH)]
    assert len(pages) == 2 * len(set(pages))


def test_rest_ignore_tobedeleted_keeps_withdrawn_users_enabled(bundle):
    app, transport = _provider(bundle)
    store = app.provider.store
    gone = next(store.iter_docs("user"))
    store.put("user", {**gone, "status": "tobedeleted"})
    source = RestSource("http://sis.test", "http://sis.test/oauth/token", ID, SECRET)
    assert not load_rest(source, transport=transport).users[gone["sourcedId"]].enabled
    faulty = load_rest(source, transport=InProcessTransport(app), faults=frozenset({"rest_ignore_tobedeleted"}))
    assert faulty.users[gone["sourcedId"]].enabled


def test_a_refusing_provider_is_one_roster_error(bundle):
    app, transport = _provider(bundle)
    with pytest.raises(RosterError, match="HTTP 401"):
        load_rest(RestSource("http://sis.test", "http://sis.test/oauth/token", ID, "wrong-secret-0000"),
                  transport=transport)
