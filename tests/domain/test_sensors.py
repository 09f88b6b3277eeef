"""Sensor domain: times as microseconds, limits, excursion runs, aggregates."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone

import pytest

from traceapp.domain.errors import InvalidInput
from traceapp.domain.sensors import (
    MINUTE_US,
    SECOND_US,
    ExcursionKind,
    ExcursionTracker,
    Limits,
    aggregate,
    bucket,
    check_name,
    excursions,
    from_micros,
    parse_time,
    to_micros,
)


def test_times_round_trip_through_microseconds_exactly() -> None:
    moment = datetime(2026, 11, 30, 12, 0, 0, 123456, tzinfo=UTC)
    assert to_micros(moment) == 1_796_040_000_123_456
    assert from_micros(to_micros(moment)) == moment
    assert parse_time("2026-11-30T13:00:00.123456+01:00") == to_micros(moment)
    assert parse_time("2026-11-30T12:00:00.123456Z") == to_micros(moment)
    tokyo = moment.astimezone(timezone(timedelta(hours=9)))
    assert to_micros(tokyo) == to_micros(moment)


def test_a_time_without_offset_or_not_iso_is_refused() -> None:
    with pytest.raises(InvalidInput, match="offset"):
        parse_time("2026-11-30T12:00:00")
    with pytest.raises(InvalidInput, match="ISO 8601"):
        parse_time("yesterday")


@pytest.mark.parametrize("name", ["", "a/b", "plant#", "x+", " oven", "o" * 65])
def test_topic_breaking_names_are_refused(name: str) -> None:
    with pytest.raises(InvalidInput):
        check_name("channel", name)


def test_limits_with_low_above_high_are_refused() -> None:
    with pytest.raises(InvalidInput, match="specification"):
        Limits(lsl=5, usl=1)
    with pytest.raises(InvalidInput, match="control"):
        Limits(lcl=5, ucl=1)


def test_a_run_outside_the_spec_is_one_excursion_with_its_worst_value() -> None:
    limits = Limits(lsl=10, usl=20)
    data = [(1, 15.0), (2, 21.0), (3, 25.0), (4, 22.0), (5, 15.0), (6, 9.0), (7, 12.0)]
    found = excursions(7, limits, data)
    assert [(e.kind, e.start_us, e.end_us, e.worst, e.count, e.open) for e in found] == [
        (ExcursionKind.SPEC, 2, 4, 25.0, 3, False),
        (ExcursionKind.SPEC, 6, 6, 9.0, 1, False),
    ]


def test_control_and_spec_limits_give_separate_excursions() -> None:
    limits = Limits(lsl=0, usl=100, lcl=40, ucl=60)
    found = excursions(1, limits, [(1, 50.0), (2, 65.0), (3, 120.0), (4, 70.0), (5, 50.0)])
    assert [(e.kind, e.start_us, e.end_us, e.worst) for e in found] == [
        (ExcursionKind.CONTROL, 2, 4, 120.0),
        (ExcursionKind.SPEC, 3, 3, 120.0),
    ]


def test_an_excursion_spanning_batches_grows_and_stays_open_until_back_inside() -> None:
    tracker = ExcursionTracker(3, Limits(usl=10))
    first = tracker.feed([(1, 5.0), (2, 11.0)])
    assert [(e.start_us, e.end_us, e.open) for e in first] == [(2, 2, True)]
    second = tracker.feed([(3, 14.0), (4, 12.0)])
    assert [(e.start_us, e.end_us, e.worst, e.count, e.open) for e in second] == [
        (2, 4, 14.0, 3, True)
    ]
    third = tracker.feed([(5, 9.0)])
    assert [(e.start_us, e.end_us, e.open) for e in third] == [(2, 4, False)]
    assert tracker.feed([(6, 9.5)]) == []


def test_no_limits_means_no_excursions() -> None:
    assert excursions(1, Limits(), [(1, 1e9), (2, -1e9)]) == []


def test_aggregates_per_second_and_minute() -> None:
    data = [(0, 1.0), (SECOND_US - 1, 3.0), (SECOND_US, 10.0), (MINUTE_US + 5, 4.0)]
    seconds = list(aggregate(2, data, SECOND_US))
    assert [(a.start_us, a.minimum, a.mean, a.maximum, a.count) for a in seconds] == [
        (0, 1.0, 2.0, 3.0, 2),
        (SECOND_US, 10.0, 10.0, 10.0, 1),
        (MINUTE_US, 4.0, 4.0, 4.0, 1),
    ]
    minutes = list(aggregate(2, data, MINUTE_US))
    assert [(a.start_us, a.count) for a in minutes] == [(0, 3), (MINUTE_US, 1)]
    assert math.isclose(minutes[0].mean, 14.0 / 3)


def test_buckets_floor_also_before_1970() -> None:
    assert bucket(-1, SECOND_US) == -SECOND_US
    assert bucket(1_500_000, SECOND_US) == SECOND_US
