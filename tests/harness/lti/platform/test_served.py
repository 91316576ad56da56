"""End to end over real sockets: the mock e-portal and the harness Tool side on ephemeral ports of
127.0.0.1, the profile run through ``RunSession`` exactly as the CLI and the pytest plugin do."""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from renkei.harness.core.model import Outcome
from renkei.harness.core.session import RunOptions, RunSession
from renkei.harness.lti.platform.config import load_target
from renkei.harness.lti.platform.launch import RECEIVED, REFUSED
from renkei.harness.lti.platform.target import LtiPlatformTarget
from renkei.harness.serving import BackgroundServer
from renkei.mocks.eportal import EportalConfig, ToolRegistration, create_app
from tests.harness.lti.platform.platform_env import CLIENT_ID, DEPLOYMENT, SCENARIOS, target_data
from tests.mocks.eportal.eportal_support import write_bundle


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Path]:
    portal_port, harness_port = free_port(), free_port()
    portal, harness = f"http://127.0.0.1:{portal_port}", f"http://127.0.0.1:{harness_port}"
    registration = ToolRegistration(
        client_id=CLIENT_ID, deployment_ids=[DEPLOYMENT], login_url=harness + "/login",
        redirect_uris=[harness + "/launch"], target_link_uri=harness + "/launch", jwks_url=harness + "/jwks",
        deep_link_url=harness + "/deep_link")
    app = create_app(EportalConfig(issuer=portal, tools=[registration], bundle=write_bundle(tmp_path / "r.zip")))
    server = BackgroundServer(app, "127.0.0.1", portal_port, name="mock e-portal")
    server.start()
    scenarios = {k: v.replace("https://eportal.test", portal) for k, v in SCENARIOS.items()}
    data = target_data(
        platform={"issuer": portal, "auth_url": portal + "/auth", "token_url": portal + "/token",
                  "jwks_url": portal + "/jwks"},
        launches={"scenarios": scenarios},
        harness={"base_url": harness, "listen": {"host": "127.0.0.1", "port": harness_port}})
    path = tmp_path / "platform.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    try:
        yield path
    finally:
        server.stop()


def test_profile_run_over_real_sockets(served: Path) -> None:
    session = RunSession.create(RunOptions(profile="lti13-platform-japan", target=str(served)))
    for resolved in session.checks:
        session.run_check(resolved)
    run = session.finish()
    not_passed = {c.id: c.outcome for c in run.checks if c.outcome != Outcome.PASSED}
    # The only defect of a plain-http localhost portal is its issuer: [SEC §5.1.2] wants https.
    assert not_passed == {"lti.platform.id_token.issuer": Outcome.FAILED}
    assert run.target["kind"] == "lti-platform" and run.target["client_id"] == CLIENT_ID


def test_hook_driving_its_own_browser_reaches_the_served_tool_side(served: Path) -> None:
    data = yaml.safe_load(served.read_text(encoding="utf-8"))
    hook = str(Path(__file__).with_name("hook_browser.py"))
    data["launches"] |= {"mode": "hook", "hook": {"command": [sys.executable, hook, "{arg}"], "timeout_seconds": 60,
                                                      "wait_seconds": 10}}
    served.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    target = LtiPlatformTarget(load_target(served))
    try:
        launched = target.launcher.launch("student")
        refused = target.launcher.launch("student", overrides={"nonce": None})
    finally:
        target.close()
    assert launched.outcome == RECEIVED and launched.claims is not None
    assert launched.claims["nonce"] == launched.auth_sent["nonce"]
    assert refused.outcome == REFUSED and refused.response is not None
    assert refused.response.params["error"] == "invalid_request"
