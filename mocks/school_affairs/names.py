"""Reading-consistent Japanese person names for generated rosters.

Each person is drawn as ONE record — surname row + given-name row, each holding kanji, katakana
and romaji from the same source line — so a name, its reading, its romaji (username, email) and
its gender can never disagree (Faker ja_JP draws name/kana/romaji independently; ref
ecosystem.md §4.1). Data: ``fixtures/names/*.csv`` curated from gimei (MIT), see its README.md.
"""

from __future__ import annotations

import csv
import random
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import renkei.fixtures

NAMES_HEADER = ("kanji", "katakana", "romaji")
NAME_FILES = {"surnames": "surnames.csv", "given_male": "given_male.csv",
              "given_female": "given_female.csv"}
FIXTURES_DIR = Path(renkei.fixtures.__file__).resolve().parent / "names"  # package data: works from a wheel too

_KATAKANA_RE = re.compile(r"^[ァ-ヶー]+$")  # DA-AA's full-width katakana rule (ref oneroster.md §2.3)
_ROMAJI_RE = re.compile(r"^[a-z]+$")

NameRow = tuple[str, str, str]  # (kanji, katakana, romaji)


class NameDataError(ValueError):
    """A name fixture file is missing or holds a malformed row (message names file and line)."""


def is_fullwidth_katakana(text: str) -> bool:
    return bool(_KATAKANA_RE.match(text))


@dataclass(frozen=True, slots=True)
class Person:
    """One generated person; every field comes from the same two source rows."""

    family: str  # kanji
    given: str
    family_kana: str  # full-width katakana
    given_kana: str
    family_romaji: str  # lower-case ASCII
    given_romaji: str
    sex: str  # "male" | "female" (OneRoster demographics.sex)

    @property
    def full_name(self) -> str:
        return f"{self.family} {self.given}"

    @property
    def full_kana(self) -> str:
        return f"{self.family_kana} {self.given_kana}"


@dataclass(frozen=True)
class NameSource:
    surnames: tuple[NameRow, ...]
    given_male: tuple[NameRow, ...]
    given_female: tuple[NameRow, ...]

    def given(self, rng: random.Random, sex: str) -> NameRow:
        pool = self.given_male if sex == "male" else self.given_female
        return pool[int(rng.random() * len(pool))]

    def surname(self, rng: random.Random) -> NameRow:
        return self.surnames[int(rng.random() * len(self.surnames))]

    def person(self, rng: random.Random, *, sex: str | None = None, family: NameRow | None = None) -> Person:
        """Draw one person from ``rng`` (never the global RNG); ``family`` keeps a household's surname."""
        if sex is None:
            sex = "male" if rng.random() < 0.5 else "female"
        fam = family if family is not None else self.surname(rng)
        giv = self.given(rng, sex)
        return Person(fam[0], giv[0], fam[1], giv[1], fam[2], giv[2], sex)


def _read_rows(path: Path) -> tuple[NameRow, ...]:
    if not path.is_file():
        raise NameDataError(f"name fixture {path} is missing (see fixtures/names/README.md)")
    rows: list[NameRow] = []
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None or tuple(header[:3]) != NAMES_HEADER:
            raise NameDataError(f"{path} line 1: header must start with {','.join(NAMES_HEADER)}")
        for line, row in enumerate(reader, start=2):
            if len(row) < 3 or not row[0]:
                raise NameDataError(f"{path} line {line}: expected kanji,katakana,romaji")
            if not is_fullwidth_katakana(row[1]):
                raise NameDataError(f"{path} line {line}: katakana column is not full-width katakana")
            if not _ROMAJI_RE.match(row[2]):
                raise NameDataError(f"{path} line {line}: romaji column is not lower-case a-z")
            rows.append((row[0], row[1], row[2]))
    if not rows:
        raise NameDataError(f"{path}: no name rows")
    return tuple(rows)


@lru_cache(maxsize=4)
def load_names(folder: Path = FIXTURES_DIR) -> NameSource:
    """Load (once per folder) the curated name lists."""
    return NameSource(
        surnames=_read_rows(folder / NAME_FILES["surnames"]),
        given_male=_read_rows(folder / NAME_FILES["given_male"]),
        given_female=_read_rows(folder / NAME_FILES["given_female"]),
    )
