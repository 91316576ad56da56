"""Products under test started by renkei in containers of a private Docker daemon.

The product is a real one: a small learning app (busybox httpd + a CGI script, tests/harness/launch/app)
that, when launched, sends its learners' xAPI statements to the LRS it is given. The
``xapi-statements`` profile captures them with renkei's recording LRS and judges them, so the run
exercises the whole path: target file -> container -> readiness -> profile -> logs -> removal. The
failing products (exits at start, never listens, missing image) must each end in one exit-2 line
with their last log lines, and the ``docker`` fixture proves no container is left in any case.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from renkei.harness.cli import main
from renkei.harness.core.errors import ConfigError
from renkei.harness.core.secret_registry import SecretRegistry
from renkei.harness.launch.containers import Launched, LaunchError
from renkei.harness.launch.spec import read_launch

APP = Path(__file__).parent / "app" / "www"
SECRET = "lrs-secret-for-the-container-test"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _target(tmp_path: Path, containers: list[dict[str, Any]], lrs_port: int | None = None) -> Path:
    data: dict[str, Any] = {
        "kind": "xapi-statements", "app": {"name": "学習アプリ (busybox)"}, "version": "1.0.3", "source": "capture",
        "capture": {"listen": {"host": "127.0.0.1", "port": lrs_port or _free_port()}, "path": "/xapi",
                    "client": {"key": "renkei-app", "secret": "${RENKEI_LRS_SECRET}"},
                    "expect_statements": 2, "idle_seconds": 2, "wait_seconds": 30},
        "expect": {"actor": {"name": "1fcdd088-66fc-11ec-b362-ebfd340b9cee", "home_page": "https://portal.example.jp"}},
        "launch": {"containers": containers, "stop_timeout_seconds": 2},
    }
    path = tmp_path / "app.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    return path


def _app(image: str, port: int, **fields: Any) -> dict[str, Any]:
    return {"name": "app", "image": image, "command": ["httpd", "-f", "-vv", "-p", f"127.0.0.1:{port}", "-h", "/www"],
            "environment": {"LRS_KEY": "renkei-app", "LRS_SECRET": "${RENKEI_LRS_SECRET}"},
            "mounts": [{"source": str(APP), "target": "/www"}], "port": port,
            "ready": {"http": f"http://127.0.0.1:{port}/", "timeout_seconds": 20}, **fields}


def _run(target: Path, out: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as done:
        main(["run", "--profile", "xapi-statements", "--target", str(target), "--out", str(out), "--lang", "en"])
    return int(done.value.code or 0), capsys.readouterr().err


def test_a_product_in_a_container_is_tested_and_removed(tmp_path, busybox, docker, monkeypatch, capsys):
    monkeypatch.setenv("RENKEI_LRS_SECRET", SECRET)
    port = _free_port()
    target = _target(tmp_path, [_app(busybox, port, ready={"http": f"http://127.0.0.1:{port}/", "timeout_seconds": 20})])
    capture = yaml.safe_load(target.read_text("utf-8"))
    capture["capture"]["launch"] = {"mode": "url", "url": f"http://127.0.0.1:{port}/cgi-bin/launch?endpoint={{endpoint}}"}
    target.write_text(yaml.safe_dump(capture, allow_unicode=True), "utf-8")

    code, _ = _run(target, tmp_path / "out", capsys)

    result = json.loads((tmp_path / "out" / "result.json").read_text("utf-8"))
    received = next(c for c in result["checks"] if c["id"] == "xapi.statements.received")
    assert received["outcome"] == "passed"  # the app's two statements arrived
    assert code == 0, [c["id"] for c in result["checks"] if c["outcome"] not in ("passed", "skipped")]
    log = (tmp_path / "out" / "renkei-container-app.log").read_text("utf-8")
    assert "app: sent attempted" in log and "app: sent completed" in log
    assert SECRET not in log and "[secret:launch.app.environment.LRS_SECRET]" in log  # the app logged it; renkei did not keep it
    assert docker.containers.list(all=True) == []


def test_a_product_that_exits_at_start_is_one_line_with_its_logs(tmp_path, busybox, docker, monkeypatch, capsys):
    monkeypatch.setenv("RENKEI_LRS_SECRET", SECRET)
    crash = ["sh", "-c", "echo 'app: starting'; echo \"app: fatal: DATABASE_URL is not set (secret $LRS_SECRET)\" >&2; exit 3"]
    target = _target(tmp_path, [_app(busybox, _free_port(), command=crash)])
    code, err = _run(target, tmp_path / "out", capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, lines
    assert "container app (renkei-test/busybox:1) exited with code 3 before it was ready" in lines[0]
    # stdout and stderr are two streams the daemon reads separately: their order is not guaranteed
    tail = lines[0].split("last log lines: ", 1)[1]
    assert sorted(tail.split(" | ")) == ["app: fatal: DATABASE_URL is not set (secret [secret:launch.app.environment.LRS_SECRET])",
                                         "app: starting"], tail
    assert SECRET not in err
    assert "DATABASE_URL is not set" in (tmp_path / "out" / "renkei-container-app.log").read_text("utf-8")


def test_a_product_that_never_listens_is_one_line_with_its_logs(tmp_path, busybox, docker, monkeypatch, capsys):
    monkeypatch.setenv("RENKEI_LRS_SECRET", SECRET)
    port = _free_port()
    idle = ["sh", "-c", "echo 'app: waiting for a licence server'; exec sleep 600"]
    target = _target(tmp_path, [_app(busybox, port, command=idle, ready={"http": f"http://127.0.0.1:{port}/",
                                                                        "timeout_seconds": 2})])
    code, err = _run(target, tmp_path / "out", capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, lines
    assert f"did not become ready within 2 s (HTTP http://127.0.0.1:{port}/)" in lines[0]
    assert "last log lines: app: waiting for a licence server" in lines[0]


def test_a_missing_image_is_one_line(tmp_path, docker, monkeypatch, capsys):
    monkeypatch.setenv("RENKEI_LRS_SECRET", SECRET)
    target = _target(tmp_path, [_app("renkei-test/not-built:0", _free_port())])
    code, err = _run(target, tmp_path / "out", capsys)
    assert code == 2
    assert err.strip().splitlines() == [
        "renkei: error: container app (renkei-test/not-built:0): the image is not in the Docker daemon "
        "(pull: never); build or `docker pull` it first, or set pull: missing"]


def _db_and_app(tmp_path: Path, busybox: str, app_command: list[str], db_port: int, app_port: int) -> Any:
    db = {"name": "db", "image": busybox, "port": db_port,
          "command": ["sh", "-c", f"echo 'db: ready to accept connections'; exec httpd -f -p 127.0.0.1:{db_port} -h /tmp"],
          "ready": {"log": "ready to accept connections", "timeout_seconds": 20}}
    launch = read_launch(str(_target(tmp_path, [db, _app(busybox, app_port, command=app_command)])))
    assert launch is not None
    return launch


def test_a_product_with_its_database_starts_in_order_and_both_are_removed(tmp_path, busybox, docker, monkeypatch):
    monkeypatch.setenv("RENKEI_LRS_SECRET", SECRET)
    db_port, app_port = _free_port(), _free_port()
    launch = _db_and_app(tmp_path, busybox, ["httpd", "-f", "-p", f"127.0.0.1:{app_port}", "-h", "/www"], db_port, app_port)
    with Launched(launch, SecretRegistry()) as launched:
        assert [s["name"] for s in launched.describe()] == ["db", "app"]
        running = {c.labels["renkei.container"]: c.attrs["HostConfig"]["NetworkMode"] for c in docker.containers.list()}
        assert running == {"db": "host", "app": "host"}
        socket.create_connection(("127.0.0.1", db_port), timeout=2).close()
    assert docker.containers.list(all=True) == []
    assert "db: ready to accept connections" in launched.logs["db"]


def test_when_the_second_container_fails_the_first_is_removed_too(tmp_path, busybox, docker, monkeypatch):
    monkeypatch.setenv("RENKEI_LRS_SECRET", SECRET)
    launch = _db_and_app(tmp_path, busybox, ["sh", "-c", "exit 1"], _free_port(), _free_port())
    launched = Launched(launch, SecretRegistry())
    with pytest.raises(LaunchError, match="container app .* exited with code 1"), launched:
        pass
    assert docker.containers.list(all=True) == []
    assert set(launched.logs) == {"db", "app"}


def test_a_port_already_taken_is_refused_before_anything_starts(tmp_path, busybox, docker, monkeypatch):
    monkeypatch.setenv("RENKEI_LRS_SECRET", SECRET)
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        launch = read_launch(str(_target(tmp_path, [_app(busybox, held.getsockname()[1])])))
        assert launch is not None
        with pytest.raises(LaunchError, match="already in use"), Launched(launch, SecretRegistry()):
            pass
    assert docker.containers.list(all=True) == []


def test_an_unset_secret_is_a_config_error_and_nothing_starts(tmp_path, busybox, docker, monkeypatch):
    monkeypatch.delenv("RENKEI_LRS_SECRET", raising=False)
    launch = read_launch(str(_target(tmp_path, [_app(busybox, _free_port())])))
    assert launch is not None
    with pytest.raises(ConfigError, match="environment.LRS_SECRET: environment variable RENKEI_LRS_SECRET is not set"), \
            Launched(launch, SecretRegistry()):
        pass
    assert docker.containers.list(all=True) == []


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_and_sigterm_while_waiting_remove_the_container(tmp_path, busybox, docker, monkeypatch, signum):
    monkeypatch.setenv("RENKEI_LRS_SECRET", SECRET)
    idle = ["sh", "-c", "echo 'app: never ready'; exec sleep 600"]
    target = _target(tmp_path, [_app(busybox, _free_port(), command=idle, ready={"log": "listening", "timeout_seconds": 300})])
    proc = subprocess.Popen([sys.executable, "-c", "from renkei.harness.cli import main; main()", "run", "--profile",
                             "xapi-statements", "--target", str(target), "--out", str(tmp_path / "out")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(600):  # until the container runs (the wait itself has no deadline of its own)
            if docker.containers.list():
                break
            time.sleep(0.1)
        assert docker.containers.list(), "the container never started"
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 2
    assert f"interrupted by {'Ctrl-C' if signum == signal.SIGINT else 'SIGTERM'}" in err
    assert docker.containers.list(all=True) == []
    assert "app: never ready" in (tmp_path / "out" / "renkei-container-app.log").read_text("utf-8")
