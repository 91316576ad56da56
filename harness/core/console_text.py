"""Text from a target, made safe to print on a terminal.

Zip entry names, headers, finding values and vendor messages can carry ESC sequences (that recolour
or rewrite the terminal), CR or BEL (that overwrite or hide a line), a line break (that forges a
line such as "PASS") or bidi overrides such as U+202E (that reorder what a reader sees). Printed
through ``console_safe`` each becomes a visible escape (``\\x1b``, ``\\r``, ``\\u202e``). Rich markup
is a separate matter: untrusted text is never passed to rich as markup at all (``markup=False`` or
``rich.text.Text``), so ``[`` and ``]`` in a path print as they are.
"""

from __future__ import annotations

import unicodedata

_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_UNSAFE_CATEGORIES = ("Cc", "Cf", "Cs", "Zl", "Zp")  # controls, format (bidi, zero-width), surrogates, separators


def _escape(ch: str) -> str:
    if ch in _SHORT:
        return _SHORT[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def console_safe(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` with every control, format and separator character escaped (line breaks kept if asked)."""
    if text.isascii() and text.isprintable():
        return text
    return "".join(
        ch if (keep_newlines and ch == "\n") or unicodedata.category(ch) not in _UNSAFE_CATEGORIES else _escape(ch)
        for ch in text
    )
