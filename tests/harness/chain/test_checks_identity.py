"""The identity links, each broken once in the green world: found, and located at the position that broke it."""

from __future__ import annotations

from renkei.harness.core.model import CheckResult, Outcome
from tests.harness.chain.world import UMI, World, run, statement


def _failed(result: CheckResult, position: str) -> list[str]:
    assert result.outcome is Outcome.FAILED, (result.outcome, result.error)
    assert {f.location.file for f in result.findings} == {position}
    return [f.location.endpoint or "" for f in result.findings]


def test_sub_passes_and_an_eportal_that_reissues_sub_fails() -> None:
    w = World()
    assert run("chain.link.sub", w.obs).outcome is Outcome.PASSED
    w.find("year_advance", "L2").claims["sub"] = "new-account-L2"  # type: ignore[index]
    result = run("chain.link.sub", w.obs)
    where = _failed(result, "eportal")
    assert where == [f"[year_advance] launch #{w.find('year_advance', 'L2').n} user L2 class a2n"]
    assert result.findings[0].value == "new-account-L2" and result.findings[0].location.claim == "sub"


def test_sub_follows_the_identifier_rule() -> None:
    w = World()
    w.obs.identifier_rule = "sourcedId"  # the e-portal sends the userMasterIdentifier, the profile wants sourcedId
    assert run("chain.link.sub", w.obs).outcome is Outcome.FAILED


def test_sub_without_any_launch_is_not_evaluated() -> None:
    w = World()
    for phase in w.obs.phases:
        phase.launches = []
    result = run("chain.link.sub", w.obs)
    assert result.outcome is Outcome.ERROR and "no launch reached the app" in (result.error or "")


def test_nrps_user_id_passes_and_a_user_id_other_than_the_identifier_fails() -> None:
    w = World()
    assert run("chain.link.nrps_user_id", w.obs).outcome is Outcome.PASSED
    w.phase("start").nrps[0].members[0]["user_id"] = "login-l1"  # type: ignore[index]
    result = run("chain.link.nrps_user_id", w.obs)
    assert _failed(result, "eportal") == ["[start] user L1 class a1"]


def test_nrps_user_id_that_names_nobody_fails() -> None:
    w = World()
    m = w.phase("start").nrps[0].members[0]  # type: ignore[index]
    del m["lis_person_sourcedid"]
    m["user_id"] = "who-is-this"
    assert _failed(run("chain.link.nrps_user_id", w.obs), "eportal") == ["[start] class a1"]


def test_nrps_read_failure_is_not_evaluated() -> None:
    w = World()
    w.phase("year_advance").nrps[0].members = None
    w.phase("year_advance").nrps[0].error = "GET …/nrps/a2n: HTTP 500"
    assert run("chain.link.nrps_user_id", w.obs).outcome is Outcome.ERROR


def test_xapi_actor_passes_and_an_app_that_uses_the_login_name_fails() -> None:
    w = World()
    assert run("chain.link.xapi_actor", w.obs).outcome is Outcome.PASSED
    w.phase("start").statements[0] = statement("st-1", "L1", name="l1")  # the login name before @
    result = run("chain.link.xapi_actor", w.obs)
    assert _failed(result, "app") == [f"[start] launch #{w.find('start', 'L1').n} user L1 class a1 statement st-1"]
    assert "login name before @" in result.findings[0].message and result.findings[0].value == "l1"


def test_xapi_actor_with_a_foreign_home_page_fails() -> None:
    w = World()
    w.phase("changes").statements[0]["actor"]["account"]["homePage"] = "https://app.test"
    result = run("chain.link.xapi_actor", w.obs)
    assert _failed(result, "app") and result.findings[0].location.claim == "actor.account.homePage"


def test_a_statement_that_names_no_learner_fails_at_the_app() -> None:
    w = World()
    w.phase("changes").statements.append(statement("st-x", "L1", name="someone-else"))
    result = run("chain.link.xapi_actor", w.obs)
    assert _failed(result, "app") == ["[changes] statement st-x"]


def test_xapi_actor_without_statements_is_not_evaluated() -> None:
    w = World()
    for phase in w.obs.phases:
        phase.statements = []
    assert run("chain.link.xapi_actor", w.obs).outcome is Outcome.ERROR


def test_imported_passes_and_a_refused_new_pupil_fails() -> None:
    w = World()
    assert run("chain.link.imported", w.obs).outcome is Outcome.PASSED
    x = w.find("changes", "L1")  # the transferred pupil: the e-portal did not take the new school in
    x.outcome, x.claims, x.accepted, x.detail = "refused", None, None, "HTTP 400 names no class"
    assert _failed(run("chain.link.imported", w.obs), "eportal") == [f"[changes] launch #{x.n} user L1 class b2n"]


def test_launch_accepted_passes_and_an_app_that_rejects_fails() -> None:
    w = World()
    assert run("chain.link.launch_accepted", w.obs).outcome is Outcome.PASSED
    x = w.find("start", "L3")
    x.accepted, x.detail = False, "POST https://app.test/launch: HTTP 401"
    assert _failed(run("chain.link.launch_accepted", w.obs), "app") == [f"[start] launch #{x.n} user L3 class a1"]


def test_xapi_reported_passes_and_a_silent_launch_fails() -> None:
    w = World()
    assert run("chain.link.xapi_reported", w.obs).outcome is Outcome.PASSED
    w.phase("year_advance").statements = [s for s in w.phase("year_advance").statements
                                          if s["actor"]["account"]["name"] != UMI["L2"]]
    x = w.find("year_advance", "L2")
    assert _failed(run("chain.link.xapi_reported", w.obs), "app") == [f"[year_advance] launch #{x.n} user L2 class a2n"]


def test_an_lrs_that_does_not_answer_leaves_xapi_reported_not_evaluated() -> None:
    w = World()
    w.phase("changes").xapi_error = "GET …/statements: timeout"
    assert run("chain.link.xapi_reported", w.obs).outcome is Outcome.ERROR
