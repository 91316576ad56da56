"""``xapi-lrs`` document resource checks (1.0.3 Communication 2.2-2.7, 3.1 / 9274.1.1 4.1.4, 4.1.6.2-4.1.6.6):
State, Activity Profile and Agent Profile (each when declared), Agents and Activities.

Documents renkei writes are keyed by a run-marked activity id (or a generated agent) and a fresh
document id; renkei deletes its own documents at the end of the check that wrote them where the
check allows (documents, unlike statements, can be deleted).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from renkei.harness.core.context import CheckContext
from renkei.harness.lti.protocol.http import ApiResponse
from renkei.harness.xapi.lrs import statements as S
from renkei.harness.xapi.lrs.checks_base import (
    body_json,
    expect,
    lrs_check,
    read_back,
    send,
    target_of,
    write,
)
from renkei.harness.xapi.lrs.target import LrsTarget

RESOURCE_NAMES = ("state", "activity_profile", "agent_profile")


@dataclass(frozen=True)
class Doc:
    """One document address on one resource: the path, its key parameters and the id parameter."""

    resource: str  # the declares name
    path: str
    key: dict[str, str]
    id_param: str
    doc_id: str

    @property
    def params(self) -> dict[str, str]:
        return {**self.key, self.id_param: self.doc_id}


def address(target: LrsTarget, resource: str, name: str) -> Doc:
    agent = json.dumps({"objectType": "Agent", "account": S.learner()["account"]})
    activity = target.activity(f"documents/{name}")
    doc_id = f"renkei-{name}-{uuid.uuid4().hex[:8]}"
    if resource == "state":
        return Doc(resource, "activities/state", {"activityId": activity, "agent": agent}, "stateId", doc_id)
    if resource == "activity_profile":
        return Doc(resource, "activities/profile", {"activityId": activity}, "profileId", doc_id)
    return Doc(resource, "agents/profile", {"agent": agent}, "profileId", doc_id)


def declared_docs(ctx: CheckContext, name: str) -> Iterator[Doc]:
    target = target_of(ctx)
    names = [r for r in RESOURCE_NAMES if target.config.declared(r)]
    if not names:
        ctx.skip("the target declares none of state, activity_profile, agent_profile")
    for resource in names:
        yield address(target, resource, name)


def doc_send(ctx: CheckContext, method: str, doc: Doc, *, params: dict[str, str] | None = None,
             body: Any = None, content: bytes | None = None, content_type: str | None = None,
             headers: dict[str, str] | None = None) -> ApiResponse | None:
    return send(ctx, method, doc.path, params=params or doc.params, body=body, content=content,
                content_type=content_type, headers=headers)


def current(ctx: CheckContext, doc: Doc) -> ApiResponse | None:
    resp = doc_send(ctx, "GET", doc)
    return resp if expect(ctx, resp, (200,), f"GET {doc.path} of the document written", "書いた文書の GET") else None


def cleanup(ctx: CheckContext, doc: Doc) -> None:
    """Delete renkei's own document (If-Match: * so that a concurrency rule never keeps it)."""
    doc_send(ctx, "DELETE", doc, headers={"If-Match": "*"})


def unchanged(ctx: CheckContext, doc: Doc, want: Any, what: str) -> None:
    resp = current(ctx, doc)
    if resp is None:
        return
    got = body_json(ctx, resp)
    if got != want:
        ctx.fail(f"{doc.path}: the document changed after {what}", ja=f"{doc.path}: {what} の後に文書が変わりました",
                 endpoint=resp.url, method="GET", value=resp.text[:200])


@lrs_check("xapi.comm.documents.roundtrip", "Communication 2.2-2.7", "error",
           ("文書を書いて読み、一覧し、削除できる", "Documents are written, read, listed and deleted"),
           ("宣言された文書リソースごとに、PUT が 204、GET が同じ JSON、id なしの GET の一覧にその id があり、DELETE が 204"
            " でその後の GET が 404 になることを確認します。",
            "For every declared document resource: PUT is 204, GET returns the same JSON, a GET without the id "
            "lists it, DELETE is 204 and a GET afterwards 404."), ieee="4.1.6.2")
