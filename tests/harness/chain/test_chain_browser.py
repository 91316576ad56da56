"""A vendor 学習eポータル whose launch page needs JavaScript: plain HTTP cannot follow it, Chromium can.

The "vendor" is renkei's mock e-portal on a real 127.0.0.1 port behind a cookie check, as some products
have: the launch URL first answers with a page whose script sets a cookie and reloads (``JsGatedEportal``,
built from the JS-gated mock Tool's ASGI helpers). Plain HTTP stops there, and the chain says the launches
were not evaluated because the page needs JavaScript (never that the e-portal refused them); with
``browser.engine: chromium`` on the position the same chain is green. The Chromium run skips only when
``/usr/bin/chromium`` is absent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from renkei.harness.core.model import Outcome
from renkei.harness.core.session import RunOptions, RunSession
from renkei.harness.serving import BackgroundServer, LocalTls, free_port
from tests.harness.chain.runs import SMALL as RUNS_SMALL
from tests.harness.chain.runs import run_chain, write_yaml
from tests.harness.lti.tool.js_tool import GATE_COOKIE, _cookies, _html, _read_body, _respond

CHROMIUM = Path("/usr/bin/chromium")
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed "
                                    "(apt-get install chromium); CI installs it")
SMALL = {**RUNS_SMALL, "observation": {**RUNS_SMALL["observation"], "timeout_seconds": 10}}


class JsGatedEportal:
    """ASGI wrapper: the e-portal's ``/launch`` answers a browser without the cookie with a script-only check."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.checks = 0  # cookie-check pages served

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != "/launch" or GATE_COOKIE in _cookies(scope):
            await self.inner(scope, receive, send)
            return
        await _read_body(receive)
        self.checks += 1
        set_cookie = f'document.cookie="{GATE_COOKIE}=1; path=/; SameSite=Lax";'
        await _respond(send, 200, _html(f"<noscript>JavaScript を有効にしてください</noscript>"
                                        f"<script>{set_cookie}location.reload();</script>"))


def _chain(tmp: Path, browser: str | None, tls: LocalTls | None = None,
           trust: bool = True) -> tuple[Path, BackgroundServer, JsGatedEportal]:
    from renkei.mocks.eportal.app import create_app
    from renkei.mocks.eportal.config import EportalConfig
    from renkei.mocks.eportal.roster import Roster
    from renkei.mocks.runner import (
        APP_CLIENT_ID,
        DEPLOYMENT_ID,
        NRPS_READER_ID,
        mock_app_registration,
        nrps_reader_registration,
    )

    app_port, port = free_port(), free_port()
    url = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    key = tmp / "reader.pem"
    config = EportalConfig(issuer=url, tools=[mock_app_registration(f"http://127.0.0.1:{app_port}"),
                                              nrps_reader_registration(key)], keys_dir=tmp / "eportal-keys")
    gated = JsGatedEportal(create_app(config, Roster()))
    server = BackgroundServer(gated, "127.0.0.1", port, name="js-gated-eportal",
                              certfile=str(tls.cert_file) if tls else None,
                              keyfile=str(tls.key_file) if tls else None).start()
    platform = write_yaml(tmp / "platform.yaml", {
        "kind": "lti-platform",
        "platform": {"name": "スクリプト必須の学習eポータル", "issuer": url, "client_id": APP_CLIENT_ID,
                     "deployment_ids": [DEPLOYMENT_ID], "auth_url": url + "/auth", "token_url": url + "/token",
                     "jwks_url": url + "/jwks"},
        "launches": {"mode": "scripted", "scenarios": {"instructor": url + "/launch?user=t",
                                                       "student": url + "/launch?user=s"}},
        "harness": {"base_url": "http://127.0.0.1:1"}})
    eportal: dict[str, Any] = {
        "target": str(platform),
        "launch_url": url + "/launch?client_id={client_id}&user={user}&context={context}&pii={pii}",
        "import": {"mode": "scripted", "url": url + "/admin/roster/import",
                   "body": {"base_url": "{base_url}", "token_url": "{token_url}", "client_id": "{client_id}",
                            "client_secret": "{client_secret}"}},
        "nrps": {"token_url": url + "/token", "client_id": NRPS_READER_ID, "deployment_id": DEPLOYMENT_ID,
                 "key_file": str(key), "memberships_url": url + "/nrps/{context}"}}
    if browser is not None:
        eportal["browser"] = browser
    chain = {"kind": "chain", **SMALL, "mocks": {"listen": {"app": app_port}}, "positions": {"eportal": eportal}}
    if tls is not None and trust:
        chain["tls"] = {"ca_file": str(tls.ca_file)}
    return write_yaml(tmp / "chain.yaml", chain), server, gated


LAUNCH_CHECKS = {"chain.link.imported", "chain.link.launch_accepted", "chain.link.sub"}


def test_plain_http_says_the_launch_page_needs_javascript_and_fails_nothing(tmp_path: Path) -> None:
    target, server, gated = _chain(tmp_path, None)
    try:
        run = run_chain(target)
    finally:
        server.stop()
    assert gated.checks > 0
    outcomes = {c.id: c for c in run.checks}
    assert not [c.id for c in run.checks if c.outcome is Outcome.FAILED]  # not a link failure
    for check_id in LAUNCH_CHECKS:
        check = outcomes[check_id]
        assert check.outcome is Outcome.ERROR, check_id  # not evaluated, with the reason
        assert "needs JavaScript" in (check.error or ""), (check_id, check.error)
        assert "positions.eportal.browser.engine: chromium" in (check.error or ""), check_id


@needs_chromium
def test_browser_mode_follows_the_cookie_check_and_the_chain_is_green(tmp_path: Path) -> None:
    target, server, gated = _chain(tmp_path, "chromium")
    try:
        run = run_chain(target)
    finally:
        server.stop()
    assert gated.checks > 0  # every launch went through the script-only page
    assert {c.id: c.error for c in run.checks if c.outcome is not Outcome.PASSED} == {}
    assert run.target["eportal_browser_engine"] == "chromium"


@needs_chromium
def test_browser_mode_pins_exactly_the_vendor_certificates_it_verified(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Chromium trusts neither tls.ca_file nor SSL_CERT_FILE: the vendor e-portal's https origin is
    verified with the chain's tls.ca_file when the target opens and its key pinned for the browser; an
    untrusted certificate is the exit-2 error, before any launch."""
    import ssl

    from renkei.harness.core.errors import TargetError
    from renkei.harness.lti.protocol.transport import spki_pin

    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    tls = LocalTls(tmp_path / "tls")
    target, server, _ = _chain(tmp_path, "chromium", tls)
    try:
        session = RunSession.create(RunOptions(profile="chain-japan", target=str(target)))
        try:
            der = ssl.PEM_cert_to_DER_cert(tls.cert_file.read_text())
            assert session.target._launcher.chromium.pins == (spki_pin(der),)  # type: ignore[attr-defined]
        finally:
            session.target.close()
    finally:
        server.stop()
    (tmp_path / "untrusted").mkdir()
    untrusted, server, _ = _chain(tmp_path / "untrusted", "chromium", tls, trust=False)
    try:
        with pytest.raises(TargetError, match="not trusted"):
            RunSession.create(RunOptions(profile="chain-japan", target=str(untrusted)))
    finally:
        server.stop()
