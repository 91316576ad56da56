"""Signed statements as a Learning Record Provider sends them (1.0.3 Data 2.6 / 9274.1.1 4.2.6).

A run makes its own RSA key and a self-signed X.509 certificate for it (never a key kept on disk,
never one of the vendor's): the JWS header carries the certificate as ``x5c``, so an LRS that
validates the signature against the certificate (which it SHALL when ``x5c`` is present) can, and
one that does not is caught by a statement signed with another key. Signing and serialising are the
model's (``multipart.sign_statement`` on joserfc, ``multipart.build_multipart``); nothing here is
hand-rolled crypto.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from joserfc import jws
from joserfc.jwk import OctKey, RSAKey

from renkei.harness.xapi.model import multipart as M


@dataclass(frozen=True)
class Signer:
    """A key made for the run and the ``x5c`` chain (one self-signed certificate) naming it."""

    key: RSAKey
    x5c: list[str]


def make_signer(common_name: str = "renkei xAPI test signer") -> Signer:
    """A fresh 2048-bit RSA key and a self-signed certificate valid for one day."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(private.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1)).sign(private, hashes.SHA256()))
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    der = cert.public_bytes(serialization.Encoding.DER)
    return Signer(RSAKey.import_key(pem), [base64.b64encode(der).decode("ascii")])


def signature_attachment(jws_bytes: bytes, content_type: str = M.SIGNATURE_TYPE) -> dict[str, Any]:
    return M.attachment_for(jws_bytes, content_type, M.SIGNATURE_USAGE,
                            {"en-US": "signature", "ja-JP": "署名"})


def signed(statement: dict[str, Any], jws_bytes: bytes, *,
           content_type: str = M.SIGNATURE_TYPE) -> tuple[dict[str, Any], bytes, str]:
    """``(statement with its signature attachment, multipart body, Content-Type)`` for ``jws_bytes``."""
    out = copy.deepcopy(statement)
    out.setdefault("attachments", []).append(signature_attachment(jws_bytes, content_type))
    body, ctype = M.build_multipart(out, [(content_type, jws_bytes)])
    return out, body, ctype


def sign(statement: dict[str, Any], signer: Signer, *, key: RSAKey | None = None) -> bytes:
    """A compact RS256 JWS over ``statement`` with ``signer``'s ``x5c``; ``key`` signs instead of
    the signer's own key (a signature the certificate does not verify)."""
    return M.sign_statement(statement, key or signer.key, "RS256", x5c=signer.x5c)


def sign_hs256(statement: dict[str, Any]) -> bytes:
    """A compact JWS over ``statement`` with HS256 (a real HMAC signature), which Data 2.6 forbids."""
    payload = json.dumps(statement, ensure_ascii=False, separators=(",", ":")).encode()
    key = OctKey.import_key(b"renkei-hs256-signature-not-allowed-in-xapi")
    return jws.serialize_compact({"alg": "HS256"}, payload, key, algorithms=["HS256"]).encode("ascii")
