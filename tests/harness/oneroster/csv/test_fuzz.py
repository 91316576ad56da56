"""Robustness: hundreds of seeded random breakages of valid bundles, each run through ``main([...])``.

Whatever the bytes, ``renkei run`` must end with exit code 0, 1 or 2, print no traceback, report no
internal error and let no check crash. Mutations are drawn from ``random.Random(seed)``: a failing
case names its seed and mutation, so ``fuzz_case(seed)`` rebuilds exactly the same bundle.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path

import pytest

from renkei.harness.cli import main
from tests.harness.oneroster.csv import corpus_env
from tests.harness.oneroster.csv.corpus import PROFILES
from tests.harness.oneroster.csv.corpus_env import Recorder
from tests.harness.oneroster.csv.mutable_bundle import Bundle

BATCHES = 15
PER_BATCH = 20  # 300 cases
TOKENS = (b'"', b'""', b"\r", b"\n", b"\r\n", b"\0", b"\xff", b"\xef\xbb\xbf", b"\x81", b",", b",,,",
          b"\xe3\x81", b"\xc3", b"NULL", b"\t", b"\\", b"ext:", b"\"\r\n\"", b"\xfe\xff")
WEIRD_CELLS = ("", "NULL", "TRUE", "ext:", "ext:x y", "\u3000", "ｱｲｳ", "１２３", "2026-02-30", "9999-99-99",
               "1/05/2023", "-1", "1e400", "x" * 300, "9" * 30, "0000", " true", "NaN", "\ufeff", "\0",
               "\ud7ff\ue000", "😀", "a,b", "=cmd|' /C calc'!A0", "<script>alert(1)</script>",
               "../../etc/passwd", "{LDAP:}", "\"quoted\"")

base_zip = corpus_env.base_zip  # fixtures: pytest finds them by name in this module
quiet_cli = corpus_env.quiet_cli


def _csv_names(b: Bundle) -> list[str]:
    return [e.name for e in b.entries if e.name.endswith(".csv")]


def _flip_bytes(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 12)):
        if out:
            i = rng.randrange(len(out))
            out[i] ^= rng.randint(1, 255)
    return bytes(out)


def _insert_tokens(rng: random.Random, data: bytes) -> bytes:
    out = data
    for _ in range(rng.randint(1, 8)):
        i = rng.randint(0, len(out))
        out = out[:i] + rng.choice(TOKENS) + out[i:]
    return out


def _truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randint(0, len(data))]


def _shuffle_lines(rng: random.Random, data: bytes) -> bytes:
    lines = data.split(b"\n")
    op = rng.choice(("drop", "dup", "swap", "header"))
    if op == "drop" and lines:
        del lines[rng.randrange(len(lines))]
    elif op == "dup" and lines:
        i = rng.randrange(len(lines))
        lines.insert(i, lines[i])
    elif op == "swap" and len(lines) > 1:
        i, j = rng.sample(range(len(lines)), 2)
        lines[i], lines[j] = lines[j], lines[i]
    elif lines:
        fields = lines[0].split(b",")
        rng.shuffle(fields)
        lines[0] = b",".join(fields)
    return b"\n".join(lines)


def _weird_cell(rng: random.Random, b: Bundle, name: str) -> None:
    try:
        rows = b.rows(name)
    except (UnicodeDecodeError, ValueError):
        return
    if len(rows) < 2:
        return
    r = rng.randrange(len(rows))
    if rows[r]:
        rows[r][rng.randrange(len(rows[r]))] = rng.choice(WEIRD_CELLS)
        b.set_rows(name, rows)


def _weird_column(rng: random.Random, b: Bundle, name: str) -> None:
    """Every data row of one column gets a weird value (exercises each rule's vectorised path)."""
    try:
        rows = b.rows(name)
    except (UnicodeDecodeError, ValueError):
        return
    if len(rows) < 2 or not rows[0]:
        return
    col = rng.randrange(len(rows[0]))
    for r in rows[1:]:
        if col < len(r):
            r[col] = rng.choice(WEIRD_CELLS)
    b.set_rows(name, rows)


def _damage_zip(rng: random.Random, data: bytes) -> bytes:
    op = rng.choice(("flip", "truncate", "garbage", "zero", "dup", "cd"))
    n = len(data)
    if op == "flip":
        return _flip_bytes(rng, data)
    if op == "truncate":
        return data[: rng.randint(0, n)]
    if op == "garbage":
        i = rng.randint(0, n)
        return data[:i] + rng.randbytes(rng.randint(1, 64)) + data[i:]
    if op == "zero":
        i = rng.randrange(n)
        return data[:i] + bytes(min(rng.randint(1, 64), n - i)) + data[i + 64:]
    if op == "dup":
        i = rng.randrange(n)
        return data[:i] + data[i: i + rng.randint(1, 200)] + data[i:]
    # corrupt a field of a central-directory record (sizes, offsets, name/extra lengths, method)
    out = bytearray(data)
    spots = [i for i in range(n - 46) if out[i: i + 4] == b"PK\x01\x02"]
    if spots:
        pos = rng.choice(spots) + rng.choice((10, 20, 24, 28, 30, 32, 42))
        out[pos: pos + 2] = rng.choice((b"\xff\xff", b"\x00\x00", rng.randbytes(2)))
    return bytes(out)


def fuzz_case(seed: int, base: Callable[[str], bytes]) -> tuple[str, bytes, str]:
    """(profile, zip bytes, description) of case ``seed``; deterministic."""
    rng = random.Random(seed)
    profile = rng.choice(PROFILES)
    b = Bundle.from_zip(base(profile))
    names = _csv_names(b)
    steps: list[str] = []
    for _ in range(rng.randint(1, 3)):
        kind = rng.choice(("flip", "insert", "truncate", "lines", "cell", "column", "entry", "zip"))
        name = rng.choice(names)
        steps.append(f"{kind}:{name}" if kind != "zip" else "zip")
        if kind == "flip":
            b.set_bytes(name, _flip_bytes(rng, b.bytes_of(name)))
        elif kind == "insert":
            b.set_bytes(name, _insert_tokens(rng, b.bytes_of(name)))
        elif kind == "truncate":
            b.set_bytes(name, _truncate(rng, b.bytes_of(name)))
        elif kind == "lines":
            b.set_bytes(name, _shuffle_lines(rng, b.bytes_of(name)))
        elif kind == "cell":
            _weird_cell(rng, b, name)
        elif kind == "column":
            _weird_column(rng, b, name)
        elif kind == "entry":
            e = b.entry(name)
            choice = rng.choice(("remove", "rename", "nest", "stored", "empty"))
            steps[-1] += f"/{choice}"
            if choice == "remove":
                b.remove(name)
            elif choice == "rename":
                e.name = rng.choice(("USERS.CSV", "users.csv.bak", "名簿.csv", "a/../users.csv", " users.csv"))
            elif choice == "nest":
                e.name = "sub/" + e.name
            elif choice == "stored":
                e.compress_type = 0
            else:
                e.data = b""
            names = _csv_names(b) or names
    data = b.to_bytes()
    if "zip" in steps:
        data = _damage_zip(rng, data)
    return profile, data, " + ".join(steps)


def _run(seed: int, base: Callable[[str], bytes], tmp_path: Path, rec: Recorder,
         capsys: pytest.CaptureFixture[str]) -> str | None:
    """Run one case; return a description of what went wrong, or None."""
    profile, data, what = fuzz_case(seed, base)
    case = tmp_path / f"seed{seed}"
    case.mkdir()
    target = case / "bundle.zip"
    target.write_bytes(data)
    rec.parts.clear()
    try:
        main(["run", "-p", profile, "-t", str(target), "-o", str(case / "out"), "--lang", "en"])
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    captured = capsys.readouterr()
    output = rec.text + captured.out + captured.err
    problems = []
    if code not in (0, 1, 2):
        problems.append(f"exit code {code!r}")
    if "Traceback" in output or "internal error" in output:
        problems.append("traceback/internal error in output:\n" + output[-1500:])
    result = case / "out" / "result.json"
    if result.exists():
        report = json.loads(result.read_text("utf-8"))
        crashed = [(c["id"], c.get("error")) for c in report["checks"]
                   if c["outcome"] == "error" and not c.get("not_evaluated")]
        if crashed:
            problems.append(f"checks crashed: {crashed}")
        # the exit code must say exactly what the verdict says
        if (report["verdict"] == "pass") != (code == 0):
            problems.append(f"verdict {report['verdict']} but exit code {code}")
    elif code != 2:
        problems.append(f"exit {code} but no result.json was written")
    return f"seed {seed} ({profile}: {what}): " + "; ".join(problems) if problems else None


@pytest.mark.parametrize("batch", range(BATCHES))
def test_no_input_crashes_the_cli(batch: int, base_zip: Callable[[str], bytes], tmp_path: Path,
                                  quiet_cli: Recorder, capsys: pytest.CaptureFixture[str]) -> None:
    failures = []
    for seed in range(batch * PER_BATCH, (batch + 1) * PER_BATCH):
        problem = _run(seed, base_zip, tmp_path, quiet_cli, capsys)
        if problem:
            failures.append(problem)
    assert not failures, "\n".join(failures)


def test_fuzz_cases_are_reproducible_and_varied(base_zip: Callable[[str], bytes]) -> None:
    cases = [fuzz_case(seed, base_zip) for seed in range(40)]
    assert cases[:5] == [fuzz_case(seed, base_zip) for seed in range(5)]
    assert len({data for _, data, _ in cases}) == len(cases)  # every case is a different input
    assert {p for p, _, _ in cases} == set(PROFILES)
    assert any("zip" in what for _, _, what in cases)


def test_fuzz_harness_notices_a_crash(monkeypatch: pytest.MonkeyPatch, base_zip: Callable[[str], bytes],
                                      tmp_path: Path, quiet_cli: Recorder,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    """The oracle is not vacuous: an exception inside the run is reported as a problem."""
    import renkei.harness.cli as cli

    def boom(*_: object, **__: object) -> None:
        raise KeyError("injected")

    monkeypatch.setattr(cli, "execute", boom)
    problem = _run(0, base_zip, tmp_path, quiet_cli, capsys)
    assert problem is not None and "internal error" in problem


def _odd_targets(tmp: Path, base: Callable[[str], bytes]) -> dict[str, list[str]]:
    """CLI invocations with hostile or nonsensical targets and options (argv after ``run``)."""
    empty_dir = tmp / "empty"
    empty_dir.mkdir()
    empty_zip = tmp / "empty.zip"
    empty_zip.write_bytes(b"")
    linked = tmp / "linked"
    linked.mkdir()
    for e in Bundle.from_zip(base("oneroster12-csv")).entries:
        (linked / e.name).write_bytes(e.data)
    (linked / "users.csv").unlink()
    (linked / "users.csv").symlink_to("/etc/hostname")
    good = tmp / "good.zip"
    good.write_bytes(base("oneroster12-csv"))
    return {
        "missing target": ["-p", "oneroster12-csv", "-t", str(tmp / "nope.zip")],
        "device target": ["-p", "oneroster12-csv", "-t", "/dev/null"],
        "empty folder": ["-p", "oneroster12-csv", "-t", str(empty_dir)],
        "zero-byte zip": ["-p", "oneroster12-csv", "-t", str(empty_zip)],
        "symlinked users.csv in a folder": ["-p", "oneroster12-csv", "-t", str(linked)],
        "unknown profile": ["-p", "oneroster99-csv", "-t", str(good)],
        "profile of another standard": ["-p", "lti13-tool", "-t", str(good)],
        "bad language": ["-p", "oneroster12-csv", "-t", str(good), "--lang", "fr"],
        "select matches nothing": ["-p", "oneroster12-csv", "-t", str(good), "--select", "zz.*"],
        "missing expected-failures file": ["-p", "oneroster12-csv", "-t", str(good), "--expected-failures",
                                           str(tmp / "nope.yaml")],
    }


def test_odd_targets_and_options_end_cleanly(base_zip: Callable[[str], bytes], tmp_path: Path,
                                             quiet_cli: Recorder, capsys: pytest.CaptureFixture[str]) -> None:
    failures = []
    for label, argv in _odd_targets(tmp_path, base_zip).items():
        quiet_cli.parts.clear()
        out = tmp_path / ("out-" + label.replace(" ", "-"))
        try:
            main(["run", *argv, "-o", str(out)])
            code: object = 0
        except SystemExit as exc:
            code = exc.code
        text = quiet_cli.text + "".join(capsys.readouterr())
        if code not in (0, 1, 2) or "Traceback" in text or "internal error" in text:
            failures.append(f"{label}: exit {code!r}\n{text[-800:]}")
        if label.startswith("symlinked"):
            if not (out / "result.json").exists():
                failures.append(f"{label}: no result.json (exit {code!r})")
                continue
            report = json.loads((out / "result.json").read_text("utf-8"))
            symlink = next(c for c in report["checks"] if c["id"] == "or.pkg.symlink")
            if symlink["outcome"] != "failed":
                failures.append(f"{label}: or.pkg.symlink is {symlink['outcome']}")
    assert not failures, "\n".join(failures)
