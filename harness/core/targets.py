"""Target kinds: how a profile's ``kind`` turns a ``--target`` argument into a target object.

Each standard package registers its kinds on import; the core finds standard packages through
the ``renkei.standards`` entry-point group (plus this checkout's own two, so an uninstalled
source tree still works).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any, Protocol

from renkei.harness.core.errors import ConfigError


class Target(Protocol):
    def describe(self) -> dict[str, Any]:
        """What the report may show about the target (never secrets)."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class TargetKind:
    name: str
    # (target argument, merged profile params) -> Target. Raises TargetError/ConfigError.
    open: Callable[[str, dict[str, Any]], Target]
    description: str = ""  # what --target must be, shown by `renkei profiles`


_KINDS: dict[str, TargetKind] = {}
_loaded = False


def register_kind(kind: TargetKind) -> None:
    _KINDS[kind.name] = kind


def load_standards() -> None:
    """Import every standard package once (they register kinds and checks on import)."""
    global _loaded
    if _loaded:
        return
    names = {ep.value for ep in entry_points(group="renkei.standards")}
    # A source checkout that was never installed still knows its own standards.
    names |= {"renkei.harness.oneroster", "renkei.harness.lti"}
    for module in sorted(names):
        importlib.import_module(module)
    _loaded = True


def get_kind(name: str) -> TargetKind:
    load_standards()
    try:
        return _KINDS[name]
    except KeyError:
        raise ConfigError(f"unknown target kind {name!r} (known: {', '.join(sorted(_KINDS))})") from None
