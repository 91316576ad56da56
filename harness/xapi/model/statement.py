"""Every xAPI Data rule on one statement (1.0.3 Data §2.2–§2.4, §4; 2.0 deltas gated on ``version``).

Written for speed as plain functions over ``json.loads`` output: the mock LRS judges every POST and
the statements profile judges whole files, so the valid path costs a few dict look-ups and
pre-compiled regex matches per field, with no intermediate models. Nothing here raises on any input;
every broken rule is a ``Problem`` at a JSONPath-like location.
"""

from __future__ import annotations

from typing import Any

from renkei.harness.xapi.model import values as V
from renkei.harness.xapi.model.agents import check_agent, type_problem, unknown_keys
from renkei.harness.xapi.model.members import (
    ACTIVITY,
    ATTACHMENT,
    COMPONENT,
    COMPONENT_LISTS,
    CONTEXT_1,
    CONTEXT_ACTIVITIES,
    DEFINITION,
    INTERACTION_TYPES,
    REF,
    RESULT,
    SCORE,
    SUB,
    TOP,
    VERB,
)
from renkei.harness.xapi.model.problems import Problem
from renkei.harness.xapi.model.quick import surely_valid
from renkei.harness.xapi.model.rules import child, problem
from renkei.harness.xapi.model.versions import Version

MAX_BATCH = 100_000  # statements judged in one body; the rest is one problem, not a long walk


_SUB_FORBIDDEN = (("id", "substatement.id"), ("stored", "substatement.stored"),
                  ("version", "substatement.version"), ("authority", "substatement.authority"))
_CONTEXT_2 = CONTEXT_1 | {"contextAgents", "contextGroups"}
_CONTEXT_AGENT = frozenset({"objectType", "agent", "relevantTypes"})
_CONTEXT_GROUP = frozenset({"objectType", "group", "relevantTypes"})
_OBJECT_TYPES = frozenset({"Activity", "Agent", "Group", "StatementRef", "SubStatement"})


class _Ctx:
    """What a rule needs besides the value: the version line and who sent the statement."""

    __slots__ = ("v2", "version", "sent_by_lrp")

    def __init__(self, version: Version, sent_by_lrp: bool) -> None:
        self.version = version
        self.v2 = version.startswith("2.")
        self.sent_by_lrp = sent_by_lrp


def _seen(value: Any) -> tuple[Any, ...]:
    return () if value is None else (value,)


def language_map(out: list[Problem], path: str, value: Any, rule: str) -> None:
    """A language map: a non-empty object of RFC 5646 tag -> string (Data §4.2)."""
    if value.__class__ is not dict:
        type_problem(out, path, value, rule)
        return
    if not value:
        out.append(problem("value.empty", path))
        return
    for tag, text in value.items():
        if not V.is_language_tag(tag):
            out.append(problem("languagemap.key", child(path, tag), tag))
        if text.__class__ is not str:
            type_problem(out, child(path, tag), text, "languagemap.type")


def extensions(out: list[Problem], path: str, value: Any) -> None:
    """Extensions: an object whose keys are IRIs; values are never judged (XAPI-00119)."""
    if value.__class__ is not dict:
        type_problem(out, path, value, "extensions.type")
        return
    for key in value:
        if not V.is_iri(key):
            out.append(problem("extensions.key", child(path, key), key))


def _iri(out: list[Problem], path: str, value: Any, rule: str) -> None:
    if not V.is_iri(value):
        out.append(problem("value.null" if value is None else rule, path, *_seen(value)))


def _timestamp(out: list[Problem], path: str, value: Any, ctx: _Ctx) -> None:
    if value.__class__ is not str:
        type_problem(out, path, value, "timestamp.format")
        return
    parsed, zone = V.read_timestamp(value)
    if parsed is None:
        out.append(problem("timestamp.format", path, value))
    elif V.is_negative_zero(zone):
        out.append(problem("timestamp.negative_zero", path, value))
    elif ctx.v2 and not V.is_rfc3339(value):
        out.append(problem("timestamp.rfc3339", path, value))
    elif not zone:
        out.append(problem("timestamp.timezone", path, value))


