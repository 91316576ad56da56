"""JOSE helpers for LTI 1.3: RS256 keys with kid, JWKS, signing, forging and strict verification.

Why a thin layer over joserfc: LTI fixes the algorithm (RS256, [SEC §5.1.3-6], [SEC §4.1.1]) and
requires a ``kid`` that selects a key in the platform's or tool's JWKS ([CERT §5.1] "Signature
Valid", [CERT §6.1.1] "No KID" / "Incorrect KID"). Both mocks and harness checks need the same
strict rules plus a way to build *forged* tokens (``alg: none``, HS256 keyed with the public key,
missing kid) for negative tests, which a well-behaved JOSE library refuses to produce. Every
failure is a ``JoseFailure`` with a machine code, never a library exception or traceback.

No global state: keys are passed explicitly; ``KeyStore`` persists them in a directory.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

from renkei.harness.core.bounded import InputLimitError, load_json, read_config_bytes
from renkei.harness.core.errors import ConfigError

__all__ = [
    "JoseFailure",
    "KeyStore",
    "RSAKey",
    "b64url_decode",
    "b64url_encode",
    "decode_unverified",
    "generate_rsa_key",
    "public_jwks",
    "sign_jwt",
    "sign_raw",
    "verify_jwt",
]

LTI_ALGORITHMS: tuple[str, ...] = ("RS256",)
_RSA_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "RS256": hashes.SHA256,
    "RS384": hashes.SHA384,
    "RS512": hashes.SHA512,
}
_HMAC_HASHES: dict[str, Any] = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}
_KID_FILE_RE = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


class JoseFailure(Exception):
    """A token or key set could not be used. ``code`` is stable; ``str()`` is a clear message.

    Codes: ``malformed`` (not a compact JWS / bad base64 / bad JSON), ``kid_missing``,
    ``kid_unknown``, ``alg_not_allowed``, ``bad_signature``, ``jwks_invalid`` (the key set
    itself is unusable), ``key_invalid`` (a key given to a signer is unusable),
    ``jwks_unavailable`` (a remote key set could not be fetched; see ``remote_jwks``).
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode unpadded base64url; raises ``JoseFailure('malformed')`` on bad input."""
    if not re.fullmatch(r"[A-Za-z0-9_-]*", text):
        raise JoseFailure("malformed", "token segment contains characters outside base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise JoseFailure("malformed", "token segment is not valid base64url") from exc


def _json_segment(text: str, what: str) -> dict[str, Any]:
    try:
        value = load_json(b64url_decode(text))
    except InputLimitError as exc:
        raise JoseFailure("malformed", f"JWT {what} is {exc}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise JoseFailure("malformed", f"JWT {what} is not valid JSON") from exc
    if not isinstance(value, dict):
        raise JoseFailure("malformed", f"JWT {what} is not a JSON object")
    return value


def load_signing_key(path: str, kid: str | None, field: str) -> RSAKey:
    """The PEM RSA private key a target file names at ``field`` (a reader registered at a vendor's
    Platform or consumer), with ``kid`` or its RFC 7638 thumbprint; every failure one line naming the field."""
    try:
        key = RSAKey.import_key(Path(path).read_bytes())
    except OSError as exc:
        raise ConfigError(f"{field}: cannot read {path}: {exc.strerror}") from None
    except (ValueError, TypeError):
        raise ConfigError(f"{field}: {path} is not a PEM RSA private key") from None
    if not key.is_private:
        raise ConfigError(f"{field}: {path} holds a public key; renkei signs with the private one")
    return RSAKey.import_key(key.as_dict(private=True) | {"kid": kid or key.thumbprint()})


def generate_rsa_key(kid: str | None = None, size: int = 2048) -> RSAKey:
    """A fresh private RSA key; ``kid`` defaults to its RFC 7638 thumbprint (stable, unique)."""
    key = RSAKey.generate_key(size, private=True, auto_kid=kid is None)
    if kid is not None:
        key = RSAKey.import_key(key.as_dict(private=True) | {"kid": kid})
    return key


def _public_dict(key: RSAKey) -> dict[str, Any]:
    data = key.as_dict(private=False)
    data.setdefault("kid", key.kid or key.thumbprint())
    data.setdefault("alg", "RS256")
    data.setdefault("use", "sig")
    return data


def public_jwks(keys: Iterable[RSAKey]) -> dict[str, Any]:
    """A JWKS document with only public members (never ``d``, ``p``, ``q`` ...)."""
    return {"keys": [_public_dict(k) for k in keys]}


def sign_jwt(
    claims: dict[str, Any],
    key: RSAKey,
    *,
    alg: str = "RS256",
    header: dict[str, Any] | None = None,
    include_kid: bool = True,
) -> str:
    """Sign claims the way a conforming LTI party does: ``typ: JWT``, ``alg``, ``kid`` of the key.

    ``include_kid=False`` produces the "No KID Sent in JWT header" payload [CERT §6.1.1].
    Extra ``header`` members override the defaults (e.g. a wrong ``kid``).
    """
    protected: dict[str, Any] = {"typ": "JWT", "alg": alg}
    if include_kid:
        protected["kid"] = key.kid or key.thumbprint()
    protected.update(header or {})
    if not include_kid:
        protected.pop("kid", None)
    protected["alg"] = alg
    if alg not in _RSA_HASHES:
        raise JoseFailure("alg_not_allowed", f"sign_jwt signs with RSA only; use sign_raw for {alg!r}")
    return sign_raw(protected, claims, key)


def _rsa_private(key: RSAKey) -> rsa.RSAPrivateKey:
    private = key.private_key
    if not isinstance(private, rsa.RSAPrivateKey):
        raise JoseFailure("key_invalid", "an RSA private key is required to sign with RS*")
    return private


def sign_raw(header: dict[str, Any], claims: dict[str, Any], signing_input_key: bytes | RSAKey | None) -> str:
    """Build a compact JWS exactly as told, including forged ones, for negative tests.

    The algorithm comes from ``header['alg']``: ``none`` (or a ``None`` key) gives an empty
    signature; ``HS256/384/512`` MACs with the given bytes (e.g. the victim's public key PEM,
    the classic alg-confusion attack); ``RS256/384/512`` signs with an ``RSAKey``. The header
    is used verbatim: no ``kid`` or ``typ`` is added.
    """
    alg = str(header.get("alg", "none"))
    signing_input = (
        b64url_encode(json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode())
        + "."
        + b64url_encode(json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode())
    )
    data = signing_input.encode("ascii")
    if signing_input_key is None or alg.lower() == "none":
        signature = b""
    elif alg in _HMAC_HASHES:
        secret = signing_input_key if isinstance(signing_input_key, bytes) else signing_input_key.as_pem(private=False)
        signature = hmac.new(secret, data, _HMAC_HASHES[alg]).digest()
    elif alg in _RSA_HASHES:
        if not isinstance(signing_input_key, RSAKey):
            raise JoseFailure("key_invalid", f"{alg} needs an RSAKey, not raw bytes")
        signature = _rsa_private(signing_input_key).sign(data, padding.PKCS1v15(), _RSA_HASHES[alg]())
    else:
        raise JoseFailure("alg_not_allowed", f"sign_raw cannot sign with alg {alg!r}")
    return signing_input + "." + b64url_encode(signature)


def decode_unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and claims without any verification (for reporting what a party sent)."""
    if not isinstance(token, str) or not token:
        raise JoseFailure("malformed", "token is empty or not a string")
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise JoseFailure("malformed", f"token has {len(parts)} dot-separated parts; a compact JWS has 3")
    header = _json_segment(parts[0], "header")
    claims = _json_segment(parts[1], "payload")
    b64url_decode(parts[2])
    return header, claims


