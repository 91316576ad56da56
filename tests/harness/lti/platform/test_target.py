"""The lti-platform target file, registration text, the served Tool side and hook-driven launches."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from renkei.harness.core.errors import ConfigError
from renkei.harness.core.targets import get_kind
from renkei.harness.lti.platform.config import load_target, parse_target, registration_text
from renkei.harness.lti.platform.launch import ERROR, RECEIVED
from tests.harness.lti.platform.platform_env import HARNESS, SCENARIOS, mock_platform_env, target_data

EXAMPLE = Path(__file__).resolve().parents[4] / "profiles" / "examples" / "platform.yaml"


@pytest.mark.parametrize(("change", "field"), [
    ({"launches": {"scenarios": {"student": SCENARIOS["student"]}}}, "launches.scenarios"),
    ({"launches": {"scenarios": {**SCENARIOS, "teacher": SCENARIOS["student"]}}}, "launches.scenarios"),
    ({"launches": {"scenarios": {**SCENARIOS, "student": "https://e.test/launch?u={user}"}}}, "launches"),
    ({"launches": {"mode": "hook"}}, "launches"),
    ({"platform": {"token_url": None}}, "platform"),
    ({"platform": {"auth_url": "ftp://e.test/auth"}}, "platform.auth_url"),
    ({"platform": {"deployment_ids": ["配備"]}}, "platform.deployment_ids"),
    ({"secrets": {"headers": {"X-Token": "literal-secret"}}}, "secrets"),
    ({"kind": "lti-tool"}, "kind"),
    ({"surprise": {"x": 1}}, "surprise"),
])
def test_bad_target_files_name_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_target(target_data(**change), "vendor.yaml")
    assert "vendor.yaml" in str(err.value) and f"field {field}" in str(err.value)


def test_load_target_reports_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_target(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("platform: [unclosed", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML: line 1"):
        load_target(bad)


def test_example_target_parses_and_registration_lists_the_tool_endpoints() -> None:
    config = load_target(EXAMPLE)
    text = registration_text(config)
    for value in ("https://renkei.example.jp:8720/login", "https://renkei.example.jp:8720/launch",
                  "https://renkei.example.jp:8720/deep_link", "https://renkei.example.jp:8720/jwks",
                  "renkei-conformance-tool", "S_B101200000019", "RS256"):
        assert value in text
    assert config.launch_url("instructor").startswith(
        "https://eportal.example.jp/launch?client_id=renkei-conformance-tool&")
    assert Path(config.harness.keys_dir or "").is_absolute()


def test_describe_never_shows_secrets() -> None:
    config = parse_target(target_data(secrets={"headers": {"X-Token": "${RENKEI_TEST_TOKEN}"}}))
    headers, _ = config.resolve_secrets({"RENKEI_TEST_TOKEN": "s3cr3t-value"})
    assert headers == {"X-Token": "s3cr3t-value"}
    assert "s3cr3t-value" not in yaml.safe_dump(config.describe())
    with pytest.raises(ConfigError, match="RENKEI_TEST_TOKEN is not set"):
        config.resolve_secrets({})


def test_opened_through_the_kind_registry_the_tool_side_is_served(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    probed: list[str] = []  # eportal.test is an in-process name; the probe itself is tested on real sockets
    monkeypatch.setattr("renkei.harness.lti.platform.target.probe",
                        lambda endpoints, **kw: probed.extend(e.field for e in endpoints) or {})
    data = target_data(harness={"base_url": HARNESS, "listen": {"host": "127.0.0.1", "port": 0},
                                "keys_dir": "keys"})
    path = tmp_path / "platform.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    target: Any = get_kind("lti-platform").open(str(path), {})
    try:
        base = f"http://127.0.0.1:{target.server.port}"
        jwks = httpx.get(base + "/jwks", timeout=10).json()
        assert [k["kid"] for k in jwks["keys"]] == [target.key.kid]
        login = httpx.get(base + "/login", params={"iss": data["platform"]["issuer"], "login_hint": "u1",
                                                    "target_link_uri": HARNESS + "/launch",
                                                    "lti_message_hint": "opaque-1"}, timeout=10)
        assert login.status_code == 302
        auth = httpx.URL(login.headers["location"])
        assert str(auth.copy_with(query=None)) == data["platform"]["auth_url"]
        assert auth.params["lti_message_hint"] == "opaque-1" and auth.params["prompt"] == "none"
        assert auth.params["redirect_uri"] == HARNESS + "/launch" and auth.params["nonce"]
        assert httpx.get(base + "/login", timeout=10).status_code == 400
    finally:
        target.close()
    assert (tmp_path / "keys" / "keys.json").exists()
    assert {"platform.auth_url", "platform.jwks_url", "platform.token_url", "launches.scenarios.student"} <= set(probed)


def _hook(*code: str, timeout: float = 60, wait: float = 5) -> dict[str, Any]:
    return {"mode": "hook", "hook": {"command": [sys.executable, "-c", *code], "timeout_seconds": timeout,
                                     "wait_seconds": wait}}


def test_hook_that_prints_a_launch_url_drives_the_launch() -> None:
    launches = _hook("import sys; print('starting'); print(sys.argv[1])", "{arg}")
    with mock_platform_env(launches=launches) as target:
        record = target.launcher.launch("student")
    assert record.outcome == RECEIVED
    assert record.claims is not None and record.claims["nonce"] == record.auth_sent["nonce"]


@pytest.mark.parametrize(("code", "timeout", "wait", "message"), [
    ("import sys; sys.exit(3)", 60, 5, "status 3"),
    ("import time; time.sleep(60)", 0.5, 5, "did not finish"),
    ("print('launch started in the vendor browser')", 60, 0.2, "no launch reached"),
])
def test_hook_problems_become_error_records(code: str, timeout: float, wait: float, message: str) -> None:
    with mock_platform_env(launches=_hook(code, timeout=timeout, wait=wait)) as target:
        record = target.launcher.launch("student")
    assert record.outcome == ERROR and message in record.en and record.ja


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:  # a zombie is dead too
        return stat.read().rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize(("tail", "timeout"), [("print(sys.argv[1])", 60), ("time.sleep(60)", 1.0)])
def test_what_a_hook_started_ends_with_it(tmp_path: Path, tail: str, timeout: float) -> None:
    """A hook that leaves a background process behind (exits, or is timed out): the process ends too."""
    pid_file = tmp_path / "child.pid"
    code = ("import subprocess, sys, time; "
            "c = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)']); "
            f"open({str(pid_file)!r}, 'w').write(str(c.pid)); " + tail)
    with mock_platform_env(launches=_hook(code, "{arg}", timeout=timeout)) as target:
        target.launcher.launch("student")
    pid = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid)


def test_a_missing_scenario_is_an_error_record_not_an_exception() -> None:
    with mock_platform_env() as target:
        target.config.launches.scenarios.pop("deep_linking")
        record = target.launcher.launch("deep_linking")
    assert record.outcome == ERROR and "deep_linking" in record.en
