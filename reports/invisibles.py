"""Making invisible characters in offending values visible.

The findings that matter most in Japanese school data are the ones a person cannot see: a BOM
before the header, a CR left from Excel, a tab, a full-width space (U+3000) between family and
given name, a zero-width space pasted from a web page, a bidi control. Reports show each as a
labelled marker instead of the raw character, which also stops bidi controls from re-ordering
the page and keeps control characters out of XML (XML 1.0 cannot carry them at all).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

# Characters with a well-known short name; everything else invisible is shown as U+XXXX.
_NAMED: dict[str, str] = {
    "\ufeff": "BOM",
    "\r": "CR",
    "\n": "LF",
    "\t": "TAB",
    "\u3000": "U+3000",
    "\u00a0": "NBSP",
    "\u200b": "ZWSP",
    "\u00ad": "SHY",
}


@dataclass(frozen=True)
class Segment:
    """A run of plain text, or one invisible character shown as ``label``."""

    text: str
    marker: bool = False
    codepoint: int | None = None


def is_invisible(ch: str) -> bool:
    """True for characters a reader cannot see or tell apart from an ordinary space."""
    if ch in _NAMED:
        return True
    code = ord(ch)
    if 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF:
        return True  # variation selectors (IVS): the same-looking kanji is a different string
    cat = unicodedata.category(ch)
    # Cc controls, Cf format (ZWJ, bidi, word joiner), Cs lone surrogates, Co private use,
    # Cn unassigned/non-characters, Zs spaces other than U+0020, Zl/Zp separators.
    return cat in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp") or (cat == "Zs" and ch != " ")


def label(ch: str) -> str:
    return _NAMED.get(ch) or f"U+{ord(ch):04X}"


def segments(value: str) -> list[Segment]:
    """Split ``value`` into text runs and markers; leading/trailing ASCII spaces are markers too."""
    out: list[Segment] = []
    buf: list[str] = []
    stripped = value.strip(" ")
    lead = len(value) - len(value.lstrip(" "))
    trail_start = lead + len(stripped) if stripped else len(value)

    def flush() -> None:
        if buf:
            out.append(Segment("".join(buf)))
            buf.clear()

    for i, ch in enumerate(value):
        edge_space = ch == " " and (i < lead or i >= trail_start)
        if edge_space:
            flush()
            out.append(Segment("SP", marker=True, codepoint=0x20))
        elif is_invisible(ch):
            flush()
            out.append(Segment(label(ch), marker=True, codepoint=ord(ch)))
        else:
            buf.append(ch)
    flush()
    return out


def visible(value: str) -> str:
    """Plain-text form for JUnit and consoles: markers as ``⟨CR⟩``."""
    return "".join(f"⟨{s.text}⟩" if s.marker else s.text for s in segments(value))


def _unsafe_in_text(ch: str) -> bool:
    if ch in "\t\n":
        return False
    code = ord(ch)
    if 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF:
        return False  # variation selectors belong to the kanji before them in prose
    return unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Cn")


def plain(text: str) -> str:
    """Prose-safe form of untrusted text (file names, error messages, zip entries).

    Keeps spaces and line breaks but marks controls, bidi/format characters, lone surrogates and
    non-characters as ``⟨U+XXXX⟩``: a zip entry named with a right-to-left override cannot
    re-order the report, and the result is always legal in XML 1.0.
    """
    if text.isascii() and text.isprintable():
        return text
    return "".join(f"⟨{label(ch)}⟩" if _unsafe_in_text(ch) else ch for ch in text)
