"""xAPI value formats (Data §4: IRIs, UUIDs, timestamps, durations, language tags; §2.4.2.3 IFIs).

Every predicate takes ``Any`` and answers False for a non-string, so validators can call them on
untrusted JSON without a type test first. The patterns are compiled once: the mock LRS and the
statements profile call these for every field of every statement.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# An IRI (RFC 3987) reduced to what xAPI needs judged: a scheme, then no white space, control
# characters or the characters RFC 3987 never allows unescaped.
_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`\x00-\x1f\x7f]+")
# An IRL: an IRI that locates, i.e. with an authority (scheme://host...).
_IRL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s/?#<>\"{}|\\^`\x00-\x1f\x7f]+[^\s<>\"{}|\\^`\x00-\x1f\x7f]*")
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[!#$%&'()*+,\-./0-9:;=?@A-Z\[\]_a-z~]+")
_MBOX = re.compile(r"(?i:mailto):[^@\s<>\"\x00-\x1f\x7f]+@[^@\s<>\"\x00-\x1f\x7f]+")
_SHA1 = re.compile(r"[0-9a-fA-F]{40}")
_SHA2 = re.compile(r"[0-9a-fA-F]{56}|[0-9a-fA-F]{64}|[0-9a-fA-F]{96}|[0-9a-fA-F]{128}")
_MEDIA_TYPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+\-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+\-]*(?:\s*;.*)?", re.S)

# RFC 5646 §2.1 ABNF, case-insensitive, plus the grandfathered tags.
_ALNUM = "[A-Za-z0-9]"
_LANGTAG = (
    r"(?:[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3}|[A-Za-z]{4,8})"  # language [-extlang]
    r"(?:-[A-Za-z]{4})?"  # script
    r"(?:-(?:[A-Za-z]{2}|[0-9]{3}))?"  # region
    rf"(?:-(?:{_ALNUM}{{5,8}}|[0-9]{_ALNUM}{{3}}))*"  # variants
    rf"(?:-[0-9A-WYZa-wyz](?:-{_ALNUM}{{2,8}})+)*"  # extensions
    rf"(?:-[xX](?:-{_ALNUM}{{1,8}})+)?"  # private use
)
_GRANDFATHERED = (
    "en-GB-oed|i-ami|i-bnn|i-default|i-enochian|i-hak|i-klingon|i-lux|i-mingo|i-navajo|i-pwn|i-tao|i-tay|"
    "i-tsu|sgn-BE-FR|sgn-BE-NL|sgn-CH-DE|art-lojban|cel-gaulish|no-bok|no-nyn|zh-guoyu|zh-hakka|zh-min|"
    "zh-min-nan|zh-xiang"
)
_LANGUAGE_TAG = re.compile(rf"{_LANGTAG}|[xX](?:-{_ALNUM}{{1,8}})+|(?i:{_GRANDFATHERED})")

# ISO 8601 date-times, extended (2026-04-01T09:00:00.123+09:00) or basic (20260401T090000Z).
_TS_EXT = re.compile(  # re.ASCII: ISO 8601 digits are 0-9 (Python's \d would take ２０２６ too)
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?", re.ASCII)
_TS_BASIC = re.compile(r"(\d{4})(\d{2})(\d{2})[Tt](\d{2})(\d{2})(?:(\d{2})(?:[.,](\d+))?)?([Zz]|[+-]\d{2}(?:\d{2})?)?", re.ASCII)
# RFC 3339 §5.6 date-time (what 9274.1.1 asks for): seconds and an offset are required.
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})", re.ASCII)
_NEGATIVE_ZERO = frozenset({"-00", "-0000", "-00:00"})

# ISO 8601:2004 4.4.3.2 durations: PnYnMnWnDTnHnMnS (weeks accepted, as the ADL suite does).
_NUM = r"(\d+(?:[.,]\d+)?)"
_DURATION = re.compile(rf"P(?:{_NUM}Y)?(?:{_NUM}M)?(?:{_NUM}W)?(?:{_NUM}D)?(?:T(?:{_NUM}H)?(?:{_NUM}M)?(?:{_NUM}S)?)?", re.ASCII)

VOIDED = "http://adlnet.gov/expapi/verbs/voided"


def is_uuid(value: Any) -> bool:
    """A UUID in the standard 8-4-4-4-12 hexadecimal string form (Data §4.4, XAPI-00029)."""
    return value.__class__ is str and _UUID.fullmatch(value) is not None


_CACHED_CHARS = 200  # short strings recur in every statement (verb, activity types, extension keys): kept
_KNOWN_MAX = 4096  # entries per set of known-good strings (at most a few MiB): cleared when full

# Strings already judged valid, so a value met again costs one set look-up (a plain set is faster than
# an lru_cache call; hot code may test ``value in KNOWN_IRIS`` itself before calling the predicate).
# Only valid strings are kept: an invalid one is rare and is judged again each time.
KNOWN_IRIS: set[str] = set()
KNOWN_IRLS: set[str] = set()
KNOWN_TAGS: set[str] = set()
KNOWN_DATES: set[str] = set()


def _known(found: set[str], value: str) -> None:
    if len(value) <= _CACHED_CHARS:
        if len(found) >= _KNOWN_MAX:
            found.clear()
        found.add(value)


def _matches(value: Any, known: set[str], pattern: re.Pattern[str]) -> bool:
    """``pattern`` matches all of ``value`` (a string), remembered in ``known`` when it does."""
    if value.__class__ is not str:
        return False
    if value in known:
        return True
    if pattern.fullmatch(value) is None:
        return False
    _known(known, value)
    return True


def is_iri(value: Any) -> bool:
    """An absolute IRI: a scheme and a non-empty rest without white space (Data §4.3, XAPI-00011)."""
    return _matches(value, KNOWN_IRIS, _IRI)


def is_irl(value: Any) -> bool:
    """An IRI that locates a resource: ``scheme://authority…`` (account homePage, moreInfo, fileUrl)."""
    return _matches(value, KNOWN_IRLS, _IRL)


