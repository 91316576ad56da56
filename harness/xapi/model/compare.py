"""Is a stored statement "the same statement" as the one sent? (Data §2.3.1 immutability and the
Statement Comparison Requirements; the same test verifies a signed statement's payload, Data §2.6.)

Both statements are first brought to one canonical form, then walked together; every place where
they still differ is returned as a JSONPath. The canonical form drops or folds exactly what the spec
lets an LRS change:

- ``stored``, ``authority``, ``version`` and attachments (the LRS sets or may drop them); ``id`` and
  ``timestamp`` only when the sender did not send them;
- case of UUIDs and of the ``mailto:`` scheme (the spec's "Case" exception, kept to values whose
  case carries no meaning);
- timestamps as instants cut to milliseconds (an LRS may convert zones, and must keep only ms);
- a single ``contextActivities`` object vs a one-element array (the LRS always returns arrays);
- the order of a Group's ``member`` list;
- durations compared to 0.01 s (9274.1.1 4.2.7);
- numbers compared as IEEE 754 single precision (XAPI-00002: an LRS keeps at least 32-bit floats);
- a Verb's ``display`` and an Activity's ``definition`` (the LRS may return its canonical ones).

``strict=True`` keeps the last three (display, definitions, attachments) for a stricter mutation test.
"""

from __future__ import annotations

import json
import re
import struct
from typing import Any

from renkei.harness.xapi.model import values as V
from renkei.harness.xapi.model.rules import child

_ALWAYS_IGNORED = ("stored", "authority", "version")
_SECONDS = re.compile(r"(\d+)(?:[.,](\d+))?S$")


def _duration(value: str) -> str:
    """A duration with its seconds cut to 0.01 s (9274.1.1 4.2.7: finer precision is not compared)."""
    m = _SECONDS.search(value)
    if m is None:
        return value
    frac = (m.group(2) or "")[:2].rstrip("0")
    return f"{value[:m.start()]}{int(m.group(1))}{'.' + frac if frac else ''}S"
_MAX_DEPTH = 64


def _f32(x: float) -> float:
    try:
        return struct.unpack("f", struct.pack("f", x))[0]
    except (OverflowError, struct.error):
        return x


def _canon(value: Any, key: str, strict: bool, depth: int) -> Any:
    """``value`` (found under ``key``) in canonical form."""
    if depth > _MAX_DEPTH:  # beyond renkei's JSON depth limit: compared as is
        return value
    cls = value.__class__
    if cls is str:
        if key in ("timestamp", "stored"):
            instant = V.to_utc_ms(value)
            return instant.isoformat() if instant is not None else value
        if key == "duration":
            return _duration(value)
        if key == "mbox" and ":" in value:
            scheme, _, rest = value.partition(":")
            return f"{scheme.lower()}:{rest}"
        if len(value) == 36 and V.is_uuid(value):
            return value.lower()
        return value
    if cls is float:
        return _f32(value)
    if cls is list:
        items = [_canon(v, key, strict, depth + 1) for v in value]
        if key == "member":
            items.sort(key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False, default=str))
        return items
    if cls is dict:
        out: dict[str, Any] = {}
        for k, v in value.items():
            if not strict and (k == "definition" or (k == "display" and key == "verb")):
                continue
            if key == "contextActivities" and v.__class__ is dict:
                v = [v]
            out[k] = _canon(v, k, strict, depth + 1)
        return out
    return value


def canonical(statement: Any, *, keep_id: bool = True, keep_timestamp: bool = True,
              strict: bool = False) -> Any:
    """The canonical form ``differences`` compares (see the module docstring)."""
    if statement.__class__ is not dict:
        return _canon(statement, "", strict, 0)
    top = {k: v for k, v in statement.items() if k not in _ALWAYS_IGNORED
           and (strict or k != "attachments") and (keep_id or k != "id") and (keep_timestamp or k != "timestamp")}
    return _canon(top, "", strict, 0)


def _walk(a: Any, b: Any, path: str, out: list[str], limit: int) -> None:
    if len(out) >= limit:
        return
    if a.__class__ is dict and b.__class__ is dict:
        for k in a.keys() | b.keys():
            if k not in a or k not in b:
                out.append(child(path, k))
            else:
                _walk(a[k], b[k], child(path, k), out, limit)
        return
    if a.__class__ is list and b.__class__ is list and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _walk(x, y, f"{path}[{i}]", out, limit)
        return
    if a != b or (a.__class__ is bool) != (b.__class__ is bool):  # JSON true is not 1
        out.append(path)


def differences(sent: dict[str, Any], stored: dict[str, Any], *, strict: bool = False,
                limit: int = 100) -> list[str]:
    """JSON paths (sorted, at most ``limit``) where ``stored`` is not the same statement as ``sent``;
    empty when the LRS kept the statement as the spec requires."""
    sent_keys = sent if sent.__class__ is dict else {}
    a = canonical(sent, strict=strict)
    b = canonical(stored, keep_id="id" in sent_keys, keep_timestamp="timestamp" in sent_keys, strict=strict)
    out: list[str] = []
    _walk(a, b, "$", out, limit)
    return sorted(out)


def same_statement(sent: dict[str, Any], stored: dict[str, Any], *, strict: bool = False) -> bool:
    return not differences(sent, stored, strict=strict, limit=1)
