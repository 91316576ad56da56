"""The image of the installed renkei (``self_image``): what its build context holds."""

from __future__ import annotations

import io
import tarfile
import tomllib
from pathlib import Path
from types import SimpleNamespace

from renkei.harness.launch import self_image
from renkei.harness.launch.self_image import dockerfile, required_distributions, write_context

ROOT = Path(__file__).resolve().parents[3]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))


# -- the image's content, without a daemon ------------------------------------------------------------

def test_the_context_holds_renkei_its_entry_points_and_its_dependencies():
    buf = io.BytesIO()
    count = write_context(buf, "example/python3:3.11", ["python3", "-m", "renkei.mocks"])
    buf.seek(0)
    with tarfile.open(fileobj=buf) as tar:
        names = set(tar.getnames())
        docker_file = tar.extractfile("Dockerfile").read().decode()  # type: ignore[union-attr]
        entry_points = next(tar.extractfile(n).read().decode() for n in names  # type: ignore[union-attr]
                            if n.startswith("site/renkei-") and n.endswith("entry_points.txt"))
    assert count > 100
    assert docker_file.startswith("FROM example/python3:3.11\n")
    assert 'ENTRYPOINT ["python3", "-m", "renkei.mocks"]' in docker_file
    assert {"site/renkei/mocks/__main__.py", "site/renkei/harness/cli.py", "site/uvicorn/__init__.py",
            "site/pydantic/__init__.py", "site/renkei/profiles/xapi-lrs.yaml"} <= names
    assert "renkei.reference_providers" in entry_points  # the harness finds the mocks' servers through them
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)


def test_only_what_renkei_needs_is_copied():
    names = {d.metadata["Name"].lower() for d in required_distributions()}
    assert {"pydantic", "pydantic_core", "uvicorn", "cryptography", "pyyaml", "polars"} <= names
    assert not names & {"respx", "ruff", "schemathesis", "playwright", "docker"}  # extras stay out


def test_the_packages_and_data_files_copied_are_those_the_wheel_holds():
    setuptools = PYPROJECT["tool"]["setuptools"]
    assert {f"renkei.{p}" for p in self_image.PACKAGES} == set(setuptools["package-dir"])
    patterns = {p.removeprefix("*") for p in setuptools["package-data"]["*"]}
    assert patterns | {".py"} == self_image.SUFFIXES


def test_the_extras_a_dependency_asks_for_are_followed_and_its_own_are_not(monkeypatch):
    dists = {
        "renkei": ["web[fast]>=1", "docs-tool; extra == 'dev'"],
        "web": ["core", "speedups; extra == 'fast'", "tests-only; extra == 'test'", "old; python_version < '3'"],
        "core": [], "speedups": ["core"], "tests-only": [], "old": [], "docs-tool": [],
    }
    fake = {name: SimpleNamespace(requires=reqs, metadata={"Name": name}) for name, reqs in dists.items()}
    monkeypatch.setattr(self_image, "_distribution", lambda name: fake[name])
    assert [d.metadata["Name"] for d in required_distributions()] == ["core", "speedups", "web"]


def test_the_dockerfile_never_pulls_anything_but_its_base():
    text = dockerfile("local/base:1", ["python3", "-m", "renkei.mocks"])
    assert [line.split()[0] for line in text.splitlines() if line] == ["FROM", "COPY", "ENV", "LABEL", "ENTRYPOINT"]


