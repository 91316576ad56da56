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
from renkei.harness.core.model import Text


class Target(Protocol):
    def describe(self) -> dict[str, Any]:
        """What the report may show about the target (never secrets)."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Detection:
    """What a target itself declares about the profile it follows (``TargetKind.detect``).

    ``profile``: the profile the target plainly follows, or None when it cannot be told (``reason``
    then says why). ``fits``: whether the profile the user chose (its parameters were given to the
    hook) fits that evidence; a run whose choice does not fit shows a hint before the findings.
    """

    profile: str | None
    reason: Text
    fits: bool = True


@dataclass(frozen=True)
class TargetKind:
    name: str
    # (target argument, merged profile params) -> Target. Raises TargetError/ConfigError.
    open: Callable[[str, dict[str, Any]], Target]
    description: str = ""  # what --target must be, shown by `renkei profiles`
    # (target argument, the chosen profile's merged params or None for --profile auto) -> what the
    # target declares, or None when the target is not one of this kind. Must not raise for bad input.
    detect: Callable[[str, dict[str, Any] | None], Detection | None] | None = None
    role: str = ""  # what a product of this kind is (model.ROLES): the default of the result's product.role


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
    names |= {"renkei.harness.oneroster", "renkei.harness.lti", "renkei.harness.xapi", "renkei.harness.chain"}
    for module in sorted(names):
        importlib.import_module(module)
    _loaded = True


def detect(target: str) -> Detection | None:
    """What the first kind that recognises ``target`` reads from it (``--profile auto``)."""
    load_standards()
    for name in sorted(_KINDS):
        hook = _KINDS[name].detect
        try:
            found = hook(target, None) if hook is not None else None
        except Exception as exc:  # hooks must not raise; if one does, say so instead of a traceback
            return Detection(None, Text(ja=f"対象を読み取れませんでした（{type(exc).__name__}）",
                                        en=f"the target could not be read ({type(exc).__name__})"))
        if found is not None:
            return found
    return None


def get_kind(name: str) -> TargetKind:
    load_standards()
    try:
        return _KINDS[name]
    except KeyError:
        raise ConfigError(f"unknown target kind {name!r} (known: {', '.join(sorted(_KINDS))})") from None
