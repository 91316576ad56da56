"""The school-year links (年次更新, 転出・転入, class change, tobedeleted, joining history), each broken once."""

from __future__ import annotations

from dataclasses import replace

from renkei.harness.core.model import CheckResult, Outcome
from renkei.harness.lti.protocol import vocab
from tests.harness.chain.world import World, run, statement


def _failed(result: CheckResult, position: str) -> list[str]:
    assert result.outcome is Outcome.FAILED, (result.outcome, result.error)
    assert {f.location.file for f in result.findings} == {position}, [f.location for f in result.findings]
    return [f.message for f in result.findings]


def _launch_instead(w: World, phase: str, user: str, purpose: str) -> None:
    """The e-portal launched a try that it must refuse."""
    x = w.find(phase, user, purpose)
    x.outcome, x.accepted = "launched", True
    x.claims = {"sub": f"umi-{user}", vocab.CLAIM_CONTEXT: {"id": x.context}}


def test_year_identity_passes_and_an_eportal_that_reissues_sub_fails() -> None:
    w = World()
    assert run("chain.year.identity_kept", w.obs).outcome is Outcome.PASSED
    w.find("year_advance", "L3").claims["sub"] = "reissued-L3"  # type: ignore[index]
    assert _failed(run("chain.year.identity_kept", w.obs), "eportal") == [
        "after 年次更新: the e-portal launches the learner with another sub than before"]


def test_year_identity_a_roster_that_reissues_the_identifier_fails_at_the_school_affairs() -> None:
    w = World()
    snap = w.phase("year_advance").snapshot
    assert snap is not None
    snap.users["L1"] = replace(snap.users["L1"], master_id="new-uuid-L1")
    assert _failed(run("chain.year.identity_kept", w.obs), "school_affairs") == [
        "after 年次更新: the roster gave the learner another userMasterIdentifier"]


def test_year_identity_a_roster_that_registers_the_learner_again_under_a_new_sourced_id_fails_there() -> None:
    w = World()
    snap = w.phase("year_advance").snapshot
    assert snap is not None
    snap.users["L1-new"] = replace(snap.users["L1"], sourced_id="L1-new")  # the same userMasterIdentifier
    snap.users["L1"] = replace(snap.users["L1"], status="tobedeleted")
    w.phase("year_advance").changes[0].deleted["user"] = ["G1", "L1"]
    result = run("chain.year.identity_kept", w.obs)
    assert _failed(result, "school_affairs") == ["after 年次更新: the roster re-registered the learner under a new "
                                                 "sourcedId (their userMasterIdentifier is now on another record)"]
    assert result.findings[0].location.claim == "users.sourcedId" and result.findings[0].value == "L1-new"


def test_year_identity_a_graduate_ended_at_年次更新_is_no_re_registration() -> None:
    w = World()
    w.find("start", "L1").user = "G1"  # G1 (tobedeleted, their identifier on no other record) was launched before
    assert run("chain.year.identity_kept", w.obs).outcome is Outcome.PASSED


def test_year_identity_an_app_that_changes_the_actor_fails_at_the_app() -> None:
    w = World()
    w.phase("year_advance").statements[1] = statement("st-6", "L2", name="l2")
    assert "after 年次更新: the app reports the learner under another actor than before" in _failed(
        run("chain.year.identity_kept", w.obs), "app")


def test_year_identity_without_年次更新_is_not_evaluated() -> None:
    w = World()
    w.phase("year_advance").changes = []
    assert run("chain.year.identity_kept", w.obs).outcome is Outcome.ERROR


def test_no_last_year_class_passes_and_a_launch_in_it_fails() -> None:
    w = World()
    assert run("chain.year.no_last_year_class", w.obs).outcome is Outcome.PASSED
    _launch_instead(w, "year_advance", "L1", "last_year_class")
    result = run("chain.year.no_last_year_class", w.obs)
    assert _failed(result, "eportal") == ["a launch after 年次更新 carries last year's class"]
    assert result.findings[0].value == "a1"


def test_transfer_identity_passes_and_a_new_record_fails_at_the_school_affairs() -> None:
    w = World()
    assert run("chain.transfer.identity_kept", w.obs).outcome is Outcome.PASSED
    snap = w.phase("changes").snapshot
    assert snap is not None
    snap.users["L1"] = replace(snap.users["L1"], status="tobedeleted")  # 転入 made as a new record
    assert _failed(run("chain.transfer.identity_kept", w.obs), "school_affairs") == [
        "after the transfer: the learner is no longer an active user of the roster (a new record instead?)"]


def test_transfer_identity_another_sub_fails_at_the_eportal() -> None:
    w = World()
    w.find("changes", "L1").claims["sub"] = "new-school-account"  # type: ignore[index]
    assert _failed(run("chain.transfer.identity_kept", w.obs), "eportal") == [
        "after the transfer: the e-portal launches the learner with another sub than before"]


def test_transfer_roles_not_moved_fails_at_the_school_affairs() -> None:
    w = World()
    snap = w.phase("changes").snapshot
    assert snap is not None
    snap.users["L1"] = replace(snap.users["L1"], roles=(("student", "sch-a"),))
    assert "after the transfer the roster does not place the pupil in the new school" in _failed(
        run("chain.transfer.identity_kept", w.obs), "school_affairs")


