"""Statements with attachments: ``multipart/mixed`` bodies (Communication 1.5.2, Data 2.4.11) and
signed statements (Data 2.6, a JWS attachment).

The body is untrusted: the part count, the header lines per part and the JSON depth of the first
part are bounded, and only byte searches are used (no email parser, no regex over the payload), so a
hostile body costs time linear in its size. A body whose structure is broken raises
``MultipartError`` (its ``problem`` says where); everything else — hashes, transfer encodings,
parts without attachments, attachments without parts, signatures — is a list of ``Problem``s, as
the other validators return.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

from renkei.harness.core.bounded import MAX_DEPTH, load_json
from renkei.harness.xapi.model.compare import differences
from renkei.harness.xapi.model.problems import Problem
from renkei.harness.xapi.model.rules import problem

SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature"
SIGNATURE_TYPE = "application/octet-stream"
HASH_HEADER = "x-experience-api-hash"
ALGORITHMS = ("RS256", "RS384", "RS512")
MAX_PARTS = 100
MAX_HEADERS = 32
MAX_JWS_BYTES = 1024 * 1024


class _Registry(jws.JWSRegistry):
    """joserfc's limits (512-byte header) are too small for an ``x5c`` chain; ours bound the JWS."""

    max_header_length = 64 * 1024
    max_payload_length = MAX_JWS_BYTES
    max_signature_length = 1024


_DIGESTS = {56: hashlib.sha224, 64: hashlib.sha256, 96: hashlib.sha384, 128: hashlib.sha512}


class MultipartError(ValueError):
    """A body that is not a usable multipart/mixed statements request; ``problem`` says why."""

    def __init__(self, rule: str, path: str = "$", seen: Any = None) -> None:
        self.problem = problem(rule, path, *(() if seen is None else (seen,)))
        super().__init__(self.problem.text())


@dataclass(frozen=True)
class Part:
    """One attachment part: its headers (names lower-cased) and its raw content."""

    index: int  # position in the body, from 1 (0 is the statements part)
    headers: dict[str, str]
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    @property
    def sha2(self) -> str:
        """The ``X-Experience-API-Hash`` header, lower-cased ("" when absent)."""
        return self.headers.get(HASH_HEADER, "").strip().lower()


def sha2_hex(content: bytes, length: int = 64) -> str | None:
    """The SHA-2 digest of ``content`` in the family a hex digest of ``length`` characters names."""
    digest = _DIGESTS.get(length)
    return digest(content).hexdigest() if digest else None


def _media(value: str) -> tuple[str, dict[str, str]]:
    """``type/subtype`` lower-cased and the parameters (quotes removed) of a Content-Type value."""
    head, *params = value.split(";")
    out: dict[str, str] = {}
    for param in params:
        name, _, val = param.partition("=")
        val = val.strip()
        if len(val) >= 2 and val[0] == val[-1] == '"':
            val = val[1:-1]
        out[name.strip().lower()] = val
    return head.strip().lower(), out


def _headers(block: bytes, index: int) -> dict[str, str]:
    lines = block.split(b"\r\n") if block else []
    if len(lines) > MAX_HEADERS:
        raise MultipartError("multipart.limit", f"part {index}", f"{len(lines)} header lines")
    headers: dict[str, str] = {}
    for line in lines:
        name, sep, value = line.partition(b":")
        if not sep or not name.strip():
            raise MultipartError("multipart.structure", f"part {index}", line[:60].decode("latin-1"))
        headers[name.strip().decode("latin-1").lower()] = value.strip().decode("latin-1")
    return headers


def _split(body: bytes, boundary: bytes, max_parts: int) -> list[tuple[dict[str, str], bytes]]:
    delim = b"--" + boundary
    if body.startswith(delim):
        pos = 0
    else:
        found = body.find(b"\r\n" + delim)
        if found < 0:
            raise MultipartError("multipart.structure", "body", "no boundary delimiter")
        pos = found + 2
    parts: list[tuple[dict[str, str], bytes]] = []
    while True:
        after = pos + len(delim)
        if body[after:after + 2] == b"--":
            return parts
        line_end = body.find(b"\r\n", after)
        if line_end < 0 or body[after:line_end].strip(b" \t"):
            raise MultipartError("multipart.structure", f"part {len(parts)}", "bad delimiter line")
        start = line_end + 2
        nxt = body.find(b"\r\n" + delim, start)
        if nxt < 0:
            raise MultipartError("multipart.structure", f"part {len(parts)}", "no closing delimiter")
        if len(parts) >= max_parts:
            raise MultipartError("multipart.limit", "body", f"more than {max_parts} parts")
        chunk = body[start:nxt]
        if chunk.startswith(b"\r\n"):
            head, content = b"", chunk[2:]
        else:
            head, sep, content = chunk.partition(b"\r\n\r\n")
            if not sep:
                raise MultipartError("multipart.structure", f"part {len(parts)}", "headers not ended by a blank line")
        parts.append((_headers(head, len(parts)), content))
        pos = nxt + 2


