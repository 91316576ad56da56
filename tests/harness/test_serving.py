"""BackgroundServer: really listens on 127.0.0.1, reports its port, and always stops."""

from __future__ import annotations

import ssl

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from renkei.harness.core.errors import TargetError
from renkei.harness.serving import BackgroundServer, free_port


def _app() -> Starlette:
    return Starlette(routes=[Route("/", lambda request: PlainTextResponse("連携"))])


def test_serves_on_an_ephemeral_port_and_stops():
    with BackgroundServer(_app(), port=0) as server:
        assert server.port > 0
        assert httpx.get(server.url + "/", timeout=5).text == "連携"
        url = server.url
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/", timeout=2)


def test_busy_port_is_a_target_error():
    with BackgroundServer(_app(), port=0) as first, pytest.raises(TargetError, match="cannot serve"):
        BackgroundServer(_app(), port=first.port).start(timeout=5)


def test_free_port_is_bindable():
    port = free_port()
    with BackgroundServer(_app(), port=port) as server:
        assert server.port == port


def test_local_tls_serves_https_trusted_by_its_ca(tmp_path):
    from renkei.harness.serving import LocalTls

    tls = LocalTls(tmp_path)
    with BackgroundServer(_app(), port=0, certfile=str(tls.cert_file), keyfile=str(tls.key_file)) as server:
        assert server.url.startswith("https://127.0.0.1:")
        ctx = ssl.create_default_context(cafile=str(tls.ca_file))
        assert httpx.get(server.url + "/", verify=ctx, timeout=5).text == "連携"
        with pytest.raises(httpx.ConnectError):  # not trusted without the CA
            httpx.get(server.url + "/", timeout=5)


def test_missing_certificate_is_named_not_blamed_on_the_port(tmp_path):
    with pytest.raises(TargetError, match="No such file or directory: .*nope.pem"):
        BackgroundServer(_app(), port=0, certfile=str(tmp_path / "nope.pem"),
                         keyfile=str(tmp_path / "nope.pem")).start(timeout=5)
