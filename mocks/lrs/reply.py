"""What a resource handler answers, before the app adds the headers every answer carries."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from typing import Any

JSON = "application/json"


@dataclass
class Reply:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    media_type: str | None = None
    stored_ids: list[str] = field(default_factory=list)  # statements this request stored (recording mode)


def json_reply(value: Any, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    body = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    return Reply(status, body, headers or {}, JSON)


def http_date(stamp: str) -> str:
    """An LRS instant (``2026-12-04T06:50:00.123Z``) as an HTTP-date, for ``Last-Modified``."""
    return format_datetime(datetime.fromisoformat(stamp), usegmt=True)
