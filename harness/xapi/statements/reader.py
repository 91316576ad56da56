"""Reading a statements file as a stream: a JSON array of statements, or NDJSON (one per line).

Why a stream: an app's export can be a gigabyte; only one statement (at most ``max_bytes``) is held at
a time, so memory stays bounded whatever the file's size. Every record that cannot be read becomes a
``ReadError`` naming its line (and statement index), never a traceback: a malformed NDJSON line is
skipped and reading goes on; in a JSON array the end of a broken element cannot be found, so the rest
of the file is unread (``fatal``) and the checks say so.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Literal, NamedTuple

from renkei.harness.core.bounded import MAX_DEPTH, json_depth_ok

CHUNK = 256 * 1024
_WS = " \t\r\n"


class _Decoder:
    """A JSON decoder for one read that notes the NaN/Infinity constants it meets.

    Python's json takes NaN/Infinity; RFC 8259 does not. They are noted, so the statement is reported
    (not judged as if it held a number) while the file is read on: its end is known, unlike with a
    raise. One per read, so concurrent reads never see each other's constants."""

    def __init__(self) -> None:
        self.constants: list[str] = []
        self.decoder = json.JSONDecoder(parse_constant=self._constant)
        self.raw_decode = self.decoder.raw_decode

    def _constant(self, name: str) -> float:
        self.constants.append(name)
        return float(name)

    def take_constant(self) -> str | None:
        """The first constant met since the last call, if any."""
        if not self.constants:
            return None
        name = self.constants[0]
        self.constants.clear()
        return name


def _constant_error(line: int, name: str, index: int) -> ReadError:
    return ReadError(line, f"holds {name}, which is not JSON (RFC 8259 §6: no NaN or Infinity)",
                     f"JSON にない {name} を含みます (RFC 8259 §6)", index)


class Record(NamedTuple):
    """A statement read (a named tuple: one is made per statement of a file of millions)."""

    index: int  # statement index, from 0
    line: int  # 1-based line where the statement starts
    value: Any


@dataclass(frozen=True)
class ReadError:
    line: int
    message: str
    message_ja: str
    index: int | None = None  # the statement index the unreadable record would have had
    fatal: bool = False  # nothing after it was read


Item = Record | ReadError


def detect_format(path: Path) -> Literal["array", "ndjson"]:
    """``array`` when the first non-blank character is ``[`` (a BOM skipped), else ``ndjson``."""
    with path.open("rb") as f:
        head = f.read(4096).lstrip(codecs.BOM_UTF8 + b" \t\r\n")
        while not head:
            chunk = f.read(CHUNK)
            if not chunk:
                break
            head = chunk.lstrip(b" \t\r\n")
    return "array" if head.startswith(b"[") else "ndjson"


Make = Callable[[int, int, Any], Any]  # (index, line, value) -> what a statement read is yielded as


def read(path: str | Path, *, fmt: Literal["auto", "array", "ndjson"] = "auto", max_bytes: int = 1_000_000,
         max_records: int = 1_000_000, max_depth: int = MAX_DEPTH, record: Make = Record) -> Iterator[Any]:
    """Every record of the file in order: ``record(index, line, value)`` for a statement (a ``Record`` unless
    the caller makes its own, so a file of millions is not made twice), ``ReadError`` for anything else.
    ``OSError`` only if the file cannot be opened."""
    p = Path(path)
    kind = detect_format(p) if fmt == "auto" else fmt
    with p.open("rb") as f:
        decoder = _Decoder()
        reader = _ndjson(f, max_bytes, max_depth, decoder, record) if kind == "ndjson" else \
            _array(f, max_bytes, max_depth, decoder, record)
        count = 0
        for item in reader:
            if item.__class__ is not ReadError or item.index is not None:
                count += 1
            if count > max_records:
                yield ReadError(item.line, f"more than {max_records:,} statements; the rest of the file is not read",
                                f"文が {max_records:,} 件を超えたため、以降は読んでいません", index=max_records, fatal=True)
                return
            yield item
            if isinstance(item, ReadError) and item.fatal:
                return


