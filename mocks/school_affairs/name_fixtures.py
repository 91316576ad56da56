"""Derive the curated name CSVs in ``fixtures/names/`` from gimei's ``names.yml``.

gimei (MIT) ships ``[kanji, hiragana, katakana]`` rows; we keep a row only when every field is
present, the katakana is full-width katakana, the hiragana spells the same reading, and the
reading romanises; romaji is derived from the katakana so it cannot disagree with it.
Run once by a maintainer (gimei is NOT a dependency)::

    pip download gimei==0.2.3 --no-deps -d /tmp/gimei
    python -m zipfile -e /tmp/gimei/gimei-0.2.3-py3-none-any.whl /tmp/gimei/x
    python -m renkei.mocks.school_affairs.name_fixtures /tmp/gimei/x/gimei/data/names.yml fixtures/names
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable
from pathlib import Path

import yaml

from renkei.mocks.school_affairs.names import NAME_FILES, NAMES_HEADER, is_fullwidth_katakana
from renkei.mocks.school_affairs.romaji import RomajiError, katakana_to_romaji

_FORBIDDEN_IN_KANJI = frozenset(' ,"\t\r\n\u3000')


def hiragana_to_katakana(text: str) -> str:
    """Shift hiragana (U+3041–U+3096) to katakana; other characters are unchanged."""
    return "".join(chr(ord(c) + 0x60) if "\u3041" <= c <= "\u3096" else c for c in text)


def curate(rows: Iterable[object]) -> list[tuple[str, str, str]]:
    """Keep consistent rows as (kanji, katakana, romaji), first occurrence wins, input order kept."""
    kept: list[tuple[str, str, str]] = []
    seen: set[tuple[str, str]] = set()
    for row in rows:
        if not isinstance(row, list) or len(row) < 3:
            continue
        kanji, hira, kata = (str(x).strip() if x is not None else "" for x in row[:3])
        if not (kanji and hira and kata) or not is_fullwidth_katakana(kata):
            continue
        if hiragana_to_katakana(hira) != kata or any(c in _FORBIDDEN_IN_KANJI or "\uff61" <= c <= "\uff9f"
                                                     for c in kanji):
            continue
        try:
            romaji = katakana_to_romaji(kata)
        except RomajiError:
            continue
        if (kanji, kata) in seen:
            continue
        seen.add((kanji, kata))
        kept.append((kanji, kata, romaji))
    return kept


def derive(names_yml: Path, out_dir: Path) -> dict[str, int]:
    """Write surnames.csv, given_male.csv, given_female.csv; return rows kept per file."""
    data = yaml.safe_load(names_yml.read_text(encoding="utf-8"))
    sources = {
        "surnames": data["last_name"],
        "given_male": data["first_name"]["male"],
        "given_female": data["first_name"]["female"],
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for key, rows in sources.items():
        kept = curate(rows)
        with (out_dir / NAME_FILES[key]).open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(NAMES_HEADER)
            writer.writerows(kept)
        counts[key] = len(kept)
    return counts


if __name__ == "__main__":  # pragma: no cover - maintainer tool
    if len(sys.argv) != 3:
        sys.exit("usage: python -m renkei.mocks.school_affairs.name_fixtures NAMES_YML OUT_DIR")
    print(derive(Path(sys.argv[1]), Path(sys.argv[2])))
