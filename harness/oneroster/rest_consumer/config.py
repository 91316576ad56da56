"""The ``oneroster-rest-consumer`` target file: which vendor consumer to test, and how to start its import.

    kind: oneroster-rest-consumer
    consumer:
      name: 学習eポータル X
      import:
        mode: scripted                       # scripted: renkei sends one HTTP request; hook: runs a command
        url: https://eportal.example.jp/admin/oneroster/import
        method: POST
        body: {"base_url": "{base_url}", "token_url": "{token_url}", "client_id": "{client_id}",
               "client_secret": "{client_secret}"}
        # hook: ["./start-import.sh", "{base_url}", "{token_url}"]   (mode: hook)
        wait_seconds: 120                    # an import must end within this
        idle_seconds: 2                      # ... and is over once the consumer was silent this long
    harness:
      listen: {host: 127.0.0.1, port: 8730}  # where renkei serves the reference provider
      base_url: http://127.0.0.1:8730        # the origin the consumer is configured with
      client_id: renkei-consumer-test
      client_secret: ${RENKEI_CONSUMER_SECRET}

The vendor registers renkei's provider in their product with ``harness.base_url`` (the rostering path
``/ims/oneroster/rostering/v1p2`` below it), the token URL ``<base_url>/oauth/token`` and the client
credentials; the secret is an ``${ENV}`` reference and is scrubbed from every output. The placeholders
in ``body``/``hook`` are filled in when the import is started.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from renkei.harness.core import secret_registry
from renkei.harness.core.errors import ConfigError
from renkei.harness.core.placeholders import strings_in
from renkei.harness.lti.protocol.http import http_url
from renkei.harness.lti.protocol.target_file import ENV_REF, Listen, Tls, parse_config, read_target_file

KIND = "oneroster-rest-consumer"
PLACEHOLDERS = ("base_url", "token_url", "client_id", "client_secret")
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


class ImportSection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mode: Literal["scripted", "hook"] = "scripted"
    url: str | None = None
    method: Literal["GET", "POST"] = "POST"
    body: dict[str, Any] | None = None
    hook: list[str] | None = None
    wait_seconds: float = Field(default=120, gt=0, le=3600)
    idle_seconds: float = Field(default=2, gt=0, le=60)

    @model_validator(mode="after")
    def _mode(self) -> ImportSection:
        if self.mode == "scripted":
            if not self.url:
                raise ValueError("import.url is required with mode: scripted")
            http_url(self.url, "import.url")
        elif not self.hook:
            raise ValueError("import.hook (a command as a list) is required with mode: hook")
        for text in [*(self.hook or []), *strings_in(self.body)]:
            unknown = [p for p in _PLACEHOLDER.findall(text) if p not in PLACEHOLDERS]
            if unknown:
                raise ValueError(f"unknown placeholder {{{unknown[0]}}} (known: {', '.join(PLACEHOLDERS)})")
        return self




class ExposesSection(BaseModel):
    """Where the consumer shows what it imported: its own OneRoster REST ``/users`` (client credentials)."""

    model_config = ConfigDict(extra="forbid")
    base_url: str  # the rostering path is appended
    token_url: str
    client_id: str
    client_secret: str

    @model_validator(mode="after")
    def _refs(self) -> ExposesSection:
        http_url(self.base_url, "exposes.base_url")
        http_url(self.token_url, "exposes.token_url")
        for name in ("client_id", "client_secret"):
            if not ENV_REF.match(getattr(self, name)):
                raise ValueError(f"exposes.{name} must be a ${{ENV_VAR}} reference")
        return self


class NrpsExposureSection(BaseModel):
    """Where the consumer shows what it imported as LTI NRPS memberships: renkei is registered there as a
    Tool (``client_id``, the public key of ``key_file``) and reads ``memberships_url`` per served class."""

    model_config = ConfigDict(extra="forbid")
    token_url: str
    client_id: str
    deployment_id: str
    key_file: str  # PEM RSA private key; its public key is in the consumer's tool registration
    kid: str | None = None  # the kid registered with it (default: the key's RFC 7638 thumbprint)
    memberships_url: str  # {class} is replaced by the served class's sourcedId
    max_classes: int = Field(default=12, ge=1, le=500)

    @model_validator(mode="after")
    def _urls(self) -> NrpsExposureSection:
        http_url(self.token_url, "exposes_nrps.token_url")
        if "{class}" not in self.memberships_url:
            raise ValueError("exposes_nrps.memberships_url must contain {class} (the class sourcedId)")
        http_url(self.memberships_url.replace("{class}", "x"), "exposes_nrps.memberships_url")
        return self


class ConsumerSection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = "consumer under test"
    import_: ImportSection = Field(alias="import")
    exposes: ExposesSection | None = None
    exposes_nrps: NrpsExposureSection | None = None


class HarnessSection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    listen: Listen = Field(default_factory=lambda: Listen(port=8730))
    base_url: str | None = None
    client_id: str = "renkei-consumer-test"
    client_secret: str
    bundle: str | None = None  # a OneRoster 1.2 bundle to serve (default: a generated Japanese roster)
    throttle_every: int = Field(default=7, ge=0)  # every n-th request answers 429 (0: never)
    retry_after: int = Field(default=1, ge=1, le=30)

    @model_validator(mode="after")
    def _secret(self) -> HarnessSection:
        if not ENV_REF.match(self.client_secret):
            raise ValueError("client_secret must be a ${ENV_VAR} reference; secrets are never written in target files")
        if self.base_url:
            http_url(self.base_url, "harness.base_url")
        return self

    def origin(self) -> str:
        scheme = "https" if self.listen.certfile else "http"
        return (self.base_url or f"{scheme}://{self.listen.host}:{self.listen.port}").rstrip("/")


class RestConsumerTargetConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["oneroster-rest-consumer"] = KIND
    consumer: ConsumerSection
    harness: HarnessSection
    tls: Tls = Field(default_factory=Tls)
    path: str | None = Field(default=None, exclude=True)

    def secret(self, environ: dict[str, str] | None = None) -> str:
        env = os.environ if environ is None else environ
        var = ENV_REF.match(self.harness.client_secret).group(1)  # type: ignore[union-attr]
        value = env.get(var)
        if not value:
            raise ConfigError(f"target {self.path or '(inline)'}: harness.client_secret: environment variable {var} "
                              "is not set")
        problem = secret_registry.header_value_problem(value) or secret_registry.too_short(value)
        if problem:
            raise ConfigError(f"target {self.path or '(inline)'}: harness.client_secret (environment variable {var}) "
                              f"{problem}")
        secret_registry.active().add(value, "harness.client_secret")
        return value

    def exposure_credentials(self, environ: dict[str, str] | None = None) -> tuple[str, str]:
        exposes = self.consumer.exposes
        assert exposes is not None
        env = os.environ if environ is None else environ
        values = []
        for field in ("client_id", "client_secret"):
            var = ENV_REF.match(getattr(exposes, field)).group(1)  # type: ignore[union-attr]
            if not env.get(var):
                raise ConfigError(f"target {self.path or '(inline)'}: consumer.exposes.{field}: environment variable "
                                  f"{var} is not set")
            values.append(env[var])
        secret_registry.active().add_basic_auth(values[0], values[1], "consumer.exposes.client_secret")
        return values[0], values[1]

    def describe(self) -> dict[str, Any]:
        imp = self.consumer.import_
        return {"kind": KIND, "consumer": self.consumer.name, "import_mode": imp.mode,
                "import_url": imp.url, "harness_base_url": self.harness.origin(), "client_id": self.harness.client_id}


def load_target(path: str | Path) -> RestConsumerTargetConfig:
    config = parse_config(RestConsumerTargetConfig, read_target_file(path), str(path))
    base = Path(path).parent
    if config.harness.bundle and not Path(config.harness.bundle).is_absolute():
        config.harness.bundle = str((base / config.harness.bundle).resolve())
    nrps = config.consumer.exposes_nrps
    if nrps and not Path(nrps.key_file).is_absolute():
        nrps.key_file = str((base / nrps.key_file).resolve())
    for name in ("certfile", "keyfile"):
        value = getattr(config.harness.listen, name)
        if value and not Path(value).is_absolute():
            setattr(config.harness.listen, name, str((base / value).resolve()))
    return config
