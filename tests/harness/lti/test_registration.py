"""`renkei lti registration` and `renkei lti keys`: what to enter, also when a product lacks a field."""

from __future__ import annotations

from pathlib import Path

import pytest

from renkei.harness.cli import main
from renkei.harness.lti.protocol.jose import KeyStore
from tests.harness.lti.platform.platform_env import mock_platform_env, run_one

EXAMPLES = Path(__file__).resolve().parents[3] / "profiles" / "examples"


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 0
    return capsys.readouterr().out


@pytest.mark.parametrize(("example", "fields"), [
    ("tool.yaml", ["Deployment IDs", "pasted public key", "Token endpoint", "Deep Linking return URL", "Issuer"]),
    ("platform.yaml", ["only a launch URL field", "only one allowed", "Deep Linking URL", "pasted public key",
                       "neither URL nor PEM", "OIDC login initiation URL", "the Platform assigns them"]),
])
def test_registration_says_what_to_do_without_a_field(example: str, fields: list[str],
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    text = _cli(["lti", "registration", "--target", str(EXAMPLES / example)], capsys)
    hints = text.split("If your product has no field for one of these / 製品に入力欄がない場合:\n", 1)[1]
    lines = hints.strip().splitlines()
    assert len(lines) == 3 * len(fields)  # the field, what to do (en), what to do (ja)
    assert all(field in head and head.startswith("- ") for field, head in zip(fields, lines[::3], strict=True))
    assert all(line.endswith(".") for line in lines[1::3]) and all(line.endswith("。") for line in lines[2::3])
    assert "--pem" in hints


def test_keys_pem_is_the_public_key_of_the_current_kid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pem = _cli(["lti", "keys", "--dir", str(tmp_path), "--pem"], capsys)
    assert pem.startswith("-----BEGIN PUBLIC KEY-----") and "PRIVATE" not in pem
    key = KeyStore(tmp_path).current()
    assert pem.encode() == key.as_pem(private=False)
    rotated = _cli(["lti", "keys", "--dir", str(tmp_path), "--rotate", "--pem"], capsys)
    assert rotated != pem  # after a rotation the pasted key must be replaced, as the hint says


def test_a_platform_without_a_deep_linking_url_field_still_passes_the_deep_linking_checks() -> None:
    with mock_platform_env(tool={"deep_link_url": None}) as target:  # requests arrive at the launch URL
        outcomes = {cid: run_one(target, cid).status for cid in (
            "lti.platform.dl.request_claims", "lti.platform.dl.response_accepted", "lti.platform.dl.no_nonce",
            "lti.platform.login.target_link_uri_match")}
    assert set(outcomes.values()) == {"passed"}, outcomes
