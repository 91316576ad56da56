"""The ``launch:`` section of a target file: which containers to start and how to tell they are ready.

    launch:
      containers:                      # started in this order, each ready before the next starts
        - name: db
          image: example/db:1.4
          environment: {DB_PASSWORD: "${VENDOR_DB_PASSWORD}"}
          port: 5432                   # readiness: a TCP connect to 127.0.0.1:5432
        - name: app
          image: example/app:build-1234
          command: ["serve", "--listen", "127.0.0.1:8080"]
          environment: {API_SECRET: "${VENDOR_API_SECRET}", MODE: staging}
          mounts: [{source: ./seed, target: /seed}]    # relative to the target file; read-only unless said
          port: 8080
          ready: {http: "http://127.0.0.1:8080/health", timeout_seconds: 60}   # or {log: "listening on"}
      stop_timeout_seconds: 5

Containers always share the host's network (``network_mode: host``) and must listen on 127.0.0.1:
renkei creates no Docker network of its own (one would hand out addresses off the loopback). Images are not
pulled unless ``pull: missing`` says so. Secret values appear only as ``${ENV}`` references (a
variable whose name says SECRET, PASSWORD, TOKEN, API_KEY, ACCESS_KEY or PRIVATE_KEY must be one);
every resolved value is registered with the run's secret registry, so it is scrubbed from the stored container logs too.
"""

from __future__ import annotations

import ipaddress
import os
import re
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from renkei.harness.core import secret_registry
from renkei.harness.core.bounded import read_yaml_file
from renkei.harness.core.errors import ConfigError
from renkei.harness.core.secret_registry import SecretRegistry

SECTION = "launch"
ENV_REF = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")
SECRET_NAME = re.compile(r"SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE_KEY|API_KEY|ACCESS_KEY", re.IGNORECASE)
NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,39}$")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


class Ready(BaseModel):
    """When a container counts as ready: an HTTP answer below 500 from ``http``, a line of its log
    matching ``log``, or (neither given) a TCP connect to 127.0.0.1:``port``."""

    model_config = ConfigDict(extra="forbid")
    http: str | None = None
    log: str | None = None
    timeout_seconds: float = Field(default=60, gt=0, le=1800)

    @field_validator("http")
    @classmethod
    def _http(cls, value: str | None) -> str | None:
        if value is not None:
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not _loopback(parts.hostname):
                raise ValueError("must be an http(s) URL on 127.0.0.1 (containers share the host's network)")
        return value

    @field_validator("log")
    @classmethod
    def _log(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"is not a valid regular expression: {exc}") from None
        return value

    @model_validator(mode="after")
    def _one(self) -> Ready:
        if self.http is not None and self.log is not None:
            raise ValueError("give either http or log, not both")
        return self


class Mount(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: str = Field(min_length=1)
    target: str = Field(min_length=2, pattern=r"^/")
    read_only: bool = True


class ContainerSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    image: str = Field(min_length=1, max_length=300)
    command: list[str] | None = None
    entrypoint: list[str] | None = None
    environment: dict[str, str] = Field(default_factory=dict)
    mounts: list[Mount] = Field(default_factory=list)
    port: int | None = Field(default=None, ge=1, le=65535)
    ready: Ready = Field(default_factory=Ready)
    pull: Literal["never", "missing"] = "never"

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not NAME.match(value):
            raise ValueError("must be 1-40 characters: lower-case letters, digits, '.', '_' or '-'")
        return value

    @field_validator("environment")
    @classmethod
    def _environment(cls, value: dict[str, str]) -> dict[str, str]:
        for key, text in value.items():
            if not ENV_NAME.match(key):
                raise ValueError(f"{key!r} is not a valid environment variable name")
            if ENV_REF.match(text):
                continue
            if "${" in text:
                raise ValueError(f"{key}: only a whole value can be a ${{ENV}} reference")
            if SECRET_NAME.search(key):
                raise ValueError(f"{key} must be a ${{ENV_VAR}} reference; secrets are never written in target files")
        return value

    @model_validator(mode="after")
    def _probe(self) -> ContainerSpec:
        if self.ready.http is None and self.ready.log is None and self.port is None:
            raise ValueError("needs a port (probed by a TCP connect), ready.http or ready.log")
        return self

    def probe(self) -> str:
        """The readiness probe in words, for messages."""
        if self.ready.http is not None:
            return f"HTTP {self.ready.http}"
        if self.ready.log is not None:
            return f"log line matching {self.ready.log!r}"
        return f"TCP 127.0.0.1:{self.port}"

    def resolved_environment(self, where: str, registry: SecretRegistry,
                             environ: dict[str, str] | None = None) -> dict[str, str]:
        """The environment with ``${ENV}`` references resolved; each resolved value is a secret of the run."""
        env = os.environ if environ is None else environ
        out: dict[str, str] = {}
        for key, text in self.environment.items():
            m = ENV_REF.match(text)
            if m is None:
                out[key] = text
                continue
            field = f"{where}.environment.{key}"
            if m.group(1) not in env:
                raise ConfigError(f"{field}: environment variable {m.group(1)} is not set")
            value = env[m.group(1)]
            if SECRET_NAME.search(key) and (short := secret_registry.too_short(value)):
                raise ConfigError(f"{field} (environment variable {m.group(1)}) {short}")
            registry.add(value, f"launch.{self.name}.environment.{key}")
            out[key] = value
        return out


class LaunchSection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    containers: list[ContainerSpec] = Field(min_length=1, max_length=10)
    stop_timeout_seconds: float = Field(default=5, ge=0, le=120)

    @field_validator("containers")
    @classmethod
    def _unique(cls, value: list[ContainerSpec]) -> list[ContainerSpec]:
        names = [c.name for c in value]
        if len(set(names)) != len(names):
            raise ValueError("container names must be unique")
        return value


class Launch(BaseModel):
    """A parsed ``launch:`` section and the target file it came from (for messages and mounts)."""

    section: LaunchSection
    path: str


def read_launch(target: str) -> Launch | None:
    """The target file's ``launch:`` section, or None (no YAML target, or no section). Mount sources
    are made absolute (relative to the target file) and must exist; errors name the file and field."""
    path = Path(target)
    if path.suffix.lower() not in (".yaml", ".yml") or not path.is_file():
        return None
    data = read_yaml_file(path, "target")
    raw: Any = data.get(SECTION) if isinstance(data, dict) else None
    if raw is None:
        return None
    where = f"target {path}: field {SECTION}"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a mapping with containers: [...]")
    try:
        section = LaunchSection(**raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        raise ConfigError(f"{where}{'.' + field if field else ''}: "
                          f"{str(err['msg']).removeprefix('Value error, ')}") from None
    for i, container in enumerate(section.containers):
        for j, mount in enumerate(container.mounts):
            source = Path(mount.source)
            if not source.is_absolute():
                source = (path.parent / source).resolve()
            if not source.exists():
                raise ConfigError(f"{where}.containers.{i}.mounts.{j}.source: {mount.source} does not exist")
            mount.source = str(source)
    return Launch(section=section, path=str(path))
