"""Agents and Groups (Data §2.4.2): validation on its own, IFI extraction and agent identity."""

from __future__ import annotations

from typing import Any

import pytest

from renkei.harness.xapi.model.agents import agent_ifi, same_agent, validate_agent

ACCOUNT = {"homePage": "https://example.platform.jp", "name": "1fcdd088-66fc-11ec-b362-ebfd340b9cee"}


@pytest.mark.parametrize("agent", [
    {"mbox": "mailto:s01@example.ed.jp"}, {"objectType": "Agent", "account": ACCOUNT},
    {"mbox_sha1sum": "ebd31e95054c018b10727ccffd2ef2ec3a016ee9", "name": "生成 花子"},
    {"openid": "https://id.example.jp/u/1"},
    {"objectType": "Group", "member": [{"mbox": "mailto:s01@example.ed.jp"}]},
    {"objectType": "Group", "account": ACCOUNT, "member": []},
    {"objectType": "Group", "account": ACCOUNT},
])
def test_valid_agents(agent: dict[str, Any]) -> None:
    assert validate_agent(agent, path="$.actor") == []


@pytest.mark.parametrize(("agent", "allow_group", "rule"), [
    ({"objectType": "Group", "member": [{"mbox": "mailto:s01@example.ed.jp"}]}, False, "actor.objectType"),
    ({"objectType": "Group"}, True, "group.ifi.count"),
    ({"objectType": "Group", "member": [{"objectType": "Group", "account": ACCOUNT}]}, True, "group.member.group"),
    ({"objectType": "Group", "member": [{"name": "x"}]}, True, "agent.ifi.count"),
    ({"mbox": "mailto:a@b.jp", "openid": "https://id.example.jp/u/1"}, True, "agent.ifi.count"),
    ("s01@example.ed.jp", True, "value.type"),
])
def test_invalid_agents(agent: Any, allow_group: bool, rule: str) -> None:
    assert rule in [p.rule for p in validate_agent(agent, allow_group=allow_group)]


def test_agent_ifi() -> None:
    assert agent_ifi({"mbox": "MAILTO:a@b.jp"}) == ("mbox", "mailto:a@b.jp")
    assert agent_ifi({"account": ACCOUNT}) == ("account", (ACCOUNT["homePage"], ACCOUNT["name"]))
    assert agent_ifi({"openid": "https://id.example.jp/u/1"}) == ("openid", "https://id.example.jp/u/1")
    assert agent_ifi({"mbox": "mailto:a@b.jp", "openid": "https://x.jp"}) is None
    assert agent_ifi({"name": "x"}) is None and agent_ifi("x") is None and agent_ifi({"account": "x"}) is None


def test_same_agent() -> None:
    assert same_agent({"mbox": "mailto:a@b.jp", "name": "A"}, {"objectType": "Agent", "mbox": "Mailto:a@b.jp"})
    assert not same_agent({"mbox": "mailto:a@b.jp"}, {"mbox": "mailto:A@b.jp"})
    assert not same_agent({"account": ACCOUNT}, {"objectType": "Group", "account": ACCOUNT})
    g1 = {"objectType": "Group", "member": [{"mbox": "mailto:a@b.jp"}, {"account": ACCOUNT}]}
    g2 = {"objectType": "Group", "member": [{"account": ACCOUNT}, {"mbox": "mailto:a@b.jp"}]}
    assert same_agent(g1, g2)
    assert not same_agent(g1, {"objectType": "Group", "member": [{"account": ACCOUNT}]})
    assert not same_agent({"name": "x"}, {"name": "x"}) and not same_agent(None, None)
