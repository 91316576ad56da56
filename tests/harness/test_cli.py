"""The console command: exit codes 0/1/2 and one-line errors, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from renkei.harness.cli import main


def _renkei(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from renkei.harness.cli import main; main()", *args],
                          capture_output=True, text=True, cwd=cwd, timeout=300)


def test_unknown_profile_is_exit_2_with_one_line(tmp_path):
    proc = _renkei("run", "--profile", "nope", "--target", str(tmp_path))
    assert proc.returncode == 2
    assert "unknown profile" in proc.stderr and "Traceback" not in proc.stderr + proc.stdout
    assert len(proc.stderr.strip().splitlines()) == 1


def test_missing_option_is_exit_2():
    proc = _renkei("run", "--profile", "x")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_explain_unknown_check_is_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["explain", "no.such.check"])
    assert exc.value.code == 2
    assert "unknown check id" in capsys.readouterr().err


def test_bad_lang_is_exit_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["run", "--profile", "oneroster12-csv", "--target", str(tmp_path), "--lang", "fr"])
    assert exc.value.code == 2
    assert "--lang" in capsys.readouterr().err


def test_lti_keys_persist_and_rotate(tmp_path, capsys):
    import json

    def keys(*extra: str) -> dict:
        with pytest.raises(SystemExit) as exc:
            main(["lti", "keys", "--dir", str(tmp_path / "keys"), *extra])
        assert exc.value.code == 0
        return json.loads(capsys.readouterr().out)

    first, again = keys(), keys()
    assert first["current_kid"] == again["current_kid"]  # registered once, valid for every run
    assert all("d" not in k for k in first["jwks"]["keys"])  # never private material
    rotated = keys("--rotate")
    kids = [k["kid"] for k in rotated["jwks"]["keys"]]
    assert rotated["current_kid"] != first["current_kid"] and first["current_kid"] in kids


def test_lti_registration_prints_what_to_enter(capsys):
    root = Path(__file__).resolve().parents[2]
    with pytest.raises(SystemExit) as exc:
        main(["lti", "registration", "--target", str(root / "profiles/examples/tool.yaml")])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    assert "Issuer" in text and "/jwks" in text and "renkei-test-client-1" in text


def test_lti_registration_rejects_unknown_kind(tmp_path, capsys):
    bad = tmp_path / "t.yaml"
    bad.write_text("kind: lti-something\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        main(["lti", "registration", "--target", str(bad)])
    assert exc.value.code == 2 and "kind must be one of" in capsys.readouterr().err


def test_run_exit_code_follows_the_verdict(tmp_path):
    """The console command itself (not only execute()) must exit 1 on FAIL and 0 on PASS."""
    from renkei.mocks.school_affairs.defects import break_bundle
    from renkei.mocks.school_affairs.generator import generate_bundle

    good = tmp_path / "good.zip"
    generate_bundle(good, profile="oneroster12-csv-japan", students_per_grade=3)
    broken = tmp_path / "broken.zip"
    break_bundle(good, broken)
    ok = _renkei("run", "--profile", "oneroster12-csv-japan", "--target", str(good), "--out", str(tmp_path / "o1"))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    bad = _renkei("run", "--profile", "oneroster12-csv-japan", "--target", str(broken), "--out", str(tmp_path / "o2"))
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "FAIL" in bad.stdout and "Traceback" not in bad.stdout + bad.stderr


def test_unusable_output_folder_is_exit_2_before_the_run(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        main(["run", "--profile", "oneroster12-csv", "--target", str(tmp_path), "--out", str(blocker / "out")])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "cannot create the output folder" in err and "internal error" not in err


def test_keys_sign_and_verify_commands(tmp_path):
    made = _renkei("keys", "create", "--out", str(tmp_path / "k"), "--name", "ci")
    assert made.returncode == 0 and "fingerprint: SHA256:" in made.stdout
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "result.json").write_text('{"verdict": "pass"}')
    assert _renkei("sign", str(folder), "--key", str(tmp_path / "k" / "ci.key")).returncode == 0
    ok = _renkei("verify", str(folder), "--key", str(tmp_path / "k" / "ci.pub"))
    assert ok.returncode == 0 and ok.stdout.startswith("valid:")
    (folder / "result.json").write_text('{"verdict": "fail"}')
    bad = _renkei("verify", str(folder), "--keys", str(tmp_path / "k"))
    assert bad.returncode == 1 and "TAMPERED" in bad.stderr and "result.json" in bad.stderr
    neither = _renkei("verify", str(folder))
    assert neither.returncode == 2 and "--key" in neither.stderr and "Traceback" not in neither.stderr
    wrong = _renkei("sign", str(folder), "--key", str(tmp_path / "k" / "ci.pub"))
    assert wrong.returncode == 2 and "not an unencrypted PEM private key" in wrong.stderr


def test_run_signs_its_result_folder(tmp_path):
    from renkei.mocks.school_affairs.generator import generate_bundle

    bundle = tmp_path / "roster.zip"
    generate_bundle(bundle, profile="oneroster12-csv-japan", students_per_grade=2)
    assert _renkei("keys", "create", "--out", str(tmp_path / "k"), "--name", "ci").returncode == 0
    proc = _renkei("run", "--profile", "oneroster12-csv-japan", "--target", str(bundle), "--out",
                   str(tmp_path / "out"), "--sign-key", str(tmp_path / "k" / "ci.key"))
    assert proc.returncode == 0, proc.stderr
    assert "signed:" in proc.stdout
    assert _renkei("verify", str(tmp_path / "out"), "--key", str(tmp_path / "k" / "ci.pub")).returncode == 0
    early = _renkei("run", "--profile", "oneroster12-csv-japan", "--target", str(bundle), "--out",
                    str(tmp_path / "out2"), "--sign-key", str(tmp_path / "missing.key"))
    assert early.returncode == 2 and "cannot read it" in early.stderr and not (tmp_path / "out2").exists()


def test_the_result_says_what_was_tested(tmp_path):
    import json

    from renkei.mocks.school_affairs.generator import generate_bundle

    bundle = tmp_path / "roster.zip"
    generate_bundle(bundle, profile="oneroster12-csv-japan", students_per_grade=2)
    proc = _renkei("run", "--profile", "oneroster12-csv-japan", "--target", str(bundle), "--out", str(tmp_path / "o"),
                   "--product-name", "校務支援システム X", "--product-version", "5.4", "--vendor", "例株式会社")
    assert proc.returncode == 0, proc.stderr
    result = json.loads((tmp_path / "o" / "result.json").read_text("utf-8"))
    assert result["product"] == {"name": "校務支援システム X", "version": "5.4", "vendor": "例株式会社",
                                 "role": "provider"}
    assert "自己評価" in result["limitations"]["ja"] and "not 1EdTech certification" in result["limitations"]["en"]
    assert result["profile"]["parameters"] and all(c["version"] == "1" for c in result["checks"])
    html = (tmp_path / "o" / "report.html").read_text("utf-8")
    assert "校務支援システム X 5.4" in html and "提供側 (provider)" in html and "適用したパラメータ" in html
    bad = _renkei("run", "--profile", "oneroster12-csv-japan", "--target", str(bundle), "--product-name", "X",
                  "--role", "teacher")
    assert bad.returncode == 2 and "role: 'teacher' is not one of" in bad.stderr
    nameless = _renkei("run", "--profile", "oneroster12-csv-japan", "--target", str(bundle), "--vendor", "例")
    assert nameless.returncode == 2 and "a product needs a name" in nameless.stderr
