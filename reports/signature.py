"""Detached Ed25519 signatures over a result folder, so that anyone can tell a result was not edited.

Why this shape: a reader of a published result (a board of education, the service-map operators)
holds only the signer's public key. ``signature.json`` beside ``result.json`` names every file of
the folder with its SHA-256 and size, plus the SHA-256 of a canonical form of ``result.json`` (keys
sorted, no insignificant whitespace, UTF-8; a document with a duplicated key is refused, because
which value wins would change its meaning). The signed bytes are the canonical JSON of that
manifest, so one changed byte in any file, a file added, removed or swapped, or a signature made by
a key the reader does not trust, is found and named. Cryptography is the ``cryptography`` package's
Ed25519 (RFC 8032); nothing here is hand-rolled.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from renkei.reports.atomic import write_atomic

SIGNATURE_FILE = "signature.json"
FORMAT = "renkei-signature/1"
MAX_FILES = 10_000
MAX_RESULT_BYTES = 256 * 1024 * 1024
MAX_KEY_BYTES = 64 * 1024


class SignatureError(Exception):
    """A key or folder that cannot be used at all (the CLI makes it one exit-2 line)."""


class DuplicateKey(ValueError):
    pass


# --- keys --------------------------------------------------------------------------------------

def fingerprint(key: Ed25519PublicKey) -> str:
    """``SHA256:<hex>`` of the raw 32-byte public key: what a keyring lists and a signature names."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "SHA256:" + hashlib.sha256(raw).hexdigest()


def create_keys(directory: Path, name: str) -> tuple[Path, Path, str]:
    """A new key pair: ``<name>.key`` (PKCS#8 PEM, mode 0600, never published) and ``<name>.pub``."""
    if not name or "/" in name or name.startswith("."):
        raise SignatureError(f"key name {name!r}: use a plain file name such as 'vendor-ci'")
    directory.mkdir(parents=True, exist_ok=True)
    private, public = directory / f"{name}.key", directory / f"{name}.pub"
    for path in (private, public):
        if path.exists():
            raise SignatureError(f"{path} exists already; renkei never overwrites a key")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    fd = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    public.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                     serialization.PublicFormat.SubjectPublicKeyInfo))
    return private, public, fingerprint(key.public_key())


def _read_key_file(path: Path, what: str) -> bytes:
    try:
        if path.stat().st_size > MAX_KEY_BYTES:
            raise SignatureError(f"{what} {path}: larger than {MAX_KEY_BYTES} bytes; not a key file")
        return path.read_bytes()
    except OSError as exc:
        raise SignatureError(f"{what} {path}: cannot read it: {exc.strerror}") from None


def load_private_key(path: Path) -> Ed25519PrivateKey:
    data = _read_key_file(path, "signing key")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise SignatureError(f"signing key {path}: not an unencrypted PEM private key "
                          "(create one with `renkei keys create`)") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SignatureError(f"signing key {path}: not an Ed25519 key (create one with `renkei keys create`)")
    return key


def load_public_keys(path: Path) -> dict[str, Ed25519PublicKey]:
    """Trusted keys by fingerprint: one ``.pub`` PEM file, a file of several PEM blocks, or a folder of ``*.pub``."""
    files = sorted(path.glob("*.pub")) if path.is_dir() else [path]
    if path.is_dir() and not files:
        raise SignatureError(f"keyring {path}: the folder holds no *.pub file")
    keys: dict[str, Ed25519PublicKey] = {}
    for file in files:
        text = _read_key_file(file, "public key")
        blocks = [b"-----BEGIN PUBLIC KEY-----" + part for part in text.split(b"-----BEGIN PUBLIC KEY-----")[1:]]
        if not blocks:
            raise SignatureError(f"public key {file}: no PEM public key in it")
        for block in blocks:
            try:
                key = serialization.load_pem_public_key(block)
            except (ValueError, TypeError):
                raise SignatureError(f"public key {file}: a PEM block is not a public key") from None
            if not isinstance(key, Ed25519PublicKey):
                raise SignatureError(f"public key {file}: not an Ed25519 key")
            keys[fingerprint(key)] = key
    return keys


# --- canonical forms ---------------------------------------------------------------------------

def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise DuplicateKey(key)
        out[key] = value
    return out


