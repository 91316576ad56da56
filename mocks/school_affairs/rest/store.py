"""The mock 校務支援システム's roster database: SQLite, one row per OneRoster object.

Why SQLite and not lists: a prefecture roster holds a million users and five million enrollments;
the REST provider pages, filters and sorts inside the database and streams one page at a time, and
the lifecycle (年次更新, 転出・転入) changes rows in place. Each object is stored as the compact JSON
document the REST binding sends (``rest_binding``), with hrefs relative to the server, so a page is
the concatenation of stored documents with the origin put in front of each href. The stored text
writes each href's leading slash as the JSON escape ``\\/`` (``STORED_HREF``): every JSON reader,
SQLite's json functions included, reads the same value, and the only backslashes in a page of
ordinary documents are those marks, so the origin goes in with one byte replace when it is served
(``encode`` writes a document so).

Columns beside the document: ``kind`` (the ObjectSpec name), ``sub`` (session/org type, a user's
primary role, an enrollment's role), the dense positions ``pos``/``spos`` (within the kind, and within
kind+sub) that make an unfiltered page an index range instead of an OFFSET scan, ``r1..r3`` (the
references the nested endpoints follow), ``status`` and ``dlm`` (dateLastModified, normalised to UTC
milliseconds so text order is time order), ``hrefs`` (how many hrefs the document holds, so a page's
rendered length is known before it is rendered). ``user_orgs`` and ``class_terms`` hold the many-valued
references (a user's roles, a class's terms) and are rebuilt whenever their object changes. A bulk
load into an empty file is followed by a compaction (``_compact``) so that reading in order is
reading the file in order.

Thread-safety: one connection, guarded by a lock; the ASGI app runs queries in a worker thread, except
a page read as an index range, which the event loop answers itself when the lock is free.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from renkei.harness.core.errors import ConfigError
from renkei.harness.oneroster.model import rest_binding as rb
from renkei.harness.oneroster.model.query import compare, instant

SCHEMA = """
CREATE TABLE IF NOT EXISTS objects(
  seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, sid TEXT NOT NULL, sub TEXT, pos INTEGER NOT NULL,
  spos INTEGER NOT NULL, status TEXT NOT NULL, dlm TEXT NOT NULL, r1 TEXT, r2 TEXT, r3 TEXT, doc TEXT NOT NULL,
  hrefs INTEGER NOT NULL DEFAULT 0, UNIQUE(kind, sid));
