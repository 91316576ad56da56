"""multipart/mixed statements with attachments, signed statements, and attachments=true answers."""

from __future__ import annotations

import hashlib

from joserfc.jwk import RSAKey
from starlette.testclient import TestClient

from renkei.harness.xapi.model import multipart
from tests.mocks.lrs.conftest import headers, statement

URL = "/xapi/statements"
PDF = b"%PDF-1.4 renkei test attachment \x00\x01\x02"


def with_attachment(content: bytes = PDF) -> dict:  # type: ignore[type-arg]
    return statement(attachments=[multipart.attachment_for(content, "application/pdf",
                                                           "http://id.tincanapi.com/attachment/supporting_media",
                                                           {"ja-JP": "資料"})])


def post_multipart(lrs: TestClient, statements: object, parts: list[tuple[str, bytes]]) -> object:
    body, content_type = multipart.build_multipart(statements, parts)
    return lrs.post(URL, content=body, headers=headers(**{"Content-Type": content_type}))


def test_multipart_statement_is_stored_and_returned_with_attachments(lrs: TestClient) -> None:
    r = post_multipart(lrs, [with_attachment()], [("application/pdf", PDF)])
    assert r.status_code == 200, r.text  # type: ignore[attr-defined]
    sid = r.json()[0]  # type: ignore[attr-defined]
    got = lrs.get(URL, params={"statementId": sid, "attachments": "true"}, headers=headers())
    assert got.status_code == 200 and got.headers["Content-Type"].startswith("multipart/mixed")
    statements, parts = multipart.parse_multipart(got.content, got.headers["Content-Type"])
    assert statements["id"] == sid and [p.body for p in parts] == [PDF]
    assert parts[0].sha2 == hashlib.sha256(PDF).hexdigest()
    listed = lrs.get(URL, params={"attachments": "true"}, headers=headers())
    result, parts = multipart.parse_multipart(listed.content, listed.headers["Content-Type"])
    assert [s["id"] for s in result["statements"]] == [sid] and len(parts) == 1
    plain = lrs.get(URL, params={"statementId": sid}, headers=headers())
    assert plain.headers["Content-Type"].startswith("application/json")


def test_attachment_without_part_or_file_url_is_400(lrs: TestClient) -> None:
    r = lrs.post(URL, json=with_attachment(), headers=headers())
    assert r.status_code == 400 and "attachments[0]" in r.text
    with_url = statement(attachments=[{**with_attachment()["attachments"][0], "fileUrl": "https://cdn.example.jp/a.pdf"}])
    assert lrs.post(URL, json=with_url, headers=headers()).status_code == 200


def test_hash_mismatch_extra_part_and_broken_body_are_400(lrs: TestClient) -> None:
    body, content_type = multipart.build_multipart([with_attachment()], [("application/pdf", PDF)])
    tampered = body.replace(PDF, PDF[:-1] + b"\x03")
    r = lrs.post(URL, content=tampered, headers=headers(**{"Content-Type": content_type}))
    assert r.status_code == 400 and "part 1" in r.text
    r = post_multipart(lrs, [with_attachment()], [("application/pdf", PDF), ("text/plain", b"extra")])
    assert r.status_code == 400  # type: ignore[attr-defined]
    r = lrs.post(URL, content=body, headers=headers(**{"Content-Type": "multipart/mixed"}))  # no boundary
    assert r.status_code == 400 and "multipart" in r.text
    assert lrs.get(URL, headers=headers()).json()["statements"] == []


def test_signed_statement_is_verified(lrs: TestClient) -> None:
    key = RSAKey.generate_key(2048)
    st = statement(id="5f1f7a38-8c2e-4d8e-9f2b-1c0a7b3e6d11")
    jws = multipart.sign_statement(st, key)
    sig = multipart.attachment_for(jws, multipart.SIGNATURE_TYPE, multipart.SIGNATURE_USAGE, {"en-US": "signature"})
    signed = {**st, "attachments": [sig]}
    r = post_multipart(lrs, signed, [(multipart.SIGNATURE_TYPE, jws)])
    assert r.status_code == 200, r.text  # type: ignore[attr-defined]
    other = statement(1, id="6f1f7a38-8c2e-4d8e-9f2b-1c0a7b3e6d12")
    forged = {**other, "attachments": [sig]}  # the JWS is over another statement
    r = post_multipart(lrs, forged, [(multipart.SIGNATURE_TYPE, jws)])
    assert r.status_code == 400  # type: ignore[attr-defined]
