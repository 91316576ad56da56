"""Small readers of JWT claim values that every LTI check interprets the same way.

JSON has one number type but Python's ``bool`` is an ``int``, and ``aud`` may be a string or an
array [RFC 7519 §4.1.3]; keeping each rule in one place stops checks from drifting apart.
"""

from __future__ import annotations

from typing import Any


def is_json_number(value: Any) -> bool:
    """True for a JSON number (``true``/``false`` decode to bool, a subclass of int, and are not numbers)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def audiences(aud: Any) -> list[Any]:
    """The ``aud`` claim as a list: a string is one audience, an array is kept, anything else is none."""
    if isinstance(aud, str):
        return [aud]
    return list(aud) if isinstance(aud, list) else []
