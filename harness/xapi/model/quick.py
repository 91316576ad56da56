"""The common valid statement, recognised in one tight walk before the full validator runs.

Why: the statements profile judges files of a million statements and the mock LRS every POST; almost
all of them are valid, and for those the full validator (``statement.py``) spends most of its time
building the JSONPath of every field it looks at, for problems it never finds. ``surely_valid`` asks
the same questions with no path, no problem list and no call per field, and answers True only when the
full validator would find nothing. Anything it is unsure of (an unusual shape, a voiding statement, an
xAPI 2.0 statement, a Group as authority) is False, and the full validator then judges the statement
as before, so the findings are the full validator's in every case. ``tests/harness/xapi/model/
test_quick.py`` holds the two to that: on every rule's failing case and on random mutations,
True here never meets a problem there.
"""

from __future__ import annotations

import marshal
from typing import Any

from renkei.harness.xapi.model import values as V
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

_COMPONENT_KEYS = frozenset(COMPONENT_LISTS)
_AGENT = frozenset({"objectType", "name", "mbox", "mbox_sha1sum", "openid", "account"})
_GROUP = _AGENT | {"member"}
_ACCOUNT = frozenset({"homePage", "name"})
_ACCOUNT_AGENT = frozenset({"objectType", "name", "account"})
_IRIS = V.KNOWN_IRIS  # strings already found valid: a set look-up before the predicate (values.py)
_TAGS = V.KNOWN_TAGS
_IRLS = V.KNOWN_IRLS
_is_iri = V.is_iri
_is_tag = V.is_language_tag
_zoned = V.is_zoned_timestamp
_UUID = V._UUID.fullmatch


def _iri(value: Any) -> bool:
    return value.__class__ is str and (value in _IRIS or _is_iri(value))


def _language_map(value: Any) -> bool:
    if value.__class__ is not dict or not value:
        return False
    for tag, text in value.items():
        if text.__class__ is not str or not (tag in _TAGS or _is_tag(tag)):
            return False
    return True


def _extensions(value: Any) -> bool:
    if value.__class__ is not dict:
        return False
    for key in value:  # noqa: SIM110  (_iri written out: this runs for every extension of every statement)
        if not (key in _IRIS or _is_iri(key)):
            return False
    return True


def _agent(agent: Any, group: bool) -> bool:
    """An Agent (or, with ``group``, an Agent or a Group whose members are Agents) with no problem."""
    if agent.__class__ is not dict:
        return False
    if "account" in agent and _ACCOUNT_AGENT.issuperset(agent) and agent.get("objectType", "Agent") == "Agent":
        account = agent["account"]  # the learner as the Japan profiles name one: an account and nothing else
        if "name" in agent and agent["name"].__class__ is not str:
            return False
        if account.__class__ is not dict or not _ACCOUNT.issuperset(account):
            return False
        home, name = account.get("homePage"), account.get("name")
        if name.__class__ is not str or not name or home.__class__ is not str:
            return False
        return home in _IRLS or V.is_irl(home)
    kind = agent.get("objectType", "Agent")
    if kind == "Agent":
        if not _AGENT.issuperset(agent):
            return False
    elif kind == "Group" and group:
        if not _GROUP.issuperset(agent):
            return False
    else:
        return False
    if "name" in agent and agent["name"].__class__ is not str:
        return False
    count = 0
    if "account" in agent:
        count = 1
        account = agent["account"]
        if account.__class__ is not dict or not _ACCOUNT.issuperset(account):
            return False
        home, name = account.get("homePage"), account.get("name")
        if not V.is_irl(home) or name.__class__ is not str or not name:
            return False
    if "mbox" in agent:
        count += 1
        if not V.is_mbox(agent["mbox"]):
            return False
    if "mbox_sha1sum" in agent:
        count += 1
        if not V.is_sha1_hex(agent["mbox_sha1sum"]):
            return False
    if "openid" in agent:
        count += 1
        if not V.is_uri(agent["openid"]):
            return False
    if kind == "Agent":
        return count == 1
    members = agent.get("member")
    if members is None and "member" not in agent:
        return count == 1
    if members.__class__ is not list or count > 1 or (count == 0 and not members):
        return False
    return all(_agent(m, False) for m in members)


