"""Bounded readers for everything renkei parses that is not a CSV bundle: configuration files,
YAML and JSON.

A configuration file (``--target``, a profile, ``--expected-failures``, a mock's config) must be a
regular file of at most ``MAX_CONFIG_BYTES``: a FIFO or ``/dev/zero`` given by mistake is refused
at once instead of hanging the run or reading gigabytes. YAML and JSON are nested at most
``MAX_DEPTH`` containers deep, and YAML aliases may not expand a document past ``MAX_YAML_NODES``
nodes (a "billion laughs" file), so hostile or broken input becomes a one-line error, never a
``RecursionError`` or a walk over an exponential structure.
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
from itertools import chain
from pathlib import Path
from typing import Any

import yaml

from renkei.harness.core.errors import ConfigError

MAX_CONFIG_BYTES = 1024 * 1024
MAX_DEPTH = 64
MAX_YAML_NODES = 100_000


class InputLimitError(ValueError):
    """A document crosses a nesting or expansion limit; ``str()`` is the English reason."""

    def __init__(self, en: str, ja: str) -> None:
        super().__init__(en)
        self.en = en
        self.ja = ja


def _too_deep(limit: int) -> InputLimitError:
    return InputLimitError(f"nested deeper than {limit} levels", f"入れ子が {limit} 階層を超えています")


# --- configuration files ------------------------------------------------------------------------

_FILE_TYPES = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
               (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder"))


def _not_regular(mode: int) -> str | None:
    """What a non-regular file is ("a FIFO (named pipe)"), or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    return next((name for test, name in _FILE_TYPES if test(mode)), "not a regular file")


