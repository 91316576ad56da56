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

Nothing in it is secret; ``describe()`` shows it all.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from renkei.harness.lti.protocol.target_file import parse_config, read_target_file

KIND = "chain"
PII_VARIANTS = ("full", "names", "email", "none")
ROSTER_PROFILES = ("oneroster12-csv-jpk12", "oneroster12-csv-japan", "oneroster12-csv-eportal")


class Positions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    school_affairs: Literal["mock"] = "mock"
    eportal: Literal["mock"] = "mock"
    lrs: Literal["mock"] = "mock"
    app: Literal["mock"] = "mock"

    def mocked(self) -> list[str]:
        return [k for k in ("school_affairs", "eportal", "lrs", "app") if getattr(self, k) == "mock"]


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
    path: str | None = Field(default=None, exclude=True)

    def describe(self) -> dict[str, Any]:
        positions = {k: getattr(self.positions, k) for k in ("school_affairs", "eportal", "lrs", "app")}
        mocks = self.mocks
        return {"kind": KIND, "name": self.name, "positions": positions, "roster_import": mocks.import_,
                "mock_roster": mocks.roster.generator_arguments(),
                "mock_faults": {"eportal": list(mocks.eportal_faults), "app": list(mocks.app_faults)},
                "scenario": self.scenario.model_dump()}


def load_target(path: str | Path) -> ChainTargetConfig:
    return parse_config(ChainTargetConfig, read_target_file(path), str(path))
