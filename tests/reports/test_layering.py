"""Reports read the result model only (DESIGN: ``reports`` never reaches into harness internals)."""

from __future__ import annotations

import ast
from pathlib import Path

import reports

ALLOWED = {"harness.core.model"}


def _harness_imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "harness":
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "harness"}
    return found


def test_writers_import_nothing_from_harness_but_the_model() -> None:
    root = Path(reports.__file__).parent
    writers = [root / "json_writer.py", root / "junit_writer.py", root / "html" / "writer.py"]
    assert all(p.exists() for p in writers)
    for path in [*writers, root / "atomic.py", root / "i18n.py", root / "invisibles.py"]:
        assert _harness_imports(path) <= ALLOWED, path
