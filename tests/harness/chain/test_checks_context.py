"""The context links (class, school, 年度, roles, NRPS membership, names), each broken once in the green world."""

from __future__ import annotations

from renkei.harness.core.model import CheckResult, Outcome
from renkei.harness.lti.protocol import vocab
from tests.harness.chain.world import World, member, run


def _failed(result: CheckResult, position: str = "eportal") -> list[str]:
    assert result.outcome is Outcome.FAILED, (result.outcome, result.error)
    assert {f.location.file for f in result.findings} == {position}
    return [f.message for f in result.findings]


def _set_context(w: World, phase: str, user: str, context: str) -> None:
    x = w.find(phase, user)
    snap = w.phase(phase).snapshot
    assert snap is not None and x.claims is not None
    c = snap.classes[context]
    x.claims[vocab.CLAIM_CONTEXT] = {"id": context, "label": c.class_code, "title": c.title}


def test_roster_match_passes_and_last_years_class_fails() -> None:
    w = World()
    assert run("chain.context.roster_match", w.obs).outcome is Outcome.PASSED
    _set_context(w, "year_advance", "L1", "a1")  # the e-portal kept last year's class
    assert _failed(run("chain.context.roster_match", w.obs)) == [
        "the launch's context is a class the user is not (or no longer) enrolled in"]


def test_roster_match_old_school_after_transfer_fails() -> None:
    w = World()
    _set_context(w, "changes", "L1", "a2n")
    assert _failed(run("chain.context.roster_match", w.obs)) == [
        "the launch's context is a class the user is not (or no longer) enrolled in"]


def test_roster_match_stale_title_and_missing_context_fail() -> None:
    w = World()
    x = w.find("start", "L2")
    assert x.claims is not None
    x.claims[vocab.CLAIM_CONTEXT]["title"] = "1年2組"
    del w.find("start", "L3").claims[vocab.CLAIM_CONTEXT]  # type: ignore[union-attr]
    messages = _failed(run("chain.context.roster_match", w.obs))
    assert "the launch's context title is not the roster's class title" in messages
    assert "the launch carries no context (the class it was started in)" in messages


def test_roster_match_a_pupil_as_instructor_fails() -> None:
    w = World()
    x = w.find("start", "L1")
    assert x.claims is not None
    x.claims[vocab.CLAIM_ROLES] = [vocab.ROLE_INSTRUCTOR]
    messages = _failed(run("chain.context.roster_match", w.obs))
    assert messages == ["the launch lacks the context role Learner of the user's enrollment",
                        "the launch carries the context role Instructor, which the user's enrollment does not give"]


def test_roster_match_a_class_of_another_year_fails() -> None:
    w = World()
    snap = w.phase("year_advance").snapshot
    assert snap is not None
    # the roster enrolls L1 in a class whose term is 2026 while 2027 is in force
    from dataclasses import replace
    snap.classes["a2n"] = replace(snap.classes["a2n"], terms=("ses26",))
    assert "the launch's class is of the 年度 2026, not the current 2027" in _failed(
        run("chain.context.roster_match", w.obs))


def test_nrps_members_passes_and_a_left_pupil_still_active_fails() -> None:
    w = World()
    assert run("chain.nrps.members", w.obs).outcome is Outcome.PASSED
    read = w.phase("changes").nrps[0]
    assert read.members is not None
    read.members[2]["status"] = "Active"  # L1 transferred out, still Active in the old school's class
    result = run("chain.nrps.members", w.obs)
    assert _failed(result) == ["an Active member of the NRPS membership is not (or no longer) enrolled in the class"]
    assert result.findings[0].location.endpoint == "[changes] user L1 class a2n"


def test_nrps_members_a_missing_member_fails() -> None:
    w = World()
    read = w.phase("start").nrps[0]
    assert read.members is not None
    read.members.pop(1)  # L2 missing
    assert _failed(run("chain.nrps.members", w.obs)) == [
        "a member the roster enrolls in the class is missing from the NRPS membership (or not Active)"]


def test_nrps_members_a_teacher_without_instructor_fails() -> None:
    w = World()
    snap = w.phase("start").snapshot
    assert snap is not None
    w.phase("start").nrps[0].members[3] = member("T1", snap, ("Learner",))  # type: ignore[index]
    assert _failed(run("chain.nrps.members", w.obs)) == ["an NRPS member lacks the context role of their enrollment"]


def test_teacher_classes_passes_and_a_launch_outside_their_classes_fails() -> None:
    w = World()
    assert run("chain.launch.teacher_classes", w.obs).outcome is Outcome.PASSED
    x = w.find("start", "T1", "not_own_class")
    x.outcome, x.claims, x.accepted = "launched", {"sub": "umi-T1"}, True
    assert _failed(run("chain.launch.teacher_classes", w.obs)) == ["a teacher was launched into a class they do not teach"]


def test_teacher_classes_refused_in_own_class_fails() -> None:
    w = World()
    x = w.find("year_advance", "T1")
    x.outcome, x.claims = "refused", None
    assert _failed(run("chain.launch.teacher_classes", w.obs)) == ["a teacher was not launched into a class they teach"]


def test_names_current_passes_and_a_stale_name_after_the_correction_fails() -> None:
    w = World()
    assert run("chain.roster.names_current", w.obs).outcome is Outcome.PASSED
    x = w.find("changes", "L2")
    assert x.claims is not None
    x.claims.update(family_name="高田", name="高田 花子")  # the correction 高田 → 髙田 did not arrive
    result = run("chain.roster.names_current", w.obs)
    assert _failed(result) == ["the launch's family_name is not the roster's current name",
                               "the launch's name is not the roster's current name"]
    assert {f.location.claim for f in result.findings} == {"family_name", "name"}


def test_names_current_without_a_named_launch_after_the_correction_is_not_evaluated() -> None:
    w = World()
    x = w.find("changes", "L2")
    assert x.claims is not None
    for k in ("given_name", "family_name", "name", "email"):
        x.claims.pop(k)
    assert run("chain.roster.names_current", w.obs).outcome is Outcome.ERROR
