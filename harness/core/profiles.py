"""Profiles are data: YAML files in ``profiles/`` selecting checks, severities and parameters.

A profile may ``extend`` another and only tighten it (a Japanese profile is a restriction of the
base standard). Unknown check ids are an error: a check that does not exist cannot be listed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

import renkei.profiles
from renkei.harness.core.bounded import read_yaml_file
from renkei.harness.core.errors import ConfigError
from renkei.harness.core.model import Severity, Text
from renkei.harness.core.registry import REGISTRY, CheckDef, Registry

# The shipped profiles are package data (``renkei.profiles``), so a wheel finds them wherever it is installed.
PROFILES_DIR = Path(renkei.profiles.__file__).resolve().parent


class CheckSelection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str  # exact id or glob
    severity: Severity | None = None
    params: dict[str, Any] = Field(default_factory=dict)


class Profile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    title: Text
    standard: str
    version: str  # version string of the standard/profile document, e.g. "1.2.1"
    source: str  # the document it comes from (title, date, URL)
    source_ja: str | None = None  # the same in Japanese, where the document is Japanese (shown in ja reports)
    kind: str
    extends: str | None = None
    description: Text | None = None
    notes: list[Text] = Field(default_factory=list)  # limitations / disputed rules, shown in reports
    params: dict[str, Any] = Field(default_factory=dict)
    checks: list[str | CheckSelection] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)
    path: str | None = None


@dataclass(frozen=True)
class ResolvedCheck:
    definition: CheckDef
    severity: Severity
    params: dict[str, Any]

    @property
    def id(self) -> str:
        return self.definition.id

    @property
    def requirement(self) -> str:
        """The requirement as this profile's document cites it (``CheckDef.cite``)."""
        return self.definition.requirement_for(self.params)


def _search_dirs() -> list[Path]:
    extra = [Path(p) for p in os.environ.get("RENKEI_PROFILE_PATH", "").split(os.pathsep) if p]
    return [*extra, PROFILES_DIR]


def _read(path: Path) -> Profile:
    data = read_yaml_file(path, "profile")
    if not isinstance(data, dict):
        raise ConfigError(f"profile {path}: expected a mapping at the top level")
    try:
        return Profile(**data, path=str(path))
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise ConfigError(f"profile {path}: field {where}: {err['msg']}") from None


@cache
def _all_profiles() -> dict[str, Profile]:
    found: dict[str, Profile] = {}
    for directory in reversed(_search_dirs()):  # earlier dirs override later ones
        if directory.is_dir():
            for path in sorted(directory.glob("*.yaml")):
                # A vendor's folder also holds target and expected-failures files: only files that
                # look like profiles (id + kind) are read, and those strictly.
                if directory != PROFILES_DIR and not _looks_like_profile(path):
                    continue
                profile = _read(path)
                found[profile.id] = profile
    return found


def _looks_like_profile(path: Path) -> bool:
    try:
        data = read_yaml_file(path, "profile")
    except ConfigError:  # not readable as YAML (or a FIFO, a device, an oversized file): not a profile
        return False
    return isinstance(data, dict) and "id" in data and "kind" in data and ("checks" in data or "extends" in data)


def list_profiles() -> list[Profile]:
    return sorted(_all_profiles().values(), key=lambda p: p.id)


def load_profile(ref: str) -> Profile:
    """A profile by id, or by path to a YAML file."""
    if ref.endswith((".yaml", ".yml")) or os.sep in ref:  # a path: read it (or say why it cannot be)
        return _read(Path(ref))
    profiles = _all_profiles()
    if ref not in profiles:
        known = ", ".join(sorted(profiles)) or "none"
        raise ConfigError(f"unknown profile {ref!r} (known: {known})")
    return profiles[ref]


def merged_params(profile: Profile) -> dict[str, Any]:
    """Profile parameters with those of its ancestors underneath."""
    chain = _chain(profile)
    params: dict[str, Any] = {}
    for p in chain:
        params.update(p.params)
    return params


def _chain(profile: Profile) -> list[Profile]:
    chain = [profile]
    seen = {profile.id}
    while chain[0].extends:
        parent = load_profile(chain[0].extends)
        if parent.id in seen:
            raise ConfigError(f"profile {profile.id}: 'extends' forms a cycle at {parent.id}")
        seen.add(parent.id)
        chain.insert(0, parent)
    return chain


def resolve(profile: Profile, registry: Registry = REGISTRY) -> list[ResolvedCheck]:
    """The ordered checks a profile runs, with its severities and parameters applied."""
    selected: dict[str, ResolvedCheck] = {}
    for p in _chain(profile):
        for raw in p.checks:
            sel = CheckSelection(id=raw) if isinstance(raw, str) else raw
            matches = registry.match(sel.id, kind=profile.kind)
            if not matches:
                raise ConfigError(
                    f"profile {p.id} ({p.path}): no {profile.kind} check matches {sel.id!r}"
                )
            for d in matches:
                prev = selected.get(d.id)
                selected[d.id] = ResolvedCheck(
                    definition=d,
                    severity=sel.severity or (prev.severity if prev else d.severity),
                    params={**(prev.params if prev else {}), **sel.params},
                )
        for pattern in p.exclude:
            excluded = registry.match(pattern, kind=profile.kind)
            if not excluded:
                raise ConfigError(f"profile {p.id} ({p.path}): exclude {pattern!r} matches no {profile.kind} check")
            for d in excluded:
                selected.pop(d.id, None)
    base = merged_params(profile)
    return [
        ResolvedCheck(r.definition, r.severity, {**r.definition.params, **base, **r.params})
        for r in selected.values()
    ]
