"""Pieces shared by the two LTI target files (``lti-tool`` and ``lti-platform``).

Both describe renkei's own side (where it listens), how a vendor's answer is observed, and the
secrets needed to reach a staging system, and both are read from YAML with errors that name the
file and the field.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from renkei.harness.core import secret_registry
from renkei.harness.core.bounded import read_yaml_file
from renkei.harness.core.errors import ConfigError

ENV_REF = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")
HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")  # an RFC 9110 token
M = TypeVar("M", bound=BaseModel)


class Services(BaseModel):
    """Which LTI Advantage services the product under test offers or uses; checks of the others
    are skipped with that reason, not failed."""

    model_config = ConfigDict(extra="forbid")
    deep_linking: bool = True
    nrps: bool = False
    ags: bool = False


def _check_deployment_ids(value: list[str]) -> list[str]:
    """[CORE §5.3.3]: a deployment_id is 1-255 ASCII characters."""
    for d in value:
        if not d or len(d) > 255 or not d.isascii():
            raise ValueError("each deployment id must be 1-255 ASCII characters")
    return value


DeploymentIds = Annotated[list[str], Field(min_length=1), AfterValidator(_check_deployment_ids)]


class Listen(BaseModel):
    model_config = ConfigDict(extra="forbid")
    host: str = "127.0.0.1"
    port: int = Field(default=8710, ge=0, le=65535)
    certfile: str | None = None  # TLS for uvicorn; a vendor Tool normally requires https
    keyfile: str | None = None


class Marker(BaseModel):
    """How one launch outcome looks: HTTP statuses and/or a marker in the page."""

    model_config = ConfigDict(extra="forbid")
    status: list[int] = Field(default_factory=list)
    marker_regex: str | None = None
    marker_id: str | None = None  # an element id, e.g. "lti-launch"

    @field_validator("marker_regex")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"marker_regex is not a valid regular expression: {exc}") from None
        return value

    def pattern(self) -> re.Pattern[str] | None:
        if self.marker_regex:
            return re.compile(self.marker_regex)
        if self.marker_id:
            return re.compile(r"""\bid\s*=\s*["']?""" + re.escape(self.marker_id) + r"""["'\s>]""")
        return None


class Observation(BaseModel):
    """How the harness decides accepted/rejected, and the limits of its browser."""

    model_config = ConfigDict(extra="forbid")
    accept: Marker = Field(default_factory=lambda: Marker(status=[200]))
    reject: Marker = Field(default_factory=lambda: Marker(status=[400, 401, 403, 422]))
    timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    max_body_bytes: int = Field(default=2_000_000, ge=1024)
    max_redirects: int = Field(default=5, ge=0, le=20)
    verify_tls: bool = True
    extra_hosts: list[str] = Field(default_factory=list)  # hosts the Tool may redirect to
    # circuit breaker: after this many timeouts in a row the vendor is not asked anything more
    max_consecutive_timeouts: int = Field(default=3, ge=1, le=50)


class Tls(BaseModel):
    """How renkei trusts the vendor's certificates: ``ca_file`` (a PEM bundle, relative to the target
    file) is trusted in addition to the public CAs, by every client renkei makes to the vendor
    (plain HTTP and the Chromium driver alike)."""

    model_config = ConfigDict(extra="forbid")
    ca_file: str | None = None


