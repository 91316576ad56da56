"""Which statements a GET's filters select (Communication 2.1.3: ``agent``, ``verb``, ``activity``,
``registration``, ``related_agents``, ``related_activities``), and what a voiding statement voids.

The mock LRS answers GETs with these and the LRS checks use the same functions to judge a vendor's
answers, so "which statements should have come back" has one definition. Filters that need the
store (``since``/``until``, StatementRef targeting, voided statements) stay in the LRS.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from renkei.harness.xapi.model.agents import same_agent
from renkei.harness.xapi.model.values import VOIDED

_CONTEXT_ACTIVITY_KEYS = ("parent", "grouping", "category", "other")


def voided_target(statement: Any) -> str | None:
    """The id a voiding statement voids (lower-cased), or None if ``statement`` is not one."""
    if statement.__class__ is not dict:
        return None
    verb, obj = statement.get("verb"), statement.get("object")
    if verb.__class__ is not dict or verb.get("id") != VOIDED or obj.__class__ is not dict:
        return None
    target = obj.get("id")
    return target.lower() if obj.get("objectType") == "StatementRef" and target.__class__ is str else None


def _agents(st: dict[str, Any], related: bool) -> Iterator[Any]:
    yield st.get("actor")
    obj = st.get("object")
    yield obj
    if not related:
        return
    yield st.get("authority")
    context = st.get("context")
    if context.__class__ is dict:
        yield context.get("instructor")
        yield context.get("team")
    if obj.__class__ is dict and obj.get("objectType") == "SubStatement":
        yield from _agents(obj, True)


def _activity_ids(st: dict[str, Any], related: bool) -> Iterator[Any]:
    obj = st.get("object")
    if obj.__class__ is dict and obj.get("objectType", "Activity") == "Activity":
        yield obj.get("id")
    if not related:
        return
    context = st.get("context")
    ca = context.get("contextActivities") if context.__class__ is dict else None
    if ca.__class__ is dict:
        for key in _CONTEXT_ACTIVITY_KEYS:
            value = ca.get(key)
            for activity in value if value.__class__ is list else [value]:
                if activity.__class__ is dict:
                    yield activity.get("id")
    if obj.__class__ is dict and obj.get("objectType") == "SubStatement":
        yield from _activity_ids(obj, True)


def matches(statement: Any, *, agent: dict[str, Any] | None = None, verb: str | None = None,
            activity: str | None = None, registration: str | None = None, related_agents: bool = False,
            related_activities: bool = False) -> bool:
    """Whether ``statement`` passes every given filter. ``agent`` matches the actor or object by IFI
    (with ``related_agents`` also authority, instructor, team and a sub-statement's); ``activity``
    the object's id (with ``related_activities`` also contextActivities and a sub-statement's);
    ``registration`` compares UUIDs case-insensitively."""
    if statement.__class__ is not dict:
        return False
    if verb is not None:
        v = statement.get("verb")
        if v.__class__ is not dict or v.get("id") != verb:
            return False
    if registration is not None:
        context = statement.get("context")
        reg = context.get("registration") if context.__class__ is dict else None
        if reg.__class__ is not str or reg.lower() != registration.lower():
            return False
    if activity is not None and activity not in _activity_ids(statement, related_activities):
        return False
    return agent is None or any(same_agent(agent, a) for a in _agents(statement, related_agents))
