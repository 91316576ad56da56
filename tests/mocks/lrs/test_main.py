"""``python -m renkei.mocks.lrs``: a real port, the clients given, the faults listed; bad input is one line."""

from __future__ import annotations

import subprocess
import sys
import time

import httpx
import pytest

from renkei.harness.serving import free_port
from renkei.mocks.lrs.__main__ import main


def test_list_faults_prints_every_fault(capsys: pytest.CaptureFixture[str]) -> None:
    from renkei.mocks.lrs.config import FAULTS

    assert main(["--list-faults"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in FAULTS)


def test_a_client_without_a_secret_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--client", "only-a-key"])
    assert exited.value.code == 2
    assert "expected KEY:SECRET" in capsys.readouterr().err


def test_a_busy_port_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        assert main(["--port", str(s.getsockname()[1])]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.splitlines()[-1].startswith("mock LRS: error: cannot serve renkei mock LRS on 127.0.0.1:")


def test_serves_statements_on_a_real_port_until_interrupted(tmp_path) -> None:
    port = free_port("127.0.0.1")
    proc = subprocess.Popen([sys.executable, "-m", "renkei.mocks.lrs", "--port", str(port), "--client",
                             "vendor-app:test-secret-0001", "--db", str(tmp_path / "lrs.sqlite")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.strip() == f"LRS (xAPI 1.0.3/2.0): http://127.0.0.1:{port}/xapi/"
        base = f"http://127.0.0.1:{port}/xapi"
        headers = {"X-Experience-API-Version": "1.0.3"}
        st = {"actor": {"objectType": "Agent", "account": {"homePage": "https://eportal.test", "name": "u-1"}},
              "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"}, "object": {"id": "https://app.test/a/1"}}
        deadline = time.monotonic() + 10
        while True:
            try:
                ok = httpx.post(base + "/statements", json=st, headers=headers,
                                auth=("vendor-app", "test-secret-0001"), timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        assert ok.status_code == 200
        wrong = httpx.post(base + "/statements", json=st, headers=headers, auth=("vendor-app", "wrong"), timeout=5)
        assert wrong.status_code == 401
    finally:
        proc.send_signal(__import__("signal").SIGINT)
        proc.wait(timeout=10)
    assert (tmp_path / "lrs.sqlite").is_file()
