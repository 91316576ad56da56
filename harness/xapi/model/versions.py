"""xAPI versions and the ``X-Experience-API-Version`` header (1.0.3 Communication §3.3; 9274.1.1 4.1.5)."""

from __future__ import annotations

import re
from typing import Literal

Version = Literal["1.0.3", "2.0.0"]
VERSIONS: tuple[Version, ...] = ("1.0.3", "2.0.0")
HEADER = "X-Experience-API-Version"
CONSISTENT_THROUGH = "X-Experience-API-Consistent-Through"

_V1 = re.compile(r"1\.0(\.\d+)?")
_V2 = re.compile(r"2\.0(\.\d+)?")


def from_header(value: str | None) -> Version | None:
    """The version line a request's header selects, or None when the LRS must refuse it (400).

    1.0.3 §3.3: ``1.0`` is ``1.0.0`` and any ``1.0.x`` is accepted on an otherwise valid request;
    anything before 1.0.0 or from 1.1.0 on is refused, as is a missing header. 2.0: ``2.0`` / ``2.0.x``.
    """
    if value is None:
        return None
    value = value.strip()
    if _V1.fullmatch(value):
        return "1.0.3"
    if _V2.fullmatch(value):
        return "2.0.0"
    return None
