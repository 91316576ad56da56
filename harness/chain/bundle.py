"""A vendor 校務支援's OneRoster CSV bundle as the roster at one moment (a ``RosterSnapshot``).

Only the files the links need are read (orgs, academicSessions, classes, users, roles, enrollments;
OneRoster 1.1's ``users.role``/``orgSourcedIds`` stand for roles.csv when it is absent), each row turned
into the REST object the two bindings agree on (``oneroster.model.rest_binding``), so a bundle and a
REST provider are compared with the links the same way. The bundle's own conformance is the CSV
profiles' business: here a file that cannot be read is a ``ConfigError`` naming the file (and row),
and every input is bounded (entries, bytes per file).
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from renkei.harness.chain.roster import RosterSnapshot, snapshot_from_rest
from renkei.harness.core.errors import ConfigError
from renkei.harness.oneroster.model import rest_binding as rb
from renkei.harness.oneroster.model.bundle_files import read_files

FILES = ("orgs", "academicSessions", "classes", "users", "roles", "enrollments")
REQUIRED = ("orgs", "classes", "users", "enrollments")
MAX_ENTRIES = 200
MAX_FILE_BYTES = 256 * 1024 * 1024
csv.field_size_limit(1024 * 1024)


def _rows(name: str, data: bytes) -> list[dict[str, str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{name}: not UTF-8 (byte {exc.start})") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows: list[dict[str, str]] = []
    try:
        for row in reader:
            if None in row:
                raise ConfigError(f"{name}: row {reader.line_num}: more fields than header columns")
            rows.append({k: (v or "").strip() for k, v in row.items() if k is not None})
    except csv.Error as exc:
        raise ConfigError(f"{name}: row {reader.line_num}: CSV syntax error ({exc})") from None
    return rows


def _status(row: dict[str, str]) -> str:
    return row.get("status") or "active"


def _roles(users: list[dict[str, str]], roles: list[dict[str, str]] | None) -> dict[str, list[dict[str, str]]]:
    by_user: dict[str, list[dict[str, str]]] = {}
    if roles is not None:
        for r in roles:
            if r.get("status") != "tobedeleted":
                by_user.setdefault(r.get("userSourcedId", ""), []).append(r)
        return by_user
    for u in users:  # OneRoster 1.1: the role and orgs are columns of users.csv
        for org in rb.split_list(u.get("orgSourcedIds", "")):
            by_user.setdefault(u.get("sourcedId", ""), []).append({"role": u.get("role", ""), "orgSourcedId": org,
                                                                    "roleType": "primary"})
    return by_user


def read_bundle(path: Path, at: float | None = None) -> RosterSnapshot:
    files = read_files(Path(path), (f"{name}.csv" for name in FILES), max_entries=MAX_ENTRIES,
                       max_file_bytes=MAX_FILE_BYTES)
    missing = [n for n in REQUIRED if f"{n}.csv" not in files]
    if missing:
        raise ConfigError(f"{path}: the bundle has no {', '.join(m + '.csv' for m in missing)}")
    rows = {n: [r for r in _rows(f"{path}: {n}.csv", files[f"{n}.csv"]) if r.get("sourcedId") or n == "roles"]
            for n in FILES if f"{n}.csv" in files}
    kw: dict[str, Any] = {"shape": rb.NESTED, "stamp": ""}
    roles = _roles(rows["users"], rows.get("roles"))
    objects: dict[str, Iterable[dict[str, Any]]] = {
        "org": [rb.org(r, (), status=_status(r), **kw) for r in rows["orgs"]],
        "academicSession": [rb.academic_session(r, (), status=_status(r), **kw) for r in rows.get("academicSessions", [])],
        "class": [rb.klass(r, status=_status(r), **kw) for r in rows["classes"]],
        "user": [rb.user(r, roles.get(r.get("sourcedId", ""), []), (), status=_status(r), **kw) for r in rows["users"]],
        "enrollment": [rb.enrollment(r, status=_status(r), **kw) for r in rows["enrollments"]],
    }
    return snapshot_from_rest(time.time() if at is None else at, objects)
