"""multipart/mixed statements bodies and signed statements: round trips, and each broken body the
ADL suite's attachment templates describe (no boundary, wrong first part, missing hash, sha2
mismatch, missing or wrong transfer encoding, extra parts, attachments without parts)."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import hashlib
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID
from joserfc.jwk import RSAKey

from renkei.harness.xapi.model.multipart import (
    SIGNATURE_TYPE,
    SIGNATURE_USAGE,
    MultipartError,
    attachment_for,
    build_multipart,
    judge_multipart,
    parse_multipart,
    sign_statement,
    verify_signature,
)
from renkei.harness.xapi.model.statement import validate_statement
from tests.harness.xapi.model.samples import voiding_statement

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def statement_with(content: bytes) -> dict[str, Any]:
    st = voiding_statement()
    st["verb"] = {"id": "http://adlnet.gov/expapi/verbs/answered"}
    st["object"] = {"id": "https://example.app.jp/q/1"}
    st["attachments"] = [attachment_for(content, "image/png", "https://example.app.jp/usage/sheet", {"ja-JP": "解答"})]
    return st


def test_round_trip() -> None:
    st = statement_with(PNG)
    assert validate_statement(st) == []
    body, ctype = build_multipart([st], [("image/png", PNG)])
    statements, parts, problems = judge_multipart(body, ctype)
    assert problems == [] and statements == [st]
    assert [(p.index, p.content_type, p.body) for p in parts] == [(1, "image/png", PNG)]
    assert parts[0].sha2 == hashlib.sha256(PNG).hexdigest()


def test_file_url_needs_no_part_and_plain_json_is_judged_too() -> None:
    st = statement_with(PNG)
    _, _, problems = judge_multipart(*build_multipart(st, []))
    assert [p.rule for p in problems] == ["multipart.missing_part"]
    assert problems[0].path == "$.attachments[0]"
    st["attachments"][0]["fileUrl"] = "https://example.app.jp/files/1.png"
    assert judge_multipart(*build_multipart(st, []))[2] == []


def _body(parts: list[bytes], boundary: bytes = b"xyz") -> bytes:
    return b"".join(b"--" + boundary + b"\r\n" + p + b"\r\n" for p in parts) + b"--" + boundary + b"--\r\n"


JSON_PART = b"Content-Type: application/json\r\n\r\n"


def _png_part(headers: bytes) -> bytes:
    return headers + b"\r\n\r\n" + PNG


SHA = hashlib.sha256(PNG).hexdigest().encode()


@pytest.mark.parametrize(("ctype", "body", "rule"), [
    ("multipart/mixed", b"", "multipart.content_type"),
    ("application/json", b"{}", "multipart.content_type"),
    ("multipart/mixed; boundary=xyz", b"no delimiters here", "multipart.structure"),
    ("multipart/mixed; boundary=xyz", b"--xyz\r\nContent-Type: application/json\r\n\r\n[]", "multipart.structure"),
    ("multipart/mixed; boundary=xyz", _body([b"Content-Type: text/plain\r\n\r\n[]"]), "multipart.first_part"),
    ("multipart/mixed; boundary=xyz", _body([JSON_PART + b"[{"]), "multipart.json"),
    ("multipart/mixed; boundary=xyz", _body([JSON_PART + b"[" * 100 + b"]" * 100]), "multipart.json"),
    ("multipart/mixed; boundary=xyz", _body([JSON_PART + b"[]"] + [_png_part(b"X: y")] * 101), "multipart.limit"),
    ("multipart/mixed; boundary=xyz", _body([JSON_PART + b"[]", b"no colon\r\n\r\nx"]), "multipart.structure"),
])
def test_broken_bodies_raise_with_a_problem(ctype: str, body: bytes, rule: str) -> None:
    with pytest.raises(MultipartError) as info:
        parse_multipart(body, ctype)
    assert info.value.problem.rule == rule
    assert judge_multipart(body, ctype)[2] == [info.value.problem]


@pytest.mark.parametrize(("headers", "rules"), [
    (b"Content-Type: image/png\r\nContent-Transfer-Encoding: binary\r\nX-Experience-API-Hash: " + SHA, []),
    (b"Content-Type: image/png\r\nContent-Transfer-Encoding: binary", ["multipart.hash", "multipart.missing_part",
                                                                        ]),
    (b"Content-Type: image/png\r\nX-Experience-API-Hash: " + SHA, ["multipart.cte"]),
    (b"Content-Type: image/png\r\nContent-Transfer-Encoding: base64\r\nX-Experience-API-Hash: " + SHA,
     ["multipart.cte"]),
    (b"Content-Type: image/png\r\nContent-Transfer-Encoding: binary\r\nX-Experience-API-Hash: " + b"0" * 64,
     ["multipart.sha2_mismatch", "multipart.missing_part", "multipart.extra_part"]),
])
def test_part_rules(headers: bytes, rules: list[str]) -> None:
    import json
    st = statement_with(PNG)
    body = _body([JSON_PART + json.dumps(st).encode(), _png_part(headers)])
    _, _, problems = judge_multipart(body, 'multipart/mixed; boundary="xyz"')
    assert sorted(p.rule for p in problems) == sorted(rules), [p.text() for p in problems]


def test_extra_part() -> None:
    st = statement_with(PNG)
    _, _, problems = judge_multipart(*build_multipart(st, [("image/png", PNG), ("text/plain", b"extra")]))
    assert [(p.rule, p.path) for p in problems] == [("multipart.extra_part", "part 2")]


# --- signed statements ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def key() -> RSAKey:
    return RSAKey.generate_key(2048, private=True)


def _x5c(key: RSAKey) -> list[str]:
    private = serialization.load_pem_private_key(key.as_pem(private=True), password=None)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "renkei test app")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(private.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
            .sign(private, hashes.SHA256()))  # type: ignore[arg-type]
    return [base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()]


def _signed(key: RSAKey, alg: str = "RS256", x5c: list[str] | None = None,
            payload: dict[str, Any] | None = None) -> tuple[dict[str, Any], bytes]:
    st = statement_with(PNG)
    jws_bytes = sign_statement(payload or st, key, alg, x5c=x5c)
    signed = copy.deepcopy(st)
    signed["attachments"].append(attachment_for(jws_bytes, SIGNATURE_TYPE, SIGNATURE_USAGE, {"en-US": "signature"}))
    return signed, jws_bytes


@pytest.mark.parametrize("alg", ["RS256", "RS384", "RS512"])
def test_signed_statement_verifies(key: RSAKey, alg: str) -> None:
    signed, jws_bytes = _signed(key, alg, x5c=_x5c(key))
    assert verify_signature(signed, jws_bytes) == []
    body, ctype = build_multipart(signed, [("image/png", PNG), (SIGNATURE_TYPE, jws_bytes)])
    assert judge_multipart(body, ctype)[2] == []


def test_signature_failures(key: RSAKey) -> None:
    other = RSAKey.generate_key(2048, private=True)
    signed, jws_bytes = _signed(key, x5c=_x5c(other))
    assert [p.rule for p in verify_signature(signed, jws_bytes)] == ["signature.invalid"]
    signed, jws_bytes = _signed(key)
    assert [p.rule for p in verify_signature(signed, jws_bytes, key=other)] == ["signature.invalid"]
    assert verify_signature(signed, jws_bytes) == []  # no x5c, no key: only the payload is judged
    changed = statement_with(PNG)
    changed["actor"] = {"mbox": "mailto:someone-else@example.ed.jp"}
    signed, jws_bytes = _signed(key, payload=changed)
    problems = verify_signature(signed, jws_bytes)
    assert [p.rule for p in problems] == ["signature.mismatch"] and "actor" in problems[0].message
    hs = b".".join(base64.urlsafe_b64encode(x).rstrip(b"=") for x in (b'{"alg":"HS256"}', b"{}", b"sig"))
    assert [p.rule for p in verify_signature(signed, hs)] == ["signature.alg"]
    not_json = b".".join(base64.urlsafe_b64encode(x).rstrip(b"=") for x in (b'{"alg":"RS256"}', b"[1", b"sig"))
    assert [p.rule for p in verify_signature(signed, not_json)] == ["signature.payload"]
    for junk in (b"", b"a.b", b"\xff.\xff.\xff", b"a.b.c.d", b"x" * (1024 * 1024 + 1)):
        assert [p.rule for p in verify_signature(signed, junk)] == ["signature.format"]


def test_signature_attachment_rules(key: RSAKey) -> None:
    signed, jws_bytes = _signed(key)
    _, _, problems = judge_multipart(*build_multipart(signed, [("image/png", PNG)]))
    assert [p.rule for p in problems] == ["signature.missing"]
    signed["attachments"][1]["contentType"] = "application/jose"
    _, _, problems = judge_multipart(*build_multipart(signed, [("image/png", PNG), ("application/jose", jws_bytes)]))
    assert [p.rule for p in problems] == ["signature.contentType"]
