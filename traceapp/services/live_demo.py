"""Demo sensor data for the Live monitor: simulated channels with limits and a recent past with faults and dropouts.

Screenshots and demos call `fill_demo_sensors` and then run a `Recorder` on the same simulator
URL (`demo_source_url`), so the page shows history, an excursion, a gap and data still moving.
"""

from __future__ import annotations

import time

from sqlalchemy import Engine

from traceapp.db import sensors as store
from traceapp.db.engine import WRITE_OPTION
from traceapp.devices.sensors.simulator import Behaviour, Simulator
from traceapp.domain.sensors import MICROS, Channel, Limits

DEMO_SITE = "demo"
# Limits per kind of simulated channel: spec at about 8 sigma of its noise, control at 4 sigma
# (the simulator's step faults are 12 sigma: outside both).
_KINDS = {
    "temp": ("degC", Limits(lsl=176.0, usl=184.0, lcl=178.0, ucl=182.0)),
    "pressure": ("bar", Limits(lsl=5.84, usl=6.16, lcl=5.92, ucl=6.08)),
    "speed": ("rpm", Limits(lsl=1426.0, usl=1474.0, lcl=1438.0, ucl=1462.0)),
    "humidity": ("%RH", Limits(lsl=38.6, usl=51.4, lcl=41.8, ucl=48.2)),
}
# Faults and dropouts often enough that ten minutes of demo show some.
DEMO_BEHAVIOUR = Behaviour(faults_per_hour=15.0, dropouts_per_hour=8.0, dropout_seconds=20.0)


def demo_source_url(*, channels: int, rate: float, seed: int) -> str:
    return f"simulator://?channels={channels}&rate={rate:g}&seed={seed}&site={DEMO_SITE}"


def fill_demo_sensors(
    engine: Engine,
    *,
    channels: int = 8,
    rate: float = 20.0,
    minutes: float = 12.0,
    seed: int = 5,
    period_us: int = 2 * MICROS,
) -> list[Channel]:
    """Make `channels` simulated channels with limits and write their last `minutes`."""
    now_us = time.time_ns() // 1000
    simulator = Simulator(
        channels=channels,
        rate=rate,
        seed=seed,
        site=DEMO_SITE,
        start_us=now_us - int(minutes * 60 * MICROS),
        behaviour=DEMO_BEHAVIOUR,
    )
    with engine.connect().execution_options(**{WRITE_OPTION: True}) as c, c.begin():
        for site, equipment, name in simulator.keys:
            unit, limits = _KINDS.get(name, ("", Limits()))
            store.add_channel(
                c,
                site=site,
                equipment=equipment,
                name=name,
                quantity=name,
                unit=unit,
                limits=limits,
                expected_period_us=period_us,
            )
    writer = store.SensorWriter(engine, default_period_us=period_us)
    step = 30 * MICROS
    t = now_us - int(minutes * 60 * MICROS)
    while True:
        # Writing takes a while: keep up with the clock, so a recorder started next goes on
        # without a silence between the demo's past and its present.
        end = time.time_ns() // 1000
        if t >= end - MICROS:
            break
        t = min(t + step, end)
        readings = simulator.advance(t)
        if readings:
            writer.write(readings)
    return writer.channels
