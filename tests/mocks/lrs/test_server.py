"""The mock LRS on a real port (uvicorn on 127.0.0.1), and the recording entry point the harness starts."""

from __future__ import annotations

import dataclasses

import httpx

from renkei.harness.xapi.statements import reference as protocol
from renkei.mocks.lrs.reference import ReceivedRequest
from renkei.mocks.lrs.server import serve_lrs
from tests.mocks.lrs.conftest import basic, config, headers, statement


def test_serve_lrs_answers_on_a_real_port_and_stops() -> None:
    server = serve_lrs(config())
    try:
        assert server.url.startswith("http://127.0.0.1:") and server.url.endswith("/xapi")
        with httpx.Client(base_url=server.url, timeout=10) as http:
            ids = http.post("/statements", json=statement(), headers=headers()).json()
            r = http.get("/statements", params={"statementId": ids[0]}, headers=headers())
            assert r.status_code == 200 and r.json()["id"] == ids[0]
            assert "date" in r.headers and "x-experience-api-consistent-through" in r.headers
            head = http.head("/statements", headers=headers())
            assert head.status_code == 200 and head.content == b""
    finally:
        server.stop()
    try:
        httpx.get(server.url + "/about", timeout=2)
        raise AssertionError("the server still answers after stop()")
    except httpx.TransportError:
        pass


def test_recording_lrs_through_the_entry_point() -> None:
    lrs = protocol.start(host="127.0.0.1", port=0, path="/lrs/xapi", clients=[("app", "s3cret")],
                         max_body_bytes=4096)
    try:
        assert lrs.url.endswith("/lrs/xapi") and lrs.home_page.startswith("http://127.0.0.1:")
        with httpx.Client(timeout=10) as http:
            ok = http.post(lrs.url + "/statements", json=statement(), headers=headers())
            assert ok.status_code == 200
            refused = http.post(lrs.url + "/statements", json=statement(), headers={
                **headers(), "Authorization": basic(secret="wrong")})
            assert refused.status_code == 401
            big = http.post(lrs.url + "/statements", content=b"[" + b" " * 8192 + b"]",
                            headers={**headers(), "Content-Type": "application/json"})
            assert big.status_code == 413
        got = lrs.received()
        assert [r.status for r in got] == [200, 401, 413]
        assert got[0].client == "app" and got[0].stored_ids == ok.json() and got[0].path == "/lrs/xapi/statements"
        assert got[1].client is None and "authorization" not in got[1].headers
        assert got[2].truncated and got[0].index == 0 and got[2].index == 2
        assert all(isinstance(r, ReceivedRequest) for r in got)
    finally:
        lrs.stop()


def test_recording_lrs_over_tls(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from renkei.harness.serving import LocalTls

    tls = LocalTls(tmp_path / "tls")
    lrs = protocol.start(host="127.0.0.1", port=0, path="/xapi", clients=[("app", "s3cret")], max_body_bytes=4096,
                         certfile=str(tls.cert_file), keyfile=str(tls.key_file))
    try:
        assert lrs.url.startswith("https://127.0.0.1:")
        with httpx.Client(verify=str(tls.ca_file), timeout=10) as http:
            assert http.post(lrs.url + "/statements", json=statement(), headers=headers()).status_code == 200
        assert [r.status for r in lrs.received()] == [200]
    finally:
        lrs.stop()


def test_received_request_matches_the_protocol_field_for_field() -> None:
    mine = [(f.name, f.type, f.default) for f in dataclasses.fields(ReceivedRequest)]
    theirs = [(f.name, f.type, f.default) for f in dataclasses.fields(protocol.ReceivedRequest)]
    assert mine == theirs