def documents_roundtrip(ctx: CheckContext) -> None:
    for doc in declared_docs(ctx, "roundtrip"):
        content = {"進捗": "第3問まで", "score": 0.5}
        resp = doc_send(ctx, "PUT", doc, body=content, headers={"If-None-Match": "*"})
        if not expect(ctx, resp, (204,), f"PUT {doc.path} of a new document", "新しい文書の PUT"):
            continue
        got = current(ctx, doc)
        if got is not None and body_json(ctx, got) != content:
            ctx.fail(f"{doc.path}: GET does not return the document as written", ja="GET が書いた文書を返しません",
                     endpoint=got.url, method="GET", value=got.text[:200])
        listed = doc_send(ctx, "GET", doc, params=doc.key)
        if expect(ctx, listed, (200,), f"GET {doc.path} without {doc.id_param}", f"{doc.id_param} なしの GET"):
            assert listed is not None
            ids = body_json(ctx, listed)
            if not isinstance(ids, list) or doc.doc_id not in ids:
                ctx.fail(f"{doc.path}: the id list does not hold {doc.doc_id}", ja="id の一覧に書いた文書がありません",
                         endpoint=listed.url, method="GET", value=listed.text[:200])
        gone = doc_send(ctx, "DELETE", doc, headers={"If-Match": "*"})
        if expect(ctx, gone, (204,), f"DELETE {doc.path}", "文書の DELETE"):
            after = doc_send(ctx, "GET", doc)
            expect(ctx, after, (404,), f"GET {doc.path} of a deleted document", "削除した文書の GET")


@lrs_check("xapi.comm.documents.etag", "Communication 3.1", "error",
           ("ETag と If-Match・If-None-Match (412)", "ETag, If-Match and If-None-Match (412)"),
           ("GET が引用符つきの ETag を返し、違う ETag の If-Match と既存文書への If-None-Match: * の PUT が 412 で文書を"
            "変えず、正しい ETag の If-Match の PUT が 204 になることを確認します。",
            "GET returns a quoted ETag; a PUT with If-Match of another ETag, and one with If-None-Match: * over "
            "an existing document, are 412 and leave the document unchanged; If-Match with the right ETag is "
            "204."), ieee="4.1.4")
def documents_etag(ctx: CheckContext) -> None:
    for doc in declared_docs(ctx, "etag"):
        first = {"版": 1}
        resp = doc_send(ctx, "PUT", doc, body=first, headers={"If-None-Match": "*"})
        if not expect(ctx, resp, (204,), f"PUT {doc.path} of a new document", "新しい文書の PUT"):
            continue
        got = current(ctx, doc)
        tag = got.headers.get("etag", "") if got is not None else ""
        bare = tag[2:] if tag.startswith("W/") else tag
        if got is not None and not (len(bare) > 2 and bare.startswith('"') and bare.endswith('"')):
            ctx.fail(f"{doc.path}: GET has no quoted ETag ({tag!r})", ja="GET に引用符つきの ETag がありません",
                     endpoint=got.url, method="GET", value=tag)
        for headers, what in (({"If-Match": '"renkei-not-the-etag"'}, "If-Match of another ETag"),
                              ({"If-None-Match": "*"}, "If-None-Match: * over an existing document")):
            resp = doc_send(ctx, "PUT", doc, body={"版": 2}, headers=headers)
            expect(ctx, resp, (412,), f"PUT {doc.path} with {what}", f"PUT ({what})")
            unchanged(ctx, doc, first, what)
        if tag:
            resp = doc_send(ctx, "PUT", doc, body={"版": 3}, headers={"If-Match": tag})
            expect(ctx, resp, (204,), f"PUT {doc.path} with If-Match of its ETag", "正しい ETag の If-Match の PUT")
        cleanup(ctx, doc)


@lrs_check("xapi.comm.documents.conflict", "Communication 3.1", "error",
           ("前提条件なしの上書きは 409", "Overwriting without a precondition is 409"),
           ("既存の文書に If-Match も If-None-Match もない PUT が 409 で文書を変えないことを確認します。1.0.3 では State は"
            "対象外 (\"clients may send State requests without concurrency headers\")、2.0 では State も対象です。",
            "A PUT with neither If-Match nor If-None-Match over an existing document is 409 and leaves it "
            "unchanged. 1.0.3 exempts State (\"clients may send State requests without concurrency "
            "headers\"); 2.0 includes it."), ieee="4.1.4")
def documents_conflict(ctx: CheckContext) -> None:
    two = target_of(ctx).version.startswith("2.")
    docs = [d for d in declared_docs(ctx, "conflict") if two or d.resource != "state"]
    if not docs:
        ctx.skip("in 1.0.3 only the profile resources answer 409, and none is declared")
    for doc in docs:
        first = {"版": 1}
        resp = doc_send(ctx, "PUT", doc, body=first, headers={"If-None-Match": "*"})
        if not expect(ctx, resp, (204,), f"PUT {doc.path} of a new document", "新しい文書の PUT"):
            continue
        resp = doc_send(ctx, "PUT", doc, body={"版": 2})
        expect(ctx, resp, (409,), f"PUT {doc.path} over an existing document without If-Match/If-None-Match",
               "前提条件なしの既存文書への PUT")
        unchanged(ctx, doc, first, "a PUT without a precondition")
        cleanup(ctx, doc)


