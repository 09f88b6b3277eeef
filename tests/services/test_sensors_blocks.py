"""Readings in blocks (arrays) are stored as single readings would be: raw rows, aggregates, gaps and excursions, whatever the batches and their order; reading them back as arrays."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest
from sqlalchemy import Engine

from traceapp.db import sensors as store
from traceapp.db.engine import WRITE_OPTION
from traceapp.domain.errors import InvalidInput
from traceapp.domain.sensors import (
    MINUTE_US,
    SECOND_US,
    Limits,
    Reading,
    ReadingBlock,
    aggregate,
    blocks_of,
    excursions,
)

T0 = 1_796_040_000_000_000  # 2026-11-30T12:00:00Z
PERIOD_US = 2 * SECOND_US
LIMITS = Limits(lsl=90.0, usl=110.0, lcl=95.0, ucl=105.0)
KEYS = [("p1", "oven1", "temp"), ("p1", "oven1", "speed"), ("p1", "oven2", "temp")]


def _plant(rng: random.Random) -> list[Reading]:
    """Three channels over ~3 minutes: noise around 100 with runs outside the limits, silences
    longer than the period, a repeated time now and then."""
    made = []
    for site, equipment, name in KEYS:
        t = T0 + rng.randrange(0, SECOND_US)
        while t < T0 + 3 * MINUTE_US:
            value = rng.gauss(100.0, 3.0) + (rng.random() < 0.05) * rng.choice((-20.0, 20.0))
            made.append(Reading(site, equipment, name, t, value, "u"))
            if rng.random() < 0.01:
                made.append(Reading(site, equipment, name, t, value + 1.0, "u"))  # repeated
            t += rng.choice((50_000, 100_000, 200_000)) if rng.random() > 0.01 else 5 * SECOND_US
        # each channel in time order: the order a source gives them in
    return made


def _channels(engine: Engine) -> dict[tuple[str, str, str], int]:
    ids = {}
    with engine.connect().execution_options(**{WRITE_OPTION: True}) as c, c.begin():
        for site, equipment, name in KEYS:
            channel = store.add_channel(
                c, site=site, equipment=equipment, name=name, quantity=name, unit="u",
                limits=LIMITS, expected_period_us=PERIOD_US,
            )  # fmt: skip
            ids[(site, equipment, name)] = channel.id
    return ids


def _cut_into_blocks(readings: list[Reading], rng: random.Random) -> list[list[ReadingBlock]]:
    """Batches of blocks as a source gives them: time advances batch by batch; within a batch,
    several blocks per channel, in any order."""
    batches: list[list[ReadingBlock]] = []
    end = T0
    while end < T0 + 4 * MINUTE_US:
        start, end = end, end + rng.choice((250_000, SECOND_US, 7 * SECOND_US))
        window = [r for r in readings if start <= r.time_us < end]
        pieces: list[ReadingBlock] = []
        for block in blocks_of(window):
            cuts = sorted(rng.sample(range(1, len(block)), min(2, len(block) - 1)))
            for lo, hi in itertools.pairwise([0, *cuts, len(block)]):
                pieces.append(
                    ReadingBlock(*block.key, block.times_us[lo:hi], block.values[lo:hi], "u")
                )
        rng.shuffle(pieces)
        batches.append(pieces)
    return batches


def _expected_gaps(readings: list[tuple[int, float]]) -> list[tuple[int, int]]:
    gaps, last = [], None
    for t, _ in readings:
        if last is not None and t > last and t - last > PERIOD_US:
            gaps.append((last, t))
        last = t if last is None else max(last, t)
    return gaps


@pytest.mark.parametrize("seed", [1, 2])
def test_blocks_are_stored_as_the_readings_they_hold(engine: Engine, seed: int) -> None:
    rng = random.Random(seed)
    readings = _plant(rng)
    ids = _channels(engine)
    writer = store.SensorWriter(engine, keep_connection=True, relaxed_sync=True)
    written = 0
    try:
        for batch in _cut_into_blocks(readings, rng):
            written += writer.write_blocks(batch).written
    finally:
        writer.close()
    assert written == len(readings)
    with engine.connect() as connection:
        for key, cid in ids.items():
            # Within a batch times are sorted stably; repeated times keep the order given.
            mine = sorted(((r.time_us, r.value) for r in readings if (r.site, r.equipment, r.channel) == key), key=lambda p: p[0])  # fmt: skip
            stored = store.readings_between(connection, cid, 0, 2**62)
            assert sorted(stored) == sorted(mine)
            times, values = store.readings_arrays(connection, cid, 0, 2**62)
            assert (times.dtype, values.dtype) == (np.int64, np.float64)
            assert list(zip(times.tolist(), values.tolist(), strict=True)) == stored
            for width, name in ((SECOND_US, "second"), (MINUTE_US, "minute")):
                got = store.aggregates_between(connection, cid, 0, 2**62, width=name)
                want = list(aggregate(cid, mine, width))
                assert [(a.start_us, a.count, a.minimum, a.maximum) for a in got] == [
                    (a.start_us, a.count, a.minimum, a.maximum) for a in want
                ]
                assert [a.mean for a in got] == pytest.approx([a.mean for a in want])
            gaps = store.gaps_between(connection, cid, 0, 2**62)
            assert [(g.start_us, g.end_us) for g in gaps] == _expected_gaps(mine)
            found = store.excursions_between(connection, cid, 0, 2**62)
            want_runs = excursions(cid, LIMITS, mine)
            assert len(want_runs) > 3  # the data has runs outside both kinds of limits
            assert [(e.kind, e.start_us, e.end_us, e.worst, e.count) for e in found] == [
                (e.kind, e.start_us, e.end_us, e.worst, e.count) for e in want_runs
            ]


def test_a_block_with_a_value_that_is_not_finite_is_refused_and_nothing_is_written(
    engine: Engine,
) -> None:
    writer = store.SensorWriter(engine)
    good = ReadingBlock("p1", "oven1", "temp", np.array([T0, T0 + 1]), np.array([1.0, 2.0]))
    bad = ReadingBlock("p1", "oven1", "speed", np.array([T0]), np.array([np.inf]))
    with pytest.raises(InvalidInput, match="oven1/speed is not a finite number"):
        writer.write_blocks([good, bad])
    with engine.connect() as connection:
        assert store.list_channels(connection) == []  # the batch's transaction was rolled back


def test_a_block_needs_one_time_per_value() -> None:
    with pytest.raises(InvalidInput, match="one time per value"):
        ReadingBlock("p1", "oven1", "temp", np.array([T0, T0 + 1]), np.array([1.0]))
