"""The open-data feed of the listing: JSON (with its JSON Schema) and CSV, the same content as the site.

Why deterministic bytes: an operator ingesting the feed (the 教育DXサービスマップ, a board of
education) compares feeds to see what changed, so the same inputs must give the same bytes: records
are sorted, keys keep one order, dates are UTC ISO 8601, and the only date not taken from the results
is ``as_of``, which the publisher states.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from typing import Any

from renkei.reports.site.records import ROLES, Record
from renkei.reports.site.status import expires_at

FORMAT = "renkei-listing-feed/1"
SCHEMA_ID = "https://renkei.invalid/schemas/listing-feed-1.json"
CSV_COLUMNS = ("id", "product", "product_version", "vendor", "role", "profile_id", "profile_version", "standard",
               "verdict", "status", "finished_at", "expires_at", "superseded_by", "suite_version", "signature",
               "signature_key", "passed", "failed", "warnings", "errors", "skipped", "total", "report")


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def sort_key(record: Record) -> tuple[Any, ...]:
    return (record.product, record.vendor, record.product_version, record.profile_id, record.role,
            record.finished_at, record.id)


def entry(record: Record, validity_months: int, report: str | None) -> dict[str, Any]:
    c = record.counts
    return {
        "id": record.id,
        "product": {"name": record.product, "version": record.product_version, "vendor": record.vendor},
        "role": record.role,
        "profile": {"id": record.profile_id, "version": record.profile_version, "title": record.profile_title,
                    "title_ja": record.profile_title_ja},
        "standard": record.standard,
        "verdict": record.verdict,
        "status": record.status,
        "finished_at": _utc(record.finished_at),
        "expires_at": _utc(expires_at(record, validity_months)),
        "superseded_by": record.superseded_by or None,
        "suite_version": record.suite_version,
        "signature": {"status": record.signature, "key": record.signature_key or None},
        "counts": {k: int(c.get(k, 0)) for k in ("passed", "failed", "warnings", "errors", "skipped", "total")},
        "report": report,
    }


def feed(records: list[Record], *, as_of: datetime, validity_months: int,
         reports: dict[str, str | None]) -> dict[str, Any]:
    return {"format": FORMAT, "$schema": SCHEMA_ID, "as_of": _utc(as_of), "validity_months": validity_months,
            "results": [entry(r, validity_months, reports.get(r.id)) for r in sorted(records, key=sort_key)]}


def feed_json(data: dict[str, Any]) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def feed_csv(data: dict[str, Any]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for e in data["results"]:
        c = e["counts"]
        writer.writerow([e["id"], e["product"]["name"], e["product"]["version"], e["product"]["vendor"], e["role"],
                         e["profile"]["id"], e["profile"]["version"], e["standard"], e["verdict"], e["status"],
                         e["finished_at"], e["expires_at"], e["superseded_by"] or "", e["suite_version"],
                         e["signature"]["status"], e["signature"]["key"] or "", c["passed"], c["failed"],
                         c["warnings"], c["errors"], c["skipped"], c["total"], e["report"] or ""])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # a BOM: spreadsheet software reads the Japanese right


def schema() -> dict[str, Any]:
    """The published JSON Schema (2020-12) of ``feed.json``."""
    text = {"type": "string"}
    opt_text = {"type": ["string", "null"]}
    stamp = {"type": "string", "format": "date-time"}
    count = {"type": "integer", "minimum": 0}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID,
        "title": "renkei listing feed", "type": "object", "additionalProperties": False,
        "required": ["format", "$schema", "as_of", "validity_months", "results"],
        "properties": {
            "format": {"const": FORMAT}, "$schema": {"const": SCHEMA_ID}, "as_of": stamp,
            "validity_months": {"type": "integer", "minimum": 1},
            "results": {"type": "array", "items": {
                "type": "object", "additionalProperties": False,
                "required": ["id", "product", "role", "profile", "standard", "verdict", "status", "finished_at",
                             "expires_at", "superseded_by", "suite_version", "signature", "counts", "report"],
                "properties": {
                    "id": {"type": "string", "pattern": "^[0-9a-f]{16}$"},
                    "product": {"type": "object", "additionalProperties": False,
                                "required": ["name", "version", "vendor"],
                                "properties": {"name": text, "version": text, "vendor": text}},
                    "role": {"enum": ["", *ROLES]},
                    "profile": {"type": "object", "additionalProperties": False,
                                "required": ["id", "version", "title", "title_ja"],
                                "properties": {"id": text, "version": text, "title": text, "title_ja": text}},
                    "standard": text,
                    "verdict": {"enum": ["pass", "fail", "interrupted"]},
                    "status": {"enum": ["current", "superseded", "expired"]},
                    "finished_at": stamp, "expires_at": stamp,
                    "superseded_by": {"type": ["string", "null"], "pattern": "^[0-9a-f]{16}$"},
                    "suite_version": text,
                    "signature": {"type": "object", "additionalProperties": False, "required": ["status", "key"],
                                  "properties": {"status": {"enum": ["verified", "unsigned", "unverifiable",
                                                                     "tampered", "unknown_key"]},
                                                 "key": opt_text}},
                    "counts": {"type": "object", "additionalProperties": False,
                               "required": ["passed", "failed", "warnings", "errors", "skipped", "total"],
                               "properties": {k: count for k in ("passed", "failed", "warnings", "errors",
                                                                 "skipped", "total")}},
                    "report": opt_text,
                }}},
        },
    }
