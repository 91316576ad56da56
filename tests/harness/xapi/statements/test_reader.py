"""The streaming statements reader: JSON arrays and NDJSON, bounded, every bad record named by line."""

from __future__ import annotations

import json

from renkei.harness.xapi.statements import reader
from renkei.harness.xapi.statements.reader import ReadError, Record


def _read(tmp_path, text: str | bytes, **kw) -> list:
    path = tmp_path / "s.json"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return list(reader.read(path, **kw))


def test_an_array_is_read_element_by_element_with_lines(tmp_path):
    items = _read(tmp_path, '[\n  {"id": 1},\n  {"id": 2,\n   "x": [1, 2]}\n]\n')
    assert items == [Record(0, 2, {"id": 1}), Record(1, 3, {"id": 2, "x": [1, 2]})]


def test_an_array_larger_than_a_read_block_streams(tmp_path):
    statements = [{"id": n, "pad": "あ" * 500} for n in range(2000)]  # ~3 MB, many blocks
    items = _read(tmp_path, json.dumps(statements, ensure_ascii=False))
    assert [i.value["id"] for i in items] == list(range(2000))
    assert all(isinstance(i, Record) for i in items)


def test_a_number_cut_at_a_block_end_is_not_read_short(tmp_path):
    pad = " " * (reader.CHUNK - 3)
    items = _read(tmp_path, "[" + pad + "123456, 7]")
    assert [i.value for i in items] == [123456, 7]


def test_an_empty_array_and_a_bom(tmp_path):
    assert _read(tmp_path, b"\xef\xbb\xbf[ ]") == []


def test_array_syntax_errors_are_fatal_and_located(tmp_path):
    items = _read(tmp_path, '[{"id": 1},\n{"id": }]')
    assert isinstance(items[0], Record)
    err = items[1]
    assert isinstance(err, ReadError) and err.fatal and err.line == 2 and err.index == 1
    assert "not valid JSON" in err.message and "rest of the file" in err.message
    missing = _read(tmp_path, '[{"id": 1} {"id": 2}]')[1]
    assert missing.fatal and "',' or ']'" in missing.message
    unclosed = _read(tmp_path, '[{"id": 1},')[1]
    assert unclosed.fatal and "no closing" in unclosed.message
    trailing = _read(tmp_path, '[{"id": 1}] x')[1]
    assert trailing.fatal and "after the closing" in trailing.message
    not_array = _read(tmp_path, '{"id": 1}', fmt="array")[0]
    assert not_array.fatal and "JSON array" in not_array.message


def test_array_limits(tmp_path):
    big = _read(tmp_path, json.dumps([{"a": "x" * 3000}, {"a": 1}]), max_bytes=1024)
    assert isinstance(big[0], ReadError) and "longer than 1,024 bytes" in big[0].message
    deep = _read(tmp_path, "[" + "[" * 80 + "]" * 80 + ', {"a": 1}]')
    assert isinstance(deep[0], ReadError) and "deeper than 64" in deep[0].message and not deep[0].fatal
    assert deep[1] == Record(1, 1, {"a": 1})
    many = _read(tmp_path, json.dumps([{}] * 5), max_records=3)
    assert len([i for i in many if isinstance(i, Record)]) == 3 and many[-1].fatal and "more than 3" in many[-1].message


def test_ndjson_skips_bad_lines_and_goes_on(tmp_path):
    text = '{"id": 1}\n\n{"id": \n[1]\n' + '{"a": "' + "x" * 2000 + '"}\n' + '{"id": 5}\n'
    items = _read(tmp_path, text, max_bytes=1024)
    assert items[0] == Record(0, 1, {"id": 1})
    assert isinstance(items[1], ReadError) and items[1].line == 3 and items[1].index == 1
    assert "one statement per line" in items[1].message
    assert items[2] == Record(2, 4, [1])
    assert isinstance(items[3], ReadError) and items[3].line == 5 and "longer than" in items[3].message
    assert items[4] == Record(4, 6, {"id": 5})


def test_ndjson_bad_utf8_names_the_line(tmp_path):
    items = _read(tmp_path, b'{"a": 1}\n{"a": "\xff"}\n')
    assert isinstance(items[1], ReadError) and items[1].line == 2 and "UTF-8" in items[1].message


def test_nan_and_infinity_are_not_json_and_name_their_statement(tmp_path):
    """Python's json takes NaN/Infinity; RFC 8259 does not: each such statement is a read error of its
    own (line and index), and the file is read on."""
    items = _read(tmp_path, '[\n {"id": 1},\n {"score": NaN},\n {"x": [-Infinity]},\n {"id": 4}\n]\n')
    assert items[0] == Record(0, 2, {"id": 1})
    assert isinstance(items[1], ReadError) and (items[1].line, items[1].index) == (3, 1) and "NaN" in items[1].message
    assert isinstance(items[2], ReadError) and (items[2].line, items[2].index) == (4, 2) and "-Infinity" in items[2].message
    assert items[3] == Record(3, 5, {"id": 4})
    lines = _read(tmp_path, '{"id": 1}\n{"score": Infinity}\n{"id": 3}\n')
    assert lines[0] == Record(0, 1, {"id": 1}) and lines[2] == Record(2, 3, {"id": 3})
    assert isinstance(lines[1], ReadError) and (lines[1].line, lines[1].index) == (2, 1) and "Infinity" in lines[1].message
    assert not lines[1].fatal


def test_ndjson_line_ends_and_white_space_read_as_json_loads_reads_them(tmp_path):
    """A line is parsed without looking for white space first when it starts with "{"; whatever the line
    end (LF, CRLF, none) or white space around the value, the value and errors are json.loads'."""
    text = '{"id": 1}\n{"id": 2}\r\n  {"id": 3}  \n{"id": 4} \t\n{"id": 5} x\n[6]\n{"id": 7}'
    items = _read(tmp_path, text)
    assert [i.value for i in items if isinstance(i, Record)] == [{"id": 1}, {"id": 2}, {"id": 3}, {"id": 4}, [6],
                                                                  {"id": 7}]
    bad = next(i for i in items if isinstance(i, ReadError))
    assert bad.line == 5 and bad.index == 4 and "Extra data" in bad.message
    lone_cr = _read(tmp_path, '{"id": 1}\r{"id": 2}\n')  # a CR alone is not a line end: json.loads' error
    assert isinstance(lone_cr[0], ReadError) and "Extra data" in lone_cr[0].message


def test_constants_are_noted_per_read(tmp_path):
    """Two reads interleaved (one generator each) never see each other's NaN."""
    a, b = tmp_path / "a.ndjson", tmp_path / "b.ndjson"
    a.write_text('{"x": NaN}\n{"x": 1}\n')
    b.write_text('{"x": 2}\n{"x": 3}\n')
    ra, rb = reader.read(a), reader.read(b)
    first_a = next(ra)
    assert isinstance(first_a, ReadError) and "NaN" in first_a.message
    assert [next(rb), next(ra), next(rb)] == [Record(0, 1, {"x": 2}), Record(1, 2, {"x": 1}), Record(1, 2, {"x": 3})]
