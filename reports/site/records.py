"""One published result: what the listing needs of a result folder, read and checked once.

Why a record of its own: the site, the feed and the badges must say the same thing about a result,
and none of them may carry personal data, so everything they show is taken from here: the product,
the profile, the verdict and its counts, the dates, the renkei version and the signature status, but
never a finding. A folder that is not a renkei result is a ``SiteError`` naming it.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from renkei.reports import signature as S

MAX_RESULT_BYTES = 256 * 1024 * 1024
ROLES = ("provider", "consumer", "platform", "tool", "lrs", "lrp")
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


class SiteError(Exception):
    """An input the site cannot be built from (the CLI makes it one exit-2 line)."""


@dataclass
class Record:
    id: str  # stable: from the bytes of result.json, so the same result always lands at the same place
    folder: Path
    product: str
    product_version: str
    vendor: str
    role: str
    profile_id: str
    profile_version: str
    profile_title: str
    profile_title_ja: str
    standard: str
    verdict: str  # pass | fail | interrupted
    finished_at: datetime
    suite_version: str
    counts: dict[str, int]
    redacted: bool
    signature: str = "unsigned"  # verified | unsigned | unverifiable (no keyring) | tampered | unknown_key
    signature_key: str = ""
    signature_detail: str = ""
    status: str = "current"  # current | superseded | expired (status.assign sets it)
    superseded_by: str = ""
    has_report: bool = False  # a report is linked (a redacted one, or one the operator allowed)
    files: list[str] = field(default_factory=list)

    @property
    def product_key(self) -> str:
        """A file name for the product: readable where the name is ASCII, unique by a digest."""
        digest = hashlib.sha256(f"{self.vendor}\x00{self.product}".encode()).hexdigest()[:10]
        readable = _SAFE.sub("-", self.product).strip("-.").lower()[:40]
        return f"{readable}-{digest}" if readable else f"p-{digest}"

    @property
    def version_key(self) -> str:
        readable = _SAFE.sub("-", self.product_version).strip("-.")[:40] or "unversioned"
        return readable + "-" + hashlib.sha256(self.product_version.encode()).hexdigest()[:6]

    @property
    def group(self) -> tuple[str, str, str, str, str]:
        """Results of the same product version, profile and role: the newest supersedes the others."""
        return (self.vendor, self.product, self.product_version, self.profile_id, self.role)


def _text(value: Any, limit: int = 300) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _when(value: Any, where: Path) -> datetime:
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise SiteError(f"{where}: finished_at {value!r} is not an ISO 8601 date-time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _product_name(data: dict[str, Any]) -> tuple[str, str, str, str]:
    product = data.get("product") if isinstance(data.get("product"), dict) else {}
    name = _text(product.get("name"))
    if not name:  # no product declared: the name the target file gave the product under test, if any
        target = data.get("target") if isinstance(data.get("target"), dict) else {}
        name = next((_text(target[k]) for k in ("provider", "consumer", "platform", "tool", "lrs", "app")
                     if isinstance(target.get(k), str) and target[k]), "")
    role = _text(product.get("role"))
    return name or "（製品名の宣言なし）", _text(product.get("version")), _text(product.get("vendor")), \
        role if role in ROLES else ""


def read_record(folder: Path, keyring: dict[str, Ed25519PublicKey] | None) -> Record:
    """The record of one result folder; its signature verified when a keyring is given."""
    path = folder / "result.json"
    try:
        if path.stat().st_size > MAX_RESULT_BYTES:
            raise SiteError(f"{path}: larger than {MAX_RESULT_BYTES} bytes")
        raw = path.read_bytes()
    except OSError as exc:
        raise SiteError(f"{folder}: no readable result.json ({exc.strerror}); not a renkei result folder") from None
    try:
        data = json.loads(raw)
    except ValueError:
        raise SiteError(f"{path}: not valid JSON") from None
    profile = data.get("profile") if isinstance(data, dict) else None
    if not isinstance(profile, dict) or not isinstance(profile.get("id"), str):
        raise SiteError(f"{path}: not a renkei result (no profile.id)")
    verdict = data.get("verdict")
    if verdict not in ("pass", "fail", "interrupted"):
        raise SiteError(f"{path}: verdict {verdict!r} is not pass, fail or interrupted")
    name, version, vendor, role = _product_name(data)
    summary = data.get("summary") if isinstance(data.get("summary"), dict) else {}
    record = Record(
        id=hashlib.sha256(raw).hexdigest()[:16], folder=folder, product=name, product_version=version,
        vendor=vendor, role=role, profile_id=_text(profile["id"], 120), profile_version=_text(profile.get("version")),
        profile_title=_text(profile.get("title")), profile_title_ja=_text(profile.get("title_ja")),
        standard=_text(profile.get("standard")), verdict=verdict,
        finished_at=_when(data.get("finished_at") or data.get("started_at"), path),
        suite_version=_text((data.get("tool") or {}).get("version") if isinstance(data.get("tool"), dict) else ""),
        counts={k: int(v) for k, v in summary.items() if isinstance(v, int) and not isinstance(v, bool)},
        redacted=data.get("redacted") is True,
    )
    _judge_signature(record, keyring)
    return record


def _judge_signature(record: Record, keyring: dict[str, Ed25519PublicKey] | None) -> None:
    sig = record.folder / S.SIGNATURE_FILE
    if not sig.is_file():
        record.signature, record.signature_detail = "unsigned", "no signature.json"
        return
    if keyring is None:
        record.signature, record.signature_detail = "unverifiable", "signed, but no keyring was given to check it"
        try:
            record.signature_key = str(json.loads(sig.read_bytes()[:1_000_000])["manifest"]["key"])[:120]
        except (ValueError, KeyError, TypeError):
            record.signature, record.signature_detail = "tampered", "signature.json is damaged"
        return
    verdict = S.verify_folder(record.folder, keyring)
    record.signature = "verified" if verdict.status == "valid" else verdict.status
    record.signature_key, record.signature_detail = verdict.key, verdict.message
