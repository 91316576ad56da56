"""The ``chain`` target file: who takes each of the four positions, and how the scenario runs.

    kind: chain
    name: 青葉市の連携テスト
    positions:                       # mock: renkei's mock takes the position
      school_affairs: mock           # 校務支援システム (roster source)
      eportal: mock                  # 学習eポータル (roster consumer, LTI Platform)
      lrs: mock                      # the e-portal's LRS (study logs)
      app: mock                      # 学習アプリ (LTI Tool, xAPI sender)
    mocks:                           # how renkei's mocks behave
      roster: {schools: 3, students_per_grade: 8, school_year: 2026, seed: 2026}
      import: rest                   # rest: the e-portal pulls OneRoster REST; csv: renkei pushes a bulk CSV
      eportal_faults: []             # deliberate faults (red runs), see the mocks' FAULTS
      app_faults: []
    scenario:
      classes_per_school: 3          # homerooms sampled per school (spread over the grades, the top one included)
      learners_per_class: 2
      teachers_per_school: 1
      pii_variants: [full, names, none]   # learners' launches rotate through these
      refusals: 2                    # launches tried per kind of refusal (last year's class ...)
    observation:
      timeout_seconds: 20            # one HTTP exchange
      xapi_wait_seconds: 30          # how long the app's study logs may take to reach the LRS
      xapi_idle_seconds: 1.5         # ... they have all arrived once the LRS was quiet this long

A vendor's product takes a position by its own files: ``school_affairs: {name, bundles: {start,
year_advance, changes}}`` (its OneRoster CSV exports at the three moments, ``mocks.import: csv``) or
``school_affairs: {name, target: rest-provider.yaml, events: {...}}`` (its ``oneroster-rest-provider`` target
file, pulled by the mock e-portal, and a hook per school-year event, see ``provider_config``) or
``app: {target: tool.yaml, lrs_client: {key, secret: ${ENV}}}`` (its ``lti-tool`` target file, with
``mocks.listen`` fixing the ports of the mock e-portal and LRS it is configured with), ``eportal: {target:
platform.yaml, launch_url, import, home_page, nrps}`` (its ``lti-platform`` target file, how launches and its
roster import are started, renkei's NRPS reader there) or ``lrs: {target: lrs.yaml}`` (its ``xapi-lrs``
target file). Secrets are ``${ENV}`` references (here and in those files) and are scrubbed from every output.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator, model_validator

from renkei.harness.chain.provider_config import ProviderPosition
from renkei.harness.lti.protocol.http import http_url
from renkei.harness.lti.protocol.target_file import ENV_REF, Tls, parse_config, read_target_file

KIND = "chain"
PII_VARIANTS = ("full", "names", "email", "none")
ROSTER_PROFILES = ("oneroster12-csv-jpk12", "oneroster12-csv-japan", "oneroster12-csv-eportal")


class BundlePaths(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: str  # 年度当初
    year_advance: str  # after 年次更新
    changes: str  # after the mid-year events (a 転出・転入, a name correction, a class change, a pupil leaving)


class BundlesPosition(BaseModel):
    """A vendor 校務支援 by its OneRoster CSV exports at the scenario's three moments (paths relative to the
    target file); renkei pushes each to the e-portal and reads the school year from their differences."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(default="校務支援システム (CSV)", max_length=200)
    bundles: BundlePaths


class LrsClient(BaseModel):
    """The credentials a vendor's app reports to renkei's mock LRS with (it is configured with them)."""

    model_config = ConfigDict(extra="forbid")
    key: str = Field(min_length=1, max_length=200, pattern=r"^[^:]+$")
    secret: str

    @field_validator("secret")
    @classmethod
    def _ref(cls, value: str) -> str:
        if not ENV_REF.match(value):
            raise ValueError("secret must be a ${ENV_VAR} reference; secrets are never written in target files")
        return value


class AppPosition(BaseModel):
    """A vendor's 学習アプリ by its ``lti-tool`` target file (its tool section: client_id, deployment ids,
    login and redirect URLs, JWKS; its observation: how an accepted launch looks)."""

    model_config = ConfigDict(extra="forbid")
    target: str
    lrs_client: LrsClient


