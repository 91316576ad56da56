"""The lti-tool target file: validation with clear errors, secrets, describe(), registration text."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from renkei.harness.core.errors import ConfigError, TargetError
from renkei.harness.core.targets import get_kind
from renkei.harness.lti.tool.config import load_target, parse_target, registration_text
from renkei.harness.lti.tool.target import LtiToolTarget
from tests.harness.lti.tool.tool_env import target_config

EXAMPLE = Path(__file__).resolve().parents[4] / "profiles" / "examples" / "tool.yaml"


def _data(**tool: Any) -> dict[str, Any]:
    base = {"login_url": "https://t.test/login", "redirect_uris": ["https://t.test/launch"],
            "target_link_uri": "https://t.test/launch", "jwks_url": "https://t.test/jwks", "client_id": "c",
            "deployment_ids": ["d1"]}
    return {"tool": base | tool, "harness": {"base_url": "https://h.test:8443/"}}


def test_a_minimal_target_gets_the_harness_endpoints_from_its_base_url() -> None:
    cfg = parse_target(_data())
    assert cfg.issuer == "https://h.test:8443"
    assert cfg.auth_url == "https://h.test:8443/auth" and cfg.jwks_url == "https://h.test:8443/jwks"
    assert cfg.tool.services.deep_linking and not cfg.tool.services.nrps
    assert cfg.tool_hosts() == {"t.test"}


@pytest.mark.parametrize(("tool", "field"), [
    ({"login_url": "ftp://t.test/login"}, "tool.login_url"),
    ({"redirect_uris": []}, "tool.redirect_uris"),
    ({"deployment_ids": ["é"]}, "tool.deployment_ids"),
    ({"client_id": ""}, "tool.client_id"),
    ({"surprise": 1}, "tool.surprise"),
])
def test_bad_fields_are_named_in_the_error(tool: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigError, match=rf"target t.yaml: field {field}:"):
        parse_target(_data(**tool), "t.yaml")


def test_a_bad_marker_regex_is_a_config_error() -> None:
    data = _data() | {"observation": {"reject": {"marker_regex": "(unclosed"}}}
    with pytest.raises(ConfigError, match="observation.reject.marker_regex"):
        parse_target(data, "t.yaml")


def test_secrets_must_be_env_references_and_are_resolved_from_the_environment() -> None:
    with pytest.raises(ConfigError, match=r"secrets.*ENV_VAR"):
        parse_target(_data() | {"secrets": {"headers": {"X-Token": "plain-secret"}}}, "t.yaml")
    cfg = parse_target(_data() | {"secrets": {"headers": {"X-Token": "${RENKEI_T}"}}}, "t.yaml")
    assert cfg.resolve_secrets({"RENKEI_T": "s3cret-staging"}) == ({"X-Token": "s3cret-staging"}, None)
    with pytest.raises(ConfigError, match="RENKEI_T is not set"):
        cfg.resolve_secrets({})
    assert "s3cret-staging" not in str(cfg.describe()) and "RENKEI_T" not in str(cfg.describe())


def test_describe_shows_registration_data_only() -> None:
    described = target_config().describe()
    assert described["client_id"] == "renkei-test-client" and described["kind"] == "lti-tool"
    assert not {"secrets", "observation", "keys_dir"} & set(described)


def test_load_target_reports_missing_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_target(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("tool: [unclosed", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML: line 1"):
        load_target(bad)
    listed = tmp_path / "list.yaml"
    listed.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="expected a mapping"):
        load_target(listed)


def test_the_example_target_loads_and_resolves_keys_dir_next_to_it(monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = load_target(EXAMPLE)
    assert cfg.harness.keys_dir == str((EXAMPLE.parent / "keys").resolve())
    assert cfg.harness.listen.certfile == str((EXAMPLE.parent / "tls" / "cert.pem").resolve())
    assert cfg.tool.deployment_ids[0].startswith("S_")
    monkeypatch.setenv("TOOL_STAGING_TOKEN", "staging-token-x")
    assert cfg.resolve_secrets()[0] == {"X-Staging-Token": "staging-token-x"}


def test_registration_text_lists_what_the_vendor_enters() -> None:
    text = registration_text(target_config())
    for expected in ("https://platform.test/auth", "https://platform.test/token", "https://platform.test/jwks",
                     "renkei-test-client", "S_B101200000019", "deploy-2", "RS256"):
        assert expected in text


def test_opening_persists_keys_and_serves_the_platform_on_an_ephemeral_port(tmp_path: Path) -> None:
    cfg = parse_target(_data() | {"harness": {"base_url": "http://127.0.0.1:1", "keys_dir": str(tmp_path / "k"),
                                              "listen": {"host": "127.0.0.1", "port": 0}}})
    target = LtiToolTarget(cfg)
    try:
        assert target.server is not None and target.server.port > 0
        jwks = httpx.get(f"http://127.0.0.1:{target.server.port}/jwks", timeout=5).json()
        kid = target.launcher.key.kid
        assert [k["kid"] for k in jwks["keys"]] == [kid] and "d" not in jwks["keys"][0]
    finally:
        target.close()
    assert target.server is None
    again = LtiToolTarget(cfg, serve=False)
    assert again.launcher.key.kid == kid  # same key from keys_dir: the vendor's registration stays valid
    again.close()


def test_a_port_in_use_is_a_target_error(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        cfg = parse_target(_data() | {"harness": {"base_url": "http://127.0.0.1:1",
                                                  "listen": {"host": "127.0.0.1", "port": port}}})
        with pytest.raises(TargetError, match=f"cannot serve renkei's Platform side \\(harness.listen\\) on 127.0.0.1:{port}"):
            LtiToolTarget(cfg)


def test_missing_tls_files_are_named_before_serving(tmp_path: Path) -> None:
    cfg = parse_target(_data() | {"harness": {"base_url": "https://127.0.0.1:1", "listen": {
        "port": 0, "certfile": str(tmp_path / "missing.pem"), "keyfile": str(tmp_path / "k.pem")}}}, "t.yaml")
    with pytest.raises(ConfigError, match=r"t.yaml: harness.listen.certfile: file .*missing.pem does not exist"):
        LtiToolTarget(cfg)


def test_the_kind_is_registered_and_opens_a_target_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    probed: list[str] = []  # t.test is not a real host; the probe itself is tested on real sockets
    monkeypatch.setattr("renkei.harness.lti.tool.target.probe",
                        lambda endpoints, **kw: probed.extend(e.field for e in endpoints) or {})
    path = tmp_path / "tool.yaml"
    path.write_text(yaml.safe_dump(_data() | {"harness": {"base_url": "http://127.0.0.1:1",
                                                          "listen": {"port": 0}}}), encoding="utf-8")
    target = get_kind("lti-tool").open(str(path), {})
    try:
        assert target.describe()["login_url"] == "https://t.test/login"
    finally:
        target.close()
    assert {"tool.login_url", "tool.jwks_url", "tool.redirect_uris"} <= set(probed)