def parse_multipart(body: bytes, content_type: str, *, max_parts: int = MAX_PARTS,
                    max_depth: int = MAX_DEPTH) -> tuple[Any, list[Part]]:
    """``(statements, parts)`` of a multipart/mixed statements body: the first part's JSON (an object
    or an array, depth-bounded) and every further part. Raises ``MultipartError`` when the body
    cannot be read as one (wrong content type, no boundary, broken delimiters, too many parts, a
    first part that is not ``application/json`` or not JSON)."""
    media, params = _media(content_type or "")
    boundary = params.get("boundary", "")
    if media != "multipart/mixed" or not boundary or len(boundary) > 70:
        raise MultipartError("multipart.content_type", "Content-Type", content_type)
    raw = _split(body, boundary.encode("latin-1", "replace"), max_parts + 1)
    if not raw:
        raise MultipartError("multipart.first_part", "part 0", "no parts")
    first_headers, first_body = raw[0]
    if _media(first_headers.get("content-type", ""))[0] != "application/json":
        raise MultipartError("multipart.first_part", "part 0", first_headers.get("content-type", "no Content-Type"))
    try:
        statements = load_json(first_body, max_depth=max_depth)
    except ValueError as exc:
        raise MultipartError("multipart.json", "part 0", str(exc)[:80]) from None
    return statements, [Part(i, h, b) for i, (h, b) in enumerate(raw[1:], start=1)]


def part_problems(parts: Iterable[Part]) -> list[Problem]:
    """Each attachment part needs ``X-Experience-API-Hash`` matching its content and
    ``Content-Transfer-Encoding: binary`` (the ADL suite's ``templates/attachments/*.part`` cases)."""
    out: list[Problem] = []
    for part in parts:
        where = f"part {part.index}"
        if part.headers.get("content-transfer-encoding", "").strip().lower() != "binary":
            out.append(problem("multipart.cte", where, part.headers.get("content-transfer-encoding", "(none)")))
        declared = part.sha2
        if not declared:
            out.append(problem("multipart.hash", where))
        elif sha2_hex(part.body, len(declared)) != declared:
            out.append(problem("multipart.sha2_mismatch", where, declared))
    return out


def _attachment_lists(statements: Any) -> list[tuple[str, dict[str, Any], list[Any]]]:
    items = statements if statements.__class__ is list else [statements]
    prefix = (lambda i: f"$[{i}]") if statements.__class__ is list else (lambda i: "$")
    out = []
    for i, st in enumerate(items):
        if st.__class__ is dict and st.get("attachments").__class__ is list:
            out.append((prefix(i), st, st["attachments"]))
    return out


def attachment_problems(statements: Any, parts: list[Part], *, verify_signatures: bool = True) -> list[Problem]:
    """Attachments against parts: every attachment without a ``fileUrl`` needs a part with its
    ``sha2``; every part must belong to some attachment; signature attachments are checked with
    ``verify_signature``. With ``parts=[]`` this judges a plain JSON request."""
    out: list[Problem] = []
    by_hash = {p.sha2: p for p in parts if p.sha2}
    used: set[str] = set()
    for prefix, st, attachments in _attachment_lists(statements):
        for j, att in enumerate(attachments):
            if att.__class__ is not dict:
                continue
            apath = f"{prefix}.attachments[{j}]"
            sha = att.get("sha2").lower() if att.get("sha2").__class__ is str else ""
            part = by_hash.get(sha)
            if part is not None:
                used.add(sha)
            if att.get("usageType") == SIGNATURE_USAGE:
                if att.get("contentType") != SIGNATURE_TYPE:
                    out.append(problem("signature.contentType", f"{apath}.contentType", att.get("contentType")))
                if part is None:
                    out.append(problem("signature.missing", apath))
                elif verify_signatures:
                    out.extend(verify_signature(st, part.body, path=apath))
            elif part is None and "fileUrl" not in att:
                out.append(problem("multipart.missing_part", apath, sha or None))
    for part in parts:
        if part.sha2 and part.sha2 not in used:
            out.append(problem("multipart.extra_part", f"part {part.index}", part.sha2))
    return out


def judge_multipart(body: bytes, content_type: str, *, max_parts: int = MAX_PARTS) -> tuple[Any, list[Part],
                                                                                             list[Problem]]:
    """Everything the LRS checks on a multipart statements request, never raising:
    ``(statements or None, parts, problems)``. Statement rules themselves are ``validate_statements``'."""
    try:
        statements, parts = parse_multipart(body, content_type, max_parts=max_parts)
    except MultipartError as exc:
        return None, [], [exc.problem]
    return statements, parts, part_problems(parts) + attachment_problems(statements, parts)


