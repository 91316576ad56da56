"""A statements file is streamed: judging a file many times larger than the reader's block keeps memory to
about one block and one statement, whatever the file's size."""

from __future__ import annotations

import json
import tracemalloc

from renkei.harness.xapi.statements.config import StatementsTargetConfig
from renkei.harness.xapi.statements.target import StatementsTarget
from tests.harness.xapi.statements.conftest import run
from tests.harness.xapi.statements.factory import answered


def test_a_large_array_is_judged_in_bounded_memory(tmp_path):
    path = tmp_path / "big.json"
    one = answered(1)
    with path.open("w", encoding="utf-8") as f:  # ~6 MB: 4,000 statements in one JSON array
        f.write("[\n")
        for n in range(4000):
            one["id"] = f"{n:08d}-0000-4000-8000-000000000000"
            f.write(("," if n else "") + json.dumps(one, ensure_ascii=False) + "\n")
        f.write("]\n")
    assert path.stat().st_size > 5_000_000
    config = StatementsTargetConfig.model_validate({"source": "file", "file": {"path": str(path)}})
    target = StatementsTarget(config)
    tracemalloc.start()
    try:
        ran = run(target, "xapi.statements.data.actor")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert ran.findings == [] and ran.unseen == [] and target.reading().statements == 4000
    assert peak < 3_000_000, peak  # the whole file would be > 5 MB as text and far more as objects
