""".ci/wheel-check's content test can fail: a wheel lacking a source file, or claiming a second import
name, is refused. (The whole script builds and installs a wheel, a minute's work, so CI runs it
through ``.ci/run``; here only its judgement of a wheel is tested, on small made-up ones.)"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import zipfile
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _script() -> ModuleType:
    loader = importlib.machinery.SourceFileLoader("wheel_check", str(ROOT / ".ci" / "wheel-check"))
    spec = importlib.util.spec_from_loader("wheel_check", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


@pytest.fixture
def src(tmp_path: Path) -> Path:
    root = tmp_path / "src"
    (root / "reports" / "html" / "templates").mkdir(parents=True)
    (root / "reports" / "__init__.py").write_text("", encoding="utf-8")
    (root / "reports" / "html" / "templates" / "report.html.j2").write_text("x", encoding="utf-8")
    (root / "reports" / "__pycache__").mkdir()
    (root / "reports" / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"")  # never shipped, never expected
    (root / "pyproject.toml").write_text(
        '[tool.setuptools]\npackages = ["renkei.reports"]\n'
        '[tool.setuptools.package-dir]\n"renkei.reports" = "reports"\n', encoding="utf-8")
    return root


def _wheel(tmp_path: Path, names: list[str]) -> Path:
    path = tmp_path / "renkei-1.2.3-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as zf:
        for name in names:
            zf.writestr(name, "")
    return path


COMPLETE = ["renkei/reports/__init__.py", "renkei/reports/html/templates/report.html.j2",
            "renkei-1.2.3.dist-info/METADATA"]


def test_a_complete_wheel_passes(tmp_path: Path, src: Path) -> None:
    assert _script().check_contents(_wheel(tmp_path, COMPLETE), src) == "1.2.3"


def test_a_missing_template_fails(tmp_path: Path, src: Path) -> None:
    wc = _script()
    with pytest.raises(wc.CheckFailed, match=r"lacks 1 file.*report\.html\.j2"):
        wc.check_contents(_wheel(tmp_path, [n for n in COMPLETE if not n.endswith(".j2")]), src)


def test_a_second_import_name_fails(tmp_path: Path, src: Path) -> None:
    wc = _script()
    with pytest.raises(wc.CheckFailed, match="other than renkei: harness/cli.py"):
        wc.check_contents(_wheel(tmp_path, [*COMPLETE, "harness/cli.py"]), src)
