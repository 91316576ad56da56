"""The roster snapshot every link is compared with: built from OneRoster REST objects, tobedeleted kept inactive."""

from __future__ import annotations

from renkei.harness.chain.roster import snapshot_from_rest
from tests.harness.chain.world import World


def test_the_year_the_classes_and_the_members() -> None:
    s0, s1, s2 = World().snaps
    assert (s0.current_year, s1.current_year) == ("2026", "2027")
    assert s1.class_year("a1") == "2026" and s1.class_year("a2n") == "2027" and s1.class_year("nope") is None
    assert s1.homeroom("L1") == "a2n" and s0.homeroom("L1") == "a1"
    assert set(s1.members("a2n")) == {"L1", "L2", "L3", "T1"} and s1.members("a1") == {}  # last year's ended
    assert s2.active_classes("L1") == {"b2n": {"student"}} and s2.users["L1"].schools() == {"sch-b"}
    assert not s1.users["G1"].active and s1.users["L1"].active


def test_the_identifier_rule_falls_back_to_the_sourced_id() -> None:
    snap = snapshot_from_rest(0, {"user": [{"sourcedId": "u1", "userMasterIdentifier": "umi"}, {"sourcedId": "u2"}]})
    assert snap.users["u1"].identifier("userMasterIdentifier") == "umi"
    assert snap.users["u1"].identifier("sourcedId") == "u1"
    assert snap.users["u2"].identifier("userMasterIdentifier") == "u2"
    assert snap.by_identifier("userMasterIdentifier") == {"umi": "u1", "u2": "u2"}


def test_personal_values_keep_the_first_kind_of_a_shared_value() -> None:
    values = World().snaps[0].users["L1"].personal_values()
    assert values["username"] == "l1@school.example.jp" and "email" not in values  # the same address
    assert values["username_local"] == "l1" and values["name"] == "佐藤 一郎" and values["name_nospace"] == "佐藤一郎"


def test_malformed_objects_are_left_out() -> None:
    snap = snapshot_from_rest(0, {"user": ["x", {"givenName": "no id"}, {"sourcedId": "u", "roles": ["bad", {}]}],
                                  "class": [{"sourcedId": "c", "terms": ["bad", {"sourcedId": "t"}], "grades": [1]}],
                                  "enrollment": [None, {"sourcedId": "e"}]})
    assert list(snap.users) == ["u"] and snap.users["u"].roles == (("", ""),)
    assert snap.classes["c"].terms == ("t",) and snap.classes["c"].grades == ()
    assert [e.sourced_id for e in snap.enrollments] == ["e"]
