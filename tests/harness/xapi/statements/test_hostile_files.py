"""Hostile statements files through the ``xapi-statements-japan`` profile run: deep nesting, huge
strings, bytes that are not UTF-8, a 100 MB line, byte order marks, an array that never closes.

Each must end as a report: the unreadable record a finding of ``xapi.statements.readable`` naming its
line and statement index, every other check not evaluated (it did not see that record) or judging
what it saw, never "passed" on a file it could not read, never an internal error, and the memory of
the run about one statement whatever the file's size.
"""

from __future__ import annotations

import copy
import json
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from renkei.harness.core.model import RunResult
from renkei.harness.core.session import RunOptions
from renkei.harness.runner import execute

DATA = Path(__file__).parent / "data"
GOOD: dict[str, Any] = json.loads((DATA / "green.ndjson").read_text(encoding="utf-8").splitlines()[0])
LINE = json.dumps(GOOD, ensure_ascii=False).encode("utf-8")
ACTOR = GOOD["actor"]["account"]
MB = 1_000_000


@pytest.fixture(autouse=True, scope="module")
def _warm(tmp_path_factory: pytest.TempPathFactory) -> None:
    """One run before any is measured: what a first run allocates once (imports, templates) is not a
    cost of the file."""
    tmp = tmp_path_factory.mktemp("warm")
    (tmp / "green.ndjson").write_bytes(LINE + b"\n")
    execute(RunOptions(profile="xapi-statements-japan", target=str(_target(tmp, "green.ndjson")), out_dir=tmp / "out",
                       lang="en"), quiet=True)


def _target(tmp_path: Path, name: str) -> Path:
    target = tmp_path / "target.yaml"
    target.write_text(f"kind: xapi-statements\nsource: file\nfile: {{path: {name}}}\nexpect:\n  actor: "
                      f"{{name: {ACTOR['name']}, home_page: {ACTOR['homePage']}}}\n", encoding="utf-8")
    return target


def _run(tmp_path: Path, name: str, content: bytes | None = None) -> tuple[RunResult, int]:
    """The profile run on ``tmp_path/name`` (written from ``content`` unless already there), and the
    peak of memory it allocated."""
    if content is not None:
        (tmp_path / name).write_bytes(content)
    options = RunOptions(profile="xapi-statements-japan", target=str(_target(tmp_path, name)),
                         out_dir=tmp_path / "out", lang="en")
    tracemalloc.start()
    try:
        result = execute(options, quiet=True)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert not [c.id for c in result.checks if "internal error" in (c.error or "")]
    assert (tmp_path / "out" / "result.json").is_file()
    return result, peak


def _unreadable(result: RunResult, line: int, index: int | None, message: str) -> None:
    """The run fails; ``xapi.statements.readable`` names the record; nothing else passed."""
    by_id = {c.id: c for c in result.checks}
    readable = by_id["xapi.statements.readable"]
    assert result.verdict == "fail" and readable.outcome.value == "failed"
    assert [(f.location.row, f.location.index) for f in readable.findings] == [(line, index)]
    assert message in readable.findings[0].message
    others = {c.id: c.outcome.value for c in result.checks if c.id != "xapi.statements.readable"}
    assert "passed" not in others.values(), others  # a check that did not see the record cannot pass
    assert all(c.outcome.value == "skipped" or c.error or c.not_evaluated or c.findings
               for c in result.checks if c.id != "xapi.statements.readable")


@pytest.mark.parametrize("name, content, line, index, message", [
    ("deep.ndjson", LINE + b"\n" + b"[" * 200_000 + b"\n" + LINE + b"\n", 2, 1, "nested deeper than 64 levels"),
    ("deep-objects.ndjson", LINE + b"\n" + b'{"a":' * 100_000 + b"1" + b"}" * 100_000 + b"\n", 2, 1,
     "nested deeper than 64 levels"),
    ("deep.json", b"[\n" + LINE + b",\n" + b"[" * 5_000 + b"]" * 5_000 + b",\n" + LINE + b"\n]", 3, 1,
     "nested deeper than 64 levels"),
    ("latin1.ndjson", LINE + b"\n" + LINE.replace(b"answered", b"answ\xe9red") + b"\n" + LINE + b"\n", 2, 1,
     "not UTF-8"),
    ("latin1.json", b"[\n" + LINE + b",\n" + LINE.replace(b"answered", b"answ\xe9red") + b"\n]", 3, 1,
     "not UTF-8"),
    ("utf16.json", "[]".encode("utf-16"), 1, 0, "not UTF-8"),  # no '[' as its first byte: read as NDJSON
    ("bom-inside.ndjson", b"\xef\xbb\xbf" + LINE + b"\n\xef\xbb\xbf" + LINE + b"\n", 2, 1, "BOM"),
    ("unclosed.json", b"[\n" + LINE + b",\n" + LINE + b",\n", 4, 2, "no closing ']'"),  # the file's end
    ("unclosed-element.json", b"[\n" + LINE + b",\n" + LINE[:-40], 3, 1, "not valid JSON"),
], ids=["deep-arrays", "deep-objects", "deep-in-array", "latin1-ndjson", "latin1-array", "utf16", "bom-inside",
        "never-closes", "element-cut"])