def is_uri(value: Any) -> bool:
    """An absolute URI (ASCII only), for ``openid`` (Data §2.4.2.3)."""
    return value.__class__ is str and _URI.fullmatch(value) is not None


def is_mbox(value: Any) -> bool:
    """``mailto:`` + an email address (the scheme is case-insensitive, RFC 6068)."""
    return value.__class__ is str and _MBOX.fullmatch(value) is not None


def is_sha1_hex(value: Any) -> bool:
    return value.__class__ is str and _SHA1.fullmatch(value) is not None


def is_sha2_hex(value: Any) -> bool:
    """A SHA-224/256/384/512 digest in hexadecimal (attachment ``sha2``, Data §2.4.11)."""
    return value.__class__ is str and _SHA2.fullmatch(value) is not None


def is_media_type(value: Any) -> bool:
    """``type/subtype`` with optional parameters (RFC 2046), for attachment ``contentType``."""
    return value.__class__ is str and _MEDIA_TYPE.fullmatch(value) is not None


def is_language_tag(value: Any) -> bool:
    """An RFC 5646 language tag (``ja-JP``, ``zh-Hant-TW``, ``x-private``), case-insensitive."""
    return _matches(value, KNOWN_TAGS, _LANGUAGE_TAG)


def is_number(value: Any) -> bool:
    """A JSON number: int or finite float, never a boolean (``True`` is an ``int`` in Python)."""
    cls = value.__class__
    return cls is int or (cls is float and math.isfinite(value))


def is_duration(value: Any) -> bool:
    """An ISO 8601:2004 §4.4.3.2 duration with at least one component; only the last may have a
    fraction, and a ``T`` must be followed by a time component (Data §4.6, XAPI-00124)."""
    if value.__class__ is not str:
        return False
    m = _DURATION.fullmatch(value)
    if m is None or value == "P" or value.endswith("T"):
        return False
    parts = [g for g in m.groups() if g is not None]
    return bool(parts) and all("." not in p and "," not in p for p in parts[:-1])


