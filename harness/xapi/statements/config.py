"""The ``xapi-statements`` target file: which app's statements to judge, and where they come from.

    kind: xapi-statements
    app: {name: 学習アプリ X}
    version: "1.0.3"                       # the xAPI version the statements claim (1.0.3 | 2.0.0)
    source: file                           # file: a JSON array or NDJSON; capture: renkei's recording LRS
    file: {path: statements.ndjson, format: auto}     # auto | array | ndjson; relative to this file
    # capture:
    #   listen: {host: 127.0.0.1, port: 8480}
    #   path: /xapi                        # the xAPI endpoint is http://host:port/xapi
    #   client: {key: renkei-app, secret: ${RENKEI_LRS_SECRET}}
    #   launch: {mode: url, url: "https://app.example.jp/demo?endpoint={endpoint}", method: GET}
    #   # launch: {mode: hook, command: ["./send.sh", "{endpoint}", "{key}", "{secret}"]}
    #   # launch: {mode: lti, tool: tool.yaml, role: learner, custom: {lrs_endpoint: "{endpoint}"}}
    #   expect_statements: 5               # done once this many arrived ...
    #   idle_seconds: 3                    # ... or the app was silent this long after the launch
    #   wait_seconds: 120                  # and never longer than this
    expect:
      actor: {name: 1fcdd088-66fc-11ec-b362-ebfd340b9cee, home_page: https://portal.example.jp}
    profiles: [my-profile.jsonld]          # the vendor's own xAPI Profile documents (optional)

The secret is an ``${ENV}`` reference (scrubbed from every output). ``launch`` placeholders:
``{endpoint}`` (the recording LRS's xAPI endpoint), ``{key}``, ``{secret}``, ``{actor_name}`` and
``{home_page}`` (from ``expect.actor``).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from renkei.harness.core import secret_registry
from renkei.harness.core.errors import ConfigError
from renkei.harness.lti.protocol.http import http_url
from renkei.harness.lti.protocol.target_file import ENV_REF, Listen, parse_config, read_target_file

KIND = "xapi-statements"
PLACEHOLDERS = ("endpoint", "key", "secret", "actor_name", "home_page")
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


class AppSection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = "app under test"


class FileSource(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: str
    format: Literal["auto", "array", "ndjson"] = "auto"


class Client(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = "renkei-app"
    secret: str

    @model_validator(mode="after")
    def _ref(self) -> Client:
        if not ENV_REF.match(self.secret):
            raise ValueError("secret must be a ${ENV_VAR} reference; secrets are never written in target files")
        if ":" in self.key or not self.key:
            raise ValueError("key must be non-empty and contain no ':' (it is an HTTP Basic user)")
        return self


class Launch(BaseModel):
    """How the app is made to send: one HTTP request (``url``), a command (``hook``), an LTI launch from
    renkei's Platform side (``lti``: ``tool`` is the app's ``lti-tool`` target file, the one
    ``lti13-tool`` uses), or nothing (``none``: a person runs the app while renkei waits)."""

    model_config = ConfigDict(extra="forbid")
    mode: Literal["url", "hook", "lti", "none"] = "none"
    url: str | None = None
    method: Literal["GET", "POST"] = "GET"
    command: list[str] | None = None
    tool: str | None = None  # mode lti: the lti-tool target file (relative to this file)
    role: Literal["learner", "instructor"] = "learner"  # mode lti: whom the app is launched as
    custom: dict[str, str] = Field(default_factory=dict)  # mode lti: LTI custom claim, placeholders allowed
    home_page: str | None = None  # mode lti: the account.homePage expected (default: renkei's issuer)
    timeout_seconds: float = Field(default=60, gt=0, le=3600)

    @model_validator(mode="after")
    def _mode(self) -> Launch:
        if self.mode == "url":
            if not self.url:
                raise ValueError("launch.url is required with mode: url")
            http_url(self.url.replace("{", "").replace("}", ""), "launch.url")
        if self.mode == "hook" and not self.command:
            raise ValueError("launch.command (a command as a list) is required with mode: hook")
        if self.mode == "lti" and not self.tool:
            raise ValueError("launch.tool (the app's lti-tool target file) is required with mode: lti")
        if self.mode != "lti" and (self.tool or self.custom or self.home_page):
            raise ValueError("launch.tool, launch.custom and launch.home_page belong to mode: lti")
        if self.home_page is not None:
            http_url(self.home_page, "launch.home_page")
        for text in [self.url or "", *(self.command or []), *self.custom.values()]:
            unknown = [p for p in _PLACEHOLDER.findall(text) if p not in PLACEHOLDERS]
            if unknown:
                raise ValueError(f"unknown placeholder {{{unknown[0]}}} (known: {', '.join(PLACEHOLDERS)})")
        return self


class CaptureSource(BaseModel):
    model_config = ConfigDict(extra="forbid")
    listen: Listen = Field(default_factory=lambda: Listen(port=8480))
    path: str = "/xapi"
    client: Client
    launch: Launch = Field(default_factory=Launch)
    expect_statements: int | None = Field(default=None, ge=1, le=1_000_000)
    idle_seconds: float = Field(default=3, gt=0, le=600)
    wait_seconds: float = Field(default=120, gt=0, le=3600)
    max_body_bytes: int = Field(default=10_000_000, ge=1024, le=200_000_000)

    @model_validator(mode="after")
    def _path(self) -> CaptureSource:
        if not self.path.startswith("/") or "?" in self.path or "#" in self.path:
            raise ValueError("capture.path must be an absolute path such as /xapi")
        return self


class ExpectedActor(BaseModel):
    """The launched user: ``name`` is the LTI ``sub`` the e-portal launched the app with, ``home_page`` the
    e-portal's ``account.homePage``."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    home_page: str

    @model_validator(mode="after")
    def _url(self) -> ExpectedActor:
        http_url(self.home_page, "expect.actor.home_page")
        return self