def _activity(obj: dict[str, Any]) -> bool:
    aid = obj.get("id")
    if not ACTIVITY.issuperset(obj) or aid.__class__ is not str or not (aid in _IRIS or _is_iri(aid)):
        return False
    if "definition" not in obj:
        return True
    d = obj["definition"]
    if d.__class__ is not dict or not d or not DEFINITION.issuperset(d):
        return False
    if "name" in d and not _language_map(d["name"]):
        return False
    if "description" in d and not _language_map(d["description"]):
        return False
    if "type" in d:
        kind = d["type"]
        if kind.__class__ is not str or not (kind in _IRIS or _is_iri(kind)):
            return False
    if "moreInfo" in d and not V.is_irl(d["moreInfo"]):
        return False
    if "extensions" in d and not _extensions(d["extensions"]):
        return False
    if "interactionType" in d:
        kind = d["interactionType"]
        if kind.__class__ is not str or kind not in INTERACTION_TYPES:
            return False
    if "correctResponsesPattern" in d:
        crp = d["correctResponsesPattern"]
        if crp.__class__ is not list or "interactionType" not in d:
            return False
        for s in crp:
            if s.__class__ is not str:
                return False
    if _COMPONENT_KEYS.isdisjoint(d):  # no interaction components (most definitions): one C-level test
        return True
    for key in COMPONENT_LISTS:
        if key in d:
            items = d[key]
            if items.__class__ is not list:
                return False
            ids: set[str] = set()
            for comp in items:
                if comp.__class__ is not dict or not COMPONENT.issuperset(comp):
                    return False
                cid = comp.get("id")
                if cid.__class__ is not str or not cid or cid in ids:
                    return False
                ids.add(cid)
                if "description" in comp and not _language_map(comp["description"]):
                    return False
    return True


def _statement_ref(obj: Any) -> bool:
    return obj.__class__ is dict and obj.get("objectType") == "StatementRef" and REF.issuperset(obj) \
        and _is_uuid(obj.get("id"))


def _is_uuid(value: Any) -> bool:
    return value.__class__ is str and _UUID(value) is not None


def _object(obj: Any, in_sub: bool) -> str | None:
    """The objectType of an object with no problem, else None."""
    if obj.__class__ is not dict:
        return None
    kind = obj.get("objectType", "Activity")
    if kind == "Activity":
        if "objectType" not in obj and "id" not in obj:
            return None  # judged in full (an Agent without its objectType, or an activity without id)
        return kind if _activity(obj) else None
    if kind == "Agent" or kind == "Group":
        return kind if _agent(obj, True) else None
    if kind == "StatementRef":
        return kind if _statement_ref(obj) else None
    if kind == "SubStatement" and not in_sub:
        return kind if _statement(obj, True) else None
    return None


def _result(r: Any) -> bool:
    if r.__class__ is not dict or not r or not RESULT.issuperset(r):
        return False
    if "success" in r and r["success"].__class__ is not bool:
        return False
    if "completion" in r and r["completion"].__class__ is not bool:
        return False
    if "response" in r and r["response"].__class__ is not str:
        return False
    if "duration" in r and not V.is_duration(r["duration"]):
        return False
    if "extensions" in r and not _extensions(r["extensions"]):
        return False
    if "score" not in r:
        return True
    s = r["score"]
    if s.__class__ is not dict or not s or not SCORE.issuperset(s):
        return False
    for value in s.values():
        if not V.is_number(value):
            return False
    scaled, lo, hi, raw = s.get("scaled"), s.get("min"), s.get("max"), s.get("raw")
    if scaled is not None and not -1 <= scaled <= 1:
        return False
    if lo is not None and hi is not None and not lo < hi:
        return False
    return raw is None or not ((lo is not None and raw < lo) or (hi is not None and raw > hi))


def _groups(groups: Any) -> bool:
    """A contextActivities object with no problem."""
    if groups.__class__ is not dict or not groups:
        return False
    for key, value in groups.items():
        if key not in CONTEXT_ACTIVITIES:
            return False
        if value.__class__ is dict:
            value = (value,)  # a single Activity: allowed as an LRP sends it
        elif value.__class__ is not list:
            return False
        for item in value:
            if item.__class__ is not dict or item.get("objectType", "Activity") != "Activity":
                return False
            if "definition" in item or not ACTIVITY.issuperset(item):
                if not _activity(item):
                    return False
                continue
            aid = item.get("id")  # the usual {"id", "objectType"}: _activity's first test, written out
            if aid.__class__ is not str or not (aid in _IRIS or _is_iri(aid)):
                return False
    return True


