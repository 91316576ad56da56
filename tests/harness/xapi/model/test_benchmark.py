"""The validation benchmark's generator makes valid statements of every shape it claims, and the
measurement reports what the README quotes (run small here; no timing is asserted)."""

from __future__ import annotations

import importlib.util
import random
from pathlib import Path
from types import ModuleType

from renkei.harness.xapi.model.statement import validate_statement

_PATH = Path(__file__).resolve().parents[4] / "benchmarks" / "xapi_validate.py"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("xapi_validate_bench", _PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_statements_are_valid_and_varied() -> None:
    bench = _bench()
    rng = random.Random(1)
    statements = [bench.statement(rng, i) for i in range(100)]
    assert all(validate_statement(st) == [] for st in statements)
    kinds = {st["object"].get("objectType") for st in statements}
    assert kinds == {"Activity", "SubStatement"}
    assert any("attachments" in st for st in statements) and any("team" in st["context"] for st in statements)
    assert any("result" in st for st in statements)


def test_measure_validate_reports() -> None:
    result = _bench().measure_validate(60, rounds=1)
    assert result["statements"] == 60 and result["problems"] == 0
    assert result["ratio"] > 0 and result["bytes"] > 60 * 500
