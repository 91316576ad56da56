"""The one error the mock LRS's handlers raise: an HTTP status with the reason, in English and Japanese.

xAPI leaves error bodies open (Communication 3.2); this LRS answers JSON that says which rule broke:
``{"error": {"status", "message", "message_ja", "problems": [{path, message, message_ja, section,
requirement, rule}]}}``, with ``message`` built from each ``Problem.text()``.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from renkei.harness.xapi.model.problems import Problem

MAX_PROBLEMS = 20  # problems listed in one answer; the count says how many there were


class LrsError(Exception):
    def __init__(self, status: int, message: str, message_ja: str = "", *, problems: list[Problem] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.message_ja = message_ja or message
        self.problems = problems or []
        self.headers = headers or {}

    @classmethod
    def invalid(cls, problems: list[Problem], what: str = "statement") -> LrsError:
        shown = problems[:MAX_PROBLEMS]
        more = f" (and {len(problems) - len(shown)} more)" if len(problems) > len(shown) else ""
        return cls(400, f"invalid {what}: " + "; ".join(p.text() for p in shown) + more,
                   f"不正な{what}: " + "; ".join(f"{p.path}: {p.message_ja}" for p in shown) + more,
                   problems=problems)

    def body(self) -> dict[str, Any]:
        return {"error": {"status": self.status, "message": self.message, "message_ja": self.message_ja,
                          "problems": [asdict(p) for p in self.problems[:MAX_PROBLEMS]],
                          "problem_count": len(self.problems)}}
