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


def test_the_rest_provider_example_loads_with_a_hook_for_every_event() -> None:
    from renkei.harness.chain.provider_config import EVENTS, ProviderPosition

    examples = Path(__file__).resolve().parents[3] / "profiles" / "examples"
    position = load_target(examples / "chain-vendor-rest.yaml").positions.school_affairs
    assert isinstance(position, ProviderPosition) and position.target == str(examples / "rest-provider.yaml")
    assert sorted(position.events.hooks()) == sorted(EVENTS)


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


# -- a 校務支援 by its OneRoster REST provider --------------------------------------------------------

PROVIDER = ("positions:\n  school_affairs:\n    target: rest-provider.yaml\n    events:\n"
            "      secrets: {headers: {Authorization: '${SIS_ADMIN}'}}\n"
            "      year_advance: {url: 'http://127.0.0.1:9/admin/year-advance'}\n"
            "      transfer: {url: 'http://127.0.0.1:9/admin/transfer', body: {user: '{user}', toSchool: '{to_school}'}}\n"
            "      leave: {mode: hook, command: [./leave.sh, '{user}', '{enrollment}']}\n")


def _one_line_error(tmp: Path, text: str, match: str) -> str:
    with pytest.raises(ConfigError, match=match) as caught:
        load_target(_file(tmp, "kind: chain\n" + text))
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message
    return message


def test_a_rest_provider_position_loads_with_its_hooks(tmp_path: Path) -> None:
    from renkei.harness.chain.provider_config import ProviderPosition

    config = load_target(_file(tmp_path, "kind: chain\n" + PROVIDER))
    position = config.positions.school_affairs
    assert isinstance(position, ProviderPosition)
    assert position.target == str((tmp_path / "rest-provider.yaml").resolve())
    assert sorted(position.events.hooks()) == ["leave", "transfer", "year_advance"]
    assert config.describe()["positions"]["school_affairs"] == "vendor"


@pytest.mark.parametrize(("change", "match"), [
    (("url: 'http://127.0.0.1:9/admin/transfer', ", ""), r"field positions\.school_affairs\.provider\.events: "
                                                         r"transfer\.url is required with mode: scripted"),
    (("[./leave.sh, '{user}', '{enrollment}']", "[]"), r"leave\.command \(a command as a list\) is required with "
                                                        "mode: hook"),
    (("'{to_school}'", "'{to_class}'"), r"transfer: unknown placeholder \{to_class\} \(known for transfer: \{user\}"),
    (("http://127.0.0.1:9/admin/year-advance", "ftp://127.0.0.1/x"), r"year_advance\.url must be an absolute "
                                                                       r"http\(s\) URL"),
    (("{url: 'http://127.0.0.1:9/admin/year-advance'}", "{url: 'http://127.0.0.1:9/y', method: FETCH}"),
     r"events\.year_advance\.method"),
    (("mode: hook, command", "mode: hook, url: 'http://127.0.0.1:9/x', command"), r"leave\.url and leave\.body go "
                                                                                  "with mode: scripted"),
    (("'${SIS_ADMIN}'", "'Bearer abc'"), r"headers\.Authorization must be a \$\{ENV_VAR\} reference; secrets are "
                                         "never written in target files"),
    (("year_advance:", "new_year:"), r"events\.new_year"),
])
def test_a_bad_school_year_hook_is_one_clear_line(tmp_path: Path, change: tuple[str, str], match: str) -> None:
    assert change[0] in PROVIDER
    _one_line_error(tmp_path, PROVIDER.replace(*change), match)


def test_a_rest_provider_is_pulled_not_pushed(tmp_path: Path) -> None:
    _one_line_error(tmp_path, "mocks: {import: csv}\n" + PROVIDER, "a 校務支援 given by its REST provider is pulled")


def _provider_file(tmp: Path, secret: str = "${SIS_SECRET}", path: str = "/ims/oneroster/rostering/v1p2") -> None:
    (tmp / "rest-provider.yaml").write_text(
        "kind: oneroster-rest-provider\nprovider: {base_url: 'http://127.0.0.1:9', token_url: "
        f"'http://127.0.0.1:9/oauth/token', client_id: '${{SIS_ID}}', client_secret: '{secret}', "
        f"rostering_path: '{path}'}}\n", encoding="utf-8")


def _open_error(tmp: Path, match: str) -> str:
    with pytest.raises(ConfigError, match=match) as caught:
        open_target(str(_file(tmp, "kind: chain\n" + PROVIDER)), {})
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_a_missing_provider_target_file_is_named(tmp_path: Path) -> None:
    message = _open_error(tmp_path, r"^positions\.school_affairs\.target: ")
    assert "rest-provider.yaml" in message


def test_a_provider_file_with_a_literal_secret_is_refused(tmp_path: Path) -> None:
    _provider_file(tmp_path, secret="s3cret-in-the-file")
    _open_error(tmp_path, r"positions\.school_affairs\.target: target .*rest-provider\.yaml: field provider: "
                          r"client_secret must be a \$\{ENV_VAR\} reference")


def test_an_unset_provider_secret_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _provider_file(tmp_path)
    monkeypatch.delenv("SIS_ID", raising=False)
    _open_error(tmp_path, r"positions\.school_affairs\.target: .*provider\.client_id: environment variable SIS_ID is "
                          "not set")


def test_a_provider_under_another_rostering_path_is_refused(tmp_path: Path) -> None:
    _provider_file(tmp_path, path="/oneroster/v1p2")
    _open_error(tmp_path, "provider.rostering_path /oneroster/v1p2: the e-portal is handed base_url")
