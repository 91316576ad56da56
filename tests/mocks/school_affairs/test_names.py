"""Name fixtures: every row is reading-consistent; a person is drawn as one record."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

from renkei.mocks.school_affairs.name_fixtures import curate, hiragana_to_katakana
from renkei.mocks.school_affairs.names import (
    FIXTURES_DIR,
    NAME_FILES,
    NameDataError,
    is_fullwidth_katakana,
    load_names,
)
from renkei.mocks.school_affairs.romaji import katakana_to_romaji


@pytest.mark.parametrize("key", sorted(NAME_FILES))
def test_fixture_rows_are_consistent(key: str) -> None:
    with (FIXTURES_DIR / NAME_FILES[key]).open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["kanji", "katakana", "romaji"]
    assert len(rows) > 400
    for kanji, kana, romaji in rows[1:]:
        assert kanji and is_fullwidth_katakana(kana)
        assert romaji == katakana_to_romaji(kana)
    assert len({(r[0], r[1]) for r in rows[1:]}) == len(rows) - 1


def test_source_is_far_richer_than_faker() -> None:
    names = load_names()
    assert len(names.surnames) >= 450 and len(names.given_male) >= 2000 and len(names.given_female) >= 10000


def test_person_is_one_record_and_seeded() -> None:
    names = load_names()
    surnames = {(k, t, r) for k, t, r in names.surnames}
    males, females = set(names.given_male), set(names.given_female)
    assert names.person(random.Random(7)) == names.person(random.Random(7))
    rng = random.Random(3)
    for _ in range(500):
        p = names.person(rng)
        assert (p.family, p.family_kana, p.family_romaji) in surnames
        assert (p.given, p.given_kana, p.given_romaji) in (males if p.sex == "male" else females)


def test_curate_drops_inconsistent_rows() -> None:
    rows = [["佐藤", "さとう", "サトウ"], ["佐藤", "さとう", "サトウ"], ["鈴木", "すずき", "スズキ"],
            ["高橋", "たかはし", "タカハシ"], ["田中", "たなか", "ﾀﾅｶ"], ["伊藤", "いとう", "イトオ"],
            ["", "やまだ", "ヤマダ"], ["ｱｲ", "あい", "アイ"], "not a row"]
    kept = curate(rows)
    assert kept == [("佐藤", "サトウ", "sato"), ("鈴木", "スズキ", "suzuki"), ("高橋", "タカハシ", "takahashi")]
    assert hiragana_to_katakana("さとう") == "サトウ"


def test_bad_fixture_names_file_and_line(tmp_path: Path) -> None:
    for name in NAME_FILES.values():
        (tmp_path / name).write_text("kanji,katakana,romaji\n佐藤,サトウ,sato\n", encoding="utf-8")
    (tmp_path / NAME_FILES["given_male"]).write_text("kanji,katakana,romaji\n太郎,たろう,taro\n",
                                                     encoding="utf-8")
    with pytest.raises(NameDataError, match=r"given_male\.csv line 2"):
        load_names(tmp_path)
    (tmp_path / NAME_FILES["given_male"]).unlink()
    with pytest.raises(NameDataError, match="missing"):
        load_names(tmp_path / "nowhere")
