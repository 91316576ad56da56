"""Tiny OneRoster bundles for tests: a valid roster per variant, zips on disk, in-memory runs.

    files = valid_roster("1.2.1")                 # {"users.csv": [header, row, ...], ...}
    files["users.csv"][1][3] = "TRUE"             # break something
    sink = run_memory(files)                      # manifest added, every base check active
    path = make_bundle(tmp_path, files=files)     # the same as a zip (manifest added)

Rows are lists of cells (or raw CSV lines as str). All people are generated placeholders.
"""

from __future__ import annotations

import csv
import io
import uuid
import zipfile
from pathlib import Path
from typing import Any

from renkei.harness.core.registry import REGISTRY
from renkei.harness.oneroster.csv import checks_base  # noqa: F401  (registers the checks)
from renkei.harness.oneroster.csv.analysis import analyse
from renkei.harness.oneroster.csv.engine import MemorySource
from renkei.harness.oneroster.csv.sink import FindingSink
from renkei.harness.oneroster.model.columns import roster_headers
from renkei.harness.oneroster.model.schema import files_for

Rows = list[list[str] | str]


def uid(n: int) -> str:
    """Deterministic lower-case UUID v4 (JP profiles require v4 sourcedIds)."""
    return str(uuid.UUID(int=0x1000_0000_0000_0000_0000_0000_0000_0000 + n, version=4))


AS_YEAR, AS_TERM = uid(1), uid(2)
ORG_DISTRICT, ORG_SCHOOL = uid(10), uid(11)
COURSE, CLASS = uid(20), uid(30)
STUDENT, TEACHER = uid(40), uid(41)
ROLE_STUDENT, ROLE_TEACHER = uid(50), uid(51)
ENR_STUDENT, ENR_TEACHER = uid(60), uid(61)

_RECORDS: dict[str, list[dict[str, str]]] = {
    "academicSessions": [
        {"sourcedId": AS_YEAR, "title": "2024年度", "type": "schoolYear", "startDate": "2024-04-01",
         "endDate": "2025-03-31", "schoolYear": "2024"},
    ],
    "orgs": [
        {"sourcedId": ORG_DISTRICT, "name": "見本市教育委員会", "type": "district", "identifier": "011002"},
        {"sourcedId": ORG_SCHOOL, "name": "見本市立第一小学校", "type": "school",
         "identifier": "B101200000019", "parentSourcedId": ORG_DISTRICT},
    ],
    "courses": [
        {"sourcedId": COURSE, "schoolYearSourcedId": AS_YEAR, "title": "2024年度ホームルーム",
         "grades": "P1", "orgSourcedId": ORG_SCHOOL},
    ],
    "classes": [
        {"sourcedId": CLASS, "title": "1年1組", "grades": "P1", "courseSourcedId": COURSE,
         "classType": "homeroom", "schoolSourcedId": ORG_SCHOOL, "termSourcedIds": AS_YEAR,
         "metadata.jp.specialNeeds": "false"},
    ],
    "users": [
        {"sourcedId": STUDENT, "enabledUser": "true", "username": "student1", "givenName": "一郎",
         "familyName": "試験", "grades": "P1", "userMasterIdentifier": uid(70),
         "preferredGivenName": "一郎", "preferredFamilyName": "試験", "primaryOrgSourcedId": ORG_SCHOOL,
         "orgSourcedIds": ORG_SCHOOL, "role": "student",
         "metadata.jp.kanaGivenName": "イチロウ", "metadata.jp.kanaFamilyName": "シケン",
         "metadata.jp.homeClass": CLASS, "metadata.jp.kanaPreferredGivenName": "イチロウ",
         "metadata.jp.kanaPreferredFamilyName": "シケン"},
        {"sourcedId": TEACHER, "enabledUser": "true", "username": "teacher1", "givenName": "花子",
         "familyName": "見本", "userMasterIdentifier": uid(71), "preferredGivenName": "花子",
         "preferredFamilyName": "見本", "primaryOrgSourcedId": ORG_SCHOOL,
         "orgSourcedIds": ORG_SCHOOL, "role": "teacher",
         "metadata.jp.kanaGivenName": "ハナコ", "metadata.jp.kanaFamilyName": "ミホン",
         "metadata.jp.kanaPreferredGivenName": "ハナコ", "metadata.jp.kanaPreferredFamilyName": "ミホン"},
    ],
    "roles": [
        {"sourcedId": ROLE_STUDENT, "userSourcedId": STUDENT, "roleType": "primary", "role": "student",
         "orgSourcedId": ORG_SCHOOL},
        {"sourcedId": ROLE_TEACHER, "userSourcedId": TEACHER, "roleType": "primary", "role": "teacher",
         "orgSourcedId": ORG_SCHOOL},
    ],
    "enrollments": [
        {"sourcedId": ENR_STUDENT, "classSourcedId": CLASS, "schoolSourcedId": ORG_SCHOOL,
         "userSourcedId": STUDENT, "role": "student", "primary": "false",
         "metadata.jp.ShussekiNo": "1", "metadata.jp.shussekiNo": "1",
         "metadata.jp.PublicFlg": "true", "metadata.jp.publicFlg": "true"},
        {"sourcedId": ENR_TEACHER, "classSourcedId": CLASS, "schoolSourcedId": ORG_SCHOOL,
         "userSourcedId": TEACHER, "role": "teacher", "primary": "true"},
    ],
}


