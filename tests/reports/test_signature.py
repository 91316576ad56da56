"""Signed result folders: a valid signature verifies with only the public key; one byte of any file, a
swapped or added file, a repeated key in result.json, an edited manifest or an unknown signer is caught
and named."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from renkei.reports import signature as S


def _result(folder: Path, verdict: str = "pass") -> Path:
    folder.mkdir(parents=True)
    (folder / "result.json").write_text(json.dumps({"verdict": verdict, "checks": [{"id": "a"}, {"id": "b"}],
                                                    "tool": {"name": "renkei"}}, ensure_ascii=False, indent=2))
    (folder / "report.html").write_text("<html>報告</html>", encoding="utf-8")
    (folder / "junit.xml").write_text("<testsuites/>")
    return folder


@pytest.fixture
def keys(tmp_path: Path) -> tuple[S.Ed25519PrivateKey, dict[str, S.Ed25519PublicKey]]:
    private, public, fp = S.create_keys(tmp_path / "keys", "ci")
    assert oct(private.stat().st_mode & 0o777) == "0o600" and fp.startswith("SHA256:")
    return S.load_private_key(private), S.load_public_keys(public)


def test_a_signed_folder_verifies_elsewhere_with_only_the_public_key(tmp_path, keys):
    folder = _result(tmp_path / "run")
    S.sign_folder(folder, keys[0])
    moved = tmp_path / "elsewhere" / "run"
    shutil.copytree(folder, moved)
    verdict = S.verify_folder(moved, keys[1])
    assert verdict.status == "valid" and verdict.exit_code == 0, verdict


def test_key_order_and_whitespace_do_not_count_as_meaning_but_bytes_do(tmp_path, keys):
    folder = _result(tmp_path / "run")
    S.sign_folder(folder, keys[0])
    data = json.loads((folder / "result.json").read_text())
    (folder / "result.json").write_text(json.dumps(dict(reversed(list(data.items()))), indent=2))
    verdict = S.verify_folder(folder, keys[1])
    assert verdict.status == "tampered" and "result.json" in verdict.message  # the bytes changed: caught


@pytest.mark.parametrize("edit", ["one_byte_report", "swap_report", "added_file", "removed_file", "duplicate_key",
                                  "list_order", "edited_manifest", "edited_signature"])
def test_each_tampering_is_caught_and_named(tmp_path, keys, edit):
    folder = _result(tmp_path / "run")
    other = _result(tmp_path / "other", verdict="fail")
    S.sign_folder(folder, keys[0])
    S.sign_folder(other, keys[0])
    sig = folder / S.SIGNATURE_FILE
    named = {"one_byte_report": "report.html", "swap_report": "report.html", "added_file": "extra.txt",
             "removed_file": "junit.xml", "duplicate_key": "result.json", "list_order": "result.json",
             "edited_manifest": S.SIGNATURE_FILE, "edited_signature": S.SIGNATURE_FILE}[edit]
    if edit == "one_byte_report":
        data = bytearray((folder / "report.html").read_bytes())
        data[0] ^= 1
        (folder / "report.html").write_bytes(bytes(data))
    elif edit == "swap_report":
        (folder / "report.html").write_text("<html>別の報告</html>", encoding="utf-8")
    elif edit == "added_file":
        (folder / "extra.txt").write_text("x")
    elif edit == "removed_file":
        (folder / "junit.xml").unlink()
    elif edit == "duplicate_key":
        text = (folder / "result.json").read_text()
        (folder / "result.json").write_text(text.replace('"verdict": "pass"', '"verdict": "pass", "verdict": "fail"'))
    elif edit == "list_order":
        data = json.loads((folder / "result.json").read_text())
        data["checks"].reverse()
        (folder / "result.json").write_text(json.dumps(data, ensure_ascii=False, indent=2))
    elif edit == "edited_manifest":
        body = json.loads(sig.read_text())
        body["manifest"]["files"]["report.html"]["size"] += 1
        sig.write_text(json.dumps(body))
    else:
        body = json.loads(sig.read_text())
        body["signature"] = json.loads((other / S.SIGNATURE_FILE).read_text())["signature"]
        sig.write_text(json.dumps(body))
    verdict = S.verify_folder(folder, keys[1])
    assert verdict.status == "tampered" and verdict.exit_code == 1, verdict
    assert named in verdict.message


def test_an_unknown_signer_and_an_unsigned_folder(tmp_path, keys):
    folder = _result(tmp_path / "run")
    assert S.verify_folder(folder, keys[1]).status == "unsigned"
    assert S.verify_folder(folder, keys[1]).exit_code == 2
    stranger, _, _ = S.create_keys(tmp_path / "keys", "stranger")
    S.sign_folder(folder, S.load_private_key(stranger))
    verdict = S.verify_folder(folder, keys[1])
    assert verdict.status == "unknown_key" and verdict.exit_code == 1 and S.SIGNATURE_FILE in verdict.message


def test_a_keyring_folder_holds_several_keys(tmp_path, keys):
    S.create_keys(tmp_path / "keys", "second")
    ring = S.load_public_keys(tmp_path / "keys")
    assert len(ring) == 2 and set(keys[1]) <= set(ring)


def test_bad_keys_and_folders_are_one_line_errors(tmp_path, keys):
    (tmp_path / "bad.pem").write_text("not a key")
    with pytest.raises(S.SignatureError, match="not an unencrypted PEM private key"):
        S.load_private_key(tmp_path / "bad.pem")
    with pytest.raises(S.SignatureError, match="no PEM public key"):
        S.load_public_keys(tmp_path / "bad.pem")
    with pytest.raises(S.SignatureError, match="exists already"):
        S.create_keys(tmp_path / "keys", "ci")
    with pytest.raises(S.SignatureError, match="no result.json"):
        S.sign_folder(tmp_path, keys[0])
    folder = _result(tmp_path / "dup")
    (folder / "result.json").write_text('{"verdict": "pass", "verdict": "fail"}')
    with pytest.raises(S.SignatureError, match="appears twice"):
        S.sign_folder(folder, keys[0])
