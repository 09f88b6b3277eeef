"""Equipment sensors: channels with limits, readings, aggregates, gaps, and excursions found from limits.

Times are integer microseconds since the Unix epoch (UTC): the storage keeps them that way (see
`traceapp/db/models/sensors.py`), integer arithmetic is exact, and at tens of thousands of
readings a second no datetime object is made per reading.

Values are floats. The app otherwise keeps quantities as decimals (mass balance must be exact);
a sensor reading is a measurement with its own instrument uncertainty, summed and compared, never
booked, so a binary float is the right type here.
"""

from __future__ import annotations

import enum
import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

from traceapp.domain.errors import InvalidInput

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

MICROS = 1_000_000
SECOND_US = MICROS
MINUTE_US = 60 * MICROS
NAME_MAX = 64


def to_micros(moment: datetime) -> int:
    """An aware datetime as integer microseconds since the epoch (exact, no float rounding)."""
    if moment.tzinfo is None:
        raise InvalidInput(
            f"The time {moment.isoformat()} has no UTC offset.",
            hint="Give times with an offset, e.g. 2026-11-30T12:00:00Z.",
        )
    delta = moment.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * MICROS + delta.microseconds


def from_micros(micros: int) -> datetime:
    """Integer microseconds since the epoch as an aware UTC datetime."""
    seconds, rest = divmod(micros, MICROS)
    return datetime.fromtimestamp(seconds, UTC).replace(microsecond=rest)


def parse_time(text: str) -> int:
    """An ISO 8601 time with an offset (or Z) as microseconds since the epoch."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            f"{text!r} is not an ISO 8601 time.",
            hint="Write it like 2026-11-30T12:00:00.123Z.",
        ) from None
    return to_micros(moment)


def check_name(kind: str, text: str) -> str:
    """A site, equipment or channel name as used in MQTT topics: no '/', '+', '#' or blanks."""
    name = text.strip()
    if not name or len(name) > NAME_MAX or any(c in name for c in "/+#") or name != text:
        raise InvalidInput(
            f"{text!r} is not a valid {kind} name.",
            hint=f"Use 1-{NAME_MAX} characters without '/', '+', '#' or surrounding spaces.",
        )
    return name


@dataclass(frozen=True, slots=True)
class Limits:
    """Specification (LSL/USL) and control (LCL/UCL) limits; any of them may be absent."""

    lsl: float | None = None
    usl: float | None = None
    lcl: float | None = None
    ucl: float | None = None

    def __post_init__(self) -> None:
        for low, high, what in (
            (self.lsl, self.usl, "specification"),
            (self.lcl, self.ucl, "control"),
        ):
            if low is not None and high is not None and low > high:
                raise InvalidInput(
                    f"The lower {what} limit {low} is above the upper one {high}.",
                    hint="Swap the two limits.",
                )

    @property
    def empty(self) -> bool:
        return all(v is None for v in (self.lsl, self.usl, self.lcl, self.ucl))


class ExcursionKind(enum.StrEnum):
    SPEC = "spec"  # outside the specification: the product may be affected
    CONTROL = "control"  # outside the control limits: the process has moved


def outside(value: float, low: float | None, high: float | None) -> bool:
    """True when the value lies outside [low, high] (an absent limit never fires; NaN is outside)."""
    if math.isnan(value):
        return True
    return (low is not None and value < low) or (high is not None and value > high)


def distance(value: float, low: float | None, high: float | None) -> float:
    """How far outside [low, high] the value lies (0 inside): what makes one value worse than another."""
    below = low - value if low is not None else 0.0
    above = value - high if high is not None else 0.0
    return max(below, above, 0.0)


@dataclass(frozen=True, slots=True)
class Channel:
    """One measured quantity on one piece of equipment, e.g. plant1/oven3/temp in degC."""

    id: int
    site: str
    equipment: str
    name: str
    quantity: str
    unit: str
    limits: Limits
    expected_period_us: int  # readings come at least this often; longer silence is a gap

    @property
    def key(self) -> str:
        return f"{self.equipment}/{self.name}"


@dataclass(frozen=True, slots=True)
class Reading:
    """One value of one channel (by its key `site/equipment/channel`) at one instant."""

    site: str
    equipment: str
    channel: str
    time_us: int
    value: float
    unit: str = ""


@dataclass(frozen=True, slots=True, eq=False)
class ReadingBlock:
    """Many readings of one channel at once: times (µs) and values as numpy arrays.

    What fast sources hand over (the simulator: one block per channel per tick), so that at tens
    of thousands of readings a second no Python object is made per reading.
    """

    site: str
    equipment: str
    channel: str
    times_us: IntArray
    values: FloatArray
    unit: str = ""

    def __post_init__(self) -> None:
        if self.times_us.shape != self.values.shape or self.times_us.ndim != 1:
            raise InvalidInput(
                f"A block of {self.equipment}/{self.channel} has {self.times_us.shape} times "
                f"but {self.values.shape} values.",
                hint="Give one time per value, as one-dimensional arrays.",
            )

    def __len__(self) -> int:
        return int(self.times_us.shape[0])

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.site, self.equipment, self.channel)

    def readings(self) -> list[Reading]:
        """The block as one Reading each (for small amounts: tests, exports)."""
        s, e, c, u = self.site, self.equipment, self.channel, self.unit
        return [
            Reading(s, e, c, t, v, u)
            for t, v in zip(self.times_us.tolist(), self.values.tolist(), strict=True)
        ]


def blocks_of(readings: Iterable[Reading]) -> list[ReadingBlock]:
    """Readings grouped into one block per channel (in the order given; units: the last seen)."""
    grouped: dict[tuple[str, str, str], tuple[list[int], list[float], list[str]]] = defaultdict(
        lambda: ([], [], [""])
    )
    for r in readings:
        times, values, unit = grouped[(r.site, r.equipment, r.channel)]
        times.append(r.time_us)
        values.append(r.value)
        unit[0] = r.unit
    return [
        ReadingBlock(
            site,
            equipment,
            channel,
            np.array(times, dtype=np.int64),
            np.array(values, dtype=np.float64),
            unit[0],
        )
        for (site, equipment, channel), (times, values, unit) in grouped.items()
    ]


def count_readings(items: Sequence[Reading | ReadingBlock]) -> int:
    return sum(len(i) if isinstance(i, ReadingBlock) else 1 for i in items)


@dataclass(frozen=True, slots=True)
class Aggregate:
    """min, mean, max and count of one channel's readings in one bucket (a second or a minute)."""

    channel_id: int
    start_us: int
    minimum: float
    mean: float
    maximum: float
    count: int


