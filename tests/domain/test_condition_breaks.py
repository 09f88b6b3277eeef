"""A condition chart's points with a break (NaN point) at each recorded gap of the channel."""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime

from traceapp.domain.conditions import (
    ChannelWindow,
    Residence,
    ResidenceKind,
    Resolution,
    SeriesPoint,
)
from traceapp.domain.sensors import Channel, Limits

CHANNEL = Channel(
    id=1, site="s", equipment="MIX1", name="temp", quantity="temperature", unit="degC",
    limits=Limits(), expected_period_us=1_000_000,
)  # fmt: skip
MOMENT = datetime(2026, 12, 1, tzinfo=UTC)
RESIDENCE = Residence(uuid.uuid4(), ResidenceKind.EQUIPMENT, "MIX1", MOMENT, MOMENT, uuid.uuid4())


def _window(times: list[int], gaps: tuple[tuple[int, int | None], ...]) -> ChannelWindow:
    points = tuple(SeriesPoint(t, float(t), float(t), float(t)) for t in times)
    return ChannelWindow(CHANNEL, RESIDENCE, Resolution.RAW, points, 0, 100, gaps)


def _shape(points: tuple[SeriesPoint, ...]) -> list[object]:
    return ["|" if math.isnan(p.mean) else p.time_us for p in points]


def test_the_line_breaks_once_inside_each_gap_between_points() -> None:
    window = _window([10, 20, 30, 60, 70, 90], gaps=((30, 60), (70, 90)))
    assert _shape(window.points_with_breaks()) == [10, 20, 30, "|", 60, 70, "|", 90]
    assert window.points_with_breaks()[3].time_us == 31  # just after the last reading


def test_no_gap_no_break_and_a_gap_after_the_last_point_adds_nothing() -> None:
    assert _shape(_window([10, 20], gaps=()).points_with_breaks()) == [10, 20]
    # still silent since the last reading: nothing to break, nothing drawn after it anyway
    assert _shape(_window([10, 20], gaps=((20, None),)).points_with_breaks()) == [10, 20]


def test_a_gap_starting_before_the_first_point_breaks_nothing_before_it() -> None:
    # aggregates: buckets at 0, 10, 40 (the bucket at 0 holds the reading at 5 that ended the
    # first gap); the second gap falls inside the bucket at 10 and lasts to the one at 40
    window = _window([0, 10, 40], gaps=((-50, 5), (12, 38)))
    assert _shape(window.points_with_breaks()) == [0, 10, "|", 40]