def _verb(out: list[Problem], path: str, verb: Any) -> str | None:
    if verb.__class__ is not dict:
        type_problem(out, path, verb)
        return None
    if not VERB.issuperset(verb):
        unknown_keys(out, path, verb, VERB)
    vid = verb.get("id")
    if not V.is_iri(vid):
        out.append(problem("verb.id", f"{path}.id", *_seen(vid)))
    if "display" in verb:
        language_map(out, f"{path}.display", verb["display"], "verb.display")
    return vid if vid.__class__ is str else None


def _components(out: list[Problem], path: str, key: str, items: Any) -> None:
    rule = f"definition.{key}"
    if items.__class__ is not list:
        type_problem(out, path, items, rule)
        return
    ids: set[str] = set()
    for i, comp in enumerate(items):
        cpath = f"{path}[{i}]"
        if comp.__class__ is not dict:
            type_problem(out, cpath, comp, rule)
            continue
        if not COMPONENT.issuperset(comp):
            unknown_keys(out, cpath, comp, COMPONENT)
        cid = comp.get("id")
        if cid.__class__ is not str or not cid or cid in ids:
            out.append(problem("definition.component.id", f"{cpath}.id", *_seen(cid)))
        else:
            ids.add(cid)
        if "description" in comp:
            language_map(out, f"{cpath}.description", comp["description"], "definition.component.description")


def _definition(out: list[Problem], path: str, d: Any) -> None:
    if d.__class__ is not dict:
        type_problem(out, path, d)
        return
    if not d:
        out.append(problem("value.empty", path))
        return
    if not DEFINITION.issuperset(d):
        unknown_keys(out, path, d, DEFINITION)
    if "name" in d:
        language_map(out, f"{path}.name", d["name"], "definition.name")
    if "description" in d:
        language_map(out, f"{path}.description", d["description"], "definition.description")
    if "type" in d:
        _iri(out, f"{path}.type", d["type"], "definition.type")
    if "moreInfo" in d and not V.is_irl(d["moreInfo"]):
        out.append(problem("definition.moreInfo", f"{path}.moreInfo", d["moreInfo"]))
    if "extensions" in d:
        extensions(out, f"{path}.extensions", d["extensions"])
    if "interactionType" in d and d["interactionType"] not in INTERACTION_TYPES:
        out.append(problem("definition.interactionType", f"{path}.interactionType", d["interactionType"]))
    if "correctResponsesPattern" in d:
        crp = d["correctResponsesPattern"]
        if crp.__class__ is not list or any(s.__class__ is not str for s in crp):
            out.append(problem("definition.correctResponsesPattern", f"{path}.correctResponsesPattern",
                               *_seen(crp)))
        if "interactionType" not in d:
            out.append(problem("definition.correctResponsesPattern.interactionType", path))
    for key in COMPONENT_LISTS:
        if key in d:
            _components(out, f"{path}.{key}", key, d[key])


def _activity(out: list[Problem], path: str, obj: dict[str, Any]) -> None:
    if not ACTIVITY.issuperset(obj):
        unknown_keys(out, path, obj, ACTIVITY)
    aid = obj.get("id")
    if not V.is_iri(aid):
        out.append(problem("activity.id", f"{path}.id", *_seen(aid)))
    if "definition" in obj:
        _definition(out, f"{path}.definition", obj["definition"])


def _statement_ref(out: list[Problem], path: str, obj: Any, rule: str = "statementref.id") -> None:
    if obj.__class__ is not dict:
        type_problem(out, path, obj, rule)
        return
    if obj.get("objectType") != "StatementRef":
        out.append(problem(rule, f"{path}.objectType", *_seen(obj.get("objectType"))))
    if not REF.issuperset(obj):
        unknown_keys(out, path, obj, REF)
    if not V.is_uuid(obj.get("id")):
        out.append(problem("statementref.id", f"{path}.id", *_seen(obj.get("id"))))