class _Seen:
    """Sub-objects already found valid, a few per key (an activity's id): a value equal to one of them
    is valid too, told by one comparison made in C instead of a walk.

    Why sound: Python's ``==`` on what json.loads returns is JSON equality except that ``1 == 1.0 ==
    True``. A sub-object kept here was found valid, so every leaf this walk types is a string there
    (ids, types, language map texts, interaction types and patterns); an equal value has the same
    strings at the same places (an Agent's or a Group's IFIs and names too). Numbers and booleans can
    only sit in extension values, which the walk does not look at (their shapes are the Japan rules'
    business, not cached here). Key order is not compared and does not matter to validity. Only the
    walk of a 1.0.3 statement as an LRP sends it uses these; a sub-statement's object (other rules) is
    walked every time, while its verb and context follow the same rules as the statement's own.

    Bounded: values of up to ``MAX_BYTES`` (marshal size, measured when kept), ``PER_KEY`` per key, and
    emptied when the kept values reach ``MAX_TOTAL`` bytes or ``MAX_KEYS`` keys (the mock LRS keeps
    these for as long as it runs, whatever its clients send). A kept value is a private copy, so no
    caller's later change can reach it."""

    MAX_BYTES = 4096
    PER_KEY = 4
    MAX_KEYS = 4096
    MAX_TOTAL = 4 * 2**20
    __slots__ = ("found", "total")

    def __init__(self) -> None:
        self.found: dict[str, list[Any]] = {}
        self.total = 0  # marshal bytes of what is kept

    def has(self, key: str, value: Any) -> bool:
        got = self.found.get(key)
        if got is not None:
            for seen in got:
                if seen == value:
                    return True
        return False

    def valid(self, key: str | None, value: Any, walk: Any) -> bool:
        """``walk(value)``, answered from what is kept when ``value`` equals a kept one (None: no key, walked)."""
        if key is None:
            return bool(walk(value))
        if self.has(key, value):
            return True
        if not walk(value):
            return False
        self.add(key, value)
        return True

    def add(self, key: str, value: Any) -> None:
        try:
            data = marshal.dumps(value)
        except ValueError:
            return
        if len(data) > self.MAX_BYTES:
            return
        found = self.found
        if len(found) >= self.MAX_KEYS or self.total + len(data) > self.MAX_TOTAL:
            found.clear()
            self.total = 0
        self.total += len(data)  # a value pushed out below still counts until the next emptying: an upper bound
        got = found.setdefault(key, [])
        if len(got) >= self.PER_KEY:
            del got[0]
        got.append(marshal.loads(data))  # a copy (made in C): what was judged stays as it was


_SEEN_OBJECTS = _Seen()  # statement objects (Activities), by activity id (the verb's, the team's: below)
_SEEN_GROUPS = _Seen()  # contextActivities objects, by the id of their first activity


def _top_object(obj: Any) -> str | None:
    """``_object(obj, False)``, an Activity met before answered by one comparison."""
    if obj.__class__ is dict:
        aid = obj.get("id")
        if aid.__class__ is str and obj.get("objectType", "Activity") == "Activity":
            if _SEEN_OBJECTS.has(aid, obj):
                return "Activity"
            kind = _object(obj, False)
            if kind == "Activity":
                _SEEN_OBJECTS.add(aid, obj)
            return kind
    return _object(obj, False)


_SEEN_VERBS = _Seen()  # verbs, by id
_SEEN_TEAMS = _Seen()  # context teams (Groups), by name


def _verb_walk(verb: Any) -> bool:
    if verb.__class__ is not dict or not VERB.issuperset(verb):
        return False
    vid = verb.get("id")
    if vid.__class__ is not str or vid == V.VOIDED:  # a voiding statement: judged in full
        return False
    if not (vid in _IRIS or _is_iri(vid)):
        return False
    return "display" not in verb or _language_map(verb["display"])


def _verb(verb: Any) -> bool:
    """A verb with no problem (and not ``voided``), one met before answered by one comparison."""
    vid = verb.get("id") if verb.__class__ is dict else None
    return _SEEN_VERBS.valid(vid if vid.__class__ is str else None, verb, _verb_walk)


