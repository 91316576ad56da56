"""Byte-level encoding facts of a CSV file: BOM, UTF-8 validity, CP932 fallback, line endings.

CSV121 P5 requires UTF-8; Japanese 校務 systems often export Shift_JIS/CP932 (reference §5), so
the reader names that encoding when a file decodes as it and keeps analysing with it instead of
stopping at the first bad byte. Everything here works on whole chunks with C-speed
``bytes`` methods; per-byte Python loops would not meet the reader's speed budget.
"""

from __future__ import annotations

import codecs
import re
import threading
from dataclasses import dataclass, field

BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
FALLBACK = "cp932"
FALLBACK_LABEL = "Shift_JIS/CP932"

_local = threading.local()


MAX_INVALID = 10_000  # invalid sequences in one chunk beyond which the file is not text


class NotText(Exception):
    """Raised by the error handler once a buffer holds more than MAX_INVALID bad sequences."""


def _record_error(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: remember where the bad sequence is, replace it, go on (C loop)."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    spots: list[tuple[int, int]] = _local.spots
    if len(spots) < _local.cap:
        spots.append((exc.start, exc.end))
    _local.total += 1
    if _local.total > MAX_INVALID:
        raise NotText  # a binary file: per-byte callbacks would take minutes
    return "\ufffd", exc.end


codecs.register_error("renkei-record", _record_error)


@dataclass
class Invalid:
    """Invalid byte sequences of one buffer under one codec."""

    total: int = 0
    spots: list[tuple[int, int]] = field(default_factory=list)  # (start, end) offsets, capped
    text: str = ""  # the buffer decoded with U+FFFD replacements
    not_text: bool = False  # more than MAX_INVALID bad sequences: decoding was abandoned


# Bytes never valid in Shift_JIS/CP932 (not lead, not trail) that Python's cp932 still decodes
# to private-use characters; they are reported like any other invalid byte.
_CP932_NEVER = re.compile(rb"[\xfd-\xff]")
_CP932_NEVER_TEXT = {0xF8F1: 0xFFFD, 0xF8F2: 0xFFFD, 0xF8F3: 0xFFFD}


def scan_invalid(data: bytes, codec: str = "utf-8", cap: int = 1000) -> Invalid:
    """Decode ``data``; list where it is invalid (at most ``cap`` places, all counted)."""
    _local.spots, _local.cap, _local.total = [], cap, 0
    try:
        text = data.decode(codec, errors="renkei-record")
    except NotText:
        return Invalid(total=_local.total, spots=list(_local.spots), not_text=True)
    spots, total = list(_local.spots), _local.total
    if codec == FALLBACK:
        never = [(m.start(), m.end()) for m in _CP932_NEVER.finditer(data)]
        if never:
            total += len(never)
            spots = sorted(spots + never)[:cap]
            text = text.translate(_CP932_NEVER_TEXT)
    return Invalid(total=total, spots=spots, text=text)


def is_valid(data: bytes, codec: str) -> bool:
    try:
        data.decode(codec)
    except UnicodeDecodeError:
        return False
    return True


# Python's cp932 maps the unassigned single bytes 0x80, 0xA0, 0xFD-0xFF to private-use characters;
# real Shift_JIS text never contains them, so they disqualify a CP932 guess.
_CP932_STRAYS = frozenset("\uf8f0\uf8f1\uf8f2\uf8f3\x80")


def is_cp932(data: bytes) -> bool:
    """True when ``data`` is plausible Shift_JIS/CP932 text."""
    try:
        text = data.decode(FALLBACK)
    except UnicodeDecodeError:
        return False
    return not any(ch in _CP932_STRAYS for ch in text)


def sniff(data: bytes) -> str:
    """``utf-8`` unless the bytes are invalid UTF-8 but plausible CP932 (a Shift_JIS export)."""
    if data.isascii() or is_valid(data, "utf-8"):
        return "utf-8"
    return FALLBACK if is_cp932(data) else "utf-8"


def looks_utf16(data: bytes) -> bool:
    """True when the start of a file without a BOM is UTF-16: text never holds NUL bytes, while
    UTF-16 writes one beside every ASCII character (``s\0o\0u\0`` or ``\0s\0o\0u``)."""
    head = data[:512]
    if len(head) < 4 or b"\x00" not in head:
        return False
    even, odd = head[0::2], head[1::2]
    return max(even.count(0) / len(even), odd.count(0) / len(odd)) > 0.3


def line_of(data: bytes, offset: int, first_line: int) -> int:
    """Physical 1-based line of ``offset`` in ``data`` whose first byte is on ``first_line``."""
    return first_line + data.count(b"\n", 0, offset)


_LF_ONLY = re.compile(rb"(?<!\r)\n")


@dataclass
class LineEndings:
    """Counts record terminators of one file to report a CRLF/LF mix once, at its first place."""

    crlf: int = 0
    lf: int = 0
    first: str | None = None  # "CRLF" or "LF": the kind of the file's first terminator
    deviation_line: int | None = None

    def add(self, crlf: int, lf: int, data: bytes, first_line: int,
            terminators: list[tuple[int, str]] | None = None) -> None:
        """Count a chunk's terminators; ``terminators`` ((line, kind) in order) when known exactly.

        Without them the first deviating newline is searched in ``data``, which is exact unless
        a quoted value of the chunk itself holds a newline.
        """
        if crlf == 0 and lf == 0:
            return
        if self.first is None:
            if terminators:
                self.first = terminators[0][1]
            elif crlf and lf:
                self.first = "CRLF" if data.find(b"\r\n") < _first_lf_only(data) else "LF"
            else:
                self.first = "CRLF" if crlf else "LF"
        other = lf if self.first == "CRLF" else crlf
        if other and self.deviation_line is None:
            if terminators is not None:
                self.deviation_line = next((ln for ln, kind in terminators if kind != self.first), None)
            else:
                pos = _first_lf_only(data) if self.first == "CRLF" else data.find(b"\r\n")
                if pos >= 0:
                    self.deviation_line = line_of(data, pos, first_line)
        self.crlf += crlf
        self.lf += lf

    @property
    def mixed(self) -> bool:
        return bool(self.crlf and self.lf)


def _first_lf_only(data: bytes) -> int:
    m = _LF_ONLY.search(data)
    return m.start() if m else len(data)