def _object(out: list[Problem], path: str, obj: Any, ctx: _Ctx, in_sub: bool) -> str | None:
    """Judge the object; return its objectType (``Activity`` when absent) or None if unusable."""
    if obj.__class__ is not dict:
        type_problem(out, path, obj)
        return None
    kind = obj.get("objectType", "Activity")
    if kind == "Activity":
        if "objectType" not in obj and "id" not in obj and any(k in obj for k in ("mbox", "mbox_sha1sum",
                                                                                   "openid", "account", "member")):
            out.append(problem("object.agent.objectType", f"{path}.objectType"))
            return None
        _activity(out, path, obj)
    elif kind == "Agent" or kind == "Group":
        check_agent(out, path, obj)
    elif kind == "StatementRef":
        _statement_ref(out, path, obj)
    elif kind == "SubStatement":
        if in_sub:
            out.append(problem("substatement.nested", f"{path}.objectType", kind))
            return None
        _statement(out, path, obj, ctx, in_sub=True)
    else:
        out.append(problem("object.objectType", f"{path}.objectType", *_seen(kind)))
        return None
    return kind


def _result(out: list[Problem], path: str, r: Any) -> None:
    if r.__class__ is not dict:
        type_problem(out, path, r)
        return
    if not r:
        out.append(problem("value.empty", path))
        return
    if not RESULT.issuperset(r):
        unknown_keys(out, path, r, RESULT)
    if "success" in r and r["success"].__class__ is not bool:
        type_problem(out, f"{path}.success", r["success"], "result.success")
    if "completion" in r and r["completion"].__class__ is not bool:
        type_problem(out, f"{path}.completion", r["completion"], "result.completion")
    if "response" in r and r["response"].__class__ is not str:
        type_problem(out, f"{path}.response", r["response"], "result.response")
    if "duration" in r and not V.is_duration(r["duration"]):
        type_problem(out, f"{path}.duration", r["duration"], "result.duration")
    if "extensions" in r:
        extensions(out, f"{path}.extensions", r["extensions"])
    if "score" in r:
        _score(out, f"{path}.score", r["score"])


def _score(out: list[Problem], path: str, s: Any) -> None:
    if s.__class__ is not dict:
        type_problem(out, path, s, "score.type")
        return
    if not s:
        out.append(problem("value.empty", path))
        return
    if not SCORE.issuperset(s):
        unknown_keys(out, path, s, SCORE)
    nums: dict[str, float] = {}
    for key in ("scaled", "raw", "min", "max"):
        if key in s:
            if V.is_number(s[key]):
                nums[key] = s[key]
            else:
                type_problem(out, f"{path}.{key}", s[key], "score.number")
    if "scaled" in nums and not -1 <= nums["scaled"] <= 1:
        out.append(problem("score.scaled", f"{path}.scaled", nums["scaled"]))
    lo, hi = nums.get("min"), nums.get("max")
    if lo is not None and hi is not None and not lo < hi:
        out.append(problem("score.min_max", f"{path}.min", lo))
    raw = nums.get("raw")
    if raw is not None and ((lo is not None and raw < lo) or (hi is not None and raw > hi)):
        out.append(problem("score.raw", f"{path}.raw", raw))


