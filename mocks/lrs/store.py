"""The mock LRS's database: SQLite, statements as JSON documents with the index beside them.

Why SQLite: an LRS under a school's load holds millions of statements; queries page inside the database
(keyset on the insertion order, never OFFSET) and documents and attachments are rows, so nothing has
to fit in memory. WAL journal; one connection guarded by a lock, so concurrent writers (the ASGI app
runs every store call in a worker thread) are serialised and each POST is one transaction (all or
nothing, Communication 2.1.2). Statement order is ``seq`` (insertion); ``stored`` is non-decreasing in
``seq`` because both are set inside the same locked transaction.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from renkei.mocks.lrs.index import RELATED, Indexed

SCHEMA = """
CREATE TABLE IF NOT EXISTS statements(
  seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, stored TEXT NOT NULL, verb TEXT, registration TEXT,
  target TEXT, voiding INTEGER NOT NULL DEFAULT 0, voided INTEGER NOT NULL DEFAULT 0, authority TEXT,
  doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS statements_verb ON statements(verb, seq);
CREATE INDEX IF NOT EXISTS statements_registration ON statements(registration, seq);
CREATE INDEX IF NOT EXISTS statements_target ON statements(target);
CREATE INDEX IF NOT EXISTS statements_stored ON statements(stored);
CREATE INDEX IF NOT EXISTS statements_authority ON statements(authority, seq);
CREATE TABLE IF NOT EXISTS statement_agents(key TEXT NOT NULL, related INTEGER NOT NULL, seq INTEGER NOT NULL,
  PRIMARY KEY(key, related, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS statement_activities(id TEXT NOT NULL, related INTEGER NOT NULL, seq INTEGER NOT NULL,
  PRIMARY KEY(id, related, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS attachments(sha2 TEXT PRIMARY KEY, content_type TEXT NOT NULL, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS activities(id TEXT PRIMARY KEY, definition TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents(kind TEXT NOT NULL, activity TEXT NOT NULL, agent TEXT NOT NULL,
  registration TEXT NOT NULL, doc_id TEXT NOT NULL, content BLOB NOT NULL, content_type TEXT NOT NULL,
  etag TEXT NOT NULL, updated TEXT NOT NULL, PRIMARY KEY(kind, activity, agent, registration, doc_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS received(idx INTEGER PRIMARY KEY, at TEXT NOT NULL, method TEXT NOT NULL,
  path TEXT NOT NULL, query TEXT NOT NULL, headers TEXT NOT NULL, client TEXT, status INTEGER NOT NULL,
  body BLOB NOT NULL, truncated INTEGER NOT NULL, stored_ids TEXT NOT NULL);
"""


def stamp(moment: datetime | None = None) -> str:
    """An instant as the LRS writes it: UTC, milliseconds, ``Z`` (text order is time order)."""
    moment = (moment or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass(frozen=True)
class Filters:
    """A statement query's filters (Communication 2.1.3), already parsed and normalised."""

    agent: str | None = None  # index.agent_key
    verb: str | None = None
    activity: str | None = None
    registration: str | None = None
    related_agents: bool = False
    related_activities: bool = False
    since: str | None = None  # stamp() form, exclusive
    until: str | None = None  # stamp() form, inclusive
    ascending: bool = False
    authority: str | None = None  # only statements stored with this authority (scope statements/read/mine)

    def matching(self) -> bool:
        return any(v is not None for v in (self.agent, self.verb, self.activity, self.registration))


@dataclass(frozen=True)
class Document:
    content: bytes
    content_type: str
    etag: str
    updated: str


DocKey = tuple[str, str, str, str, str]  # kind, activity id, agent key, registration, document id


class LrsStore:
    def __init__(self, path: Path | None = None) -> None:
        self._temporary = path is None
        if path is None:
            fd, name = tempfile.mkstemp(prefix="renkei-lrs-", suffix=".sqlite")
            os.close(fd)
            path = Path(name)
        self.path = path
        self._lock = threading.RLock()
        self.db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self.db.close()
        if self._temporary:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """The connection inside one write transaction (rolled back when the block raises)."""
        with self._lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self.db.execute(sql, params).fetchall()

    # -- statements --------------------------------------------------------------------------------

    @staticmethod
    def existing(conn: sqlite3.Connection, ids: Sequence[str]) -> dict[str, tuple[dict[str, Any], bool]]:
        """Stored statements among ``ids``: id -> (document, is a voiding statement)."""
        found: dict[str, tuple[dict[str, Any], bool]] = {}
        for start in range(0, len(ids), 500):
            chunk = list(ids[start:start + 500])
            marks = ",".join("?" * len(chunk))
            for sid, doc, voiding in conn.execute(f"SELECT id, doc, voiding FROM statements WHERE id IN ({marks})",
                                                  chunk):
                found[sid] = (json.loads(doc), bool(voiding))
        return found

    @staticmethod
    def insert(conn: sqlite3.Connection, stored: str, docs: Sequence[tuple[str, str, Indexed]]) -> None:
        """Insert a batch of (id, document, index) in order; seqs are assigned here, inside the caller's
        locked transaction, so the batch's rows go in with one ``executemany`` per table."""
        first = int(conn.execute("SELECT COALESCE(MAX(seq), 0) FROM statements").fetchone()[0]) + 1
        conn.executemany("INSERT INTO statements(seq, id, stored, verb, registration, target, voiding, authority, "
                         "doc) VALUES (?,?,?,?,?,?,?,?,?)",
                         [(first + i, sid, stored, idx.verb, idx.registration, idx.target, int(idx.voiding),
                           idx.authority, doc) for i, (sid, doc, idx) in enumerate(docs)])
        conn.executemany("INSERT OR IGNORE INTO statement_agents VALUES (?,?,?)",
                         [(k, r, first + i) for i, (_, _, idx) in enumerate(docs) for k, r in idx.agents])
        conn.executemany("INSERT OR IGNORE INTO statement_activities VALUES (?,?,?)",
                         [(a, r, first + i) for i, (_, _, idx) in enumerate(docs) for a, r in idx.activities])

    @staticmethod
    def merge_definitions(conn: sqlite3.Connection, definitions: Sequence[tuple[str, dict[str, Any]]]) -> None:
        """Fold a batch's activity definitions (in statement order) into the stored ones: one read per 500
        distinct activities and one write per distinct activity, however many statements of the batch carry it."""
        ids = list(dict.fromkeys(activity for activity, _ in definitions))
        stored: dict[str, str] = {}
        for start in range(0, len(ids), 500):  # the stored definitions of the batch's activities, 500 a query
            chunk = ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            stored.update(conn.execute(f"SELECT id, definition FROM activities WHERE id IN ({marks})", chunk))
        pending: dict[str, dict[str, Any]] = {}
        for activity, definition in definitions:
            if activity not in pending:
                pending[activity] = json.loads(stored[activity]) if activity in stored else {}
            pending[activity] = merge_definition(pending[activity], definition)
        conn.executemany("INSERT OR REPLACE INTO activities VALUES (?,?)",
                         [(a, json.dumps(d, ensure_ascii=False, separators=(",", ":"))) for a, d in pending.items()])

    @staticmethod
    def void(conn: sqlite3.Connection, target: str) -> None:
        conn.execute("UPDATE statements SET voided=1 WHERE id=? AND voiding=0", (target,))

    def statement(self, sid: str, *, voided: bool, authority: str | None = None) -> tuple[str, str] | None:
        """(document, stored) of one statement: a visible one, or (``voided``) one that was voided; with
        ``authority``, only if it was stored with that authority."""
        sql, params = "SELECT doc, stored FROM statements WHERE id=? AND voided=?", [sid.lower(), int(voided)]
        if authority is not None:
            sql += " AND authority=?"
            params.append(authority)
        rows = self.rows(sql, params)
        return (rows[0][0], rows[0][1]) if rows else None

    def last_seq(self) -> int:
        return int(self.rows("SELECT COALESCE(MAX(seq), 0) FROM statements")[0][0])

    def query(self, f: Filters, *, snapshot: int, after: int | None, limit: int) -> list[tuple[int, str, str]]:
        """(seq, document, stored) of up to ``limit`` visible statements matching ``f``, in the answer's order,
        among those stored up to ``snapshot``, continuing after the cursor ``after`` (a seq)."""
        params: list[Any] = []
        head = ""
        where = ["s.voided=0", "s.seq<=?"]
        params_tail: list[Any] = [snapshot]
        if f.matching():
            conds: list[str] = []
            if f.verb is not None:
                conds.append("s.verb=?")
                params.append(f.verb)
            if f.registration is not None:
                conds.append("s.registration=?")
                params.append(f.registration)
            if f.agent is not None:
                conds.append("s.seq IN (SELECT seq FROM statement_agents WHERE key=? AND related<=?)")
                params += [f.agent, RELATED if f.related_agents else 0]
            if f.activity is not None:
                conds.append("s.seq IN (SELECT seq FROM statement_activities WHERE id=? AND related<=?)")
                params += [f.activity, RELATED if f.related_activities else 0]
            # Communication 2.1.3: a statement that targets a matching statement matches too, recursively
            head = ("WITH RECURSIVE m(id) AS (SELECT s.id FROM statements s WHERE " + " AND ".join(conds)
                    + " UNION SELECT t.id FROM statements t JOIN m ON t.target = m.id) ")
            where.append("s.id IN m")
        if f.authority is not None:
            where.append("s.authority=?")
            params_tail.append(f.authority)
        if f.since is not None:
            where.append("s.stored>?")
            params_tail.append(f.since)
        if f.until is not None:
            where.append("s.stored<=?")
            params_tail.append(f.until)
        if after is not None:
            where.append("s.seq>?" if f.ascending else "s.seq<?")
            params_tail.append(after)
        order = "ASC" if f.ascending else "DESC"
        sql = (head + "SELECT s.seq, s.doc, s.stored FROM statements s WHERE " + " AND ".join(where)
               + f" ORDER BY s.seq {order} LIMIT ?")
        return [(int(a), b, c) for a, b, c in self.rows(sql, [*params, *params_tail, limit])]

    def activity(self, activity_id: str) -> dict[str, Any] | None:
        rows = self.rows("SELECT definition FROM activities WHERE id=?", (activity_id,))
        return json.loads(rows[0][0]) if rows else None

    def agent_names(self, key: str, limit: int = 20) -> list[str]:
        """Names the agent with this IFI was given in stored statements (for its Person object)."""
        names: list[str] = []
        for (doc,) in self.rows("SELECT s.doc FROM statements s JOIN statement_agents a ON a.seq = s.seq "
                                "WHERE a.key=? AND a.related=0 ORDER BY s.seq DESC LIMIT 200", (key,)):
            actor = json.loads(doc).get("actor") or {}
            name = actor.get("name") if isinstance(actor, dict) else None
            if isinstance(name, str) and name not in names:
                names.append(name)
            if len(names) >= limit:
                break
        return names

    # -- attachments --------------------------------------------------------------------------------

    @staticmethod
    def put_attachment(conn: sqlite3.Connection, sha2: str, content_type: str, data: bytes) -> None:
        conn.execute("INSERT OR IGNORE INTO attachments VALUES (?,?,?)", (sha2, content_type, data))

    def attachment(self, sha2: str) -> tuple[str, bytes] | None:
        rows = self.rows("SELECT content_type, data FROM attachments WHERE sha2=?", (sha2,))
        return (rows[0][0], bytes(rows[0][1])) if rows else None

    # -- documents ----------------------------------------------------------------------------------

    def document(self, key: DocKey) -> Document | None:
        rows = self.rows("SELECT content, content_type, etag, updated FROM documents WHERE kind=? AND activity=? "
                         "AND agent=? AND registration=? AND doc_id=?", key)
        return Document(bytes(rows[0][0]), rows[0][1], rows[0][2], rows[0][3]) if rows else None

    @staticmethod
    def put_document(conn: sqlite3.Connection, key: DocKey, doc: Document) -> None:
        conn.execute("INSERT OR REPLACE INTO documents VALUES (?,?,?,?,?,?,?,?,?)",
                     (*key, doc.content, doc.content_type, doc.etag, doc.updated))

    def document_ids(self, kind: str, activity: str, agent: str, registration: str | None,
                     since: str | None, limit: int) -> list[str]:
        sql = "SELECT doc_id FROM documents WHERE kind=? AND activity=? AND agent=?"
        params: list[Any] = [kind, activity, agent]
        if registration is not None:
            sql += " AND registration=?"
            params.append(registration)
        if since is not None:
            sql += " AND updated>?"
            params.append(since)
        return [r[0] for r in self.rows(sql + " ORDER BY doc_id LIMIT ?", [*params, limit])]

    def delete_documents(self, kind: str, activity: str, agent: str, registration: str | None,
                         doc_id: str | None) -> int:
        sql = "DELETE FROM documents WHERE kind=? AND activity=? AND agent=?"
        params: list[Any] = [kind, activity, agent]
        if registration is not None:
            sql += " AND registration=?"
            params.append(registration)
        if doc_id is not None:
            sql += " AND doc_id=?"
            params.append(doc_id)
        with self.transaction() as conn:
            return conn.execute(sql, params).rowcount

    # -- recording ----------------------------------------------------------------------------------

    def record(self, at: str, method: str, path: str, query: dict[str, list[str]], headers: dict[str, str],
               client: str | None, status: int, body: bytes, truncated: bool, stored_ids: list[str]) -> None:
        with self.transaction() as conn:
            conn.execute("INSERT INTO received(at, method, path, query, headers, client, status, body, truncated, "
                         "stored_ids) VALUES (?,?,?,?,?,?,?,?,?,?)",
                         (at, method, path, json.dumps(query), json.dumps(headers), client, status, body,
                          int(truncated), json.dumps(stored_ids)))

    def received(self, start: int = 0, limit: int = 1000) -> list[tuple[Any, ...]]:
        return self.rows("SELECT idx - 1, at, method, path, query, headers, client, status, body, truncated, stored_ids "
                         "FROM received WHERE idx > ? ORDER BY idx LIMIT ?", (start, limit))


def merge_definition(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """The Activity definition the LRS returns (Communication 2.5): language maps are merged entry by
    entry, any other property takes the latest value."""
    merged = dict(old)
    for key, value in new.items():
        if key in ("name", "description") and isinstance(value, dict) and isinstance(old.get(key), dict):
            merged[key] = {**old[key], **value}
        else:
            merged[key] = value
    return merged
