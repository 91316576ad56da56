"""The few files of a bundle, read bounded from a folder or a zip; every unreadable bundle one error naming it."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from renkei.harness.core.errors import ConfigError
from renkei.harness.oneroster.model.bundle_files import read_files

WANTED = ("users.csv", "orgs.csv")


def _zip(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return path


def test_a_folder_and_a_zip_give_the_wanted_top_level_files(tmp_path: Path) -> None:
    folder = tmp_path / "bundle"
    folder.mkdir()
    (folder / "users.csv").write_bytes(b"sourcedId\n")
    (folder / "classes.csv").write_bytes(b"x\n")
    assert read_files(folder, WANTED, max_entries=10, max_file_bytes=100) == {"users.csv": b"sourcedId\n"}
    archive = _zip(tmp_path / "b.zip", {"users.csv": b"u\n", "orgs.csv": b"o\n", "sub/orgs.csv": b"no\n"})
    assert read_files(archive, WANTED, max_entries=10, max_file_bytes=100) == {"users.csv": b"u\n", "orgs.csv": b"o\n"}


class OwnError(ConfigError):
    pass


@pytest.mark.parametrize(("make", "why"), [
    (lambda p: p / "absent.zip", "the bundle does not exist"),
    (lambda p: (p / "x.zip").write_bytes(b"not a zip") and p / "x.zip", "not a zip file or a folder"),
    (lambda p: _zip(p / "many.zip", {f"f{i}.csv": b"" for i in range(11)}), "more than 10 entries"),
    (lambda p: _zip(p / "bomb.zip", {"users.csv": b"a" * 10_000}), "entry users.csv expands beyond 100 bytes"),
])
def test_an_unreadable_bundle_is_one_error_naming_it(tmp_path: Path, make, why: str) -> None:
    path = make(tmp_path)
    with pytest.raises(OwnError, match=why) as caught:
        read_files(path, WANTED, max_entries=10, max_file_bytes=100, error=OwnError)
    assert str(path) in str(caught.value)


def test_a_large_file_in_a_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "users.csv").write_bytes(b"a" * 101)
    with pytest.raises(ConfigError, match="users.csv: larger than 100 bytes"):
        read_files(tmp_path, WANTED, max_entries=10, max_file_bytes=100)
