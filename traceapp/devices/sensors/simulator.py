"""A seeded simulator of equipment sensors: noise, slow drift, step faults and dropouts.

For demos, tests and benchmarks. `advance(until_us)` makes every reading due up to a time, so the
same seed gives the same readings whether they are made at once or tick by tick in real time.

Readings are made with numpy for all channels at once, time step by time step (an array of
time steps x channels per call), and handed over as one `ReadingBlock` per channel: at 500
channels x 100 Hz a Python object per reading would cost the recorder most of a core.
Each kind of randomness has a generator of its own (noise, events, drift), each drawn in time
order, so cutting time into other ticks draws the same numbers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from traceapp.domain.sensors import MICROS, FloatArray, IntArray, Reading, ReadingBlock

ReadingSink = Callable[[Sequence[Reading]], None]
BlockSink = Callable[[Sequence[ReadingBlock]], None]
TICK_S = 0.05  # real-time mode hands over what is due 20 times a second
BoolArray = npt.NDArray[np.bool_]
KNOT_US = MICROS  # the drift moves in steps a second apart, drawn between them as a line
REVERSION_PER_KNOT = 1e-3  # the drift wanders, but not away for good (about 17 minutes back)

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
        self._start = start
        self._next_us = start
        self._keys: list[tuple[str, str, str]] = []
        self._units: list[str] = []
        bases, sigmas = [], []
        for number in range(channels):
            name, unit, base, sigma = _KINDS[number % len(_KINDS)]
            self._keys.append((site, f"eq{number // len(_KINDS) + 1:02d}", name))
            self._units.append(unit)
            bases.append(base)
            sigmas.append(sigma)
        self._base = np.array(bases, dtype=np.float64)
        self._sigma = np.array(sigmas, dtype=np.float64)
        self._noise = np.random.default_rng([seed, 0])
        self._events = np.random.default_rng([seed, 1])
        self._drift = np.random.default_rng([seed, 2])
        # Drift knots k_first..: row j is the level at start + (k_first + j) seconds.
        self._knots = self._base.reshape(1, -1).copy()
        self._k_first = 0
        self._fault_until = np.full(channels, -1, dtype=np.int64)
        self._fault_offset = np.zeros(channels)
        self._silent_until = np.full(channels, -1, dtype=np.int64)
        per_reading_hours = self.period_us / (3600 * MICROS)
        self._p_fault = behaviour.faults_per_hour * per_reading_hours
        self._p_dropout = behaviour.dropouts_per_hour * per_reading_hours
        self._knot_step = behaviour.drift_sigmas_per_hour * np.sqrt(KNOT_US / (3600 * MICROS))

    @property
    def keys(self) -> list[tuple[str, str, str]]:
        return list(self._keys)

    def advance(self, until_us: int) -> list[Reading]:
        """Every reading due before `until_us`, channel after channel (each in time order)."""
        return [r for block in self.advance_blocks(until_us) for r in block.readings()]

    def advance_blocks(self, until_us: int) -> list[ReadingBlock]:
        """Every reading due before `until_us`: one block per channel that said something."""
        if until_us <= self._next_us:
            return []
        steps = -(-(until_us - self._next_us) // self.period_us)
        times: IntArray = self._next_us + self.period_us * np.arange(steps, dtype=np.int64)
        self._next_us = int(times[-1]) + self.period_us
        level = self._level(times)
        offsets, keep = self._events_in(times)
        values = level + self._noise.standard_normal(level.shape) * self._sigma + offsets
        columns = np.ascontiguousarray(values.T)  # channel after channel
        blocks = []
        whole = np.asarray(keep.all(axis=0), dtype=bool)
        times.setflags(write=False)  # shared by the blocks of channels without a silence
        for c, (site, equipment, name) in enumerate(self._keys):
            if whole[c]:
                blocks.append(
                    ReadingBlock(site, equipment, name, times, columns[c], self._units[c])
                )
                continue
            mine = keep[:, c]
            if mine.any():
                blocks.append(
                    ReadingBlock(
                        site, equipment, name, times[mine], columns[c][mine], self._units[c]
                    )
                )
        return blocks

    def _level(self, times: IntArray) -> FloatArray:
        """The drifting level of every channel at each time (time steps x channels)."""
        since = times - self._start
        knot = since // KNOT_US
        self._knots_through(int(knot[-1]) + 1)
        row = knot - self._k_first
        fraction = ((since % KNOT_US) / KNOT_US).reshape(-1, 1)
        level: FloatArray = self._knots[row] * (1.0 - fraction) + self._knots[row + 1] * fraction
        # Keep only the knots later times need (the one the last time falls after onwards).
        drop = int(row[-1])
        if drop > 0:
            self._knots = self._knots[drop:]
            self._k_first += drop
        return level

    def _knots_through(self, last: int) -> None:
        have = self._k_first + self._knots.shape[0] - 1
        if last <= have:
            return
        steps = self._drift.standard_normal((last - have, self._base.shape[0]))
        steps *= self._knot_step * self._sigma
        new = np.empty_like(steps)
        x = self._knots[-1]
        for j in range(steps.shape[0]):
            x = x + steps[j]
            x = x + (self._base - x) * REVERSION_PER_KNOT
            new[j] = x
        self._knots = np.concatenate([self._knots, new])

    def _events_in(self, times: IntArray) -> tuple[FloatArray, BoolArray]:
        """Fault offsets and which readings are said (not in a dropout), time steps x channels."""
        b = self.behaviour
        draws = self._events.random((times.shape[0], self._base.shape[0], 3))
        column = times.reshape(-1, 1)
        # Faults and silences carried over from earlier calls, then the ones starting now.
        offsets = np.where(column < self._fault_until, self._fault_offset, 0.0)
        keep = column >= self._silent_until
        fault_us, dropout_us = int(b.fault_seconds * MICROS), int(b.dropout_seconds * MICROS)
        for i, c in zip(*np.nonzero(draws[:, :, 0] < self._p_fault), strict=True):
            t = int(times[i])
            if t >= self._fault_until[c]:
                end = t + fault_us
                size = b.fault_sigmas * self._sigma[c]
                offset = size if draws[i, c, 1] < 0.5 else -size
                self._fault_until[c], self._fault_offset[c] = end, offset
                offsets[i : int(np.searchsorted(times, end)), c] = offset
        for i, c in zip(*np.nonzero(draws[:, :, 2] < self._p_dropout), strict=True):
            t = int(times[i])
            if t >= self._silent_until[c]:
                end = t + dropout_us
                self._silent_until[c] = end
                keep[i : int(np.searchsorted(times, end)), c] = False
        return offsets, keep

    def run(self, sink: BlockSink, stop: threading.Event) -> None:
        """Hand over blocks in real time until `stop` is set (call it in a thread of its own)."""
        while not stop.wait(TICK_S):
            blocks = self.advance_blocks(time.time_ns() // 1000)
            if blocks:
                sink(blocks)
