"""Near-miss names: "did you mean …" for manifest properties, file names and header columns.

Real exports misspell names (reference §4: ``prefferedGivenName``, ``userprofiles.csv``); pointing at
the intended name turns two findings (one missing, one unknown) into one the vendor can act on.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

CUTOFF = 0.8  # difflib ratio: catches one or two wrong letters in names of 8+ characters, little else


def did_you_mean(name: str, candidates: Iterable[str], cutoff: float = CUTOFF) -> str | None:
    """The candidate ``name`` most plausibly misspells (same letters but case first), or None."""
    pool = [c for c in candidates if c != name]
    folded = [c for c in pool if c.lower() == name.lower()]
    if folded:
        return folded[0]
    close = difflib.get_close_matches(name.lower(), [c.lower() for c in pool], n=1, cutoff=cutoff)
    return next((c for c in pool if c.lower() == close[0]), None) if close else None
