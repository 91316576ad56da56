"""The self-contained HTML report (Japanese by default, English on request)."""

from renkei.reports.html.writer import render, write

__all__ = ["render", "write"]
