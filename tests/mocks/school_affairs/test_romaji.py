"""Katakana → romaji: the username/email part derived from a reading."""

from __future__ import annotations

import pytest

from renkei.mocks.school_affairs.romaji import RomajiError, katakana_to_romaji


@pytest.mark.parametrize(("kana", "romaji"), [
    ("サトウ", "sato"), ("オオタ", "ota"), ("ユウキ", "yuki"), ("ショウタ", "shota"), ("ホンマ", "homma"),
    ("ハットリ", "hattori"), ("マッチ", "matchi"), ("ジュンペイ", "jumpei"), ("シンイチ", "shinichi"),
    ("キョウコ", "kyoko"), ("アヅサ", "azusa"), ("ツヨシ", "tsuyoshi"), ("フミエ", "fumie"),
])
def test_hepburn(kana: str, romaji: str) -> None:
    assert katakana_to_romaji(kana) == romaji


@pytest.mark.parametrize("bad", ["さとう", "ｻﾄｳ", "Sato", ""])
def test_non_katakana_is_rejected(bad: str) -> None:
    with pytest.raises(RomajiError):
        katakana_to_romaji(bad)
