"""write_dir_with: a folder appears complete or not at all, and a full one is only replaced when asked."""

from __future__ import annotations

from pathlib import Path

import pytest

from renkei.harness.core.atomic import write_dir_with


def _fill(*names: str):
    def produce(tmp: Path) -> None:
        for name in names:
            (tmp / name).write_text(name, encoding="utf-8")
    return produce


def test_a_new_folder_appears_complete(tmp_path: Path) -> None:
    out = tmp_path / "deep" / "set"
    assert write_dir_with(out, _fill("a.zip", "README.md")) == out
    assert sorted(p.name for p in out.iterdir()) == ["README.md", "a.zip"]
    assert [p.name for p in out.parent.iterdir()] == ["set"]  # no temporary folder left beside it


def test_an_empty_folder_is_replaced_a_full_one_only_with_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "set"
    out.mkdir()
    write_dir_with(out, _fill("a.zip"))
    with pytest.raises(FileExistsError):
        write_dir_with(out, _fill("b.zip"))
    assert [p.name for p in out.iterdir()] == ["a.zip"]
    write_dir_with(out, _fill("b.zip"), overwrite=True)
    assert [p.name for p in out.iterdir()] == ["b.zip"]
    assert [p.name for p in tmp_path.iterdir()] == ["set"]


def test_a_failure_leaves_the_old_folder_and_nothing_else(tmp_path: Path) -> None:
    out = tmp_path / "set"
    write_dir_with(out, _fill("old.zip"))

    def broken(tmp: Path) -> None:
        (tmp / "half.zip").write_bytes(b"PK")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space"):
        write_dir_with(out, broken, overwrite=True)
    assert [p.name for p in out.iterdir()] == ["old.zip"]
    assert [p.name for p in tmp_path.iterdir()] == ["set"]


def test_a_file_in_the_way_is_never_deleted(tmp_path: Path) -> None:
    out = tmp_path / "set"
    out.write_text("keep me", encoding="utf-8")
    with pytest.raises(NotADirectoryError):
        write_dir_with(out, _fill("a.zip"), overwrite=True)
    assert out.read_text(encoding="utf-8") == "keep me"
    link = tmp_path / "link"
    link.symlink_to(tmp_path)
    with pytest.raises(NotADirectoryError):
        write_dir_with(link, _fill("a.zip"), overwrite=True)
