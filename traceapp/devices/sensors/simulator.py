"""A seeded simulator of equipment sensors: noise, slow drift, step faults and dropouts.

For demos, tests and benchmarks. `advance(until_us)` makes every reading due up to a time, so the
same seed gives the same readings whether they are made at once or tick by tick in real time.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from traceapp.domain.sensors import MICROS, Reading

ReadingSink = Callable[[Sequence[Reading]], None]
TICK_S = 0.05  # real-time mode hands over what is due 20 times a second

# (name, unit, base value, noise sigma) of the kinds of channel the simulator cycles through
_KINDS = (
    ("temp", "degC", 180.0, 0.5),
    ("pressure", "bar", 6.0, 0.02),
    ("speed", "rpm", 1450.0, 3.0),
    ("humidity", "%RH", 45.0, 0.8),
)


@dataclass(frozen=True, slots=True)
class Behaviour:
    """How often things go wrong, per channel and hour; sizes in noise sigmas."""

    drift_sigmas_per_hour: float = 6.0  # random walk of the level, slow next to the noise
    faults_per_hour: float = 2.0  # steps of the level that last `fault_seconds`
    fault_sigmas: float = 12.0
    fault_seconds: float = 20.0
    dropouts_per_hour: float = 2.0  # silences of `dropout_seconds` (the source says nothing)
    dropout_seconds: float = 15.0


@dataclass(slots=True)
class _Channel:
    site: str
    equipment: str
    name: str
    unit: str
    base: float
    sigma: float
    level: float
    next_us: int
    random: random.Random  # one per channel: the same readings however time is cut into ticks
    fault_until_us: int = -1
    fault_offset: float = 0.0
    silent_until_us: int = -1


class Simulator:
    """`channels` channels (equipment eq01, eq02, ... with cycling kinds) at `rate` readings/s each."""

    def __init__(
        self,
        *,
        channels: int = 16,
        rate: float = 10.0,
        seed: int = 0,
        site: str = "sim",
        start_us: int | None = None,
        behaviour: Behaviour = Behaviour(),
    ) -> None:
        if channels < 1 or not 0 < rate <= 100_000:
            raise ValueError("need at least one channel and a rate in (0, 100000] per second")
        self.rate = rate
        self.period_us = max(1, round(MICROS / rate))
        self.behaviour = behaviour
        start = time.time_ns() // 1000 if start_us is None else start_us
        self._channels = []
        for number in range(channels):
            name, unit, base, sigma = _KINDS[number % len(_KINDS)]
            self._channels.append(
                _Channel(
                    site,
                    f"eq{number // len(_KINDS) + 1:02d}",
                    name,
                    unit,
                    base,
                    sigma,
                    base,
                    start,
                    random.Random(seed * 1_000_003 + number),
                )
            )
        per_reading_hours = self.period_us / (3600 * MICROS)
        self._p_fault = behaviour.faults_per_hour * per_reading_hours
        self._p_dropout = behaviour.dropouts_per_hour * per_reading_hours
        self._drift_step = behaviour.drift_sigmas_per_hour * math.sqrt(per_reading_hours)

    @property
    def keys(self) -> list[tuple[str, str, str]]:
        return [(c.site, c.equipment, c.name) for c in self._channels]

    def advance(self, until_us: int) -> list[Reading]:
        """Every reading due before `until_us`, channel after channel (each in time order)."""
        made: list[Reading] = []
        b = self.behaviour
        for c in self._channels:
            gauss, uniform = c.random.gauss, c.random.random
            t = c.next_us
            while t < until_us:
                c.level += gauss(0.0, self._drift_step * c.sigma)
                c.level += (c.base - c.level) * 1e-5  # drift wanders, but not away for good
                if t >= c.fault_until_us and uniform() < self._p_fault:
                    c.fault_until_us = t + int(b.fault_seconds * MICROS)
                    c.fault_offset = (1 if uniform() < 0.5 else -1) * b.fault_sigmas * c.sigma
                if t >= c.silent_until_us and uniform() < self._p_dropout:
                    c.silent_until_us = t + int(b.dropout_seconds * MICROS)
                if t >= c.silent_until_us:
                    value = c.level + gauss(0.0, c.sigma)
                    if t < c.fault_until_us:
                        value += c.fault_offset
                    made.append(Reading(c.site, c.equipment, c.name, t, value, c.unit))
                t += self.period_us
            c.next_us = t
        return made

    def run(self, sink: ReadingSink, stop: threading.Event) -> None:
        """Hand over readings in real time until `stop` is set (call it in a thread of its own)."""
        while not stop.wait(TICK_S):
            readings = self.advance(time.time_ns() // 1000)
            if readings:
                sink(readings)
