"""Attribution: which launched learner a statement at the LRS belongs to, whatever name the app used for them."""

from __future__ import annotations

from renkei.harness.chain.links import attribute, context_roles, where
from renkei.harness.lti.protocol import vocab
from tests.harness.chain.world import World, statement


def test_statements_are_attributed_to_the_launch_of_their_phase() -> None:
    w = World()
    found = attribute(w.obs)
    assert {s["id"] for s in found.by_launch[w.find("start", "L1").n]} == {"st-1", "st-2"}
    assert found.how["st-1"] == "sub" and not found.unattributed
    assert attribute(w.obs) is found  # computed once per observation


def test_a_login_name_a_late_statement_and_a_stranger() -> None:
    w = World()
    w.phase("start").statements[0] = statement("st-1", "L1", name="l1")
    w.phase("year_advance").statements.append(statement("st-late", "G1"))  # G1 launched in no phase
    w.phase("year_advance").statements.append(statement("st-x", "L1", name="nobody"))
    w.phase("changes").statements.append(statement("st-old", "L1", name="l1"))
    found = attribute(w.obs)
    assert found.how["st-1"] == "username_local"
    assert found.launch_of["st-old"].phase == "changes"  # L1 launched again: the latest launch takes it
    assert {s["id"] for s in found.unattributed["year_advance"]} == {"st-late", "st-x"}


def test_context_roles_read_uris_and_sub_roles() -> None:
    claims = {vocab.CLAIM_ROLES: [vocab.ROLE_LEARNER, "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#"
                                  "TeachingAssistant", vocab.ROLE_INST_STUDENT, "Learner", 3]}
    assert context_roles(claims) == {"Learner", "Instructor"}


def test_where_names_position_and_record() -> None:
    w = World()
    x = w.find("start", "L2")
    assert where("eportal", "start", launch=x, claim="sub") == {
        "file": "eportal", "endpoint": f"[start] launch #{x.n} user L2 class a1", "claim": "sub"}
