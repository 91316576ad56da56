"""What a running check sees: its target, its parameters, and a bounded findings sink."""

from __future__ import annotations

from typing import Any

from renkei.harness.core import secret_registry
from renkei.harness.core.model import DEFAULT_FINDINGS_CAP, Finding, Location, Severity
from renkei.harness.core.registry import CheckDef


class CheckSkipped(Exception):
    """Raised by ``ctx.skip``: the check does not apply to this target."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotEvaluated(Exception):
    """Raised by ``ctx.stop_not_evaluated``: the check could not see what it tests at all."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class CheckContext:
    """Collects findings for one check run; keeps at most ``cap`` but counts them all."""

    def __init__(
        self,
        definition: CheckDef,
        target: Any,
        *,
        params: dict[str, Any] | None = None,
        severity: Severity | None = None,
        cap: int = DEFAULT_FINDINGS_CAP,
    ) -> None:
        self.definition = definition
        self.target = target
        self.params: dict[str, Any] = {**definition.params, **(params or {})}
        self.severity = severity or definition.severity
        self.cap = cap
        self.findings: list[Finding] = []
        self.count = 0
        self.unseen: list[str] = []  # why part of what the check tests was not evaluated

    @property
    def check_id(self) -> str:
        return self.definition.id

    def add(self, finding: Finding) -> None:
        self.count += 1
        if len(self.findings) < self.cap:
            self.findings.append(finding)

    def fail(
        self,
        message: str,
        *,
        ja: str | None = None,
        value: Any = None,
        **location: Any,
    ) -> None:
        """Record one finding. ``location`` keywords are ``Location`` fields (file, row, ...)."""
        self.add(
            Finding(
                message=message,
                message_ja=ja,
                location=Location(**location),
                # scrubbed before Finding cuts a long value, so no cut-off piece of a secret survives
                value=None if value is None else secret_registry.active().scrub(str(value)),
            )
        )

    def skip(self, reason: str) -> None:
        raise CheckSkipped(reason)

    def not_evaluated(self, reason: str) -> None:
        """Record that part of what this check tests could not be seen (rows dropped by the reader,
        an endpoint that never answered). The check goes on with what it can see; its outcome can
        then no longer be ``passed`` or ``warning``: the engine makes it ``error`` with the reasons,
        unless a finding already made it ``failed``. No pass is reported that was not earned."""
        if reason not in self.unseen:
            self.unseen.append(reason)

    def stop_not_evaluated(self, reason: str) -> None:
        """Like ``not_evaluated``, and the check ends here: nothing it tests could be seen."""
        self.not_evaluated(reason)
        raise NotEvaluated(reason)
