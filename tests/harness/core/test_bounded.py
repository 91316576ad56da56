"""Bounded configuration files, YAML and JSON: hostile input is a one-line error, never a hang,
gigabytes read or a RecursionError."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from renkei.harness.core.bounded import (
    MAX_CONFIG_BYTES,
    MAX_DEPTH,
    InputLimitError,
    _text_depth_ok,
    json_depth_ok,
    load_json,
    load_yaml,
    read_config_bytes,
    read_yaml_file,
)
from renkei.harness.core.errors import ConfigError

BILLION_LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True)
)


def _within(seconds: float, func, *args):
    """Run ``func`` in a thread; fail (instead of hanging the suite) if it blocks."""
    box: dict[str, object] = {}

    def run() -> None:
        try:
            box["value"] = func(*args)
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            box["error"] = exc

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), f"{func.__name__} blocked for more than {seconds} s"
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box.get("value")


def test_a_regular_file_is_read(tmp_path: Path) -> None:
    p = tmp_path / "t.yaml"
    p.write_text("\ufeffa: 1\n", encoding="utf-8")
    assert read_yaml_file(p, "target") == {"a": 1}  # a BOM from a Windows editor is fine


def test_a_fifo_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "expected.yaml"
    os.mkfifo(fifo)
    with pytest.raises(ConfigError, match=r"expected-failures file .*expected.yaml: is a FIFO \(named pipe\)"):
        _within(5, read_config_bytes, fifo, "expected-failures file")


def test_dev_zero_is_refused_without_reading(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="/dev/zero: is a character device, not a regular file"):
        _within(5, read_config_bytes, "/dev/zero", "target")


def test_a_folder_and_a_missing_file_are_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is a folder, not a regular file"):
        read_config_bytes(tmp_path, "profile")
    with pytest.raises(ConfigError, match="nope.yaml: file does not exist"):
        read_config_bytes(tmp_path / "nope.yaml", "profile")


def test_an_oversized_file_is_refused_by_its_size(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as fh:
        fh.truncate(MAX_CONFIG_BYTES + 1)  # sparse: nothing is written, nothing must be read
    with pytest.raises(ConfigError, match=r"big.yaml: is 1,048,577 bytes, more than the 1,048,576-byte limit"):
        read_config_bytes(big, "target")
    assert read_config_bytes(big, "target", max_bytes=MAX_CONFIG_BYTES + 1) == b"\0" * (MAX_CONFIG_BYTES + 1)


def test_undecodable_bytes_are_located(tmp_path: Path) -> None:
    p = tmp_path / "sjis.yaml"
    p.write_bytes("id: 名簿\n".encode("cp932"))
    with pytest.raises(ConfigError, match=r"sjis.yaml: is not UTF-8 text \(byte 4\)"):
        read_yaml_file(p, "profile")


def test_malformed_yaml_names_line_and_column(tmp_path: Path) -> None:
    p = tmp_path / "bad.yaml"
    p.write_text("a: 1\nb: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        read_yaml_file(p, "target")
    message = str(err.value)
    assert message.startswith(f"target {p}: not valid YAML: line 3, column 1: ") and "\n" not in message


@pytest.mark.parametrize("text", [
    "a: " + "[" * 5000 + "]" * 5000,  # flow nesting
    "a: " + "{b: " * 5000 + "1" + "}" * 5000,
    "".join("  " * i + f"k{i}:\n" for i in range(MAX_DEPTH + 2)) + "  " * (MAX_DEPTH + 2) + "x: 1\n",  # block
])
def test_deep_yaml_is_a_limit_error_not_a_recursion_error(text: str) -> None:
    with pytest.raises(InputLimitError, match=f"nested deeper than {MAX_DEPTH} levels"):
        load_yaml(text)


def test_yaml_at_the_depth_limit_loads() -> None:
    assert load_yaml("[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1))  # top mapping/list counts as one level


def test_an_alias_bomb_is_bounded() -> None:
    with pytest.raises(InputLimitError, match="more than 100,000 nodes once its aliases are expanded"):
        _within(10, load_yaml, BILLION_LAUGHS)


def test_ordinary_anchors_and_merge_keys_still_work() -> None:
    data = load_yaml("base: &b {x: 1}\nother: {<<: *b, y: 2}\nlist: [*b, *b]\n")
    assert data["other"] == {"x": 1, "y": 2} and data["list"] == [{"x": 1}, {"x": 1}]


def test_yaml_file_errors_are_config_errors(tmp_path: Path) -> None:
    p = tmp_path / "bomb.yaml"
    p.write_text(BILLION_LAUGHS, encoding="utf-8")
    with pytest.raises(ConfigError, match="bomb.yaml: not valid YAML: has more than 100,000 nodes"):
        read_yaml_file(p, "profile")


@pytest.mark.parametrize("data", ["[" * 100_000, b"[" * 100_000, '{"a":' * 70 + "1" + "}" * 70,
                                  "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)])
def test_deep_json_is_a_limit_error(data: str | bytes) -> None:
    with pytest.raises(InputLimitError, match=f"nested deeper than {MAX_DEPTH} levels") as err:
        load_json(data)
    assert isinstance(err.value, ValueError) and err.value.ja == f"入れ子が {MAX_DEPTH} 階層を超えています"


def test_json_within_the_limit_loads_including_wide_documents() -> None:
    assert load_json("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None
    wide = "[" + ",".join('{"a": [1, {"b": 2}]}' for _ in range(10_000)) + "]"  # many brackets, shallow
    assert len(load_json(wide)) == 10_000
    assert load_json(b'"scalar"') == "scalar"


def test_malformed_json_is_still_a_value_error() -> None:
    with pytest.raises(ValueError) as err:
        load_json("{")
    assert not isinstance(err.value, InputLimitError)


def _nested(depth: int, deep_at: int) -> str:
    """``depth`` containers, alternating dict and list, whose deepest branch sits beside shallower
    siblings (an empty container one level up), ``deep_at`` lists down."""
    text = "{}"
    for level in range(depth - 1, 0, -1):
        text = f'{{"s": 1, "e": [], "d": {text}}}' if level % 2 else f'[[], "x", {text}, {{}}]'
    return "[" * deep_at + text + "]" * deep_at


@pytest.mark.parametrize("depth", [MAX_DEPTH, MAX_DEPTH + 1])
def test_mixed_nesting_is_measured_exactly(depth: int) -> None:
    text = _nested(depth - 3, 3)
    if depth <= MAX_DEPTH:
        assert load_json(text) is not None
    else:
        with pytest.raises(InputLimitError):
            load_json(text)


# The raw-text bound must agree with the walk over the parsed value wherever it answers: brackets in
# strings, escaped quotes and backslashes, non-ASCII text, and {} beside [].
TRICKY = ['"["', '"]]]]"', '"\\\\"', '"\\""', '["\\"[", "\\\\", "]"]', '{"[":"{{{{","k":["\\\\\\"[["]}',
          '["漢字[", {"é": "}}}"}]', '[[], {}, [[]], {"a": {"b": []}}]', '"\\u005b\\u007b"', '{"a":"\\\\\\\\"}']


@pytest.mark.parametrize("inner", TRICKY)
@pytest.mark.parametrize("limit", [1, 2, 3, 4, 6])
def test_the_text_bound_agrees_with_the_value_walk(inner: str, limit: int) -> None:
    for wrap in (0, 1, 2, 3):
        text = "[" * wrap + inner + "]" * wrap
        want = json_depth_ok(json.loads(text), limit)
        assert _text_depth_ok(text.encode(), limit) in (want, None), text
        assert _text_depth_ok(text.encode(), limit) is not None or wrap + 3 > limit
        if want:
            assert load_json(text.encode(), max_depth=limit) == json.loads(text)
        else:
            with pytest.raises(InputLimitError):
                load_json(text.encode(), max_depth=limit)


def test_documents_too_deep_to_peel_quickly_are_walked_and_other_encodings_too() -> None:
    deep = "[" + ",".join(["[" * 40 + "]" * 40] * 10) + "]"  # ten chains 41 deep: too many brackets left
    assert _text_depth_ok(deep.encode(), MAX_DEPTH) is None  # after the peel passes
    assert load_json(deep) is not None
    deeper = "[" + ",".join(["[" * MAX_DEPTH + "]" * MAX_DEPTH] * 10) + "]"
    with pytest.raises(InputLimitError):
        load_json(deeper)
    assert load_json(("[" * MAX_DEPTH + "]" * MAX_DEPTH).encode("utf-16")) is not None
    with pytest.raises(InputLimitError):  # UTF-16 text is judged on its value
        load_json(("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)).encode("utf-16"))


@pytest.mark.parametrize("text", ['{"a": NaN}', b'[1, Infinity]', '{"a": {"b": -Infinity}}', b'\xef\xbb\xbf{"a": NaN}'])
def test_load_json_refuses_nan_and_infinity(text: str | bytes) -> None:
    with pytest.raises(ValueError, match="is not JSON"):
        load_json(text)


def test_load_json_still_reads_bytes_in_every_json_encoding() -> None:
    assert load_json('{"a": [1.5, "名"]}'.encode("utf-16")) == {"a": [1.5, "名"]}
    assert load_json(b'\xef\xbb\xbf{"a": 1}') == {"a": 1}
    assert load_json(bytearray(b'{"a": 1}')) == {"a": 1}
