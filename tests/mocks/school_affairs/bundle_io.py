"""Read a generated bundle back for assertions (tests only)."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Csv:
    header: list[str]
    rows: list[dict[str, str]]
    raw: bytes

    def column(self, name: str) -> list[str]:
        return [r[name] for r in self.rows]


def read_bundle(path: Path) -> dict[str, Csv]:
    out: dict[str, Csv] = {}
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            raw = zf.read(name)
            reader = csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""))
            header = next(reader)
            rows = [dict(zip(header, r, strict=True)) for r in reader]
            out[name] = Csv(header, rows, raw)
    return out
