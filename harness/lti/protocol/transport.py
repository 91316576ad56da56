"""Transport failures are never a product's failure: their one classification, TLS trust, the probe.

Why a module of its own: an untrusted certificate, a refused connection or a dead host says
nothing about whether a Tool validates its id_tokens, yet turned into findings it reads as dozens
of failed security checks. So the two clients (``browser.Browser``, ``http.ApiClient``) and the
Chromium driver classify every network problem once, here:

- before the run, ``probe`` opens a TCP connection (and the TLS handshake) to each vendor origin
  the profile needs; a TLS trust failure, a refused connection, an unknown host name or a host
  that does not accept connections is one ``TargetError`` line with a hint (exit 2);
- during the run, a timeout, a refused or reset connection or a TLS failure raises
  ``TransportFailure``, a ``PeerUnavailable``: the check that needed the answer becomes an
  ``error`` outcome with the reason, never ``failed``. Timeouts are reported to the target's
  ``CircuitBreaker``, so a peer that stopped answering costs a bounded time.

Everything else a peer does (a redirect to a foreign host, an oversized or malformed body, an HTTP
error status) is behaviour of the product and stays a finding. ``ssl_context`` builds the one TLS
trust every client of a target uses: the usual public CAs (or ``SSL_CERT_FILE``) plus the target's
``tls.ca_file``. ``spki_pin`` lets the Chromium driver trust exactly the certificates the probe
verified, because Chromium reads neither that bundle nor ``SSL_CERT_FILE``. ``vendor_transport``
with ``deadline`` bounds each request as a whole, not only each read.
"""

from __future__ import annotations

import base64
import hashlib
import socket
import ssl
import threading
import time
import urllib.request
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

from renkei.harness.core.breaker import CircuitBreaker, PeerUnavailable
from renkei.harness.core.errors import ConfigError, TargetError

#: BrowserError codes that are transport failures (the others are the product's behaviour).
TRANSPORT_CODES = frozenset({"timeout", "tls", "connect", "network"})
CA_HINT = ("if it is issued by a private CA, add the CA's PEM bundle as tls.ca_file in the target file "
           "(observation.verify_tls: false turns verification off, for throw-away test servers only)")


class TransportFailure(PeerUnavailable):
    """A request got no usable answer for a reason of the network, not of the product.

    ``reason`` (the check's not-evaluated reason) names the request; ``code`` is one of
    ``TRANSPORT_CODES``; ``en``/``ja`` say what happened without the request.
    """

    def __init__(self, code: str, en: str, ja: str, *, url: str, method: str, peer: str = "") -> None:
        super().__init__(f"{method} {url}: {en}", peer=peer)
        self.code = code
        self.en = en
        self.ja = ja
        self.url = url
        self.method = method


def ssl_context(*, verify: bool, ca_file: str | None, where: str) -> ssl.SSLContext | bool:
    """The TLS trust of every client of one target: ``False`` (no verification) or a context
    trusting the usual CAs (``SSL_CERT_FILE``/``SSL_CERT_DIR`` when set) plus ``ca_file``."""
    if not verify:
        if ca_file:
            raise ConfigError(f"target {where}: tls.ca_file has no effect with observation.verify_tls: false; "
                              "remove one of them")
        return False
    context = httpx.create_ssl_context(verify=True)
    if ca_file:
        try:
            context.load_verify_locations(cafile=ca_file)
        except FileNotFoundError:
            raise ConfigError(f"target {where}: tls.ca_file: file {ca_file} does not exist") from None
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(f"target {where}: tls.ca_file: {ca_file} is not a PEM bundle of CA certificates "
                              f"({getattr(exc, 'reason', None) or exc.__class__.__name__})") from None
    return context


