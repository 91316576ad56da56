"""What the store indexes of a statement, so that every query filter is an index lookup in SQLite.

A statement is kept as its JSON document; beside it the store keeps the verb, the registration, the
statement it targets (a StatementRef object: voiding, or the "targets a matching statement" rule of
Communication 2.1.3), and the agents and activities it mentions, each flagged as *direct* (actor or
object: the ``agent`` / ``activity`` filters) or *related* (the rest, for ``related_agents`` /
``related_activities``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

VOIDED = "http://adlnet.gov/expapi/verbs/voided"
DIRECT, RELATED = 0, 1


def agent_key(agent: Any) -> str | None:
    """The one string an Agent or identified Group is looked up by (its IFI), None without one.

    Data 2.4.2.3: an Agent is identified by exactly one of mbox, mbox_sha1sum, openid or account; the
    statement was validated before it is indexed, so the first IFI present is the only one.
    """
    if not isinstance(agent, dict):
        return None
    for name in ("mbox", "mbox_sha1sum", "openid"):
        value = agent.get(name)
        if isinstance(value, str):
            return f"{name}|{value.lower() if name == 'mbox' else value}"
    account = agent.get("account")
    if isinstance(account, dict) and isinstance(account.get("homePage"), str) and isinstance(account.get("name"), str):
        return f"account|{account['homePage']}|{account['name']}"
    return None


@dataclass
class Indexed:
    verb: str | None = None
    registration: str | None = None
    target: str | None = None  # the id of the statement a StatementRef object points at
    voiding: bool = False
    agents: set[tuple[str, int]] = field(default_factory=set)
    activities: set[tuple[str, int]] = field(default_factory=set)
    definitions: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (activity id, definition)


def _agents_in(value: Any) -> Iterator[str]:
    """An agent or group's own key and its members' keys."""
    if not isinstance(value, dict):
        return
    key = agent_key(value)
    if key:
        yield key
    members = value.get("member")
    if isinstance(members, list):
        for member in members:
            key = agent_key(member)
            if key:
                yield key


def _context_agents(context: dict[str, Any]) -> Iterator[str]:
    for name in ("instructor", "team"):
        yield from _agents_in(context.get(name))
    for name, inner in (("contextAgents", "agent"), ("contextGroups", "group")):  # 2.0
        entries = context.get(name)
        if isinstance(entries, list):
            for entry in entries:
                if isinstance(entry, dict):
                    yield from _agents_in(entry.get(inner))


def _context_activities(context: dict[str, Any]) -> Iterator[dict[str, Any]]:
    groups = context.get("contextActivities")
    if isinstance(groups, dict):
        for value in groups.values():
            for activity in value if isinstance(value, list) else [value]:
                if isinstance(activity, dict):
                    yield activity


def derive(statement: dict[str, Any]) -> Indexed:
    out = Indexed()
    verb = statement.get("verb")
    out.verb = verb.get("id") if isinstance(verb, dict) else None
    obj = statement.get("object")
    obj = obj if isinstance(obj, dict) else {}
    kind = obj.get("objectType", "Activity")
    if kind == "StatementRef" and isinstance(obj.get("id"), str):
        out.target = obj["id"].lower()
        out.voiding = out.verb == VOIDED
    _walk(statement, out, top=True)
    context = statement.get("context")
    if isinstance(context, dict) and isinstance(context.get("registration"), str):
        out.registration = context["registration"].lower()
    for key in _agents_in(statement.get("authority")):
        out.agents.add((key, RELATED))
    return out


def _walk(statement: dict[str, Any], out: Indexed, *, top: bool) -> None:
    """Actor, object and context of a statement or of its sub-statement (whose parts are all related)."""
    direct = DIRECT if top else RELATED
    for i, key in enumerate(_agents_in(statement.get("actor"))):
        out.agents.add((key, direct if i == 0 else RELATED))
    obj = statement.get("object")
    if isinstance(obj, dict):
        kind = obj.get("objectType", "Activity")
        if kind == "Activity" and isinstance(obj.get("id"), str):
            out.activities.add((obj["id"], direct))
            if isinstance(obj.get("definition"), dict):
                out.definitions.append((obj["id"], obj["definition"]))
        elif kind in ("Agent", "Group"):
            for i, key in enumerate(_agents_in(obj)):
                out.agents.add((key, direct if i == 0 else RELATED))
        elif kind == "SubStatement" and top:
            _walk(obj, out, top=False)
    context = statement.get("context")
    if isinstance(context, dict):
        for key in _context_agents(context):
            out.agents.add((key, RELATED))
        for activity in _context_activities(context):
            if isinstance(activity.get("id"), str):
                out.activities.add((activity["id"], RELATED))
                if isinstance(activity.get("definition"), dict):
                    out.definitions.append((activity["id"], activity["definition"]))