@lru_cache(maxsize=256)
def _zone(zone: str) -> timezone | None:
    """The time zone of a designator (``Z``, ``+09:00``, ``-0500``, ``+09``); None for an impossible offset.
    Cached: a file's timestamps use a handful of zones."""
    if zone in "Zz":
        return UTC
    digits = zone[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        return None
    offset = timedelta(hours=hours, minutes=minutes)
    return timezone(-offset if zone[0] == "-" else offset)


def _parse(m: re.Match[str]) -> datetime | None:
    year, month, day, hour, minute, second, fraction, zone = m.groups()
    micro = int((fraction + "000000")[:6]) if fraction else 0
    tz: timezone | None = None
    if zone:
        tz = _zone(zone)
        if tz is None:
            return None
    try:
        return datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0), micro, tz)
    except ValueError:
        return None


def read_timestamp(value: Any) -> tuple[datetime | None, str]:
    """``(instant, zone)`` of an ISO 8601 timestamp, extended or basic form; ``(None, "")`` if it is
    not one. ``zone`` is the designator as written (``Z``, ``+09:00``, ``-0000``) or "" when absent,
    in which case the instant is naive (the spec says the LRS SHOULD take it as UTC)."""
    if value.__class__ is not str or len(value) > 64:
        return None, ""
    m = _TS_EXT.fullmatch(value) or _TS_BASIC.fullmatch(value)
    if m is None:
        return None, ""
    return _parse(m), m.group(8) or ""


# The common form (2026-04-01T09:00:00.123+09:00), judged with one match and a set look-up: whether the
# date exists (2026-02-30 does not) is decided once per date. Anything else goes the way of read_timestamp.
_TS_COMMON = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]+)?"
                        r"(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])")


def is_zoned_timestamp(value: Any) -> bool:
    """``read_timestamp`` finds an instant with a zone designator, and not a ``-00`` one: what a timestamp
    must be for no Data rule (MUST or SHOULD) to speak of it."""
    if value.__class__ is not str:
        return False
    m = _TS_COMMON.fullmatch(value) if len(value) <= 64 else None
    if m is not None and not value.endswith("-00:00"):
        day = m.group(1)
        if day in KNOWN_DATES:
            return True
        try:
            datetime(int(day[:4]), int(day[5:7]), int(day[8:]))
        except ValueError:
            return False
        _known(KNOWN_DATES, day)
        return True
    parsed, zone = read_timestamp(value)
    return parsed is not None and zone != "" and zone not in _NEGATIVE_ZERO


def parse_timestamp(value: Any) -> datetime | None:
    """The instant of an ISO 8601 timestamp, or None if it is not one or uses a ``-00`` offset
    (which the ADL suite rejects, ``configs/timestamps.js``)."""
    parsed, zone = read_timestamp(value)
    return None if zone in _NEGATIVE_ZERO else parsed


def is_timestamp(value: Any) -> bool:
    return parse_timestamp(value) is not None


def is_rfc3339(value: Any) -> bool:
    """An RFC 3339 §5.6 date-time (seconds and an offset required), as xAPI 2.0 asks."""
    return value.__class__ is str and _RFC3339.fullmatch(value) is not None and is_timestamp(value)


def is_negative_zero_offset(value: Any) -> bool:
    """True for a timestamp ending in ``-00``, ``-0000`` or ``-00:00`` (rejected by the ADL suite)."""
    return read_timestamp(value)[1] in _NEGATIVE_ZERO


def is_negative_zero(zone: str) -> bool:
    return zone in _NEGATIVE_ZERO


def has_timezone(value: Any) -> bool:
    return read_timestamp(value)[1] != ""


def to_utc_ms(value: Any) -> datetime | None:
    """The timestamp as an aware UTC instant cut to milliseconds (naive ones taken as UTC), for
    comparisons: the LRS only has to keep millisecond precision (Data §4.5, XAPI-00122)."""
    parsed = parse_timestamp(value)
    if parsed is None:
        return None
    parsed = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    return parsed.replace(microsecond=parsed.microsecond // 1000 * 1000)
