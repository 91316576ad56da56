"""ISO 8601 date-times as LTI Advantage writes them, parsed in one place (harness and mocks alike).

Why one parser: AGS requires a time zone designator on every date-time ("``Z`` designator or
``+00:00`` offset ... or time offset from UTC for another time zone", [AGS §3.2.12, §3.2.13,
§3.4.9, §3.4.10]) and its own list of valid score timestamps uses ``Z``, ``+00:00`` and ``+00``
[AGS §3.4.9.1]; ISO 8601 also writes the offset without a colon (``+0000``). Separate regular
expressions had drifted apart and rejected a valid example of the spec text.

Accepted: ``YYYY-MM-DDThh:mm:ss``, an optional fraction of 1-9 digits (``.`` or ISO's ``,``), and a
zone ``Z``, ``±hh``, ``±hhmm`` or ``±hh:mm``. Rejected (a ``ValueError`` naming why): no zone, no
seconds, a space or lower-case ``t`` instead of ``T``, week or ordinal dates, impossible dates and
times (month 13, 24:00, February 30), offsets of 24 hours or more. Python's
``datetime.fromisoformat`` is not used alone because it accepts several of these.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

_DATE_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(Z|[+-]\d{2}(?::?\d{2})?)?")


class InvalidTimestamp(ValueError):
    """``str()`` (and ``ja``) say what is wrong, never echoing the value (findings carry it in ``value``)."""

    def __init__(self, en: str, ja: str) -> None:
        super().__init__(en)
        self.ja = ja


@dataclass(frozen=True)
class Timestamp:
    """A parsed date-time: ``moment`` (aware, to the microsecond) and ``epoch`` (exact seconds since
    1970, all fraction digits kept, so two scores a nanosecond apart still compare in order)."""

    moment: datetime
    epoch: Decimal
    sub_second: bool  # the text carries a fraction of a second


def parse_timestamp(value: Any, *, sub_second: bool = False) -> Timestamp:
    """Parse an AGS/LTI date-time; ``sub_second`` also requires a fraction [AGS §3.4.9]."""
    if not isinstance(value, str):
        raise InvalidTimestamp("a date-time must be a string", "日時は文字列でなければなりません")
    m = _DATE_TIME.fullmatch(value)
    if m is None:
        raise InvalidTimestamp("not an ISO 8601 date-time of the form YYYY-MM-DDThh:mm:ss[.fff]±hh:mm",
                               "YYYY-MM-DDThh:mm:ss[.fff]±hh:mm 形式の ISO 8601 日時ではありません")
    year, month, day, hour, minute, second, fraction, zone = m.groups()
    if zone is None:
        raise InvalidTimestamp("the date-time has no time zone designator (Z or an offset such as +09:00)",
                               "タイムゾーン指定 (Z や +09:00 などの時差) がありません")
    if sub_second and fraction is None:
        raise InvalidTimestamp("the date-time has no fraction of a second (sub-second precision is required)",
                               "秒未満の桁がありません (秒未満の精度が必要です)")
    offset = timedelta(0)
    if zone != "Z":
        digits = zone[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:] or 0)
        if hours > 23 or minutes > 59:
            raise InvalidTimestamp("the time zone offset is out of range", "時差が範囲外です")
        offset = timedelta(hours=hours, minutes=minutes) * (-1 if zone[0] == "-" else 1)
    try:
        whole = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second),
                         tzinfo=timezone(offset))
    except ValueError:
        raise InvalidTimestamp("the date or time does not exist (a field is out of range)",
                               "存在しない日付または時刻です (範囲外の項目があります)") from None
    micros = int((fraction or "0").ljust(6, "0")[:6])
    epoch = Decimal(int(whole.timestamp())) + (Decimal("0." + fraction) if fraction else Decimal(0))
    return Timestamp(moment=whole.replace(microsecond=micros), epoch=epoch, sub_second=fraction is not None)


def is_timestamp(value: Any, *, sub_second: bool = False) -> bool:
    try:
        parse_timestamp(value, sub_second=sub_second)
    except InvalidTimestamp:
        return False
    return True


def utc_timestamp(seconds: float) -> str:
    """``seconds`` since 1970 as an AGS score timestamp: UTC, millisecond precision, ``Z``."""
    moment = datetime.fromtimestamp(seconds, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
