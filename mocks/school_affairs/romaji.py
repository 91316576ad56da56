"""Katakana → romaji (passport-style Hepburn), used to derive romaji from a name's reading.

Romaji is derived from the katakana, never drawn separately, so a person's username and email
can never disagree with their reading (Faker's independently drawn romaji can). The style
follows the Hepburn system used for Japanese passports: no macrons, long ``ou``/``oo``/``uu``
written as one vowel, ``n`` before b/m/p written ``m``, ``ッ`` doubling the next consonant
(``tch`` before ``ch``). It only needs to be stable and readable, not a linguistic authority.
"""

from __future__ import annotations

_BASE: dict[str, str] = {
    "ア": "a", "イ": "i", "ウ": "u", "エ": "e", "オ": "o",
    "カ": "ka", "キ": "ki", "ク": "ku", "ケ": "ke", "コ": "ko",
    "ガ": "ga", "ギ": "gi", "グ": "gu", "ゲ": "ge", "ゴ": "go",
    "サ": "sa", "シ": "shi", "ス": "su", "セ": "se", "ソ": "so",
    "ザ": "za", "ジ": "ji", "ズ": "zu", "ゼ": "ze", "ゾ": "zo",
    "タ": "ta", "チ": "chi", "ツ": "tsu", "テ": "te", "ト": "to",
    "ダ": "da", "ヂ": "ji", "ヅ": "zu", "デ": "de", "ド": "do",
    "ナ": "na", "ニ": "ni", "ヌ": "nu", "ネ": "ne", "ノ": "no",
    "ハ": "ha", "ヒ": "hi", "フ": "fu", "ヘ": "he", "ホ": "ho",
    "バ": "ba", "ビ": "bi", "ブ": "bu", "ベ": "be", "ボ": "bo",
    "パ": "pa", "ピ": "pi", "プ": "pu", "ペ": "pe", "ポ": "po",
    "マ": "ma", "ミ": "mi", "ム": "mu", "メ": "me", "モ": "mo",
    "ヤ": "ya", "ユ": "yu", "ヨ": "yo",
    "ラ": "ra", "リ": "ri", "ル": "ru", "レ": "re", "ロ": "ro",
    "ワ": "wa", "ヰ": "i", "ヱ": "e", "ヲ": "o", "ヴ": "bu",
    "ァ": "a", "ィ": "i", "ゥ": "u", "ェ": "e", "ォ": "o", "ン": "n",
}

# Two-character syllables (consonant + small vowel or small ya/yu/yo).
_DIGRAPHS: dict[str, str] = {}
for _kana, _stem in (("キ", "ky"), ("ギ", "gy"), ("ニ", "ny"), ("ヒ", "hy"), ("ビ", "by"), ("ピ", "py"),
                     ("ミ", "my"), ("リ", "ry"), ("シ", "sh"), ("ジ", "j"), ("チ", "ch"), ("ヂ", "j")):
    for _small, _vowel in (("ャ", "a"), ("ュ", "u"), ("ョ", "o")):
        _DIGRAPHS[_kana + _small] = _stem + _vowel
_DIGRAPHS.update({
    "シェ": "she", "ジェ": "je", "チェ": "che", "ティ": "ti", "ディ": "di", "トゥ": "tu", "ドゥ": "du",
    "ファ": "fa", "フィ": "fi", "フェ": "fe", "フォ": "fo", "ウィ": "wi", "ウェ": "we", "ウォ": "wo",
    "ヴァ": "va", "ヴィ": "vi", "ヴェ": "ve", "ヴォ": "vo", "ツァ": "tsa", "イェ": "ye",
})


class RomajiError(ValueError):
    """The text holds a character that is not full-width katakana."""


def _syllables(kana: str) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(kana):
        pair = kana[i:i + 2]
        if pair in _DIGRAPHS:
            out.append(_DIGRAPHS[pair])
            i += 2
            continue
        ch = kana[i]
        if ch in ("ッ", "ー"):
            out.append(ch)
        elif ch in _BASE:
            out.append(_BASE[ch])
        else:
            raise RomajiError(f"character {ch!r} at position {i} is not full-width katakana")
        i += 1
    return out


def katakana_to_romaji(kana: str) -> str:
    """Lower-case passport-style Hepburn romaji of a full-width katakana reading."""
    if not kana:
        raise RomajiError("empty reading")
    sylls = _syllables(kana)
    text = ""
    for idx, syl in enumerate(sylls):
        nxt = sylls[idx + 1] if idx + 1 < len(sylls) else ""
        if syl == "ッ":
            if nxt and nxt not in ("ッ", "ー") and nxt[0] not in "aiueo":
                text += "t" if nxt.startswith("ch") else nxt[0]
            continue
        if syl == "ー":
            continue  # long vowel mark: passport style writes no macron
        if text and syl in ("u", "o") and text[-1] == "o":
            continue  # オウ / オオ -> o
        if text and syl == "u" and text[-1] == "u":
            continue  # ウウ -> u
        text += syl
    # ン before b/m/p is written m (passport rule); only ン can produce these letter pairs.
    return text.replace("nb", "mb").replace("nm", "mm").replace("np", "mp")
