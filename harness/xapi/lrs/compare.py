"""Whether a statement came back as it was sent: the differing JSON paths, LRS-set fields aside.

Data §2.3.1 (immutability) lets an LRS set ``stored``, ``authority`` and ``version``, return
contextActivities values as arrays (XAPI-00096) and write a timestamp in another form of the same
instant (UTC, with or without milliseconds); everything else must be returned exactly. This is the
narrow comparison the LRS round-trip checks need, kept here until the shared model's
``statement.compare`` is on main.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

LRS_SET = frozenset({"stored", "authority", "version"})
TIMES = frozenset({"timestamp"})


def _instant(value: Any) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when.timestamp() if when.tzinfo is not None else None


def _normalise(statement: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in statement.items() if k not in LRS_SET}
    ctx = out.get("context")
    if isinstance(ctx, dict) and isinstance(ctx.get("contextActivities"), dict):
        ca = {k: (v if isinstance(v, list) else [v]) for k, v in ctx["contextActivities"].items()}
        out["context"] = {**ctx, "contextActivities": ca}
    return out


def differences(sent: dict[str, Any], got: dict[str, Any], *, limit: int = 20) -> list[str]:
    """JSON paths (``$.object.definition.name.ja-JP``) where ``got`` differs from ``sent``."""
    found: list[str] = []
    _walk(_normalise(sent), _normalise(got), "$", found, limit)
    return found


def _walk(a: Any, b: Any, path: str, found: list[str], limit: int) -> None:
    if len(found) >= limit:
        return
    if path.rsplit(".", 1)[-1] in TIMES and _instant(a) is not None:
        if _instant(a) != _instant(b):
            found.append(path)
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                found.append(f"{path}.{key}")
            else:
                _walk(a[key], b[key], f"{path}.{key}", found, limit)
        return
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            found.append(path)
            return
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _walk(x, y, f"{path}[{i}]", found, limit)
        return
    numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (a, b))
    if (type(a) is not type(b) and not numeric) or a != b:
        found.append(path)
