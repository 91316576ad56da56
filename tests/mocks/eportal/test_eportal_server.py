"""The one real-socket test: the mock e-portal under uvicorn on an ephemeral 127.0.0.1 port."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from renkei.harness.lti.protocol.jose import verify_jwt
from renkei.mocks.eportal import EportalConfig, ToolRegistration, create_app
from renkei.mocks.eportal.forms import parse_autosubmit
from tests.mocks.eportal.eportal_support import CLASS1, STUDENT1


@pytest.fixture
def served(bundle: Path, tmp_path: Path) -> Iterator[str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    tool = ToolRegistration(client_id="app", deployment_ids=["d1"], login_url="http://127.0.0.1:9/login",
                            redirect_uris=["http://127.0.0.1:9/launch"], target_link_uri="http://127.0.0.1:9/launch",
                            jwks={"keys": []})
    app = create_app(EportalConfig(issuer=base, tools=[tool], bundle=bundle, keys_dir=tmp_path / "keys"))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        for _ in range(500):  # wait for startup (not a timing assertion: the loop only bounds the wait)
            if server.started or not thread.is_alive():
                break
            time.sleep(0.01)
        assert server.started, "uvicorn did not start"
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def test_launch_over_real_http(served: str, tmp_path: Path) -> None:
    with httpx.Client(base_url=served, follow_redirects=False) as client:
        jwks = client.get("/.well-known/jwks.json").json()
        assert (tmp_path / "keys" / "keys.json").exists()  # keys persisted through KeyStore
        login = client.get("/launch", params={"user": "u-s1", "context": CLASS1})
        assert login.status_code == 302
        q = httpx.URL(login.headers["location"]).params
        response = client.post("/auth", data={
            "scope": "openid", "response_type": "id_token", "response_mode": "form_post", "prompt": "none",
            "client_id": "app", "redirect_uri": "http://127.0.0.1:9/launch", "login_hint": q["login_hint"],
            "lti_message_hint": q["lti_message_hint"], "nonce": "n1", "state": "s1"})
        action, _, fields = parse_autosubmit(response.text)
        assert action == "http://127.0.0.1:9/launch"
        _, claims = verify_jwt(fields["id_token"], jwks)
        assert claims["sub"] == STUDENT1 and claims["iss"] == served
