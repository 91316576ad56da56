"""The document resources: State, Activity Profile and Agent Profile (Communication 2.3-2.6, 3.1).

A document is stored as the bytes and the content type it was sent with; its ETag is the quoted SHA-1
hex of the content (1.0.3 Communication 3.1 requires SHA-1; 2.0 accepts any opaque ETag, so one rule
serves both). Concurrency: ``If-Match`` / ``If-None-Match`` are honoured on PUT, POST and DELETE (412,
document unchanged); a PUT over an existing document with neither header is 409 for the two profile
resources in both versions and, from 2.0 on, for State too (1.0.3 exempts State: "clients may send State
requests without concurrency headers").
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import Headers, QueryParams

from renkei.harness.xapi.model.versions import Version
from renkei.mocks.lrs import params as P
from renkei.mocks.lrs.config import LrsConfig
from renkei.mocks.lrs.errors import LrsError
from renkei.mocks.lrs.reply import JSON, Reply, http_date, json_reply
from renkei.mocks.lrs.store import DocKey, Document, LrsStore, stamp

MAX_IDS = 10_000  # document ids in one GET list answer


@dataclass(frozen=True)
class Resource:
    kind: str  # store kind and the scope table key
    path: str  # under /xapi
    id_param: str
    activity: bool  # keyed by activityId
    agent: bool  # keyed by agent
    registration: bool

    @property
    def allowed(self) -> frozenset[str]:
        names = {self.id_param, "since"}
        names |= {"activityId"} if self.activity else set()
        names |= {"agent"} if self.agent else set()
        names |= {"registration"} if self.registration else set()
        return frozenset(names)

    def conflict_rule(self, version: Version) -> bool:
        """Whether a PUT over an existing document without If-Match / If-None-Match is 409."""
        return self.kind != "state" or version != "1.0.3"


STATE = Resource("state", "/activities/state", "stateId", True, True, True)
ACTIVITY_PROFILE = Resource("activity_profile", "/activities/profile", "profileId", True, False, False)
AGENT_PROFILE = Resource("agent_profile", "/agents/profile", "profileId", False, True, False)
RESOURCES = (STATE, ACTIVITY_PROFILE, AGENT_PROFILE)


def etag(content: bytes) -> str:
    return '"' + hashlib.sha1(content).hexdigest() + '"'  # noqa: S324 (the 1.0.3 ETag is SHA-1 by definition)


def _tags(header: str) -> set[str]:
    return {t.strip().removeprefix("W/") for t in header.split(",") if t.strip()}


def _preconditions(existing: Document | None, headers: Headers, where: str) -> bool:
    """Raise 412 when an If-Match / If-None-Match precondition fails; True if either header was sent."""
    if_match, if_none = headers.get("if-match"), headers.get("if-none-match")
    if if_match is not None:
        tags = _tags(if_match)
        if existing is None or ("*" not in tags and existing.etag not in tags):
            raise LrsError(412, f"{where}: If-Match {if_match!r} does not match the document's ETag "
                           f"({existing.etag if existing else 'no document'}) [Communication 3.1]",
                           f"{where}: If-Match が文書の ETag と一致しません")
    if if_none is not None:
        tags = _tags(if_none)
        if existing is not None and ("*" in tags or existing.etag in tags):
            raise LrsError(412, f"{where}: If-None-Match {if_none!r} but the document exists with ETag "
                           f"{existing.etag} [Communication 3.1]", f"{where}: If-None-Match ですが文書が存在します")
    return if_match is not None or if_none is not None


def _json_object(content: bytes, content_type: str, what: str, where: str) -> dict[str, Any]:
    problem = None
    value: Any = None
    if content_type.split(";")[0].strip().lower() != JSON:
        problem = f"is {content_type or 'untyped'}, not application/json"
    else:
        try:
            value = json.loads(content)
        except ValueError as exc:
            problem = f"is not JSON ({exc})"
    if problem is None and not isinstance(value, dict):
        problem = "is not a JSON object"
    if problem is not None:
        raise LrsError(400, f"{where}: POST merges JSON objects, but the {what} document {problem} "
                       "[Communication 2.2 JSON procedure with POST]",
                       f"{where}: POST は JSON オブジェクト同士を結合しますが、{what}文書がそうではありません")
    return value  # type: ignore[no-any-return]


def handle(store: LrsStore, config: LrsConfig, resource: Resource, method: str, version: Version,
           query: QueryParams, headers: Headers, body: bytes) -> Reply:
    where = f"{method} /xapi{resource.path}"
    params = P.single(query, resource.allowed, where)
    activity = P.iri(P.required(params, "activityId", where), "activityId") if resource.activity else ""
    agent = ""
    if resource.agent:
        _, agent = P.agent(P.required(params, "agent", where), "agent", version,
                           allow_group=resource.kind == "state")
    registration = None
    if resource.registration and "registration" in params:
        registration = P.uuid(params["registration"], "registration")
    doc_id = params.get(resource.id_param)
    if "since" in params and (method != "GET" or doc_id is not None):
        raise LrsError(400, f"{where}: since applies only to a GET of the id list (without {resource.id_param})",
                       f"{where}: since は {resource.id_param} のない GET でのみ使えます")
    if doc_id is None:
        if method in ("GET", "HEAD"):
            since = P.timestamp(params["since"], "since") if "since" in params else None
            return json_reply(store.document_ids(resource.kind, activity, agent, registration, since, MAX_IDS))
        if method == "DELETE" and resource.kind == "state":
            store.delete_documents(resource.kind, activity, agent, registration, None)
            return Reply(204)
        raise LrsError(400, f"{where}: the {resource.id_param} parameter is required",
                       f"{where}: {resource.id_param} パラメータが必要です")
    key: DocKey = (resource.kind, activity, agent, registration or "", doc_id)
    checks = not config.fault("no_etag_checks")
    if method in ("GET", "HEAD"):
        doc = store.document(key)
        if doc is None:
            raise LrsError(404, f"{where}: no document {doc_id!r}", f"{where}: 文書 {doc_id!r} はありません")
        return Reply(200, doc.content, {"ETag": doc.etag, "Last-Modified": http_date(doc.updated)}, doc.content_type)
    if method == "DELETE":
        with store.transaction() as conn:
            existing = store.document(key)
            if checks:
                _preconditions(existing, headers, where)
            if existing is not None:
                conn.execute("DELETE FROM documents WHERE kind=? AND activity=? AND agent=? AND registration=? "
                             "AND doc_id=?", key)
        return Reply(204)
    content_type = headers.get("content-type", "application/octet-stream")
    with store.transaction() as conn:
        existing = store.document(key)
        sent = _preconditions(existing, headers, where) if checks else True
        if method == "PUT":
            if existing is not None and not sent and resource.conflict_rule(version):
                raise LrsError(409, f"{where}: document {doc_id!r} exists; send If-Match with its ETag "
                               f"{existing.etag} (or If-None-Match: *) to change it [Communication 3.1]",
                               f"{where}: 文書 {doc_id!r} は既に存在します。If-Match で ETag を指定してください")
            content = body
        else:  # POST: merge JSON objects
            posted = _json_object(body, content_type, "posted", where)
            if existing is not None and not config.fault("post_merge_replaces"):
                merged = {**_json_object(existing.content, existing.content_type, "stored", where), **posted}
            else:
                merged = posted
            content = json.dumps(merged, ensure_ascii=False, separators=(",", ":")).encode()
            content_type = JSON
        store.put_document(conn, key, Document(content, content_type, etag(content), stamp()))
    return Reply(204)