def read_config_bytes(path: str | Path, what: str, *, max_bytes: int = MAX_CONFIG_BYTES) -> bytes:
    """The bytes of a configuration file; ``ConfigError("<what> <path>: ...")`` unless it is a regular
    file of at most ``max_bytes``. Never blocks on a FIFO and never reads past the limit."""
    p = Path(path)

    def fail(reason: str) -> ConfigError:
        return ConfigError(f"{what} {p}: {reason}")

    try:
        kind = _not_regular(os.stat(p).st_mode)  # stat never blocks, even on a FIFO
        if kind is not None:
            raise fail(f"is {kind}, not a regular file")
        # O_NONBLOCK: should the path be swapped for a FIFO after the stat, open still returns at once.
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise fail("file does not exist") from None
    except OSError as exc:
        raise fail(f"cannot read: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        kind = _not_regular(info.st_mode)
        if kind is not None:
            raise fail(f"is {kind}, not a regular file")
        if info.st_size > max_bytes:
            raise fail(f"is {info.st_size:,} bytes, more than the {max_bytes:,}-byte limit for configuration files")
        chunks: list[bytes] = []
        size = 0
        while size <= max_bytes:  # a file that grows while it is read is still cut at the limit
            chunk = os.read(fd, min(65536, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        if exc.errno == errno.EAGAIN:  # pragma: no cover - only a swapped-in FIFO gets here
            raise fail("is not a regular file") from None
        raise fail(f"cannot read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if size > max_bytes:
        raise fail(f"is more than the {max_bytes:,}-byte limit for configuration files")
    return b"".join(chunks)


def read_config_text(path: str | Path, what: str, *, max_bytes: int = MAX_CONFIG_BYTES) -> str:
    """``read_config_bytes`` decoded as UTF-8 (a BOM is dropped); bad bytes name their offset."""
    raw = read_config_bytes(path, what, max_bytes=max_bytes)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{what} {path}: is not UTF-8 text (byte {exc.start})") from None


# --- YAML ---------------------------------------------------------------------------------------

class _BoundedLoader(yaml.SafeLoader):
    """``SafeLoader`` whose composer counts nesting depth and nodes, aliases counted expanded."""

    max_depth = MAX_DEPTH
    max_nodes = MAX_YAML_NODES

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0
        self._sizes: dict[str, int] = {}  # anchor -> nodes of the anchored node, expanded

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            node = super().compose_node(parent, index)  # an unknown alias is a ComposerError
            self._count(self._sizes.get(str(event.anchor), 1))
            return node
        self._depth += 1
        if self._depth > self.max_depth:
            raise _too_deep(self.max_depth)
        start = self._nodes
        self._count(1)
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            self._sizes[str(anchor)] = self._nodes - start
        return node

    def _count(self, nodes: int) -> None:
        self._nodes += nodes
        if self._nodes > self.max_nodes:
            raise InputLimitError(f"has more than {self.max_nodes:,} nodes once its aliases are expanded",
                                  f"エイリアスを展開すると {self.max_nodes:,} 要素を超えます")


def load_yaml(text: str) -> Any:
    """``yaml.safe_load`` with depth and alias-expansion limits.

    Raises ``yaml.YAMLError`` for malformed YAML and ``InputLimitError`` past a limit.
    """
    loader = _BoundedLoader(text)
    try:
        return loader.get_single_data()
    except RecursionError:  # e.g. a long chain of merge keys (<<: *a) flattened recursively
        raise _too_deep(MAX_DEPTH) from None
    finally:
        loader.dispose()


def yaml_reason(exc: yaml.YAMLError | InputLimitError) -> str:
    """One line for a YAML error: where (line, column) and what, without PyYAML's excerpt."""
    if isinstance(exc, InputLimitError):
        return str(exc)
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or getattr(exc, "context", None)
    if mark is not None and problem:
        return f"line {mark.line + 1}, column {mark.column + 1}: {problem}"
    return (str(exc).splitlines() or [type(exc).__name__])[0]


def read_yaml_file(path: str | Path, what: str, *, max_bytes: int = MAX_CONFIG_BYTES) -> Any:
    """A bounded configuration file parsed with ``load_yaml``; every problem is one ``ConfigError``."""
    text = read_config_text(path, what, max_bytes=max_bytes)
    try:
        return load_yaml(text)
    except (yaml.YAMLError, InputLimitError) as exc:
        raise ConfigError(f"{what} {path}: not valid YAML: {yaml_reason(exc)}") from None


# --- JSON ---------------------------------------------------------------------------------------

def json_depth_ok(value: Any, max_depth: int = MAX_DEPTH) -> bool:
    """True if ``value``, as ``json.loads`` returns it (plain ``dict`` and ``list``), nests at most
    ``max_depth`` containers deep.

    Walks level by level: the values of a level's dicts and lists are gathered by C-level chaining and
    sorted by exact type in comprehensions, so a page of a thousand objects costs under half its parse
    rather than a Python step and a generator per container.
    """
    dicts: list[Any] = [value] if value.__class__ is dict else []
    lists: list[Any] = [value] if value.__class__ is list else []
    depth = 0
    while dicts or lists:
        depth += 1
        if depth > max_depth:
            return False
        below = [c for c in chain(chain.from_iterable(map(dict.values, dicts)), chain.from_iterable(lists))
                 if c.__class__ is dict or c.__class__ is list]
        dicts = [c for c in below if c.__class__ is dict]
        lists = [c for c in below if c.__class__ is list]
    return True


# The raw-text bound: json.loads has accepted the text, so its brackets outside strings are balanced,
# and their nesting is the depth of the value. For UTF-8 text, a few C-level bytes operations find
# it: drop the escapes that could hide a quote (``\\`` pairs first, then ``\"``), keep only
# quotes and brackets (``{}`` as ``[]``: the depth is the same), drop the strings (``""`` pairs, then
# what is left between quotes), and peel the innermost ``[]`` pairs a level at a time. Bytes of a
# multi-byte UTF-8 character are never ASCII, so none of them is taken for a bracket or a quote.
_BRACKETS = bytes.maketrans(b"{}", b"[]")
_NOT_STRUCTURE = bytes(c for c in range(256) if c not in b'[]{}"')
_STRING = re.compile(rb'"[^"]*"')
_PEELS = 8  # levels peeled off the raw text before a still-deep document is walked as a value instead


def _text_depth_ok(data: bytes | bytearray, max_depth: int) -> bool | None:
    """For UTF-8 JSON text that ``json.loads`` accepted: whether it nests at most ``max_depth``
    containers deep, from the text alone; None when the answer would take more than ``_PEELS``
    passes (a document nested that deep is judged by ``json_depth_ok`` on its value)."""
    s = data
    if b"\\" in s:
        s = s.replace(b"\\\\", b"").replace(b'\\"', b"")
    s = s.translate(_BRACKETS, _NOT_STRUCTURE).replace(b'""', b"")
    if b'"' in s:
        s = _STRING.sub(b"", s)
    peeled = 0
    # after ``peeled`` passes the rest is exactly ``peeled`` levels shallower, and ``n`` brackets nest
    # at most n/2 deep: a short enough rest proves the bound
    while len(s) > 2 * (max_depth - peeled):
        if peeled >= max_depth:
            return False
        if peeled == _PEELS:
            return None
        s = s.replace(b"[]", b"")
        peeled += 1
    return True


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON (RFC 8259 §6: numbers are finite; no NaN or Infinity)")


# Python's json accepts NaN, Infinity and -Infinity by default; a peer's document holding one is not JSON,
# and a value that compares unequal to itself must never reach a check as if it were a number.
STRICT_DECODER = json.JSONDecoder(parse_constant=_no_constant)


def strict_loads(data: str | bytes | bytearray) -> Any:
    """``json.loads`` refusing NaN/Infinity (``ValueError``), with the same encoding detection for bytes."""
    if not isinstance(data, str):
        data = bytes(data).decode(json.detect_encoding(data), "surrogatepass")
    elif data.startswith("\ufeff"):  # as json.loads: a BOM in text (not bytes) is an error
        raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", data, 0)
    return STRICT_DECODER.decode(data)


def load_json(data: str | bytes | bytearray, *, max_depth: int = MAX_DEPTH) -> Any:
    """``json.loads`` that refuses documents nested deeper than ``max_depth``, and NaN/Infinity.

    Raises ``ValueError``: ``json.JSONDecodeError`` / ``UnicodeDecodeError`` for malformed input,
    ``InputLimitError`` past the limit, so callers that already catch ``ValueError`` stay correct.
    The bound is judged on the UTF-8 text (``_text_depth_ok``, a small part of a parse) and, for
    other encodings or a document too deep to tell from the text quickly, on the parsed value.
    """
    try:
        value = strict_loads(data)
    except RecursionError:
        raise _too_deep(max_depth) from None
    if isinstance(value, dict | list):
        if isinstance(data, str):
            raw: bytes | bytearray | None = data.encode("utf-8", "surrogatepass")
        else:
            raw = data if json.detect_encoding(data).startswith("utf-8") else None
        ok = None if raw is None else _text_depth_ok(raw, max_depth)
        if ok is None:
            ok = json_depth_ok(value, max_depth)
        if not ok:
            raise _too_deep(max_depth)
    return value