IMPORT_PLACEHOLDERS = ("base_url", "token_url", "client_id", "client_secret", "bundle")
LAUNCH_PLACEHOLDERS = ("user", "context", "pii", "client_id")
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _known(texts: list[str], known: tuple[str, ...], where: str) -> None:
    for text in texts:
        unknown = [p for p in _PLACEHOLDER.findall(text) if p not in known]
        if unknown:
            raise ValueError(f"{where}: unknown placeholder {{{unknown[0]}}} (known: {', '.join(known)})")


class ImportTrigger(BaseModel):
    """How a vendor e-portal's roster import is started, as in ``oneroster12-rest-consumer``: one HTTP request
    (``scripted``) or a command (``hook``: a script, or one that asks a person, for an import that needs one).
    ``{base_url}`` ``{token_url}`` ``{client_id}`` ``{client_secret}`` (the mock 校務支援's REST) and ``{bundle}``
    (the CSV export, for a push) are filled in."""

    model_config = ConfigDict(extra="forbid")
    mode: Literal["scripted", "hook"] = "scripted"
    url: str | None = None
    method: Literal["GET", "POST"] = "POST"
    body: dict[str, Any] | None = None
    command: list[str] | None = None
    wait_seconds: float = Field(default=120.0, gt=0, le=3600)  # the trigger or the command must end within this
    settle_seconds: float = Field(default=0.0, ge=0, le=600)  # ... and the import is done this long after

    @model_validator(mode="after")
    def _mode(self) -> ImportTrigger:
        if self.mode == "scripted":
            if not self.url:
                raise ValueError("import.url is required with mode: scripted")
            http_url(self.url, "import.url")
        elif not self.command:
            raise ValueError("import.command (a command as a list) is required with mode: hook")
        _known([*(self.command or []), *_strings(self.body)], IMPORT_PLACEHOLDERS, "import")
        return self


class NrpsReader(BaseModel):
    """renkei registered at the vendor e-portal as a Tool that reads NRPS memberships (a client id and the
    public key of ``key_file``), as ``oneroster12-rest-consumer``'s ``exposes_nrps``."""

    model_config = ConfigDict(extra="forbid")
    token_url: str
    client_id: str
    deployment_id: str
    key_file: str  # PEM RSA private key; its public key is in the registration
    kid: str | None = None
    memberships_url: str  # {context} is replaced by the class sourcedId

    @model_validator(mode="after")
    def _urls(self) -> NrpsReader:
        http_url(self.token_url, "nrps.token_url")
        if "{context}" not in self.memberships_url:
            raise ValueError("nrps.memberships_url must contain {context} (the class sourcedId)")
        http_url(self.memberships_url.replace("{context}", "x"), "nrps.memberships_url")
        return self


class EportalPosition(BaseModel):
    """A vendor's 学習eポータル by its ``lti-platform`` target file (its platform section is what the mock app is
    registered as there), how a launch and the roster import are started, and renkei's NRPS reader there."""

    model_config = ConfigDict(extra="forbid")
    target: str
    launch_url: str  # {user} (sourcedId), {context} (class sourcedId), {pii}, {client_id}
    import_: ImportTrigger = Field(alias="import")
    home_page: str | None = None  # the xAPI account homePage of its learners (default: its issuer)
    nrps: NrpsReader | None = None

    @model_validator(mode="after")
    def _template(self) -> EportalPosition:
        _known([self.launch_url], LAUNCH_PLACEHOLDERS, "launch_url")
        http_url(_PLACEHOLDER.sub("x", self.launch_url), "launch_url")
        if self.home_page:
            http_url(self.home_page, "home_page")
        return self


class LrsPosition(BaseModel):
    """A vendor's LRS by its ``xapi-lrs`` target file: renkei reads with its credentials, and the mock app
    reports with them."""

    model_config = ConfigDict(extra="forbid")
    target: str


def _who(value: Any) -> str:
    return "mock" if isinstance(value, str) else "vendor"


