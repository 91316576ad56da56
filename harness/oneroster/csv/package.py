"""Opening a OneRoster bundle (zip or folder) without trusting it.

Vendor zips are untrusted input (DESIGN "hostile input is normal input"), so nothing is ever
extracted: entries are streamed straight out of the archive, every name is checked before it is
used, and declared sizes are checked against limits before a single byte is inflated. Each
problem becomes a finding under an ``or.pkg.*`` check and the entry is left out of
``Bundle.files``; nothing raises out of ``open_bundle``. A root entry that is there but cannot be
read (encrypted, too big, a link, a FIFO or device, a folder named ``users.csv``) is also listed in
``Bundle.unread`` with the reason, so later phases say "not read" instead of "missing". A folder's
entries are classified by ``lstat`` before anything is opened: opening a FIFO would block.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, BinaryIO, Literal, cast

from renkei.harness.core.errors import ConfigError
from renkei.harness.oneroster.csv.sink import FindingSink

# Compression methods an importer can be expected to read (CSV121 P1: RFC 1951 deflate).
SPEC_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}
READABLE_METHODS = SPEC_METHODS | {zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
UTF8_FLAG = 0x800
ENCRYPTED_FLAG = 0x1
_DRIVE = re.compile(r"^[A-Za-z]:")
_IGNORED_TOP = "__MACOSX"


@dataclass(frozen=True)
class Limits:
    """Resource limits; the defaults are sized for a 1M-user / 5M-enrollment bundle."""

    max_entries: int = 200
    max_entry_bytes: int = 8 * 2**30
    max_total_bytes: int = 16 * 2**30
    max_ratio: float = 200.0  # uncompressed/compressed size of one entry (zip bomb)
    max_line_bytes: int = 1 * 2**20
    max_field_chars: int = 64 * 1024
    max_fields: int = 1000  # fields of a header (wider files are not read) and counted per record


def limits_from_params(params: dict[str, Any]) -> Limits:
    """Limits overridden by profile parameters of the same names (e.g. ``max_ratio: 500``)."""
    values: dict[str, Any] = {}
    for f in fields(Limits):
        if f.name not in params:
            continue
        raw = params[f.name]
        kind = float if f.name == "max_ratio" else int
        if isinstance(raw, bool) or not isinstance(raw, int | float) or raw <= 0:
            raise ConfigError(f"profile parameter {f.name!r}: expected a positive number")
        values[f.name] = kind(raw)
    return Limits(**values)


@dataclass(frozen=True)
class Entry:
    """One usable file of the bundle: a zip member or a regular file of a folder."""

    name: str  # display name, e.g. "users.csv"
    info: zipfile.ZipInfo | None = None
    path: Path | None = None


class EntryError(Exception):
    """Reading an entry failed; carries the check id and bilingual message for the finding."""

    def __init__(self, check_id: str, message: str, ja: str) -> None:
        super().__init__(message)
        self.check_id = check_id
        self.message = message
        self.ja = ja


class LimitedReader(io.RawIOBase):
    """Streams one entry and stops (``EntryError``) past ``limit`` bytes or on a broken entry.

    zipfile inflates no further than the declared size (checked against the limits before
    opening), so this bound also holds for entries whose header lies about their size.
    """

    def __init__(self, raw: BinaryIO, limit: int) -> None:
        super().__init__()
        self._raw = raw
        self._limit = limit
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        want = -1 if size is None or size < 0 else size
        room = self._limit - self.consumed + 1
        want = room if want < 0 else min(want, room)
        try:
            data = self._raw.read(want)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, ValueError,
                NotImplementedError, struct.error) as exc:
            raise EntryError(
                "or.pkg.unreadable",
                f"entry cannot be read ({_reason(exc)})",
                f"エントリを読み取れません（{_reason(exc)}）",
            ) from None
        self.consumed += len(data)
        if self.consumed > self._limit:
            raise EntryError(
                "or.pkg.zip-bomb",
                f"entry inflates to more than {self._limit} bytes (max_entry_bytes); reading stopped",
                f"エントリの展開後サイズが上限 {self._limit} バイト（max_entry_bytes）を超えたため読み取りを中止しました",
            )
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        with contextlib.suppress(Exception):  # a broken member must not mask the original finding
            self._raw.close()
        super().close()


def _reason(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if "Bad CRC-32" in text:
        return "CRC-32 mismatch"
    if "encrypted" in text or "password" in text:
        return "encrypted"
    return text[:120]


class Bundle:
    """The usable files of a target; ``open`` streams one of them."""

    def __init__(self, kind: Literal["zip", "folder"], path: Path, limits: Limits) -> None:
        self.kind: Literal["zip", "folder"] = kind
        self.path = path
        self.limits = limits
        self.files: dict[str, Entry] = {}
        self.unread: dict[str, tuple[str, str]] = {}  # root name -> (why it is not read, reporting check)
        self.ok = True  # False: not a usable bundle at all (later phases skip)
        self._zip: zipfile.ZipFile | None = None
        self._open: list[LimitedReader] = []

    def open(self, name: str) -> BinaryIO:
        """A streaming binary reader of one usable file; raises ``EntryError`` when it cannot."""
        entry = self.files.get(name)
        if entry is None:
            raise KeyError(name)
        try:
            if entry.info is not None and self._zip is not None:
                raw = cast(BinaryIO, self._zip.open(entry.info))
            elif entry.path is not None:  # a file swapped for a link or a FIFO after listing never blocks
                fd = os.open(entry.path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
                if not stat.S_ISREG(os.fstat(fd).st_mode):
                    os.close(fd)
                    raise OSError("not a regular file")
                raw = cast(BinaryIO, os.fdopen(fd, "rb"))
            else:
                raise KeyError(name)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, ValueError,
                NotImplementedError, struct.error) as exc:
            raise EntryError(
                "or.pkg.unreadable",
                f"entry cannot be opened ({_reason(exc)})",
                f"エントリを開けません（{_reason(exc)}）",
            ) from None
        reader = LimitedReader(raw, self.limits.max_entry_bytes)
        self._open.append(reader)
        return cast(BinaryIO, reader)

    def close(self) -> None:
        for reader in self._open:
            reader.close()
        self._open.clear()
        if self._zip is not None:
            self._zip.close()
            self._zip = None


def open_bundle(path: Path, sink: FindingSink, limits: Limits | None = None) -> Bundle:
    """Inspect ``path`` (zip or folder) and return the bundle of its usable root files."""
    limits = limits or Limits()
    path = Path(path)
    if path.is_dir():
        bundle = Bundle("folder", path, limits)
        _open_folder(bundle, sink)
        return bundle
    bundle = Bundle("zip", path, limits)
    try:
        _open_zip(bundle, sink)
    except Exception as exc:  # a hostile archive must end as a finding, never a traceback
        bundle.close()
        bundle.files.clear()
        bundle.ok = False
        sink.fail("or.pkg.zip", f"the zip cannot be read ({_reason(exc)})",
                  ja=f"zip を読み取れません（{_reason(exc)}）", file=path.name)
    return bundle


# --- folders -------------------------------------------------------------------------------


def _open_folder(bundle: Bundle, sink: FindingSink) -> None:
    sink.skip("or.pkg.zip", "the target is a folder: accepted for convenience; the exchange format "
                            "itself is one zip (CSV121 P1)")
    limits = bundle.limits
    try:
        children = sorted(bundle.path.iterdir(), key=lambda p: p.name)
    except OSError as exc:
        bundle.ok = False
        sink.fail("or.pkg.unreadable", f"the folder cannot be listed ({_reason(exc)})",
                  ja=f"フォルダの一覧を取得できません（{_reason(exc)}）", file=bundle.path.name)
        return
    if len(children) > limits.max_entries:
        sink.fail("or.pkg.zip-bomb", f"the folder holds {len(children)} entries, more than "
                  f"max_entries={limits.max_entries}; only the first {limits.max_entries} are used",
                  ja=f"フォルダのエントリ数 {len(children)} が上限 max_entries={limits.max_entries} を"
                     f"超えています。先頭 {limits.max_entries} 件のみを使用します")
        for later in children[limits.max_entries:]:
            bundle.unread[later.name] = (f"the folder holds more than max_entries={limits.max_entries} entries",
                                         "or.pkg.zip-bomb")
        children = children[: limits.max_entries]
    total = 0
    folded: dict[str, str] = {}
    for n, child in enumerate(children):
        name = _folder_name(child, sink)
        try:
            st = child.lstat()  # never follows a link, never opens: a FIFO would block
        except OSError as exc:
            sink.fail("or.pkg.unreadable", f"entry cannot be examined ({_reason(exc)}); it is not read",
                      ja=f"エントリを調べられません（{_reason(exc)}）。読み取りません", entry=name)
            bundle.unread[name] = (f"it cannot be examined ({_reason(exc)})", "or.pkg.unreadable")
            continue
        mode = st.st_mode
        if stat.S_ISLNK(mode):
            sink.fail("or.pkg.symlink", "symbolic link in the bundle; it is not followed",
                      ja="バンドル内にシンボリックリンクがあります（辿りません）", entry=name)
            bundle.unread[name] = ("it is a symbolic link, which is not followed", "or.pkg.symlink")
            continue
        if stat.S_ISDIR(mode):
            if name.lower().endswith(".csv"):
                sink.fail("or.pkg.root", "a folder named like a CSV file: it is not read, and all files must be at "
                          "the root of the bundle",
                          ja="CSV ファイルの名前を持つフォルダです。読み取りません（ファイルはすべてルートに置く必要が"
                             "あります）", entry=name + "/")
                bundle.unread[name] = ("it is a folder, not a file", "or.pkg.root")
            else:
                sink.fail("or.pkg.root", "nested folder: all files must be at the root of the bundle",
                          ja="入れ子のフォルダがあります。ファイルはすべてルートに置く必要があります", entry=name + "/")
            continue
        if not stat.S_ISREG(mode):
            what, what_ja = _special_kind(mode)
            sink.fail("or.pkg.unreadable", f"entry is {what}, not a regular file; it is not read",
                      ja=f"エントリが通常のファイルではなく{what_ja}のため読み取りません", entry=name, value=what)
            bundle.unread[name] = (f"it is {what}, not a regular file", "or.pkg.unreadable")
            continue
        if not os.access(child, os.R_OK, follow_symlinks=False):
            sink.fail("or.pkg.unreadable", "file cannot be read (permission denied); it is not read",
                      ja="ファイルを読み取れません（読み取り権限がありません）", entry=name)
            bundle.unread[name] = ("permission to read it is denied", "or.pkg.unreadable")
            continue
        _clash(name, folded, sink)
        if st.st_size > limits.max_entry_bytes:
            _too_big(sink, name, st.st_size, limits)
            bundle.unread[name] = (f"it is larger than max_entry_bytes={limits.max_entry_bytes}", "or.pkg.zip-bomb")
            continue
        total += st.st_size
        if total > limits.max_total_bytes:
            _total_exceeded(sink, name, limits)
            for later in children[n:]:
                bundle.unread.setdefault(later.name, (f"the bundle is larger than max_total_bytes="
                                                      f"{limits.max_total_bytes}", "or.pkg.zip-bomb"))
            break
        bundle.files[name] = Entry(name=name, path=child)


def _special_kind(mode: int) -> tuple[str, str]:
    """What a non-regular, non-folder, non-link entry is (English, Japanese)."""
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)", "FIFO（名前付きパイプ）"
    if stat.S_ISSOCK(mode):
        return "a socket", "ソケット"
    if stat.S_ISCHR(mode):
        return "a character device", "キャラクタデバイス"
    if stat.S_ISBLK(mode):
        return "a block device", "ブロックデバイス"
    return "a special file", "特殊ファイル"


def _folder_name(child: Path, sink: FindingSink) -> str:
    """A printable name for a folder entry; names that are not UTF-8 (surrogate-escaped by
    Python) are decoded as CP932 when possible and reported like non-UTF-8 zip entry names."""
    name = child.name
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        raw = os.fsencode(name)
    try:
        decoded, label = raw.decode("cp932"), "Shift_JIS/CP932"
    except UnicodeDecodeError:
        decoded, label = raw.decode("utf-8", "replace"), "an unknown encoding"
    sink.fail("or.pkg.entry-name-encoding", f"file name is not UTF-8; it decodes as {label}",
              ja=f"ファイル名が UTF-8 ではありません。{label} として解釈できます", entry=decoded, value=decoded)
    return decoded


def _clash(name: str, folded: dict[str, str], sink: FindingSink) -> bool:
    """Report a case-insensitive name clash (they overwrite each other on Windows/macOS)."""
    key = name.casefold()
    other = folded.get(key)
    if other is None:
        folded[key] = name
        return False
    sink.fail("or.pkg.duplicate-entry", "two entries differ only in letter case; on Windows and "
              "macOS one overwrites the other",
              ja="大文字・小文字だけが異なるエントリがあります（Windows・macOS では上書きされます）",
              entry=name, value=other)
    return True


def _too_big(sink: FindingSink, name: str, size: int, limits: Limits) -> None:
    sink.fail("or.pkg.zip-bomb", f"entry is {size} bytes uncompressed, more than "
              f"max_entry_bytes={limits.max_entry_bytes}; it is not read",
              ja=f"エントリの展開後サイズ {size} バイトが上限 max_entry_bytes={limits.max_entry_bytes} を"
                 "超えるため読み取りません", entry=name)


def _total_exceeded(sink: FindingSink, name: str, limits: Limits) -> None:
    sink.fail("or.pkg.zip-bomb", f"the bundle inflates to more than max_total_bytes="
              f"{limits.max_total_bytes}; this entry and the ones after it are not read",
              ja=f"バンドル全体の展開後サイズが上限 max_total_bytes={limits.max_total_bytes} を超えるため、"
                 "このエントリ以降は読み取りません", entry=name)


# --- zips ----------------------------------------------------------------------------------


def _eocd_entry_count(path: Path) -> int | None:
    """Entry count from the end-of-central-directory record, read before zipfile parses it all."""
    with path.open("rb") as fh:
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        fh.seek(max(0, size - (22 + 65535)))
        tail = fh.read()
    pos = len(tail)
    while True:  # the record whose comment length reaches the end of the file (not one in a comment)
        pos = tail.rfind(b"PK\x05\x06", 0, pos)
        if pos < 0:
            return None
        if pos + 22 <= len(tail) and pos + 22 + struct.unpack("<H", tail[pos + 20: pos + 22])[0] == len(tail):
            count = struct.unpack("<H", tail[pos + 10: pos + 12])[0]
            return None if count == 0xFFFF else count


def _open_zip(bundle: Bundle, sink: FindingSink) -> None:
    path, limits = bundle.path, bundle.limits
    if path.suffix.lower() != ".zip":
        sink.fail("or.pkg.zip", "the bundle's file name must end in .zip (CSV121 P1)",
                  ja="バンドルのファイル名の拡張子は .zip でなければなりません（CSV121 P1）", file=path.name)
    if not zipfile.is_zipfile(path):
        bundle.ok = False
        sink.fail("or.pkg.zip", "the target is not a zip archive (no end-of-central-directory record)",
                  ja="対象が zip アーカイブではありません（中央ディレクトリ終端レコードがありません）", file=path.name)
        return
    count = _eocd_entry_count(path)
    if count is not None and count > limits.max_entries:
        bundle.ok = False
        sink.fail("or.pkg.zip-bomb", f"the zip declares {count} entries, more than max_entries="
                  f"{limits.max_entries}; it is not opened",
                  ja=f"zip のエントリ数 {count} が上限 max_entries={limits.max_entries} を超えるため開きません",
                  file=path.name)
        return
    zf = zipfile.ZipFile(path)
    bundle._zip = zf
    infos = zf.infolist()
    if len(infos) > limits.max_entries:
        bundle.ok = False
        sink.fail("or.pkg.zip-bomb", f"the zip holds {len(infos)} entries, more than max_entries="
                  f"{limits.max_entries}; it is not opened",
                  ja=f"zip のエントリ数 {len(infos)} が上限 max_entries={limits.max_entries} を超えるため開きません",
                  file=path.name)
        return
    if count is not None and count != len(infos):
        sink.fail("or.pkg.zip", f"the zip's end record declares {count} entries but {len(infos)} are listed "
                  "(e.g. a fake end record in the archive comment); zip tools will disagree on the content",
                  ja=f"zip の終端レコードはエントリ数 {count} を宣言していますが、一覧は {len(infos)} 件です"
                     "（コメント内の偽の終端レコードなど）。ツールによって内容の解釈が変わります", file=path.name)
    dropped: dict[str, tuple[str, str]] = {}
    candidates = list(_screen_entries(infos, sink, dropped))
    _select_root(bundle, candidates, sink, dropped)


def _display_name(info: zipfile.ZipInfo, sink: FindingSink) -> str:
    """The entry name as the producer meant it; flags non-ASCII names lacking the UTF-8 flag."""
    name = info.filename
    if info.flag_bits & UTF8_FLAG or name.isascii():
        return name
    try:
        raw = info.orig_filename.encode("cp437")
    except UnicodeEncodeError:
        return name
    decoded, label = name, "CP437 (zip default)"
    for codec, codec_label in (("utf-8", "UTF-8"), ("cp932", "Shift_JIS/CP932")):
        try:
            decoded, label = raw.decode(codec), codec_label
            break
        except UnicodeDecodeError:
            continue
    decoded = decoded.split("\x00", 1)[0]
    sink.fail(
        "or.pkg.entry-name-encoding",
        f"non-ASCII entry name without the UTF-8 flag (general purpose bit 11); it decodes as {label}",
        ja=f"UTF-8 フラグ（汎用ビット 11）のない非 ASCII のエントリ名です。{label} として解釈できます",
        entry=decoded, value=decoded,
    )
    return decoded


def _bad_path(name: str) -> str | None:
    if "\\" in name:
        return "backslash"
    if name.startswith("/"):
        return "absolute path"
    if _DRIVE.match(name):
        return "drive letter"
    if any(part == ".." for part in name.split("/")):
        return "'..' component"
    return None


_BAD_PATH_JA = {"backslash": "バックスラッシュ", "absolute path": "絶対パス", "drive letter": "ドライブ文字",
                "'..' component": "「..」要素"}


def _screen_entries(infos: Iterable[zipfile.ZipInfo], sink: FindingSink,
                    dropped: dict[str, tuple[str, str]]) -> Iterable[tuple[str, zipfile.ZipInfo]]:
    """Drop entries that are unsafe or unreadable; yield (display name, info) of the rest.
    ``dropped`` receives the links and unreadable entries: name -> (why, reporting check)."""
    seen: set[str] = set()
    folded: dict[str, str] = {}
    for info in infos:
        name = _display_name(info, sink)
        bad = _bad_path(name)
        if bad is not None:
            sink.fail("or.pkg.path-traversal", f"unsafe entry name ({bad}); the entry is ignored",
                      ja=f"安全でないエントリ名（{_BAD_PATH_JA[bad]}）です。このエントリは無視します", entry=name)
            continue
        mode = info.external_attr >> 16
        if info.create_system == 3 and stat.S_ISLNK(mode):
            sink.fail("or.pkg.symlink", "symbolic link entry; it is ignored",
                      ja="シンボリックリンクのエントリです。無視します", entry=name)
            dropped.setdefault(name, ("it is a symbolic link, which is not followed", "or.pkg.symlink"))
            continue
        if name in seen:
            sink.fail("or.pkg.duplicate-entry", "the same entry name occurs twice; only the first is used",
                      ja="同じエントリ名が 2 回現れます。最初のものだけを使用します", entry=name)
            continue
        seen.add(name)
        if not info.is_dir():
            _clash(name, folded, sink)
        if info.flag_bits & ENCRYPTED_FLAG:
            sink.fail("or.pkg.unreadable", "entry is encrypted", ja="エントリが暗号化されています", entry=name)
            dropped[name] = ("the entry is encrypted", "or.pkg.unreadable")
            continue
        if info.compress_type not in SPEC_METHODS:
            readable = info.compress_type in READABLE_METHODS
            sink.fail(
                "or.pkg.unreadable",
                f"entry uses compression method {info.compress_type}; CSV121 P1 requires deflate "
                f"(RFC 1951)" + ("" if readable else " and renkei cannot read it"),
                ja=f"エントリの圧縮方式 {info.compress_type} は CSV121 P1 の deflate（RFC 1951）ではありません"
                   + ("" if readable else "。renkei でも読み取れません"),
                entry=name,
            )
            if not readable:
                dropped[name] = (f"renkei cannot read compression method {info.compress_type}", "or.pkg.unreadable")
                continue
        yield name, info


def _select_root(bundle: Bundle, candidates: list[tuple[str, zipfile.ZipInfo]], sink: FindingSink,
                 dropped: dict[str, tuple[str, str]]) -> None:
    limits = bundle.limits
    files = [(n, i) for n, i in candidates if not i.is_dir()]
    base = ""
    if not any("/" not in n for n, _ in files):
        tops = {n.split("/", 1)[0] for n, _ in candidates if "/" in n} - {_IGNORED_TOP}
        if len(tops) == 1:
            base = tops.pop() + "/"
            sink.fail("or.pkg.root", "the files are inside an enclosing folder instead of at the zip root "
                      "(CSV121 P1); they are analysed as if they were at the root",
                      ja="ファイルが zip のルートではなく外側のフォルダ内にあります（CSV121 P1）。ルートにあるものとして"
                         "解析を続けます", entry=base)
    used = [(n[len(base):], i) for n, i in files if n.startswith(base) and "/" not in n[len(base):]]
    for name, why in dropped.items():
        if name.startswith(base) and "/" not in name[len(base):]:
            bundle.unread.setdefault(name[len(base):], why)
    reported: set[str] = set()
    for name, info in candidates:
        if name == base:
            continue
        inside = name.startswith(base)
        rel = name[len(base):] if inside else name
        if inside and "/" not in rel.rstrip("/") and not info.is_dir():
            continue
        top = rel.split("/", 1)[0]
        folder = (base if inside else "") + top + "/"
        if folder in reported:
            continue
        reported.add(folder)
        if inside and top.lower().endswith(".csv"):
            sink.fail("or.pkg.root", "a folder named like a CSV file: it is not read, and all files must be at the "
                      "zip root (CSV121 P1)",
                      ja="CSV ファイルの名前を持つフォルダです。読み取りません（ファイルはすべて zip のルートに置く必要が"
                         "あります、CSV121 P1）", entry=folder)
            bundle.unread.setdefault(top, ("it is a folder, not a file", "or.pkg.root"))
            continue
        sink.fail("or.pkg.root", "nested folder in the zip: all files must be at the zip root (CSV121 P1)",
                  ja="zip 内に入れ子のフォルダがあります。ファイルはすべて zip のルートに置く必要があります（CSV121 P1）",
                  entry=folder)
    total = 0
    for name, info in used:
        ratio = info.file_size / info.compress_size if info.compress_size else (
            float("inf") if info.file_size else 1.0)
        if info.file_size > limits.max_entry_bytes:
            _too_big(sink, name, info.file_size, limits)
            bundle.unread[name] = (f"it is larger than max_entry_bytes={limits.max_entry_bytes}", "or.pkg.zip-bomb")
            continue
        if ratio > limits.max_ratio and info.file_size > 2**16:
            sink.fail("or.pkg.zip-bomb", f"entry's compression ratio {ratio:.0f}:1 exceeds "
                      f"max_ratio={limits.max_ratio:g}; it is not read",
                      ja=f"エントリの圧縮率 {ratio:.0f}:1 が上限 max_ratio={limits.max_ratio:g} を超えるため"
                         "読み取りません", entry=name)
            bundle.unread[name] = (f"its compression ratio exceeds max_ratio={limits.max_ratio:g}", "or.pkg.zip-bomb")
            continue
        total += info.file_size
        if total > limits.max_total_bytes:
            _total_exceeded(sink, name, limits)
            k = used.index((name, info))
            for later, _ in used[k:]:
                bundle.unread.setdefault(later, (f"the bundle is larger than max_total_bytes="
                                                 f"{limits.max_total_bytes}", "or.pkg.zip-bomb"))
            break
        bundle.files[name] = Entry(name=name, info=info)
