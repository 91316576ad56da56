"""console_safe: what a target sends can neither drive the terminal nor forge a line."""

from __future__ import annotations

import pytest

from renkei.harness.core.console_text import console_safe


@pytest.mark.parametrize(("raw", "shown"), [
    ("\x1b[31mRED\x1b[0m", "\\x1b[31mRED\\x1b[0m"),  # ANSI colour / cursor sequences
    ("done\rPASS 合格", "done\\rPASS 合格"),  # carriage return overwriting the line
    ("a\x07b\x7fc\x9bd", "a\\x07b\\x7fc\\x9bd"),  # BEL, DEL, a C1 control (CSI)
    ("evil\u202etxt.exe", "evil\\u202etxt.exe"),  # right-to-left override
    ("x\u2066y\u200bz\ufeff", "x\\u2066y\\u200bz\\ufeff"),  # bidi isolate, zero-width space, BOM
    ("one\ntwo\u2028three", "one\\ntwo\\u2028three"),  # forged lines
    ("\udcff lone surrogate", "\\udcff lone surrogate"),
    ("users.csv [givenName] 山田 太郎　様", "users.csv [givenName] 山田 太郎　様"),  # ordinary text unchanged
])
def test_controls_are_escaped_and_text_is_kept(raw: str, shown: str) -> None:
    assert console_safe(raw) == shown


def test_line_breaks_can_be_kept_for_multi_line_output() -> None:
    assert console_safe("a\nb\x1b", keep_newlines=True) == "a\nb\\x1b"
