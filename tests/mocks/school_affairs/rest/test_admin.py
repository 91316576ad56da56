"""The admin API's 年次更新 as a vendor's script drives it, and the fault that re-registers every pupil there."""

from __future__ import annotations

from typing import Any

import pytest

from renkei.mocks.school_affairs.rest.store import RosterStore
from tests.mocks.school_affairs.rest.conftest import MakeApi

ADMIN = {"Authorization": "Bearer admin-key-for-tests"}


def _pupils(store: RosterStore) -> dict[str, dict[str, Any]]:
    return {d["sourcedId"]: d for d in store.iter_docs("user") if d["status"] == "active"
            and d["roles"][0]["role"] == "student"}


def _active_enrollments(store: RosterStore) -> list[dict[str, Any]]:
    return [e for e in store.iter_docs("enrollment") if e["status"] == "active"]


def test_year_advance_needs_the_admin_key(make_api: MakeApi) -> None:
    api = make_api()
    assert api.http.post("/admin/year-advance").status_code == 401
    assert api.http.post("/admin/year-advance", headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_year_advance_keeps_every_continuing_pupil(make_api: MakeApi, store: RosterStore) -> None:
    before = _pupils(store)
    answer = make_api(store).http.post("/admin/year-advance", headers=ADMIN)
    assert answer.status_code == 200 and answer.json()["created"]["user"] > 0  # 新入生
    after = _pupils(store)
    kept = set(before) & set(after)
    assert kept and all(after[sid]["userMasterIdentifier"] == before[sid]["userMasterIdentifier"] for sid in kept)


def test_the_reissue_fault_gives_every_continuing_pupil_a_new_sourced_id(make_api: MakeApi, store: RosterStore) -> None:
    before = _pupils(store)
    answer = make_api(store, faults={"reissue_ids_at_year_advance"}).http.post("/admin/year-advance", headers=ADMIN)
    assert answer.status_code == 200
    after = _pupils(store)
    assert not set(before) & set(after)  # nobody kept their sourcedId ...
    masters = {u["userMasterIdentifier"]: sid for sid, u in after.items()}
    continuing = [u for u in before.values() if u["grades"][0] not in ("P6", "J3")]
    assert continuing and all(u["userMasterIdentifier"] in masters for u in continuing)  # ... but the person is there
    for u in continuing:
        assert store.get("user", u["sourcedId"])["status"] == "tobedeleted"  # type: ignore[index]
    users_enrolled = {e["user"]["sourcedId"] for e in _active_enrollments(store)}
    assert not users_enrolled & set(before)  # the new year's enrollments name the new records
    assert {masters[u["userMasterIdentifier"]] for u in continuing} <= users_enrolled
    assert answer.json()["deleted"]["user"] >= len(continuing)


@pytest.mark.parametrize("fault", ["reissue_ids_at_year_advance"])
def test_the_fault_changes_nothing_before_year_advance(make_api: MakeApi, store: RosterStore, fault: str) -> None:
    plain = make_api(store).items("/users")
    assert make_api(store, faults={fault}).items("/users") == plain
