"""The mock tool on a real 127.0.0.1 socket (uvicorn), driven by a real HTTP client."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from renkei.mocks.app import create_app
from renkei.mocks.app.__main__ import config_from_args, main, parse_args
from tests.mocks.app.conftest import (
    CLIENT_ID,
    DEPLOYMENT_ID,
    ISSUER,
    FakePlatform,
    RoutingTransport,
    launch_marker,
    resource_link_claims,
)


@pytest.fixture
def served_tool(platform: FakePlatform, tool_keys_dir: Path) -> Iterator[str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    args = parse_args([
        "--client-id", CLIENT_ID, "--issuer", ISSUER, "--auth-url", ISSUER + "/auth",
        "--token-url", ISSUER + "/token", "--jwks-url", ISSUER + "/jwks", "--deployment-id", DEPLOYMENT_ID,
        "--host", "127.0.0.1", "--port", str(port), "--keys-dir", str(tool_keys_dir),
    ])
    config = config_from_args(args)
    config.transport = RoutingTransport({"platform.test": platform.app()})
    server = uvicorn.Server(uvicorn.Config(create_app(config), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True)
    thread.start()
    try:
        for _ in range(1000):  # bounded wait for startup, not a timing assertion
            if server.started or not thread.is_alive():
                break
            threading.Event().wait(0.01)
        assert server.started, "uvicorn did not start"
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def test_full_launch_over_real_http(served_tool: str, platform: FakePlatform) -> None:
    with httpx.Client(base_url=served_tool) as client:
        assert client.get("/jwks").json()["keys"]
        login = client.post(
            "/login", data={"iss": ISSUER, "login_hint": "h", "target_link_uri": served_tool + "/launch"}
        )
        assert login.status_code == 302
        query = httpx.URL(login.headers["location"]).params
        claims = resource_link_claims(query["nonce"], {
            "https://purl.imsglobal.org/spec/lti/claim/target_link_uri": served_tool + "/launch",
        })
        response = client.post("/launch", data={"id_token": platform.sign(claims), "state": query["state"]})
    assert response.status_code == 200
    assert launch_marker(response) is not None


def test_cli_rejects_unknown_fault(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse_args(["--client-id", "c", "--issuer", "i", "--auth-url", "a", "--token-url", "t",
                    "--jwks-url", "j", "--deployment-id", "d", "--fault", "nope"])
    assert "invalid choice" in capsys.readouterr().err


def test_cli_reports_bad_config_without_traceback(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code = main(["--client-id", "", "--issuer", "i", "--auth-url", "a", "--token-url", "t",
                 "--jwks-url", "j", "--deployment-id", "d", "--keys-dir", str(tmp_path)])
    assert code == 2
    assert "client_id" in capsys.readouterr().err
