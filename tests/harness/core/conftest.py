from __future__ import annotations

from pathlib import Path

import pytest

import tests.harness.core.selftest_kind  # noqa: F401  (registers the selftest kind and checks)

PROFILE = """\
id: selftest
title: {ja: 自己テスト, en: Self test}
standard: SELFTEST
version: "1.0"
source: "renkei test suite"
kind: selftest
notes:
  - {ja: テスト用の注記, en: a note for tests}
params: {limit: 50}
checks:
  - selftest.positive
  - {id: selftest.even}
  - selftest.limit
  - selftest.crash
"""


@pytest.fixture
def profile_file(tmp_path: Path) -> Path:
    p = tmp_path / "selftest.yaml"
    p.write_text(PROFILE, encoding="utf-8")
    return p


@pytest.fixture
def numbers(tmp_path: Path):
    def make(values: list[int]) -> Path:
        p = tmp_path / "numbers.json"
        p.write_text(str(values), encoding="utf-8")
        return p

    return make
