"""``{name}`` placeholders in the hooks and templates of target files (URLs, bodies, commands).

One place, so that every hook fills in and validates its placeholders the same way.
"""

from __future__ import annotations

from typing import Any


def fill(value: Any, values: dict[str, str]) -> Any:
    """``value`` (a string, or lists and mappings of them) with every ``{name}`` of ``values`` replaced."""
    if isinstance(value, str):
        for k, v in values.items():
            value = value.replace("{" + k + "}", v)
        return value
    if isinstance(value, dict):
        return {k: fill(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, values) for v in value]
    return value


def strings_in(value: Any) -> list[str]:
    """Every string inside ``value`` (mapping values and list items, at any depth), to check their placeholders."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings_in(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings_in(v)]
    return []