def test_old_school_refused_passes_and_a_launch_in_the_old_school_fails() -> None:
    w = World()
    assert run("chain.transfer.old_school_refused", w.obs).outcome is Outcome.PASSED
    _launch_instead(w, "changes", "L1", "old_school")
    assert _failed(run("chain.transfer.old_school_refused", w.obs), "eportal") == [
        "the e-portal launched a transferred pupil in the class of the school they left"]


def test_old_school_without_a_try_is_not_evaluated() -> None:
    w = World()
    w.phase("changes").launches.remove(w.find("changes", "L1", "old_school"))
    assert run("chain.transfer.old_school_refused", w.obs).outcome is Outcome.ERROR


def test_left_class_refused_passes_and_a_launch_in_the_left_class_fails() -> None:
    w = World()
    assert run("chain.lifecycle.left_class_refused", w.obs).outcome is Outcome.PASSED
    _launch_instead(w, "changes", "L3", "old_class")
    assert _failed(run("chain.lifecycle.left_class_refused", w.obs), "eportal") == [
        "the e-portal launched a pupil in the class they left"]


def test_tobedeleted_refused_passes_and_a_graduate_who_launches_fails() -> None:
    w = World()
    assert run("chain.lifecycle.tobedeleted_refused", w.obs).outcome is Outcome.PASSED
    _launch_instead(w, "year_advance", "G1", "graduate")
    assert _failed(run("chain.lifecycle.tobedeleted_refused", w.obs), "eportal") == [
        "the e-portal launched a tobedeleted user (a graduate or a pupil who left)"]


def test_tobedeleted_a_graduate_still_active_in_the_roster_fails_at_the_school_affairs() -> None:
    w = World()
    snap = w.phase("year_advance").snapshot
    assert snap is not None
    snap.users["G1"] = replace(snap.users["G1"], status="active")
    assert _failed(run("chain.lifecycle.tobedeleted_refused", w.obs), "school_affairs") == [
        "the roster still holds a graduate / a pupil who left as an active user"]


def test_joinable_passes_and_history_under_an_old_sub_blames_the_eportal() -> None:
    w = World()
    assert run("chain.xapi.joinable", w.obs).outcome is Outcome.PASSED
    # after 年次更新 the e-portal gave L2 a new sub; the app (rightly) reported under it; the LRS cannot join
    w.find("year_advance", "L2").claims["sub"] = "reissued-L2"  # type: ignore[index]
    w.phase("year_advance").statements[1] = statement("st-6", "L2", name="reissued-L2")
    w.obs.joins["L2"].statement_ids = {"st-3", "st-9"}
    result = run("chain.xapi.joinable", w.obs)
    assert _failed(result, "eportal") == ["an earlier statement of the learner is not found under their identity now: "
                                          "the e-portal launched the learner with a sub that is not their identifier"]
    assert "statement st-6" in (result.findings[0].location.endpoint or "")


def test_joinable_history_under_a_login_name_blames_the_app() -> None:
    w = World()
    w.phase("start").statements[2] = statement("st-3", "L2", name="l2")
    w.obs.joins["L2"].statement_ids = {"st-6", "st-9"}
    assert _failed(run("chain.xapi.joinable", w.obs), "app") == [
        "an earlier statement of the learner is not found under their identity now: the app reported it under "
        "another actor than the launch's sub"]


def test_joinable_an_lrs_that_does_not_return_it_blames_the_lrs() -> None:
    w = World()
    w.obs.joins["L3"].statement_ids = {"st-7", "st-10"}
    assert _failed(run("chain.xapi.joinable", w.obs), "lrs") == [
        "an earlier statement of the learner is not found under their identity now: the LRS does not return it for "
        "the learner's agent"]


def test_joinable_history_under_an_identifier_the_roster_changed_blames_the_school_affairs() -> None:
    w = World()
    w.obs.joins["L3"].identifier = "new-uuid-L3"  # the roster re-issued L3's identifier; the LRS holds the old one
    w.obs.joins["L3"].statement_ids = set()
    snap = w.phase("changes").snapshot
    assert snap is not None
    snap.users["L3"] = replace(snap.users["L3"], master_id="new-uuid-L3")
    w.find("changes", "L3").claims["sub"] = "new-uuid-L3"  # type: ignore[index]
    w.phase("changes").statements[2] = statement("st-10", "L3", name="new-uuid-L3")
    w.obs.joins["L3"].statement_ids = {"st-10"}
    result = run("chain.xapi.joinable", w.obs)
    assert _failed(result, "school_affairs") == [
        "an earlier statement of the learner is not found under their identity now: the roster has given the "
        "learner another identifier since"] * 2


def test_joinable_a_failed_query_is_not_evaluated() -> None:
    w = World()
    w.obs.joins["L1"].statement_ids, w.obs.joins["L1"].error = None, "GET …/statements: timeout"
    assert run("chain.xapi.joinable", w.obs).outcome is Outcome.ERROR
