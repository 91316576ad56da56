"""Configuration of the mock LRS: clients, versions served, limits, recording and faults.

``FAULTS`` turn the reference LRS into a deliberately broken one for red runs of the ``xapi-lrs``
profile; each breaks exactly one rule, is named after what it breaks, and cites the rule.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from renkei.harness.xapi.model.agents import validate_agent
from renkei.harness.xapi.model.versions import VERSIONS, Version

FAULTS: dict[str, str] = {
    "accepts_missing_actor": "a statement without an actor is stored [Data 2.4.2, XAPI-00003]",
    "ignores_voiding": "a voiding statement is stored but its target stays visible in queries "
    "[Data 2.3.2, Communication 2.1.4]",
    "no_etag_checks": "If-Match / If-None-Match are ignored and a PUT over an existing document without either "
    "is accepted [Communication 3.1]",
    "wrong_version_header": "responses carry a wrong X-Experience-API-Version (1.0.0 for 1.0.x requests, 1.0.3 "
    "for 2.0 requests) [Communication 3.3]",
    "drops_more": "a query answer that has more statements than fit on the page has an empty more IRL "
    "[Communication 2.1.3 StatementResult]",
    "no_consistent_through": "statement-resource answers carry no X-Experience-API-Consistent-Through "
    "[Communication 2.1.3]",
    "accepts_bad_timestamp": "a statement with a malformed timestamp is stored [Data 4.5, XAPI-00122]",
    "no_auth": "requests without (or with wrong) credentials are served [Communication 4.0, XAPI-00334]",
    "mutates_statement": "the stored statement's timestamp is replaced by the stored time, so GET does not return "
    "the statement as sent [Data 2.3 immutability]",
    "accepts_bad_signature": "a signed statement is stored without verifying its JWS (payload, compact form, "
    "algorithm, x5c certificate) [Data 2.6]",
    "no_alternate_syntax": "POST ...?method= (the Alternate Request Syntax) is not turned into the request it "
    "stands for [Communication 1.3, XAPI-00336]",
    "alternate_syntax_in_2_0": "the Alternate Request Syntax is still served for xAPI 2.0 requests, which "
    "9274.1.1 removed [9274.1.1 4.1.5 unrecognised parameters]",
    "post_merge_replaces": "POST on a JSON document replaces it instead of merging top-level keys "
    "[Communication 2.2 JSON procedure with POST]",
}
# xAPI OAuth scope names (Communication 4.2); Basic clients here carry them too, to test 403
SCOPES = ("all", "all/read", "statements/write", "statements/read", "statements/read/mine", "state", "define",
          "profile")
READ_SCOPES = ("all", "all/read", "statements/read")
WRITE_SCOPES = ("all", "statements/write")
DOCUMENT_SCOPES = {"state": ("all", "state"), "activity_profile": ("all", "profile"),
                   "agent_profile": ("all", "profile")}
AUTHORITY_HOME = "https://lrs.renkei.example"  # the account homePage of authorities the LRS sets


class LrsClient(BaseModel):
    """A Basic-auth client of the LRS: its credentials, the authority its statements get, its scopes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = Field(min_length=1)
    secret: str = Field(min_length=1)
    name: str = ""
    authority: dict[str, Any] | None = None  # None: an Agent with account (AUTHORITY_HOME, key)
    scopes: tuple[str, ...] = ("all",)

    @field_validator("key")
    @classmethod
    def _no_colon(cls, value: str) -> str:
        if ":" in value:
            raise ValueError("a Basic-auth key cannot contain ':' (RFC 7617 §2)")
        return value

    @field_validator("authority")
    @classmethod
    def _authority_is_an_agent(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None:
            problems = validate_agent(value, "1.0.3", "authority")
            if problems:
                raise ValueError("; ".join(p.text() for p in problems[:3]))
        return value

    @field_validator("scopes")
    @classmethod
    def _known_scopes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(value) - set(SCOPES))
        if unknown:
            raise ValueError(f"unknown scope(s) {', '.join(unknown)} (known: {', '.join(SCOPES)})")
        return value

    def authority_agent(self) -> dict[str, Any]:
        if self.authority is not None:
            return dict(self.authority)
        agent: dict[str, Any] = {"objectType": "Agent", "account": {"homePage": AUTHORITY_HOME, "name": self.key}}
        if self.name:
            agent["name"] = self.name
        return agent


class LrsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    clients: list[LrsClient] = Field(default_factory=list)
    versions: list[Version] = Field(default_factory=lambda: list(VERSIONS))
    faults: set[str] = Field(default_factory=set)
    db_path: Path | None = None  # None: a temporary file, removed when the store closes
    record: bool = False  # keep every statements-resource request (ReceivedRequest) for the capture profile
    max_body_bytes: int = Field(default=8 * 1024 * 1024, ge=1024)  # 413 above this
    more_page_size: int = Field(default=100, ge=1, le=10_000)  # statements per query page (and limit's cap)
    max_batch: int = Field(default=1000, ge=1)  # statements in one POST
    max_parts: int = Field(default=100, ge=2)  # parts of a multipart/mixed body

    @field_validator("faults")
    @classmethod
    def _known_faults(cls, value: set[str]) -> set[str]:
        unknown = sorted(set(value) - set(FAULTS))
        if unknown:
            raise ValueError(f"unknown LRS fault(s) {', '.join(unknown)} (known: {', '.join(FAULTS)})")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> LrsConfig:
        if not self.versions:
            raise ValueError("versions: serve at least one of " + ", ".join(VERSIONS))
        keys = [c.key for c in self.clients]
        if len(keys) != len(set(keys)):
            raise ValueError("client keys must be unique")
        return self

    def fault(self, name: str) -> bool:
        return name in self.faults

    def client(self, key: str) -> LrsClient | None:
        return next((c for c in self.clients if c.key == key), None)
