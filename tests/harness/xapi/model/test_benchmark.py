"""The xAPI benchmark's generator makes valid statements of every shape it claims (the quick path and the
full validator agree they are valid), and its SQLite ceiling writes the rows the mock LRS writes for the
same statements (run small here; no timing is asserted)."""

from __future__ import annotations

import importlib.util
import random
import sqlite3
from pathlib import Path
from types import ModuleType

from renkei.harness.xapi.model.quick import surely_valid
from renkei.harness.xapi.model.statement import validate_in_full

_PATH = Path(__file__).resolve().parents[4] / "benchmarks" / "xapi.py"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("xapi_bench", _PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_statements_are_valid_and_varied() -> None:
    bench = _bench()
    rng = random.Random(1)
    statements = [bench.statement(rng, i) for i in range(100)]
    assert all(validate_in_full(st) == [] and surely_valid(st, "1.0.3", True) for st in statements)
    kinds = {st["object"].get("objectType") for st in statements}
    assert kinds == {"Activity", "SubStatement"}
    assert any("attachments" in st for st in statements) and any("team" in st["context"] for st in statements)
    assert any("result" in st for st in statements)


def test_ndjson_and_its_tenth(tmp_path: Path) -> None:
    bench = _bench()
    size = bench.write_ndjson(tmp_path / "all.ndjson", 50, tmp_path / "tenth.ndjson")
    assert size == (tmp_path / "all.ndjson").stat().st_size
    assert len((tmp_path / "all.ndjson").read_bytes().splitlines()) == 50
    assert len((tmp_path / "tenth.ndjson").read_bytes().splitlines()) == 5


def test_the_ceiling_writes_what_the_mock_writes(tmp_path: Path) -> None:
    bench = _bench()
    statements = list(bench.statements(30))
    bench.ceiling(statements, 10, tmp_path / "ceiling.sqlite")
    seconds, count = bench.post_all(statements, 10, tmp_path)
    assert count == 30 and seconds > 0
    with sqlite3.connect(tmp_path / "ceiling.sqlite") as c, sqlite3.connect(tmp_path / "mock.sqlite") as m:
        for table in ("statements", "statement_agents", "statement_activities", "activities"):
            assert c.execute(f"SELECT COUNT(*) FROM {table}").fetchone() == m.execute(
                f"SELECT COUNT(*) FROM {table}").fetchone(), table
        assert c.execute("SELECT id, verb, registration, authority FROM statements ORDER BY seq").fetchall() == \
            m.execute("SELECT id, verb, registration, authority FROM statements ORDER BY seq").fetchall()
