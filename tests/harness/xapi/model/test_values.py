"""The value formats of Data §4 and §2.4.2.3: each predicate with values it must accept and refuse."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from renkei.harness.xapi.model import values as V

NOT_STRINGS: list[Any] = [None, 1, 1.5, True, [], {}, b"x"]

CASES: list[tuple[Any, list[str], list[str]]] = [
    (V.is_uuid, ["1fcdd088-66fc-11ec-b362-ebfd340b9cee", "1FCDD088-66FC-11EC-B362-EBFD340B9CEE"],
     ["", "1fcdd08866fc11ecb362ebfd340b9cee", "{1fcdd088-66fc-11ec-b362-ebfd340b9cee}", "1fcdd088-66fc-11ec-b362-ebfd340b9ce"]),
    (V.is_iri, ["http://adlnet.gov/expapi/verbs/answered", "urn:uuid:1", "https://例え.jp/動詞/回答"],
     ["", "answered", "http://x.jp/a b", "://x", "1http://x"]),
    (V.is_irl, ["https://example.platform.jp", "http://127.0.0.1:8000/x?y=1"],
     ["", "example.platform.jp", "mailto:a@b.jp", "https://", "https:///path"]),
    (V.is_uri, ["https://id.example.jp/u/1", "urn:x:y"], ["", "not a uri", "https://例え.jp/"]),
    (V.is_mbox, ["mailto:t01@example.ed.jp", "MAILTO:t01@example.ed.jp"],
     ["", "t01@example.ed.jp", "mailto:", "mailto:t 01@example.ed.jp", "mailto:a@b@c"]),
    (V.is_sha1_hex, ["ebd31e95054c018b10727ccffd2ef2ec3a016ee9"], ["", "abc", "g" * 40, "a" * 41]),
    (V.is_sha2_hex, ["a" * 64, "a" * 56, "a" * 96, "a" * 128], ["", "a" * 63, "a" * 40, "z" * 64]),
    (V.is_media_type, ["image/png", "application/json; charset=utf-8", "application/vnd.ms-excel"],
     ["", "png", "/png", "image/"]),
    (V.is_language_tag, ["ja", "ja-JP", "en-US", "zh-Hant-TW", "sr-Latn-RS", "de-CH-1996", "x-private", "i-klingon",
                         "en-a-bbb-x-a-ccc", "und", "es-419"],
     ["", "ja_JP", "j", "ja-", "ja-JP-", "toolongtag", "ja--JP", "en-US-x", "日本語"]),
    (V.is_duration, ["PT1M2.5S", "P3Y1M29DT4H35M59.14S", "P4W", "P1D", "PT0.5H", "PT16559.14S"],
     ["", "P", "PT", "PA1H0M0S", "P1.5DT2H", "1H", "PT1H30", "should fail"]),
    (V.is_timestamp, ["2026-04-01T09:00:00.123+09:00", "2026-04-01T00:00:00Z", "20260401T090000Z",
                      "2026-04-01T09:00", "2024-02-29T00:00:00Z"],
     ["", "01/011/2015", "2026-04-01", "2026-13-01T00:00:00Z", "2025-02-29T00:00:00Z", "2026-04-01T24:00:00Z",
      "2026-04-01T09:00:00+24:00", "2008-09-15T15:53:00.601-00:00", "2008-09-15T15:53:00.601-0000",
      "2008-09-15T15:53:00.601-00", "2026-04-01T09:00:00" + "0" * 80 + "Z"]),
    (V.is_rfc3339, ["2026-04-01T09:00:00.123+09:00", "2026-04-01T00:00:00Z"],
     ["2026-04-01T09:00", "20260401T090000Z", "2026-04-01T09:00:00+0900", "2026-04-01T09:00:00"]),
]


@pytest.mark.parametrize(("predicate", "good", "bad"), CASES, ids=[c[0].__name__ for c in CASES])
def test_predicates(predicate: Any, good: list[str], bad: list[str]) -> None:
    assert [g for g in good if not predicate(g)] == []
    assert [b for b in bad + NOT_STRINGS if predicate(b)] == []


def test_numbers_exclude_booleans_and_non_finite() -> None:
    assert V.is_number(1) and V.is_number(-0.5)
    assert not any(V.is_number(x) for x in (True, False, float("nan"), float("inf"), "1", None))


def test_timestamp_instants() -> None:
    assert V.parse_timestamp("2026-04-01T09:00:00.5+09:00") == datetime(2026, 4, 1, 0, 0, 0, 500000, UTC)
    assert V.parse_timestamp("2026-04-01T09:00:00").tzinfo is None  # type: ignore[union-attr]
    assert V.read_timestamp("2026-04-01T09:00:00-0000") == (datetime(2026, 4, 1, 9, tzinfo=UTC), "-0000")
    assert V.to_utc_ms("2026-04-01T09:00:00.123456+09:00") == datetime(2026, 4, 1, 0, 0, 0, 123000, UTC)
    assert V.to_utc_ms("2026-04-01T00:00:00") == datetime(2026, 4, 1, tzinfo=UTC)
    assert V.has_timezone("2026-04-01T00:00:00z") and not V.has_timezone("2026-04-01T00:00:00")
    assert V.is_negative_zero_offset("2026-04-01T00:00:00-00:00") and not V.is_negative_zero_offset("x")


ZONED = ["2026-04-01T09:00:00.123+09:00", "2026-04-01T00:00:00Z", "2026-02-28T23:59:59.999999999-05:00",
         "2024-02-29T12:00:00+00:00", "20260401T090000Z", "2026-04-01t09:00:00z", "2026-04-01T09:00+09:00"]
NOT_ZONED = ["2026-04-01T09:00:00", "2026-02-30T09:00:00Z", "2025-02-29T09:00:00Z", "0000-01-01T00:00:00Z",
             "2026-04-01T24:00:00Z", "2026-04-01T09:60:00Z", "2026-04-01T09:00:60Z", "2026-04-01T09:00:00-00:00",
             "2026-04-01T09:00:00-0000", "2026-04-01T09:00:00+24:00", "2026-04-01T09:00:00+09:60",
             "2026-04-01T09:00:00." + "1" * 60 + "Z", "２０２６-04-01T09:00:00Z", "", "2026-04-01", None, 1]


@pytest.mark.parametrize("value", ZONED + NOT_ZONED)
def test_zoned_timestamps_agree_with_read_timestamp(value: Any) -> None:
    """The quick form test answers what read_timestamp says (an instant, a zone, not -00), asked twice so
    the second answer comes from the known dates."""
    parsed, zone = V.read_timestamp(value)
    expected = parsed is not None and zone != "" and not V.is_negative_zero(zone)
    assert V.is_zoned_timestamp(value) is expected is (value in ZONED)
    assert V.is_zoned_timestamp(value) is expected


def test_known_good_strings_stay_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Valid strings are kept for a set look-up next time; the set is emptied when full, never grows past
    its bound, and an invalid string is never kept (so it is refused every time)."""
    monkeypatch.setattr(V, "_KNOWN_MAX", 50)
    V.KNOWN_IRIS.clear()
    for n in range(500):
        assert V.is_iri(f"https://example.app.jp/questions/{n}")
        assert len(V.KNOWN_IRIS) <= 50
    assert not V.is_iri("not an iri") and "not an iri" not in V.KNOWN_IRIS
    long = "https://example.app.jp/" + "a" * 500
    assert V.is_iri(long) and long not in V.KNOWN_IRIS  # long strings are judged, not kept
    assert V.is_language_tag("ja-JP") and "ja-JP" in V.KNOWN_TAGS and not V.is_language_tag("ja_JP")


def test_dates_and_durations_take_ascii_digits_only() -> None:
    """ISO 8601 digits are 0-9: full-width digits (common in Japanese text) are not a timestamp or duration."""
    assert not V.is_timestamp("２０２６-04-01T09:00:00Z") and not V.is_rfc3339("2026-04-01T09:00:00+０９:00")
    assert not V.is_duration("PT５S") and V.is_duration("PT5S")
