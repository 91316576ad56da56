"""End to end: a vendor Tool whose error page echoes the staging secrets back never gets them into an
output. The real ``renkei run`` runs against the mock Tool on 127.0.0.1, wrapped so that every launch
is refused with a page that repeats the secret header and the ``Authorization`` value (one of them
cut off exactly where the finding's excerpt ends); result.json, junit.xml, report.html, the debug
log and both console streams must hold neither, only their ``[secret:…]`` masks."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from starlette.responses import HTMLResponse

from renkei.harness.lti.protocol.browser import page_text
from renkei.harness.serving import BackgroundServer, free_port
from renkei.mocks.app import ToolConfig, create_app
from renkei.mocks.runner import DEPLOYMENT_ID

KEY = "stg-key-7f3a9c1e5b2d4068"
USER, PASSWORD = "vendor-qa", "pa55-w0rd-staging"
BASIC = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
CLIENT_ID = "renkei-echo-client"


class EchoSecrets:
    """Wraps the mock Tool: its launch endpoint answers 401 with a page echoing the request's secrets."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/launch":
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
            authorization = headers.get("authorization", "")
            lead = f"Error: launch refused. Your key was {headers.get('x-staging-key')}; your credentials "
            pad = "x" * max(0, 160 - len(lead) - 20)  # the excerpt (160 characters) ends inside the Basic value
            text = f"{lead}{pad} {authorization}"
            assert len(page_text(text)) == 160
            await HTMLResponse(f"<h1 id='lti-error'>{text}</h1><p>header again: {headers.get('x-staging-key')}</p>",
                               status_code=401)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def test_secrets_echoed_by_a_vendor_page_reach_no_output(tmp_path: Path) -> None:
    port, app_port = free_port(), free_port()
    platform, url = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{app_port}"
    app = create_app(ToolConfig(client_id=CLIENT_ID, issuer=platform, auth_url=platform + "/auth",
                                token_url=platform + "/token", jwks_url=platform + "/jwks",
                                deployment_ids=frozenset([DEPLOYMENT_ID]), base_url=url,
                                keys_dir=tmp_path / "tool-keys"))
    tool = BackgroundServer(EchoSecrets(app), port=app_port, name="echoing tool").start()
    try:
        target = tmp_path / "tool.yaml"
        target.write_text(yaml.safe_dump({
            "kind": "lti-tool",
            "tool": {"login_url": url + "/login", "redirect_uris": [url + "/launch"], "target_link_uri": url + "/launch",
                     "jwks_url": url + "/jwks", "client_id": CLIENT_ID, "deployment_ids": [DEPLOYMENT_ID]},
            "harness": {"base_url": platform, "listen": {"host": "127.0.0.1", "port": port}},
            "observation": {"accept": {"status": [200], "marker_id": "lti-launch"}},
            "secrets": {"headers": {"X-Staging-Key": "${STAGING_KEY}"},
                        "basic_auth_user": "${STAGING_USER}", "basic_auth_password": "${STAGING_PASSWORD}"},
        }), encoding="utf-8")
        out = tmp_path / "out"
        env = {**os.environ, "STAGING_KEY": KEY, "STAGING_USER": USER, "STAGING_PASSWORD": PASSWORD}
        proc = subprocess.run(
            [sys.executable, "-c", "from renkei.harness.cli import main; main()", "run", "--profile", "lti13-tool",
             "--target", str(target), "--out", str(out), "--select", "lti.tool.core.login_get,lti.tool.core.login_post"],
            capture_output=True, text=True, env=env, timeout=300)
    finally:
        tool.stop()
    assert proc.returncode == 1, proc.stdout + proc.stderr  # the valid launches were refused
    outputs = {p.name: p.read_text(encoding="utf-8") for p in out.iterdir()}
    outputs |= {"stdout": proc.stdout, "stderr": proc.stderr}
    assert {"result.json", "junit.xml", "report.html"} <= set(outputs)
    for name, text in outputs.items():
        for leaked in (KEY, PASSWORD, BASIC, BASIC[:8], KEY[:8]):
            assert leaked not in text, f"{name} contains {leaked!r}"
    assert "[secret:secrets.headers.X-Staging-Key]" in outputs["result.json"]  # the echo did reach a finding
    assert "Basic [secret:" in outputs["result.json"]  # ... also where the excerpt cut the Basic value
    assert "[secret:" in outputs["stdout"]