@dataclass(frozen=True, slots=True)
class Gap:
    """A channel went silent after `start_us`; `end_us` is the next reading (None: still silent)."""

    channel_id: int
    start_us: int
    end_us: int | None


@dataclass(frozen=True, slots=True)
class Excursion:
    """A run of consecutive readings outside limits; `end_us` is its last reading outside them.

    `open` excursions have not been seen to end yet (the last reading was still outside).
    """

    channel_id: int
    kind: ExcursionKind
    start_us: int
    end_us: int
    worst: float
    count: int
    open: bool = False


@dataclass(slots=True)
class ExcursionTracker:
    """Finds excursions in a stream of one channel's readings, batch after batch.

    Feed readings in time order; each call returns the excursions that changed (a run that
    started, grew or ended), so a writer can upsert them by (channel, kind, start).
    """

    channel_id: int
    limits: Limits
    _runs: dict[ExcursionKind, Excursion | None] | None = None

    @property
    def running(self) -> bool:
        """True while a run is open (the last reading fed was outside some limits)."""
        return self._runs is not None and any(r is not None for r in self._runs.values())

    def resume(self, run: Excursion) -> None:
        """Carry on an excursion still open when the previous writer stopped."""
        if self._runs is None:
            self._runs = {ExcursionKind.SPEC: None, ExcursionKind.CONTROL: None}
        self._runs[run.kind] = run

    def feed(self, readings: Iterable[tuple[int, float]]) -> list[Excursion]:
        if self._runs is None:
            self._runs = {ExcursionKind.SPEC: None, ExcursionKind.CONTROL: None}
        changed: dict[tuple[ExcursionKind, int], Excursion] = {}
        bounds = (
            (ExcursionKind.SPEC, self.limits.lsl, self.limits.usl),
            (ExcursionKind.CONTROL, self.limits.lcl, self.limits.ucl),
        )
        active = [(k, lo, hi) for k, lo, hi in bounds if lo is not None or hi is not None]
        if not active:
            return []
        for time_us, value in readings:
            for kind, low, high in active:
                run = self._runs[kind]
                if outside(value, low, high):
                    if run is None:
                        run = Excursion(self.channel_id, kind, time_us, time_us, value, 1, True)
                    else:
                        worse = _worse(value, run.worst, low, high)
                        run = Excursion(
                            self.channel_id, kind, run.start_us, time_us, worse, run.count + 1, True
                        )
                    self._runs[kind] = run
                    changed[(kind, run.start_us)] = run
                elif run is not None:
                    closed = Excursion(
                        run.channel_id, kind, run.start_us, run.end_us, run.worst, run.count, False
                    )
                    changed[(kind, run.start_us)] = closed
                    self._runs[kind] = None
        return list(changed.values())


def _worse(value: float, worst: float, low: float | None, high: float | None) -> float:
    if math.isnan(worst):
        return worst
    if math.isnan(value):
        return value
    return value if distance(value, low, high) > distance(worst, low, high) else worst


def excursions(
    channel_id: int, limits: Limits, readings: Iterable[tuple[int, float]]
) -> list[Excursion]:
    """Every run outside the specification and the control limits, in order of start."""
    tracker = ExcursionTracker(channel_id, limits)
    found: dict[tuple[ExcursionKind, int], Excursion] = {}
    for excursion in tracker.feed(readings):
        found[(excursion.kind, excursion.start_us)] = excursion
    return sorted(found.values(), key=lambda e: (e.start_us, e.kind.value))


def bucket(time_us: int, width_us: int) -> int:
    """Start of the bucket of `width_us` that holds `time_us` (floor, also before 1970)."""
    return time_us - time_us % width_us


def aggregate(
    channel_id: int, readings: Iterable[tuple[int, float]], width_us: int
) -> Iterator[Aggregate]:
    """Aggregates of one channel's readings per bucket, in bucket order (NaN readings skipped)."""
    sums: dict[int, list[float]] = {}
    for time_us, value in readings:
        if math.isnan(value):
            continue
        start = bucket(time_us, width_us)
        acc = sums.get(start)
        if acc is None:
            sums[start] = [value, value, value, 1.0]
        else:
            acc[0] = min(acc[0], value)
            acc[1] = max(acc[1], value)
            acc[2] += value
            acc[3] += 1
    for start in sorted(sums):
        low, high, total, count = sums[start]
        yield Aggregate(channel_id, start, low, total / count, high, int(count))
