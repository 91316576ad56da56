"""A vendor 校務支援 by its REST provider, as the scenario drives it: the roster read whole, each school-year event
made by its hook and read back from the difference, an event that leaves no trace not made.

The provider is the mock 校務支援 in-process (its admin API the hooks' target); the chain run on real ports is
``test_chain_provider``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from renkei.harness.chain.positions import EventNotMade
from renkei.harness.chain.provider import ProviderSource
from renkei.harness.chain.provider_config import ProviderPosition
from renkei.harness.core import secret_registry
from renkei.harness.core.breaker import PeerUnavailable
from renkei.harness.core.errors import ConfigError
from renkei.harness.lti.protocol.browser import InProcessTransport
from renkei.harness.serving import LocalTls
from renkei.mocks.school_affairs.generator import generate_bundle
from renkei.mocks.school_affairs.rest.app import create_app
from renkei.mocks.school_affairs.rest.config import Client, ProviderConfig
from renkei.mocks.school_affairs.rest.lifecycle import remember_generation
from renkei.mocks.school_affairs.rest.store import RosterStore

BASE = "http://sis.test"
GENERATED = {"profile": "oneroster12-csv-jpk12", "municipalities": 1, "schools_per_municipality": 3,
             "students_per_grade": 3, "school_year": 2026, "seed": 11}
ENV = {"SIS_ID": "vendor-sis", "SIS_SECRET": "vendor-sis-secret-01", "SIS_ADMIN": "Bearer admin-key-for-tests"}
HOOKS: dict[str, Any] = {
    "secrets": {"headers": {"Authorization": "${SIS_ADMIN}"}},
    "year_advance": {"url": BASE + "/admin/year-advance"},
    "transfer": {"url": BASE + "/admin/transfer", "body": {"user": "{user}", "toSchool": "{to_school}"}},
    "rename": {"url": BASE + "/admin/objects/user/{user}", "method": "PATCH",
               "body": {"familyName": "{family_name}", "givenName": "{given_name}"}},
    "leave": {"url": BASE + "/admin/objects/user/{user}", "method": "DELETE"},
}


class KeptOpen(InProcessTransport):
    """Each hook request closes its client; the in-process app must outlive it (closed by the fixture)."""

    def close(self) -> None:
        pass

    def really_close(self) -> None:
        super().close()


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("provider") / "roster.zip"
    generate_bundle(path, **GENERATED)
    return path


@pytest.fixture
def store(bundle: Path) -> Iterator[RosterStore]:
    s = RosterStore()
    s.load_bundle(bundle)
    remember_generation(s, **GENERATED)
    yield s
    s.close()


@pytest.fixture
def transport(store: RosterStore) -> Iterator[KeptOpen]:
    config = ProviderConfig(clients=[Client(ENV["SIS_ID"], ENV["SIS_SECRET"])], admin_key="admin-key-for-tests")
    t = KeptOpen(create_app(store, config))
    yield t
    t.really_close()


def source(tmp: Path, transport: KeptOpen, hooks: dict[str, Any] | None = None, *, environ: dict[str, str] = ENV,
           observation: dict[str, Any] | None = None, **extra: Any) -> ProviderSource:
    provider = {"kind": "oneroster-rest-provider", "observation": observation or {},
                "provider": {"name": "校務支援 X", "base_url": BASE, "token_url": BASE + "/oauth/token",
                             "client_id": "${SIS_ID}", "client_secret": "${SIS_SECRET}",
                             **extra.pop("provider", {})}, **extra}
    (tmp / "rest-provider.yaml").write_text(yaml.safe_dump(provider, allow_unicode=True), encoding="utf-8")
    position = ProviderPosition(target=str(tmp / "rest-provider.yaml"), events=HOOKS if hooks is None else hooks)
    return ProviderSource(position, where="chain.yaml", environ=environ, transport=transport, sleep=lambda s: None)


def _pupil(src: ProviderSource) -> str:
    snap = src.snapshot()
    return next(u for u in sorted(snap.users) if snap.users[u].active and "student" in snap.users[u].role_in()
                and snap.homeroom(u))


def test_the_roster_is_read_whole_and_handed_to_the_eportal_with_the_same_credentials(
        tmp_path: Path, transport: KeptOpen, store: RosterStore) -> None:
    src = source(tmp_path, transport)
    snap = src.snapshot()
    assert len(snap.users) == sum(1 for _ in store.iter_docs("user")) and snap.current_year == "2026"
    imported = src.import_source(tmp_path, 1)
    assert (imported.mode, imported.base_url, imported.client_id, imported.client_secret) == (
        "rest", BASE, "vendor-sis", "vendor-sis-secret-01")
    assert src.info.name == "校務支援 X" and src.info.mock is False
    scrubbed = secret_registry.active().scrub("secret vendor-sis-secret-01, admin header Bearer admin-key-for-tests")
    assert "vendor-sis-secret-01" not in scrubbed and "admin-key-for-tests" not in scrubbed


def test_the_eportal_is_handed_how_the_provider_authenticates_and_is_trusted(tmp_path: Path,
                                                                             transport: KeptOpen) -> None:
    plain = source(tmp_path, transport).import_source(tmp_path, 1)
    assert (plain.client_auth, plain.ca_file, plain.verify_tls) == ("basic", None, True)
    tls = LocalTls(tmp_path / "tls")
    (tmp_path / "ca.pem").write_bytes(tls.ca_file.read_bytes())
    vendor = source(tmp_path, transport, provider={"client_auth": "form"}, tls={"ca_file": "ca.pem"})
    imported = vendor.import_source(tmp_path, 1)
    assert (imported.client_auth, imported.ca_file) == ("form", str((tmp_path / "ca.pem").resolve()))
    unverified = source(tmp_path, transport, observation={"verify_tls": False}).import_source(tmp_path, 1)
    assert (unverified.ca_file, unverified.verify_tls) == (None, False)


def test_year_advance_is_made_by_its_hook_and_read_from_the_difference(tmp_path: Path, transport: KeptOpen) -> None:
    src = source(tmp_path, transport)
    before = src.snapshot()
    change = src.year_advance()
    assert change["created"]["user"] and change["deleted"]["class"]
    assert set(change["deleted"]["class"]) <= set(before.classes)
    assert src.snapshot().current_year == "2027"


def test_a_pupil_event_is_made_for_the_pupil_renkei_names(tmp_path: Path, transport: KeptOpen) -> None:
    src = source(tmp_path, transport)
    user = _pupil(src)
    family = src.snapshot().users[user].family_name
    change = src.edit(user, {"familyName": family + "訂"})
    assert change["changed"] == {"user": [user]}
    assert src.snapshot().users[user].family_name == family + "訂"
    assert src.leave(user)["deleted"] == {"user": [user]}


def test_an_event_without_a_hook_is_not_made(tmp_path: Path, transport: KeptOpen) -> None:
    src = source(tmp_path, transport)
    with pytest.raises(EventNotMade, match=r"positions\.school_affairs\.events declares no class_change hook"):
        src.class_change(_pupil(src), "any-class")


def test_a_hook_that_leaves_the_pupil_untouched_made_no_event(tmp_path: Path, transport: KeptOpen) -> None:
    hooks = {**HOOKS, "leave": {"url": BASE + "/admin/requests", "method": "GET"},  # answers 200, changes nothing
             "year_advance": {"url": BASE + "/admin/requests", "method": "GET"}}
    src = source(tmp_path, transport, hooks)
    user = _pupil(src)
    with pytest.raises(EventNotMade, match=f"after the leave hook the provider shows no change of user {user}$"):
        src.leave(user)
    with pytest.raises(EventNotMade, match="after the year_advance hook the provider shows no change"):
        src.year_advance()


def test_a_year_advance_that_brings_no_new_年度_made_no_year_advance(tmp_path: Path, transport: KeptOpen) -> None:
    src = source(tmp_path, transport)
    user = _pupil(src)
    hooks = {**HOOKS, "year_advance": {"url": BASE + f"/admin/objects/user/{user}", "method": "PATCH",
                                       "body": {"givenName": "{school_year}"}}}  # changes a record, not the 年度
    src = source(tmp_path, transport, hooks)
    with pytest.raises(EventNotMade, match=r"the provider's 年度 in force is still 2026 \(no new schoolYear"):
        src.year_advance()
    assert src.snapshot().users[user].given_name == "2026"  # the hook ran, with its placeholder filled


def test_a_hook_acting_on_another_pupil_is_said_so(tmp_path: Path, transport: KeptOpen) -> None:
    src = source(tmp_path, transport)
    snap = src.snapshot()
    pupils = [u for u in sorted(snap.users) if snap.users[u].active and "student" in snap.users[u].role_in()]
    hooks = {**HOOKS, "leave": {"url": BASE + f"/admin/objects/user/{pupils[1]}", "method": "DELETE"}}
    src = source(tmp_path, transport, hooks)
    with pytest.raises(EventNotMade, match=r"\(1 other objects changed: the hook must act on the user it is given"):
        src.leave(pupils[0])


def test_a_hook_the_vendor_refuses_is_a_peer_problem_not_a_missing_event(tmp_path: Path, transport: KeptOpen) -> None:
    src = source(tmp_path, transport, environ={**ENV, "SIS_ADMIN": "Bearer not-the-admin-key"})
    with pytest.raises(PeerUnavailable, match=r"POST http://sis\.test/admin/year-advance: the year_advance hook "
                                              r"\(positions\.school_affairs\.events\.year_advance\) answered HTTP 401"):
        src.year_advance()


def test_an_unset_hook_secret_is_named(tmp_path: Path, transport: KeptOpen) -> None:
    environ = {k: v for k, v in ENV.items() if k != "SIS_ADMIN"}
    with pytest.raises(ConfigError, match=r"^target chain\.yaml: positions\.school_affairs\.events: "
                                          r"secrets\.headers\.Authorization: environment variable SIS_ADMIN is not set$"):
        source(tmp_path, transport, environ=environ)


def test_a_roster_that_cannot_be_read_whole_is_not_a_roster(tmp_path: Path, transport: KeptOpen) -> None:
    src = source(tmp_path, transport, observation={"max_objects": 5})
    with pytest.raises(PeerUnavailable, match=r"users\?limit=50&offset=0: the provider's users could not be "
                                              r"read whole: more than 5 objects"):
        src.snapshot()