def _context_activities(out: list[Problem], path: str, ca: Any, ctx: _Ctx) -> None:
    if ca.__class__ is not dict:
        type_problem(out, path, ca, "context.contextActivities")
        return
    if not ca:
        out.append(problem("value.empty", path))
        return
    for key, value in ca.items():
        kpath = child(path, key)
        if key not in CONTEXT_ACTIVITIES:
            out.append(problem("context.contextActivities", kpath, key))
            continue
        if value.__class__ is dict:  # a single Activity: allowed as sent (1.0.3 and 9274.1.1 4.2.2.5)
            if not ctx.sent_by_lrp:
                out.append(problem("lrs.contextActivities.array", kpath))
            _context_activity(out, kpath, value)
        elif value.__class__ is list:
            for i, item in enumerate(value):
                _context_activity(out, f"{kpath}[{i}]", item)
        else:
            type_problem(out, kpath, value, "context.contextActivities.value")


def _context_activity(out: list[Problem], path: str, item: Any) -> None:
    if item.__class__ is not dict or item.get("objectType", "Activity") != "Activity":
        type_problem(out, path, item, "context.contextActivities.value")
        return
    _activity(out, path, item)


def _relevant_types(out: list[Problem], path: str, value: Any, rule: str) -> None:
    if value.__class__ is not list or not value:
        type_problem(out, path, value, rule)
        return
    for i, iri in enumerate(value):
        if not V.is_iri(iri):
            out.append(problem(rule, f"{path}[{i}]", *_seen(iri)))


def _context_agents(out: list[Problem], path: str, value: Any, group: bool) -> None:
    rule, kind, key, allowed = (("context.contextGroups", "contextGroup", "group", _CONTEXT_GROUP) if group
                                else ("context.contextAgents", "contextAgent", "agent", _CONTEXT_AGENT))
    if value.__class__ is not list:
        type_problem(out, path, value, rule)
        return
    for i, item in enumerate(value):
        ipath = f"{path}[{i}]"
        if item.__class__ is not dict:
            type_problem(out, ipath, item, rule)
            continue
        if not allowed.issuperset(item):
            unknown_keys(out, ipath, item, allowed)
        if item.get("objectType") != kind:
            out.append(problem(rule, f"{ipath}.objectType", *_seen(item.get("objectType"))))
        if key not in item:
            out.append(problem(rule, f"{ipath}.{key}"))
        elif group:
            g = item[key]
            if g.__class__ is dict and g.get("objectType") != "Group":
                out.append(problem(rule, f"{ipath}.group.objectType", *_seen(g.get("objectType"))))
            else:
                check_agent(out, f"{ipath}.group", g, type_rule=rule, object_type_rule=rule)
        else:
            check_agent(out, f"{ipath}.agent", item[key], allow_group=False, type_rule=rule, object_type_rule=rule)
        if "relevantTypes" in item:
            _relevant_types(out, f"{ipath}.relevantTypes", item["relevantTypes"], rule)


def _context(out: list[Problem], path: str, c: Any, ctx: _Ctx, object_kind: str | None) -> None:
    if c.__class__ is not dict:
        type_problem(out, path, c)
        return
    if not c:
        out.append(problem("value.empty", path))
        return
    allowed = _CONTEXT_2 if ctx.v2 else CONTEXT_1
    if not allowed.issuperset(c):
        unknown_keys(out, path, c, allowed)
    if "registration" in c and not V.is_uuid(c["registration"]):
        type_problem(out, f"{path}.registration", c["registration"], "context.registration")
    if "instructor" in c:
        check_agent(out, f"{path}.instructor", c["instructor"], type_rule="context.instructor",
                    object_type_rule="context.instructor")
    if "team" in c:
        team = c["team"]
        if team.__class__ is dict and team.get("objectType") != "Group":
            out.append(problem("context.team", f"{path}.team.objectType", *_seen(team.get("objectType"))))
        else:
            check_agent(out, f"{path}.team", team, type_rule="context.team", object_type_rule="context.team")
    if "contextActivities" in c:
        _context_activities(out, f"{path}.contextActivities", c["contextActivities"], ctx)
    for key in ("revision", "platform"):
        if key in c:
            if c[key].__class__ is not str:
                type_problem(out, f"{path}.{key}", c[key])
            if object_kind is not None and object_kind != "Activity":
                out.append(problem(f"context.{key}", f"{path}.{key}", object_kind))
    if "language" in c and not V.is_language_tag(c["language"]):
        type_problem(out, f"{path}.language", c["language"], "context.language")
    if "statement" in c:
        _statement_ref(out, f"{path}.statement", c["statement"], "context.statement")
    if "extensions" in c:
        extensions(out, f"{path}.extensions", c["extensions"])
    if ctx.v2:
        if "contextAgents" in c:
            _context_agents(out, f"{path}.contextAgents", c["contextAgents"], group=False)
        if "contextGroups" in c:
            _context_agents(out, f"{path}.contextGroups", c["contextGroups"], group=True)


