"""The one ISO 8601 parser: every offset form the specs' examples use, and nothing that is invalid."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from renkei.harness.lti.protocol.timestamps import (
    InvalidTimestamp,
    is_timestamp,
    parse_timestamp,
    utc_timestamp,
)

SAME_INSTANT = [
    "2017-04-16T18:54:36.736+00:00",  # AGS §3.4.9.1, first valid example
    "2017-04-16T18:54:36.736Z",  # AGS §3.4.9.1
    "2017-04-16T18:54:36.736+00",  # AGS §3.4.9.1 (rejected by renkei before)
    "2017-04-16T18:54:36.736+0000",  # ISO 8601 basic offset
    "2017-04-17T03:54:36.736+09:00",  # Japan
    "2017-04-17T03:54:36,736+0900",  # ISO 8601 decimal comma
    "2017-04-16T13:24:36.736-05:30",
]


@pytest.mark.parametrize("text", SAME_INSTANT)
def test_every_offset_form_of_the_spec_examples_is_accepted(text: str) -> None:
    parsed = parse_timestamp(text, sub_second=True)
    assert parsed.moment == datetime(2017, 4, 16, 18, 54, 36, 736000, tzinfo=UTC)
    assert parsed.epoch == Decimal("1492368876.736") and parsed.sub_second


def test_line_item_dates_need_no_fraction() -> None:
    parsed = parse_timestamp("2018-03-06T20:05:02Z")  # AGS §3.2.5 example
    assert parsed.moment == datetime(2018, 3, 6, 20, 5, 2, tzinfo=UTC) and not parsed.sub_second
    with pytest.raises(InvalidTimestamp, match="no fraction of a second"):
        parse_timestamp("2018-03-06T20:05:02Z", sub_second=True)


def test_nanoseconds_keep_their_order() -> None:
    a = parse_timestamp("2026-04-01T10:00:00.123456789Z")
    b = parse_timestamp("2026-04-01T10:00:00.12345679Z")
    assert a.epoch < b.epoch and a.moment.microsecond == 123456


@pytest.mark.parametrize(("text", "why"), [
    ("2017-04-16T18:54:36.736", "no time zone designator"),
    ("2017-04-16 18:54:36.736Z", "not an ISO 8601 date-time"),
    ("2017-04-16t18:54:36.736z", "not an ISO 8601 date-time"),
    ("2017-04-16T18:54Z", "not an ISO 8601 date-time"),
    ("2017-W16-7T18:54:36Z", "not an ISO 8601 date-time"),
    ("20170416T185436Z", "not an ISO 8601 date-time"),
    ("2017-04-16T18:54:36.1234567890Z", "not an ISO 8601 date-time"),
    ("2017-02-30T18:54:36Z", "does not exist"),
    ("2017-13-01T18:54:36Z", "does not exist"),
    ("2017-04-16T24:00:00Z", "does not exist"),
    ("2017-04-16T18:54:36+24:00", "offset is out of range"),
    ("2017-04-16T18:54:36+09:60", "offset is out of range"),
    ("2017-04-16T18:54:36+9", "not an ISO 8601 date-time"),
    (1492368876.736, "must be a string"),
])
def test_what_really_is_invalid_is_rejected_with_the_reason(text: object, why: str) -> None:
    with pytest.raises(InvalidTimestamp, match=why):
        parse_timestamp(text)
    assert not is_timestamp(text)


def test_utc_timestamp_round_trips_with_millisecond_precision() -> None:
    text = utc_timestamp(1492368876.736)
    assert text == "2017-04-16T18:54:36.736Z"
    assert parse_timestamp(text, sub_second=True).moment == datetime(2017, 4, 16, 18, 54, 36, 736000, tzinfo=UTC)
    assert parse_timestamp("2017-04-16T18:54:36.736-00:00").moment.utcoffset() == timedelta(0)
