"""The commands an installed renkei is used and proven with: ``--version``, ``demo``, ``mocks serve``.

(.ci/wheel-check runs them again from a wheel installed outside the checkout.)
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

import httpx
import pytest

from renkei.harness import __version__
from renkei.harness.cli import main


def _exit_code(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    return int(exc.value.code or 0)


def test_version_comes_from_the_distribution_metadata(capsys):
    assert _exit_code(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"renkei {version('renkei')}"
    assert __version__ == version("renkei")  # the same string goes into every result's tool.version


def test_demo_command_exits_with_the_demos_code(monkeypatch):
    import renkei.harness.demo as demo

    for code in (0, 1):
        monkeypatch.setattr(demo, "main", lambda code=code: code)
        assert _exit_code(["demo"]) == code


def test_mocks_serve_on_free_ports_answers_and_stops_on_ctrl_c(tmp_path: Path):
    proc = subprocess.Popen(
        [sys.executable, "-c", "from renkei.harness.cli import main; main()", "mocks", "serve",
         "--eportal-port", "0", "--app-port", "0", "--school-affairs-port", "0", "--workdir", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, stdin=subprocess.DEVNULL)
    try:
        assert proc.stdout is not None
        lines: list[str] = []
        deadline = time.monotonic() + 120
        for line in proc.stdout:  # flushed by the command, so a pipe sees them before Ctrl-C
            lines.append(line)
            if line.startswith("Ctrl-C to stop") or time.monotonic() > deadline:
                break
        text = "".join(lines)
        url = r"(http://127\.0\.0\.1:\d+)"
        eportal = re.search("学習eポータル:\\s+" + url, text).group(1)  # type: ignore[union-attr]
        app = re.search("学習アプリ:\\s+" + url, text).group(1)  # type: ignore[union-attr]
        token_url = re.search(r"token: (\S+)", text).group(1)  # type: ignore[union-attr]
        client = re.search(r"client_id: (\S+)\s+client_secret: (\S+)", text)
        assert client is not None
        token = httpx.post(token_url, data={"grant_type": "client_credentials", "scope": (
            "https://purl.imsglobal.org/spec/or/v1p2/scope/roster-core.readonly")}, auth=client.groups(), timeout=10)
        assert token.status_code == 200 and token.json()["token_type"] == "Bearer"
        portal = httpx.get(eportal + "/", headers={"Accept": "application/json"}, timeout=10).json()
        assert portal["tools"][0]["client_id"] == "renkei-mock-app"
        assert json.loads(httpx.get(app + "/jwks", timeout=10).text)["keys"]
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    with pytest.raises(httpx.ConnectError):
        httpx.get(eportal + "/", timeout=2)