def valid_roster(variant: str = "1.2.1") -> dict[str, list[list[str]]]:
    """The seven rostering files, bulk, consistent, with headers of ``variant`` (no manifest)."""
    headers = roster_headers(variant)
    out: dict[str, list[list[str]]] = {}
    for name, records in _RECORDS.items():
        if name not in headers:
            continue
        header = list(headers[name])
        out[f"{name}.csv"] = [header] + [[r.get(h, "") for h in header] for r in records]
    return out


def manifest_rows(files: dict[str, Any], *, variant: str = "1.2.1", version: str = "1.2",
                  mode: str = "bulk", extra: dict[str, str] | None = None) -> list[list[str]]:
    """A manifest declaring the given data files ``mode`` and every other file absent."""
    rows = [["propertyName", "value"], ["manifest.version", "1.0"], ["oneroster.version", version]]
    for f in files_for(variant):
        rows.append([f"file.{f}", mode if f"{f}.csv" in files else "absent"])
    for k, v in (extra or {}).items():
        rows.append([k, v])
    return rows


def with_manifest(files: dict[str, Rows], manifest: Any = None, **kw: Any) -> dict[str, Rows]:
    """``files`` plus manifest.csv: None = generated (kw as ``manifest_rows``), False = none,
    a dict = generated then these properties overridden/added, a list = rows as given."""
    out = dict(files)
    if manifest is False or "manifest.csv" in files:
        return out
    if isinstance(manifest, list):
        out["manifest.csv"] = manifest
        return out
    rows = manifest_rows(files, **kw)
    if isinstance(manifest, dict):
        index = {r[0]: i for i, r in enumerate(rows)}
        for k, v in manifest.items():
            if k in index:
                rows[index[k]] = [k, v]
            else:
                rows.append([k, v])
    out["manifest.csv"] = rows
    return out


def csv_bytes(rows: Rows, *, bom: bool = False, crlf: bool = True, encoding: str = "utf-8") -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n" if crlf else "\n")
    for row in rows:
        if isinstance(row, str):
            buf.write(row + ("\r\n" if crlf else "\n"))
        else:
            writer.writerow(row)
    data = buf.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def make_bundle(tmp_path: Path, files: dict[str, Rows], manifest: Any = None, *, name: str = "bundle.zip",
                bom: bool = False, crlf: bool = True, **kw: Any) -> Path:
    """Write ``files`` (+ manifest, see ``with_manifest``) as a zip at the root; return its path."""
    path = Path(tmp_path) / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for fname, rows in with_manifest(files, manifest, **kw).items():
            zf.writestr(fname, csv_bytes(rows, bom=bom, crlf=crlf))
    return path


NOT_BASE = ("or.jp.", "or.sem.", "or.pkg.", "or.enc.", "or.csv.")


def active_checks(pattern: str = "or.*", params: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """Check id -> params (defaults + ``params``) for every registered OneRoster check matching.

    ``pattern="base"`` selects the checks of ``checks_base`` only (no Japanese/semantic/reader ones).
    """
    defs = REGISTRY.match("or.*" if pattern == "base" else pattern, kind="oneroster-csv")
    if pattern == "base":
        defs = [d for d in defs if not d.id.startswith(NOT_BASE)]
    return {d.id: {**d.params, **(params or {})} for d in defs}


def run_memory(files: dict[str, Rows], params: dict[str, Any] | None = None, *, manifest: Any = None,
               checks: str = "or.*", chunk_rows: int = 2, **kw: Any) -> FindingSink:
    """Analyse ``files`` in memory (no zip, no reader) with every matching check active."""
    params = dict(params or {})
    kw.setdefault("variant", params.get("columns", "1.2.1"))
    all_files = with_manifest(files, manifest, **kw)
    rows = {n: [r if isinstance(r, list) else next(csv.reader([r])) for r in v] for n, v in all_files.items()}
    sink = FindingSink(active_checks(checks, params))
    analyse(sink, params, MemorySource(rows, chunk_rows=chunk_rows))
    return sink


def failing(sink: FindingSink) -> dict[str, int]:
    """Check id -> violation count, only for checks that found something."""
    return {k: v for k, v in sink.counts.items() if v}