def _school_affairs(value: Any) -> str:
    """A vendor 校務支援 by its CSV exports (``vendor``) or by its REST provider's target file (``provider``)."""
    if isinstance(value, str):
        return "mock"
    return "provider" if isinstance(value, ProviderPosition) or (isinstance(value, dict) and "target" in value) \
        else "vendor"


# "mock", or a mapping naming the vendor's product (an error then names the vendor section's field)
SchoolAffairsPosition = Annotated[Annotated[Literal["mock"], Tag("mock")] | Annotated[BundlesPosition, Tag("vendor")]
                                  | Annotated[ProviderPosition, Tag("provider")], Discriminator(_school_affairs)]
EportalPositionField = Annotated[Annotated[Literal["mock"], Tag("mock")] | Annotated[EportalPosition, Tag("vendor")],
                                 Discriminator(_who)]
LrsPositionField = Annotated[Annotated[Literal["mock"], Tag("mock")] | Annotated[LrsPosition, Tag("vendor")],
                             Discriminator(_who)]
AppPositionField = Annotated[Annotated[Literal["mock"], Tag("mock")] | Annotated[AppPosition, Tag("vendor")],
                             Discriminator(_who)]


class Positions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    school_affairs: SchoolAffairsPosition = "mock"
    eportal: EportalPositionField = "mock"
    lrs: LrsPositionField = "mock"
    app: AppPositionField = "mock"

    def mocked(self) -> list[str]:
        return [k for k in ("school_affairs", "eportal", "lrs", "app") if getattr(self, k) == "mock"]


class Listen(BaseModel):
    """Fixed ports of the mocks a vendor's product must be configured with (0: any free port)."""

    model_config = ConfigDict(extra="forbid")
    eportal: int = Field(default=0, ge=0, le=65535)
    lrs: int = Field(default=0, ge=0, le=65535)
    app: int = Field(default=0, ge=0, le=65535)
    school_affairs: int = Field(default=0, ge=0, le=65535)

    def ports(self) -> dict[str, int]:
        return {k: v for k, v in self.model_dump().items() if v}


class MockRoster(BaseModel):
    """The generated roster of the mock 校務支援 (a municipality: 小学校 and 中学校 alternate)."""

    model_config = ConfigDict(extra="forbid")
    profile: Literal["oneroster12-csv-jpk12", "oneroster12-csv-japan", "oneroster12-csv-eportal"] = \
        "oneroster12-csv-jpk12"
    municipalities: int = Field(default=1, ge=1, le=20)
    schools: int = Field(default=3, ge=3, le=100)  # per municipality; three give two 小学校 for a 転出・転入
    students_per_grade: int = Field(default=8, ge=2, le=400)
    school_year: int = Field(default=2026, ge=2000, le=2100)
    seed: int = 2026

    def generator_arguments(self) -> dict[str, Any]:
        return {"profile": self.profile, "municipalities": self.municipalities,
                "schools_per_municipality": self.schools, "students_per_grade": self.students_per_grade,
                "school_year": self.school_year, "seed": self.seed}


class Mocks(BaseModel):
    model_config = ConfigDict(extra="forbid")
    roster: MockRoster = Field(default_factory=MockRoster)
    import_: Literal["rest", "csv"] = Field(default="rest", alias="import")
    eportal_faults: list[str] = Field(default_factory=list)
    app_faults: list[str] = Field(default_factory=list)
    nrps_pii: bool = True  # the e-portal's NRPS gives the app names and mail (its registration setting)
    listen: Listen = Field(default_factory=Listen)


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid")
    classes_per_school: int = Field(default=3, ge=2, le=50)
    learners_per_class: int = Field(default=2, ge=1, le=50)
    teachers_per_school: int = Field(default=1, ge=1, le=20)
    pii_variants: list[Literal["full", "names", "email", "none"]] = Field(
        default_factory=lambda: ["full", "names", "none"], min_length=1)
    refusals: int = Field(default=2, ge=1, le=20)

    @field_validator("pii_variants")
    @classmethod
    def _full_first(cls, value: list[str]) -> list[str]:
        if "full" not in value:
            raise ValueError("pii_variants must include full (a name correction is only seen in a launch with names)")
        return value


