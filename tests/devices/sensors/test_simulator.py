"""The simulator: seeded, at its rate, with noise, drift, step faults and dropouts."""

from __future__ import annotations

import itertools
import statistics
import threading
from collections.abc import Sequence

from traceapp.devices.sensors.simulator import Behaviour, Simulator
from traceapp.domain.sensors import MICROS, Reading, ReadingBlock

T0 = 1_796_040_000_000_000
CALM = Behaviour(faults_per_hour=0, dropouts_per_hour=0, drift_sigmas_per_hour=0)


def test_the_same_seed_gives_the_same_readings_at_once_or_tick_by_tick() -> None:
    whole = Simulator(channels=3, rate=50, seed=7, start_us=T0).advance(T0 + 10 * MICROS)
    ticking = Simulator(channels=3, rate=50, seed=7, start_us=T0)
    parts: list[Reading] = []
    for step in range(1, 11):
        parts += ticking.advance(T0 + step * MICROS)
    key = lambda r: (r.equipment, r.channel, r.time_us)  # noqa: E731
    assert sorted(whole, key=key) == sorted(parts, key=key)
    other = Simulator(channels=3, rate=50, seed=8, start_us=T0).advance(T0 + 10 * MICROS)
    assert [r.value for r in other] != [r.value for r in whole]


def test_each_channel_reads_at_the_rate_with_noise_around_its_level() -> None:
    sim = Simulator(channels=5, rate=100, seed=1, start_us=T0, behaviour=CALM)
    readings = sim.advance(T0 + 10 * MICROS)
    assert len(readings) == 5 * 1000
    assert len(set(sim.keys)) == 5
    temps = [r.value for r in readings if (r.equipment, r.channel) == ("eq01", "temp")]
    assert abs(statistics.fmean(temps) - 180.0) < 0.2
    assert 0.4 < statistics.stdev(temps) < 0.6
    times = [r.time_us for r in readings if (r.equipment, r.channel) == ("eq01", "temp")]
    assert {b - a for a, b in itertools.pairwise(times)} == {10_000}


def test_step_faults_move_the_level_by_many_sigmas_for_a_while() -> None:
    faulty = Behaviour(faults_per_hour=360, dropouts_per_hour=0, drift_sigmas_per_hour=0)
    sim = Simulator(channels=1, rate=10, seed=3, start_us=T0, behaviour=faulty)
    values = [r.value for r in sim.advance(T0 + 600 * MICROS)]
    far = [v for v in values if abs(v - 180.0) > 4.0]  # 8 sigma: noise alone never gets there
    assert len(far) > 100  # about one fault a 10 s, each 20 s long: most of the time faulted
    assert len(far) < len(values)


def test_dropouts_leave_silences_in_a_channel() -> None:
    dropping = Behaviour(faults_per_hour=0, dropouts_per_hour=120, drift_sigmas_per_hour=0)
    sim = Simulator(channels=1, rate=10, seed=4, start_us=T0, behaviour=dropping)
    times = [r.time_us for r in sim.advance(T0 + 600 * MICROS)]
    silences = [b - a for a, b in itertools.pairwise(times) if b - a > 100_000]
    assert silences
    assert all(s >= 15 * MICROS for s in silences)


def test_drift_moves_the_level_slowly() -> None:
    drifting = Behaviour(faults_per_hour=0, dropouts_per_hour=0, drift_sigmas_per_hour=60)
    sim = Simulator(channels=1, rate=10, seed=5, start_us=T0, behaviour=drifting)
    values = [r.value for r in sim.advance(T0 + 3600 * MICROS)]
    minute_means = [statistics.fmean(values[i : i + 600]) for i in range(0, len(values), 600)]
    assert max(minute_means) - min(minute_means) > 2 * 0.5  # wandered by more than 2 sigma
    steps = [abs(b - a) for a, b in itertools.pairwise(values)]
    assert statistics.fmean(steps) < 1.0  # yet from one reading to the next, noise dominates


def test_real_time_mode_hands_over_readings_until_stopped() -> None:
    got: list[Reading] = []
    lock = threading.Lock()

    def sink(blocks: Sequence[ReadingBlock]) -> None:
        with lock:
            for block in blocks:
                got.extend(block.readings())

    sim = Simulator(channels=2, rate=100, seed=0, behaviour=CALM)
    stop = threading.Event()
    thread = threading.Thread(target=sim.run, args=(sink, stop))
    thread.start()
    stop.wait(0.5)
    stop.set()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert 2 * 100 * 0.3 < len(got) < 2 * 100 * 1.0
    assert {(r.equipment, r.channel) for r in got} == {("eq01", "temp"), ("eq01", "pressure")}


def test_blocks_hold_the_same_readings_as_advance() -> None:
    blocks = Simulator(channels=4, rate=20, seed=9, start_us=T0).advance_blocks(T0 + 5 * MICROS)
    readings = Simulator(channels=4, rate=20, seed=9, start_us=T0).advance(T0 + 5 * MICROS)
    assert [r for b in blocks for r in b.readings()] == readings
    assert [b.key for b in blocks] == [
        ("sim", "eq01", k) for k in ("temp", "pressure", "speed", "humidity")
    ]
    assert all(len(b) == 100 for b in blocks)
