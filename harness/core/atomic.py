"""Atomic file output: readers see the old file or the new one, never half of one.

Reports, the debug log and generated bundles are written to a temporary file in the target folder
and then moved into place, so a crash, a full disk or Ctrl-C leaves nothing half-written. With
``overwrite=False`` the move refuses an existing file (``FileExistsError``), atomically: there is
no moment at which a file that appeared meanwhile could be replaced. ``write_dir_with`` does the
same for a folder of files (a reference set): it is filled under a temporary name beside the target
and renamed into place.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path


def temp_path(path: Path) -> Path:
    """A fresh, empty temporary file next to ``path`` (same folder: the final move is a rename)."""
    out_dir = path.parent
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OSError(f"cannot create folder {out_dir}: {exc.strerror or exc}") from None
    if not out_dir.is_dir():
        raise NotADirectoryError(f"{out_dir} is not a folder")
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=out_dir)
    os.close(fd)
    return Path(name)


def place(tmp: Path, path: Path, *, overwrite: bool = True) -> Path:
    """Move a finished temporary file to ``path`` (mode 0644); the temporary file never stays behind."""
    try:
        os.chmod(tmp, 0o644)
        if overwrite:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)  # fails if path exists, without a window for a race
            except FileExistsError:
                raise
            except OSError:  # a file system without hard links: check, then rename
                if path.exists():
                    raise FileExistsError(path) from None
                os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def write_with(path: Path, produce: Callable[[Path], object], *, overwrite: bool = True) -> Path:
    """Let ``produce`` write a temporary file, then ``place`` it; on any failure nothing is left."""
    if not overwrite and path.exists():
        raise FileExistsError(path)
    tmp = temp_path(path)
    try:
        produce(tmp)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return place(tmp, path, overwrite=overwrite)


def write_atomic(path: Path, data: bytes, *, overwrite: bool = True) -> Path:
    """Write ``data`` to ``path`` atomically (fsynced), creating the parent folder if needed."""

    def produce(tmp: Path) -> None:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())

    return write_with(path, produce, overwrite=overwrite)


def write_dir_with(path: Path, produce: Callable[[Path], object], *, overwrite: bool = False) -> Path:
    """Let ``produce`` fill a temporary sibling folder, then rename it to ``path``.

    Readers see no folder, the old one or the complete new one; on any failure the temporary folder
    is removed. An empty folder at ``path`` is simply replaced. A folder with files in it raises
    ``FileExistsError`` (before ``produce`` runs) unless ``overwrite``: then it is moved aside, the new
    one takes its place and the old one is deleted. Anything at ``path`` that is not a folder raises
    ``NotADirectoryError``: a file given by mistake is never deleted.
    """
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        raise NotADirectoryError(f"{path} exists and is not a folder")
    if not overwrite and path.is_dir() and any(path.iterdir()):
        raise FileExistsError(path)
    parent = path.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OSError(f"cannot create folder {parent}: {exc.strerror or exc}") from None
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent))
    try:
        produce(tmp)
        os.chmod(tmp, 0o755)
        _swap_in(tmp, path, overwrite=overwrite)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return path


def _swap_in(tmp: Path, path: Path, *, overwrite: bool) -> None:
    try:
        os.rename(tmp, path)  # also replaces an empty folder (POSIX rename(2))
        return
    except OSError as exc:
        if not path.is_dir() or not any(path.iterdir()):
            raise
        if not overwrite:
            raise FileExistsError(path) from exc  # filled meanwhile
    aside = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=path.parent))
    os.rename(path, aside)  # onto the empty folder just made: the old set, whole, under a new name
    try:
        os.rename(tmp, path)
    except BaseException:
        os.rename(aside, path)
        raise
    shutil.rmtree(aside, ignore_errors=True)
