"""The OneRoster REST query parameters: ``filter`` grammar, ``sort``/``orderBy``, ``fields``.

One parser and one evaluator, used by the mock provider (which compiles the parsed filter to SQL)
and by the provider checks (which filter, sort and project a full collection locally and compare
with what the vendor answered).

Grammar (reference/oneroster.md §3.3; the 1.2 binding text itself was not confirmed from a primary
source, so the grammar follows the third-party summaries that agree with each other)::

    filter    := clause (WS ("AND" | "OR") WS clause)*
    clause    := path op value
    path      := name ("." name)*          dotted paths reach into GUIDRefs, roles, metadata
    op        := "=" | "!=" | ">" | ">=" | "<" | "<=" | "~"     ("~": contains)
    value     := "'" chars "'"             a quote inside is doubled: ''

``AND`` binds tighter than ``OR``. Some providers accept at most two predicates and no mixing of
``AND`` with ``OR`` (a OneRoster 1.1 convention reported by one vendor): ``Filter.predicates`` and
``Filter.mixed`` let a caller decide how much of the grammar it relies on.

Comparison: values are strings. Two dates or date-times compare as instants, two numbers as numbers,
anything else as text (Unicode code points); ``~`` is a case-insensitive substring test. A path that
crosses a list (``roles.role``) matches when any element matches; ``!=`` holds when no element equals.
A path that ends on an object, a list of objects or JSON ``null`` has no value there (``course='x'``
never holds, ``course!='x'`` always does); JSON booleans compare as ``true``/``false``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

OPERATORS = ("!=", ">=", "<=", "=", ">", "<", "~")
MAX_FILTER_CHARS = 4096
MAX_PREDICATES = 32


class QueryError(ValueError):
    """A query parameter the provider must refuse (400). ``minor`` is the imsx minor code."""

    def __init__(self, minor: str, en: str, ja: str) -> None:
        super().__init__(en)
        self.minor = minor
        self.en = en
        self.ja = ja


@dataclass(frozen=True)
class Predicate:
    path: str
    op: str
    value: str

    def text(self) -> str:
        return f"{self.path}{self.op}'{self.value.replace(chr(39), chr(39) * 2)}'"


@dataclass(frozen=True)
class Filter:
    """Disjunction of conjunctions: ``any(all(p) for p in group) for group in groups``."""

    groups: tuple[tuple[Predicate, ...], ...]

    @property
    def predicates(self) -> tuple[Predicate, ...]:
        return tuple(p for g in self.groups for p in g)

    @property
    def mixed(self) -> bool:
        return len(self.groups) > 1 and any(len(g) > 1 for g in self.groups)

    def text(self) -> str:
        return " OR ".join(" AND ".join(p.text() for p in g) for g in self.groups)


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_WS = re.compile(r"\s*")
_LOGIC = re.compile(r"\s+(AND|OR)\s+")


def _bad(en: str, ja: str) -> QueryError:
    return QueryError("invalid_filter_field", en, ja)


def parse_filter(text: str) -> Filter:
    """Parse a ``filter`` value; ``QueryError('invalid_filter_field')`` names what is wrong."""
    if len(text) > MAX_FILTER_CHARS:
        raise _bad(f"the filter is longer than {MAX_FILTER_CHARS} characters",
                   f"filter が {MAX_FILTER_CHARS} 文字を超えています")
    pos = _WS.match(text, 0).end()  # type: ignore[union-attr]
    groups: list[list[Predicate]] = [[]]
    count = 0
    while True:
        pred, pos = _clause(text, pos)
        count += 1
        if count > MAX_PREDICATES:
            raise _bad(f"the filter has more than {MAX_PREDICATES} predicates",
                       f"filter の条件が {MAX_PREDICATES} 個を超えています")
        groups[-1].append(pred)
        rest = _WS.match(text, pos).end()  # type: ignore[union-attr]
        if rest == len(text):
            break
        logic = _LOGIC.match(text, pos)
        if logic is None:
            raise _bad(f"expected AND or OR at character {pos + 1}: {text[pos:pos + 20]!r}",
                       f"{pos + 1} 文字目に AND または OR が必要です: {text[pos:pos + 20]!r}")
        if logic.group(1) == "OR":
            groups.append([])
        pos = logic.end()
    return Filter(tuple(tuple(g) for g in groups))


def _clause(text: str, pos: int) -> tuple[Predicate, int]:
    name = _NAME.match(text, pos)
    if name is None:
        raise _bad(f"expected a field name at character {pos + 1}: {text[pos:pos + 20]!r}",
                   f"{pos + 1} 文字目にフィールド名が必要です: {text[pos:pos + 20]!r}")
    pos = _WS.match(text, name.end()).end()  # type: ignore[union-attr]
    op = next((o for o in OPERATORS if text.startswith(o, pos)), None)
    if op is None:
        raise _bad(f"expected an operator (= != > >= < <= ~) after {name.group()!r}",
                   f"{name.group()!r} の後に演算子 (= != > >= < <= ~) が必要です")
    pos = _WS.match(text, pos + len(op)).end()  # type: ignore[union-attr]
    if pos >= len(text) or text[pos] != "'":
        raise _bad(f"the value for {name.group()!r} must be in single quotes",
                   f"{name.group()!r} の値はシングルクォートで囲む必要があります")
    out: list[str] = []
    i = pos + 1
    while True:
        j = text.find("'", i)
        if j < 0:
            raise _bad(f"the value for {name.group()!r} has no closing quote",
                       f"{name.group()!r} の値の閉じクォートがありません")
        out.append(text[i:j])
        if text.startswith("''", j):
            out.append("'")
            i = j + 2
            continue
        return Predicate(name.group(), op, "".join(out)), j + 1


def check_paths(flt: Filter, known: set[str]) -> None:
    """Refuse a filter on a field the object does not have (``invalid_filter_field``).

    ``metadata.*`` is open: the binding lets a provider put anything there."""
    for p in flt.predicates:
        if p.path not in known and not p.path.startswith("metadata."):
            raise _bad(f"unknown filter field {p.path!r}", f"filter のフィールド {p.path!r} は存在しません")


def parse_fields(text: str, known: set[str]) -> list[str]:
    """``fields=a,b``: the top-level fields to return (``invalid_selection_field`` for others)."""
    names = [n.strip() for n in text.split(",")]
    if not names or any(not n for n in names):
        raise QueryError("invalid_selection_field", f"fields has an empty name: {text!r}",
                         f"fields に空の名前があります: {text!r}")
    for n in names:
        if n not in known:
            raise QueryError("invalid_selection_field", f"unknown field {n!r} in fields",
                             f"fields のフィールド {n!r} は存在しません")
    return list(dict.fromkeys(names))


def values_at(obj: Any, path: str) -> list[Any]:
    """Every value at a dotted path; lists on the way fan out."""
    current: list[Any] = [obj]
    for part in path.split("."):
        nxt: list[Any] = []
        for item in current:
            for element in item if isinstance(item, list) else [item]:
                if isinstance(element, dict) and part in element:
                    nxt.append(element[part])
        current = nxt
    out: list[Any] = []
    for v in current:
        out.extend(v if isinstance(v, list) else [v])
    if not out and path.startswith("metadata.") and isinstance(obj, dict):
        meta = obj.get("metadata")
        rest = path[len("metadata."):]
        if isinstance(meta, dict) and rest in meta:  # the flat Japanese shape: {"jp.kanaGivenName": ...}
            v = meta[rest]
            out.extend(v if isinstance(v, list) else [v])
    return out


def instant(value: str) -> datetime | None:
    """A date or RFC 3339 date-time as an aware datetime (UTC when no offset), else None."""
    text = value.strip()
    if len(text) == 10:
        try:
            d = date.fromisoformat(text)
        except ValueError:
            return None
        return datetime(d.year, d.month, d.day, tzinfo=UTC)
    if len(text) < 19 or text[10] not in "Tt ":
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def _number(value: str) -> float | None:
    try:
        return float(value) if _NUMBER.fullmatch(value.strip()) else None
    except ValueError:
        return None


def compare(left: str, right: str) -> int:
    """-1/0/1 by the rules in the module docstring."""
    a, b = instant(left), instant(right)
    if a is not None and b is not None:
        return (a > b) - (a < b)
    x, y = _number(left), _number(right)
    if x is not None and y is not None:
        return (x > y) - (x < y)
    return (left > right) - (left < right)


def _test(value: Any, op: str, wanted: str) -> bool:
    text = value if isinstance(value, str) else ("true" if value is True else "false" if value is False
                                                 else str(value))
    if op == "~":
        return wanted.casefold() in text.casefold()
    c = compare(text, wanted)
    return {"=": c == 0, ">": c > 0, ">=": c >= 0, "<": c < 0, "<=": c <= 0}[op]


def holds(pred: Predicate, obj: Any) -> bool:
    values = [v for v in values_at(obj, pred.path) if v is not None and not isinstance(v, dict | list)]
    if pred.op == "!=":
        return not any(_test(v, "=", pred.value) for v in values)
    return any(_test(v, pred.op, pred.value) for v in values)


def matches(flt: Filter, obj: Any) -> bool:
    return any(all(holds(p, obj) for p in group) for group in flt.groups)


def sort_value(obj: Any, path: str) -> tuple[int, str]:
    """Sort key of ``obj`` by ``path``: objects without the field sort last."""
    vals = [v for v in values_at(obj, path) if isinstance(v, str | int | float)]
    return (0, str(vals[0])) if vals else (1, "")


def iter_paths(obj: Any, prefix: str = "") -> Iterator[str]:
    """Dotted paths present in a JSON object (lists are crossed), for error messages and tests."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from iter_paths(v, f"{prefix}{k}.")
    elif isinstance(obj, list):
        for v in obj:
            yield from iter_paths(v, prefix)
    elif prefix:
        yield prefix[:-1]
