"""An editable copy of a bundle zip, for the defect corpus, the fuzzer and the vendor-quirk tests.

A generated bundle is loaded once, copied per case, edited at the level a defect lives at (a cell,
a header, a file's bytes, an entry's zip metadata, or the whole zip's bytes) and written back.
Row numbers are physical lines as editors and renkei show them (header = 1); ``line_of``/``find``
work on files without embedded newlines, which is what the generator writes.
"""

from __future__ import annotations

import copy
import csv
import io
import struct
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

LOCAL_SIG = b"PK\x03\x04"
CENTRAL_SIG = b"PK\x01\x02"
SYMLINK_MODE = 0o120777


@dataclass
class Entry:
    """One zip member. ``raw_name`` (bytes) is written verbatim, without the UTF-8 flag."""

    name: str
    data: bytes
    raw_name: bytes | None = None
    symlink: bool = False
    encrypted: bool = False
    compress_type: int = zipfile.ZIP_DEFLATED
    is_dir: bool = False


@dataclass
class Bundle:
    entries: list[Entry] = field(default_factory=list)
    raw: bytes | None = None  # when set, written verbatim instead of a zip built from ``entries``
    zip_name: str = "bundle.zip"

    # --- loading / saving ------------------------------------------------------------------
    @classmethod
    def from_zip(cls, data: bytes) -> Bundle:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return cls([Entry(i.filename, zf.read(i), compress_type=i.compress_type) for i in zf.infolist()])

    def copy(self) -> Bundle:
        return copy.deepcopy(self)

    def to_bytes(self) -> bytes:
        if self.raw is not None:
            return self.raw
        buf = io.BytesIO()
        placeholders: dict[bytes, bytes] = {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # zipfile warns about the duplicate-name case on purpose
            with zipfile.ZipFile(buf, "w") as zf:
                for n, e in enumerate(self.entries):
                    name = e.name
                    if e.raw_name is not None:  # same length, ASCII, unique: patched below
                        name = f"~{n:03d}".ljust(len(e.raw_name), "~")
                        placeholders[name.encode("ascii")] = e.raw_name
                    info = zipfile.ZipInfo(name + ("/" if e.is_dir and not name.endswith("/") else ""),
                                           date_time=(2026, 4, 1, 0, 0, 0))
                    info.compress_type = e.compress_type
                    info.create_system = 3
                    mode = SYMLINK_MODE if e.symlink else (0o40755 if e.is_dir else 0o100644)
                    info.external_attr = mode << 16 | (0x10 if e.is_dir else 0)
                    zf.writestr(info, b"" if e.is_dir else e.data)
        data = buf.getvalue()
        for placeholder, raw in placeholders.items():
            data = data.replace(placeholder, raw)
        for e in self.entries:
            if e.encrypted:
                data = set_flag(data, e.name.encode("utf-8"), 0x1)
        return data

    def write(self, folder: Path) -> Path:
        path = folder / self.zip_name
        path.write_bytes(self.to_bytes())
        return path

    # --- entries ---------------------------------------------------------------------------
    def entry(self, name: str) -> Entry:
        for e in self.entries:
            if e.name == name:
                return e
        raise KeyError(f"no entry {name!r} in the bundle")

    def has(self, name: str) -> bool:
        return any(e.name == name for e in self.entries)

    def remove(self, name: str) -> None:
        self.entries = [e for e in self.entries if e.name != name]

    def rename(self, old: str, new: str) -> None:
        self.entry(old).name = new

    def add(self, name: str, data: bytes | str, **kw: object) -> Entry:
        raw = data.encode("utf-8") if isinstance(data, str) else data
        e = Entry(name, raw, **kw)  # type: ignore[arg-type]
        self.entries.append(e)
        return e

    def bytes_of(self, name: str) -> bytes:
        return self.entry(name).data

    def set_bytes(self, name: str, data: bytes) -> None:
        self.entry(name).data = data

    def text(self, name: str) -> str:
        return self.entry(name).data.decode("utf-8")

    def set_text(self, name: str, text: str) -> None:
        self.entry(name).data = text.encode("utf-8")

    # --- CSV level -------------------------------------------------------------------------
    def rows(self, name: str) -> list[list[str]]:
        """All records, header first."""
        return list(csv.reader(io.StringIO(self.text(name), newline="")))

    def set_rows(self, name: str, rows: list[list[str]]) -> None:
        out = io.StringIO(newline="")
        csv.writer(out, lineterminator="\n").writerows(rows)
        self.set_text(name, out.getvalue())

    def header(self, name: str) -> list[str]:
        return self.rows(name)[0]

    def edit(self, name: str, func: Callable[[list[list[str]]], None]) -> None:
        rows = self.rows(name)
        func(rows)
        self.set_rows(name, rows)

    def find(self, name: str, where: Callable[[dict[str, str]], bool] | None = None, **equal: str) -> int:
        """Physical line of the first data row matching ``where`` and every ``column=value``."""
        rows = self.rows(name)
        head = rows[0]
        for i, r in enumerate(rows[1:]):
            rec = dict(zip(head, r, strict=False))
            if all(rec.get(k) == v for k, v in equal.items()) and (where is None or where(rec)):
                return i + 2
        raise LookupError(f"{name}: no row matches {equal or where}")

    def cell(self, name: str, line: int, column: str) -> str:
        rows = self.rows(name)
        return rows[line - 1][rows[0].index(column)]

    def set_cell(self, name: str, line: int, column: str, value: str) -> int:
        rows = self.rows(name)
        rows[line - 1][rows[0].index(column)] = value
        self.set_rows(name, rows)
        return line

    def record(self, name: str, line: int) -> dict[str, str]:
        rows = self.rows(name)
        return dict(zip(rows[0], rows[line - 1], strict=True))

    def append_row(self, name: str, values: dict[str, str]) -> int:
        """Append a record (missing columns empty); returns its physical line."""
        rows = self.rows(name)
        rows.append([values.get(c, "") for c in rows[0]])
        self.set_rows(name, rows)
        return len(rows)

    def manifest_set(self, prop: str, value: str) -> int:
        """Set (or add) a manifest property; returns its line."""
        rows = self.rows("manifest.csv")
        for i, r in enumerate(rows):
            if r and r[0] == prop:
                r[1] = value
                self.set_rows("manifest.csv", rows)
                return i + 1
        rows.append([prop, value])
        self.set_rows("manifest.csv", rows)
        return len(rows)

    def manifest_line(self, prop: str) -> int:
        for i, r in enumerate(self.rows("manifest.csv")):
            if r and r[0] == prop:
                return i + 1
        raise LookupError(f"manifest.csv has no property {prop!r}")


def set_flag(data: bytes, name: bytes, bits: int) -> bytes:
    """Set general-purpose flag ``bits`` of entry ``name`` in both the local and central header."""
    out = bytearray(data)
    pos = 0
    while (pos := out.find(LOCAL_SIG, pos)) >= 0:
        n = struct.unpack_from("<H", out, pos + 26)[0]
        if bytes(out[pos + 30: pos + 30 + n]) == name:
            struct.pack_into("<H", out, pos + 6, struct.unpack_from("<H", out, pos + 6)[0] | bits)
        pos += 4
    pos = 0
    while (pos := out.find(CENTRAL_SIG, pos)) >= 0:
        n = struct.unpack_from("<H", out, pos + 28)[0]
        if bytes(out[pos + 46: pos + 46 + n]) == name:
            struct.pack_into("<H", out, pos + 8, struct.unpack_from("<H", out, pos + 8)[0] | bits)
        pos += 4
    return bytes(out)
