"""The chain target file: errors name the file and the field; only what is implemented is accepted."""

from __future__ import annotations

from pathlib import Path

import pytest

from renkei.harness.chain.config import load_target
from renkei.harness.chain.target import open_target
from renkei.harness.core.errors import ConfigError


def _file(tmp: Path, text: str) -> Path:
    path = tmp / "chain.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_example_file_loads() -> None:
    config = load_target(Path(__file__).resolve().parents[3] / "profiles" / "examples" / "chain.yaml")
    assert config.positions.mocked() == ["school_affairs", "eportal", "lrs", "app"]
    assert config.describe()["roster_import"] == "rest"


@pytest.mark.parametrize(("text", "field"), [
    ("kind: chain\nscenario: {pii_variants: [none]}\n", "scenario.pii_variants"),
    ("kind: chain\nmocks: {import: ftp}\n", "mocks.import"),
    ("kind: chain\npositions: {app: vendor-app.yaml}\n", "positions.app"),
    ("kind: chain\nmocks: {roster: {schools: 2}}\n", "mocks.roster.schools"),
    ("kind: chain\nsurprise: 1\n", "surprise"),
])
def test_a_bad_field_is_named(tmp_path: Path, text: str, field: str) -> None:
    with pytest.raises(ConfigError, match=f"field {field}"):
        load_target(_file(tmp_path, text))


def test_a_target_that_is_no_yaml_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="a chain target is a YAML file"):
        open_target(str(tmp_path / "roster.zip"), {})


def test_an_unknown_identifier_rule_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="identifier"):
        open_target(str(_file(tmp_path, "kind: chain\n")), {"identifier": "username"})
