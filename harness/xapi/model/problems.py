"""One broken xAPI rule at one place: what the model's validators return.

Validators never raise on bad input; they return ``Problem``s, each located by a JSONPath-like
``path`` (``$.actor.mbox``, ``$[3].context.registration``) and naming the requirement it breaks
(the ADL conformance requirement id ``XAPI-nnnnn`` where one exists, and the spec section), so the
mock LRS can answer 400 with the reason and the checks can turn each one into a located finding.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    path: str  # JSONPath-like location inside the checked document, from "$"
    message: str  # English
    message_ja: str
    section: str  # spec section, e.g. "Data 2.4.2.1" (1.0.3) or "9274.1.1 4.2.2.1" (2.0)
    requirement: str = ""  # ADL requirement id, e.g. "XAPI-00039"; "" where the suite has none
    rule: str = ""  # stable short name of the rule, e.g. "actor.ifi.count" (groups problems for checks)

    def text(self) -> str:
        """``path: message (requirement)``, for an error answer or a log line."""
        ref = f" ({self.requirement})" if self.requirement else ""
        return f"{self.path}: {self.message}{ref}"
