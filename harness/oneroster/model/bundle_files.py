"""Some files of a OneRoster CSV bundle (a folder or a zip), read into memory, bounded.

For readers that need the rows of a few files (the chain's snapshot of a vendor's bundle, the mock
学習eポータル's roster), not the CSV profiles' judgement of the bundle (``csv.package`` does that, with a
finding for every problem). Here a bundle that cannot be read is one error naming the file: absent,
not a zip or a folder, too many entries, a file or entry larger than the bound (its expanded size is
measured, not the size the zip claims), encrypted or compressed in a way zipfile cannot read.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from pathlib import Path

from renkei.harness.core.errors import ConfigError


def read_files(path: Path, wanted: Iterable[str], *, max_entries: int, max_file_bytes: int,
               error: type[ConfigError] = ConfigError) -> dict[str, bytes]:
    """File name -> bytes for each of ``wanted`` the bundle has (top-level entries of a zip, as the CSV
    binding requires); ``error`` (a ``ConfigError``) when the bundle cannot be read within the bounds."""
    names = set(wanted)
    out: dict[str, bytes] = {}
    if path.is_dir():
        for name in sorted(names):
            file = path / name
            if file.is_file():
                if file.stat().st_size > max_file_bytes:
                    raise error(f"{file}: larger than {max_file_bytes} bytes")
                out[name] = file.read_bytes()
        return out
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > max_entries:
                raise error(f"{path}: the zip has more than {max_entries} entries")
            for info in infos:
                if info.filename in names:
                    with archive.open(info) as fh:
                        data = fh.read(max_file_bytes + 1)
                    if len(data) > max_file_bytes:
                        raise error(f"{path}: entry {info.filename} expands beyond {max_file_bytes} bytes")
                    out[info.filename] = data
    except FileNotFoundError:
        raise error(f"{path}: the bundle does not exist") from None
    except zipfile.BadZipFile:
        raise error(f"{path}: not a zip file or a folder") from None
    except (RuntimeError, NotImplementedError, OSError) as exc:  # encrypted, unsupported compression, unreadable
        raise error(f"{path}: the bundle cannot be read ({type(exc).__name__}: {exc})") from None
    return out
