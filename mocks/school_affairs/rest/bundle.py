"""A OneRoster 1.2 CSV bulk bundle read as REST objects, kind by kind, streamed.

Used to load the store and to apply a later bulk bundle as a change (年次更新 from the next year's
export). Rows are converted by the shared binding (``rest_binding``); a user's roles and profiles,
which live in other files, are gathered through a private in-memory SQLite table so that a million
users never sit in Python lists.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import zipfile
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

from renkei.harness.core.errors import ConfigError
from renkei.harness.oneroster.model import rest_binding as rb

BATCH = 5000


class BundleSource:
    """The objects of one bundle; use as a context manager and iterate ``kinds()`` once."""

    def __init__(self, bundle: Path, *, shape: str, stamp: str) -> None:
        self.bundle = bundle
        self.kw = {"shape": shape, "status": "active", "stamp": stamp}
        self.zip: zipfile.ZipFile | None = None
        self.names: dict[str, str] = {}
        self.headers: dict[str, list[str]] = {}
        self.manifest: list[list[str]] = []

    def __enter__(self) -> BundleSource:
        try:
            if self.bundle.is_dir():
                self.names = {p.stem: str(p) for p in self.bundle.glob("*.csv")}
            else:
                self.zip = zipfile.ZipFile(self.bundle)
                self.names = {Path(n).stem: n for n in self.zip.namelist() if n.endswith(".csv") and "/" not in n}
        except (OSError, zipfile.BadZipFile) as exc:
            raise ConfigError(f"bundle {self.bundle}: cannot be read ({exc})") from None
        missing = [f for f in ("academicSessions", "orgs", "users", "roles") if f not in self.names]
        if missing:
            raise ConfigError(f"bundle {self.bundle}: {', '.join(f + '.csv' for f in missing)} missing; the mock "
                              "serves OneRoster 1.2 rosters (1.1 bundles put roles in users.csv)")
        self.manifest = [[r.get("propertyName", ""), r.get("value", "")] for r in self.rows("manifest")]
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self.zip is not None:
            self.zip.close()

    def rows(self, name: str) -> Iterator[dict[str, str]]:
        if name not in self.names:
            return
        raw = self.zip.open(self.names[name]) if self.zip is not None else open(self.names[name], "rb")  # noqa: SIM115
        with raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as text:
            reader = csv.DictReader(text)
            try:
                for line, row in enumerate(reader, start=2):
                    if None in row or any(v is None for v in row.values()):
                        raise ConfigError(f"bundle {self.bundle}: {name}.csv line {line}: "
                                          "the number of fields does not match the header")
                    if reader.fieldnames is not None and name not in self.headers:
                        self.headers[name] = list(reader.fieldnames)
                    yield row
            except (UnicodeDecodeError, csv.Error) as exc:
                raise ConfigError(f"bundle {self.bundle}: {name}.csv: {exc}") from None
            if reader.fieldnames is not None:
                self.headers.setdefault(name, list(reader.fieldnames))

    def kinds(self) -> Iterator[tuple[str, Iterator[dict[str, Any]]]]:
        """(kind, its objects) in dependency order."""
        kw = self.kw
        sessions = list(self.rows("academicSessions"))
        kids = _children(sessions)
        yield "academicSession", (rb.academic_session(r, kids.get(r["sourcedId"], []), **kw) for r in sessions)
        orgs = list(self.rows("orgs"))
        kids = _children(orgs)
        yield "org", (rb.org(r, kids.get(r["sourcedId"], []), **kw) for r in orgs)
        yield "course", (rb.course(r, **kw) for r in self.rows("courses"))
        yield "class", (rb.klass(r, **kw) for r in self.rows("classes"))
        yield "user", self._users()
        yield "enrollment", (rb.enrollment(r, **kw) for r in self.rows("enrollments"))
        yield "demographics", (rb.demographics(r, **kw) for r in self.rows("demographics"))

    def _users(self) -> Iterator[dict[str, Any]]:
        side = sqlite3.connect(":memory:")
        try:
            side.execute("CREATE TABLE raw(user TEXT, file TEXT, row TEXT)")
            for name in ("roles", "userProfiles"):
                batch: list[tuple[str, str, str]] = []
                for r in self.rows(name):
                    batch.append((r.get("userSourcedId", ""), name, json.dumps(r, ensure_ascii=False)))
                    if len(batch) >= BATCH:
                        side.executemany("INSERT INTO raw VALUES (?, ?, ?)", batch)
                        batch.clear()
                side.executemany("INSERT INTO raw VALUES (?, ?, ?)", batch)
            side.execute("CREATE INDEX raw_user ON raw(user)")
            for r in self.rows("users"):
                related = side.execute("SELECT file, row FROM raw WHERE user=?", (r["sourcedId"],)).fetchall()
                roles = [json.loads(x) for f, x in related if f == "roles"]
                profiles = [json.loads(x) for f, x in related if f == "userProfiles"]
                yield rb.user(r, roles, profiles, **self.kw)
        finally:
            side.close()


def read_bundle(bundle: Path, *, shape: str, stamp: str) -> BundleSource:
    return BundleSource(bundle, shape=shape, stamp=stamp)


def _children(rows: list[dict[str, str]]) -> dict[str, list[str]]:
    kids: dict[str, list[str]] = {}
    for r in rows:
        if r.get("parentSourcedId"):
            kids.setdefault(r["parentSourcedId"], []).append(r["sourcedId"])
    return kids