def _shallow(text: str, start: int, end: int, max_depth: int) -> bool:
    """True when the JSON text ``text[start:end]`` cannot nest deeper than ``max_depth``: it has no more
    opening brackets than that (a container nests only inside another one). Two C-level counts, so the
    walk of ``json_depth_ok`` is paid only by a statement with very many containers."""
    return text.count("{", start, end) + text.count("[", start, end) <= max_depth


def _parse_value(text: str, line: int, index: int, max_depth: int, decoder: _Decoder, record: Make) -> Any:
    try:
        if text.startswith("\ufeff"):  # what json.loads says of it (the decoder itself does not look)
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
        decoder.take_constant()
        if text[0] == "{":  # the common line, "{...}" + a line end: no white space to skip before it
            value, end = decoder.raw_decode(text)
            rest = len(text) - end
            if rest and not ((rest == 1 and text[end] == "\n") or (rest == 2 and text.endswith("\r\n"))):
                value = decoder.decoder.decode(text)  # what json.loads says of the rest (or the value)
        else:
            value = decoder.decoder.decode(text)
    except RecursionError:
        return ReadError(line, f"nested deeper than {max_depth} levels", f"入れ子が {max_depth} 階層を超えています", index)
    except ValueError as exc:
        return ReadError(line, f"not valid JSON: {exc}", f"JSON として読めません: {exc}", index)
    if not _shallow(text, 0, len(text), max_depth) and not json_depth_ok(value, max_depth):
        return ReadError(line, f"nested deeper than {max_depth} levels", f"入れ子が {max_depth} 階層を超えています", index)
    if decoder.constants and (name := decoder.take_constant()) is not None:
        return _constant_error(line, name, index)
    return record(index, line, value)


def _ndjson(f: BinaryIO, max_bytes: int, max_depth: int, decoder: _Decoder, record: Make) -> Iterator[Any]:
    line_no = 0
    index = 0
    while True:
        raw = f.readline(max_bytes + 1)
        if not raw:
            return
        line_no += 1
        if len(raw) > max_bytes and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):  # skip the rest of the long line, a chunk at a time
                raw = f.readline(CHUNK)
            yield ReadError(line_no, f"a line longer than {max_bytes:,} bytes (one statement per line)",
                            f"{max_bytes:,} バイトを超える行です (1 行に 1 文)", index)
            index += 1
            continue
        if line_no == 1:
            raw = raw.removeprefix(codecs.BOM_UTF8)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield ReadError(line_no, f"not UTF-8 (byte {exc.start} of the line)", f"UTF-8 ではありません (行の {exc.start} バイト目)",
                            index)
            index += 1
            continue
        if text[0] != "{" and not text.strip():  # a blank line (a statement line starts with "{")
            continue
        item = _parse_value(text, line_no, index, max_depth, decoder, record)
        if item.__class__ is ReadError and text.lstrip().startswith(("[", "{")) and not text.rstrip().endswith(("]", "}")):
            item = ReadError(item.line, item.message + " (NDJSON has one statement per line; a pretty-printed file "
                             "must be one JSON array)", item.message_ja + " (NDJSON は 1 行に 1 文です。整形した"
                             "ファイルは 1 つの JSON 配列にしてください)", index)
        yield item
        index += 1


class _Chars:
    """UTF-8 text of a binary stream, read on demand into a buffer the array parser consumes."""

    def __init__(self, f: BinaryIO) -> None:
        self.f = f
        self.decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self.buf = ""
        self.pos = 0
        self.line = 1
        self.eof = False
        self.invalid: tuple[int, int] | None = None  # (line, byte of its read block) of bytes not UTF-8

    def more(self) -> bool:
        if self.eof:
            return False
        chunk = self.f.read(CHUNK)
        if self.pos > CHUNK:  # drop what is consumed so the buffer stays about one statement long
            self.buf = self.buf[self.pos:]
            self.pos = 0
        try:
            self.buf += self.decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            # keep the text before the bad byte and end there: the parser then stops in the statement
            # that holds it, so the error can name that statement and the byte's line
            self.buf += exc.object[:exc.start].decode("utf-8").removeprefix("\ufeff")
            self.invalid = (self.line + self.buf.count("\n", self.pos), exc.start)
            self.eof = True
            return True
        self.eof = not chunk
        return True

    def advance(self, to: int) -> None:
        self.line += self.buf.count("\n", self.pos, to)
        self.pos = to

    def skip_ws(self) -> str:
        """The next non-blank character (not consumed), "" at the end of the file."""
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in _WS:
                if self.buf[self.pos] == "\n":
                    self.line += 1
                self.pos += 1
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.more():
                return ""


