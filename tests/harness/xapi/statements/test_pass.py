"""The shared pass judges statements in batches, a layer at a time: every layer still sees every
statement in file order, a layer whose judge raises fails alone, and the reading counts every statement
whatever the batch boundaries."""

from __future__ import annotations

import pytest

from renkei.harness.xapi.model.problems import Problem
from renkei.harness.xapi.statements import target as T
from tests.harness.xapi.statements.conftest import file_target
from tests.harness.xapi.statements.factory import answered


@pytest.mark.parametrize("count", [1, T.BATCH - 1, T.BATCH, T.BATCH + 1, 3 * T.BATCH + 5])
def test_layers_see_every_statement_in_order_across_batches(tmp_path, count):
    target = file_target(tmp_path, [answered(n) for n in range(count)])
    seen: dict[str, list[int]] = {"a": [], "b": []}

    def judge(name: str) -> T.Judge:
        def run(s: T.Statement) -> list[T.Flag]:
            seen[name].append(s.index)
            return [T.Flag("x.check", Problem("$.id", "odd", "奇数", "test"))] if s.index % 2 else []
        return run

    target._planned = {"a": judge("a"), "b": judge("b")}
    layer = target.layer("a", judge("a"))
    assert seen == {"a": list(range(count)), "b": list(range(count))}
    assert [h.statement.index for h in layer.hits.get("x.check", [])] == [n for n in range(count) if n % 2][:layer.cap]
    assert layer.counts.get("x.check", 0) == count // 2
    assert target.reading().statements == count


def test_a_judge_that_raises_fails_its_layer_only(tmp_path):
    target = file_target(tmp_path, [answered(n) for n in range(2 * T.BATCH + 3)])
    calls: list[int] = []

    def broken(s: T.Statement) -> list[T.Flag]:
        if s.index == T.BATCH + 2:
            raise RuntimeError("a bug in a check")
        return []

    def counting(s: T.Statement) -> list[T.Flag]:
        calls.append(s.index)
        return []

    target._planned = {"broken": broken, "counting": counting}
    with pytest.raises(RuntimeError, match="a bug in a check"):
        target.layer("broken", broken)
    assert calls == list(range(2 * T.BATCH + 3))  # the other layer judged every statement
    assert target.layer("counting", counting).counts == {}
    with pytest.raises(RuntimeError):  # the failure is kept for the checks of that layer
        target.layer("broken", broken)