CREATE INDEX IF NOT EXISTS objects_pos ON objects(kind, pos);
CREATE INDEX IF NOT EXISTS objects_spos ON objects(kind, sub, spos);
CREATE INDEX IF NOT EXISTS objects_r1 ON objects(kind, r1);
CREATE INDEX IF NOT EXISTS objects_r2 ON objects(kind, r2);
CREATE INDEX IF NOT EXISTS objects_r3 ON objects(kind, r3);
CREATE INDEX IF NOT EXISTS objects_dlm ON objects(kind, dlm);
CREATE TABLE IF NOT EXISTS user_orgs(user TEXT NOT NULL, org TEXT NOT NULL, role TEXT NOT NULL,
  PRIMARY KEY(org, role, user)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS user_orgs_user ON user_orgs(user);
CREATE TABLE IF NOT EXISTS class_terms(term TEXT NOT NULL, class TEXT NOT NULL, PRIMARY KEY(term, class)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS class_terms_class ON class_terms(class);
CREATE TABLE IF NOT EXISTS events(at TEXT NOT NULL, kind TEXT NOT NULL, sid TEXT NOT NULL, what TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
BATCH = 5000
HREF = '"href":"/ims/'  # how json.dumps writes the start of every href the binding makes (server-relative)
# How a stored document writes it: the same JSON string, its slash escaped. json.dumps never writes
# ``\\/``, so this backslash marks the one place where the origin is put in when the href is served.
STORED_HREF = '"href":"\\/ims/'
_ESCAPED = "hrefs_escaped"  # the settings key of a file whose documents are stored with STORED_HREF
# A file written before the hrefs column or before STORED_HREF: its documents rewritten and counted in place.
_HREFS_COLUMN = "ALTER TABLE objects ADD COLUMN hrefs INTEGER NOT NULL DEFAULT 0"
_ESCAPE_HREFS = (f"UPDATE objects SET doc = replace(doc, '{HREF}', '{STORED_HREF}') WHERE instr(doc, '{HREF}') > 0",
                 f"UPDATE objects SET hrefs = (length(doc) - length(replace(doc, '{STORED_HREF}', ''))) "
                 f"/ {len(STORED_HREF)}")


def encode(doc: Mapping[str, Any]) -> str:
    """A document as the store keeps it (and the provider renders it): compact JSON, non-ASCII as
    is, every href written with ``STORED_HREF``."""
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).replace(HREF, STORED_HREF)


def stamp(moment: datetime | None = None) -> str:
    """dateLastModified as the store writes it: UTC, milliseconds, ``Z``."""
    moment = (moment or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def normalise_instant(value: str) -> str | None:
    """A filter value for dateLastModified in the store's text form (None if it is no instant)."""
    moment = instant(value)
    return None if moment is None else stamp(moment)


@dataclass(frozen=True)
class Indexed:
    """What the store derives from one document."""

    sub: str | None
    r1: str | None = None
    r2: str | None = None
    r3: str | None = None


def _sid(ref: Any) -> str | None:
    return ref.get("sourcedId") if isinstance(ref, dict) else None


def derive(kind: str, doc: Mapping[str, Any]) -> Indexed:
    if kind == "academicSession":
        return Indexed(doc.get("type"), _sid(doc.get("parent")))
    if kind == "org":
        return Indexed(doc.get("type"), _sid(doc.get("parent")))
    if kind == "course":
        return Indexed(None, None, _sid(doc.get("org")))
    if kind == "class":
        return Indexed(None, _sid(doc.get("course")), _sid(doc.get("school")))
    if kind == "enrollment":
        return Indexed(doc.get("role"), _sid(doc.get("class")), _sid(doc.get("school")), _sid(doc.get("user")))
    if kind == "user":
        roles = [r for r in doc.get("roles") or [] if isinstance(r, dict)]
        primary = next((r.get("role") for r in roles if r.get("roleType") == "primary"), None)
        return Indexed(primary or (roles[0].get("role") if roles else None))
    if kind == "lineItem":
        return Indexed(None, _sid(doc.get("class")), _sid(doc.get("school")), _sid(doc.get("category")))
    if kind == "result":
        return Indexed(None, _sid(doc.get("class")), _sid(doc.get("lineItem")), _sid(doc.get("student")))
    if kind == "scoreScale":
        return Indexed(None, _sid(doc.get("class")), _sid(doc.get("course")))
    return Indexed(None)


def _or_cmp(a: Any, b: Any) -> int | None:
    if a is None or b is None:
        return None
    return compare(str(a), str(b))


def _or_contains(a: Any, b: Any) -> int:
    return int(a is not None and str(b).casefold() in str(a).casefold())


PAGE_BYTES = 16384  # SQLite's page size for a new file store (its default is 4096)
MMAP_BYTES = 16 * 2**30  # the address space SQLite may map; a prefecture-scale roster is about 10 GiB


class RosterStore:
    """The roster database. ``path=None`` keeps it in memory (tests, the demo)."""

    def __init__(self, path: Path | None = None, *, shape: str = rb.NESTED) -> None:
        if shape not in rb.SHAPES:
            raise ConfigError(f"metadata shape must be one of {', '.join(rb.SHAPES)}, not {shape!r}")
        self.shape = shape
        self.path = path
        self._lock = threading.RLock()
        self.db = self._connect()
        self._counts: dict[tuple[str, tuple[Any, ...]], int] = {}  # emptied by every write and rollback
        self._pos: dict[str, int] = {}
        self._spos: dict[tuple[str, str | None], int] = {}
        for kind, n in self.db.execute("SELECT kind, MAX(pos) + 1 FROM objects GROUP BY kind"):
            self._pos[kind] = n
        for kind, sub, n in self.db.execute("SELECT kind, sub, MAX(spos) + 1 FROM objects GROUP BY kind, sub"):
            self._spos[(kind, sub)] = n

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(str(self.path) if self.path else ":memory:", check_same_thread=False,
                             isolation_level=None)
        if self.path:  # a new file only (before WAL): a page of users read back touches fewer, fuller pages
            db.execute(f"PRAGMA page_size={PAGE_BYTES}")
        db.execute("PRAGMA journal_mode=WAL" if self.path else "PRAGMA journal_mode=MEMORY")
        db.execute("PRAGMA synchronous=OFF")
        if self.path:  # pages are read straight from the mapped file instead of copied in by read(): a third faster
            db.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
        db.executescript(SCHEMA)
        counted = "hrefs" in {row[1] for row in db.execute("PRAGMA table_info(objects)")}
        escaped = db.execute("SELECT 1 FROM settings WHERE key=?", (_ESCAPED,)).fetchone() is not None
        if not counted or not escaped:  # a new store, or a file from before the column or the escape
            db.execute("BEGIN")
            try:
                if not counted:
                    db.execute(_HREFS_COLUMN)
                for sql in _ESCAPE_HREFS:
                    db.execute(sql)
                db.execute("INSERT OR REPLACE INTO settings VALUES (?, '1')", (_ESCAPED,))
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        db.create_function("or_cmp", 2, _or_cmp, deterministic=True)
        db.create_function("or_contains", 2, _or_contains, deterministic=True)
        return db

    def close(self) -> None:
        with self._lock:
            self.db.close()

    def _compact(self) -> None:
        """Rewrite a freshly loaded file store table by table and index by index: a bulk load
        interleaves the pages of the table with those of its indexes, and a page of 1,000 users read
        back took 1.0 ms of SQLite against 0.8 ms rewritten (0.75 ms with ``PAGE_BYTES`` pages). The
        copy (``VACUUM INTO`` a sibling file) is complete before it replaces the store by a rename,
        so an interrupted compaction leaves the loaded store as it was."""
        assert self.path is not None
        path = Path(self.path)
        copy = path.with_name(path.name + ".compact")
        with self._lock:
            copy.unlink(missing_ok=True)
            closed = False
            try:
                self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the load's WAL emptied before the copy is made
                self.db.execute("VACUUM INTO ?", (str(copy),))
                self.db.close()
                closed = True
                for leftover in (path.with_name(path.name + s) for s in ("-wal", "-shm")):
                    leftover.unlink(missing_ok=True)  # checkpointed: never replayed onto the copy
                os.replace(copy, path)
            finally:
                copy.unlink(missing_ok=True)
                if closed:
                    self.db = self._connect()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic change: a failed lifecycle step leaves the roster as it was."""
        with self._lock:
            self.db.execute("BEGIN")
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                self._counts.clear()
                raise
            self.db.execute("COMMIT")

    # -- writing -------------------------------------------------------------------------------

    def put(self, kind: str, doc: dict[str, Any], *, event: str | None = None) -> bool:
        """Insert or replace one object (inside or outside a transaction); True when it was new."""
        with self._lock:
            return self._put_many(kind, [doc], event=event) == 1

    def _put_many(self, kind: str, docs: Iterable[dict[str, Any]], *, event: str | None = None) -> int:
        self._counts.clear()
        created = 0
        rows_new: list[tuple[Any, ...]] = []
        # rows this call inserts get a seq above this one: meeting one again is a duplicate in the input
        before = self.db.execute("SELECT COALESCE(MAX(seq), 0) FROM objects").fetchone()[0]
        for doc in docs:
            sid = doc["sourcedId"]
            ix = derive(kind, doc)
            dlm = normalise_instant(str(doc.get("dateLastModified", ""))) or stamp()
            text = encode(doc)
            old = self.db.execute("SELECT seq, sub, spos FROM objects WHERE kind=? AND sid=?", (kind, sid)).fetchone()
            if old is not None and old[0] > before:
                raise ConfigError(f"the roster holds the {kind} sourcedId {sid!r} twice")
            if old is None:
                pos = self._pos.get(kind, 0)
                self._pos[kind] = pos + 1
                spos = self._spos.get((kind, ix.sub), 0)
                self._spos[(kind, ix.sub)] = spos + 1
                rows_new.append((kind, sid, ix.sub, pos, spos, doc.get("status", "active"), dlm,
                                 ix.r1, ix.r2, ix.r3, text, text.count(STORED_HREF)))
                created += 1
            else:
                spos = old[2]
                if ix.sub != old[1]:  # e.g. a user's primary role changed: it joins the end of its new subset
                    spos = self._spos.get((kind, ix.sub), 0)
                    self._spos[(kind, ix.sub)] = spos + 1
                self.db.execute("UPDATE objects SET sub=?, spos=?, status=?, dlm=?, r1=?, r2=?, r3=?, doc=?, hrefs=? "
                                "WHERE seq=?", (ix.sub, spos, doc.get("status", "active"), dlm, ix.r1, ix.r2,
                                                ix.r3, text, text.count(STORED_HREF), old[0]))
            self._links(kind, sid, doc)
            if event:
                self.db.execute("INSERT INTO events VALUES (?, ?, ?, ?)", (dlm, kind, sid, event))
            if len(rows_new) >= BATCH:
                self._insert(rows_new)
        self._insert(rows_new)
        return created

    def _insert(self, rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        try:
            self.db.executemany("INSERT INTO objects(kind, sid, sub, pos, spos, status, dlm, r1, r2, r3, doc, hrefs) "
                                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)
        except sqlite3.IntegrityError:
            seen: set[tuple[str, str]] = set()
            dup = next((r for r in rows if (r[0], r[1]) in seen or seen.add((r[0], r[1]))), rows[0])
            raise ConfigError(f"the roster holds the {dup[0]} sourcedId {dup[1]!r} twice") from None
        rows.clear()

    def _links(self, kind: str, sid: str, doc: Mapping[str, Any]) -> None:
        if kind == "user":
            self.db.execute("DELETE FROM user_orgs WHERE user=?", (sid,))
            self.db.executemany("INSERT OR IGNORE INTO user_orgs VALUES (?, ?, ?)", [
                (sid, _sid(r.get("org")), r.get("role")) for r in doc.get("roles") or []
                if isinstance(r, dict) and _sid(r.get("org")) and r.get("role")])
        elif kind == "class":
            self.db.execute("DELETE FROM class_terms WHERE class=?", (sid,))
            self.db.executemany("INSERT OR IGNORE INTO class_terms VALUES (?, ?)",
                                [(t, sid) for t in (_sid(x) for x in doc.get("terms") or []) if t])

    def delete(self, kind: str, sid: str) -> bool:
        """Remove an object (gradebook DELETE; rostering objects are marked tobedeleted instead)."""
        with self._lock:
            self._counts.clear()
            cur = self.db.execute("DELETE FROM objects WHERE kind=? AND sid=?", (kind, sid))
            return cur.rowcount > 0

    # -- reading -------------------------------------------------------------------------------

    def get(self, kind: str, sid: str) -> dict[str, Any] | None:
        with self._lock:
            row = self.db.execute("SELECT doc FROM objects WHERE kind=? AND sid=?", (kind, sid)).fetchone()
        return None if row is None else json.loads(row[0])

    def get_text(self, kind: str, sid: str) -> str | None:
        with self._lock:
            row = self.db.execute("SELECT doc FROM objects WHERE kind=? AND sid=?", (kind, sid)).fetchone()
        return None if row is None else row[0]

    def counted(self, sql: str, params: Sequence[Any]) -> int:
        """A ``COUNT(*)`` query's answer, kept until the next write: a client paging a million users
        asks for the same total once per page, and counting scans the whole collection."""
        key = (sql, tuple(params))
        with self._lock:
            if key not in self._counts:
                if len(self._counts) > 1000:
                    self._counts.clear()
                self._counts[key] = self.db.execute(sql, params).fetchone()[0]
            return self._counts[key]

    def known_count(self, sql: str, params: Sequence[Any]) -> int | None:
        """``counted``'s answer if it is kept, else None (without counting)."""
        with self._lock:
            return self._counts.get((sql, tuple(params)))

    @contextmanager
    def unless_busy(self) -> Iterator[bool]:
        """Hold the store's lock if no other thread holds it (True), else False at once: the event
        loop may answer a request of bounded cost itself, but must never wait behind a long query."""
        held = self._lock.acquire(blocking=False)
        try:
            yield held
        finally:
            if held:
                self._lock.release()

    def query(self, sql: str, params: Sequence[Any]) -> list[Any]:
        with self._lock:
            return self.db.execute(sql, params).fetchall()

    def count(self, kind: str) -> int:
        with self._lock:
            return self.db.execute("SELECT COUNT(*) FROM objects WHERE kind=?", (kind,)).fetchone()[0]

    def iter_docs(self, kind: str, *, since: str | None = None, batch: int = BATCH) -> Iterator[dict[str, Any]]:
        """Every object of a kind in insertion order (``since``: changed after that instant), a batch
        at a time, so a caller can stream a million rows."""
        last = 0
        while True:
            with self._lock:
                rows = self.db.execute(
                    "SELECT seq, doc FROM objects WHERE kind=? AND seq>? AND (? IS NULL OR dlm>?) ORDER BY seq LIMIT ?",
                    (kind, last, since, since, batch)).fetchall()
            if not rows:
                return
            for seq, doc in rows:
                last = seq
                yield json.loads(doc)

    def dense(self, kind: str, subset: str | None, total: int) -> bool:
        """Whether the positions of a kind (or kind+sub) are still 0..total-1 (nothing was deleted and no
        object changed its sub), so a page may be read as a position range."""
        if subset is None:
            return total == self._pos.get(kind, 0)
        sub = subset.split("=", 1)[1]
        return total == self._spos.get((kind, sub), 0)

    def setting(self, key: str, default: str | None = None) -> str | None:
        with self._lock:
            row = self.db.execute("SELECT value FROM settings WHERE key=?", (key,)).fetchone()
        return default if row is None else row[0]

    def set_setting(self, key: str, value: str) -> None:
        with self._lock:
            self.db.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)", (key, value))

    # -- loading a bundle ----------------------------------------------------------------------

    def load_bundle(self, bundle: Path, *, loaded_at: str | None = None) -> dict[str, int]:
        """Fill the store from a OneRoster 1.2 CSV bulk bundle (zip or folder); returns object counts.

        Bulk rows carry no status/dateLastModified: they become ``active`` as of ``loaded_at``."""
        from renkei.mocks.school_affairs.rest.bundle import read_bundle

        at = loaded_at or stamp()
        fresh = self.path is not None and not self._pos  # a bulk load into an empty file: laid out afresh after
        counts: dict[str, int] = {}
        with read_bundle(bundle, shape=self.shape, stamp=at) as source, self.transaction():
            for kind, docs in source.kinds():
                counts[kind] = self._put_many(kind, docs)
            self.db.execute("INSERT OR REPLACE INTO settings VALUES ('loaded_at', ?)", (at,))
            self.db.execute("INSERT OR REPLACE INTO settings VALUES ('csv_headers', ?)",
                            (json.dumps(source.headers, ensure_ascii=False),))
            self.db.execute("INSERT OR REPLACE INTO settings VALUES ('manifest', ?)",
                            (json.dumps(source.manifest, ensure_ascii=False),))
        if fresh:
            self._compact()
        return counts
