"""Serve an ASGI app with uvicorn in a background thread, on a real port, and always stop it.

Used wherever renkei must be reachable by someone else's product: the harness's own Platform or
Tool side during an LTI run, and the mock ecosystem in the demo and integration tests.
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import uvicorn

from renkei.harness.core.errors import TargetError


def free_port(host: str = "127.0.0.1") -> int:
    """An ephemeral port that was free a moment ago (for URLs that must be known up front)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class BackgroundServer:
    """uvicorn in a daemon thread; ``start()`` waits until it listens, ``stop()`` always ends it."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0, *, name: str = "renkei-server",
                 certfile: str | None = None, keyfile: str | None = None) -> None:
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