def _array(f: BinaryIO, max_bytes: int, max_depth: int, decoder: _Decoder, record: Make) -> Iterator[Any]:
    chars = _Chars(f)
    first = chars.skip_ws()
    if first != "[" and chars.invalid is None:
        yield ReadError(chars.line, "a JSON array of statements is expected", "文の JSON 配列が必要です", fatal=True)
        return
    if first == "[":
        chars.advance(chars.pos + 1)
    index: int | None = None
    for item in _elements(chars, max_bytes, max_depth, 0, decoder, record) if first == "[" else ():
        if isinstance(item, ReadError) and item.fatal and chars.invalid is not None:
            index = item.index  # reading stopped at the bytes that are not UTF-8, not at a JSON error
            break
        yield item
    if chars.invalid is not None:
        line, _ = chars.invalid
        yield ReadError(line, "not UTF-8; the rest of the file is not read",
                        "UTF-8 ではありません。以降は読んでいません", index, fatal=True)


def _elements(chars: _Chars, max_bytes: int, max_depth: int, index: int, decoder: _Decoder,
              record: Make) -> Iterator[Any]:
    while True:
        c = chars.skip_ws()
        if c == "]" and index == 0:
            chars.advance(chars.pos + 1)
            break
        if index > 0:
            if c == "]":
                chars.advance(chars.pos + 1)
                break
            if c != ",":
                yield _fatal(chars, "',' or ']' expected after a statement", "文の後に ',' か ']' が必要です", index)
                return
            chars.advance(chars.pos + 1)
            c = chars.skip_ws()
        if c == "":
            yield _fatal(chars, "the file ends inside the array (no closing ']')", "配列の途中でファイルが終わっています", index)
            return
        start_line = chars.line
        while True:
            try:
                decoder.take_constant()
                value, end = decoder.raw_decode(chars.buf, chars.pos)
                if end == len(chars.buf) and not chars.eof and chars.more():
                    continue  # a number cut at the block's end would parse short: read on first
                break
            except RecursionError:
                yield _fatal(chars, f"nested deeper than {max_depth} levels", f"入れ子が {max_depth} 階層を超えています", index)
                return
            except json.JSONDecodeError as exc:
                # input cut at the block's end fails at its last character (or in an open string): read on
                cut = exc.pos >= len(chars.buf) - 1 or exc.msg.startswith("Unterminated string")
                if cut and len(chars.buf) - chars.pos > max_bytes:
                    yield _fatal(chars, f"a statement longer than {max_bytes:,} bytes", f"{max_bytes:,} バイトを超える文です",
                                 index)
                    return
                if not cut or not chars.more():  # a syntax error inside the block, or at the end of the file
                    line = start_line + chars.buf.count("\n", chars.pos, exc.pos)
                    yield ReadError(line, f"not valid JSON: {exc.msg}; the rest of the file is not read",
                                    f"JSON として読めません: {exc.msg}。以降は読んでいません", index, fatal=True)
                    return
        if end - chars.pos > max_bytes:
            chars.advance(end)
            yield ReadError(start_line, f"a statement longer than {max_bytes:,} bytes", f"{max_bytes:,} バイトを超える文です",
                            index)
        elif not _shallow(chars.buf, chars.pos, end, max_depth) and not json_depth_ok(value, max_depth):
            chars.advance(end)
            yield ReadError(start_line, f"nested deeper than {max_depth} levels", f"入れ子が {max_depth} 階層を超えています",
                            index)
        elif (name := decoder.take_constant()) is not None:
            chars.advance(end)
            yield _constant_error(start_line, name, index)
        else:
            chars.advance(end)
            yield record(index, start_line, value)
        index += 1
    if chars.skip_ws() != "":
        yield ReadError(chars.line, "text after the closing ']' of the array", "配列の ']' の後に文字があります", fatal=True)


def _fatal(chars: _Chars, en: str, ja: str, index: int) -> ReadError:
    return ReadError(chars.line, en + "; the rest of the file is not read", ja + "。以降は読んでいません", index, fatal=True)
