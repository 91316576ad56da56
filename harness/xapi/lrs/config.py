"""The ``xapi-lrs`` target file: which vendor LRS to test, what it declares, how patiently.

A vendor writes one YAML file (see ``profiles/examples/lrs.yaml``)::

    kind: xapi-lrs
    lrs:
      name: 学習eポータル X の LRS (staging)
      endpoint: https://lrs.example.jp/xapi/      # the xAPI base URL; resources are appended to it
      key: ${LRS_KEY}
      secret: ${LRS_SECRET}
    declares: {state: true, activity_profile: true, agent_profile: true, agents: true, activities: true,
               about: true, attachments: false}
    observation: {timeout_seconds: 15, consistency_wait_seconds: 10, max_body_bytes: 8000000}

Basic-auth credentials are ``${ENV_VAR}`` references only and are registered with the run's secret
registry (the pair and its Basic header), so they never reach a report. Statements are always
tested; every other resource only when declared (the checks of the rest are skipped with that reason).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from renkei.harness.core import secret_registry
from renkei.harness.core.errors import ConfigError
from renkei.harness.lti.protocol.http import http_url
from renkei.harness.lti.protocol.target_file import ENV_REF, Tls, parse_config, read_target_file

KIND = "xapi-lrs"


class LrsSection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = "LRS under test"
    endpoint: str
    key: str
    secret: str

    @field_validator("endpoint")
    @classmethod
    def _url(cls, value: str) -> str:
        return http_url(value, "endpoint").rstrip("/") + "/"

    @model_validator(mode="after")
    def _refs(self) -> LrsSection:
        for name in ("key", "secret"):
            if not ENV_REF.match(getattr(self, name)):
                raise ValueError(f"{name} must be a ${{ENV_VAR}} reference; secrets are never written in target files")
        return self


class Declares(BaseModel):
    """What the vendor says the LRS supports beyond the Statement Resource."""

    model_config = ConfigDict(extra="forbid")
    state: bool = True
    activity_profile: bool = True
    agent_profile: bool = True
    agents: bool = True
    activities: bool = True
    about: bool = True
    attachments: bool = False  # statements with attachments in multipart/mixed bodies (Communication 1.5.2)


RESOURCES = tuple(Declares.model_fields)


class Observation(BaseModel):
    """Limits of renkei's client: an LRS is never waited on without end, nor read without bound."""

    model_config = ConfigDict(extra="forbid")
    timeout_seconds: float = Field(default=15.0, gt=0, le=300)
    max_body_bytes: int = Field(default=8_000_000, ge=4096)
    consistency_wait_seconds: float = Field(default=10.0, ge=0, le=600)  # until Consistent-Through covers a write
    poll_interval_seconds: float = Field(default=0.5, gt=0, le=30)
    max_pages: int = Field(default=50, ge=1, le=10_000)  # ``more`` links followed per query
    max_consecutive_timeouts: int = Field(default=3, ge=1, le=50)
    # 5xx answers in a row before renkei asks whether the LRS still works (see ``client.LrsClient.send``)
    max_consecutive_server_errors: int = Field(default=5, ge=1, le=1000)
    verify_tls: bool = True


class LrsTargetConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["xapi-lrs"] = KIND
    lrs: LrsSection
    declares: Declares = Field(default_factory=Declares)
    observation: Observation = Field(default_factory=Observation)
    tls: Tls = Field(default_factory=Tls)
    path: str | None = Field(default=None, exclude=True)

    def declared(self, resource: str) -> bool:
        return resource == "statements" or bool(getattr(self.declares, resource))

    def credentials(self, environ: dict[str, str] | None = None) -> tuple[str, str]:
        """(key, secret) from the environment, registered as secrets; errors name the field."""
        env = os.environ if environ is None else environ
        registry = secret_registry.active()
        values = []
        for field in ("key", "secret"):
            var = ENV_REF.match(getattr(self.lrs, field)).group(1)  # type: ignore[union-attr]
            if not env.get(var):
                raise ConfigError(f"target {self.path or '(inline)'}: lrs.{field}: environment variable {var} "
                                  "is not set")
            value = env[var]
            problem = secret_registry.header_value_problem(value)
            if field == "secret" and problem is None:
                problem = secret_registry.too_short(value)
            if problem:
                raise ConfigError(f"target {self.path or '(inline)'}: lrs.{field} (environment variable {var}) "
                                  f"{problem}")
            if field == "secret":
                registry.add(value, "lrs.secret")
            values.append(value)
        registry.add_basic_auth(values[0], values[1], "lrs.secret")
        return values[0], values[1]

    def describe(self) -> dict[str, Any]:
        return {"kind": KIND, "lrs": self.lrs.name, "endpoint": self.lrs.endpoint,
                "declares": self.declares.model_dump()}


def parse_target(data: Any, source: str = "(inline)") -> LrsTargetConfig:
    return parse_config(LrsTargetConfig, data, source)


def load_target(path: str | Path) -> LrsTargetConfig:
    config = parse_target(read_target_file(path), str(path))
    if config.tls.ca_file and not Path(config.tls.ca_file).is_absolute():
        config.tls.ca_file = str((Path(path).parent / config.tls.ca_file).resolve())
    return config
