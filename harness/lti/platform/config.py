"""The ``lti-platform`` target file: which vendor Platform (学習eポータル) to test, and how.

A vendor writes one YAML file (see ``profiles/examples/platform.yaml``): the Platform's
registration data for the harness's Tool ([SEC §5.1]: issuer, client_id, deployment ids, OIDC
auth endpoint, token endpoint, JWKS URL), which LTI Advantage services it offers, how a launch is
started (``scripted``: one launch URL template per scenario, e.g. the mock's
``/launch?user=...&context=...``; ``hook``: a vendor command that prints a launch URL or drives a
real browser itself), and where the harness's own Tool side listens. Secrets appear only as
``${ENV_VAR}`` references and never reach ``describe()``. Observation limits (timeouts, body cap,
redirects, TLS) and the accepted/rejected rule for Deep Linking responses reuse the ``lti-tool``
target's ``Observation`` model, so both profiles read the same way.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

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

KIND = "lti-platform"
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
PLACEHOLDERS = ("client_id", "deployment_id", "issuer", "scenario")

# Launch scenarios the checks know [CERT §5.1-§5.4]. instructor/student are required.
INSTRUCTOR = "instructor"
STUDENT = "student"
INSTRUCTOR_NO_PII = "instructor_no_pii"
STUDENT_NO_PII = "student_no_pii"
DEEP_LINKING = "deep_linking"
STUDENT_OTHER_CONTEXT = "student_other_context"  # AGS: a second context [CERT §5.4]
SCENARIOS: tuple[str, ...] = (INSTRUCTOR, STUDENT, INSTRUCTOR_NO_PII, STUDENT_NO_PII, DEEP_LINKING,
                              STUDENT_OTHER_CONTEXT)

# The harness Tool side's fixed paths under harness.base_url (what the vendor registers).
PATH_LOGIN = "/login"
PATH_LAUNCH = "/launch"  # the one registered redirect URI and resource-link target_link_uri
PATH_DEEP_LINK = "/deep_link"  # target_link_uri for LtiDeepLinkingRequest
PATH_JWKS = "/jwks"
PATH_UNREGISTERED = "/unregistered-redirect"  # never registered: a platform must not post here


class PlatformSection(BaseModel):
    """Registration data the Platform gives the Tool [SEC §5.1, §5.1.1], [CORE §3.1.3]."""

    model_config = ConfigDict(extra="forbid")
    name: str = "platform under test"
    issuer: str
    client_id: str = Field(min_length=1, max_length=255)
    deployment_ids: DeploymentIds
    auth_url: str
    token_url: str | None = None
    jwks_url: str
    services: Services = Field(default_factory=Services)

    @field_validator("issuer", "auth_url", "token_url", "jwks_url")
    @classmethod
    def _url(cls, value: str | None, info: Any) -> str | None:
        return None if value is None else http_url(value, info.field_name)

    @field_validator("issuer")
    @classmethod
    def _issuer(cls, value: str) -> str:
        return value.rstrip("/")


    @model_validator(mode="after")
    def _token_for_services(self) -> PlatformSection:
        if (self.services.nrps or self.services.ags) and not self.token_url:
            raise ValueError("token_url is required when services.nrps or services.ags is true")
        return self


class Hook(BaseModel):
    """A vendor command (argv, no shell) that starts one launch; ``{scenario}``/``{arg}`` are replaced.

    If its last non-empty stdout line is an http(s) URL the harness opens it; otherwise the command
    is expected to drive a browser itself and the harness waits up to ``wait_seconds`` after it exits
    for the launch to reach its Tool side; a refused request that posts nothing back is therefore
    recognised only after ``wait_seconds``. ``timeout_seconds`` bounds the command itself.
    """

    model_config = ConfigDict(extra="forbid")
    command: list[str] = Field(min_length=1)
    timeout_seconds: float = Field(default=60.0, gt=0, le=600)
    wait_seconds: float = Field(default=30.0, ge=0, le=600)


class Launches(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mode: Literal["scripted", "hook"] = "scripted"
    scenarios: dict[str, str] = Field(default_factory=dict)  # scripted: URL template; hook: argument
    hook: Hook | None = None

    @field_validator("scenarios")
    @classmethod
    def _known(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(SCENARIOS))
        if unknown:
            raise ValueError(f"unknown scenario(s) {', '.join(unknown)}; known: {', '.join(SCENARIOS)}")
        for name in (INSTRUCTOR, STUDENT):
            if name not in value:
                raise ValueError(f"scenario {name!r} is required")
        return value

    @model_validator(mode="after")
    def _mode(self) -> Launches:
        if self.mode == "hook" and self.hook is None:
            raise ValueError("mode 'hook' needs a 'hook' section with a command")
        if self.mode == "scripted":
            for name, template in self.scenarios.items():
                for placeholder in _PLACEHOLDER.findall(template):
                    if placeholder not in PLACEHOLDERS:
                        raise ValueError(f"scenario {name!r}: unknown placeholder {{{placeholder}}} "
                                         f"(known: {', '.join(PLACEHOLDERS)})")
                http_url(_PLACEHOLDER.sub("x", template), f"scenarios.{name}")
        return self


class HarnessToolSection(BaseModel):
    """The harness's own Tool side: public URL the Platform reaches, where to listen, signing keys."""

    model_config = ConfigDict(extra="forbid")
    base_url: str
    listen: Listen = Field(default_factory=lambda: Listen(port=8720))
    keys_dir: str | None = None  # persistent keys (KeyStore); default: fresh keys per run

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        return http_url(value, "base_url").rstrip("/")


class PlatformTargetConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["lti-platform"] = KIND
    platform: PlatformSection
    launches: Launches
    harness: HarnessToolSection
    observation: Observation = Field(default_factory=Observation)  # DL accept/reject + browser limits
    secrets: Secrets = Field(default_factory=Secrets)
    tls: Tls = Field(default_factory=Tls)
    path: str | None = Field(default=None, exclude=True)

    # --- the harness Tool's endpoints (what the vendor registers on the Platform) ---
    @property
    def login_url(self) -> str:
        return self.harness.base_url + PATH_LOGIN

    @property
    def redirect_uri(self) -> str:
        return self.harness.base_url + PATH_LAUNCH

    @property
    def target_link_uri(self) -> str:
        return self.harness.base_url + PATH_LAUNCH

    @property
    def deep_link_url(self) -> str:
        return self.harness.base_url + PATH_DEEP_LINK

    @property
    def jwks_url(self) -> str:
        return self.harness.base_url + PATH_JWKS

    @property
    def unregistered_redirect_uri(self) -> str:
        return self.harness.base_url + PATH_UNREGISTERED

    def offers(self, scenario: str) -> bool:
        return scenario in self.launches.scenarios

    def launch_url(self, scenario: str) -> str:
        """The scenario's value (scripted: launch URL; hook: argument) with placeholders filled in."""
        values = {"client_id": self.platform.client_id, "deployment_id": self.platform.deployment_ids[0],
                  "issuer": self.platform.issuer, "scenario": scenario}
        return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), self.launches.scenarios[scenario])

    def platform_hosts(self) -> set[str]:
        """Hosts a launch may visit on the Platform's side."""
        p = self.platform
        urls = [p.issuer, p.auth_url, p.jwks_url, *([p.token_url] if p.token_url else [])]
        if self.launches.mode == "scripted":
            urls += [self.launch_url(s) for s in self.launches.scenarios]
        hosts = {urlsplit(u).netloc.lower() for u in urls}
        return hosts | {h.lower() for h in self.observation.extra_hosts}

    def resolve_secrets(self, environ: dict[str, str] | None = None) -> tuple[dict[str, str], tuple[str, str] | None]:
        """(headers, basic auth) with ``${ENV_VAR}`` references resolved; missing vars are an error."""
        return self.secrets.resolve(self.path or "(inline)", environ)

    def describe(self) -> dict[str, Any]:
        """What a report may show: registration data and endpoints, never secrets or key material."""
        p = self.platform
        return {
            "kind": KIND, "platform": p.name, "issuer": p.issuer, "client_id": p.client_id,
            "deployment_ids": list(p.deployment_ids), "auth_url": p.auth_url, "token_url": p.token_url,
            "jwks_url": p.jwks_url, "services": p.services.model_dump(), "launch_mode": self.launches.mode,
            "scenarios": sorted(self.launches.scenarios), "harness_base_url": self.harness.base_url,
        }


