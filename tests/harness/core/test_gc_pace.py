"""The young-generation threshold is raised while a pass runs and restored after, nested or failing."""

from __future__ import annotations

import gc

import pytest

from renkei.harness.core.gc_pace import YOUNG_THRESHOLD, rare_young_collections


def test_raised_inside_restored_after_even_on_an_error() -> None:
    before = gc.get_threshold()
    with rare_young_collections():
        assert gc.get_threshold()[0] == max(YOUNG_THRESHOLD, before[0])
        with rare_young_collections():  # nested: still raised, and restored only by the outer one
            pass
        assert gc.get_threshold()[0] == max(YOUNG_THRESHOLD, before[0])
    assert gc.get_threshold() == before
    with pytest.raises(RuntimeError), rare_young_collections():
        raise RuntimeError("a failing pass")
    assert gc.get_threshold() == before


def test_a_setting_already_rarer_or_off_is_kept() -> None:
    before = gc.get_threshold()
    try:
        for setting in ((50_000, 10, 10), (0, 10, 10)):
            gc.set_threshold(*setting)
            with rare_young_collections():
                assert gc.get_threshold() == setting
            assert gc.get_threshold() == setting
    finally:
        gc.set_threshold(*before)
