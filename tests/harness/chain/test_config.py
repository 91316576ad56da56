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


def test_a_vendor_app_needs_fixed_mock_ports(tmp_path: Path) -> None:
    app = "positions: {app: {target: tool.yaml, lrs_client: {key: k, secret: '${S}'}}}\n"
    with pytest.raises(ConfigError, match="listen.eportal, listen.lrs"):
        load_target(_file(tmp_path, "kind: chain\n" + app))
    config = load_target(_file(tmp_path, "kind: chain\nmocks: {listen: {eportal: 8401, lrs: 8404}}\n" + app))
    assert config.positions.app.target == str((tmp_path / "tool.yaml").resolve())  # type: ignore[union-attr]
    with pytest.raises(ConfigError, match="secret must be a"):
        load_target(_file(tmp_path, "kind: chain\nmocks: {listen: {eportal: 1, lrs: 2}}\n"
                                    "positions: {app: {target: t.yaml, lrs_client: {key: k, secret: plain}}}\n"))


def test_csv_exports_are_pushed(tmp_path: Path) -> None:
    bundles = "positions: {school_affairs: {bundles: {start: a.zip, year_advance: b.zip, changes: c.zip}}}\n"
    with pytest.raises(ConfigError, match="import: csv"):
        load_target(_file(tmp_path, "kind: chain\n" + bundles))
    config = load_target(_file(tmp_path, "kind: chain\nmocks: {import: csv}\n" + bundles))
    assert config.positions.school_affairs.bundles.changes == str((tmp_path / "c.zip").resolve())  # type: ignore[union-attr]
    assert config.describe()["positions"]["school_affairs"] == "vendor"


def test_a_missing_export_is_named(tmp_path: Path) -> None:
    path = _file(tmp_path, "kind: chain\nmocks: {import: csv}\n"
                           "positions: {school_affairs: {bundles: {start: a.zip, year_advance: b.zip, changes: c.zip}}}\n")
    with pytest.raises(ConfigError, match="bundles.start: .*a.zip: the bundle does not exist"):
        open_target(str(path), {})


EPORTAL = ("positions: {eportal: {target: platform.yaml, launch_url: 'https://ep.test/launch?u={user}&c={context}',"
           " import: {mode: hook, command: [./import.sh, '{base_url}']}}}\n")


def test_a_vendor_eportal_needs_the_mock_apps_port_and_known_placeholders(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="mocks.listen.app"):
        load_target(_file(tmp_path, "kind: chain\n" + EPORTAL))
    config = load_target(_file(tmp_path, "kind: chain\nmocks: {listen: {app: 8402}}\n" + EPORTAL))
    assert config.positions.eportal.target == str((tmp_path / "platform.yaml").resolve())  # type: ignore[union-attr]
    with pytest.raises(ConfigError, match=r"unknown placeholder \{school\}"):
        load_target(_file(tmp_path, "kind: chain\nmocks: {listen: {app: 8402}}\n"
                                    + EPORTAL.replace("{context}", "{school}")))
    with pytest.raises(ConfigError, match="import.url is required"):
        load_target(_file(tmp_path, "kind: chain\nmocks: {listen: {app: 8402}}\n"
                                    + EPORTAL.replace("mode: hook", "mode: scripted")))


def test_two_vendor_products_that_need_renkei_between_them_are_refused(tmp_path: Path) -> None:
    text = ("kind: chain\nmocks: {listen: {app: 1, eportal: 2, lrs: 3}}\npositions:\n"
            "  eportal: {target: platform.yaml, launch_url: 'https://ep.test/launch?u={user}',"
            " import: {mode: hook, command: [./import.sh]}}\n"
            "  app: {target: tool.yaml, lrs_client: {key: k, secret: '${S}'}}\n")
    with pytest.raises(ConfigError, match="swap one position at a time"):
        load_target(_file(tmp_path, text))


def test_a_crashed_scenario_runs_once_and_leaves_the_other_checks_not_evaluated(tmp_path: Path, monkeypatch) -> None:
    from renkei.harness.chain import target as target_module
    from renkei.harness.core.breaker import PeerUnavailable

    runs = []

    def crash(self):  # noqa: ANN001
        runs.append(1)
        raise KeyError("boom")

    monkeypatch.setattr(target_module.ChainScenario, "run", crash)
    opened = open_target(str(_file(tmp_path, "kind: chain\nmocks: {roster: {students_per_grade: 2}}\n")), {})
    try:
        with pytest.raises(KeyError):
            opened.observation()
        with pytest.raises(PeerUnavailable, match="the scenario stopped: KeyError"):
            opened.observation()
    finally:
        opened.close()
    assert runs == [1]
