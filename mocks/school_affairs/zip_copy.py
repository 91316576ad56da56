"""Copy a bundle zip member by member, editing or dropping members on the way.

Entry order, names, timestamps and permissions are kept, so a copy of a deterministic bundle is
deterministic too (the reference set depends on that) and differs from its source only where
``edit`` changed something.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

# (member name, its bytes) -> new bytes, or None to leave the member out
Edit = Callable[[str, bytes], bytes | None]


def copy_zip(src: Path, dst: Path, edit: Edit) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", compression=zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = edit(info.filename, zin.read(info))
            if data is None:
                continue
            copy = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            copy.compress_type = zipfile.ZIP_DEFLATED
            copy.create_system = info.create_system
            copy.external_attr = info.external_attr
            zout.writestr(copy, data)
