"""The Statement Resource (Communication 2.1): PUT, POST, GET single and query, voiding, ``more`` paging.

Statements are judged by the model (``renkei.harness.xapi.model.statement``) before anything is stored;
a POST is one transaction, so one bad statement stores none (Communication 3.2). The LRS sets ``stored``,
``authority`` (from the client's credentials), ``version`` (1.0.0 when a 1.0.x statement has none, the
accepted one otherwise) and a missing ``timestamp``; 2.0 requests get timestamps converted to UTC
(9274.1.1 4.2.7) and ``contextActivities`` values are always returned as arrays (XAPI-00096).

``more`` is an opaque, HMAC-signed continuation holding the query, a snapshot (the last statement stored
when the query began, so later writes never shift a page) and a keyset cursor: it works across requests
and connections for as long as the LRS runs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import uuid
from dataclasses import asdict
from typing import Any

from starlette.datastructures import Headers, QueryParams

from renkei.harness.xapi.model import compare, formats, multipart, values
from renkei.harness.xapi.model.body import parse_body
from renkei.harness.xapi.model.problems import Problem
from renkei.harness.xapi.model.statement import validate_statement
from renkei.harness.xapi.model.versions import Version
from renkei.mocks.lrs import params as P
from renkei.mocks.lrs.config import LrsClient, LrsConfig
from renkei.mocks.lrs.errors import LrsError
from renkei.mocks.lrs.index import derive
from renkei.mocks.lrs.reply import JSON, Reply, http_date, json_reply
from renkei.mocks.lrs.store import Filters, LrsStore, stamp

QUERY_PARAMS = frozenset({"statementId", "voidedStatementId", "agent", "verb", "activity", "registration",
                          "related_activities", "related_agents", "since", "until", "limit", "format",
                          "attachments", "ascending", "more"})
SINGLE_EXTRA = frozenset({"attachments", "format"})  # what may accompany statementId / voidedStatementId
FORMATS = ("exact", "ids", "canonical")
_TIMESTAMP_PATH = re.compile(r"\$(\[\d+\])?\.timestamp")
_PLACEHOLDER_ACTOR = {"objectType": "Agent", "mbox": "mailto:placeholder@renkei.example"}


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class Statements:
    """The statement resource of one LRS: its store, configuration and the key ``more`` tokens are signed with."""

    def __init__(self, store: LrsStore, config: LrsConfig, secret: bytes) -> None:
        self.store = store
        self.config = config
        self.secret = secret

    # -- input -----------------------------------------------------------------------------------

    def _parse(self, headers: Headers, body: bytes, where: str) -> tuple[Any, list[multipart.Part]]:
        """The statements JSON and the attachment parts (a JSON body has none)."""
        content_type = headers.get("content-type", "")
        media = content_type.split(";")[0].strip().lower()
        if media == "multipart/mixed":
            try:
                return multipart.parse_multipart(body, content_type, max_parts=self.config.max_parts)
            except multipart.MultipartError as exc:
                raise LrsError.invalid([exc.problem], "multipart/mixed body") from None
        if media != JSON:
            raise LrsError(400, f"{where}: Content-Type must be application/json or multipart/mixed, not "
                           f"{content_type or 'none'!r} [Communication 1.5.2]",
                           f"{where}: Content-Type は application/json か multipart/mixed でなければなりません")
        value, problems = parse_body(body)  # malformed, too deep, or a key twice in one object (XAPI-00021)
        if problems:
            raise LrsError.invalid(problems, "JSON body")
        return value, []

    def _judge(self, statement: Any, version: Version, path: str) -> list[Problem]:
        candidate = statement
        if self.config.fault("accepts_missing_actor") and isinstance(statement, dict) and "actor" not in statement:
            candidate = {**statement, "actor": _PLACEHOLDER_ACTOR}
        problems = validate_statement(candidate, version, path=path)
        if self.config.fault("accepts_bad_timestamp"):
            problems = [p for p in problems if not _TIMESTAMP_PATH.fullmatch(p.path)]
        return problems

    def _prepared(self, statement: dict[str, Any], version: Version, client: LrsClient, now: str) -> dict[str, Any]:
        out = dict(statement)
        out["stored"] = now
        out["authority"] = client.authority_agent()
        if "version" not in out:
            out["version"] = "2.0.0" if version == "2.0.0" else "1.0.0"
        if "timestamp" not in out or self.config.fault("mutates_statement"):
            out["timestamp"] = now
        elif version == "2.0.0":
            moment = values.to_utc_ms(out["timestamp"])
            if moment is not None:
                out["timestamp"] = stamp(moment)
        context = out.get("context")
        if isinstance(context, dict) and isinstance(context.get("contextActivities"), dict):
            groups = context["contextActivities"]
            out["context"] = {**context, "contextActivities": {
                k: v if isinstance(v, list) else [v] for k, v in groups.items()}}
        return out

    def _store(self, statements: list[Any], version: Version, client: LrsClient,
               parts: list[multipart.Part], where: str, *, single: bool) -> list[str]:
        """Judge, then store all of ``statements`` in one transaction; the ids, in order."""
        if len(statements) > self.config.max_batch:
            raise LrsError(413, f"{where}: more than {self.config.max_batch} statements in one request",
                           f"{where}: 1 回の要求で {self.config.max_batch} 件を超える statement です")
        problems: list[Problem] = []
        for i, st in enumerate(statements):
            problems += self._judge(st, version, "$" if single else f"$[{i}]")
        if not problems:  # attachments against parts, signatures (Communication 1.5.2, Data 2.6)
            problems = multipart.part_problems(parts) + \
                multipart.attachment_problems(statements[0] if single else statements, parts,
                                              verify_signatures=not self.config.fault("accepts_bad_signature"))
        if problems:
            raise LrsError.invalid(problems)
        ids: list[str] = []
        for st in statements:
            if "id" not in st:
                st["id"] = str(uuid.uuid4())
            ids.append(st["id"].lower())
        if len(set(ids)) != len(ids):
            dup = next(i for i in ids if ids.count(i) > 1)
            raise LrsError(400, f"{where}: statement id {dup} appears more than once in the batch "
                           "[Communication 2.1.2]", f"{where}: statement id {dup} が一括送信内で重複しています")
        with self.store.transaction() as conn:
            existing = self.store.existing(conn, ids)
            now = stamp()
            voiding_in_batch = {sid for sid, st in zip(ids, statements, strict=True) if _targets(st, voiding=True)}
            keep: list[tuple[str, dict[str, Any]]] = []
            for sid, st in zip(ids, statements, strict=True):
                if sid in existing:
                    diff = compare.differences(st, existing[sid][0])
                    if diff:
                        raise LrsError(409, f"{where}: statement {sid} is already stored with other content "
                                       f"(differs at {', '.join(diff[:5])}) [Data 2.3, Communication 2.1.1]",
                                       f"{where}: statement {sid} は別の内容で保存済みです")
                    continue
                target = _targets(st, voiding=True)
                if target is not None:
                    hit = existing.get(target) or self.store.existing(conn, [target]).get(target)
                    if target in voiding_in_batch or (hit is not None and hit[1]):
                        raise LrsError(400, f"{where}: statement {sid} voids {target}, which is itself a voiding "
                                       "statement; a voiding statement cannot be voided [Data 2.3.2]",
                                       f"{where}: 取り消し statement は取り消せません")
                keep.append((sid, self._prepared(st, version, client, now)))
            rows = [(sid, _dumps(doc), derive(doc)) for sid, doc in keep]
            self.store.insert(conn, now, rows)
            self.store.merge_definitions(conn, [d for _, _, idx in rows for d in idx.definitions])
            if not self.config.fault("ignores_voiding"):
                for _, _, idx in rows:
                    if idx.voiding and idx.target is not None:
                        self.store.void(conn, idx.target)
            for part in parts:
                self.store.put_attachment(conn, part.sha2, part.content_type, part.body)
        return [sid for sid, _ in keep] if keep else []

    # -- methods ---------------------------------------------------------------------------------

    def put(self, version: Version, client: LrsClient, query: QueryParams, headers: Headers, body: bytes) -> Reply:
        where = "PUT /xapi/statements"
        params = P.single(query, frozenset({"statementId"}), where)
        sid = P.uuid(P.required(params, "statementId", where), "statementId")
        statement, parts = self._parse(headers, body, where)
        if not isinstance(statement, dict):
            raise LrsError(400, f"{where}: the body must be one statement (a JSON object)",
                           f"{where}: 本文は 1 件の statement (JSON オブジェクト) でなければなりません")
        if "id" in statement and str(statement["id"]).lower() != sid:
            raise LrsError(400, f"{where}: the statement's id {statement['id']!r} differs from statementId {sid}",
                           f"{where}: statement の id が statementId と異なります")
        statement.setdefault("id", sid)
        stored = self._store([statement], version, client, parts, where, single=True)
        return Reply(204, stored_ids=stored)

    def post(self, version: Version, client: LrsClient, query: QueryParams, headers: Headers, body: bytes) -> Reply:
        where = "POST /xapi/statements"
        P.single(query, frozenset(), where)
        value, parts = self._parse(headers, body, where)
        single = isinstance(value, dict)
        statements = [value] if single else value
        if not isinstance(statements, list) or not statements:
            raise LrsError(400, f"{where}: the body must be a statement or a non-empty array of statements",
                           f"{where}: 本文は statement か statement の配列でなければなりません")
        stored = self._store(statements, version, client, parts, where, single=single)
        reply = json_reply([st["id"] for st in statements])
        reply.stored_ids = stored
        return reply

    def get(self, version: Version, query: QueryParams, headers: Headers, base: str,
            mine: str | None = None) -> Reply:
        """``mine``: the reader's authority key when it may read only its own statements."""
        where = "GET /xapi/statements"
        params = P.single(query, QUERY_PARAMS, where)
        languages = _languages(headers.get("accept-language", ""))
        if "more" in params:
            if len(params) > 1:
                raise LrsError(400, f"{where}: more cannot be combined with other parameters",
                               f"{where}: more は他のパラメータと併用できません")
            return self._page(self._unseal(params["more"]), languages, base)
        fmt = params.get("format", "exact")
        if fmt not in FORMATS:
            raise LrsError(400, f"{where}: format must be one of {', '.join(FORMATS)}, not {fmt[:20]!r}",
                           f"{where}: format は {', '.join(FORMATS)} のいずれかです")
        attachments = P.boolean(params.get("attachments"), "attachments")
        singles = [n for n in ("statementId", "voidedStatementId") if n in params]
        if singles:
            others = set(params) - SINGLE_EXTRA - set(singles)
            if len(singles) > 1 or others:
                raise LrsError(400, f"{where}: {' and '.join(singles)} cannot be combined with "
                               f"{', '.join(sorted(others)) or singles[-1]} [Communication 2.1.3]",
                               f"{where}: {singles[0]} は attachments と format 以外と併用できません")
            name = singles[0]
            sid = P.uuid(params[name], name)
            found = self.store.statement(sid, voided=name == "voidedStatementId", authority=mine)
            if found is None:
                raise LrsError(404, f"{where}: no {'voided ' if name != 'statementId' else ''}statement {sid}",
                               f"{where}: statement {sid} はありません")
            doc, stored = found
            statement = json.loads(doc)
            if fmt != "exact":
                statement = formats.prepare(statement, fmt, languages)
            reply = self._answer(statement, [statement], attachments)
            reply.headers["Last-Modified"] = http_date(stored)
            return reply
        filters = Filters(
            agent=P.agent(params["agent"], "agent", version)[1] if "agent" in params else None,
            verb=P.iri(params["verb"], "verb") if "verb" in params else None,
            activity=P.iri(params["activity"], "activity") if "activity" in params else None,
            registration=P.uuid(params["registration"], "registration") if "registration" in params else None,
            related_agents=P.boolean(params.get("related_agents"), "related_agents"),
            related_activities=P.boolean(params.get("related_activities"), "related_activities"),
            since=P.timestamp(params["since"], "since") if "since" in params else None,
            until=P.timestamp(params["until"], "until") if "until" in params else None,
            ascending=P.boolean(params.get("ascending"), "ascending"), authority=mine)
        limit = P.non_negative(params.get("limit"), "limit") or self.config.more_page_size
        cursor = {"f": asdict(filters), "s": self.store.last_seq(), "a": None,
                  "l": min(limit, self.config.more_page_size), "fmt": fmt, "att": attachments}
        return self._page(cursor, languages, base)

    def _page(self, cursor: dict[str, Any], languages: list[str], base: str) -> Reply:
        filters = Filters(**cursor["f"])
        rows = self.store.query(filters, snapshot=cursor["s"], after=cursor["a"], limit=cursor["l"] + 1)
        more = ""
        if len(rows) > cursor["l"]:
            rows = rows[:cursor["l"]]
            if not self.config.fault("drops_more"):
                more = f"{base}/statements?more={self._seal({**cursor, 'a': rows[-1][0]})}"
        newest = max((r[2] for r in rows), default=None)
        fmt = cursor["fmt"]
        if fmt == "exact" and not cursor["att"]:
            body = b'{"statements":[' + ",".join(r[1] for r in rows).encode() + b'],"more":' + \
                json.dumps(more).encode() + b"}"
            reply = Reply(200, body, {}, JSON)
        else:
            docs = [json.loads(r[1]) for r in rows]
            if fmt != "exact":
                docs = [formats.prepare(d, fmt, languages) for d in docs]
            reply = self._answer({"statements": docs, "more": more}, docs, cursor["att"])
        reply.headers["Last-Modified"] = http_date(newest or stamp())
        return reply

    def _answer(self, value: Any, statements: list[dict[str, Any]], attachments: bool) -> Reply:
        """JSON, or with ``attachments=true`` multipart/mixed with each attachment's raw data after it."""
        if not attachments:
            return json_reply(value)
        raw: list[tuple[str, bytes]] = []
        seen: set[str] = set()
        for st in statements:
            for att in st.get("attachments") or []:
                sha2 = att.get("sha2")
                sha2 = sha2.lower() if isinstance(sha2, str) else None
                found = self.store.attachment(sha2) if sha2 is not None and sha2 not in seen else None
                if found is not None:
                    seen.add(sha2)
                    raw.append(found)
        body, content_type = multipart.build_multipart(value, raw)
        return Reply(200, body, {}, content_type)

    # -- more tokens ------------------------------------------------------------------------------

    def _seal(self, cursor: dict[str, Any]) -> str:
        payload = base64.urlsafe_b64encode(_dumps(cursor).encode()).rstrip(b"=")
        mac = base64.urlsafe_b64encode(hmac.digest(self.secret, payload, hashlib.sha256)[:16]).rstrip(b"=")
        return (payload + b"." + mac).decode()

    def _unseal(self, token: str) -> dict[str, Any]:
        payload, _, mac = token.encode().partition(b".")
        good = base64.urlsafe_b64encode(hmac.digest(self.secret, payload, hashlib.sha256)[:16]).rstrip(b"=")
        if not hmac.compare_digest(mac, good):
            raise LrsError(400, "GET /xapi/statements: the more value is not one this LRS issued",
                           "GET /xapi/statements: more の値がこの LRS の発行したものではありません")
        cursor: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + b"=" * (-len(payload) % 4)))
        return cursor


def _targets(statement: dict[str, Any], *, voiding: bool) -> str | None:
    """The id a StatementRef object points at (only for voiding statements when ``voiding``)."""
    obj = statement.get("object")
    verb = statement.get("verb")
    if not isinstance(obj, dict) or obj.get("objectType") != "StatementRef" or not isinstance(obj.get("id"), str):
        return None
    if voiding and not (isinstance(verb, dict) and verb.get("id") == "http://adlnet.gov/expapi/verbs/voided"):
        return None
    return obj["id"].lower()


def _languages(header: str) -> list[str]:
    """Accept-Language tags by preference (RFC 9110 §12.5.4), for format=canonical."""
    ranked: list[tuple[float, int, str]] = []
    for i, item in enumerate(header.split(",")[:20]):
        tag, _, q = item.strip().partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            weight = 0.0
        if tag and tag != "*" and weight > 0:
            ranked.append((-weight, i, tag))
    return [tag for _, _, tag in sorted(ranked)]