def parse_target(data: Any, source: str = "(inline)") -> PlatformTargetConfig:
    """Validate a target mapping; errors name the file and the field."""
    return parse_config(PlatformTargetConfig, data, source)


def load_target(path: str | Path) -> PlatformTargetConfig:
    config = parse_target(read_target_file(path), str(path))
    anchor_paths(config.harness, Path(path).parent, config.tls)
    return config


def registration_text(target: Any) -> str:
    """What the vendor enters in their Platform to register the harness as a Tool.

    Accepts a ``PlatformTargetConfig`` or anything with a ``config`` attribute holding one.
    """
    config: PlatformTargetConfig = getattr(target, "config", target)
    deployments = "\n".join(f"  - {d}" for d in config.platform.deployment_ids)
    services = config.platform.services
    wanted = [n for n, on in (("Deep Linking 2.0", services.deep_linking), ("NRPS 2.0", services.nrps),
                              ("AGS 2.0", services.ags)) if on]
    return (
        "renkei LTI 1.3 Tool registration / ツール登録情報\n"
        f"Client ID / クライアントID (expected):       {config.platform.client_id}\n"
        f"Deployment IDs / デプロイメントID (expected):\n{deployments}\n"
        f"OIDC login initiation URL / ログイン開始URL: {config.login_url}\n"
        f"Redirect URI / リダイレクトURI:             {config.redirect_uri}\n"
        f"Target link URI / 起動URL:                  {config.target_link_uri}\n"
        f"Deep Linking URL / ディープリンクURL:       {config.deep_link_url}\n"
        f"Public keyset (JWKS) URL / 公開鍵セットURL: {config.jwks_url}\n"
        "Signing algorithm / 署名アルゴリズム:        RS256\n"
        f"Services / サービス:                        {', '.join(wanted) or 'LTI Core only'}\n"
        "\n"
        "Register exactly one redirect URI; other URIs under the same host must stay unregistered\n"
        "(the harness checks that the Platform refuses them).\n"
        "リダイレクトURIは上記1件のみ登録してください (未登録URIが拒否されることを検査します)。\n"
        "\n"
        + no_field_hints(PLATFORM_HINTS)
    )


PLATFORM_HINTS: list[tuple[str, str, str]] = [
    ("Redirect URIs (only a launch URL field) / リダイレクトURI (起動URLの欄だけの場合)",
     "enter the target link URI above; renkei's redirect URI is the same URL, so one field is enough",
     "上の起動URLを入力してください。ハーネスのリダイレクトURIは同じURLなので、1つの欄で足ります"),
    ("A second redirect URI (only one allowed) / 2件目のリダイレクトURI (1件しか登録できない場合)",
     "register only the redirect URI above; it is the only one renkei uses",
     "上のリダイレクトURIだけを登録してください。ハーネスが使うのはこの1件だけです"),
    ("Deep Linking URL / ディープリンクURL",
     "leave it out; Deep Linking requests then arrive at the launch URL, where renkei accepts them too",
     "省略してください。ディープリンク要求は起動URLに届き、ハーネスはそこでも受け付けます"),
    ("Public keyset URL (the Platform wants a pasted public key) / 公開鍵セットURL (公開鍵の貼り付けだけの場合)",
     *PEM_HINT),
    ("The Tool's public key at all (neither URL nor PEM) / ツールの公開鍵 (URL も PEM も入力できない)",
     "Deep Linking responses and service tokens cannot be verified: set platform.services deep_linking, nrps "
     "and ags to false (Core launches are still tested)",
     "ディープリンク応答とサービス用トークンを検証できないため、platform.services の deep_linking・nrps・ags を "
     "false にしてください (Core の起動は検査します)"),
    ("OIDC login initiation URL / ログイン開始URL",
     "the Platform cannot make an LTI 1.3 launch, which always uses OIDC (CERT §4.2.1): a conformance gap, "
     "not a setup choice",
     "LTI 1.3 の起動は必ず OIDC を使うため (CERT §4.2.1)、起動できません。設定ではなく適合性の問題です"),
    ("client_id / deployment ID (the Platform assigns them) / client_id・デプロイメントID (プラットフォームが発行する場合)",
     "copy the values it assigned into platform.client_id and platform.deployment_ids of the target file",
     "発行された値を対象ファイルの platform.client_id と platform.deployment_ids に書き写してください"),
]
