"""Serve an ASGI app with uvicorn in a background thread, on a real port, and always stop it; and
``BodyLimit``, the one bound on what a peer may send to any app renkei serves.

Used wherever renkei must be reachable by someone else's product: the harness's own Platform or
Tool side during an LTI run, and the mock ecosystem in the demo and integration tests.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

import uvicorn

from renkei.harness.core.errors import TargetError

MAX_REQUEST_BYTES = 1024 * 1024  # every body renkei's own endpoints and the mocks expect is far smaller
BODY_TIMEOUT_SECONDS = 10.0  # from the first read of a body to its last byte

ASGIApp = Callable[..., Any]
# (HTTP status, English reason) -> the ASGI response an app wants to refuse a body with
Refusal = Callable[[int, str], ASGIApp]


def _oauth_refusal(status: int, reason: str) -> ASGIApp:
    """The default refusal: an OAuth-style JSON error (RFC 6749 §5.2), right for token endpoints too."""
    body = json.dumps({"error": "invalid_request", "error_description": reason}).encode()

    async def respond(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})

    return respond


class BodyLimit:
    """ASGI middleware that bounds every request body a peer sends, before any handler parses it.

    A declared ``Content-Length`` over ``max_bytes`` is refused with 413 without reading a byte; a
    chunked (or lying) body is read only up to the limit, then refused with 413; a body that
    trickles in for longer than ``timeout`` seconds is refused with 408. A body within the limits is
    buffered and replayed to the app, which can then read it as usual. Refusals ask the peer to close
    the connection, so the unread rest of a body is never read.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int = MAX_REQUEST_BYTES, timeout: float = BODY_TIMEOUT_SECONDS,
                 refuse: Refusal = _oauth_refusal) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.refuse = refuse

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = next((v for k, v in scope.get("headers", []) if k == b"content-length"), None)
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            status, reason = (413, f"request body larger than {self.max_bytes} bytes") if declared.isdigit() \
                else (400, "malformed Content-Length header")
            await self.refuse(status, reason)(scope, receive, send)
            return
        body = bytearray()
        deadline = asyncio.get_running_loop().time() + self.timeout
        while True:
            remaining = deadline - asyncio.get_running_loop().time()
            try:
                message = await asyncio.wait_for(receive(), max(remaining, 0))
            except TimeoutError:
                await self.refuse(408, f"request body not received within {self.timeout:g} s")(scope, receive, send)
                return
            if message["type"] == "http.disconnect":
                return  # the peer left: nobody to answer
            body += message.get("body", b"")
            if len(body) > self.max_bytes:
                await self.refuse(413, f"request body larger than {self.max_bytes} bytes")(scope, receive, send)
                return
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay(bytes(body), receive), send)


def _replay(body: bytes, receive: Any) -> Any:
    """A ``receive`` that hands the buffered body over once, then waits on the peer (disconnect)."""
    sent = False

    async def replay() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def body_limited(app: Any) -> bool:
    """True if ``app`` is a ``BodyLimit`` or a Starlette app that has one."""
    return isinstance(app, BodyLimit) or any(getattr(m, "cls", None) is BodyLimit
                                             for m in getattr(app, "user_middleware", []))


def free_port(host: str = "127.0.0.1") -> int:
    """An ephemeral port that was free a moment ago (for URLs that must be known up front)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class BackgroundServer:
    """uvicorn in a daemon thread; ``start()`` waits until it listens, ``stop()`` always ends it."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0, *, name: str = "renkei-server",
                 certfile: str | None = None, keyfile: str | None = None) -> None:
        app = app if body_limited(app) else BodyLimit(app)  # whatever is served, bodies are bounded
        self._config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False,
                                      lifespan="off", ssl_certfile=certfile, ssl_keyfile=keyfile)
        self._server = uvicorn.Server(self._config)
        self._thread: threading.Thread | None = None
        self._error: str | None = None
        self.host = host
        self.name = name
        self.scheme = "https" if certfile else "http"

    def start(self, timeout: float = 10.0) -> BackgroundServer:
        self._thread = threading.Thread(target=self._serve, name=self.name, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise TargetError(f"cannot serve {self.name} on {self.host}:{self._config.port}: "
                                  f"{self._error or 'it did not start in time'}")
            time.sleep(0.02)
        return self

    def _serve(self) -> None:
        """Keep start-up failures out of the thread excepthook and give start() the reason."""
        try:
            self._server.run()
        except SystemExit:  # uvicorn's way of saying it could not bind
            self._error = "the address is in use or not permitted"
        except OSError as exc:  # e.g. a missing or unreadable TLS certificate or key
            where = exc.filename or (f"TLS certfile {self._config.ssl_certfile}, keyfile {self._config.ssl_keyfile}"
                                     if self._config.ssl_certfile else None)
            self._error = f"{exc.strerror or exc}" + (f": {where}" if where else "")
        except Exception as exc:  # e.g. ssl.SSLError for a malformed certificate
            self._error = f"{type(exc).__name__}: {exc}"

    @property
    def port(self) -> int:
        """The bound port (useful when listening on port 0)."""
        for server in self._server.servers:
            for sock in server.sockets:
                return int(sock.getsockname()[1])
        return self._config.port

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


class LocalTls:
    """A throw-away CA and a server certificate for 127.0.0.1/localhost, written as PEM files.

    LTI wants https issuers [SEC §5.1.2]; running the mocks and renkei's own sides over real TLS
    (instead of excusing plain http) keeps local runs faithful. Clients trust ``ca_file``
    (e.g. through ``SSL_CERT_FILE``).
    """

    def __init__(self, directory: Path, *, days: int = 7) -> None:
        from datetime import UTC, datetime, timedelta
        from ipaddress import IPv4Address

        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        directory.mkdir(parents=True, exist_ok=True)
        now = datetime.now(UTC)

        def name(cn: str) -> x509.Name:
            return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca = (x509.CertificateBuilder().subject_name(name("renkei local CA")).issuer_name(name("renkei local CA"))
              .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
              .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=days))
              .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
              .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                           content_commitment=False, key_encipherment=False,
                                           data_encipherment=False, key_agreement=False,
                                           encipher_only=False, decipher_only=False), critical=True)
              .sign(ca_key, hashes.SHA256()))
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (x509.CertificateBuilder().subject_name(name("127.0.0.1")).issuer_name(ca.subject)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=days))
                .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                            x509.IPAddress(IPv4Address("127.0.0.1"))]),
                               critical=False)
                .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
                .sign(ca_key, hashes.SHA256()))
        pem = serialization.Encoding.PEM
        self.ca_file = directory / "ca.pem"
        self.cert_file = directory / "cert.pem"
        self.key_file = directory / "key.pem"
        self.ca_file.write_bytes(ca.public_bytes(pem))
        self.cert_file.write_bytes(cert.public_bytes(pem))
        self.key_file.write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                                    serialization.NoEncryption()))
        self.key_file.chmod(0o600)
