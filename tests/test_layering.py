"""The one-way dependency rules of DESIGN.md, enforced on the source (not on memory).

- every import names the one distribution name, ``renkei`` (never a bare ``harness``/``mocks``/``reports``);
- harness knows nothing of mocks or reports (only the composition roots, the CLI and the demo,
  may wire them together);
- inside a standard, one sub-package per product under test: ``protocol``/``model`` know no product,
  products never import each other (a Tool under test and a Platform under test share only the
  protocol), and nothing but the standard's ``__init__`` and other checks imports a check module;
- the core knows no standard; mocks use protocol/model helpers only; reports read the result model
  (and write files the way the core does);
- no import cycles among harness modules (imports under ``if TYPE_CHECKING:`` do not run, so they
  do not count).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = {"harness": "renkei.harness", "mocks": "renkei.mocks", "reports": "renkei.reports"}
COMPOSITION_ROOTS = {"renkei.harness.cli", "renkei.harness.demo"}
STANDARDS = ("lti", "oneroster", "xapi")
SHARED_PARTS = ("protocol", "model")  # a standard's sub-packages every product may use
CHECK_MODULE_PARTS = ("checks",)  # modules whose import registers checks
RUNNER_PARTS = ("checks", "rules", "engine", "plugin", "session")  # what mocks must never run
MOCKS_MAY_USE = ("renkei.harness.core.errors", "renkei.harness.core.model", "renkei.harness.core.bounded",
                 "renkei.harness.jp", "renkei.harness.serving")
REPORTS_MAY_USE = {"renkei.harness.core.model", "renkei.harness.core.atomic"}  # the results, and how files are written


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    parts[0] = FOLDERS[parts[0]]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _walk_runtime(node: ast.AST) -> Iterator[ast.AST]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child):
            yield from (n for c in child.orelse for n in [c, *_walk_runtime(c)])
            continue
        yield child
        yield from _walk_runtime(child)


def _imports(path: Path, *, runtime_only: bool = False) -> list[tuple[int, str]]:
    """(line, imported module) of every absolute import; ``from pkg import mod`` names ``pkg.mod``
    when ``mod`` is a module of the tree."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = _walk_runtime(tree) if runtime_only else ast.walk(tree)
    found: list[tuple[int, str]] = []
    for node in nodes:
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for a in node.names:
                sub = f"{node.module}.{a.name}"
                found.append((node.lineno, sub if sub in MODULES else node.module))
    return found


def _sources(*folders: str) -> list[Path]:
    return sorted(p for f in folders for p in (ROOT / f).rglob("*.py"))


MODULES = {_module_name(p): p for p in _sources(*FOLDERS)}
PACKAGES = {m for m, p in MODULES.items() if p.name == "__init__.py"}


def _violations(folders: tuple[str, ...], bad: Callable[[str, str], bool]) -> list[str]:
    return [f"{p.relative_to(ROOT)}:{line} imports {name}"
            for p in _sources(*folders) for line, name in _imports(p) if bad(_module_name(p), name)]


def _standard_part(module: str) -> tuple[str, str | None] | None:
    """(standard, sub-package) of a harness module, e.g. ('lti', 'tool'); the sub-package is None for
    the standard's own modules (its ``__init__``, ``registration``); None outside a standard."""
    parts = module.split(".")
    if len(parts) < 3 or parts[:2] != ["renkei", "harness"] or parts[2] not in STANDARDS:
        return None
    sub = ".".join(parts[:4])
    return parts[2], parts[3] if len(parts) > 3 and sub in PACKAGES else None


def test_imports_use_the_distribution_name() -> None:
    bare = tuple(FOLDERS)
    bad = [f"{p.relative_to(ROOT)}:{line} imports {name}"
           for p in _sources(*FOLDERS, "tests", "benchmarks") for line, name in _imports(p)
           if name.split(".")[0] in bare]
    assert not bad, "\n".join(bad)


def test_harness_does_not_import_mocks_or_reports() -> None:
    bad = _violations(("harness",), lambda mod, name: mod not in COMPOSITION_ROOTS
                      and name.startswith(("renkei.mocks", "renkei.reports")))
    assert not bad, "\n".join(bad)