@lrs_check("xapi.comm.documents.merge", "Communication 2.2 (JSON procedure with POST)", "error",
           ("JSON 文書への POST は最上位のキーを合わせる", "POST merges the top-level keys of a JSON document"),
           ("{a, b} の文書に {b, c} を POST すると 204 で {a, b (新), c} になり、JSON でない本文の POST は 400 で文書を"
            "変えないことを確認します。",
            "POSTing {b, c} onto the document {a, b} is 204 and gives {a, b (new), c}; a POST of a body that "
            "is not JSON is 400 and leaves the document unchanged."), ieee="4.1.6.2")
def documents_merge(ctx: CheckContext) -> None:
    for doc in declared_docs(ctx, "merge"):
        resp = doc_send(ctx, "PUT", doc, body={"a": 1, "b": "前"}, headers={"If-None-Match": "*"})
        if not expect(ctx, resp, (204,), f"PUT {doc.path} of a new document", "新しい文書の PUT"):
            continue
        got = current(ctx, doc)
        tag = got.headers.get("etag") if got is not None else None
        pre = {"If-Match": tag} if tag else {}
        resp = doc_send(ctx, "POST", doc, body={"b": "後", "c": [1, 2]}, headers=pre)
        if expect(ctx, resp, (204,), f"POST {doc.path} of a JSON object", "JSON オブジェクトの POST"):
            unchanged(ctx, doc, {"a": 1, "b": "後", "c": [1, 2]}, "merging (the merged document is expected)")
        merged = current(ctx, doc)
        tag = merged.headers.get("etag") if merged is not None else None
        before = body_json(ctx, merged) if merged is not None else None
        resp = doc_send(ctx, "POST", doc, content="テキスト".encode(), content_type="text/plain",
                        headers={"If-Match": tag} if tag else {})
        expect(ctx, resp, (400,), f"POST {doc.path} of a text body onto a JSON document", "JSON 文書へのテキストの POST")
        if before is not None:
            unchanged(ctx, doc, before, "a refused POST")
        cleanup(ctx, doc)


@lrs_check("xapi.comm.agents", "Communication 2.4", "error",
           ("Agents は Person オブジェクトを返す", "Agents returns a Person object"),
           ("GET agents?agent=... が 200 で objectType Person、name・mbox・mbox_sha1sum・openid・account が配列の "
            "オブジェクトを返すことを確認します (LRS が知らない agent でも)。",
            "GET agents?agent=... is 200 with objectType Person and arrays for name, mbox, mbox_sha1sum, openid "
            "and account (also for an agent the LRS has not seen)."), ieee="4.1.6.4")
def agents(ctx: CheckContext) -> None:
    target = target_of(ctx)
    if not target.config.declared("agents"):
        ctx.skip("the target does not declare the agents resource (declares.agents)")
    agent = {"objectType": "Agent", "account": S.learner()["account"]}
    resp = send(ctx, "GET", "agents", params={"agent": json.dumps(agent)})
    if not expect(ctx, resp, (200,), "GET agents", "Agents の取得"):
        return
    assert resp is not None
    person = body_json(ctx, resp)
    if not isinstance(person, dict) or person.get("objectType") != "Person":
        ctx.fail("the answer is not a Person object", ja="応答が Person オブジェクトではありません", endpoint=resp.url,
                 method="GET", value=resp.text[:200])
        return
    for key in ("name", "mbox", "mbox_sha1sum", "openid", "account"):
        if key in person and not isinstance(person[key], list):
            ctx.fail(f"Person.{key} is not an array", ja=f"Person.{key} が配列ではありません", endpoint=resp.url,
                     method="GET", claim=f"$.{key}")
    if agent["account"] not in person.get("account", []):
        ctx.fail("Person.account does not hold the agent's account", ja="Person.account に agent の account がありません",
                 endpoint=resp.url, method="GET", claim="$.account")


@lrs_check("xapi.comm.activities", "Communication 2.5", "error",
           ("Activities は定義つきの Activity を返す", "Activities returns the Activity with its definition"),
           ("ステートメントで書いた activity を GET activities?activityId=... で取得し、200 で同じ id の Activity が返る"
            "ことを確認します。",
            "GET activities?activityId=... of an activity written in a statement is 200 with the Activity of that "
            "id."), ieee="4.1.6.5")
def activities(ctx: CheckContext) -> None:
    target = target_of(ctx)
    if not target.config.declared("activities"):
        ctx.skip("the target does not declare the activities resource (declares.activities)")
    stmt = S.statement(target.run_iri, "activities")
    if not write(ctx, stmt) or read_back(ctx, stmt["id"]) is None:
        return
    resp = send(ctx, "GET", "activities", params={"activityId": stmt["object"]["id"]})
    if not expect(ctx, resp, (200,), "GET activities", "Activities の取得"):
        return
    assert resp is not None
    got = body_json(ctx, resp)
    if not isinstance(got, dict) or got.get("id") != stmt["object"]["id"]:
        ctx.fail("the answer is not the Activity asked for", ja="応答が求めた Activity ではありません", endpoint=resp.url,
                 method="GET", value=resp.text[:200])