def _team_walk(team: Any) -> bool:
    return _agent(team, True)


def _team(team: dict[str, Any]) -> bool:
    """``_agent(team, True)`` for a context team, one met before (a class, by name) answered by one comparison."""
    name = team.get("name")
    return _SEEN_TEAMS.valid(name if name.__class__ is str else None, team, _team_walk)


def _first_id(groups: dict[str, Any]) -> str | None:
    for value in groups.values():
        first = value[0] if value.__class__ is list and value else value
        aid = first.get("id") if first.__class__ is dict else None
        return aid if aid.__class__ is str else None
    return None


def _context_activities(groups: Any) -> bool:
    """``_groups(groups)``, a contextActivities object met before answered by one comparison."""
    return _SEEN_GROUPS.valid(_first_id(groups) if groups.__class__ is dict else None, groups, _groups)


def _context(c: Any, object_kind: str) -> bool:
    if c.__class__ is not dict or not c or not CONTEXT_1.issuperset(c):
        return False
    if "registration" in c and not _is_uuid(c["registration"]):
        return False
    if "instructor" in c and not _agent(c["instructor"], True):
        return False
    if "team" in c:
        team = c["team"]
        if team.__class__ is not dict or team.get("objectType") != "Group" or not _team(team):
            return False
    if "contextActivities" in c and not _context_activities(c["contextActivities"]):
        return False
    if "platform" in c and (c["platform"].__class__ is not str or object_kind != "Activity"):
        return False
    if "revision" in c and (c["revision"].__class__ is not str or object_kind != "Activity"):
        return False
    if "language" in c:
        tag = c["language"]
        if tag.__class__ is not str or not (tag in _TAGS or _is_tag(tag)):
            return False
    if "statement" in c and not _statement_ref(c["statement"]):
        return False
    return "extensions" not in c or _extensions(c["extensions"])


def _attachments(items: Any) -> bool:
    if items.__class__ is not list:
        return False
    for a in items:
        if a.__class__ is not dict or not ATTACHMENT.issuperset(a) or not _iri(a.get("usageType")):
            return False
        if "display" not in a or not _language_map(a["display"]):
            return False
        if "description" in a and not _language_map(a["description"]):
            return False
        length = a.get("length")
        if not V.is_media_type(a.get("contentType")) or length.__class__ is not int or length < 0:
            return False
        if not V.is_sha2_hex(a.get("sha2")) or ("fileUrl" in a and not V.is_irl(a["fileUrl"])):
            return False
    return True


def _statement(st: dict[str, Any], in_sub: bool) -> bool:
    if not (SUB if in_sub else TOP).issuperset(st):
        return False
    if not in_sub and "id" in st:
        sid = st["id"]
        if sid.__class__ is not str or _UUID(sid) is None:
            return False
    if "actor" not in st or not _agent(st["actor"], True):
        return False
    if not _verb(st.get("verb")):
        return False
    if "object" not in st:
        return False
    kind = _object(st["object"], True) if in_sub else _top_object(st["object"])
    if kind is None:
        return False
    if "result" in st and not _result(st["result"]):
        return False
    if "context" in st and not _context(st["context"], kind):
        return False
    if "timestamp" in st and not _zoned(st["timestamp"]):
        return False
    if "attachments" in st and not _attachments(st["attachments"]):
        return False
    if in_sub:
        return True
    if "stored" in st and not _zoned(st["stored"]):
        return False
    if "authority" in st:
        authority = st["authority"]
        if authority.__class__ is not dict or authority.get("objectType", "Agent") != "Agent" \
                or not _agent(authority, False):
            return False
    if "version" in st:
        value = st["version"]
        if value.__class__ is not str or not (value == "1.0" or value.startswith("1.0.") and value[4:].isdigit()):
            return False
    return True


def surely_valid(statement: Any, version: str, sent_by_lrp: bool) -> bool:
    """True only when ``validate_statement(statement, version, sent_by_lrp=sent_by_lrp)`` finds nothing.

    Answers for xAPI 1.0.3 statements as a Learning Record Provider sends them; anything else is
    left to the full validator (False)."""
    return version == "1.0.3" and sent_by_lrp and statement.__class__ is dict and _statement(statement, False)
