"""Capture with ``launch.mode: lti``: renkei's Platform side launches the mock 学習アプリ (real servers on
127.0.0.1) as a generated learner, the app reports its drill to renkei's recording LRS, and the
statements must name exactly that learner (the launch's ``sub`` and issuer)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml

from renkei.harness.cli import main
from renkei.harness.core.errors import ConfigError
from renkei.harness.serving import free_port
from renkei.harness.xapi.statements.config import StatementsTargetConfig
from renkei.mocks.app.xapi import LrsEndpoint
from renkei.mocks.runner import serve_app

HOST = "127.0.0.1"
CLIENT_ID, DEPLOYMENT = "renkei-capture-app", "S_1234567890123"
SECRET = "renkei-capture-lti-0001"


def _targets(tmp_path: Path, faults: tuple[str, ...]) -> tuple[Path, Any]:
    harness = f"http://{HOST}:{free_port(HOST)}"
    lrs_port = free_port(HOST)
    app = serve_app(platform_issuer=harness, client_id=CLIENT_ID, deployment_ids=[DEPLOYMENT],
                    keys_dir=tmp_path / "app-keys", faults=faults,
                    lrs=LrsEndpoint(url=f"http://{HOST}:{lrs_port}/xapi/", key="renkei-app", secret=SECRET))
    (tmp_path / "tool.yaml").write_text(yaml.safe_dump({
        "kind": "lti-tool",
        "tool": {"name": "mock app", "login_url": app.url + "/login", "redirect_uris": [app.url + "/launch"],
                 "target_link_uri": app.url + "/launch", "jwks_url": app.url + "/jwks", "client_id": CLIENT_ID,
                 "deployment_ids": [DEPLOYMENT], "services": {"deep_linking": False, "nrps": False, "ags": False}},
        "harness": {"base_url": harness, "listen": {"host": HOST, "port": int(harness.rsplit(":", 1)[1])}},
        "observation": {"accept": {"status": [200], "marker_id": "lti-launch"},
                        "reject": {"status": [400, 401, 403], "marker_regex": 'id="lti-error"'}, "timeout_seconds": 10},
    }), encoding="utf-8")
    target = tmp_path / "statements.yaml"
    target.write_text(yaml.safe_dump({
        "kind": "xapi-statements", "app": {"name": "mock app"}, "source": "capture",
        "capture": {"listen": {"host": HOST, "port": lrs_port}, "path": "/xapi",
                    "client": {"key": "renkei-app", "secret": "${RENKEI_TEST_LRS_SECRET}"},
                    "launch": {"mode": "lti", "tool": "tool.yaml", "role": "learner"},
                    "expect_statements": 5, "idle_seconds": 2, "wait_seconds": 30},
    }), encoding="utf-8")
    return target, app


def _run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, faults: tuple[str, ...] = ()) -> tuple[int, dict]:
    monkeypatch.setenv("RENKEI_TEST_LRS_SECRET", SECRET)
    target, app = _targets(tmp_path, faults)
    out = tmp_path / "out"
    try:
        with pytest.raises(SystemExit) as exited:
            main(["run", "--profile", "xapi-statements-japan", "--target", str(target), "--out", str(out),
                  "--lang", "en"])
    finally:
        app.stop()
    return int(exited.value.code or 0), json.loads((out / "result.json").read_text(encoding="utf-8"))


def _check(result: dict, check_id: str) -> dict:
    return next(c for c in result["checks"] if c["id"] == check_id)


def test_the_launched_learner_is_the_actor_of_every_statement(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, result = _run(tmp_path, monkeypatch)
    launched = result["target"]["launched_user"]
    assert uuid.UUID(launched["sub"]).version == 4  # the Japanese model's sub: a UUID v4
    assert launched["issuer"].startswith("http://127.0.0.1:")
    assert _check(result, "xapi.jp.actor.launched_user")["outcome"] == "passed"
    assert code == 0 and result["verdict"] == "pass"
    assert SECRET not in json.dumps(result)


def test_an_app_that_reports_the_login_name_fails_at_each_statement(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    code, result = _run(tmp_path, monkeypatch, ("xapi_actor_login_name",))
    check = _check(result, "xapi.jp.actor.launched_user")
    assert code == 1 and check["outcome"] == "failed"
    assert len(check["findings"]) == 5  # every statement of the drill names somebody else
    assert {f["location"]["column"] for f in check["findings"]} == {"$.actor.account.name"}
    assert {f["location"]["method"] for f in check["findings"]} == {"POST"}


@pytest.mark.parametrize("launch, expect, message", [
    ({"mode": "lti"}, None, "launch.tool"),
    ({"mode": "hook", "command": ["x"], "tool": "tool.yaml"}, None, "belong to mode: lti"),
    ({"mode": "lti", "tool": "tool.yaml"}, {"actor": {"name": "u", "home_page": "https://e.test"}}, "expect.actor"),
])
def test_lti_launch_settings_are_validated(launch: dict, expect: dict | None, message: str) -> None:
    data: dict[str, Any] = {"source": "capture", "capture": {"client": {"secret": "${X}"}, "launch": launch}}
    if expect:
        data["expect"] = expect
    with pytest.raises((ValueError, ConfigError), match=message):
        StatementsTargetConfig.model_validate(data)