class Observation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    timeout_seconds: float = Field(default=20.0, gt=0, le=300)
    max_body_bytes: int = Field(default=8_000_000, ge=4096, le=256_000_000)
    xapi_wait_seconds: float = Field(default=30.0, ge=0, le=600)
    xapi_idle_seconds: float = Field(default=1.5, gt=0, le=60)


class ChainTargetConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["chain"] = KIND
    name: str = Field(default="chain under test", max_length=200)
    positions: Positions = Field(default_factory=Positions)
    mocks: Mocks = Field(default_factory=Mocks)
    scenario: Scenario = Field(default_factory=Scenario)
    observation: Observation = Field(default_factory=Observation)
    tls: Tls = Field(default_factory=Tls)  # how renkei trusts a vendor product's certificates (tls.ca_file)
    path: str | None = Field(default=None, exclude=True)

    @model_validator(mode="after")
    def _wiring(self) -> ChainTargetConfig:
        p, m = self.positions, self.mocks
        if isinstance(p.school_affairs, BundlesPosition) and m.import_ == "rest":
            raise ValueError("mocks.import: a 校務支援 given by its CSV exports is pushed to the e-portal (import: csv)")
        if isinstance(p.school_affairs, ProviderPosition) and m.import_ == "csv":
            raise ValueError("mocks.import: a 校務支援 given by its REST provider is pulled by the e-portal (import: rest)")
        if isinstance(p.app, AppPosition) and not ((m.listen.eportal or p.eportal != "mock")
                                                   and (m.listen.lrs or p.lrs != "mock")):
            raise ValueError("mocks.listen: a vendor's app is configured with the mock e-portal's issuer and the mock "
                             "LRS's endpoint, so both need fixed ports (listen.eportal, listen.lrs)")
        if isinstance(p.eportal, EportalPosition) and p.app == "mock" and not m.listen.app:
            raise ValueError("mocks.listen.app: a vendor's e-portal registers the mock app's URLs, so it needs a "
                             "fixed port")
        if isinstance(p.eportal, EportalPosition) and isinstance(p.app, AppPosition):
            raise ValueError("positions: a vendor e-portal and a vendor app together leave renkei no position to "
                             "wire them (swap one position at a time)")
        return self

    def describe(self) -> dict[str, Any]:
        positions = {k: v if isinstance(v := getattr(self.positions, k), str) else "vendor"
                     for k in ("school_affairs", "eportal", "lrs", "app")}
        mocks = self.mocks
        return {"kind": KIND, "name": self.name, "positions": positions, "roster_import": mocks.import_,
                "mock_roster": mocks.roster.generator_arguments(),
                "mock_faults": {"eportal": list(mocks.eportal_faults), "app": list(mocks.app_faults)},
                "scenario": self.scenario.model_dump()}


def load_target(path: str | Path) -> ChainTargetConfig:
    """The target file; a vendor position's files are relative to it."""
    config = parse_config(ChainTargetConfig, read_target_file(path), str(path))
    base = Path(path).resolve().parent

    def anchored(value: str) -> str:
        return value if Path(value).is_absolute() else str((base / value).resolve())

    p = config.positions
    if isinstance(p.school_affairs, BundlesPosition):
        b = p.school_affairs.bundles
        b.start, b.year_advance, b.changes = anchored(b.start), anchored(b.year_advance), anchored(b.changes)
    if isinstance(p.school_affairs, ProviderPosition):
        p.school_affairs.target = anchored(p.school_affairs.target)
    if isinstance(p.app, AppPosition):
        p.app.target = anchored(p.app.target)
    if isinstance(p.eportal, EportalPosition):
        p.eportal.target = anchored(p.eportal.target)
        if p.eportal.nrps:
            p.eportal.nrps.key_file = anchored(p.eportal.nrps.key_file)
    if isinstance(p.lrs, LrsPosition):
        p.lrs.target = anchored(p.lrs.target)
    if config.tls.ca_file:
        config.tls.ca_file = anchored(config.tls.ca_file)
    return config
