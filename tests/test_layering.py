"""The one-way dependency rules of DESIGN.md, enforced on the source (not on memory).

- harness knows nothing of mocks or reports (only the composition roots, the CLI and the demo,
  may wire them together, and only lazily);
- mocks may use harness's protocol helpers but never its checks, rules or runner.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMPOSITION_ROOTS = {"harness/cli.py", "harness/demo.py"}
CHECK_MODULE_PARTS = ("checks", "rules", "engine", "plugin", "session")


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def _sources(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def test_harness_does_not_import_mocks_or_reports() -> None:
    bad = [
        f"{p.relative_to(ROOT)}:{line} imports {name}"
        for p in _sources("harness")
        if str(p.relative_to(ROOT)) not in COMPOSITION_ROOTS
        for line, name in _imports(p)
        if name.split(".")[0] in ("mocks", "reports")
    ]
    assert not bad, "\n".join(bad)


def test_mocks_use_protocol_helpers_only() -> None:
    bad = [
        f"{p.relative_to(ROOT)}:{line} imports {name}"
        for p in _sources("mocks")
        for line, name in _imports(p)
        if name.startswith("harness.") and any(
            part.startswith(CHECK_MODULE_PARTS) for part in name.split(".")[1:])
    ]
    assert not bad, "\n".join(bad)


def test_reports_read_only_the_result_model() -> None:
    bad = [
        f"{p.relative_to(ROOT)}:{line} imports {name}"
        for p in _sources("reports")
        for line, name in _imports(p)
        if name.split(".")[0] in ("harness", "mocks") and name != "renkei.harness.core.model"
    ]
    assert not bad, "\n".join(bad)