def test_core_knows_no_standard() -> None:
    bad = _violations(("harness",), lambda mod, name: mod.startswith(("renkei.harness.core", "renkei.harness.jp"))
                      and name.startswith("renkei.harness.") and not name.startswith(
                          ("renkei.harness.core", "renkei.harness.jp", "renkei.harness.serving")))
    assert not bad, "\n".join(bad)


def _crosses_products(mod: str, name: str) -> bool:
    src, dst = _standard_part(mod), _standard_part(name)
    if dst is None or dst[1] is None or dst[1] in SHARED_PARTS:
        return False  # anyone may use a standard's package root, protocol and model
    if src is None:
        return False  # composition roots and the core are tested elsewhere
    if src[1] is None:
        return False  # a standard's __init__ registers its products
    if src[1] in SHARED_PARTS:
        return True  # protocol/model know no product
    return src != dst  # products never import another product (of any standard)


def test_products_under_test_do_not_import_each_other() -> None:
    bad = _violations(("harness",), _crosses_products)
    assert not bad, "\n".join(bad)


def _is_check_module(name: str) -> bool:
    return any(part.startswith(CHECK_MODULE_PARTS) for part in name.split(".")[2:])


def test_only_registrars_and_checks_import_check_modules() -> None:
    def bad(mod: str, name: str) -> bool:
        if not name.startswith("renkei.harness.") or not _is_check_module(name) or _is_check_module(mod):
            return False
        registrar = mod in PACKAGES and name.startswith(mod + ".")
        return not registrar and mod not in COMPOSITION_ROOTS
    found = _violations(("harness",), bad)
    assert not found, "\n".join(found)


def test_mocks_use_protocol_and_model_helpers_only() -> None:
    def bad(mod: str, name: str) -> bool:
        if not name.startswith("renkei.harness"):
            return False
        part = _standard_part(name)
        if any(p.startswith(RUNNER_PARTS) for p in name.split(".")[2:]):
            return True
        if part is not None and part[1] in SHARED_PARTS:
            return False
        return not name.startswith(MOCKS_MAY_USE)
    found = _violations(("mocks",), bad)
    assert not found, "\n".join(found)


def test_reports_read_only_the_result_model() -> None:
    bad = _violations(("reports",), lambda mod, name: name.startswith(("renkei.harness", "renkei.mocks"))
                      and name not in REPORTS_MAY_USE)
    assert not bad, "\n".join(bad)


def _cycles(graph: dict[str, set[str]]) -> list[str]:
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join([*stack[stack.index(nxt):], nxt]))
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return cycles


def test_no_import_cycles_in_harness() -> None:
    graph: dict[str, set[str]] = {}
    for path in _sources("harness"):
        mod = _module_name(path)
        # importing a module imports its packages too; an edge to an ancestor package is implied, not a cycle
        graph[mod] = {name for _, name in _imports(path, runtime_only=True)
                      if name in MODULES and name != mod and not mod.startswith(name + ".")}
    cycles = _cycles(graph)
    assert not cycles, "\n".join(cycles)


def test_the_rules_see_the_tree() -> None:
    """Guard against a vacuous pass: the rules above must be looking at real modules."""
    assert "renkei.harness.lti.tool.checks" in MODULES and "renkei.harness.lti.platform.checks" in MODULES
    assert _standard_part("renkei.harness.lti.tool.launcher") == ("lti", "tool")
    assert _standard_part("renkei.harness.lti.protocol") == ("lti", "protocol")
    assert _standard_part("renkei.harness.lti") is not None and _standard_part("renkei.harness.lti")[1] is None
    assert _crosses_products("renkei.harness.lti.tool.checks", "renkei.harness.lti.platform.config")
    assert _crosses_products("renkei.harness.lti.protocol.http", "renkei.harness.lti.tool.config")
    assert not _crosses_products("renkei.harness.lti.tool.checks", "renkei.harness.lti.protocol.jose")
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a -> b -> c -> a"]
    assert _cycles({"a": {"b"}, "b": set()}) == []
    source = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import x.y\nimport z\n"
    tree = ast.parse(source)
    assert [n.names[0].name for n in _walk_runtime(tree) if isinstance(n, ast.Import)] == ["z"]
