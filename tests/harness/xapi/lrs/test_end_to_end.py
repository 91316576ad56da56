"""The xapi-lrs and xapi2-lrs profiles through the ``renkei`` CLI against the mock LRS on a real port
(uvicorn on 127.0.0.1): all pass (exit 0) against the reference LRS, exit 1 against a faulty one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

import renkei.harness.xapi.lrs  # noqa: F401  (the lead's harness/xapi/__init__ will import it)
from renkei.harness.cli import main
from renkei.mocks.lrs.config import LrsClient, LrsConfig
from renkei.mocks.lrs.server import serve_lrs
from tests.harness.xapi.lrs.lrs_env import ENV, KEY, SECRET


def _run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, profile: str, faults: set[str]) -> tuple[int, dict]:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    with serve_lrs(LrsConfig(clients=[LrsClient(key=KEY, secret=SECRET)], faults=faults)) as server:
        target = tmp_path / "lrs.yaml"
        target.write_text(yaml.safe_dump({
            "kind": "xapi-lrs",
            "lrs": {"name": "mock LRS", "endpoint": server.url + "/", "key": "${LRS_KEY}", "secret": "${LRS_SECRET}"},
            "declares": {"attachments": True},
            "observation": {"timeout_seconds": 10, "consistency_wait_seconds": 5, "poll_interval_seconds": 0.05}}),
            encoding="utf-8")
        out = tmp_path / "out"
        with pytest.raises(SystemExit) as exited:
            main(["run", "--profile", profile, "--target", str(target), "--out", str(out), "--lang", "en"])
    report = json.loads(next(out.glob("*.json")).read_text(encoding="utf-8"))
    return int(exited.value.code or 0), report


@pytest.mark.parametrize("profile", ["xapi-lrs", "xapi2-lrs"])
def test_the_profile_passes_against_the_mock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, profile: str) -> None:
    code, report = _run(tmp_path, monkeypatch, profile, set())
    assert code == 0
    text = json.dumps(report)
    assert SECRET not in text
    assert text.count('"passed"') >= 30  # the checks ran and passed (not skipped into a green run)


def test_a_faulty_lrs_fails_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, report = _run(tmp_path, monkeypatch, "xapi-lrs", {"ignores_voiding"})
    assert code == 1
    assert "xapi.data.voiding" in json.dumps(report)