class Expect(BaseModel):
    model_config = ConfigDict(extra="forbid")
    actor: ExpectedActor | None = None


class Limits(BaseModel):
    """Bounds on a statements file (each is a finding when crossed, never a hang or a memory blow-up)."""

    model_config = ConfigDict(extra="forbid")
    max_statement_bytes: int = Field(default=1_000_000, ge=1024, le=100_000_000)
    max_statements: int = Field(default=1_000_000, ge=1, le=100_000_000)


class StatementsTargetConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["xapi-statements"] = KIND
    app: AppSection = Field(default_factory=AppSection)
    version: Literal["1.0.3", "2.0.0"] = "1.0.3"
    source: Literal["file", "capture"]
    file: FileSource | None = None
    capture: CaptureSource | None = None
    expect: Expect = Field(default_factory=Expect)
    profiles: list[str] = Field(default_factory=list)
    limits: Limits = Field(default_factory=Limits)
    path: str | None = Field(default=None, exclude=True)

    @model_validator(mode="after")
    def _source(self) -> StatementsTargetConfig:
        if self.source == "file" and self.file is None:
            raise ValueError("a 'file' section (path, format) is required with source: file")
        if self.source == "capture" and self.capture is None:
            raise ValueError("a 'capture' section (listen, path, client, launch) is required with source: capture")
        if self.capture is not None and self.capture.launch.mode == "lti" and self.expect.actor is not None:
            raise ValueError("expect.actor comes from the LTI launch with launch.mode: lti (the launched user's sub); "
                             "remove it, or set launch.home_page for the expected homePage")
        return self

    def secret(self, environ: dict[str, str] | None = None) -> str:
        assert self.capture is not None
        env = os.environ if environ is None else environ
        var = ENV_REF.match(self.capture.client.secret).group(1)  # type: ignore[union-attr]
        value = env.get(var)
        where = f"target {self.path or '(inline)'}: capture.client.secret"
        if not value:
            raise ConfigError(f"{where}: environment variable {var} is not set")
        problem = secret_registry.too_short(value)
        bad = secret_registry.basic_auth_problem(self.capture.client.key, value)
        if problem or bad:
            raise ConfigError(f"{where} (environment variable {var}) {problem or bad[1]}")  # type: ignore[index]
        secret_registry.active().add_basic_auth(self.capture.client.key, value, "capture.client.secret")
        return value

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": KIND, "app": self.app.name, "version": self.version, "source": self.source}
        if self.file is not None and self.source == "file":
            out["file"] = self.file.path
        if self.capture is not None and self.source == "capture":
            out["launch"] = self.capture.launch.mode
        if self.expect.actor is not None:
            out["expected_actor"] = {"name": self.expect.actor.name, "home_page": self.expect.actor.home_page}
        return out


def load_target(path: str | Path) -> StatementsTargetConfig:
    config = parse_config(StatementsTargetConfig, read_target_file(path), str(path))
    base = Path(path).parent
    if config.file is not None and not Path(config.file.path).is_absolute():
        config.file.path = str((base / config.file.path).resolve())
    config.profiles = [p if Path(p).is_absolute() else str((base / p).resolve()) for p in config.profiles]
    if config.capture is not None:
        launch = config.capture.launch
        if launch.tool and not Path(launch.tool).is_absolute():
            launch.tool = str((base / launch.tool).resolve())
        for name in ("certfile", "keyfile"):
            value = getattr(config.capture.listen, name)
            if value and not Path(value).is_absolute():
                setattr(config.capture.listen, name, str((base / value).resolve()))
    return config