def _candidate_keys(jwks: Any, kid: str) -> list[RSAKey]:
    if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
        raise JoseFailure("jwks_invalid", "JWKS is not an object with a 'keys' array")
    found: list[RSAKey] = []
    for entry in jwks["keys"]:
        if not isinstance(entry, dict) or entry.get("kid") != kid:
            continue
        if entry.get("kty") != "RSA":
            raise JoseFailure("jwks_invalid", "the JWKS key with this kid is not an RSA key")
        public = {k: v for k, v in entry.items() if k not in ("d", "p", "q", "dp", "dq", "qi", "oth")}
        try:
            found.append(RSAKey.import_key(public))
        except (JoseError, ValueError, TypeError) as exc:
            raise JoseFailure("jwks_invalid", "the JWKS key with this kid cannot be imported") from exc
    return found


def verify_jwt(
    token: str, jwks: dict[str, Any], *, algorithms: Sequence[str] = LTI_ALGORITHMS
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Verify the signature of an LTI JWT against a JWKS; return (header, claims).

    Order follows what the cert suite and [SEC §5.1.3] need to tell apart: parse, require a
    ``kid`` [CERT §6.1.1], refuse an ``alg`` outside ``algorithms`` (so ``none`` and HS256
    alg-confusion never reach a verifier) [SEC §5.1.3-6], find the key by ``kid``, check the
    signature [SEC §5.1.3-1]. Claim rules (iss/aud/exp/nonce) are the caller's, because they
    differ between id_token, Deep Linking response and client assertion.
    """
    header, claims = decode_unverified(token)
    alg = header.get("alg")
    kid = header.get("kid")
    if kid is None or kid == "":
        raise JoseFailure("kid_missing", "JWT header has no 'kid'; LTI requires it to select the signing key")
    if not isinstance(kid, str):
        raise JoseFailure("malformed", "JWT header 'kid' is not a string")
    allowed = [a for a in algorithms if a in _RSA_HASHES]
    if not isinstance(alg, str) or alg not in allowed:
        raise JoseFailure("alg_not_allowed", f"JWT alg is not one of the allowed algorithms {allowed}")
    keys = _candidate_keys(jwks, kid)
    if not keys:
        raise JoseFailure("kid_unknown", "JWT 'kid' does not match any key in the JWKS")
    for key in keys:
        try:
            jws.deserialize_compact(token.strip(), key, algorithms=[alg])
        except JoseError:
            continue
        return header, claims
    raise JoseFailure("bad_signature", "JWT signature does not verify with the JWKS key for its kid")


def _import_private_pem(path: Path, kid: str) -> RSAKey:
    """Read and parse one PEM key file (the expensive step ``KeyStore`` caches)."""
    return RSAKey.import_key(path.read_bytes(), parameters={"kid": kid})


class KeyStore:
    """Private signing keys in a directory, for ``renkei lti keys`` and the mocks.

    Layout: ``<kid>.pem`` (PKCS#8 private key, mode 0600) per key and ``keys.json``
    (``{"current": kid, "keys": [kid, ...]}``, newest last). ``rotate`` adds a key and keeps the
    old ones in the JWKS so tokens signed just before a rotation still verify (overlap).

    Why a cache: parsing a PEM key costs tens of milliseconds and the mocks ask for the current key
    on every launch and every ``/jwks``. Loaded keys are kept in memory by kid; the index is read
    again only when ``keys.json`` changes on disk (mtime, inode or size), so a rotation made by
    another process (``renkei lti keys --rotate``) is still picked up. A kid's PEM never changes
    once written (the kid is its thumbprint), so a cached key stays valid while its kid is listed.
    """

    INDEX = "keys.json"

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self._cache: dict[str, RSAKey] = {}
        self._index: dict[str, Any] | None = None
        self._stamp: tuple[int, int, int] | None = None

    def _index_path(self) -> Path:
        return self.directory / self.INDEX

    def _file_stamp(self) -> tuple[int, int, int] | None:
        try:
            st = self._index_path().stat()
        except OSError:  # like Path.exists(): absent or unreachable means "no keys yet"
            return None
        return (st.st_mtime_ns, st.st_ino, st.st_size)

    def _read_index(self) -> dict[str, Any] | None:
        """The index, re-read from disk only when the file changed since the last read."""
        stamp = self._file_stamp()
        if stamp is None:
            self._index, self._stamp = None, None
            self._cache.clear()
            return None
        if stamp == self._stamp and self._index is not None:
            return self._index
        path = self._index_path()
        try:
            data = load_json(read_config_bytes(path, "key index"))
        except ValueError as exc:  # malformed, not UTF-8 or too deep
            raise ConfigError(f"{path}: key index is not readable JSON ({exc.__class__.__name__})") from exc
        kids = data.get("keys") if isinstance(data, dict) else None
        if (
            not isinstance(kids, list)
            or not kids
            or not all(isinstance(k, str) and _KID_FILE_RE.match(k) for k in kids)
            or data.get("current") not in kids
        ):
            raise ConfigError(f"{path}: field 'keys' must list kids and 'current' must be one of them")
        self._index, self._stamp = data, stamp
        self._cache = {kid: key for kid, key in self._cache.items() if kid in kids}
        return data

    def _write_index(self, data: dict[str, Any]) -> None:
        tmp = self._index_path().with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")
        os.replace(tmp, self._index_path())
        self._index, self._stamp = data, self._file_stamp()

    def _load(self, kid: str) -> RSAKey:
        cached = self._cache.get(kid)
        if cached is not None:
            return cached
        path = self.directory / f"{kid}.pem"
        try:
            key = _import_private_pem(path, kid)
        except OSError as exc:
            raise ConfigError(f"{path}: key file listed in {self.INDEX} cannot be read") from exc
        except (JoseError, ValueError, TypeError) as exc:
            raise ConfigError(f"{path}: not an RSA private key in PEM form") from exc
        if not key.is_private:
            raise ConfigError(f"{path}: holds a public key; a private key is required to sign")
        self._cache[kid] = key
        return key

    def _add(self, data: dict[str, Any] | None) -> RSAKey:
        key = generate_rsa_key()
        kid = key.kid or key.thumbprint()
        path = self.directory / f"{kid}.pem"
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(key.as_pem(private=True))
            kids = [*(data["keys"] if data else []), kid]
            self._write_index({"current": kid, "keys": kids})
        except OSError as exc:
            raise ConfigError(f"{self.directory}: cannot write signing keys ({exc.strerror})") from exc
        self._cache[kid] = key
        return key

    def current(self) -> RSAKey:
        """The signing key; created on first use."""
        data = self._read_index()
        if data is None:
            return self._add(None)
        return self._load(data["current"])

    def rotate(self) -> RSAKey:
        """Make a new current key (new kid); previous keys stay published for overlap."""
        return self._add(self._read_index())

    def keys(self) -> list[RSAKey]:
        data = self._read_index()
        if data is None:
            return [self._add(None)]
        return [self._load(kid) for kid in data["keys"]]

    def jwks(self) -> dict[str, Any]:
        """Public JWKS, current key first; one index read, each kid loaded at most once."""
        data = self._read_index()
        if data is None:
            return public_jwks([self._add(None)])
        current = data["current"]
        ordered = [current] + [kid for kid in data["keys"] if kid != current]
        return public_jwks(self._load(kid) for kid in ordered)
