"""Agents, Groups and their Inverse Functional Identifiers (Data §2.4.2).

The identity that ties renkei's chain together ends here: a learner's UUID becomes
``actor.account.name``. ``agent_ifi`` / ``same_agent`` are what the LRS uses to match the ``agent``
filter and what statement comparison uses, so both follow one normalisation (the ``mailto:`` scheme is
case-insensitive; nothing else is folded).
"""

from __future__ import annotations

from typing import Any

from renkei.harness.xapi.model import values as V
from renkei.harness.xapi.model.problems import Problem
from renkei.harness.xapi.model.rules import child, problem
from renkei.harness.xapi.model.versions import Version

IFIS = ("mbox", "mbox_sha1sum", "openid", "account")
_AGENT_KEYS = frozenset({"objectType", "name", *IFIS})
_GROUP_KEYS = frozenset({*_AGENT_KEYS, "member"})
_ACCOUNT_KEYS = frozenset({"homePage", "name"})


def type_problem(out: list[Problem], path: str, value: Any, rule: str = "value.type") -> None:
    """A value of the wrong JSON type: ``value.null`` for null (XAPI-00001), else ``rule``."""
    out.append(problem("value.null" if value is None else rule, path, value))


def unknown_keys(out: list[Problem], path: str, obj: dict[str, Any], allowed: frozenset[str]) -> None:
    for key in obj:
        if key not in allowed:
            out.append(problem("property.unknown", child(path, key), key))


def _account(out: list[Problem], path: str, account: Any) -> None:
    if account.__class__ is not dict:
        type_problem(out, path, account, "agent.account")
        return
    if not _ACCOUNT_KEYS.issuperset(account):
        unknown_keys(out, path, account, _ACCOUNT_KEYS)
    home = account.get("homePage")
    if not V.is_irl(home):
        out.append(problem("agent.account.homePage", f"{path}.homePage", *(() if home is None else (home,))))
    name = account.get("name")
    if name.__class__ is not str or not name:
        out.append(problem("agent.account.name", f"{path}.name", *(() if name is None else (name,))))


def _ifis(out: list[Problem], path: str, agent: dict[str, Any]) -> int:
    """Judge each IFI present; return how many there are."""
    count = 0
    if "mbox" in agent:
        count += 1
        if not V.is_mbox(agent["mbox"]):
            out.append(problem("agent.mbox", f"{path}.mbox", agent["mbox"]))
    if "mbox_sha1sum" in agent:
        count += 1
        if not V.is_sha1_hex(agent["mbox_sha1sum"]):
            out.append(problem("agent.mbox_sha1sum", f"{path}.mbox_sha1sum", agent["mbox_sha1sum"]))
    if "openid" in agent:
        count += 1
        if not V.is_uri(agent["openid"]):
            out.append(problem("agent.openid", f"{path}.openid", agent["openid"]))
    if "account" in agent:
        count += 1
        _account(out, f"{path}.account", agent["account"])
    return count


def check_agent(out: list[Problem], path: str, agent: Any, *, allow_group: bool = True,
                type_rule: str = "value.type", object_type_rule: str = "actor.objectType",
                in_member: bool = False) -> str | None:
    """Append the problems of an Agent or Group at ``path``; return its objectType ("Agent" or
    "Group") when it is an object, else None. ``type_rule`` names the failure when it is not even an
    object (e.g. ``context.instructor``); ``object_type_rule`` a bad or disallowed objectType."""
    if agent.__class__ is not dict:
        type_problem(out, path, agent, type_rule)
        return None
    kind = agent.get("objectType", "Agent")
    if kind == "Agent":
        if not _AGENT_KEYS.issuperset(agent):
            if "member" in agent:
                out.append(problem("agent.member", f"{path}.member"))
            unknown_keys(out, path, agent, _GROUP_KEYS)
    elif kind == "Group" and allow_group and not in_member:
        if not _GROUP_KEYS.issuperset(agent):
            unknown_keys(out, path, agent, _GROUP_KEYS)
    elif kind is None:
        out.append(problem("value.null", f"{path}.objectType"))
        return None
    else:
        rule = "group.member.group" if in_member and kind == "Group" else object_type_rule
        out.append(problem(rule, f"{path}.objectType", kind))
        return None
    if "name" in agent and agent["name"].__class__ is not str:
        type_problem(out, f"{path}.name", agent["name"], "agent.name")
    count = _ifis(out, path, agent)
    if kind == "Agent":
        if count != 1:
            out.append(problem("agent.ifi.count", path, count))
        return kind
    members = agent.get("member")
    if members is not None or "member" in agent:
        if members.__class__ is not list:
            type_problem(out, f"{path}.member", members, "group.member.type")
        else:
            for i, member in enumerate(members):
                check_agent(out, f"{path}.member[{i}]", member, allow_group=False, type_rule="group.member.type",
                            object_type_rule="group.member.type", in_member=True)
    if count > 1 or (count == 0 and (members.__class__ is not list or not members)):
        out.append(problem("group.ifi.count", path, count))
    return kind


def validate_agent(value: Any, version: Version = "1.0.3", path: str = "$", *,
                   allow_group: bool = True) -> list[Problem]:
    """Every Data §2.4.2 problem of an Agent (or, with ``allow_group``, a Group) at ``path``.

    ``version`` is accepted for symmetry with the statement validator; the Agent rules are the same
    in 1.0.3 and 2.0.
    """
    out: list[Problem] = []
    check_agent(out, path, value, allow_group=allow_group)
    return out


def _mbox_key(mbox: str) -> str:
    scheme, _, rest = mbox.partition(":")
    return f"{scheme.lower()}:{rest}"


def agent_ifi(agent: Any) -> tuple[str, Any] | None:
    """``(ifi, value)`` of an Agent or identified Group with exactly one IFI, else None; an account
    is ``("account", (homePage, name))``, an mbox's scheme is lower-cased."""
    if agent.__class__ is not dict:
        return None
    found = [k for k in IFIS if k in agent]
    if len(found) != 1:
        return None
    key = found[0]
    value = agent[key]
    if key == "account":
        if value.__class__ is not dict:
            return None
        return key, (value.get("homePage"), value.get("name"))
    if key == "mbox" and value.__class__ is str:
        return key, _mbox_key(value)
    return key, value


def _identity(agent: Any) -> tuple[Any, ...] | None:
    ifi = agent_ifi(agent)
    if ifi is not None:
        return ifi
    if agent.__class__ is dict and agent.get("objectType") == "Group" and agent.get("member").__class__ is list:
        members = [agent_ifi(m) for m in agent["member"]]
        if None not in members:
            return ("member", tuple(sorted(members, key=repr)))
    return None


def same_agent(a: Any, b: Any) -> bool:
    """Whether two Agents/Groups are the same by IFI (an anonymous Group by its members' IFIs),
    and are the same kind (an Agent is never the same as a Group with the same IFI)."""
    if a.__class__ is not dict or b.__class__ is not dict:
        return False
    if a.get("objectType", "Agent") != b.get("objectType", "Agent"):
        return False
    ia, ib = _identity(a), _identity(b)
    return ia is not None and ia == ib
