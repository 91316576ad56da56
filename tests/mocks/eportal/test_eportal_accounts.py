"""Accounts across roster imports: a re-import keeps every user's sub; the ``reissue_sub_after_year_advance`` fault
gives everyone a new one once an import moves to a new 年度; an ended enrollment no longer launches."""

from __future__ import annotations

import httpx
import pytest

from renkei.mocks.eportal import accounts
from renkei.mocks.eportal.app import create_app
from renkei.mocks.eportal.config import EportalConfig, ToolRegistration
from renkei.mocks.eportal.roster import Enrollment, Roster, SchoolClass, User
from renkei.mocks.eportal.state import EportalState

ISSUER = "https://eportal.test"
TOOL = ToolRegistration(client_id="app", deployment_ids=["d1"], login_url="https://app.test/login",
                        redirect_uris=["https://app.test/launch"], target_link_uri="https://app.test/launch",
                        jwks={"keys": []})


def _roster(classes: list[str], *, active: bool = True) -> Roster:
    r = Roster()
    r.users["u1"] = User("u1", "umi-1", "login1", "一郎", "試験", "", True)
    r.users["u2"] = User("u2", "umi-2", "login2", "花子", "見本", "", True)
    for c in classes:
        r.classes[c] = SchoolClass(c, c, c, "school")
    r.enrollments = [Enrollment(u, classes[-1], "student", active) for u in ("u1", "u2")]
    return r


def _state(*faults: str) -> EportalState:
    state = EportalState(EportalConfig(issuer=ISSUER, tools=[TOOL], faults=set(faults)), _roster(["c2026"]))
    state.roster = accounts.with_accounts(state, state.roster)
    return state


def test_a_reimport_keeps_the_subs_of_the_roster() -> None:
    state = _state()
    installed = accounts.reimport(state, _roster(["c2026", "c2027"]))  # 年次更新: last year's class is gone
    assert {u.sub for u in installed.users.values()} == {"umi-1", "umi-2"}


def test_the_reissue_fault_gives_new_subs_once_the_year_turns_and_keeps_them() -> None:
    state = _state("reissue_sub_after_year_advance")
    mid_year = accounts.reimport(state, _roster(["c2026"]))
    assert {u.sub for u in mid_year.users.values()} == {"umi-1", "umi-2"}  # same classes: not a new year
    turned = accounts.reimport(state, _roster(["c2026", "c2027"]))
    subs = {sid: u.sub for sid, u in turned.users.items()}
    assert set(subs.values()).isdisjoint({"umi-1", "umi-2"}) and len(set(subs.values())) == 2
    later = accounts.reimport(state, _roster(["c2026", "c2027"]))  # a mid-year import keeps the new accounts
    assert {sid: u.sub for sid, u in later.users.items()} == subs


def test_year_turned_needs_classes_in_use_on_both_sides() -> None:
    assert accounts.year_turned(_roster(["a"]), _roster(["a", "b"]))
    assert not accounts.year_turned(_roster(["a"]), _roster(["a"]))
    assert not accounts.year_turned(Roster(), _roster(["a"]))  # the first import is no year change
    assert not accounts.year_turned(_roster(["a"]), _roster(["a", "b"], active=False))


def test_sub_is_username_survives_a_reimport() -> None:
    state = _state("sub_is_username")
    assert {u.sub for u in accounts.reimport(state, _roster(["c"])).users.values()} == {"login1", "login2"}


@pytest.mark.anyio
async def test_an_ended_enrollment_no_longer_launches() -> None:
    roster = _roster(["c2026", "c2027"])
    roster.enrollments.append(Enrollment("u1", "c2026", "student", False))  # last year's, tobedeleted
    app = create_app(EportalConfig(issuer=ISSUER, tools=[TOOL]), roster)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ISSUER) as client:
        old = await client.get("/launch", params={"user": "u1", "context": "c2026"})
        new = await client.get("/launch", params={"user": "u1", "context": "c2027"})
    assert old.status_code == 403 and "ended" in old.json()["error_description"]
    assert new.status_code == 302


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
