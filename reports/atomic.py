"""Atomic file output shared by the report writers.

A CI job or a browser may read a report while a rerun rewrites it; writing to a temporary file in
the same folder and then ``os.replace``-ing it means readers see the old or the new report, never
half of one.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically, creating the parent folder if needed."""
    out_dir = path.parent
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OSError(f"cannot create report folder {out_dir}: {exc.strerror or exc}") from None
    if not out_dir.is_dir():
        raise NotADirectoryError(f"report folder {out_dir} is not a folder")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=out_dir)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return path


def encode_utf8(text: str) -> bytes:
    """UTF-8 that never fails: lone surrogates from undecodable input become ``\\udcXX`` escapes."""
    return text.encode("utf-8", errors="backslashreplace")