def build_multipart(statements: Any, attachments: list[tuple[str, bytes]], *,
                    boundary: str | None = None) -> tuple[bytes, str]:
    """``(body, content_type)`` of a multipart/mixed request: the statements as the first part, then
    each ``(content_type, content)`` with ``X-Experience-API-Hash`` (SHA-256) and binary encoding."""
    payloads = [json.dumps(statements, ensure_ascii=False).encode()] + [c for _, c in attachments]
    boundary = boundary or f"renkei-{uuid.uuid4().hex}"
    while any(boundary.encode() in p for p in payloads):
        boundary = f"renkei-{uuid.uuid4().hex}"
    delim = b"--" + boundary.encode()
    chunks = [delim, b"\r\nContent-Type: application/json\r\n\r\n", payloads[0]]
    for ctype, content in attachments:
        chunks += [b"\r\n", delim, b"\r\nContent-Type: ", ctype.encode("latin-1"),
                   b"\r\nContent-Transfer-Encoding: binary\r\nX-Experience-API-Hash: ",
                   hashlib.sha256(content).hexdigest().encode(), b"\r\n\r\n", content]
    chunks += [b"\r\n", delim, b"--\r\n"]
    return b"".join(chunks), f'multipart/mixed; boundary="{boundary}"'


def attachment_for(content: bytes, content_type: str, usage_type: str, display: dict[str, str]) -> dict[str, Any]:
    """The statement's ``attachments[]`` entry for ``content`` sent as a part (length and SHA-256)."""
    return {"usageType": usage_type, "display": display, "contentType": content_type, "length": len(content),
            "sha2": hashlib.sha256(content).hexdigest()}


# --- signed statements (Data 2.6) ---------------------------------------------------------------

def _b64url(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def sign_statement(statement: dict[str, Any], key: RSAKey, alg: str = "RS256", *,
                   x5c: list[str] | None = None) -> bytes:
    """A JWS (compact) over ``statement`` as it is before the signature attachment is added."""
    header: dict[str, Any] = {"alg": alg}
    if x5c:
        header["x5c"] = x5c
    payload = json.dumps(statement, ensure_ascii=False, separators=(",", ":")).encode()
    return jws.serialize_compact(header, payload, key, algorithms=[alg],
                                 registry=_Registry(algorithms=[alg])).encode("ascii")


def _without_signature(statement: dict[str, Any]) -> dict[str, Any]:
    atts = statement.get("attachments")
    if atts.__class__ is not list:
        return statement
    kept = [a for a in atts if not (a.__class__ is dict and a.get("usageType") == SIGNATURE_USAGE)]
    out = dict(statement)
    if kept:
        out["attachments"] = kept
    else:
        out.pop("attachments")
    return out


def _x5c_key(cert_b64: Any) -> RSAKey | None:
    if cert_b64.__class__ is not str:
        return None
    try:
        cert = x509.load_der_x509_certificate(base64.b64decode(cert_b64, validate=True))
        pem = cert.public_key().public_bytes(serialization.Encoding.PEM,
                                             serialization.PublicFormat.SubjectPublicKeyInfo)
        return RSAKey.import_key(pem)
    except (ValueError, TypeError, binascii.Error, JoseError):
        return None


def verify_signature(statement: Any, jws_bytes: bytes, *, key: RSAKey | None = None,
                     path: str = "$") -> list[Problem]:
    """The problems of a statement's signature part: a compact JWS with alg RS256/384/512 whose
    payload is the same statement (``compare.differences``, the signature attachment left out) and,
    when the JWS header carries ``x5c`` (or ``key`` is given), whose signature verifies."""
    if len(jws_bytes) > MAX_JWS_BYTES:
        return [problem("signature.format", path, f"{len(jws_bytes)} bytes")]
    try:
        token = jws_bytes.decode("ascii").strip()
        head_b64, payload_b64, sig_b64 = token.split(".")
        header = load_json(_b64url(head_b64))
        raw_payload = _b64url(payload_b64)
        _b64url(sig_b64)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        return [problem("signature.format", path)]
    if header.__class__ is not dict:
        return [problem("signature.format", path, header)]
    alg = header.get("alg")
    if alg not in ALGORITHMS:
        return [problem("signature.alg", path, alg)]
    try:
        payload = load_json(raw_payload)
    except ValueError:
        payload = None
    if payload.__class__ is not dict:
        return [problem("signature.payload", path)]
    out: list[Problem] = []
    if statement.__class__ is dict:
        diff = differences(_without_signature(payload), _without_signature(statement))
        if diff:
            out.append(problem("signature.mismatch", path, ", ".join(diff[:5])))
    x5c = header.get("x5c")
    verifier = key if key is not None else (_x5c_key(x5c[0]) if x5c.__class__ is list and x5c else None)
    if x5c is not None and key is None and verifier is None:
        out.append(problem("signature.invalid", path, "unreadable x5c certificate"))
    elif verifier is not None:
        try:
            jws.deserialize_compact(token, verifier, algorithms=[alg], registry=_Registry(algorithms=[alg]))
        except (JoseError, ValueError):
            out.append(problem("signature.invalid", path))
    return out
