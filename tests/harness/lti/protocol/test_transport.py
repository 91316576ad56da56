"""Transport failures are never a product's failure, over real sockets on 127.0.0.1.

An untrusted certificate or a refused port is one exit-2 line with a hint; ``tls.ca_file`` makes
the same run proceed; a peer that accepts connections and never answers trips the circuit
breaker, so the remaining checks are errors with the reason after a bounded number of requests.
"""

from __future__ import annotations

import shutil
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from renkei.harness.cli import main
from renkei.harness.core.errors import ConfigError, TargetError
from renkei.harness.core.model import Outcome
from renkei.harness.core.session import RunOptions, RunSession
from renkei.harness.lti.protocol.transport import Endpoint, probe, spki_pin, ssl_context
from renkei.harness.lti.tool.browser_driver import playwright_available
from renkei.harness.serving import BackgroundServer, LocalTls, free_port
from renkei.mocks.runner import serve_app

HOST = "127.0.0.1"
CLIENT_ID = "renkei-transport-test"
DEPLOYMENT = "S_B101200000019"


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> LocalTls:
    return LocalTls(tmp_path_factory.mktemp("tls"))


@pytest.fixture(autouse=True)
def _no_env_trust(monkeypatch: pytest.MonkeyPatch) -> None:
    """Trust must come from the target file here, not from the environment of the test run."""
    for name in ("SSL_CERT_FILE", "SSL_CERT_DIR", "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def https_tool(tls: LocalTls, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The mock Tool over https (certificate of a private CA); renkei's Platform side on plain http."""
    harness = f"http://{HOST}:{free_port(HOST)}"
    server = serve_app(platform_issuer=harness, client_id=CLIENT_ID, deployment_ids=[DEPLOYMENT],
                       keys_dir=tmp_path / "app-keys", tls=tls)
    try:
        yield server.url, harness
    finally:
        server.stop()


def tool_target(path: Path, tool: str, harness: str, **sections: Any) -> Path:
    data: dict[str, Any] = {
        "kind": "lti-tool",
        "tool": {"login_url": tool + "/login", "redirect_uris": [tool + "/launch"], "target_link_uri": tool + "/launch",
                 "jwks_url": tool + "/jwks", "client_id": CLIENT_ID, "deployment_ids": [DEPLOYMENT],
                 "services": {"deep_linking": True, "nrps": False, "ags": False}},
        "harness": {"base_url": harness, "listen": {"host": HOST, "port": int(harness.rsplit(":", 1)[1])}},
        "observation": {"accept": {"status": [200], "marker_id": "lti-launch"},
                        "reject": {"status": [400, 401, 403], "marker_regex": 'id="lti-error"'},
                        "timeout_seconds": 5},
    }
    for name, value in sections.items():
        data[name] = {**data.get(name, {}), **value}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _exit(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    return int(exc.value.code or 0), capsys.readouterr().err


def test_an_untrusted_certificate_is_one_exit_2_line_with_the_ca_hint(
        https_tool: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tool_target(tmp_path / "tool.yaml", *https_tool)
    code, err = _exit(["run", "--profile", "lti13-tool", "--target", str(target)], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "TLS certificate of https://127.0.0.1:" in err and "(tool.login_url) is not trusted" in err
    assert "add the CA's PEM bundle as tls.ca_file" in err and "Traceback" not in err


def test_tls_ca_file_makes_the_same_run_proceed(
        https_tool: tuple[str, str], tls: LocalTls, tmp_path: Path) -> None:
    shutil.copy(tls.ca_file, tmp_path / "vendor-ca.pem")
    target = tool_target(tmp_path / "tool.yaml", *https_tool, tls={"ca_file": "vendor-ca.pem"})  # relative
    session = RunSession.create(RunOptions(profile="lti13-tool", target=str(target),
                                           select="lti.tool.core.login_get,lti.tool.sec.alg_none"))
    try:
        results = [session.run_check(c) for c in session.checks]
    finally:
        session.finish()
    assert {r.id: r.outcome for r in results} == {"lti.tool.core.login_get": Outcome.PASSED,
                                                  "lti.tool.sec.alg_none": Outcome.PASSED}


def test_a_refused_port_is_one_exit_2_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as reserved:
        reserved.bind((HOST, 0))  # bound, never listening: connections are refused
        tool = f"http://{HOST}:{reserved.getsockname()[1]}"
        target = tool_target(tmp_path / "tool.yaml", tool, f"http://{HOST}:{free_port(HOST)}")
        code, err = _exit(["run", "--profile", "lti13-tool", "--target", str(target)], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert f"{tool} (tool.login_url) refused the connection: is the Tool running" in err


def test_a_platform_with_an_untrusted_certificate_is_exit_2(
        tls: LocalTls, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    server = BackgroundServer(_hello, HOST, 0, certfile=str(tls.cert_file), keyfile=str(tls.key_file)).start()
    try:
        portal = server.url
        data = {"kind": "lti-platform",
                "platform": {"issuer": portal, "client_id": "c", "deployment_ids": ["d"], "auth_url": portal + "/auth",
                             "jwks_url": portal + "/jwks"},
                "launches": {"scenarios": {"instructor": portal + "/launch?u=t", "student": portal + "/launch?u=s"}},
                "harness": {"base_url": f"http://{HOST}:{free_port(HOST)}", "listen": {"host": HOST, "port": 0}}}
        path = tmp_path / "platform.yaml"
        path.write_text(yaml.safe_dump(data), encoding="utf-8")
        code, err = _exit(["run", "--profile", "lti13-platform", "--target", str(path)], capsys)
        assert code == 2 and "(platform.auth_url) is not trusted" in err and "tls.ca_file" in err
        data["tls"] = {"ca_file": str(tls.ca_file)}
        path.write_text(yaml.safe_dump(data), encoding="utf-8")
        session = RunSession.create(RunOptions(profile="lti13-platform", target=str(path)))  # the probe passes
        session.finish()
    finally:
        server.stop()


async def _hello(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"hello"})


# --- the probe and the TLS trust, unit by unit -------------------------------------------------
def test_dns_and_dead_hosts_get_their_own_hints(monkeypatch: pytest.MonkeyPatch) -> None:
    endpoints = [Endpoint("tool.login_url", "https://tool.example.jp/login")]

    def fails_with(exc: BaseException) -> Any:
        def connect(*_a: Any, **_k: Any) -> Any:
            raise exc
        return connect

    monkeypatch.setattr(socket, "create_connection", fails_with(socket.gaierror(-2, "Name or service not known")))
    with pytest.raises(TargetError, match=r"host name tool.example.jp \(tool.login_url\) does not resolve"):
        probe(endpoints, verify=True, timeout=1, where="t.yaml", product="Tool")
    monkeypatch.setattr(socket, "create_connection", fails_with(TimeoutError()))
    with pytest.raises(TargetError, match=r"did not accept a connection within 1 s: is the host up"):
        probe(endpoints, verify=True, timeout=1, where="t.yaml", product="Tool")


def test_a_wrong_host_name_in_the_certificate_is_named(tls: LocalTls) -> None:
    server = BackgroundServer(_hello, HOST, 0, certfile=str(tls.cert_file), keyfile=str(tls.key_file)).start()
    try:
        context = ssl_context(verify=True, ca_file=str(tls.ca_file), where="t.yaml")
        assert isinstance(context, ssl.SSLContext)
        url = f"https://{HOST}:{server.port}/jwks"
        pins = probe([Endpoint("tool.jwks_url", url)], verify=context, timeout=5, where="t.yaml", product="Tool")
        assert list(pins) == [f"https://{HOST}:{server.port}"]
        assert pins[f"https://{HOST}:{server.port}"] == spki_pin(ssl.PEM_cert_to_DER_cert(tls.cert_file.read_text()))
    finally:
        server.stop()
    other = BackgroundServer(_hello, "127.0.0.2", 0, certfile=str(tls.cert_file), keyfile=str(tls.key_file)).start()
    try:  # the certificate names 127.0.0.1 and localhost, not 127.0.0.2
        with pytest.raises(TargetError, match=r"is not valid for 127.0.0.2 .*: use the host name the certificate"):
            probe([Endpoint("tool.jwks_url", f"https://127.0.0.2:{other.port}/jwks")], verify=context, timeout=5,
                  where="t.yaml", product="Tool")
    finally:
        other.stop()


def test_a_bad_ca_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="tls.ca_file: file .* does not exist"):
        ssl_context(verify=True, ca_file=str(tmp_path / "missing.pem"), where="t.yaml")
    (tmp_path / "junk.pem").write_text("not a certificate", encoding="utf-8")
    with pytest.raises(ConfigError, match="is not a PEM bundle of CA certificates"):
        ssl_context(verify=True, ca_file=str(tmp_path / "junk.pem"), where="t.yaml")
    with pytest.raises(ConfigError, match="no effect with observation.verify_tls: false"):
        ssl_context(verify=False, ca_file=str(tmp_path / "junk.pem"), where="t.yaml")


# --- a peer that accepts connections and never answers ---------------------------------------
class SilentServer:
    """Accepts TCP connections on 127.0.0.1 and never sends a byte; counts the connections."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind((HOST, 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.accepted:
            conn.close()


def test_a_silent_tool_trips_the_breaker_and_the_rest_is_not_evaluated(tmp_path: Path) -> None:
    silent = SilentServer()
    try:
        tool = f"http://{HOST}:{silent.port}"
        target = tool_target(tmp_path / "tool.yaml", tool, f"http://{HOST}:{free_port(HOST)}",
                             observation={"timeout_seconds": 0.3, "max_consecutive_timeouts": 2})
        session = RunSession.create(RunOptions(profile="lti13-tool", target=str(target)))
        try:
            results = [session.run_check(c) for c in session.checks]
        finally:
            session.finish()
    finally:
        silent.close()
    needs_tool = [r for r in results if r.outcome is not Outcome.SKIPPED]
    assert needs_tool and all(r.outcome is Outcome.ERROR and not r.findings for r in needs_tool)
    reasons = {r.not_evaluated[0] for r in needs_tool}
    assert f"GET {tool}/login: No response within 0.3 s." in reasons  # the shared baseline launch, kept
    tripped = [r for r in needs_tool if "circuit breaker open" in (r.error or "")]
    assert tripped and "the Tool under test did not answer 2 requests in a row" in tripped[-1].not_evaluated[0]
    assert len(silent.accepted) <= 3  # the probe's connection and two requests; nothing after the breaker opened


@pytest.mark.skipif(shutil.which("chromium") is None or not playwright_available(),
                    reason="needs Playwright and a system Chromium")
def test_chromium_trusts_exactly_the_certificates_the_probe_verified(
        https_tool: tuple[str, str], tls: LocalTls, tmp_path: Path) -> None:
    target = tool_target(tmp_path / "tool.yaml", *https_tool, tls={"ca_file": str(tls.ca_file)},
                         browser={"engine": "chromium", "executable": shutil.which("chromium")})
    session = RunSession.create(RunOptions(profile="lti13-tool", target=str(target), select="lti.tool.core.login_get"))
    try:
        driver = session.target.launcher.driver  # type: ignore[attr-defined]
        assert driver is not None and driver.pins == (spki_pin(ssl.PEM_cert_to_DER_cert(tls.cert_file.read_text())),)
        result = session.run_check(session.checks[0])
    finally:
        session.finish()
    assert result.outcome is Outcome.PASSED, result.error or [f.message for f in result.findings]


class TricklingServer:
    """Answers each request's status line and headers one byte every ``pause`` seconds: each read
    is well inside a read timeout, the whole answer takes ``len(HEAD) * pause`` seconds."""

    HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Padding: " + b"x" * 200 + b"\r\n" \
           b"Content-Length: 2\r\n\r\n{}"

    def __init__(self, pause: float = 0.05) -> None:
        self.pause = pause
        self.sock = socket.socket()
        self.sock.bind((HOST, 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self._stop = threading.Event()
        self.sent = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._trickle, args=(conn,), daemon=True).start()

    def _trickle(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(65536)
                for byte in self.HEAD:
                    if self._stop.wait(self.pause):
                        return
                    conn.sendall(bytes([byte]))
                    self.sent += 1
            except OSError:
                return

    def close(self) -> None:
        self._stop.set()
        self.sock.close()


def test_a_trickling_answer_is_cut_at_the_total_deadline_and_counts_as_a_timeout() -> None:
    from renkei.harness.core.breaker import CircuitBreaker
    from renkei.harness.lti.protocol.http import ApiClient
    from renkei.harness.lti.protocol.transport import TransportFailure

    server = TricklingServer()  # ~12 s for the whole head; every read returns within 0.05 s
    breaker = CircuitBreaker("the peer", threshold=1)
    client = ApiClient(transport=None, timeout=0.3, max_body=4096, breaker=breaker)
    try:
        with pytest.raises(TransportFailure) as raised:
            client.request("GET", f"http://{HOST}:{server.port}/jwks")
    finally:
        client.close()
        server.close()
    assert raised.value.code == "timeout" and breaker.is_open
    assert server.sent < len(TricklingServer.HEAD) // 2  # cut off while the headers were still trickling in
