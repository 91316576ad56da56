from __future__ import annotations

from renkei.harness.core.placeholders import fill, strings_in


def test_fill_replaces_every_named_placeholder_at_any_depth_and_leaves_others() -> None:
    value = {"url": "http://h/{user}/{user}", "args": ["--to", "{school}", 3], "keep": "{unknown}", "n": None}
    assert fill(value, {"user": "u1", "school": "s2"}) == {
        "url": "http://h/u1/u1", "args": ["--to", "s2", 3], "keep": "{unknown}", "n": None}


def test_strings_in_finds_mapping_values_and_list_items_not_keys() -> None:
    assert strings_in({"{key}": ["a", {"b": "c"}, 1], "d": None}) == ["a", "c"]
    assert strings_in(5) == []
