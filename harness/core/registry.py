"""The check registry: a name -> check definition map filled by the ``@check`` decorator.

A check is a small function ``(ctx: CheckContext) -> None`` that reports findings through
``ctx``. Its definition carries everything a report needs: stable id, requirement (spec and
section), default severity and a bilingual title and description.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from renkei.harness.core.errors import RegistryError
from renkei.harness.core.model import Severity, Text

if TYPE_CHECKING:
    from renkei.harness.core.context import CheckContext

CheckFunc = Callable[["CheckContext"], None]
# (merged check parameters) -> the requirement text as the running profile's document numbers it
CiteFunc = Callable[[dict[str, Any]], str]


@dataclass(frozen=True)
class CheckDef:
    id: str
    kind: str  # target kind the check runs against, e.g. "oneroster-csv", "lti-tool"
    requirement: str  # e.g. "OR 1.2.1 CSV §3.10 users.givenName (required)"
    severity: Severity
    title: Text
    description: Text
    func: CheckFunc
    params: dict[str, Any] = field(default_factory=dict)  # defaults; profiles may override
    tags: tuple[str, ...] = ()
    # One rule may be stated by several documents (OneRoster 1.1 / 1.2 / 1.2.1, a Japanese model
    # document): ``cite`` words the requirement for the profile that runs the check, from its
    # parameters. None: ``requirement`` is the same for every profile.
    cite: CiteFunc | None = None
    version: str = "1"  # raised whenever what the check judges changes, so old and new results can be told apart

    def requirement_for(self, params: dict[str, Any]) -> str:
        """The requirement as the profile with these (merged) parameters cites it."""
        return self.cite(params) if self.cite is not None else self.requirement


class Registry:
    """Holds check definitions; duplicate ids are a programming error, never silently merged."""

    def __init__(self) -> None:
        self._checks: dict[str, CheckDef] = {}

    def add(self, definition: CheckDef) -> CheckDef:
        existing = self._checks.get(definition.id)
        if existing is not None and existing.func is not definition.func:
            raise RegistryError(f"check id {definition.id!r} is registered twice")
        self._checks[definition.id] = definition
        return definition

    def get(self, check_id: str) -> CheckDef:
        try:
            return self._checks[check_id]
        except KeyError:
            raise RegistryError(f"unknown check id {check_id!r}") from None

    def __contains__(self, check_id: str) -> bool:
        return check_id in self._checks

    def all(self) -> list[CheckDef]:
        return list(self._checks.values())

    def match(self, pattern: str, kind: str | None = None) -> list[CheckDef]:
        """Checks whose id matches a glob, in registration order."""
        return [
            c for c in self._checks.values()
            if fnmatch.fnmatchcase(c.id, pattern) and (kind is None or c.kind == kind)
        ]


REGISTRY = Registry()


def check(
    id: str,
    *,
    kind: str,
    requirement: str,
    severity: Severity | str,
    title_ja: str,
    title_en: str,
    description_ja: str,
    description_en: str,
    params: dict[str, Any] | None = None,
    tags: Iterable[str] = (),
    cite: CiteFunc | None = None,
    version: str = "1",
    registry: Registry = REGISTRY,
) -> Callable[[CheckFunc], CheckFunc]:
    """Register ``func`` as a check. Use once per requirement; ids are stable forever."""

    def decorate(func: CheckFunc) -> CheckFunc:
        registry.add(
            CheckDef(
                id=id,
                kind=kind,
                requirement=requirement,
                severity=Severity(severity),
                title=Text(ja=title_ja, en=title_en),
                description=Text(ja=description_ja, en=description_en),
                func=func,
                params=dict(params or {}),
                tags=tuple(tags),
                cite=cite,
                version=version,
            )
        )
        return func

    return decorate
