"""The small read resources: About (Communication 2.8), Agents (2.6, the Person object) and Activities (2.5)."""

from __future__ import annotations

from starlette.datastructures import QueryParams

from renkei.harness.xapi.model.versions import Version
from renkei.mocks.lrs import params as P
from renkei.mocks.lrs.config import LrsConfig
from renkei.mocks.lrs.reply import Reply, json_reply
from renkei.mocks.lrs.store import LrsStore

EXTENSIONS = {"https://w3id.org/renkei/lrs/about": {"implementation": "renkei mock LRS (reference)"}}
IFIS = ("mbox", "mbox_sha1sum", "openid", "account")


def about(config: LrsConfig, query: QueryParams) -> Reply:
    P.single(query, frozenset(), "GET /xapi/about")
    return json_reply({"version": list(config.versions), "extensions": EXTENSIONS})


def person(store: LrsStore, version: Version, query: QueryParams) -> Reply:
    """The Person object for an agent: every IFI and name the LRS knows it by (its own, and the names
    statements gave it). A Person is returned for an unknown agent too (Communication 2.6)."""
    params = P.single(query, frozenset({"agent"}), "GET /xapi/agents")
    agent, key = P.agent(P.required(params, "agent", "GET /xapi/agents"), "agent", version, allow_group=False)
    out: dict[str, object] = {"objectType": "Person"}
    names = store.agent_names(key)
    if isinstance(agent.get("name"), str) and agent["name"] not in names:
        names.insert(0, agent["name"])
    if names:
        out["name"] = names
    for ifi in IFIS:
        if ifi in agent:
            out[ifi] = [agent[ifi]]
    return json_reply(out)


def activity(store: LrsStore, query: QueryParams) -> Reply:
    """The Activity with the definition merged from every statement that carried one (SHOULD* answer an
    unknown id with the bare Activity rather than 404)."""
    params = P.single(query, frozenset({"activityId"}), "GET /xapi/activities")
    activity_id = P.iri(P.required(params, "activityId", "GET /xapi/activities"), "activityId")
    out: dict[str, object] = {"objectType": "Activity", "id": activity_id}
    definition = store.activity(activity_id)
    if definition is not None:
        out["definition"] = definition
    return json_reply(out)