def test_an_unreadable_record_is_a_located_finding(tmp_path: Path, name: str, content: bytes, line: int,
                                                   index: int | None, message: str) -> None:
    result, peak = _run(tmp_path, name, content)
    _unreadable(result, line, index, message)
    assert peak < 8 * MB, peak


def _write_huge_line(path: Path, before: bytes, after: bytes, size: int, *, close: bool = True) -> None:
    """``before``, a line of ``size`` bytes (one JSON string property), ``after``, written in pieces."""
    with path.open("wb") as f:
        f.write(before + b'{"id": "')
        for _ in range(size // MB):
            f.write(b"a" * MB)
        f.write(b'"}\n' if close else b"")
        f.write(after)


def test_a_100_mb_ndjson_line_is_skipped_in_bounded_memory(tmp_path: Path) -> None:
    """One line of 100 MB between two good ones: the reader holds at most max_statement_bytes of it,
    says which line it was, and reads on; the good statements are judged."""
    _write_huge_line(tmp_path / "huge.ndjson", LINE + b"\n", LINE + b"\n", 100 * MB)
    result, peak = _run(tmp_path, "huge.ndjson")
    _unreadable(result, 2, 1, "a line longer than 1,000,000 bytes")
    assert result.target["statements_read"] == 2
    assert peak < 8 * MB, peak  # the line alone is 100 MB


def test_an_array_whose_last_string_never_closes_is_cut_at_the_statement_limit(tmp_path: Path) -> None:
    _write_huge_line(tmp_path / "endless.json", b"[\n" + LINE + b",\n", b"", 20 * MB, close=False)
    result, peak = _run(tmp_path, "endless.json")
    _unreadable(result, 3, 1, "a statement longer than 1,000,000 bytes")
    assert peak < 8 * MB, peak  # the string alone is 20 MB


@pytest.mark.parametrize("content", [
    b"\xef\xbb\xbf" + LINE + b"\n" + LINE + b"\n",
    b"\xef\xbb\xbf[\n" + LINE + b",\n" + LINE + b"\n]\n",
], ids=["ndjson", "array"])
def test_a_leading_byte_order_mark_is_read_past(tmp_path: Path, content: bytes) -> None:
    result, _ = _run(tmp_path, "bom.json", content)
    assert result.target["statements_read"] == 2
    by_id = {c.id: c for c in result.checks}
    assert by_id["xapi.statements.readable"].outcome.value == "passed"
    assert by_id["xapi.statements.data.statement"].outcome.value == "passed"


def test_huge_strings_inside_the_limits_are_judged_located_and_bounded(tmp_path: Path) -> None:
    """Statements under max_statement_bytes whose values are ~0.9 MB strings: each broken rule is a
    finding naming the statement and the path, with the value cut short in the report."""
    verb = copy.deepcopy(GOOD)
    verb["verb"]["id"] = "not an IRI " + "a" * 900_000
    stamp = copy.deepcopy(GOOD)
    stamp["timestamp"] = "2026-05-12T09:00:00" + "9" * 900_000
    name = copy.deepcopy(GOOD)
    name["object"]["definition"]["name"]["ja-JP"] = "あ" * 300_000  # 900 KB of UTF-8, a legal name
    text = b"\n".join(json.dumps(s, ensure_ascii=False).encode("utf-8") for s in (GOOD, verb, stamp, name)) + b"\n"
    result, peak = _run(tmp_path, "huge-strings.ndjson", text)
    by_id = {c.id: c for c in result.checks}
    assert by_id["xapi.statements.readable"].outcome.value == "passed"
    verbs = by_id["xapi.statements.data.verb"].findings
    stamps = by_id["xapi.statements.data.timestamp"].findings
    assert [(f.location.row, f.location.index, f.location.column) for f in verbs] == [(2, 1, "$.verb.id")]
    assert [(f.location.row, f.location.index, f.location.column) for f in stamps] == [(3, 2, "$.timestamp")]
    for finding in [*verbs, *stamps]:
        assert len(finding.message) < 1000 and len(finding.value or "") < 1000
    assert peak < 20 * MB, peak  # four statements of about 1 MB each, parsed one at a time
