"""Streaming CSV reader for OneRoster bundles: polars speed, exact line numbers, no surprises.

Why it is built this way: a 1M-user / 5M-enrollment bundle must validate within 3x of a plain
polars parse, yet every finding must name the physical line an editor shows. So raw bytes are
cut into large chunks at record boundaries (a newline with even quote parity), each chunk is
parsed by polars, and the parse is *verified* by byte accounting against the parsed values
(see ``CsvStream._fast``): polars silently pads short rows, reads some stray quotes literally
and drops a CR after a closing quote, so its result alone is not trusted. A chunk that fails
verification is halved at a record boundary and each half retried, down to small regions that
are split into records by polars expressions (``records.py``), so a few bad records cost a few
small scans. Broken records are looked at one by one in Python only within a per-file budget
(``PRECISE_BYTES``): that recovers the good lines a stray quote would otherwise take with it and
names the exact quoting problem; past it they are reported in bulk, so a file where every row is
broken costs about what a valid file costs. Once a file has shown many broken records, failing
regions skip the halving. The next block is read (and inflated) in a thread while polars parses
the current one. Memory stays at a few chunk sizes, and a pathological record (a 2 GB single
line, an unclosed quote, a million commas) is skipped in bounded pieces, never held whole:
``max_line_bytes`` bounds what is buffered for one record, ``max_fields`` the header's width.

Rows that cannot be parsed into the header's field count are left out of ``Chunk.df``, reported
under ``or.csv.field-count`` / ``or.csv.rfc4180`` and counted in ``CsvStream.account`` (see
``undelivered.py``), as is every part of a file that was not read; the engine turns that account
into "not evaluated" on every check that depends on the file. Two recoveries follow what common
importers do and are reported once per file: blank lines are skipped, and empty names at the end
of the header (a spreadsheet's trailing commas) are dropped with the empty cells below them.
Only structurally valid input is guaranteed to give the same answer for every chunk size; for
input with stray quotes the resynchronisation point (hence which neighbouring lines are also
skipped) may differ.
"""

from __future__ import annotations

import csv
import io
import queue
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

import polars as pl

from renkei.harness.core.model import Finding, Location
from renkei.harness.oneroster.csv.encoding import (
    BOM,
    FALLBACK,
    FALLBACK_LABEL,
    MAX_INVALID,
    UTF16_BOMS,
    LineEndings,
    is_cp932,
    is_valid,
    line_of,
    looks_utf16,
    scan_invalid,
    sniff,
)
from renkei.harness.oneroster.csv.package import Bundle, EntryError, Limits
from renkei.harness.oneroster.csv.records import LINE, TEXT, Split, field_counts, split_records, well_formed
from renkei.harness.oneroster.csv.records import last_boundary as last_boundary
from renkei.harness.oneroster.csv.sink import FindingSink
from renkei.harness.oneroster.csv.undelivered import FIRST_LINES, Account

_MIN_SPLIT = 64 * 1024  # below this a region is split into records without halving it further
_SLOW_PIECE = 4 * 2**20  # a failing region is split into records this many bytes at a time
_PIECE_LINES = 2**20  # ... and at most about this many lines (a flood of blank lines)
_BLANK_RUN = re.compile(rb"\n{64,}")  # so many blank lines at a record boundary: counted in one match
PRECISE_BYTES = 256 * 1024  # broken records per file looked at one by one (exact message, good lines kept)
_DENSE = 64  # a slow piece with at least this many broken records, and more broken than good, is dense
_BARE_CR = re.compile(rb"\r(?!\n)")
# Raw bytes per chunk (profile parameter ``chunk_mib`` overrides it). Per-chunk fixed costs (polars
# call overheads; before lookup_later also the hash set of 1M user ids per reference lookup) shrink
# with bigger chunks; 64 MiB measured ~7% faster than 32 MiB on 1M users / 5M enrollments at ~0.9 GiB
# peak RSS (128 MiB: ~1.3 GiB).
DEFAULT_CHUNK_BYTES = 64 * 2**20
_Q, _NL, _CR, _COMMA = 0x22, 0x0A, 0x0D, 0x2C


class _Stop(Exception):
    """The rest of the file cannot be read meaningfully (already reported)."""


@dataclass
class Chunk:
    """Parsed records: one Utf8 column per header field plus ``__line__`` (Int64, 1-based)."""

    df: pl.DataFrame


def unique_names(header: list[str]) -> list[str]:
    """Column names for a header: duplicates become ``name#2``, ``name#3`` ...; ``__line__`` is reserved."""
    seen: dict[str, int] = {LINE: 1}
    out: list[str] = []
    for name in header:
        n = seen.get(name, 0) + 1
        seen[name] = n
        candidate = name if n == 1 else f"{name}#{n}"
        while candidate in seen and candidate != name:
            n += 1
            candidate = f"{name}#{n}"
        seen[candidate] = max(seen.get(candidate, 0), 1)
        out.append(candidate)
    return out