def canonical_json(value: Any) -> bytes:
    """Keys sorted, no whitespace, UTF-8 (non-ASCII kept): the same value always gives the same bytes."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def canonical_result(data: bytes) -> bytes:
    """The canonical form of ``result.json``; ``ValueError`` when it is not JSON or repeats a key."""
    return canonical_json(json.loads(data, object_pairs_hook=_no_duplicates))


def _digest_files(folder: Path) -> dict[str, dict[str, Any]]:
    files: dict[str, dict[str, Any]] = {}
    for path in sorted(folder.rglob("*")):
        if path.is_symlink():
            raise SignatureError(f"{path}: a symbolic link in a result folder cannot be signed or verified")
        if not path.is_file():
            continue
        rel = path.relative_to(folder).as_posix()
        if rel == SIGNATURE_FILE:
            continue
        if len(files) >= MAX_FILES:
            raise SignatureError(f"{folder}: more than {MAX_FILES} files; not a result folder")
        sha, size = hashlib.sha256(), 0
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                sha.update(chunk)
                size += len(chunk)
        files[rel] = {"sha256": sha.hexdigest(), "size": size}
    return files


def _result_bytes(folder: Path) -> bytes:
    path = folder / "result.json"
    if not path.is_file():
        raise SignatureError(f"{folder}: no result.json; not a renkei result folder")
    if path.stat().st_size > MAX_RESULT_BYTES:
        raise SignatureError(f"{path}: larger than {MAX_RESULT_BYTES} bytes")
    return path.read_bytes()


# --- sign and verify ---------------------------------------------------------------------------

def sign_folder(folder: Path, key: Ed25519PrivateKey, *, now: datetime | None = None) -> Path:
    """Write ``signature.json`` into ``folder`` (replacing an older one atomically)."""
    try:
        result_canonical = canonical_result(_result_bytes(folder))
    except DuplicateKey as exc:
        raise SignatureError(f"{folder / 'result.json'}: the key {exc} appears twice; refusing to sign it") from None
    except ValueError:
        raise SignatureError(f"{folder / 'result.json'}: not valid JSON; refusing to sign it") from None
    manifest = {
        "format": FORMAT, "algorithm": "Ed25519", "key": fingerprint(key.public_key()),
        "signed_at": (now or datetime.now(UTC)).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "result_canonical_sha256": hashlib.sha256(result_canonical).hexdigest(),
        "files": _digest_files(folder),
    }
    signature = base64.b64encode(key.sign(canonical_json(manifest))).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    body = {"manifest": manifest, "signature": signature, "public_key": public}
    target = folder / SIGNATURE_FILE
    write_atomic(target, (json.dumps(body, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    return target


@dataclass(frozen=True)
class Verdict:
    status: str  # valid | tampered | unknown_key | unsigned
    message: str  # English, names the file where one is at fault
    key: str = ""  # the signer's fingerprint, when the signature file says it
    signed_at: str = ""

    @property
    def exit_code(self) -> int:
        return {"valid": 0, "tampered": 1, "unknown_key": 1}.get(self.status, 2)


def _tampered(message: str, manifest: dict[str, Any] | None = None) -> Verdict:
    m = manifest or {}
    return Verdict("tampered", message, str(m.get("key", "")), str(m.get("signed_at", "")))


def verify_folder(folder: Path, trusted: dict[str, Ed25519PublicKey]) -> Verdict:
    """Judge a signed result folder against the trusted keys; never raises for a tampered folder."""
    sig_path = folder / SIGNATURE_FILE
    if not sig_path.is_file():
        return Verdict("unsigned", f"{folder}: no {SIGNATURE_FILE}; the result is not signed")
    try:
        body = json.loads(sig_path.read_bytes()[:MAX_RESULT_BYTES], object_pairs_hook=_no_duplicates)
        manifest, signature = body["manifest"], base64.b64decode(body["signature"], validate=True)
        if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        return _tampered(f"{sig_path}: not a renkei signature file (damaged or edited)")
    key = trusted.get(str(manifest.get("key")))
    if key is None:
        return Verdict("unknown_key", f"{sig_path}: signed by {manifest.get('key')}, a key not in the given keyring",
                       str(manifest.get("key", "")), str(manifest.get("signed_at", "")))
    try:
        key.verify(signature, canonical_json(manifest))
    except (InvalidSignature, ValueError):
        return _tampered(f"{sig_path}: the signature does not match its manifest (the signature file was edited)",
                         manifest)
    if manifest.get("format") != FORMAT:
        return _tampered(f"{sig_path}: unknown signature format {manifest.get('format')!r}", manifest)
    try:
        actual = _digest_files(folder)
    except SignatureError as exc:
        return _tampered(str(exc), manifest)
    signed: dict[str, Any] = manifest["files"]
    for rel in sorted(set(signed) | set(actual)):
        if rel not in actual:
            return _tampered(f"{folder / rel}: signed but missing", manifest)
        if rel not in signed:
            return _tampered(f"{folder / rel}: not part of the signed result (added after signing)", manifest)
        if actual[rel] != signed[rel]:
            return _tampered(f"{folder / rel}: changed after signing (SHA-256 differs)", manifest)
    try:
        canonical = canonical_result(_result_bytes(folder))
    except (ValueError, SignatureError):
        return _tampered(f"{folder / 'result.json'}: not valid JSON or a repeated key", manifest)
    if hashlib.sha256(canonical).hexdigest() != manifest.get("result_canonical_sha256"):
        return _tampered(f"{folder / 'result.json'}: its content differs from what was signed", manifest)
    return Verdict("valid", f"{folder}: valid, signed by {manifest['key']} at {manifest.get('signed_at')}",
                   str(manifest["key"]), str(manifest.get("signed_at", "")))