# --- a total deadline per request -----------------------------------------------------------
# httpx bounds each read by its timeout, never a whole exchange: a peer that sends its status line
# and headers a byte at a time, each just inside the read timeout, would hold a request for hours.
# Every socket operation of a vendor transport therefore also stops at the request's deadline.
_deadline = threading.local()


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Bound every socket operation of the requests made inside to ``seconds`` in total."""
    previous = getattr(_deadline, "at", None)
    _deadline.at = time.monotonic() + seconds
    try:
        yield
    finally:
        _deadline.at = previous


def _left(timeout: float | None, error: type[Exception]) -> float | None:
    at = getattr(_deadline, "at", None)
    if at is None:
        return timeout
    left = at - time.monotonic()
    if left <= 0:
        raise error("the request ran out of its total time")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname,
                                                     _left(timeout, httpcore.ConnectTimeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.connect_tcp(host, port, _left(timeout, httpcore.ConnectTimeout),
                                                       local_address, socket_options))

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.connect_unix_socket(path, _left(timeout, httpcore.ConnectTimeout),
                                                               socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def vendor_transport(verify: ssl.SSLContext | bool) -> httpx.HTTPTransport:
    """The real-network transport of every client that talks to a vendor: ``verify`` as built by
    ``ssl_context``, and the total deadline of ``deadline`` on every socket operation."""
    transport = httpx.HTTPTransport(verify=verify)
    pool = getattr(transport, "_pool", None)  # httpx builds its httpcore pool without a backend option
    if not isinstance(pool, httpcore.ConnectionPool) or not hasattr(pool, "_network_backend"):
        raise RuntimeError("this httpx/httpcore version cannot take renkei's request deadline")  # caught in tests
    pool._network_backend = _DeadlineBackend()
    return transport


def spki_pin(der: bytes) -> str:
    """base64(SHA-256(SubjectPublicKeyInfo)) of a DER certificate, as Chromium's
    ``--ignore-certificate-errors-spki-list`` wants it."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    public = x509.load_der_x509_certificate(der).public_key()
    spki = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(spki).digest()).decode("ascii")


@dataclass(frozen=True)
class Endpoint:
    """A vendor URL the run needs and the target-file field that names it (for the hint)."""

    field: str
    url: str

    @property
    def origin(self) -> str:
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc.lower()}"


def _behind_proxy(scheme: str, host: str) -> bool:
    """httpx honours HTTP(S)_PROXY; a direct probe would then test the wrong path."""
    proxies = urllib.request.getproxies()
    return scheme in proxies and not urllib.request.proxy_bypass(host)


def probe(endpoints: list[Endpoint], *, verify: ssl.SSLContext | bool, timeout: float, where: str,
          product: str, breaker: CircuitBreaker | None = None) -> dict[str, str]:
    """Connect once to each origin of ``endpoints`` (TCP, then the TLS handshake for https).

    Returns {origin: SPKI pin of its certificate} for the https origins that were verified.
    Raises ``TargetError`` (exit 2) with a hint when an origin cannot be used at all. A peer that
    accepts the connection and then stays silent is not a target error: the timeout goes to the
    breaker and the run's checks say what could not be evaluated.
    """
    pins: dict[str, str] = {}
    seen: set[str] = set()
    for endpoint in endpoints:
        parts = urlsplit(endpoint.url)
        origin = endpoint.origin
        if origin in seen or parts.scheme not in ("http", "https") or not parts.hostname:
            continue
        seen.add(origin)
        if _behind_proxy(parts.scheme, parts.hostname):
            continue
        host, port = parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)
        named = f"{origin} ({endpoint.field})"
        try:
            sock = socket.create_connection((host, port), timeout=timeout)
        except socket.gaierror:
            raise TargetError(f"target {where}: the host name {host} ({endpoint.field}) does not resolve: check the "
                              "URL in the target file") from None
        except ConnectionRefusedError:
            raise TargetError(f"target {where}: {named} refused the connection: is the {product} running on that "
                              "port, and is the URL in the target file right?") from None
        except TimeoutError:
            raise TargetError(f"target {where}: {named} did not accept a connection within {timeout:g} s: is the "
                              "host up and reachable from this machine?") from None
        except OSError as exc:
            raise TargetError(f"target {where}: cannot connect to {named}: {exc.strerror or exc}: is the host up "
                              "and reachable from this machine?") from None
        with sock:
            if parts.scheme != "https":
                continue
            context = verify if isinstance(verify, ssl.SSLContext) else httpx.create_ssl_context(verify=False)
            try:
                with context.wrap_socket(sock, server_hostname=host) as tls:
                    der = tls.getpeercert(binary_form=True)
            except ssl.SSLCertVerificationError as exc:
                detail = exc.verify_message or exc.reason or "verification failed"
                if "hostname" in str(detail).lower() or "ip address mismatch" in str(detail).lower():
                    raise TargetError(f"target {where}: the TLS certificate of {named} is not valid for {host} "
                                      f"({detail}): use the host name the certificate was issued for") from None
                raise TargetError(f"target {where}: the TLS certificate of {named} is not trusted ({detail}); "
                                  + CA_HINT) from None
            except TimeoutError:
                if breaker is not None:
                    breaker.record_timeout(f"TLS handshake with {origin}")
                continue
            except (ssl.SSLError, OSError) as exc:
                reason = getattr(exc, "reason", None) or exc.__class__.__name__
                raise TargetError(f"target {where}: the TLS handshake with {named} failed ({reason}): is it really "
                                  "https on that port?") from None
            if der and verify is not False:
                pins[origin] = spki_pin(der)
    return pins
