"""``parse_body``: JSON problems of a statements body, duplicate keys located (XAPI-00021)."""

from __future__ import annotations

import json

import pytest

from renkei.harness.xapi.model.body import parse_body
from tests.harness.xapi.model.samples import activity_statement


def test_valid_body() -> None:
    st = activity_statement()
    value, problems = parse_body(json.dumps([st]).encode())
    assert value == [st] and problems == []


def test_duplicate_keys_are_located() -> None:
    body = b'[{"actor": {"mbox": "mailto:a@b.jp", "mbox": "mailto:c@d.jp"}}, {"verb": 1, "verb": 2}]'
    value, problems = parse_body(body)
    assert [(p.rule, p.path, p.requirement) for p in problems] == [
        ("property.duplicate", "$[0].actor.mbox", "XAPI-00021"), ("property.duplicate", "$[1].verb", "XAPI-00021")]
    assert value[1] == {"verb": 2}
    assert parse_body(body, check_duplicates=False)[1] == []


@pytest.mark.parametrize(("data", "rule"), [
    (b"", "body.json"), (b"{", "body.json"), (b"\xff\xfe{}", "body.json"), (b"[" * 65 + b"]" * 65, "body.depth"),
    (b"[" * 100_000 + b"]" * 100_000, "body.depth"), ('{"a": 1,}', "body.json"),
])
def test_broken_bodies(data: bytes | str, rule: str) -> None:
    value, problems = parse_body(data)
    assert value is None and [p.rule for p in problems] == [rule]
