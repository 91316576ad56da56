"""The shared readers of claim values: JSON numbers exclude booleans; aud is always a list."""

from __future__ import annotations

import pytest

from renkei.harness.lti.protocol.claims import audiences, is_json_number


@pytest.mark.parametrize("value", [0, 1700000000, 1.5, -2])
def test_numbers_are_json_numbers(value: object) -> None:
    assert is_json_number(value)


@pytest.mark.parametrize("value", [True, False, "1700000000", None, [1]])
def test_booleans_strings_and_others_are_not(value: object) -> None:
    assert not is_json_number(value)


def test_aud_string_array_and_other_shapes() -> None:
    assert audiences("client") == ["client"]
    listed = ["client", "other"]
    assert audiences(listed) == listed and audiences(listed) is not listed
    assert audiences(None) == [] and audiences({"client": 1}) == [] and audiences(7) == []
