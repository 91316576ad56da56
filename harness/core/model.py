"""The one result model every runner fills and every writer reads.

A run is a list of check results; each result carries its requirement, severity and located
findings. Writers (JSON, JUnit, HTML, console) consume this model only, so they can never
disagree about what happened.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_FINDINGS_CAP = 1000
VALUE_MAX_CHARS = 200
NOT_RUN = "not run: the run was interrupted"  # the error of a selected check an interruption kept from running


class Severity(StrEnum):
    """MUST -> error, SHOULD or disputed rule -> warning, MAY/informative -> info."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"  # an error-severity check found a violation
    WARNING = "warning"  # a warning/info-severity check found something
    SKIPPED = "skipped"  # not applicable to this target (e.g. optional file absent)
    ERROR = "error"  # the check itself could not run (renkei bug or unreachable target)


class Text(BaseModel):
    """A bilingual string; Japanese is the default language of every report."""

    model_config = ConfigDict(frozen=True)
    ja: str
    en: str


class Location(BaseModel):
    """Where a finding is. Only the fields that apply are set (and serialised).

    CSV: file + row (1-based physical line as an editor shows it, header = 1) + column.
    Zip: entry. Bytes: byte_offset. HTTP: endpoint + method. JWT: claim. xAPI: index.
    """

    model_config = ConfigDict(frozen=True)
    file: str | None = None
    row: int | None = None
    column: str | None = None
    entry: str | None = None
    byte_offset: int | None = None
    endpoint: str | None = None
    method: str | None = None
    claim: str | None = None
    index: int | None = None

    def label(self) -> str:
        """Compact human form: ``users.csv:12 [givenName]``."""
        parts: list[str] = []
        if self.method or self.endpoint:
            parts.append(" ".join(p for p in (self.method, self.endpoint) if p))
        if self.file:
            parts.append(self.file + (f":{self.row}" if self.row is not None else ""))
        elif self.row is not None:
            parts.append(f"row {self.row}")
        if self.entry and self.entry != self.file:
            parts.append(f"entry {self.entry!r}")
        if self.column:
            parts.append(f"[{self.column}]")
        if self.claim:
            parts.append(f"claim {self.claim}")
        if self.byte_offset is not None:
            parts.append(f"byte {self.byte_offset}")
        if self.index is not None:
            parts.append(f"#{self.index}")
        return " ".join(parts)


class Finding(BaseModel):
    """One observed violation. ``message`` is English, ``message_ja`` Japanese.

    Messages never embed the offending value; it goes in ``value`` so redaction has one place
    to act on.
    """

    message: str
    message_ja: str | None = None
    location: Location = Field(default_factory=Location)
    value: str | None = None

    def model_post_init(self, __context: Any) -> None:
        if self.value is not None and len(self.value) > VALUE_MAX_CHARS:
            self.value = self.value[:VALUE_MAX_CHARS] + "…"

    def text(self, lang: str) -> str:
        return self.message_ja if (lang == "ja" and self.message_ja) else self.message


class ExpectedFailure(BaseModel):
    """Set when the check is listed in the expected-failures file (strict semantics)."""

    reason: str
    state: str  # "xfailed" (failed as expected) | "xpassed" (passed: the entry is stale)


class CheckResult(BaseModel):
    id: str
    version: str = "1"  # the check's own version: raised whenever what it judges changes
    requirement: str
    severity: Severity
    outcome: Outcome
    title: str
    title_ja: str
    description: str
    description_ja: str
    findings: list[Finding] = Field(default_factory=list)
    findings_count: int = 0
    skip_reason: str | None = None
    error: str | None = None
    not_evaluated: list[str] = Field(default_factory=list)  # what the check could not see, and why
    expected_failure: ExpectedFailure | None = None
    duration_s: float = 0.0

    @property
    def gates(self) -> bool:
        """True if this result alone makes the run fail (exit code 1)."""
        if self.expected_failure is not None:
            return self.expected_failure.state == "xpassed"
        return self.outcome in (Outcome.FAILED, Outcome.ERROR)

    @property
    def display_outcome(self) -> str:
        """The outcome as a reader should see it: expected failures as xfailed / xpassed (stale)."""
        if self.expected_failure is not None:
            return self.expected_failure.state
        return self.outcome.value

    def title_for(self, lang: str) -> str:
        return self.title_ja if lang == "ja" else self.title

    def description_for(self, lang: str) -> str:
        return self.description_ja if lang == "ja" else self.description


