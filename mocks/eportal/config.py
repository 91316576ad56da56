"""Configuration of the mock 学習eポータル (LTI 1.3 Platform).

The out-of-band registration data of [SEC §5.1] / [SEC §5.1.1]: per tool a ``client_id``, its
deployments [CORE §3.1.3], ONE login initiation URL and ONE OR MORE redirect URIs, its key set
(URL or static JWKS) and the services it may use. ``faults`` turn the platform into a
deliberately broken one for red runs; every fault is listed in ``FAULTS`` with what it breaks.
``transport`` lets tests fetch a tool's JWKS in-process; ``clock`` lets tests move time without
sleeping.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from renkei.harness.core.bounded import read_yaml_file
from renkei.harness.core.errors import ConfigError

#: Deliberate defects for red runs. Each breaks exactly one rule, named after what it breaks.
FAULTS: dict[str, str] = {
    "sign_without_kid": "id_tokens carry no 'kid' header [CERT §5.1 'Signature Valid', §6.1.1 'No KID']",
    "no_redirect_uri_check": "the authorization endpoint posts to any redirect_uri, registered or not "
    "[SEC §5.1.1.3]",
    "accept_replayed_jti": "the token endpoint accepts a client assertion whose jti was already used "
    "[SEC §4.1.1]",
    "no_nonce": "id_tokens carry no nonce claim [SEC §5.1.2]",
    "wrong_version": "the LTI version claim is '1.3' instead of '1.3.0' [CORE §5.3.2]",
    "roles_simple_names": "roles are deprecated simple names ('Learner') instead of URIs [CORE §5.3.7, App. A]",
    "no_link_paging": "NRPS/AGS containers are cut at 'limit' without a Link rel=\"next\" header "
    "[NRPS paging, AGS §3.2.4]",
    "paging_ends_at_page_2": "NRPS/AGS paging works for two pages, then the second page carries no Link "
    "rel=\"next\", so the third page and later are never reached [NRPS paging, AGS §3.2.4]",
    "ignore_unknown_scope": "the token endpoint grants a token for unknown scopes instead of 400 "
    "invalid_scope and echoes the requested scope verbatim [SEC §4.1]",
    "pii_leak": "no-PII launches still carry name/email claims [CERT §5.1 'Without PII']",
    "whitespace_in_claims": "name claims carry a trailing space [CERT §5.1 'Free of Extra Whitespace']",
    "expired_id_token": "id_tokens are already expired when issued [SEC §5.1.2 exp]",
    "accept_replayed_dl_nonce": "Deep Linking responses with an already used nonce are accepted [SEC §5.2.3]",
    "accept_assertion_without_exp": "the token endpoint accepts a client assertion without exp (exp is only "
    "compared when present) [SEC §4.1.1]",
    "assertion_client_from_sub": "the token endpoint finds the client by the assertion's sub and never checks "
    "iss [SEC §4.1.1, CORE §6.2]",
    "skip_assertion_sub_check": "the token endpoint does not check that the assertion's sub is the client_id "
    "[SEC §4.1.1, CORE §6.2]",
    "accept_any_assertion_type": "the token endpoint ignores client_assertion_type [SEC §4.1.1, RFC 7523 §2.2]",
    "accept_dl_without_exp": "Deep Linking responses without exp are accepted [SEC §5.2.3]",
    "accept_dl_without_nonce": "Deep Linking responses without nonce are accepted (and cannot be replay-checked) "
    "[SEC §5.2.3]",
    "dl_client_from_request": "the Deep Linking return finds the tool by the pending request its data names and "
    "never checks iss [SEC §5.2.3]",
    "skip_dl_deployment_check": "the Deep Linking return does not check deployment_id [DL §4.5.4, CORE §3.1.3]",
    "dl_deployment_registered_only": "the Deep Linking return checks that deployment_id is one of the tool's, "
    "not that it is the request's [DL §4.5.4]",
    "sub_is_username": "sub (and NRPS user_id) is the login username instead of the userMasterIdentifier "
    "UUID (Japan overlay 'sub = UUID v4', from non-authoritative sources, reference lti.md §5)",
    "no_scope_enforcement": "service endpoints accept any valid bearer token whatever its scopes "
    "[NRPS, AGS §3.2-§3.4]",
    "rest_ignore_retry_after": "the OneRoster REST import retries a 429 at once, ignoring Retry-After "
    "[RFC 9110 §10.2.3; OR12 REST 429 server_busy]",
    "rest_first_page_only": "the OneRoster REST import reads the first page of each collection only "
    "[OR12 REST §3.3 paging]",
    "rest_broad_scope": "the OneRoster REST import asks for roster.readonly and roster-demographics.readonly though "
    "it reads neither nested paths nor demographics [RFC 6749 §3.3 scope; least privilege]",
    "rest_reread_pages": "the OneRoster REST import reads every page twice [OR12 REST paging]",
    "rest_ignore_tobedeleted": "the OneRoster REST import keeps users marked tobedeleted enabled "
    "[OR12 status tobedeleted]",
    "reissue_sub_after_year_advance": "a re-import that retires every class of the previous import (年次更新: the "
    "new 年度's classes replace last year's) creates new accounts, so every user gets a new sub and NRPS user_id "
    "instead of keeping their userMasterIdentifier (Japan: the 学習eポータルUUID is kept across years, reference "
    "lti.md §5; the chain-japan profile's identity checks)",
}

PII_MODES = ("full", "none", "email", "names")


@dataclass
class ToolRegistration:
    """One tool as registered on the platform [SEC §5.1.1, CORE §3.1.3].

    ``deep_link_url`` is where Deep Linking requests are aimed (defaults to ``target_link_uri``).
    ``nrps``/``ags``/``deep_linking`` say which LTI Advantage services the registration enables;
    a disabled service is neither advertised in launches nor grantable at the token endpoint.
    ``nrps_pii`` False limits NRPS members to user_id/roles/status ([NRPS] personal data needs consent).
    """

    client_id: str
    deployment_ids: list[str]
    login_url: str
    redirect_uris: list[str]
    target_link_uri: str
    jwks_url: str | None = None
    jwks: dict[str, Any] | None = None
    deep_link_url: str | None = None
    name: str = ""
    nrps: bool = True
    ags: bool = True
    deep_linking: bool = True
    nrps_pii: bool = True
    custom: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        where = f"tool {self.client_id!r}" if self.client_id else "tool registration"
        if not isinstance(self.client_id, str) or not self.client_id:
            raise ConfigError(f"mock eportal: {where}: field 'client_id' must be a non-empty string")
        if (not isinstance(self.deployment_ids, list) or not self.deployment_ids
                or not all(isinstance(d, str) and d for d in self.deployment_ids)):
            raise ConfigError(f"mock eportal: {where}: field 'deployment_ids' must list non-empty strings")
        if not isinstance(self.redirect_uris, list) or not self.redirect_uris:
            raise ConfigError(f"mock eportal: {where}: field 'redirect_uris' must list at least one URI")
        for name in ("login_url", "target_link_uri"):
            _require_url(getattr(self, name), f"{where}: field '{name}'")
        for uri in self.redirect_uris:
            _require_url(uri, f"{where}: field 'redirect_uris'")
        if self.deep_link_url:
            _require_url(self.deep_link_url, f"{where}: field 'deep_link_url'")
        if (self.jwks_url is None) == (self.jwks is None):
            raise ConfigError(f"mock eportal: {where}: give exactly one of 'jwks_url' or 'jwks'")
        if self.jwks_url:
            _require_url(self.jwks_url, f"{where}: field 'jwks_url'")
        if self.jwks is not None and not (isinstance(self.jwks, dict) and isinstance(self.jwks.get("keys"), list)):
            raise ConfigError(f"mock eportal: {where}: field 'jwks' must be an object with a 'keys' array")
        if not isinstance(self.custom, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in self.custom.items()
        ):
            raise ConfigError(f"mock eportal: {where}: field 'custom' values must be strings [CORE §5.4]")

    @property
    def dl_target(self) -> str:
        return self.deep_link_url or self.target_link_uri


def _require_url(value: Any, where: str) -> None:
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"mock eportal: {where} must be an absolute http(s) URL")


@dataclass
class EportalConfig:
    """The platform: issuer (= base URL), roster source, registered tools, keys and faults.

    ``issuer`` is also the base of every fixed endpoint path (``/jwks``, ``/auth``, ``/token``,
    ``/nrps/{context}``, ``/ags/{context}/lineitems``, ``/dl/return``). [SEC §5.1.2] wants an
    https issuer; a localhost mock may use http, which checks will report.
    ``keys_dir`` None keeps keys in memory (``signing_keys`` or a fresh one); otherwise
    ``KeyStore(keys_dir)``.
    """

    issuer: str
    tools: list[ToolRegistration]
    bundle: Path | None = None
    keys_dir: Path | None = None
    faults: set[str] = field(default_factory=set)
    platform_guid: str = "renkei-mock-eportal"
    platform_name: str = "renkei 模擬学習eポータル"
    locale: str = "ja-JP"
    id_token_ttl: int = 300
    access_token_ttl: int = 3600
    launch_ttl: int = 600
    iat_skew_seconds: int = 60
    jwks_max_age_seconds: int = 300
    http_timeout: float = 10.0
    transport: httpx.AsyncBaseTransport | None = None
    clock: Callable[[], float] = time.time
    signing_keys: list[Any] | None = None  # in-memory RSAKeys to start from (tests); unused with keys_dir

    def __post_init__(self) -> None:
        _require_url(self.issuer, "field 'issuer'")
        if urlsplit(self.issuer).query or urlsplit(self.issuer).fragment:
            raise ConfigError("mock eportal: field 'issuer' must have no query or fragment [SEC §5.1.2]")
        self.issuer = self.issuer.rstrip("/")
        self.faults = set(self.faults)
        unknown = sorted(self.faults - FAULTS.keys())
        if unknown:
            raise ConfigError(f"mock eportal: unknown fault(s) {', '.join(unknown)}; known: {', '.join(FAULTS)}")
        if not self.tools:
            raise ConfigError("mock eportal: field 'tools' must register at least one tool")
        seen: set[str] = set()
        for tool in self.tools:
            if tool.client_id in seen:
                raise ConfigError(f"mock eportal: tool client_id {tool.client_id!r} is registered twice")
            seen.add(tool.client_id)
        if self.bundle is not None:
            self.bundle = Path(self.bundle)
        if self.keys_dir is not None:
            self.keys_dir = Path(self.keys_dir)

    def has(self, fault: str) -> bool:
        return fault in self.faults

    def tool(self, client_id: str | None) -> ToolRegistration | None:
        return next((t for t in self.tools if t.client_id == client_id), None)

    def url(self, path: str) -> str:
        return self.issuer + path

    @property
    def token_url(self) -> str:
        return self.url("/token")

    @classmethod
    def from_file(cls, path: Path, default_issuer: str | None = None, **overrides: Any) -> EportalConfig:
        """Load a YAML/JSON config: ``issuer``, ``tools: [...]``, optional ``bundle``, ``keys_dir``, ``faults``.

        Relative ``bundle``/``keys_dir`` are resolved against the config file's folder; non-None
        ``overrides`` (command-line options) win over the file.
        """
        data = read_yaml_file(path, "mock eportal config")
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: top level must be a mapping")
        data = {**data, **{k: v for k, v in overrides.items() if v is not None}}
        if not data.get("issuer"):
            if default_issuer is None:
                raise ConfigError(f"{path}: field 'issuer' is required")
            data["issuer"] = default_issuer
        raw_tools = data.pop("tools", None)
        if not isinstance(raw_tools, list):
            raise ConfigError(f"{path}: field 'tools' must be a list of tool registrations")
        tools: list[ToolRegistration] = []
        for index, raw in enumerate(raw_tools):
            if not isinstance(raw, dict):
                raise ConfigError(f"{path}: tools[{index}] must be a mapping")
            try:
                tools.append(ToolRegistration(**raw))
            except TypeError as exc:
                raise ConfigError(f"{path}: tools[{index}]: {_type_error_field(exc)}") from exc
            except ConfigError as exc:
                raise ConfigError(f"{path}: tools[{index}]: {exc}") from exc
        base = Path(path).resolve().parent
        for key in ("bundle", "keys_dir"):
            if key in overrides and overrides[key] is not None:
                continue  # command-line paths are relative to the working directory
            if data.get(key) is not None and not Path(str(data[key])).is_absolute():
                data[key] = base / str(data[key])
        faults = data.get("faults") or []
        if not isinstance(faults, list) or not all(isinstance(f, str) for f in faults):
            raise ConfigError(f"{path}: field 'faults' must be a list of fault names")
        data["faults"] = set(faults)
        allowed = {"issuer", "bundle", "keys_dir", "faults", "platform_guid", "platform_name", "locale",
                   "id_token_ttl", "access_token_ttl", "launch_ttl", "iat_skew_seconds"}
        extra = sorted(set(data) - allowed)
        if extra:
            raise ConfigError(f"{path}: unknown field(s) {', '.join(extra)}")
        try:
            return cls(tools=tools, **data)
        except ConfigError as exc:
            raise ConfigError(f"{path}: {exc}") from exc


def _type_error_field(exc: TypeError) -> str:
    """Turn a dataclass TypeError into 'unknown/missing field ...' without a traceback."""
    text = str(exc)
    return text.split("__init__() ", 1)[-1] if "__init__() " in text else text


def dump_example() -> str:
    """An example config file (used by ``python -m renkei.mocks.eportal --example-config``)."""
    example = {
        "issuer": "http://127.0.0.1:8401",
        "bundle": "roster.zip",
        "keys_dir": "eportal-keys",
        "faults": [],
        "tools": [{
            "client_id": "renkei-app",
            "deployment_ids": ["deployment-1"],
            "login_url": "http://127.0.0.1:8402/login",
            "redirect_uris": ["http://127.0.0.1:8402/launch"],
            "target_link_uri": "http://127.0.0.1:8402/launch",
            "jwks_url": "http://127.0.0.1:8402/jwks",
            "nrps": True, "ags": True, "deep_linking": True,
        }],
    }
    return json.dumps(example, ensure_ascii=False, indent=2)
