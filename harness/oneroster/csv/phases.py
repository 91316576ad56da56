"""The ordered analysis phases of a OneRoster CSV bundle and the state they share.

Phases are registered by the modules that own them (package safety, manifest, per-file rules,
cross-file rules); the target runs them in order on first use. Kept apart from the target so the
modules that register phases never import the target that runs them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from renkei.harness.oneroster.csv.sink import FindingSink


@dataclass
class Analysis:
    path: Path
    params: dict[str, Any]  # profile-level parameters
    sink: FindingSink
    shared: dict[str, Any] = field(default_factory=dict)  # phases hand data to later phases


PhaseFunc = Callable[[Analysis], None]
_PHASES: list[tuple[int, str, PhaseFunc]] = []


def phase(order: int, name: str) -> Callable[[PhaseFunc], PhaseFunc]:
    """Register an analysis phase; lower ``order`` runs first."""

    def decorate(func: PhaseFunc) -> PhaseFunc:
        if all(n != name for _, n, _ in _PHASES):
            _PHASES.append((order, name, func))
            _PHASES.sort(key=lambda p: p[0])
        return func

    return decorate