class ToolInfo(BaseModel):
    name: str = "renkei"
    version: str


class ProfileInfo(BaseModel):
    id: str
    version: str
    title: str
    title_ja: str
    standard: str
    source: str
    source_ja: str | None = None  # the source document's Japanese title, where it is Japanese
    notes: list[Text] = Field(default_factory=list)  # limitations and disputed rules, ja + en
    parameters: dict[str, Any] = Field(default_factory=dict)  # the variant in force: the profile's merged params


ROLES = ("provider", "consumer", "platform", "tool", "lrs", "lrp")


class ProductInfo(BaseModel):
    """The product under test, as the target file or the command line declares it."""

    name: str
    version: str = ""
    vendor: str = ""
    role: str = ""  # one of ROLES: what the product is in the standard (OneRoster provider, LTI Tool ...)


LIMITATIONS = Text(
    ja="この結果は renkei による自己評価であり、1EdTech の認証（Certification）やその他の認証機関による認定では"
       "ありません。検査したのは、この版の renkei が実装している"
       "要件を、記載した製品の版・対象範囲・設定について、記載した日時に確かめた範囲に限られます。仕様の未確認の"
       "規則や実装間で解釈が分かれる規則は警告または設定として扱い、各検査の説明にその旨を記しています。",
    en="This result is a self-assessment made with renkei, not 1EdTech certification or any other certification "
       "body's approval. It covers only the requirements "
       "this version of renkei implements, checked against the product version, declared scope and settings "
       "stated here, at the time stated here. Rules that are unverified or that implementations read differently "
       "are warnings or settings, and each check's description says so.")


class Notice(BaseModel):
    """What a reader must see before any finding, e.g. that the chosen profile does not fit the target.

    ``kind``: ``profile-auto`` (``--profile auto`` chose the profile, and why) or ``profile-hint`` (the
    target plainly declares another profile than the one chosen).
    """

    kind: str
    message: str
    message_ja: str

    def text(self, lang: str) -> str:
        return self.message_ja if lang == "ja" else self.message


class Summary(BaseModel):
    passed: int = 0
    failed: int = 0
    warnings: int = 0
    skipped: int = 0
    errors: int = 0
    expected_failures: int = 0
    unexpected_passes: int = 0
    total: int = 0


class RunResult(BaseModel):
    tool: ToolInfo
    profile: ProfileInfo
    product: ProductInfo | None = None
    scope: dict[str, Any] = Field(default_factory=dict)  # what the vendor declares the product supports
    limitations: Text = LIMITATIONS
    target: dict[str, Any] = Field(default_factory=dict)
    started_at: datetime
    finished_at: datetime | None = None
    lang: str = "ja"
    redacted: bool = False
    interrupted: bool = False  # Ctrl-C / SIGTERM ended the run early: there is no verdict
    summary: Summary = Field(default_factory=Summary)
    notices: list[Notice] = Field(default_factory=list)  # shown before the findings (profile choice)
    checks: list[CheckResult] = Field(default_factory=list)

    @property
    def verdict(self) -> str:
        """``pass`` when no check gates the run (warnings are allowed); ``interrupted`` when the run
        did not finish, whatever the checks that ran say."""
        if self.interrupted:
            return "interrupted"
        return "fail" if any(c.gates for c in self.checks) else "pass"

    @property
    def exit_code(self) -> int:
        """0 pass, 1 fail, 2 interrupted (the same code as any run that could not be completed)."""
        return {"pass": 0, "fail": 1}.get(self.verdict, 2)

    def recount(self) -> None:
        s = Summary(total=len(self.checks))
        for c in self.checks:
            if c.expected_failure is not None:
                if c.expected_failure.state == "xfailed":
                    s.expected_failures += 1
                else:
                    s.unexpected_passes += 1
            match c.outcome:
                case Outcome.PASSED:
                    s.passed += 1
                case Outcome.FAILED:
                    s.failed += 1
                case Outcome.WARNING:
                    s.warnings += 1
                case Outcome.SKIPPED:
                    s.skipped += 1
                case Outcome.ERROR:
                    s.errors += 1
        self.summary = s

    def to_json_dict(self) -> dict[str, Any]:
        data = self.model_dump(mode="json", exclude_none=True)
        data["verdict"] = self.verdict
        return data


def utcnow() -> datetime:
    return datetime.now(UTC)
