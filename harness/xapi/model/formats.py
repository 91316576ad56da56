"""The ``format`` parameter of GET statements (Communication §2.1.3): ``exact``, ``ids``, ``canonical``.

The mock LRS answers with these and the LRS checks compare a vendor's answer with them, so both
read one definition:

- ``exact``: the statement as stored;
- ``ids``: Agents and identified Groups reduced to their IFI (anonymous Groups to their members'
  IFIs), Activities to their ``id``, Verbs to their ``id``;
- ``canonical``: every language map of Verbs and Activity definitions reduced to one entry, the
  first of ``languages`` (the request's Accept-Language, in preference order) the map has; a map
  with none of them keeps its first entry. Agents stay as in ``exact``.
"""

from __future__ import annotations

from typing import Any, Literal

from renkei.harness.xapi.model.agents import IFIS

Format = Literal["exact", "ids", "canonical"]
FORMATS: tuple[Format, ...] = ("exact", "ids", "canonical")
_AGENT_KEYS = ("actor", "authority")
_CONTEXT_AGENT_KEYS = ("instructor", "team")
_COMPONENTS = ("choices", "scale", "source", "target", "steps")


def _agent_ids(agent: Any) -> Any:
    if agent.__class__ is not dict:
        return agent
    out: dict[str, Any] = {k: agent[k] for k in ("objectType", *IFIS) if k in agent}
    if not any(k in agent for k in IFIS) and agent.get("member").__class__ is list:
        out["member"] = [_agent_ids(m) for m in agent["member"]]
    return out


def _activity_ids(activity: Any) -> Any:
    if activity.__class__ is not dict:
        return activity
    return {k: activity[k] for k in ("objectType", "id") if k in activity}


def _object_ids(obj: Any) -> Any:
    if obj.__class__ is not dict:
        return obj
    kind = obj.get("objectType", "Activity")
    if kind == "Activity":
        return _activity_ids(obj)
    if kind in ("Agent", "Group"):
        return _agent_ids(obj)
    if kind == "SubStatement":
        return _ids(obj)
    return obj


def _ids(st: dict[str, Any]) -> dict[str, Any]:
    out = dict(st)
    for key in _AGENT_KEYS:
        if key in out:
            out[key] = _agent_ids(out[key])
    if out.get("verb").__class__ is dict:
        out["verb"] = {k: v for k, v in out["verb"].items() if k == "id"}
    if "object" in out:
        out["object"] = _object_ids(out["object"])
    context = out.get("context")
    if context.__class__ is dict:
        context = dict(context)
        for key in _CONTEXT_AGENT_KEYS:
            if key in context:
                context[key] = _agent_ids(context[key])
        ca = context.get("contextActivities")
        if ca.__class__ is dict:
            context["contextActivities"] = {
                k: [_activity_ids(a) for a in v] if v.__class__ is list else _activity_ids(v) for k, v in ca.items()}
        for key, inner in (("contextAgents", "agent"), ("contextGroups", "group")):
            if context.get(key).__class__ is list:
                context[key] = [{**item, inner: _agent_ids(item[inner])} if item.__class__ is dict and inner in item
                                else item for item in context[key]]
        out["context"] = context
    return out


def pick_language(langmap: dict[str, Any], languages: list[str]) -> dict[str, Any]:
    """The one entry of ``langmap`` the reader prefers: an exact tag match first, then a primary-tag
    match (``ja`` for ``ja-JP`` and back), in ``languages`` order (``*`` accepts any)."""
    if len(langmap) <= 1:
        return dict(langmap)
    lowered = {k.lower(): k for k in langmap if k.__class__ is str}
    for wanted in languages:
        w = wanted.strip().lower()
        if w == "*":
            break
        if w in lowered:
            key = lowered[w]
            return {key: langmap[key]}
        primary = w.split("-")[0]
        for low, key in lowered.items():
            if low.split("-")[0] == primary:
                return {key: langmap[key]}
    key = next(iter(langmap))
    return {key: langmap[key]}


def _canonical_definition(definition: dict[str, Any], languages: list[str]) -> dict[str, Any]:
    out = dict(definition)
    for key in ("name", "description"):
        if out.get(key).__class__ is dict:
            out[key] = pick_language(out[key], languages)
    for key in _COMPONENTS:
        if out.get(key).__class__ is list:
            out[key] = [{**c, "description": pick_language(c["description"], languages)}
                        if c.__class__ is dict and c.get("description").__class__ is dict else c for c in out[key]]
    return out


def _canonical_activity(activity: Any, languages: list[str]) -> Any:
    if activity.__class__ is dict and activity.get("definition").__class__ is dict:
        return {**activity, "definition": _canonical_definition(activity["definition"], languages)}
    return activity


def _canonical(st: dict[str, Any], languages: list[str]) -> dict[str, Any]:
    out = dict(st)
    verb = out.get("verb")
    if verb.__class__ is dict and verb.get("display").__class__ is dict:
        out["verb"] = {**verb, "display": pick_language(verb["display"], languages)}
    obj = out.get("object")
    if obj.__class__ is dict:
        kind = obj.get("objectType", "Activity")
        if kind == "Activity":
            out["object"] = _canonical_activity(obj, languages)
        elif kind == "SubStatement":
            out["object"] = _canonical(obj, languages)
    context = out.get("context")
    if context.__class__ is dict and context.get("contextActivities").__class__ is dict:
        ca = context["contextActivities"]
        out["context"] = {**context, "contextActivities": {
            k: [_canonical_activity(a, languages) for a in v] if v.__class__ is list
            else _canonical_activity(v, languages) for k, v in ca.items()}}
    return out


def prepare(statement: dict[str, Any], fmt: Format, languages: list[str] | None = None) -> dict[str, Any]:
    """``statement`` as a GET with ``format=fmt`` returns it. The input is never modified; the result
    shares the parts it does not change with it (copy before mutating either)."""
    if statement.__class__ is not dict:
        return statement
    if fmt == "ids":
        return _ids(statement)
    if fmt == "canonical":
        return _canonical(statement, list(languages or []))
    return dict(statement)