class _ReadAhead:
    """Reads the next block in a thread while the current one is parsed.

    File reads and zlib inflation release the GIL, so reading (and inflating a zip entry)
    overlaps polars' parse of the previous block. One block at most is read ahead: the thread
    takes a slot before each read and the consumer frees it when it takes the block.
    """

    def __init__(self, fh: BinaryIO, size: int) -> None:
        self._fh, self._size = fh, size
        self._queue: queue.SimpleQueue[bytes | BaseException] = queue.SimpleQueue()
        self._slot = threading.Semaphore(1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="renkei-readahead", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            if not self._slot.acquire(timeout=0.05):
                continue
            if self._stop.is_set():
                return
            try:
                item: bytes | BaseException = self._fh.read(self._size)
            except BaseException as exc:  # handed to the consumer, which reports it
                item = exc
            self._queue.put(item)
            if not isinstance(item, bytes) or not item:
                return

    def read(self) -> bytes:
        item = self._queue.get()
        self._slot.release()
        if isinstance(item, BaseException):
            raise item
        return item

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class _Record:
    start: int  # byte offset in the chunk
    end: int  # byte offset after its terminator
    line: int
    fields: list[bytes] = field(default_factory=list)
    broken: bool = False
    nfields: int = 0  # fields counted when there were too many to keep (``max_fields``)


class CsvStream:
    """One CSV file of a bundle, read lazily; iterate it once to get ``Chunk``s."""

    def __init__(self, name: str, sink: FindingSink, limits: Limits, chunk_bytes: int) -> None:
        self.name = name
        self.header: list[str] = []
        self.encoding = "utf-8"
        self.rows = 0
        self._sink = sink
        self._limits = limits
        self._chunk_bytes = max(64, chunk_bytes)
        self.account = Account(name)  # what could not be delivered to the rules, and why
        self._columns: list[str] = []  # the delivered columns (one per named header field)
        self._all_columns: list[str] = []  # the columns a record is parsed into (+ trailing unnamed ones)
        self._fh: BinaryIO | None = None
        self._ahead: _ReadAhead | None = None
        self._buf = b""
        self._offset = 0  # raw file offset of self._buf[0]
        self._line = 1  # physical line of self._buf[0]
        self._eof = False
        self._done = False
        self._endings = LineEndings()
        self._ascii = True  # every byte so far was ASCII (a later CP932 switch is still honest)
        self._cr_only = False  # records end with a bare CR: translated to LF while reading
        self._blank = (0, 0)  # (blank lines skipped, the first one's line)
        self._precise = PRECISE_BYTES  # bytes of broken records still to be looked at one by one
        self._broken = 0  # broken records so far
        self._dense = False  # the last slow piece was mostly broken: skip polars and the halving for now

    @property
    def columns(self) -> list[str]:
        """The DataFrame column names of the header fields (duplicates made unique)."""
        return list(self._columns)

    @property
    def _extra(self) -> int:
        """Empty names dropped from the end of the header (their cells must be empty too)."""
        return len(self._all_columns) - len(self._columns)

    def _not_read(self, check_id: str, en: str, ja: str, reason: str, **location: object) -> None:
        """Report that the file is not read at all; nothing of it reaches the rules."""
        self._sink.fail(check_id, en, ja=ja, file=self.name, **location)
        self.account.not_read(reason, check_id)
        self.header, self._columns, self._all_columns = [], [], []
        self._finish()

    # --- set-up ---------------------------------------------------------------------------

    def _read(self) -> bytes:
        if self._fh is None or self._eof:
            return b""
        data = self._ahead.read() if self._ahead is not None else self._fh.read(self._chunk_bytes)
        if not data:
            self._eof = True
        elif self._cr_only:  # same length, so byte offsets stay true
            data = data.replace(b"\r", b"\n")
        return data

    def _detect_cr_only(self, first: bytes) -> bytes:
        """Classic Mac OS "CSV (Macintosh)" files end records with a bare CR.

        To RFC 4180 such a file is one record full of CRs (CSV121 P4 forbids CR in a field), so it
        is one error at line 1; the rest is analysed as if each CR were LF, as an editor shows it.
        """
        if b"\n" in first or b"\r" not in first:
            return first
        self._cr_only = True
        self._sink.fail("or.enc.cr-in-field",
                        "records end with a bare CR (classic Mac OS line endings), which RFC 4180 reads as "
                        "one record with CRs inside fields (CSV121 P4); save the file with LF or CRLF line "
                        "endings. The rest of the file is analysed as if each CR were a line end",
                        ja="レコードの区切りが CR のみです（旧 Mac OS の改行）。RFC 4180 ではファイル全体が CR を含む"
                           "1 レコードになります（CSV121 P4）。LF または CRLF で保存してください。以降は CR を改行と"
                           "みなして解析します",
                        file=self.name, row=1, byte_offset=self._offset + first.index(b"\r"))
        return first.replace(b"\r", b"\n")

    def _start(self, fh: BinaryIO) -> None:
        self._fh = fh
        first = self._read()
        if first.startswith(BOM):
            self._sink.fail("or.enc.bom", "file starts with a UTF-8 byte order mark (BOM)",
                            ja="ファイルの先頭に UTF-8 の BOM があります", file=self.name, row=1, byte_offset=0)
            first = first[len(BOM):]
            self._offset = len(BOM)
        elif first.startswith(UTF16_BOMS) or looks_utf16(first):
            bom = first.startswith(UTF16_BOMS)
            self._not_read("or.enc.utf8",
                           "file is UTF-16 (byte order mark FF FE / FE FF), not UTF-8; it is not read" if bom else
                           "file is UTF-16 without a byte order mark (a NUL byte between the characters of "
                           "the header), not UTF-8; it is not read",
                           "ファイルが UTF-8 ではなく UTF-16（BOM が FF FE / FE FF）のため読み取りません" if bom else
                           "ファイルが UTF-8 ではなく BOM のない UTF-16（ヘッダーの文字の間に NUL バイト）のため読み取りません",
                           "it is UTF-16, not UTF-8", row=1, byte_offset=0,
                           value=first[:2 if bom else 4].hex(" "))
            return
        first = self._detect_cr_only(first)
        cut = first.rfind(b"\n") + 1 or len(first)
        self.encoding = sniff(first[:cut])
        if self.encoding == FALLBACK:
            bad = scan_invalid(first[:cut], "utf-8", cap=1)
            start = bad.spots[0][0] if bad.spots else 0
            self._report_fallback(self._offset + start, line_of(first, start, 1), first[start:start + 2])
        self._buf = first
        self._read_header()

    def _read_header(self) -> None:
        while True:
            cut = len(self._buf) if self._eof else last_boundary(self._buf)[0]
            if cut or self._eof:
                break
            limit = self._limits.max_line_bytes
            if len(self._buf) > limit:
                self._not_read("or.csv.limits", f"the header record is longer than max_line_bytes={limit}; "
                               "the file is not read",
                               f"ヘッダー行が上限 max_line_bytes={limit} を超えるためファイルを読み取りません",
                               f"its header is longer than max_line_bytes={limit}", row=1)
                return
            self._buf += self._read()
        if not self._buf:
            return
        records = self._scan(self._buf[:cut], 1, final=True, max_records=1)
        if not records or not (records[0].fields or records[0].nfields):
            return
        end = records[0].end
        raw = self._buf[:end]
        text = raw
        if self.encoding != "utf-8" or not is_valid(raw, "utf-8"):
            text = self._to_utf8(raw, self._offset, 1, force=True, switch=False)
            records = self._scan(text, 1, final=True, max_records=1)
        most = self._limits.max_fields
        if records[0].nfields > most:
            self._not_read("or.csv.limits", f"the header has {records[0].nfields} fields, more than max_fields="
                           f"{most}; the file is not read",
                           f"ヘッダーのフィールド数 {records[0].nfields} が上限 max_fields={most} を超えるため"
                           "ファイルを読み取りません",
                           f"its header has more than max_fields={most} fields", row=1)
            return
        self.header = [f.decode("utf-8", "replace") for f in records[0].fields]
        self._all_columns = unique_names(self.header)
        named = len(self.header)
        while named > 1 and self.header[named - 1] == "":
            named -= 1
        if named < len(self.header):
            self._trailing_empty_names(len(self.header) - named)
            self.header = self.header[:named]
        self._columns = self._all_columns[:named]
        crlf = int(raw.endswith(b"\r\n"))
        self._count_endings(raw, crlf=crlf, lf=int(raw.endswith(b"\n")) - crlf, first_line=1)
        self._ascii = raw.isascii()
        self._advance(end, raw.count(b"\n"))

    def _trailing_empty_names(self, k: int) -> None:
        """A spreadsheet saved as CSV ends every line with commas for columns it once touched: the
        header's last names are empty and each row carries as many empty cells. Importers drop such
        columns; so does the reader (a row with a value there is a field-count error), once, here."""
        stem = self.name[:-4] if self.name.endswith(".csv") else self.name
        self._sink.fail(f"or.{stem}.header",
                        f"the header ends with {k} empty {'name' if k == 1 else 'names'} (trailing commas, as "
                        "spreadsheet programs write them); like importers, renkei reads the rows without "
                        f"{'that column' if k == 1 else 'those columns'}, which must be empty in every row",
                        ja=f"ヘッダーの末尾に空の列名が {k} 個あります（表計算ソフトが書き出す末尾のカンマ）。取り込み側と"
                           "同じく、この列を除いて読みます（この列はすべての行で空である必要があります）",
                        file=self.name, row=1)

    # --- iteration ------------------------------------------------------------------------

    def __iter__(self) -> Iterator[Chunk]:
        if self._done or not self._columns:
            self._finish()
            return
        self._done = True
        try:
            if self._fh is not None and not self._eof:
                self._ahead = _ReadAhead(self._fh, self._chunk_bytes)
            yield from self._chunks()
        except EntryError as exc:
            self._sink.fail(exc.check_id, exc.message, ja=exc.ja, file=self.name, entry=self.name)
            self.account.stop(self._line, exc.message, exc.check_id)
        except _Stop:
            pass
        finally:
            self._finish()

    def _finish(self) -> None:
        self._done = True
        blanks, first = self._blank
        if blanks:
            self._sink.fail("or.csv.field-count",
                            "blank line: a record with no fields (RFC 4180); it is skipped, as importers do"
                            if blanks == 1 else
                            f"{blanks} blank lines, the first on this line: records with no fields (RFC 4180); "
                            "they are skipped, as importers do",
                            ja="空行です（フィールドのないレコード、RFC 4180）。取り込み側と同じく読み飛ばします"
                            if blanks == 1 else
                            f"空行が {blanks} 行あります（最初の空行がこの行です）。フィールドのないレコードは "
                            "RFC 4180 に反します。取り込み側と同じく読み飛ばします",
                            file=self.name, row=first)
            self._blank = (0, 0)
        if self._ahead is not None:
            self._ahead.close()
            self._ahead = None
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        e = self._endings
        if e.mixed and self._sink.wants("or.enc.line-endings"):
            self._sink.fail("or.enc.line-endings",
                            f"file mixes line endings: {e.crlf} CRLF and {e.lf} LF record terminators; the "
                            f"first {'LF' if e.first == 'CRLF' else 'CRLF'} one is on this line",
                            ja=f"改行コードが混在しています（CRLF {e.crlf} 件、LF {e.lf} 件）。この行が最初の"
                               f"{'LF' if e.first == 'CRLF' else 'CRLF'} です",
                            file=self.name, row=e.deviation_line)
            self._endings = LineEndings()

    def _chunks(self) -> Iterator[Chunk]:
        """Cut the byte stream into chunks of whole records, copying each block about once."""
        limit = self._limits.max_line_bytes
        need_more = False  # the header read may have left whole records pending
        while True:
            if self._eof:
                if self._buf:
                    yield from self._process(self._buf, final=True)
                self._buf = b""
                return
            if need_more:
                block = self._read()
                if not block:
                    continue
                pending_q = self._buf.count(b'"')
                cut, q_head = last_boundary(block, pending_q & 1)
                if cut == 0:
                    self._buf += block
                    need_more = len(self._buf) <= limit
                    if not need_more:
                        self._overlong()
                    continue
                chunk = b"".join((self._buf, memoryview(block)[:cut])) if self._buf else block[:cut]
                quotes, rest = pending_q + q_head, block[cut:]
                del block  # keep at most a few chunk sizes alive
            else:
                cut, quotes = last_boundary(self._buf)
                if cut == 0:
                    need_more = len(self._buf) <= limit
                    if not need_more:
                        self._overlong()
                    continue
                chunk, rest = self._buf[:cut], self._buf[cut:]
            self._buf, chunk = chunk, b""
            consumed, newlines = yield from self._process(self._buf, final=False, quotes=quotes)
            self._advance(consumed, newlines)
            self._buf = self._buf + rest if self._buf else rest
            need_more = True

    def _advance(self, consumed: int, newlines: int | None = None) -> None:
        """Drop ``consumed`` bytes of the pending buffer (``newlines`` of them, if known)."""
        self._line += self._buf.count(b"\n", 0, consumed) if newlines is None else newlines
        self._offset += consumed
        self._buf = self._buf[consumed:] if consumed < len(self._buf) else b""

    def _overlong(self) -> None:
        """The pending record passed max_line_bytes without ending: report it and resynchronise."""
        limit = self._limits.max_line_bytes
        first_nl = self._buf.find(b"\n", 0, limit + 1)
        if first_nl >= 0:
            self._sink.fail("or.csv.rfc4180", f"a quoted field starting on this line is not closed within "
                            f"max_line_bytes={limit} bytes (unbalanced quote); the line is skipped",
                            ja=f"この行で始まる引用符付きフィールドが max_line_bytes={limit} バイト以内に閉じていません"
                               "（引用符の不整合）。この行を読み飛ばします", file=self.name, row=self._line)
            self._drop_unclosed([self._line])
            self._advance(first_nl + 1)
            return
        self._sink.fail("or.csv.limits", f"line is longer than max_line_bytes={limit}; it is skipped",
                        ja=f"行の長さが上限 max_line_bytes={limit} を超えるため読み飛ばします",
                        file=self.name, row=self._line)
        self.account.gap("overlong", f"is longer than max_line_bytes={limit}",
                         f"are longer than max_line_bytes={limit}", by="or.csv.limits",
                         parsed=False).add([self._line])
        while True:  # skip to the end of this physical line in bounded pieces
            pos = self._buf.find(b"\n")
            if pos >= 0:
                self._offset += pos + 1
                self._buf = self._buf[pos + 1:]
                self._line += 1
                return
            self._offset += len(self._buf)
            self._buf = self._read()
            if not self._buf:
                return

    # --- one chunk ------------------------------------------------------------------------

    def _process(self, raw: bytes, final: bool, quotes: int | None = None) -> Iterator[Chunk]:
        """Parse one chunk of whole records; yields its Chunk, returns (raw bytes, newlines) consumed."""
        line0, off0 = self._line, self._offset
        data = self._to_utf8(raw, off0, line0)
        ascii_chunk = raw.isascii()
        df, newlines = self._fast(data, line0, quotes) if not self._dense else (None, None)
        if df is None and data is raw and self.encoding == "utf-8" and not ascii_chunk \
                and not is_valid(raw, "utf-8"):
            data = self._to_utf8(raw, off0, line0, force=True)
            df, newlines = self._fast(data, line0, quotes)
        self._ascii = self._ascii and ascii_chunk
        if df is not None:
            frames, consumed = [df], len(data)
        else:
            frames, consumed, newlines = self._region(data, line0, final, tried=True)
        frames = [f for f in frames if f.height]
        if frames:
            out = frames[0] if len(frames) == 1 else pl.concat(frames, how="vertical")
            self.rows += out.height
            yield Chunk(out)
        if consumed == len(data):
            return len(raw), newlines
        return _raw_position(raw, data, consumed), None

    def _region(self, data: bytes, line0: int, final: bool, tried: bool = False
                ) -> tuple[list[pl.DataFrame], int, int | None]:
        """Parse a region polars could not be trusted with: halve it at a record boundary and retry
        the fast path on each half, so a few bad records cost a few small slow scans instead of a
        slow scan of the whole chunk. A chunk that failed (``tried``) is first probed: its first
        ``_MIN_SPLIT`` bytes are split into records, and if they are mostly broken the whole chunk
        is, in all likelihood, too, and it is split at once instead of halved ten times over.
        Returns (frames, bytes consumed, newlines consumed or None)."""
        if not tried and not self._dense:
            df, nl = self._fast(data, line0, None)
            if df is not None:
                return [df], len(data), nl
        if tried and len(data) > 2 * _MIN_SPLIT and not self._dense:
            probe = last_boundary(data[:_MIN_SPLIT])[0]
            if probe:
                df, used = self._slow(data[:probe], line0, final=False)
                if used == probe:
                    rest, used2, _ = self._region(data[used:], line0 + data.count(b"\n", 0, used), final,
                                                  tried=self._dense)
                    return ([df] if df is not None else []) + rest, used + used2, None
        if len(data) > _MIN_SPLIT and not self._dense:  # mostly broken: halving would find no clean half
            cut, _ = last_boundary(data[: len(data) // 2])
            if cut:
                left, used, nl_left = self._region(data[:cut], line0, final=False)
                if used == 0:  # the left half is one unfinished record: scan the region whole
                    df, consumed = self._slow(data, line0, final)
                    return ([df] if df is not None else []), consumed, None
                line1 = line0 + (nl_left if nl_left is not None else data.count(b"\n", 0, used))
                right, used2, _ = self._region(data[used:], line1, final)
                return left + right, used + used2, None
        df, consumed = self._slow(data, line0, final)
        return ([df] if df is not None else []), consumed, None

    def _to_utf8(self, raw: bytes, off0: int, line0: int, *, force: bool = False, switch: bool = True) -> bytes:
        """The chunk as UTF-8 bytes: as is, or decoded from the fallback / with replacements.

        A file that was pure ASCII so far and is valid CP932 here is switched to CP932 for good
        (one finding naming Shift_JIS/CP932); otherwise each invalid sequence is a finding.
        """
        if self.encoding == "utf-8" and not force:
            return raw  # polars validates UTF-8 while parsing; failures come back with force=True
        codec = self.encoding
        room = self._sink.room("or.enc.utf8")
        bad = scan_invalid(raw, codec, cap=max(room, FIRST_LINES))
        if bad.not_text:
            start = bad.spots[0][0] if bad.spots else 0
            line = line_of(raw, start, line0)
            self._fail_enc(off0 + start, line,
                           f"more than {MAX_INVALID} invalid byte sequences in one block: the file is not "
                           f"text in UTF-8 or {FALLBACK_LABEL}; reading stops here",
                           f"1 ブロックに不正なバイト列が {MAX_INVALID} 個を超えています。UTF-8 / {FALLBACK_LABEL} の"
                           "テキストではないため、ここで読み取りを中止します", raw[start:start + 4])
            self.account.stop(line0, f"from line {line} on it is not text in UTF-8 or {FALLBACK_LABEL}",
                              "or.enc.utf8")
            raise _Stop

        if bad.total and codec == "utf-8" and switch and self._ascii and is_cp932(raw):
            self.encoding = FALLBACK
            start = bad.spots[0][0] if bad.spots else 0
            self._report_fallback(off0 + start, line_of(raw, start, line0), raw[start:start + 2])
            return raw.decode(FALLBACK).encode("utf-8")
        if bad.total:
            where = "UTF-8" if codec == "utf-8" else f"both UTF-8 and {FALLBACK_LABEL}"
            where_ja = "UTF-8" if codec == "utf-8" else f"UTF-8 としても {FALLBACK_LABEL} としても"
            lines = [line_of(raw, start, line0) for start, _ in bad.spots]
            sample = [Finding(message=f"byte sequence invalid in {where}; it is read as U+FFFD",
                              message_ja=f"{where_ja}不正なバイト列です。U+FFFD として読み進めます",
                              location=Location(file=self.name, row=line, byte_offset=off0 + start),
                              value=raw[start:end].hex(" "))
                      for line, (start, end) in zip(lines[:room], bad.spots, strict=False)]
            self._sink.add_counted("or.enc.utf8", bad.total, sample)
            self.account.replaced(lines, bad.total)
        return bad.text.encode("utf-8")

    def _report_fallback(self, offset: int, line: int, value: bytes) -> None:
        """The file is read as Shift_JIS/CP932 from here on (at the start or after an ASCII prefix)."""
        self._fail_enc(offset, line,
                       f"file is not UTF-8: {FALLBACK_LABEL} detected; analysis continues decoding it as "
                       f"{FALLBACK_LABEL}",
                       f"ファイルが UTF-8 ではありません：{FALLBACK_LABEL} を検出しました。{FALLBACK_LABEL} として"
                       "解析を続けます", value)

    def _fail_enc(self, offset: int, line: int, en: str, ja: str, value: bytes) -> None:
        self._sink.fail("or.enc.utf8", en, ja=ja, file=self.name, row=line, byte_offset=offset,
                        value=value.hex(" "))

    # --- fast path ------------------------------------------------------------------------

    def _parse(self, data: bytes, columns: list[str] | None = None) -> pl.DataFrame:
        return pl.read_csv(data, has_header=False, new_columns=columns or self._all_columns, infer_schema=False,
                           quote_char='"', empty_string_is_null=False, raise_if_empty=False)

    def _fast(self, data: bytes, line0: int, quotes: int | None) -> tuple[pl.DataFrame | None, int | None]:
        """polars parse verified by byte accounting; (None, None) when the region needs a closer look.

        polars pads short rows with "", reads quotes inside unquoted fields literally and drops a
        CR after a closing quote, so its result is checked against the raw bytes. When no value
        holds a quote, an RFC 4180 region has: raw length = value bytes + quotes + separators +
        LF terminators + CRs of CRLF terminators, and raw LFs = terminators + LFs in values. A
        padded row makes the first equality fail; a literal quote shows up as a quote in a
        value; a dropped CR as a CR not followed by LF that no value holds. The common case (no
        quote, LF or lone CR inside values) needs only value lengths, known from polars' offsets.
        Unnamed trailing columns (``_extra``) are dropped when they are empty in every row.
        """
        ncols = len(self._all_columns)
        end = data.find(b"\n")
        first = data if end < 0 else data[:end]
        if b'"' not in first and first.count(b",") + 1 != ncols:
            return None, None  # polars takes its width from the first row: a million commas cost it seconds
        try:
            df = self._parse(data)
        except Exception:  # polars rejects ragged/quoted/invalid regions: look closer
            return None, None
        rows = df.height
        if rows == 0 or df.width != ncols:
            return None, None
        terms = rows if data.endswith(b"\n") else rows - 1
        q = data.count(b'"') if quotes is None else quotes
        nl = data.count(b"\n") if q else terms  # without quotes every LF ends a record
        cr = data.count(b"\r")
        seps = rows * (ncols - 1)
        cols = [pl.nth(i) for i in range(ncols)]  # by position: a header may be named "*" or "^x$"
        lens = df.select([c.str.len_bytes().sum() for c in cols] + [c.str.len_bytes().max().alias(f"{i}")
                                                                     for i, c in enumerate(cols)]).row(0)
        v_len, maxes = sum(int(x or 0) for x in lens[:ncols]), [int(x or 0) for x in lens[ncols:]]
        bare_cr = bool(cr) and _BARE_CR.search(data) is not None
        v_cr = 0
        if cr and (bare_cr or nl != terms):
            v_cr = _total(df, [c.str.count_matches("\r", literal=True) for c in cols])
        if bare_cr:  # every terminator CR is followed by LF: count them exactly
            v_crlf = _total(df, [c.str.count_matches("\r\n", literal=True) for c in cols])
            if cr - v_cr != data.count(b"\r\n") - v_crlf:
                return None, None
        if len(data) != v_len + q + seps + terms + cr - v_cr:
            return None, None  # padded row, literal quote or escaped quote: look closer
        row_nl: pl.Series | None = None
        if nl != terms:
            row_nl = df.select(pl.sum_horizontal([c.str.count_matches("\n", literal=True) for c in cols])
                               ).to_series()
            if nl - int(row_nl.sum()) != terms:
                return None, None
        named = len(self._columns)
        if named < ncols:
            if any(maxes[named:]):
                return None, None  # a value under an unnamed column: the slow path names the rows
            df = df[:, :named]
        if row_nl is None:
            lines = pl.int_range(line0, line0 + rows, eager=True, dtype=pl.Int64)
        else:
            step = row_nl.cast(pl.Int64) + 1
            lines = (step.cum_sum() - step + line0).cast(pl.Int64)
        df = df.with_columns(lines.alias(LINE))
        crlf_terms = cr - v_cr
        self._count_endings(data, crlf_terms, terms - crlf_terms, line0)
        if v_cr:
            self._report_cr(df)
        self._check_limits(df, data, line0, maxes)
        return df, nl

    def _count_endings(self, data: bytes, crlf: int, lf: int, first_line: int) -> None:
        self._endings.add(crlf, lf, data, first_line)

    def _report_cr(self, df: pl.DataFrame) -> None:
        """One finding per cell holding a CR; polars has already removed CRLF terminators."""
        if not self._sink.wants("or.enc.cr-in-field"):
            return
        for i, header in enumerate(self.header):
            hit = df.filter(pl.nth(i).str.contains("\r", literal=True))
            if hit.height:
                sample = [Finding(message="carriage return (CR) inside a field (CSV121 P4)",
                                  message_ja="フィールド内に CR（復帰）があります（CSV121 P4）",
                                  location=Location(file=self.name, row=line, column=header))
                          for line in hit.get_column(LINE).head(self._sink.room("or.enc.cr-in-field")).to_list()]
                self._sink.add_counted("or.enc.cr-in-field", hit.height, sample)

    def _check_limits(self, df: pl.DataFrame, data: bytes, line0: int, maxes: list[int] | None = None) -> None:
        """Fields over max_field_chars (from polars lengths) and physical lines over max_line_bytes."""
        limits = self._limits
        if len(data) <= min(limits.max_field_chars, limits.max_line_bytes):
            return
        if maxes is None:
            maxes = [int(m or 0) for m in df.select([pl.nth(i).str.len_bytes().max()
                                                      for i in range(len(self._columns))]).row(0)]
        for i, (header, m) in enumerate(zip(self.header, maxes, strict=False)):
            if m <= limits.max_field_chars:
                continue
            hit = df.filter(pl.nth(i).str.len_chars() > limits.max_field_chars).get_column(LINE)
            sample = [Finding(message=f"field is longer than max_field_chars={limits.max_field_chars} characters",
                              message_ja=f"フィールドの長さが上限 max_field_chars={limits.max_field_chars} 文字を"
                                         "超えています",
                              location=Location(file=self.name, row=line, column=header))
                      for line in hit.head(self._sink.room("or.csv.limits")).to_list()]
            self._sink.add_counted("or.csv.limits", hit.len(), sample)
        if 2 * sum(maxes) + 3 * len(maxes) + 2 <= limits.max_line_bytes:
            return
        for n, piece in enumerate(data.split(b"\n")):
            if len(piece) > limits.max_line_bytes:
                self._sink.fail("or.csv.limits", f"line is longer than max_line_bytes={limits.max_line_bytes}",
                                ja=f"行の長さが上限 max_line_bytes={limits.max_line_bytes} を超えています",
                                file=self.name, row=line0 + n)

    # --- slow path ------------------------------------------------------------------------

    def _slow(self, data: bytes, line0: int, final: bool) -> tuple[pl.DataFrame | None, int]:
        """Split a region polars could not be trusted with into records, a piece at a time (so a
        region of a million blank lines never becomes a million strings at once); deliver the good
        records, report and account for the others. Returns (rows, bytes consumed)."""
        frames: list[pl.DataFrame] = []
        pos, line, n = 0, line0, len(data)
        while pos < n:
            run = _BLANK_RUN.match(data, pos) if len(self._columns) > 1 else None
            if run is not None:  # a run of blank LF lines is counted in C, never split into records
                k = run.end() - pos
                self._blank = (self._blank[0] + k, self._blank[1] or line)
                self._endings.add(0, k, b"", 0, [(line, "LF")])
                line, pos = line + k, run.end()
                continue
            end = _piece_end(data, pos)
            piece = data if (pos == 0 and end == n) else data[pos:end]
            df, used = self._slow_piece(piece, line, final and end == n)
            if df is not None:
                frames.append(df)
            if used < len(piece):
                pos += used
                break
            line += piece.count(b"\n")
            pos = end
        if not frames:
            return None, pos
        return (frames[0] if len(frames) == 1 else pl.concat(frames, how="vertical")), pos

    def _slow_piece(self, data: bytes, line0: int, final: bool) -> tuple[pl.DataFrame | None, int]:
        """One piece of a slow region (whole records, valid UTF-8), vectorised (``records.py``)."""
        named, extra = len(self._columns), self._extra
        split = split_records(data, line0, keep_blank=named == 1)
        recs = split.frame
        if split.blank:
            self._blank = (self._blank[0] + split.blank, self._blank[1] or split.first_blank)
        tail: tuple[int, int] | None = None  # (line, byte offset) of a record still open at the end
        if split.open_end:
            tail = (int(recs[LINE][-1]), len(data) - len(recs[TEXT][-1].encode("utf-8")))
            recs = recs.head(recs.height - 1)
        nf = pl.col("nf")
        fits = nf == named
        if extra:
            fits = fits | ((nf == named + extra) & pl.col(TEXT).str.ends_with("," * extra))
        ok = well_formed()
        recs = recs.with_columns(ok.alias("ok"), pl.when(ok).then(field_counts()).alias("nf"))
        recs = recs.with_columns(pl.when(~pl.col("ok")).then(pl.lit("bad")).when(fits).then(pl.lit("good"))
                                 .otherwise(pl.lit("count")).alias("kind"))
        counts = recs.select([(pl.col("kind") == k).sum().alias(k) for k in ("good", "count", "bad")]).row(0, named=True)
        if counts["count"]:
            self._field_counts(recs.filter(pl.col("kind") == "count").select(LINE, "nf"))
        rescued: list[_Record] = []
        inner: list[tuple[int, str]] = []  # terminators the close look found inside broken records
        if counts["bad"]:
            rescued, inner = self._broken_records(recs.filter(pl.col("kind") == "bad").select(LINE, TEXT))
        self._slow_endings(split, inner)
        frames = []
        if counts["good"]:
            frames.append(self._good_records(recs.filter(pl.col("kind") == "good").select(LINE, TEXT, "nf")))
        if rescued:
            cols = list(zip(*[[f.decode("utf-8", "replace") for f in r.fields] for r in rescued], strict=True))
            frames.append(pl.DataFrame([*(pl.Series(c, list(v), dtype=pl.Utf8) for c, v in zip(self._columns, cols,
                                                                                             strict=True)),
                                        pl.Series(LINE, [r.line for r in rescued], dtype=pl.Int64)]))
        broken = split.blank + counts["count"] + counts["bad"] - len(rescued)
        self._dense = broken >= _DENSE and broken > counts["good"] + len(rescued)
        consumed = len(data)
        if tail is not None:
            line, start = tail
            if not final:
                consumed = start  # the record goes on in the next chunk
            else:  # as the record scanner does: skip the line that opens the quote, read on after it
                self._sink.fail("or.csv.rfc4180", "quoted field is never closed (unbalanced quote); the line is "
                                "skipped", ja="引用符付きフィールドが閉じていません（引用符の不整合）。この行を読み飛ばします",
                                file=self.name, row=line)
                self._drop_unclosed([line])
                nl = data.find(b"\n", start)
                if nl >= 0:
                    crlf = int(data[nl - 1: nl] == b"\r")
                    self._endings.add(crlf, 1 - crlf, b"", line, [(line, "CRLF" if crlf else "LF")])
                    if nl + 1 < len(data):
                        rest, _ = self._slow_piece(data[nl + 1:], line + 1, final)
                        if rest is not None:
                            frames.append(rest)
        frames = [f for f in frames if f.height]
        if not frames:
            return None, consumed
        df = frames[0] if len(frames) == 1 else pl.concat(frames, how="vertical").sort(LINE)
        if df.select(pl.any_horizontal(pl.nth(range(named)).str.contains("\r", literal=True)).any()).item():
            self._report_cr(df)
        self._check_limits(df, data, line0)
        return df, consumed

    def _good_records(self, good: pl.DataFrame) -> pl.DataFrame:
        """Parse the records judged good (RFC 4180, header's field count) with polars."""
        named, extra = len(self._columns), self._extra
        text = pl.col(TEXT)
        if extra:
            text = pl.when(pl.col("nf") == named + extra).then(text.str.strip_suffix("," * extra)).otherwise(text)
        body = (good.select(text.str.join("\n")).item() + "\n").encode("utf-8")
        try:
            df = self._parse(body, self._columns)
            if df.height != good.height or df.width != named:
                raise ValueError("polars disagrees with the record split")
        except Exception:  # the records are valid RFC 4180: the csv module reads them exactly
            rows = list(csv.reader(io.StringIO(body.decode("utf-8"), newline=""), strict=True))
            df = pl.DataFrame([pl.Series(c, list(v), dtype=pl.Utf8)
                               for c, v in zip(self._columns, zip(*rows, strict=True), strict=True)])
        return df.with_columns(good[LINE])

    def _field_counts(self, bad: pl.DataFrame) -> None:
        """Report well-quoted records with the wrong number of fields (LINE, nf), all counted, the
        first ``room`` built; account for them by field count."""
        named, extra = len(self._columns), self._extra
        room = self._sink.room("or.csv.field-count")
        sample = []
        for line, n in bad.head(room).iter_rows():
            if extra and n == named + extra:
                en = (f"record has a value in the last {extra} {'field' if extra == 1 else 'fields'}, which the "
                      "header leaves unnamed")
                ja = f"ヘッダーで名前のない末尾の {extra} 列に値があります"
            else:
                en = f"record has {n} fields but the header has {named}"
                ja = f"レコードのフィールド数 {n} がヘッダーのフィールド数 {named} と一致しません"
            sample.append(Finding(message=en, message_ja=ja, location=Location(file=self.name, row=line)))
        self._sink.add_counted("or.csv.field-count", bad.height, sample)
        groups = bad.group_by("nf", maintain_order=True).agg(pl.len(), pl.col(LINE).head(FIRST_LINES))
        for n, count, lines in groups.head(FIRST_LINES).iter_rows():
            self._drop_count(int(n), list(lines), int(count))
        if groups.height > FIRST_LINES:
            rest = groups.slice(FIRST_LINES)
            self._drop_count(None, rest[LINE].list.first().head(FIRST_LINES).to_list(), int(rest["len"].sum()))

    def _broken_records(self, bad: pl.DataFrame) -> tuple[list[_Record], list[tuple[int, str]]]:
        """Records that break RFC 4180 quoting (LINE, TEXT). Within the file's ``PRECISE_BYTES`` each is
        scanned record by record, which names the exact problem and keeps the good lines a stray
        quote took with it; the rest are reported and counted in bulk. Returns (good records found,
        record terminators found inside the scanned text)."""
        size = pl.col(TEXT).str.len_bytes()
        bad = bad.with_columns((size.cum_sum() - size).alias("before"))
        close = bad.filter(pl.col("before") < self._precise)
        bulk = bad.slice(close.height)
        rescued: list[_Record] = []
        inner: list[tuple[int, str]] = []
        for line, text, _ in close.iter_rows():
            raw = text.encode("utf-8")
            self._precise -= len(raw)
            for r in self._scan(raw, line, final=True):
                if raw[r.end - 1: r.end] == b"\n":
                    inner.append((r.line + raw.count(b"\n", r.start, r.end - 1),
                                  "CRLF" if raw[r.end - 2: r.end] == b"\r\n" else "LF"))
                if not r.broken:
                    rescued.append(r)
        if bulk.height:
            room = self._sink.room("or.csv.rfc4180")
            self._sink.add_counted("or.csv.rfc4180", bulk.height, [
                Finding(message="malformed quoting: a double quote is unbalanced or misplaced; the record is "
                                "skipped (many broken records: not analysed one by one)",
                        message_ja="引用符の使い方が不正です（RFC 4180）。このレコードを読み飛ばします",
                        location=Location(file=self.name, row=line)) for line in bulk[LINE].head(room).to_list()])
            self._drop_quoting(bulk[LINE].head(FIRST_LINES).to_list(), bulk.height)
        return rescued, inner

    def _slow_endings(self, split: Split, inner: list[tuple[int, str]]) -> None:
        """Count the record terminators of a slow piece; the first of each kind locates a mix."""
        inner_crlf = sum(1 for _, kind in inner if kind == "CRLF")
        firsts = {kind: n for n, kind in ((split.first_crlf, "CRLF"), (split.first_lf, "LF")) if n is not None}
        for n, kind in inner:
            firsts[kind] = min(n, firsts.get(kind, n))
        self._endings.add(split.crlf + inner_crlf, split.lf + len(inner) - inner_crlf, b"", 0,
                          sorted((n, kind) for kind, n in firsts.items()))

    # --- records looked at one by one ---------------------------------------------------------

    def _drop_count(self, n: int | None, lines: list[int], count: int | None = None) -> None:
        """Account for records with ``n`` fields (None: one of several other counts)."""
        named = len(self._columns)
        kind, what = (f"fields:{n}", f"{n} fields instead of {named}") if n is not None else (
            "fields:other", f"a number of fields other than {named}")
        if n is not None and n > self._limits.max_fields:
            kind, what = "fields:many", f"more than max_fields={self._limits.max_fields} fields"
        self.account.gap(kind, f"has {what}", f"have {what}", by="or.csv.field-count").add(lines, count)
        self._broken += len(lines) if count is None else count

    def _drop_quoting(self, lines: list[int], count: int | None = None) -> None:
        self.account.gap("quoting", "has malformed quoting", "have malformed quoting",
                         by="or.csv.rfc4180").add(lines, count)
        self._broken += len(lines) if count is None else count

    def _drop_unclosed(self, lines: list[int]) -> None:
        self.account.gap("unclosed", "has an unclosed quote", "have an unclosed quote",
                         by="or.csv.rfc4180").add(lines)
        self._broken += len(lines)

    def _scan(self, data: bytes, line0: int, *, final: bool, max_records: int | None = None) -> list[_Record]:
        """Split ``data`` into records (RFC 4180, lenient about stray quotes), reporting problems.

        Lines without a quote are split with ``bytes.split`` (C speed); only quoted records are
        walked field by field. Used for the header and, within ``PRECISE_BYTES``, broken records.
        """
        records: list[_Record] = []
        n = len(data)
        pos, line = 0, line0
        most = self._limits.max_fields
        header = not self._all_columns
        while pos < n and (max_records is None or len(records) < max_records):
            nl = data.find(b"\n", pos)
            stop = n if nl < 0 else nl
            if data.find(b'"', pos, stop) < 0:
                body = data[pos:stop]
                if body.endswith(b"\r") and nl >= 0:
                    body = body[:-1]
                rec = _Record(start=pos, end=n if nl < 0 else nl + 1, line=line)
                count = body.count(b",") + 1
                if count > most:  # never split a million commas into a million objects
                    rec.nfields = count
                else:
                    rec.fields = body.split(b",")
                issue = None
            else:
                rec, issue = self._scan_quoted(data, pos, line, final)
                if rec is None:
                    return records  # the record continues in the next chunk
            pos = rec.end
            line = rec.line + data.count(b"\n", rec.start, rec.end)
            if not rec.broken:
                self._judge(rec, issue, header)
            records.append(rec)
        return records

    def _judge(self, rec: _Record, issue: str | None, header: bool) -> None:
        """Report a record's quoting or field-count problem and mark it broken (the header is only
        reported: its names are used as they stand)."""
        if issue is not None:
            if header:
                self._sink.fail("or.csv.rfc4180", f"malformed quoting in the header: {issue}; its names are "
                                "read as they stand", ja="ヘッダーの引用符の使い方が不正です（RFC 4180）。列名は"
                                "そのまま読みます", file=self.name, row=rec.line)
                return
            rec.broken = True
            self._sink.fail("or.csv.rfc4180", f"malformed quoting: {issue}; the record is skipped",
                            ja="引用符の使い方が不正です（RFC 4180）。このレコードを読み飛ばします",
                            file=self.name, row=rec.line)
            self._drop_quoting([rec.line])
            return
        if header:
            return
        named, extra = len(self._columns), self._extra
        n = rec.nfields or len(rec.fields)
        if n == named:
            return
        if extra and n == named + extra and not any(rec.fields[named:]):
            del rec.fields[named:]
            return
        rec.broken = True
        if rec.fields == [b""]:
            self._blank = (self._blank[0] + 1, self._blank[1] or rec.line)
            return
        if extra and n == named + extra:
            en = (f"record has a value in the last {extra} {'field' if extra == 1 else 'fields'}, which the header "
                  "leaves unnamed")
            ja = f"ヘッダーで名前のない末尾の {extra} 列に値があります"
        elif rec.nfields > self._limits.max_fields or len(rec.fields) > self._limits.max_fields:
            en = f"record has more than max_fields={self._limits.max_fields} fields (the header has {named})"
            ja = (f"レコードのフィールド数が上限 max_fields={self._limits.max_fields} を超えています（ヘッダーは "
                  f"{named}）")
        else:
            en = f"record has {n} fields but the header has {named}"
            ja = f"レコードのフィールド数 {n} がヘッダーのフィールド数 {named} と一致しません"
        self._sink.fail("or.csv.field-count", en, ja=ja, file=self.name, row=rec.line)
        self._drop_count(n, [rec.line])

    def _scan_quoted(self, data: bytes, pos: int, line: int, final: bool) -> tuple[_Record | None, str | None]:
        """One record containing quotes; None when it is unfinished at the end of a non-final chunk."""
        n = len(data)
        limit = self._limits.max_line_bytes
        most = self._limits.max_fields
        rec = _Record(start=pos, end=pos, line=line)
        issue: str | None = None
        while True:  # one field per iteration
            if len(rec.fields) > most:  # stop walking; the record ends at the next unquoted newline
                rec.nfields, rec.fields = most + 1, []
                rec.end = _record_end(data, pos)
                return rec, None
            if pos < n and data[pos] == _Q:
                parts: list[bytes] = []
                p, closed, qpos = pos + 1, False, -1
                while True:
                    qpos = data.find(b'"', p)
                    if qpos < 0 or qpos - rec.start > limit:
                        break
                    if data[qpos + 1: qpos + 2] == b'"':
                        parts.append(data[p:qpos + 1])
                        p = qpos + 2
                        continue
                    parts.append(data[p:qpos])
                    p, closed = qpos + 1, True
                    break
                if not closed:
                    if not final and qpos < 0 and n - rec.start <= limit:
                        return None, None
                    self._sink.fail("or.csv.rfc4180", "quoted field is never closed (unbalanced quote); "
                                    "the line is skipped",
                                    ja="引用符付きフィールドが閉じていません（引用符の不整合）。この行を読み飛ばします",
                                    file=self.name, row=rec.line)
                    if self._all_columns:
                        self._drop_unclosed([rec.line])
                    nl = data.find(b"\n", rec.start)
                    rec.end, rec.broken, rec.fields = (n if nl < 0 else nl + 1), True, []
                    return rec, None
                value = b"".join(parts)
                pos = p
                stop = _field_end(data, pos)
                if stop != pos:
                    issue = issue or "text after the closing quote of a field"
                    value += data[pos:stop]
                    pos = stop
            else:
                stop = _field_end(data, pos)
                value = data[pos:stop]
                if b'"' in value:
                    issue = issue or "double quote inside an unquoted field (it must be quoted and doubled)"
                pos = stop
            rec.fields.append(value)
            if pos < n and data[pos] == _COMMA:
                pos += 1
                continue
            if data[pos: pos + 2] == b"\r\n":
                pos += 2
            elif pos < n and data[pos] == _NL:
                pos += 1
            rec.end = pos
            return rec, issue


def _piece_end(data: bytes, pos: int) -> int:
    """End of the next slow piece from ``pos``: at most ``_SLOW_PIECE`` bytes and about
    ``_PIECE_LINES`` lines of whole records, more only when a single record is longer."""
    n, size = len(data), _SLOW_PIECE
    lines = data.count(b"\n", pos, pos + size)
    if lines > _PIECE_LINES:
        size = max(4096, size * _PIECE_LINES // lines)
    while pos + size < n:
        cut, _ = last_boundary(data[pos: pos + size])
        if cut:
            return pos + cut
        size *= 2
    return n


def _record_end(data: bytes, pos: int) -> int:
    """Offset after the first newline at or after ``pos`` (outside quotes) that is outside quotes."""
    odd = 0
    while True:
        nl = data.find(b"\n", pos)
        if nl < 0:
            return len(data)
        odd ^= data.count(b'"', pos, nl) & 1
        if not odd:
            return nl + 1
        pos = nl + 1


def _total(df: pl.DataFrame, exprs: list[pl.Expr]) -> int:
    """Sum of per-cell counts over all columns."""
    return int(df.select(pl.sum_horizontal(exprs).sum()).item() or 0)


def _field_end(data: bytes, pos: int) -> int:
    """Index of the next comma or newline at/after ``pos`` (a CR before LF belongs to the terminator)."""
    comma = data.find(b",", pos)
    nl = data.find(b"\n", pos)
    if nl < 0:
        nl = len(data)
    stop = nl if comma < 0 or comma > nl else comma
    if stop == nl and pos < stop < len(data) and data[stop - 1] == _CR:
        stop -= 1
    return stop


def _raw_position(raw: bytes, data: bytes, consumed: int) -> int:
    """Map an offset just after a newline in transcoded ``data`` back to ``raw``.

    Decoding keeps every newline byte (it is never part of a multi-byte CP932/UTF-8 sequence),
    so the k-th newline from the end is the same record boundary in both buffers.
    """
    if raw is data or consumed >= len(data):
        return min(consumed, len(raw))
    pos = len(raw)
    for _ in range(data.count(b"\n", consumed) + 1):
        pos = raw.rfind(b"\n", 0, pos)
        if pos < 0:
            return 0
    return pos + 1


def read_csv(bundle: Bundle, name: str, sink: FindingSink, *, chunk_bytes: int = DEFAULT_CHUNK_BYTES) -> CsvStream:
    """Open ``name`` of ``bundle`` for streaming; the header is read now, records on iteration.

    Unreadable entries, encoding problems and broken records end up as findings in ``sink``;
    nothing raises for bad input (an unknown ``name`` is a caller bug: ``KeyError``).
    """
    stream = CsvStream(name, sink, bundle.limits, chunk_bytes)
    if name not in bundle.files:
        raise KeyError(f"{name!r} is not a usable file of the bundle")
    try:
        fh = bundle.open(name)
        stream._start(fh)
    except EntryError as exc:
        sink.fail(exc.check_id, exc.message, ja=exc.ja, file=name, entry=name)
        stream.account.not_read(exc.message, exc.check_id)
        stream._finish()
    except _Stop:  # not text from the first block on: nothing was read
        stopped = stream.account.stopped
        stream.account.stopped = None
        stream.account.not_read(stopped[1] if stopped else "it is not text", "or.enc.utf8")
        stream.header, stream._columns, stream._all_columns = [], [], []
        stream._finish()
    return stream
