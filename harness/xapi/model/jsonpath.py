"""The JSONPath subset xAPI Profiles rules use (Profiles Structure §8.1 ``location`` / ``selector``).

Why a small implementation of our own: the Profiles spec allows only a restricted JSONPath (no
filter or script expressions), and a rule from a vendor's profile document is untrusted input, so
the grammar accepted is exactly the subset below and anything else is a ``JsonPathError`` naming
the position, never an evaluation of arbitrary expressions:

    $                     the document itself (a selector's ``$`` is the value it is applied to)
    .name  .*             a member by name; every member / element
    ['name']  ["name"]    a member by name (any characters, e.g. an extension IRI)
    [n]  [*]              an array element (negative counts from the end); every element
    ['a','b']  [0,1]      a union of names or indexes
    path | path           alternatives: the values of each, in order

Every match carries its concrete path (``$.context.contextActivities.category[0].id``), so a
finding can say where it looked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

MAX_PATH_CHARS = 2000
MAX_SEGMENTS = 64
_NAME = re.compile(r"[^.\[\]|\s'\"]+")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_INT = re.compile(r"-?\d+")
WILDCARD = object()  # a segment selector meaning "every member / element"


class JsonPathError(ValueError):
    """A path outside the subset; ``str()`` says what and at which character."""


@dataclass(frozen=True)
class Match:
    path: str  # the concrete location, e.g. $.actor.account['name']
    value: Any


Segment = tuple[Any, ...]  # each selector: a str (member), an int (index) or WILDCARD


def _step(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return path + _member(key)


@lru_cache(maxsize=4096)
def _member(key: str) -> str:
    """``.key`` or ``['key']``: the same few member names recur in every statement (cached, bounded)."""
    return f".{key}" if _IDENT.fullmatch(key) else f"[{_quote(key)}]"


def _quote(name: str) -> str:
    return "'" + name.replace("\\", "\\\\").replace("'", "\\'") + "'"


def child(path: str, key: str | int) -> str:
    """The concrete path of ``key`` below ``path``, written the way ``Match.path`` writes it."""
    return _step(path, key)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def error(self, what: str) -> JsonPathError:
        return JsonPathError(f"JSONPath {self.text!r}: {what} at character {self.pos + 1}")

    def skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in " \t":
            self.pos += 1

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def path(self) -> list[Segment]:
        self.skip_space()
        if self.peek() != "$":
            raise self.error("a path must start with '$'")
        self.pos += 1
        segments: list[Segment] = []
        while True:
            c = self.peek()
            if c == "" or c in " \t|":
                return segments
            if len(segments) >= MAX_SEGMENTS:
                raise self.error(f"more than {MAX_SEGMENTS} steps")
            if c == ".":
                self.pos += 1
                if self.peek() == ".":
                    raise self.error("recursive descent '..' is not allowed in xAPI Profiles")
                if self.peek() == "*":
                    self.pos += 1
                    segments.append((WILDCARD,))
                    continue
                m = _NAME.match(self.text, self.pos)
                if not m:
                    raise self.error("a member name is expected after '.'")
                self.pos = m.end()
                segments.append((m.group(),))
            elif c == "[":
                self.pos += 1
                segments.append(self.bracket())
            else:
                raise self.error(f"unexpected {c!r}")

    def bracket(self) -> Segment:
        selectors: list[Any] = []
        while True:
            self.skip_space()
            c = self.peek()
            if c in ("'", '"'):
                selectors.append(self.quoted(c))
            elif c == "*":
                self.pos += 1
                selectors.append(WILDCARD)
            elif c in ("?", "("):
                raise self.error("filter and script expressions are not allowed in xAPI Profiles")
            else:
                m = _INT.match(self.text, self.pos)
                if not m:
                    raise self.error("a quoted name, an index or '*' is expected in brackets")
                if self.text[m.end():m.end() + 1] == ":":
                    raise self.error("array slices are not in the xAPI Profiles subset")
                self.pos = m.end()
                selectors.append(int(m.group()))
            self.skip_space()
            c = self.peek()
            if c == ",":
                self.pos += 1
                continue
            if c == "]":
                self.pos += 1
                return tuple(selectors)
            raise self.error("',' or ']' expected")

    def quoted(self, quote: str) -> str:
        self.pos += 1
        out: list[str] = []
        while True:
            c = self.peek()
            if c == "":
                raise self.error("unterminated quoted name")
            self.pos += 1
            if c == "\\":
                nxt = self.peek()
                if nxt == "":
                    raise self.error("unterminated quoted name")
                out.append(nxt)
                self.pos += 1
            elif c == quote:
                return "".join(out)
            else:
                out.append(c)


@dataclass(frozen=True)
class JsonPath:
    """A parsed path: one or more ``|`` alternatives, each a list of segments."""

    text: str
    alternatives: tuple[tuple[Segment, ...], ...]
    # a path of member names only ($.a.b['c']): its names and its concrete path below ``$``, so that
    # finding it is a few dict look-ups (most rules are such paths, judged on every statement)
    _names: tuple[str, ...] | None = field(default=None, init=False, compare=False, repr=False)
    _suffix: str = field(default="", init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if len(self.alternatives) == 1 and all(len(s) == 1 and isinstance(s[0], str) for s in self.alternatives[0]):
            names = tuple(s[0] for s in self.alternatives[0])
            object.__setattr__(self, "_names", names)
            object.__setattr__(self, "_suffix", "".join(_member(n) for n in names))

    def find(self, document: Any, base: str = "$") -> list[Match]:
        """Every match in ``document``, alternatives in order; ``base`` prefixes the concrete paths
        (a selector applied to a value found at ``$.a`` reports ``$.a...``)."""
        if self._names is not None:
            value = document
            for name in self._names:
                if not isinstance(value, dict) or name not in value:
                    return []
                value = value[name]
            return [Match(base + self._suffix, value)]
        out: list[Match] = []
        for segments in self.alternatives:
            _walk(document, segments, 0, base, out)
        return out

    def member_names(self) -> tuple[str, ...] | None:
        """The member names of a path of member steps only (``$.a.b['c']`` -> ("a", "b", "c")), else None."""
        return self._names

    def present(self, document: Any) -> bool:
        """``bool(self.find(document))``, without building the matches of a member-name path."""
        if self._names is None:
            return bool(self.find(document))
        value = document
        for name in self._names:
            if not isinstance(value, dict) or name not in value:
                return False
            value = value[name]
        return True

    def values(self, document: Any) -> list[Any]:
        return [m.value for m in self.find(document)]


def _walk(value: Any, segments: tuple[Segment, ...], i: int, path: str, out: list[Match]) -> None:
    """Appends the matches below ``value`` to ``out``, in document order (a plain recursion, not a
    generator chain: rules are evaluated on every statement of a file)."""
    if i == len(segments):
        out.append(Match(path, value))
        return
    for sel in segments[i]:
        if sel is WILDCARD:
            if isinstance(value, dict):
                for k, v in value.items():
                    _walk(v, segments, i + 1, _step(path, k), out)
            elif isinstance(value, list):
                for n, v in enumerate(value):
                    _walk(v, segments, i + 1, f"{path}[{n}]", out)
        elif isinstance(sel, str):
            if isinstance(value, dict) and sel in value:
                _walk(value[sel], segments, i + 1, path + _member(sel), out)
        elif isinstance(value, list) and -len(value) <= sel < len(value):
            n = sel % len(value)
            _walk(value[n], segments, i + 1, f"{path}[{n}]", out)


def parse(text: str) -> JsonPath:
    """Parse a path of the subset; ``JsonPathError`` for anything else."""
    if not isinstance(text, str):
        raise JsonPathError("a JSONPath must be a string")
    if len(text) > MAX_PATH_CHARS:
        raise JsonPathError(f"JSONPath longer than {MAX_PATH_CHARS} characters")
    return _parse(text)


@lru_cache(maxsize=1024)
def _parse(text: str) -> JsonPath:
    """``parse`` of a checked string, cached: the same paths are asked for on every statement (a parsed
    path is immutable; a bad one raises every time, exceptions are not cached)."""
    parser = _Parser(text)
    alternatives: list[tuple[Segment, ...]] = []
    while True:
        alternatives.append(tuple(parser.path()))
        parser.skip_space()
        c = parser.peek()
        if c == "":
            return JsonPath(text, tuple(alternatives))
        if c != "|":
            raise parser.error(f"unexpected {c!r}")
        parser.pos += 1


def find(document: Any, path: str) -> list[Match]:
    """``parse(path).find(document)``."""
    return parse(path).find(document)