def _attachments(out: list[Problem], path: str, items: Any) -> None:
    if items.__class__ is not list:
        type_problem(out, path, items, "attachments.type")
        return
    for i, a in enumerate(items):
        apath = f"{path}[{i}]"
        if a.__class__ is not dict:
            type_problem(out, apath, a, "attachments.type")
            continue
        if not ATTACHMENT.issuperset(a):
            unknown_keys(out, apath, a, ATTACHMENT)
        if not V.is_iri(a.get("usageType")):
            out.append(problem("attachment.usageType", f"{apath}.usageType", *_seen(a.get("usageType"))))
        if "display" in a:
            language_map(out, f"{apath}.display", a["display"], "attachment.display")
        else:
            out.append(problem("attachment.display", f"{apath}.display"))
        if "description" in a:
            language_map(out, f"{apath}.description", a["description"], "attachment.description")
        if not V.is_media_type(a.get("contentType")):
            out.append(problem("attachment.contentType", f"{apath}.contentType", *_seen(a.get("contentType"))))
        length = a.get("length")
        if length.__class__ is not int or length < 0:
            out.append(problem("attachment.length", f"{apath}.length", *_seen(length)))
        if not V.is_sha2_hex(a.get("sha2")):
            out.append(problem("attachment.sha2", f"{apath}.sha2", *_seen(a.get("sha2"))))
        if "fileUrl" in a and not V.is_irl(a["fileUrl"]):
            out.append(problem("attachment.fileUrl", f"{apath}.fileUrl", a["fileUrl"]))


def _authority(out: list[Problem], path: str, auth: Any) -> None:
    kind = check_agent(out, path, auth, type_rule="authority.type", object_type_rule="authority.type")
    if kind == "Group":
        members = auth.get("member")
        if members.__class__ is not list or len(members) != 2:
            out.append(problem("authority.group", f"{path}.member", len(members) if members.__class__ is list
                               else members))


def _version(out: list[Problem], path: str, value: Any, ctx: _Ctx) -> None:
    ok = value.__class__ is str and (value == "1.0" or value.startswith("1.0.") and value[4:].isdigit()
                                     or ctx.v2 and (value == "2.0" or value.startswith("2.0.")
                                                    and value[4:].isdigit()))
    if not ok:
        out.append(problem("statement.version", path, value, version=ctx.version))


