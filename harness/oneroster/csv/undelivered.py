"""What the reader could not deliver to the rules, per file, in words a check can report.

Why: a rule only sees the rows the reader hands it. When rows are dropped (wrong field count,
broken quoting, an over-long line), a file is not read at all (UTF-16, a FIFO, an encrypted entry)
or reading stops half-way (not text, a CRC error), a check that found nothing in the rest has not
earned a pass. The reader records every such gap here as it goes; after the analysis the engine
hands each check the reasons of the files it reads (``ctx.not_evaluated``), so its outcome can no
longer be ``passed``.

Three levels of dependence, because not every check reads the same part of a file:
``HEADER`` (only a file that was not read at all matters), ``ROWS`` (every gap matters) and
``BYTES`` (the syntax checks: only what was never parsed matters; a row with the wrong field count
was seen by the field-count check). A gap never counts against the check that reported it, which
keeps its own findings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

FIRST_LINES = 5  # line numbers named per kind of gap


class Level(IntEnum):
    """How much of a file a check depends on (see the module docstring)."""

    BYTES = 0
    HEADER = 1
    ROWS = 2


@dataclass
class Gap:
    """Rows of one kind that were not delivered: how many, the first lines, who reported them."""

    one: str  # "has 21 fields instead of 22" (after "1 row ...")
    many: str  # "have 21 fields instead of 22" (after "3 rows ...")
    by: str  # the check id that reported these rows
    parsed: bool  # the reader parsed the bytes (the syntax checks saw them)
    count: int = 0
    lines: list[int] = field(default_factory=list)  # the first FIRST_LINES lines, in file order
    more: bool = False  # lines beyond those listed are concerned

    def add(self, lines: list[int], count: int | None = None) -> None:
        """Count ``count`` rows (default: one per line) on ``lines`` (possibly only the first few)."""
        count = len(lines) if count is None else count
        self.count += count
        new = [n for n in dict.fromkeys(lines) if n not in self.lines]
        room = FIRST_LINES - len(self.lines)
        self.lines.extend(new[:max(0, room)])
        self.more = self.more or len(new) > room or count > len(lines)

    def phrase(self) -> str:
        return f"{self.count} {self.one if self.count == 1 else self.many} ({_lines(self.lines, self.more)})"


@dataclass
class Account:
    """Everything the reader could not deliver of one file."""

    file: str
    gaps: dict[str, Gap] = field(default_factory=dict)  # kind -> gap, in the order first seen
    unread: tuple[str, str] | None = None  # (reason, reporting check id): nothing of the file was read
    stopped: tuple[int, str, str] | None = None  # (line, reason, check id): the rest was not read
    lossy: Gap | None = None  # byte sequences read as U+FFFD (rows delivered, values not as written)

    def gap(self, kind: str, one: str, many: str, *, by: str, parsed: bool = True) -> Gap:
        """The gap of ``kind``, created on first use."""
        if kind not in self.gaps:
            self.gaps[kind] = Gap(one, many, by, parsed)
        return self.gaps[kind]

    def not_read(self, reason: str, by: str) -> None:
        if self.unread is None:
            self.unread = (reason, by)

    def stop(self, line: int, reason: str, by: str) -> None:
        if self.stopped is None and self.unread is None:
            self.stopped = (line, reason, by)

    def replaced(self, lines: list[int], count: int) -> None:
        if self.lossy is None:
            self.lossy = Gap("byte sequence invalid in UTF-8 was", "byte sequences invalid in UTF-8 were",
                             "or.enc.utf8", parsed=True)
        self.lossy.add(lines, count)

    @property
    def complete(self) -> bool:
        """True when every row of the file reached the rules as written."""
        return not (self.gaps or self.unread or self.stopped or self.lossy)

    def reason(self, level: Level, check_id: str) -> str | None:
        """Why ``check_id``, depending on this file at ``level``, did not see all of it (None: it did)."""
        if self.unread is not None:
            return None if self.unread[1] == check_id else f"{self.file} was not read: {self.unread[0]}"
        if level is Level.HEADER:
            return None
        parts: list[str] = []
        gaps = [g for g in self.gaps.values() if g.by != check_id and (level is Level.ROWS or not g.parsed)]
        if gaps:
            n = sum(g.count for g in gaps)
            parts.append(f"{n} {'row' if n == 1 else 'rows'} of {self.file} {'was' if n == 1 else 'were'} not "
                         f"evaluated: " + "; ".join(g.phrase() for g in gaps))
        if self.stopped is not None and self.stopped[2] != check_id:
            line, why, _ = self.stopped
            parts.append(f"{self.file} was read only up to line {line}, the rest was not evaluated: {why}")
        if level is Level.ROWS and self.lossy is not None and self.lossy.by != check_id:
            g = self.lossy
            parts.append(f"{self.file}: {g.count} {g.one if g.count == 1 else g.many} read as U+FFFD, so values "
                         f"are not as written ({_lines(g.lines, g.more)})")
        return "; ".join(parts) or None


def _lines(lines: list[int], more: bool) -> str:
    shown = ", ".join(str(n) for n in lines)
    return f"{'line' if len(lines) == 1 and not more else 'lines'} {shown}{', …' if more else ''}"
