"""Atomic file output shared by the report writers.

A CI job or a browser may read a report while a rerun rewrites it; ``write_atomic`` (from the core,
which also writes the debug log and generated bundles that way) means readers see the old or the
new report, never half of one.
"""

from __future__ import annotations

from renkei.harness.core.atomic import write_atomic

__all__ = ["encode_utf8", "write_atomic"]


def encode_utf8(text: str) -> bytes:
    """UTF-8 that never fails: lone surrogates from undecodable input become ``\\udcXX`` escapes."""
    return text.encode("utf-8", errors="backslashreplace")
