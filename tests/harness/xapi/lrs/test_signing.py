"""The signatures renkei sends: real RS256 JWSs that the model's verifier (the mock LRS's) accepts when
they are right and refuses for each way the xapi.data.signature check makes them wrong."""

from __future__ import annotations

import base64
import json

from cryptography import x509

from renkei.harness.xapi.lrs import signing
from renkei.harness.xapi.model import multipart as M

STATEMENT = {"id": "0b7e1c8a-3c1d-4f3e-9a55-0d2c4b6e8f10", "actor": {"mbox": "mailto:learner@renkei.invalid"},
             "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
             "object": {"id": "https://renkei.invalid/xapi/run/t/activity/signed"}}


def _header(token: bytes) -> dict:  # type: ignore[type-arg]
    head = token.split(b".")[0]
    return json.loads(base64.urlsafe_b64decode(head + b"=" * (-len(head) % 4)))


def test_a_signed_statement_verifies_against_its_certificate() -> None:
    signer = signing.make_signer()
    token = signing.sign(STATEMENT, signer)
    header = _header(token)
    assert header["alg"] == "RS256" and header["x5c"] == signer.x5c
    cert = x509.load_der_x509_certificate(base64.b64decode(signer.x5c[0]))
    assert cert.subject == cert.issuer  # self-signed, made for the run
    sent, body, ctype = signing.signed(STATEMENT, token)
    att = sent["attachments"][-1]
    assert (att["usageType"], att["contentType"]) == (M.SIGNATURE_USAGE, M.SIGNATURE_TYPE)
    assert "attachments" not in STATEMENT  # the statement signed is left as it was
    statements, parts, problems = M.judge_multipart(body, ctype)
    assert problems == [] and statements == sent and parts[0].body == token


def test_each_bad_signature_is_refused_by_the_verifier() -> None:
    signer, other = signing.make_signer(), signing.make_signer()
    wrong_key = signing.sign(STATEMENT, signer, key=other.key)
    assert [p.rule for p in M.verify_signature(STATEMENT, wrong_key)] == ["signature.invalid"]
    assert [p.rule for p in M.verify_signature(STATEMENT, signing.sign_hs256(STATEMENT))] == ["signature.alg"]
    changed = {**STATEMENT, "verb": {"id": "http://adlnet.gov/expapi/verbs/failed"}}
    assert [p.rule for p in M.verify_signature(STATEMENT, signing.sign(changed, signer))] == ["signature.mismatch"]
    _, body, ctype = signing.signed(STATEMENT, signing.sign(STATEMENT, signer), content_type="text/plain")
    assert [p.rule for p in M.judge_multipart(body, ctype)[2]] == ["signature.contentType"]
