"""The self-contained HTML report (Japanese by default, English on request)."""

from reports.html.writer import render, write

__all__ = ["render", "write"]
