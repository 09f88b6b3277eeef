"""Process conditions of a lot: where it resided (equipment, transit), the readings and excursions there.

A lot's residence is a time window on a piece of equipment (from its produce event's start and
end) or in transit (a shipment with a logger bound to it). Each residence selects the readings of
the channels there; an excursion outside the specification during a residence flags the lot.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from traceapp.domain.sensors import MICROS, Channel, ExcursionKind, from_micros

RAW_MAX_US = 10 * 60 * MICROS  # windows up to 10 min: every reading (60,000 at 100 Hz)
SECONDS_MAX_US = 6 * 3600 * MICROS  # up to 6 h: per-second aggregates (21,600); beyond: minutes
CHART_POINTS = 120  # a printed chart: 120 min/max columns are finer than the eye reads at 8 cm
MAX_RULE = 120  # the audit trail's rule column


class ResidenceKind(enum.StrEnum):
    EQUIPMENT = "equipment"  # made on it (produce event with equipment and start/end)
    TRANSIT = "transit"  # on a shipment with a logger bound to it
    LOCATION = "location"  # moved to (or received at) a place with channels, until moved on or gone


class Resolution(enum.StrEnum):
    RAW = "raw"
    SECOND = "second"
    MINUTE = "minute"


@dataclass(frozen=True, slots=True)
class Residence:
    """Lot `lot_id` was at `place` (equipment code, or the shipment's logger) from `since` to `until`."""

    lot_id: uuid.UUID
    kind: ResidenceKind
    place: str  # equipment or location code, or "shipment REF"
    since: datetime
    until: datetime
    event_id: uuid.UUID  # the produce, ship, or move (receive) event it comes from

    @property
    def label(self) -> str:
        if self.kind is ResidenceKind.TRANSIT:
            return f"in transit: {self.place}"
        if self.kind is ResidenceKind.LOCATION:
            return f"{self.place} (stored)"
        return self.place


@dataclass(frozen=True, slots=True)
class SeriesPoint:
    """One point of a chart: a reading (low = mean = high) or an aggregate bucket."""

    time_us: int
    low: float
    mean: float
    high: float


@dataclass(frozen=True, slots=True)
class ChannelWindow:
    """The readings of one channel during one residence, at the resolution the window allows."""

    channel: Channel
    residence: Residence
    resolution: Resolution
    points: tuple[SeriesPoint, ...]
    start_us: int
    end_us: int
    # The channel's recorded silences overlapping the window: (start, end; None = still silent)
    gaps: tuple[tuple[int, int | None], ...] = ()

    def points_with_breaks(self) -> tuple[SeriesPoint, ...]:
        """The points with a NaN point just after the start of each recorded gap that has
        points after it: a chart drawing finite runs only breaks its line across the silence."""
        if not self.gaps or not self.points:
            return self.points
        nan = float("nan")
        breaks = sorted(
            start + 1
            for start, end in self.gaps
            if start + 1 < self.points[-1].time_us and (end is None or end > start + 1)
        )
        out: list[SeriesPoint] = []
        pending = iter(breaks)
        upcoming = next(pending, None)
        for point in self.points:
            while upcoming is not None and upcoming <= point.time_us:
                if out and out[-1].time_us < upcoming:  # only between points, once
                    out.append(SeriesPoint(upcoming, nan, nan, nan))
                upcoming = next(pending, None)
            out.append(point)
        return tuple(out)


@dataclass(frozen=True, slots=True)
class ConditionExcursion:
    """An excursion of a channel that overlaps a lot's residence."""

    channel: Channel
    residence: Residence
    kind: ExcursionKind
    start_us: int
    end_us: int
    worst: float
    count: int
    open: bool
    excursion_id: int

    @property
    def limit(self) -> float | None:
        """The limit the worst value lies beyond."""
        limits = self.channel.limits
        low, high = (
            (limits.lsl, limits.usl)
            if self.kind is ExcursionKind.SPEC
            else (limits.lcl, limits.ucl)
        )
        if high is not None and self.worst > high:
            return high
        return low if low is not None else high

    @property
    def flags(self) -> bool:
        """Outside the specification: the product may be affected (control: the process moved)."""
        return self.kind is ExcursionKind.SPEC

    def describe(self) -> str:
        """e.g. `MIX1/temp 81.2 degC above USL 80 from 2026-11-30 10:02:03Z to 10:04:00Z`."""
        limit = self.limit
        side = "above" if limit is not None and self.worst > limit else "below"
        name = (
            ("USL" if side == "above" else "LSL")
            if self.flags
            else ("UCL" if side == "above" else "LCL")
        )
        start, end = from_micros(self.start_us), from_micros(self.end_us)
        return (
            f"{self.channel.key} {number(self.worst)} {self.channel.unit} {side} {name} "
            f"{number(limit) if limit is not None else '?'} from {start:%Y-%m-%d %H:%M:%S}Z "
            f"to {end:%H:%M:%S}Z" + (" (still open)" if self.open else "")
        )

    def rule(self) -> str:
        """What an automatic hold names: channel, limit and time."""
        text = "sensor excursion " + self.describe()
        return text if len(text) <= MAX_RULE else text[: MAX_RULE - 3] + "..."


@dataclass(frozen=True, slots=True)
class LotConditions:
    """Everything a lot went through: residences, readings per channel, and excursions."""

    lot_id: uuid.UUID
    lot: str  # PART/LOT
    residences: tuple[Residence, ...]
    windows: tuple[ChannelWindow, ...]
    excursions: tuple[ConditionExcursion, ...]

    @property
    def flagged(self) -> bool:
        return any(e.flags for e in self.excursions)


@dataclass(frozen=True, slots=True)
class FlagResult:
    """What a review did: lots flagged for the first time, and those put on hold."""

    flagged: tuple[str, ...]  # "PART/LOT: rule"
    held: tuple[str, ...]  # PART/LOT


def resolution_for(start_us: int, end_us: int) -> Resolution:
    span = end_us - start_us
    if span <= RAW_MAX_US:
        return Resolution.RAW
    return Resolution.SECOND if span <= SECONDS_MAX_US else Resolution.MINUTE


def envelope(
    points: tuple[SeriesPoint, ...], columns: int = CHART_POINTS
) -> tuple[SeriesPoint, ...]:
    """At most `columns` points, each the min, mean and max of its column: peaks survive."""
    if len(points) <= columns:
        return points
    first, last = points[0].time_us, points[-1].time_us
    width = max(1, -(-(last - first + 1) // columns))
    out: list[SeriesPoint] = []
    group: list[SeriesPoint] = []
    column = 0
    for point in points:
        index = (point.time_us - first) // width
        if group and index != column:
            out.append(_merge(group))
            group = []
        column = index
        group.append(point)
    if group:
        out.append(_merge(group))
    return tuple(out)


def _merge(group: list[SeriesPoint]) -> SeriesPoint:
    return SeriesPoint(
        group[0].time_us,
        min(p.low for p in group),
        sum(p.mean for p in group) / len(group),
        max(p.high for p in group),
    )


def number(value: float) -> str:
    """A reading as a person writes it: up to 4 significant digits, no exponent for plant values."""
    return f"{value:.4g}" if abs(value) < 1e6 else f"{value:.6g}"


def decimal(value: float) -> Decimal:
    """A reading for the recall's canonical JSON: 6 significant digits, the same text every run."""
    return Decimal(f"{value:.6g}")
