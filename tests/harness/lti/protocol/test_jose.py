"""JOSE helpers: strict LTI verification and the forged tokens negative tests rely on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from renkei.harness.core.errors import ConfigError
from renkei.harness.lti.protocol.jose import (
    JoseFailure,
    KeyStore,
    decode_unverified,
    generate_rsa_key,
    public_jwks,
    sign_jwt,
    sign_raw,
    verify_jwt,
)


@pytest.fixture(scope="module")
def key():
    return generate_rsa_key("k1")


@pytest.fixture(scope="module")
def other():
    return generate_rsa_key("k2")


def _code(token: str, jwks: dict) -> str:
    with pytest.raises(JoseFailure) as info:
        verify_jwt(token, jwks)
    return info.value.code


def test_generate_key_has_kid_and_default_thumbprint() -> None:
    assert generate_rsa_key("abc").kid == "abc"
    auto = generate_rsa_key()
    assert auto.kid == auto.thumbprint()


def test_public_jwks_has_no_private_members(key) -> None:
    jwks = public_jwks([key])
    assert jwks["keys"][0]["kid"] == "k1"
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(jwks["keys"][0])


def test_sign_and_verify_roundtrip(key, other) -> None:
    token = sign_jwt({"sub": "u1"}, key)
    header, claims = verify_jwt(token, public_jwks([other, key]))
    assert header["kid"] == "k1" and header["alg"] == "RS256"
    assert claims == {"sub": "u1"}


def test_missing_kid_rejected(key) -> None:
    assert _code(sign_jwt({"a": 1}, key, include_kid=False), public_jwks([key])) == "kid_missing"


def test_unknown_kid_rejected(key) -> None:
    assert _code(sign_jwt({"a": 1}, key, header={"kid": "nope"}), public_jwks([key])) == "kid_unknown"


def test_wrong_key_for_kid_is_bad_signature(key, other) -> None:
    token = sign_jwt({"a": 1}, other, header={"kid": "k1"})
    assert _code(token, public_jwks([key])) == "bad_signature"


def test_tampered_payload_is_bad_signature(key) -> None:
    head, _, sig = sign_jwt({"a": 1}, key).split(".")
    forged = sign_raw({"alg": "none"}, {"a": 2}, None).split(".")[1]
    assert _code(f"{head}.{forged}.{sig}", public_jwks([key])) == "bad_signature"


def test_alg_none_rejected(key) -> None:
    token = sign_raw({"alg": "none", "kid": "k1"}, {"a": 1}, None)
    assert token.endswith(".")
    assert _code(token, public_jwks([key])) == "alg_not_allowed"


def test_hs256_alg_confusion_rejected(key) -> None:
    token = sign_raw({"alg": "HS256", "kid": "k1"}, {"a": 1}, key.as_pem(private=False))
    assert _code(token, public_jwks([key])) == "alg_not_allowed"


def test_rs512_not_allowed_by_default(key) -> None:
    assert _code(sign_jwt({"a": 1}, key, alg="RS512"), public_jwks([key])) == "alg_not_allowed"


@pytest.mark.parametrize("token", ["", "abc", "a.b", "!!.e30.", "e30.bm90anNvbg.", "WzFd.e30."])
def test_malformed_tokens(token: str) -> None:
    with pytest.raises(JoseFailure) as info:
        decode_unverified(token)
    assert info.value.code == "malformed"


def test_bad_jwks_is_reported(key) -> None:
    assert _code(sign_jwt({"a": 1}, key), {"nokeys": []}) == "jwks_invalid"
    assert _code(sign_jwt({"a": 1}, key), {"keys": [{"kid": "k1", "kty": "RSA", "n": "x"}]}) == "jwks_invalid"


def test_keystore_persists_and_rotates(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys")
    first = store.current()
    assert KeyStore(tmp_path / "keys").current().kid == first.kid
    second = store.rotate()
    assert second.kid != first.kid
    kids = [k["kid"] for k in store.jwks()["keys"]]
    assert kids == [second.kid, first.kid]
    token = sign_jwt({"a": 1}, first)
    verify_jwt(token, store.jwks())  # overlap: old key still verifies after rotation
    assert (tmp_path / "keys" / f"{first.kid}.pem").stat().st_mode & 0o077 == 0


def test_keystore_corrupt_index_is_clear_error(tmp_path: Path) -> None:
    (tmp_path / "keys.json").write_text(json.dumps({"current": "x", "keys": ["y"]}))
    with pytest.raises(ConfigError, match="keys.json"):
        KeyStore(tmp_path).current()


def test_keystore_unwritable_directory_is_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(ConfigError, match="cannot write signing keys"):
        KeyStore(blocker / "keys").current()


def test_keystore_caches_keys_and_sees_rotation_by_another_instance(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from renkei.harness.lti.protocol import jose

    store = KeyStore(tmp_path / "keys")
    first = store.current()
    loads: list[str] = []
    real = jose._import_private_pem

    def counting(path: Path, kid: str):
        loads.append(kid)
        return real(path, kid)

    monkeypatch.setattr(jose, "_import_private_pem", counting)
    reader = KeyStore(tmp_path / "keys")
    assert reader.current().kid == first.kid
    assert loads == [first.kid]
    assert reader.current().kid == first.kid
    assert [k["kid"] for k in reader.jwks()["keys"]] == [first.kid]
    listed = reader.keys()
    assert [k.kid for k in listed] == [first.kid]
    assert loads == [first.kid]  # second current(), jwks() and keys() did not re-read the PEM

    second = KeyStore(tmp_path / "keys").rotate()  # e.g. `renkei lti keys --rotate` elsewhere
    assert reader.current().kid == second.kid
    assert [k["kid"] for k in reader.jwks()["keys"]] == [second.kid, first.kid]
    assert loads == [first.kid, second.kid]  # only the new kid was loaded
