"""The ``lti-tool`` target file: which vendor Tool to test and how the harness plays its Platform.

A vendor writes one YAML file (see ``profiles/examples/tool.yaml``): the Tool's registration data
([SEC §5.1.1]: login URL, redirect URIs; [CORE §3.1.3]: client_id, deployment ids), the public base
URL at which the harness's own Platform side is reachable, and how to tell an accepted launch from
a rejected one, because Tools show errors in many ways (401 page, 200 page with a message ...).
Secrets may only appear as ``${ENV_VAR}`` references and never reach ``describe()`` or a report.
``browser.engine: chromium`` drives launches through a real Chromium for Tools whose pages need
JavaScript (``renkei.harness.lti.tool.browser_driver``); the default ``http`` needs no browser.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from renkei.harness.lti.protocol.chromium import BrowserSection  # the browser: section, shared with the chain
from renkei.harness.lti.protocol.http import http_url
from renkei.harness.lti.protocol.target_file import (
    PEM_HINT,
    DeploymentIds,
    Listen,
    Observation,
    Secrets,
    Services,
    Tls,
    anchor_paths,
    no_field_hints,
    parse_config,
    read_target_file,
)

KIND = "lti-tool"


class ToolSection(BaseModel):
    """Registration data the vendor gives the Platform [SEC §5.1.1], [CORE §3.1.3]."""

    model_config = ConfigDict(extra="forbid")
    name: str = "tool under test"
    login_url: str
    redirect_uris: list[str] = Field(min_length=1)
    target_link_uri: str
    deep_link_uri: str | None = None  # target_link_uri for LtiDeepLinkingRequest; default target_link_uri
    jwks_url: str
    client_id: str = Field(min_length=1, max_length=255)
    deployment_ids: DeploymentIds
    services: Services = Field(default_factory=Services)

    @field_validator("login_url", "target_link_uri", "deep_link_uri", "jwks_url")
    @classmethod
    def _url(cls, value: str | None, info: Any) -> str | None:
        return None if value is None else http_url(value, info.field_name)

    @field_validator("redirect_uris")
    @classmethod
    def _urls(cls, value: list[str]) -> list[str]:
        return [http_url(v, "redirect_uris") for v in value]



class HarnessSection(BaseModel):
    """The harness's own Platform side: public URL the Tool reaches, where to listen, signing keys."""

    model_config = ConfigDict(extra="forbid")
    base_url: str
    issuer: str | None = None  # default: base_url
    listen: Listen = Field(default_factory=Listen)
    keys_dir: str | None = None  # persistent keys (KeyStore); default: fresh keys per run

    @field_validator("base_url", "issuer")
    @classmethod
    def _url(cls, value: str | None, info: Any) -> str | None:
        return None if value is None else http_url(value, info.field_name).rstrip("/")

    @field_validator("issuer")
    @classmethod
    def _issuer(cls, value: str | None) -> str | None:
        if value is not None and urlsplit(value).query:  # [SEC §5.1.2] no query/fragment
            raise ValueError("issuer must not contain a query")
        return value


class ServiceObservation(BaseModel):
    """How long to wait for the Tool's own NRPS/AGS calls after a launch that offers them."""

    model_config = ConfigDict(extra="forbid")
    wait_seconds: float = Field(default=15.0, ge=0, le=600)
    trigger_url: str | None = None  # optional page to GET (with the launch cookies) to start the calls
    trigger_form_action: str | None = None  # or: submit the launch page's form whose action matches this regex
    nrps_page_size: int = Field(default=2, ge=1)
    ags_page_size: int = Field(default=2, ge=1)  # line items per container page (three pages are served)

    @field_validator("trigger_form_action")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"trigger_form_action is not a valid regular expression: {exc}") from None
        return value


class DeepLinkObservation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    submit_first_form: bool = False  # simulate the user picking the first offered item


class ToolTargetConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["lti-tool"] = KIND
    tool: ToolSection
    harness: HarnessSection
    observation: Observation = Field(default_factory=Observation)
    services: ServiceObservation = Field(default_factory=ServiceObservation)
    deep_linking: DeepLinkObservation = Field(default_factory=DeepLinkObservation)
    secrets: Secrets = Field(default_factory=Secrets)
    tls: Tls = Field(default_factory=Tls)
    browser: BrowserSection = Field(default_factory=BrowserSection)
    path: str | None = Field(default=None, exclude=True)

    # --- the harness Platform's endpoints (what the vendor registers) ---
    @property
    def issuer(self) -> str:
        return self.harness.issuer or self.harness.base_url

    @property
    def auth_url(self) -> str:
        return self.harness.base_url + "/auth"

    @property
    def token_url(self) -> str:
        return self.harness.base_url + "/token"

    @property
    def jwks_url(self) -> str:
        return self.harness.base_url + "/jwks"

    @property
    def deep_link_return_url(self) -> str:
        return self.harness.base_url + "/deep_link/return"

    def nrps_url(self, context_id: str) -> str:
        return f"{self.harness.base_url}/nrps/{context_id}/memberships"

    def lineitems_url(self, context_id: str) -> str:
        return f"{self.harness.base_url}/ags/{context_id}/lineitems"

    @property
    def deep_link_target(self) -> str:
        return self.tool.deep_link_uri or self.tool.target_link_uri

    def tool_hosts(self) -> set[str]:
        """Hosts (host[:port]) a launch may legitimately visit on the Tool's side."""
        urls = [self.tool.login_url, self.tool.target_link_uri, self.deep_link_target, *self.tool.redirect_uris]
        hosts = {urlsplit(u).netloc.lower() for u in urls}
        return hosts | {h.lower() for h in self.observation.extra_hosts}

    def resolve_secrets(self, environ: dict[str, str] | None = None) -> tuple[dict[str, str], tuple[str, str] | None]:
        """(headers, basic auth) with ``${ENV_VAR}`` references resolved; missing vars are an error."""
        return self.secrets.resolve(self.path or "(inline)", environ)

    def describe(self) -> dict[str, Any]:
        """What a report may show: registration data and endpoints, never secrets or key material."""
        return {
            "kind": KIND,
            "tool": self.tool.name,
            "login_url": self.tool.login_url,
            "redirect_uris": list(self.tool.redirect_uris),
            "target_link_uri": self.tool.target_link_uri,
            "jwks_url": self.tool.jwks_url,
            "client_id": self.tool.client_id,
            "deployment_ids": list(self.tool.deployment_ids),
            "services": self.tool.services.model_dump(),
            "issuer": self.issuer,
            "harness_base_url": self.harness.base_url,
            "browser_engine": self.browser.engine,
        }


def parse_target(data: Any, source: str = "(inline)") -> ToolTargetConfig:
    """Validate a target mapping; errors name the file and the field."""
    return parse_config(ToolTargetConfig, data, source)


def load_target(path: str | Path) -> ToolTargetConfig:
    config = parse_target(read_target_file(path), str(path))
    anchor_paths(config.harness, Path(path).parent, config.tls)
    return config


def registration_text(target: Any) -> str:
    """What the vendor enters on the Tool's side to register the harness as a Platform.

    Accepts a ``ToolTargetConfig`` or anything with a ``config`` attribute holding one (the opened
    target), so the CLI can call it before or after opening.
    """
    config: ToolTargetConfig = getattr(target, "config", target)
    deployments = "\n".join(f"  - {d}" for d in config.tool.deployment_ids)
    return (
        "renkei LTI 1.3 Platform registration / プラットフォーム登録情報\n"
        f"Issuer (iss) / 発行者:                     {config.issuer}\n"
        f"Client ID / クライアントID:                {config.tool.client_id}\n"
        f"Deployment IDs / デプロイメントID:\n{deployments}\n"
        f"OIDC auth endpoint / 認可エンドポイント:   {config.auth_url}\n"
        f"Token endpoint / トークンエンドポイント:   {config.token_url}\n"
        f"Public keyset (JWKS) URL / 公開鍵セットURL: {config.jwks_url}\n"
        f"Deep Linking return URL / ディープリンク戻り先: {config.deep_link_return_url}\n"
        "Signing algorithm / 署名アルゴリズム:        RS256\n"
        "\n"
        "The Tool must be registered with these values before `renkei run --profile lti13-tool`;\n"
        "ツール側にこの値を登録してから実行してください。\n"
        "\n"
        + no_field_hints(TOOL_HINTS)
    )


TOOL_HINTS: list[tuple[str, str, str]] = [
    ("Deployment IDs / デプロイメントID",
     "the Tool then accepts every deployment_id; lti.tool.core.unknown_deployment reports that (a warning)",
     "ツールはどの deployment_id も受け付けることになり、lti.tool.core.unknown_deployment が警告します"),
    ("Public keyset URL (the Tool wants a pasted public key) / 公開鍵セットURL (公開鍵の貼り付けだけの場合)",
     *PEM_HINT),
    ("Token endpoint / トークンエンドポイント",
     "it is needed for NRPS and AGS only; set tool.services.nrps and tool.services.ags to false",
     "NRPS と AGS にだけ必要です。対象ファイルの tool.services の nrps と ags を false にしてください"),
    ("Deep Linking return URL / ディープリンク戻り先",
     "nothing to enter: every Deep Linking request carries it (deep_link_return_url)",
     "登録は不要です。ディープリンク要求ごとに deep_link_return_url として送ります"),
    ("Issuer (only a Platform URL field) / 発行者 (プラットフォームURLの欄だけの場合)",
     "enter the issuer above in it; renkei's issuer is its base URL unless harness.issuer says otherwise",
     "そこに上の発行者を入力してください。harness.issuer を指定しない限り、発行者はハーネスのベースURLです"),
]
