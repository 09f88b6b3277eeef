"""The sensor batch writer on SQLite and PostgreSQL: raw rows, aggregates, gaps, excursions, retention."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select, text

from traceapp.db.models.sensors import sensor_gaps, sensor_readings
from traceapp.db.sensors import (
    SensorWriter,
    add_channel,
    aggregates_between,
    channel_by_key,
    excursions_between,
    gaps_between,
    list_channels,
    readings_between,
)
from traceapp.domain.errors import InvalidInput, NotFound
from traceapp.domain.sensors import MINUTE_US, SECOND_US, ExcursionKind, Limits, Reading

T0 = 1_796_040_000_000_000  # 2026-11-30T12:00:00Z, on a minute boundary


def oven(t: int, value: float, channel: str = "temp") -> Reading:
    return Reading("plant1", "oven3", channel, t, value, "degC")


def test_a_batch_writes_raw_rows_and_both_aggregates(engine: Engine) -> None:
    writer = SensorWriter(engine)
    batch = [oven(T0 + i * 100_000, float(i)) for i in range(25)]  # 2.5 s at 10 Hz
    result = writer.write(batch)
    assert (result.written, result.channels) == (25, 1)
    with engine.connect() as connection:
        channel = channel_by_key(connection, "oven3", "temp")
        assert (channel.unit, channel.site) == ("degC", "plant1")
        raw = readings_between(connection, channel.id, T0, T0 + SECOND_US)
        assert raw == [(T0 + i * 100_000, float(i)) for i in range(10)]
        seconds = aggregates_between(connection, channel.id, T0, T0 + MINUTE_US, width="second")
        assert [(a.start_us, a.minimum, a.mean, a.maximum, a.count) for a in seconds] == [
            (T0, 0.0, 4.5, 9.0, 10),
            (T0 + SECOND_US, 10.0, 14.5, 19.0, 10),
            (T0 + 2 * SECOND_US, 20.0, 22.0, 24.0, 5),
        ]


def test_a_later_batch_adds_to_the_same_buckets(engine: Engine) -> None:
    writer = SensorWriter(engine)
    writer.write([oven(T0, 5.0), oven(T0 + 200_000, 7.0)])
    writer.write([oven(T0 + 400_000, 1.0), oven(T0 + 30 * SECOND_US, 9.0)])
    with engine.connect() as connection:
        cid = channel_by_key(connection, "oven3", "temp").id
        (second,) = aggregates_between(connection, cid, T0, T0 + SECOND_US, width="second")
        assert (second.minimum, second.maximum, second.count) == (1.0, 7.0, 3)
        assert second.mean == pytest.approx(13.0 / 3)
        (minute,) = aggregates_between(connection, cid, T0, T0 + MINUTE_US)
        assert (minute.minimum, minute.mean, minute.maximum, minute.count) == (1.0, 5.5, 9.0, 4)


def test_silence_longer_than_the_expected_period_is_a_gap(engine: Engine) -> None:
    writer = SensorWriter(engine, default_period_us=2 * SECOND_US)
    writer.write([oven(T0, 1.0), oven(T0 + SECOND_US, 1.0)])
    result = writer.write([oven(T0 + 2 * SECOND_US, 1.0), oven(T0 + 10 * SECOND_US, 1.0)])
    assert (result.gaps_opened, result.gaps_closed) == (1, 1)
    with engine.connect() as connection:
        cid = channel_by_key(connection, "oven3", "temp").id
        gaps = gaps_between(connection, cid, T0, T0 + MINUTE_US)
    assert [(g.start_us, g.end_us) for g in gaps] == [(T0 + 2 * SECOND_US, T0 + 10 * SECOND_US)]


def test_a_silent_channel_gets_an_open_gap_that_its_next_reading_closes(engine: Engine) -> None:
    writer = SensorWriter(engine, default_period_us=2 * SECOND_US)
    writer.write([oven(T0, 1.0)])
    assert writer.check_silence(T0 + SECOND_US) == []
    (opened,) = writer.check_silence(T0 + 5 * SECOND_US)
    assert (opened.start_us, opened.end_us) == (T0, None)
    assert writer.check_silence(T0 + 9 * SECOND_US) == []  # still the same gap
    with engine.connect() as connection:
        (gap,) = gaps_between(connection, opened.channel_id, T0, T0 + MINUTE_US)
        assert gap.end_us is None
    # A new writer (the recorder restarted) finds the open gap and closes it.
    SensorWriter(engine, default_period_us=2 * SECOND_US).write([oven(T0 + 20 * SECOND_US, 2.0)])
    with engine.connect() as connection:
        gaps = gaps_between(connection, opened.channel_id, T0, T0 + MINUTE_US)
        assert [(g.start_us, g.end_us) for g in gaps] == [(T0, T0 + 20 * SECOND_US)]
        assert connection.execute(select(func.count()).select_from(sensor_gaps)).scalar() == 1


def test_excursions_are_stored_and_grow_across_batches(engine: Engine) -> None:
    with engine.begin() as connection:
        add_channel(
            connection, site="plant1", equipment="oven3", name="temp", quantity="temperature",
            unit="degC", limits=Limits(lsl=150, usl=200, lcl=160, ucl=190),
        )  # fmt: skip
    writer = SensorWriter(engine, auto_create=False)
    writer.write([oven(T0, 180.0), oven(T0 + 1, 205.0)])
    writer.write([oven(T0 + 2, 210.0), oven(T0 + 3, 180.0), oven(T0 + 4, 170.0)])
    with engine.connect() as connection:
        cid = channel_by_key(connection, "oven3", "temp").id
        found = excursions_between(connection, cid, T0, T0 + SECOND_US)
        assert [(e.kind, e.start_us, e.end_us, e.worst, e.count, e.open) for e in found] == [
            (ExcursionKind.CONTROL, T0 + 1, T0 + 2, 210.0, 2, False),
            (ExcursionKind.SPEC, T0 + 1, T0 + 2, 210.0, 2, False),
        ]
        assert excursions_between(connection, cid, T0 + 3, T0 + 10) == []


def test_an_excursion_open_when_the_recorder_stopped_is_carried_on_by_the_next(
    engine: Engine,
) -> None:
    with engine.begin() as connection:
        add_channel(connection, site="plant1", equipment="oven3", name="temp", quantity="t",
                    unit="degC", limits=Limits(usl=200))  # fmt: skip
    SensorWriter(engine).write([oven(T0, 180.0), oven(T0 + 1, 205.0)])
    SensorWriter(engine).write([oven(T0 + 2, 230.0), oven(T0 + 3, 180.0)])
    with engine.connect() as connection:
        cid = channel_by_key(connection, "oven3", "temp").id
        found = excursions_between(connection, cid, T0, T0 + SECOND_US)
    assert [(e.start_us, e.end_us, e.worst, e.count, e.open) for e in found] == [
        (T0 + 1, T0 + 2, 230.0, 2, False)
    ]


def test_unknown_channels_are_dropped_and_counted_without_auto_create(engine: Engine) -> None:
    writer = SensorWriter(engine, auto_create=False)
    assert writer.write([oven(T0, 1.0)]).written == 0
    assert writer.unknown == 1
    with engine.connect() as connection:
        assert list_channels(connection) == []
        with pytest.raises(NotFound):
            channel_by_key(connection, "oven3", "temp")


def test_a_non_finite_value_rolls_back_the_whole_batch(engine: Engine) -> None:
    writer = SensorWriter(engine)
    with pytest.raises(InvalidInput, match="finite"):
        writer.write([oven(T0, 1.0), oven(T0 + 1, float("nan"))])
    with engine.connect() as connection:
        count = connection.execute(select(func.count()).select_from(sensor_readings)).scalar()
        assert count == 0
        assert list_channels(connection) == []  # the channel it created is rolled back too
    # The writer goes on: the channel is made again, not taken from a stale memory of it.
    assert writer.write([oven(T0, 1.0), oven(T0 + 1, 2.0)]).written == 2
    with engine.connect() as connection:
        cid = channel_by_key(connection, "oven3", "temp").id
        assert len(aggregates_between(connection, cid, T0, T0 + SECOND_US, width="second")) == 1


def test_retention_deletes_old_raw_readings_and_keeps_aggregates(engine: Engine) -> None:
    writer = SensorWriter(engine, retention_us=10 * SECOND_US)
    writer.write([oven(T0 + i * SECOND_US, float(i)) for i in range(30)])
    assert writer.purge(T0 + 30 * SECOND_US) == 20
    with engine.connect() as connection:
        cid = channel_by_key(connection, "oven3", "temp").id
        raw = readings_between(connection, cid, T0, T0 + MINUTE_US)
        assert [t for t, _ in raw] == [T0 + i * SECOND_US for i in range(20, 30)]
        seconds = aggregates_between(connection, cid, T0, T0 + MINUTE_US, width="second")
        assert len(seconds) == 30
        (minute,) = aggregates_between(connection, cid, T0, T0 + MINUTE_US)
        assert minute.count == 30


def test_the_range_queries_use_the_channel_time_indexes(engine: Engine) -> None:
    explain = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    queries = {
        "ix_sensor_readings_channel_time": "SELECT time_us, value FROM sensor_readings "
        "WHERE channel_id = 1 AND time_us >= 0 AND time_us < 10 ORDER BY time_us",
        "ix_sensor_excursions_channel_start": "SELECT * FROM sensor_excursions "
        "WHERE channel_id = 1 AND start_us <= 10 AND end_us >= 0 ORDER BY start_us",
    }
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SET enable_seqscan = off"))
        for index, query in queries.items():
            plan = " ".join(str(row) for row in connection.execute(text(explain + query)))
            assert index in plan, plan
