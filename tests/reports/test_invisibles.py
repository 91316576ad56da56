from __future__ import annotations

from renkei.reports.invisibles import Segment, is_invisible, plain, segments, visible


def test_segments_mark_invisible_characters_and_edge_spaces() -> None:
    assert segments("\ufeff山田\u3000太郎 ") == [
        Segment("BOM", True, 0xFEFF), Segment("山田"), Segment("U+3000", True, 0x3000),
        Segment("太郎"), Segment("SP", True, 0x20),
    ]
    assert segments("山田 太郎") == [Segment("山田 太郎")]  # inner ASCII spaces are ordinary
    assert segments("   ") == [Segment("SP", True, 0x20)] * 3


def test_visible_names_common_characters() -> None:
    assert visible("a\r\n\tb\u200b\u00a0") == "a⟨CR⟩⟨LF⟩⟨TAB⟩b⟨ZWSP⟩⟨NBSP⟩"
    assert visible("x\u202ey\x1b") == "x⟨U+202E⟩y⟨U+001B⟩"
    assert visible("ｶﾀｶﾅ漢字abc") == "ｶﾀｶﾅ漢字abc"


def test_variation_selectors_and_surrogates_are_invisible() -> None:
    assert is_invisible("\U000e0100") and is_invisible("\ufe0f") and is_invisible("\udcff")
    assert not is_invisible("葛") and not is_invisible(" ")


def test_plain_keeps_prose_but_neutralises_controls() -> None:
    assert plain("users.csv") == "users.csv"
    assert plain("行 1\n行 2\tタブ　全角") == "行 1\n行 2\tタブ　全角"
    assert plain("evil\u202etxt\x00\ufffe") == "evil⟨U+202E⟩txt⟨U+0000⟩⟨U+FFFE⟩"
    assert plain("a\rb") == "a⟨CR⟩b"