def _statement(out: list[Problem], path: str, st: dict[str, Any], ctx: _Ctx, in_sub: bool) -> None:
    if in_sub:
        for key, rule in _SUB_FORBIDDEN:
            if key in st:
                out.append(problem(rule, f"{path}.{key}"))
        allowed = SUB
    else:
        allowed = TOP
    if not allowed.issuperset(st):
        unknown_keys(out, path, st, allowed | {k for k, _ in _SUB_FORBIDDEN} if in_sub else allowed)
    if not in_sub and "id" in st:
        if st["id"].__class__ is not str:
            type_problem(out, f"{path}.id", st["id"])
        elif not V.is_uuid(st["id"]):
            out.append(problem("statement.id", f"{path}.id", st["id"]))
    if "actor" in st:
        check_agent(out, f"{path}.actor", st["actor"])
    else:
        out.append(problem("statement.actor.required", path))
    verb_id = None
    if "verb" in st:
        verb_id = _verb(out, f"{path}.verb", st["verb"])
    else:
        out.append(problem("statement.verb.required", path))
    kind = None
    if "object" in st:
        kind = _object(out, f"{path}.object", st["object"], ctx, in_sub)
        if verb_id == V.VOIDED and not in_sub and kind != "StatementRef":
            out.append(problem("voiding.object", f"{path}.object", *_seen(kind)))
    else:
        out.append(problem("statement.object.required", path))
    if "result" in st:
        _result(out, f"{path}.result", st["result"])
    if "context" in st:
        _context(out, f"{path}.context", st["context"], ctx, kind)
    if "timestamp" in st:
        _timestamp(out, f"{path}.timestamp", st["timestamp"], ctx)
    if "attachments" in st:
        _attachments(out, f"{path}.attachments", st["attachments"])
    if in_sub:
        return
    if "stored" in st:
        _timestamp(out, f"{path}.stored", st["stored"], ctx)
    if "authority" in st:
        _authority(out, f"{path}.authority", st["authority"])
    if "version" in st:
        _version(out, f"{path}.version", st["version"], ctx)
    if not ctx.sent_by_lrp:
        for key in ("id", "stored", "authority"):
            if key not in st:
                out.append(problem(f"lrs.{key}", path))


def _ctx(version: Any, sent_by_lrp: bool) -> _Ctx:
    return _Ctx(version if version in ("1.0.3", "2.0.0") else "1.0.3", sent_by_lrp)


def validate_statement(statement: Any, version: Version = "1.0.3", *, path: str = "$",
                       sent_by_lrp: bool = True) -> list[Problem]:
    """Every Data rule ``statement`` breaks, as located ``Problem``s (empty when it is valid).

    ``sent_by_lrp=True`` judges the statement as a Learning Record Provider sends it (``id``,
    ``stored``, ``authority`` optional, and judged only if present); ``False`` judges one an LRS
    returned, which must carry the properties the LRS sets (``id``, ``stored``, ``authority``) and
    every ``contextActivities`` value as an array (XAPI-00096).
    """
    if surely_valid(statement, version, sent_by_lrp):  # the common case, without building a path per field
        return []
    return validate_in_full(statement, version, path=path, sent_by_lrp=sent_by_lrp)


def validate_in_full(statement: Any, version: Version = "1.0.3", *, path: str = "$",
                     sent_by_lrp: bool = True) -> list[Problem]:
    """``validate_statement`` without the quick path: every rule walked (what ``quick`` is held to)."""
    out: list[Problem] = []
    if statement.__class__ is not dict:
        type_problem(out, path, statement, "statement.type")
        return out
    try:
        _statement(out, path, statement, _ctx(version, sent_by_lrp), in_sub=False)
    except RecursionError:  # cannot happen with json.loads output (sub-statements do not nest)
        out.append(problem("statement.type", path))
    return out


def validate_statements(body: Any, version: Version = "1.0.3", *, path: str = "$",
                        sent_by_lrp: bool = True) -> list[Problem]:
    """The problems of a statements body: one statement object, or an array of them (``$[i]…``).

    An empty array or one longer than ``MAX_BATCH`` is one problem (the rest is not walked).
    """
    if body.__class__ is dict:
        return validate_statement(body, version, path=path, sent_by_lrp=sent_by_lrp)
    out: list[Problem] = []
    if body.__class__ is not list or not body or len(body) > MAX_BATCH:
        type_problem(out, path, body if body.__class__ is not list else len(body), "statements.type")
        return out
    ctx = _ctx(version, sent_by_lrp)
    for i, st in enumerate(body):
        if surely_valid(st, version, sent_by_lrp):
            continue
        spath = f"{path}[{i}]"
        if st.__class__ is not dict:
            type_problem(out, spath, st, "statement.type")
        else:
            _statement(out, spath, st, ctx, in_sub=False)
    return out
