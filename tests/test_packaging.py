"""The wheel is built from an explicit package list (the folders are mapped under ``renkei``), so a
folder missing from it would silently be missing from every installed renkei. This keeps the list
and the tree in step; CI's install-from-wheel run (``.ci/run``) proves the result works."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def _folders_with_files() -> set[str]:
    mapped = _config()["package-dir"]
    found: set[str] = set()
    for package, folder in mapped.items():
        base = ROOT / folder
        for path in base.rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and not path.name.endswith(".pyc"):
                rel = path.parent.relative_to(base)
                found.add(".".join([package, *rel.parts]))
    return found


def test_every_folder_is_a_listed_package() -> None:
    listed = set(_config()["packages"])
    missing = sorted(_folders_with_files() - listed)
    assert not missing, f"add to [tool.setuptools] packages in pyproject.toml: {missing}"


def test_listed_packages_exist() -> None:
    assert set(_config()["packages"]) <= _folders_with_files()


def test_the_distribution_claims_only_renkei() -> None:
    assert {p.split(".")[0] for p in _config()["packages"]} == {"renkei"}