class Secrets(BaseModel):
    """Credentials for reaching a vendor's staging Tool; ``${ENV_VAR}`` references only."""

    model_config = ConfigDict(extra="forbid")
    headers: dict[str, str] = Field(default_factory=dict)
    basic_auth_user: str | None = None
    basic_auth_password: str | None = None

    @model_validator(mode="after")
    def _refs_only(self) -> Secrets:
        values = {f"headers.{k}": v for k, v in self.headers.items()}
        values |= {"basic_auth_user": self.basic_auth_user, "basic_auth_password": self.basic_auth_password}
        for header in self.headers:
            if not HEADER_NAME.match(header):
                raise ValueError(f"headers: {header!r} is not a valid HTTP header name")
        for name, value in values.items():
            if value is not None and not ENV_REF.match(value):
                raise ValueError(f"{name} must be a ${{ENV_VAR}} reference; secrets are never written in target files")
        return self

    def resolve(self, where: str, environ: dict[str, str] | None = None) -> tuple[dict[str, str], tuple[str, str] | None]:
        """(headers, basic auth) with ``${ENV_VAR}`` references resolved.

        A missing variable, or a value that cannot be sent (empty, a line break or non-ASCII in a
        header, a ':' in a Basic user) or is too short to be scrubbed reliably, is a ConfigError that
        names the field and the variable, never the value. Every resolved value is registered with the
        run's secret registry, so it is scrubbed from every output.
        """
        env = os.environ if environ is None else environ
        registry = secret_registry.active()

        def value(field: str, ref: str) -> tuple[str, str]:
            m = ENV_REF.match(ref)
            name = m.group(1) if m else ref
            if name not in env:
                raise ConfigError(f"target {where}: secrets.{field}: environment variable {name} is not set")
            return env[name], name

        def refuse(field: str, var: str, problem: str) -> ConfigError:
            return ConfigError(f"target {where}: secrets.{field} (environment variable {var}) {problem}")

        headers: dict[str, str] = {}
        for header, ref in self.headers.items():
            field = f"headers.{header}"
            secret, var = value(field, ref)
            problem = secret_registry.header_value_problem(secret) or secret_registry.too_short(secret)
            if problem:
                raise refuse(field, var, problem)
            registry.add(secret, f"secrets.{field}")
            headers[header] = secret
        auth = None
        if self.basic_auth_user is not None:
            if self.basic_auth_password is None:
                raise ConfigError(f"target {where}: secrets.basic_auth_password is required with basic_auth_user")
            (user, user_var), (password, password_var) = (value("basic_auth_user", self.basic_auth_user),
                                                          value("basic_auth_password", self.basic_auth_password))
            bad = secret_registry.basic_auth_problem(user, password)
            if bad is None and (short := secret_registry.too_short(password)):
                bad = ("password", short)
            if bad is not None:
                part, problem = bad
                raise refuse(f"basic_auth_{part}", user_var if part == "user" else password_var, problem)
            registry.add_basic_auth(user, password, "secrets.basic_auth_password")
            auth = (user, password)
        return headers, auth


def read_target_file(path: str | Path) -> dict[str, Any]:
    """The YAML mapping of a target file; unreadable or malformed files are a ConfigError."""
    p = Path(path)
    data = read_yaml_file(p, "target")
    if not isinstance(data, dict):
        raise ConfigError(f"target {p}: expected a mapping at the top level")
    data.pop("product", None)  # the product under test is the core's (core.product), not the kind's
    data.pop("launch", None)  # how to start it is the launcher's (renkei.harness.launch)
    return data


def parse_config(model: type[M], data: Any, source: str) -> M:
    """Validate a target mapping into ``model``; the error names the file and the field."""
    if not isinstance(data, dict):
        raise ConfigError(f"target {source}: expected a mapping at the top level")
    try:
        config = model(**data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        msg = str(err["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"target {source}: field {where}: {msg}") from None
    config.path = source  # type: ignore[attr-defined]
    return config


def anchor_paths(harness: Any, base: Path, tls: Tls | None = None) -> None:
    """Relative keys_dir/certfile/keyfile/tls.ca_file are relative to the target file, not the
    working directory."""
    if tls is not None and tls.ca_file and not Path(tls.ca_file).is_absolute():
        tls.ca_file = str((base / tls.ca_file).resolve())
    if harness.keys_dir and not Path(harness.keys_dir).is_absolute():
        harness.keys_dir = str((base / harness.keys_dir).resolve())
    for name in ("certfile", "keyfile"):
        value = getattr(harness.listen, name)
        if value and not Path(value).is_absolute():
            setattr(harness.listen, name, str((base / value).resolve()))


#: For a product that takes a pasted public key instead of renkei's JWKS URL: (en, ja).
PEM_HINT = ("paste renkei's public key in PEM form: `renkei lti keys --target FILE --pem` prints it (needs "
            "harness.keys_dir); paste it again after --rotate",
            "PEM 形式の公開鍵を貼り付けてください。`renkei lti keys --target 対象ファイル --pem` が出力します "
            "(harness.keys_dir が必要)。--rotate の後は貼り直してください")


def no_field_hints(hints: list[tuple[str, str, str]]) -> str:
    """The "your product has no field for X" part of a registration text: (field, what to do in
    English, in Japanese) per line. Products differ in what they let a vendor enter, and a missing
    field should never leave the vendor guessing or registering something that makes checks fail."""
    lines = ["If your product has no field for one of these / 製品に入力欄がない場合:"]
    for name, en, ja in hints:
        lines += [f"- {name}", f"    {en[:1].upper()}{en[1:]}.", f"    {ja}。"]
    return "\n".join(lines) + "\n"
