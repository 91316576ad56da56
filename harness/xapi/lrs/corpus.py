"""The invalid-statement corpus: data, one row per rejected statement, read by the Data checks.

Like the ADL suite's ``configs/*.js`` templating tables, each row is a mutation of a valid run-marked
statement (``statements.statement``), the status the LRS must answer, the Data section and the
ADL requirement ids. A row belongs to the check whose ``section`` it names; the LRS must answer
400 and must not store the statement (it is then looked up by id and must be 404).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Statement = dict[str, Any]


@dataclass(frozen=True)
class Case:
    name: str
    section: str  # the check id's last part: structure, actor, verb, object, result, context, timestamp, ...
    mutate: Callable[[Statement], None]
    requirement: str  # XAPI id(s) of the row
    status: int = 400
    versions: tuple[str, ...] = ("1.0.3", "2.0.0")


def _set(path: str, value: Any) -> Callable[[Statement], None]:
    """A mutation setting the dotted ``path`` (created as needed) to ``value``."""
    def mutate(s: Statement) -> None:
        keys = path.split(".")
        node = s
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        node[keys[-1]] = value
    return mutate


def _drop(path: str) -> Callable[[Statement], None]:
    def mutate(s: Statement) -> None:
        keys = path.split(".")
        node = s
        for key in keys[:-1]:
            node = node[key]
        node.pop(keys[-1], None)
    return mutate


def _substatement(extra: dict[str, Any]) -> Callable[[Statement], None]:
    def mutate(s: Statement) -> None:
        s["object"] = {"objectType": "SubStatement", "actor": s["actor"], "verb": s["verb"],
                       "object": {"id": s["object"]["id"]}, **extra}
    return mutate


MBOX = {"objectType": "Agent", "mbox": "mailto:renkei-test@renkei.invalid"}

CORPUS: tuple[Case, ...] = (
    # Data 2.2 / 2.4: structure
    Case("missing actor", "structure", _drop("actor"), "XAPI-00003"),
    Case("missing verb", "structure", _drop("verb"), "XAPI-00004"),
    Case("missing object", "structure", _drop("object"), "XAPI-00005"),
    Case("null value outside extensions", "structure", _set("context.platform", None), "XAPI-00001"),
    Case("unknown top-level property", "structure", _set("renkeiUnknown", True), ""),
    Case("key in the wrong case", "structure", lambda s: s.update(Actor=s.pop("actor")), "XAPI-00008"),
    Case("enumerated value in the wrong case", "structure", _set("actor.objectType", "agent"), "XAPI-00009"),
    Case("empty string where an IRI is required", "structure", _set("verb.id", ""), "XAPI-00007"),
    Case("IRI without a scheme", "structure", _set("object.id", "renkei.invalid/activity"), "XAPI-00011"),
    Case("number given as a string", "structure", _set("result.score", {"raw": "5"}), "XAPI-00006"),
    Case("statement id is not a UUID", "structure", _set("id", "not-a-uuid"), "XAPI-00007"),
    Case("statement id is a number", "structure", _set("id", 123), "XAPI-00006"),
    # Data 2.4.2: actor, IFIs, accounts
    Case("actor objectType is not Agent/Group", "actor", _set("actor.objectType", "Person"), ""),
    Case("agent without an IFI", "actor", _drop("actor.account"), ""),
    Case("agent with two IFIs", "actor", _set("actor.mbox", "mailto:two@renkei.invalid"), ""),
    Case("mbox without mailto:", "actor", lambda s: s.update(actor={**MBOX, "mbox": "two@renkei.invalid"}),
         "XAPI-00007"),
    Case("mbox_sha1sum is a number", "actor",
         lambda s: s.update(actor={"objectType": "Agent", "mbox_sha1sum": 123}), "XAPI-00006"),
    Case("account without homePage", "actor", _drop("actor.account.homePage"), ""),
    Case("account without name", "actor", _drop("actor.account.name"), ""),
    Case("agent name is a number", "actor", _set("actor.name", 7), "XAPI-00006"),
    Case("group member is not an array of agents", "actor",
         lambda s: s.update(actor={"objectType": "Group", "member": {"mbox": "mailto:g@renkei.invalid"}}),
         ""),
    Case("anonymous group without member", "actor", lambda s: s.update(actor={"objectType": "Group"}),
         ""),
    # Data 2.4.3: verb
    Case("verb without id", "verb", _set("verb", {"display": {"en-US": "did"}}), "XAPI-00044"),
    Case("verb id is not an IRI", "verb", _set("verb.id", "experienced"), "XAPI-00044"),
    Case("verb display is not a language map", "verb", _set("verb.display", "体験した"), "XAPI-00045"),
    # Data 2.4.4: object
    Case("object objectType unknown", "object", _set("object.objectType", "Course"), "XAPI-00009"),
    Case("activity without id", "object", _drop("object.id"), ""),
    Case("activity id is not an IRI", "object", _set("object.id", "question 1"), "XAPI-00007"),
    Case("definition name is not a language map", "object", _set("object.definition.name", "確認テスト"),
         ""),
    Case("interactionType unknown", "object", _set("object.definition.interactionType", "essay"), ""),
    Case("agent object without objectType", "object",
         lambda s: s.update(object={"mbox": "mailto:o@renkei.invalid"}), ""),
    Case("StatementRef id is not a UUID", "object",
         lambda s: s.update(object={"objectType": "StatementRef", "id": "nope"}), "XAPI-00007"),
    Case("sub-statement with an id", "object", _substatement({"id": "d1f0a9a2-4b1e-4e8c-9a57-3c3f3b0a0001"}),
         ""),
    Case("sub-statement with stored", "object", _substatement({"stored": "2026-04-01T09:00:00.000Z"}), ""),
    Case("sub-statement in a sub-statement", "object",
         _substatement({"object": {"objectType": "SubStatement", "actor": MBOX,
                                   "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
                                   "object": {"id": "https://renkei.invalid/xapi/nested"}}}), ""),
    # Data 2.4.5: result and score
    Case("success is a string", "result", _set("result.success", "true"), "XAPI-00074"),
    Case("completion is a number", "result", _set("result.completion", 1), "XAPI-00075"),
    Case("duration is not ISO 8601", "result", _set("result.duration", "90 seconds"), "XAPI-00077"),
    Case("scaled above 1", "result", _set("result.score", {"scaled": 1.01}), "XAPI-00083"),
    Case("scaled below -1", "result", _set("result.score", {"scaled": -1.00001}), "XAPI-00083"),
    Case("raw above max", "result", _set("result.score", {"raw": 11, "min": 0, "max": 10}), "XAPI-00082"),
    Case("min above max", "result", _set("result.score", {"min": 10, "max": 0}), "XAPI-00081"),
    # Data 2.4.6: context
    Case("registration is not a UUID", "context", _set("context.registration", "reg-1"), "XAPI-00007"),
    Case("unknown contextActivities key", "context",
         _set("context.contextActivities", {"siblings": [{"id": "https://renkei.invalid/x"}]}), ""),
    Case("revision with an agent object", "context",
         lambda s: s.update(object=dict(MBOX), context={"revision": "1"}), ""),
    Case("platform with an agent object", "context",
         lambda s: s.update(object=dict(MBOX), context={"platform": "renkei"}), ""),
    Case("instructor is not an agent", "context", _set("context.instructor", {"name": "先生"}), ""),
    Case("language is not RFC 5646", "context", _set("context.language", "japanese language!"), ""),
    # Data 2.4.7 / 4.5: timestamps
    Case("timestamp is not ISO 8601", "timestamp", _set("timestamp", "2026/04/01 09:00"), "XAPI-00022"),
    Case("timestamp offset -00:00", "timestamp", _set("timestamp", "2026-04-01T09:00:00.000-00:00"), "XAPI-00022",
         versions=("1.0.3",)),
    # Data 2.4.9: authority
    Case("authority is not an agent or group", "authority", _set("authority", {"name": "誰か"}), ""),
    Case("authority group of three agents", "authority",
         _set("authority", {"objectType": "Group", "member": [
             {"mbox": f"mailto:a{i}@renkei.invalid"} for i in range(3)]}), ""),
    # Data 2.4.10: version
    Case("statement version 1.1.0", "version", _set("version", "1.1.0"), "XAPI-00101"),
    Case("statement version 0.95", "version", _set("version", "0.95"), "XAPI-00101"),
    # Data 2.4.11: attachments (statement part only; fileUrl so a JSON body is allowed)
    Case("attachment without sha2", "attachments", _set("attachments", [
        {"usageType": "https://renkei.invalid/usage", "display": {"ja-JP": "添付"}, "contentType": "text/plain",
         "length": 4, "fileUrl": "https://renkei.invalid/file.txt"}]), ""),
    Case("attachment length is a string", "attachments", _set("attachments", [
        {"usageType": "https://renkei.invalid/usage", "display": {"ja-JP": "添付"}, "contentType": "text/plain",
         "length": "4", "sha2": "0" * 64, "fileUrl": "https://renkei.invalid/file.txt"}]), "XAPI-00006"),
    # Data 2.3.2: voiding
    Case("voiding statement object is not a StatementRef", "voiding",
         lambda s: s.update(verb={"id": "http://adlnet.gov/expapi/verbs/voided"}), ""),
)


def cases(section: str, version: str) -> list[Case]:
    return [c for c in CORPUS if c.section == section and version in c.versions]
