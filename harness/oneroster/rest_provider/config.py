"""The ``oneroster-rest-provider`` target file: which vendor REST provider to test, and how.

A vendor writes one YAML file (see ``profiles/examples/rest-provider.yaml``)::

    kind: oneroster-rest-provider
    provider:
      name: 校務支援システム X
      base_url: https://sis.example.jp          # the rostering path is appended to it
      token_url: https://sis.example.jp/oauth/token
      client_id: ${OR_CLIENT_ID}
      client_secret: ${OR_CLIENT_SECRET}
      client_auth: basic                        # basic (RFC 6749 §2.3.1) | form
    declares:
      endpoints: all                            # or a list of operationIds (getAllUsers, ...)
      gradebook: false
      demographics: true
      metadata_shape: any                       # nested | flat | any (metadata.jp.*)

Client credentials are ``${ENV_VAR}`` references only and are registered with the run's secret
registry (as is every token renkei obtains with them), so they never reach a report. The LTI
target files' plumbing (``lti.protocol.target_file``: YAML reading, ``${ENV}`` references, TLS
trust) is shared; it knows no product.
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
from renkei.harness.oneroster.model import rest as R
from renkei.harness.oneroster.model.rest_token import ClientAuth

KIND = "oneroster-rest-provider"


class ProviderSection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = "provider under test"
    base_url: str
    rostering_path: str = R.ROSTERING_PATH
    gradebook_path: str = R.GRADEBOOK_PATH
    token_url: str
    client_id: str
    client_secret: str
    client_auth: ClientAuth = "basic"

    @field_validator("base_url", "token_url")
    @classmethod
    def _url(cls, value: str, info: Any) -> str:
        return http_url(value, info.field_name).rstrip("/") if info.field_name == "base_url" else http_url(
            value, info.field_name)

    @field_validator("rostering_path", "gradebook_path")
    @classmethod
    def _path(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError("must start with /")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _refs(self) -> ProviderSection:
        for name in ("client_id", "client_secret"):
            if not ENV_REF.match(getattr(self, name)):
                raise ValueError(f"{name} must be a ${{ENV_VAR}} reference; secrets are never written in target files")
        return self


class Declares(BaseModel):
    """What the vendor says the provider supports; checks of the rest are skipped with that reason."""

    model_config = ConfigDict(extra="forbid")
    endpoints: Literal["all"] | list[str] = "all"
    gradebook: bool = False
    demographics: bool = True
    metadata_shape: Literal["nested", "flat", "any"] = "any"

    @field_validator("endpoints")
    @classmethod
    def _known(cls, value: Any) -> Any:
        if isinstance(value, list):
            unknown = [v for v in value if v not in R.BY_OPERATION]
            if unknown:
                raise ValueError(f"unknown operationId(s) {', '.join(unknown)} (see reference §3.2)")
            if not value:
                raise ValueError("declare at least one endpoint, or 'all'")
        return value


class Observation(BaseModel):
    """Limits of renkei's client; a provider is never hammered and never waited on without end."""

    model_config = ConfigDict(extra="forbid")
    timeout_seconds: float = Field(default=15.0, gt=0, le=300)
    max_body_bytes: int = Field(default=32_000_000, ge=4096)
    page_size: int = Field(default=50, ge=1, le=10_000)  # limit= used to read collections
    max_objects: int = Field(default=20_000, ge=1)  # per collection; larger ones are not read whole
    max_pages: int = Field(default=2_000, ge=1)
    samples: int = Field(default=3, ge=1, le=50)  # parent ids per nested path, ids per single read
    href_samples: int = Field(default=10, ge=0, le=200)
    max_retry_after_seconds: float = Field(default=30.0, ge=0, le=600)
    max_retries: int = Field(default=3, ge=0, le=10)
    min_interval_seconds: float = Field(default=0.0, ge=0, le=10)  # politeness between requests
    expiry_wait_seconds: float = Field(default=10.0, ge=0, le=600)  # how long to wait for a token to expire
    max_consecutive_timeouts: int = Field(default=3, ge=1, le=50)
    verify_tls: bool = True


class RestProviderTargetConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["oneroster-rest-provider"] = KIND
    provider: ProviderSection
    declares: Declares = Field(default_factory=Declares)
    observation: Observation = Field(default_factory=Observation)
    tls: Tls = Field(default_factory=Tls)
    path: str | None = Field(default=None, exclude=True)

    @property
    def rostering_url(self) -> str:
        return self.provider.base_url + self.provider.rostering_path

    @property
    def gradebook_url(self) -> str:
        return self.provider.base_url + self.provider.gradebook_path

    def declared(self, endpoint: R.Endpoint) -> bool:
        if endpoint.object == "demographics" and not self.declares.demographics:
            return False
        wanted = self.declares.endpoints
        return wanted == "all" or endpoint.operation_id in wanted

    def credentials(self, environ: dict[str, str] | None = None) -> tuple[str, str]:
        """(client id, secret) from the environment, registered as secrets; errors name the field."""
        env = os.environ if environ is None else environ
        registry = secret_registry.active()
        values = []
        for field in ("client_id", "client_secret"):
            ref = getattr(self.provider, field)
            var = ENV_REF.match(ref).group(1)  # type: ignore[union-attr]
            if var not in env or not env[var]:
                raise ConfigError(f"target {self.path or '(inline)'}: provider.{field}: environment variable {var} "
                                  "is not set")
            value = env[var]
            problem = secret_registry.header_value_problem(value)
            if field == "client_secret" and problem is None:
                problem = secret_registry.too_short(value)
            if problem:
                raise ConfigError(f"target {self.path or '(inline)'}: provider.{field} (environment variable {var}) "
                                  f"{problem}")
            if field == "client_secret":
                registry.add(value, f"provider.{field}")
            values.append(value)
        registry.add_basic_auth(values[0], values[1], "provider.client_secret")
        return values[0], values[1]

    def describe(self) -> dict[str, Any]:
        p = self.provider
        return {"kind": KIND, "provider": p.name, "base_url": p.base_url, "rostering_path": p.rostering_path,
                "token_url": p.token_url, "client_auth": p.client_auth,
                "declares": self.declares.model_dump()}


def parse_target(data: Any, source: str = "(inline)") -> RestProviderTargetConfig:
    return parse_config(RestProviderTargetConfig, data, source)


def load_target(path: str | Path) -> RestProviderTargetConfig:
    config = parse_target(read_target_file(path), str(path))
    if config.tls.ca_file and not Path(config.tls.ca_file).is_absolute():
        config.tls.ca_file = str((Path(path).parent / config.tls.ca_file).resolve())
    return config
