"""How far personal data travels: each allowance exceeded once in the green world, and masked by --redact."""

from __future__ import annotations

from renkei.harness.core.model import Outcome
from renkei.harness.core.redact import MASK, mask_value
from tests.harness.chain.world import World, run, statement


def test_pii_launch_passes_and_a_no_pii_launch_with_names_fails() -> None:
    w = World()
    assert run("chain.pii.launch", w.obs).outcome is Outcome.PASSED
    x = w.find("start", "L2")  # launched "none"
    assert x.pii == "none" and x.claims is not None
    x.claims.update(given_name="花子", email="l2@school.example.jp")
    result = run("chain.pii.launch", w.obs)
    assert result.outcome is Outcome.FAILED and {f.location.file for f in result.findings} == {"eportal"}
    assert [f.location.claim for f in result.findings] == ["given_name", "email"]
    assert all(mask_value(f, redact=True).value == MASK for f in result.findings)


def test_pii_launch_follows_the_allowance_parameter() -> None:
    w = World()  # the "names" launch of L3 carries names: allowed by default, not when the profile allows nothing
    result = run("chain.pii.launch", w.obs, {"launch_allowed": {"full": [], "names": [], "email": [], "none": []}})
    assert result.outcome is Outcome.FAILED


def test_pii_nrps_passes_and_a_field_beyond_the_allowance_fails() -> None:
    w = World()
    assert run("chain.pii.nrps", w.obs).outcome is Outcome.PASSED
    result = run("chain.pii.nrps", w.obs, {"nrps_allowed": ["email"]})
    assert result.outcome is Outcome.FAILED and {f.location.file for f in result.findings} == {"eportal"}
    assert {f.location.claim for f in result.findings} == {"members[].name", "members[].given_name",
                                                            "members[].family_name"}
    assert all(mask_value(f, redact=True).value == MASK for f in result.findings)


def test_pii_xapi_passes_and_a_name_in_a_statement_fails() -> None:
    w = World()
    assert run("chain.pii.xapi", w.obs).outcome is Outcome.PASSED
    st = w.phase("changes").statements[1]
    st["actor"]["name"] = "髙田 花子"  # the corrected name, in the actor
    result = run("chain.pii.xapi", w.obs)
    assert result.outcome is Outcome.FAILED and [f.location.file for f in result.findings] == ["app"]
    assert result.findings[0].location.claim == "actor.name" and result.findings[0].location.column == "name"
    assert mask_value(result.findings[0], redact=True).value == MASK


def test_pii_xapi_a_login_name_as_actor_fails_and_its_allowance_lets_it_pass() -> None:
    w = World()
    w.phase("start").statements[0] = statement("st-1", "L1", name="l1")
    result = run("chain.pii.xapi", w.obs)
    assert result.outcome is Outcome.FAILED and "login name before @" in result.findings[0].message
    assert run("chain.pii.xapi", w.obs, {"xapi_allowed": ["username", "email"]}).outcome is Outcome.PASSED
