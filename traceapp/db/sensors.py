"""Sensor storage: the batch writer (raw rows, aggregates, gaps, excursions in one transaction) and its queries.

The writer is meant to run off the GUI thread (the headless recorder, or a worker): it takes
readings in batches, writes the raw rows through the bulk path (`bulk.insert_rows`: executemany
on SQLite, COPY on PostgreSQL), upserts the per-second and per-minute aggregates of the batch,
records gaps and excursions, and commits once per batch.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Table, func, insert, select, update

from traceapp.db.bulk import TableRows, insert_rows, native_types
from traceapp.db.engine import WRITE_OPTION
from traceapp.db.models.master import Location
from traceapp.db.models.sensors import (
    SensorChannel,
    sensor_excursions,
    sensor_gaps,
    sensor_minutes,
    sensor_readings,
    sensor_seconds,
)
from traceapp.domain.errors import InvalidInput, NotFound
from traceapp.domain.sensors import (
    MINUTE_US,
    SECOND_US,
    Aggregate,
    Channel,
    Excursion,
    ExcursionKind,
    ExcursionTracker,
    Gap,
    Limits,
    Reading,
    aggregate,
    check_name,
)

# Channels are read as Core rows (these functions take a Connection, not an ORM session).
_CHANNELS = SensorChannel.__table__
DEFAULT_PERIOD_US = 5 * SECOND_US  # a channel silent longer than this has a gap (per channel)
_READING_COLUMNS = ("channel_id", "time_us", "value")
_AGGREGATE_COLUMNS = ("channel_id", "start_us", "minimum", "maximum", "total", "count")


def _channel(row: Any) -> Channel:
    return Channel(
        id=row.id,
        site=row.site,
        equipment=row.equipment,
        name=row.name,
        quantity=row.quantity,
        unit=row.unit,
        limits=Limits(row.lsl, row.usl, row.lcl, row.ucl),
        expected_period_us=row.expected_period_us,
    )


def _write(engine: Engine) -> Connection:
    return engine.connect().execution_options(**{WRITE_OPTION: True})


# --- channels ---------------------------------------------------------------------------------


def add_channel(
    connection: Connection,
    *,
    site: str,
    equipment: str,
    name: str,
    quantity: str,
    unit: str,
    limits: Limits = Limits(),  # noqa: B008  (frozen, so one shared default is safe)
    expected_period_us: int = DEFAULT_PERIOD_US,
) -> Channel:
    """Create a channel (in the connection's transaction); its equipment location is looked up."""
    site, equipment, name = (
        check_name("site", site),
        check_name("equipment", equipment),
        check_name("channel", name),
    )
    if expected_period_us <= 0:
        raise InvalidInput(
            "The expected period of a channel must be positive.",
            hint="Give how often readings come, e.g. 5 s.",
        )
    location_id = connection.execute(
        select(Location.id).where(Location.code == equipment)
    ).scalar_one_or_none()
    values: dict[str, Any] = {
        "site": site,
        "equipment": equipment,
        "name": name,
        "quantity": quantity or name,
        "unit": unit,
        "lsl": limits.lsl,
        "usl": limits.usl,
        "lcl": limits.lcl,
        "ucl": limits.ucl,
        "expected_period_us": expected_period_us,
        "location_id": location_id,
        "created_at": datetime.now(UTC),
    }
    new_id = connection.execute(
        insert(SensorChannel).values(**values).returning(SensorChannel.id)
    ).scalar_one()
    return find_channel(connection, new_id)


def find_channel(connection: Connection, channel_id: int) -> Channel:
    row = connection.execute(select(_CHANNELS).where(SensorChannel.id == channel_id)).one_or_none()
    if row is None:
        raise NotFound(f"There is no sensor channel {channel_id}.", hint="List the channels.")
    return _channel(row)


def channel_by_key(connection: Connection, equipment: str, name: str) -> Channel:
    """The channel EQUIPMENT/NAME (of any site; the first site if several have one)."""
    row = connection.execute(
        select(_CHANNELS)
        .where(SensorChannel.equipment == equipment, SensorChannel.name == name)
        .order_by(SensorChannel.site)
    ).first()
    if row is None:
        raise NotFound(
            f"There is no sensor channel {equipment}/{name}.",
            hint="List the channels with `traceapp sensors channel list`.",
        )
    return _channel(row)


def list_channels(connection: Connection) -> list[Channel]:
    rows = connection.execute(
        select(_CHANNELS).order_by(SensorChannel.site, SensorChannel.equipment, SensorChannel.name)
    )
    return [_channel(row) for row in rows]


# --- queries: each one range scan of an index on (channel, time) ------------------------------


def readings_between(
    connection: Connection, channel_id: int, start_us: int, end_us: int
) -> list[tuple[int, float]]:
    """Raw (time, value) of one channel with start <= time < end, in time order."""
    t = sensor_readings.c
    rows = connection.execute(
        select(t.time_us, t.value)
        .where(t.channel_id == channel_id, t.time_us >= start_us, t.time_us < end_us)
        .order_by(t.time_us)
    )
    return [(int(time_us), float(value)) for time_us, value in rows]


def aggregates_between(
    connection: Connection, channel_id: int, start_us: int, end_us: int, *, width: str = "minute"
) -> list[Aggregate]:
    """Per-second or per-minute aggregates of one channel whose bucket starts in [start, end)."""
    table = {"second": sensor_seconds, "minute": sensor_minutes}.get(width)
    if table is None:
        raise InvalidInput(f"No aggregate {width!r}.", hint="Use second or minute.")
    t = table.c
    rows = connection.execute(
        select(t.start_us, t.minimum, t.total, t.maximum, t.count)
        .where(t.channel_id == channel_id, t.start_us >= start_us, t.start_us < end_us)
        .order_by(t.start_us)
    )
    return [
        Aggregate(channel_id, int(s), float(lo), float(total) / n, float(hi), int(n))
        for s, lo, total, hi, n in rows
    ]


def gaps_between(connection: Connection, channel_id: int, start_us: int, end_us: int) -> list[Gap]:
    """Gaps of one channel that overlap [start, end) (an open gap reaches to now)."""
    t = sensor_gaps.c
    rows = connection.execute(
        select(t.start_us, t.end_us)
        .where(
            t.channel_id == channel_id,
            t.start_us < end_us,
            (t.end_us.is_(None)) | (t.end_us > start_us),
        )
        .order_by(t.start_us)
    )
    return [Gap(channel_id, int(s), None if e is None else int(e)) for s, e in rows]


def excursions_between(
    connection: Connection, channel_id: int, start_us: int, end_us: int
) -> list[Excursion]:
    """Excursions of one channel that overlap [start, end], in order of start."""
    t = sensor_excursions.c
    rows = connection.execute(
        select(t.kind, t.start_us, t.end_us, t.worst, t.count, t.is_open)
        .where(t.channel_id == channel_id, t.start_us <= end_us, t.end_us >= start_us)
        .order_by(t.start_us, t.kind)
    )
    return [
        Excursion(channel_id, ExcursionKind(k), int(s), int(e), float(w), int(n), bool(o))
        for k, s, e, w, n, o in rows
    ]


# --- the batch writer -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BatchResult:
    written: int
    channels: int
    gaps_opened: int
    gaps_closed: int
    excursions: int


@dataclass(slots=True)
class _State:
    channel: Channel
    last_us: int | None
    gap_open: bool
    tracker: ExcursionTracker


@dataclass
class SensorWriter:
    """Writes batches of readings with their aggregates, gaps and excursions; one per recorder.

    `auto_create`: a reading of an unknown channel creates it (quantity = name, the payload's
    unit, `default_period_us`); otherwise such readings are counted in `unknown` and dropped.
    `retention_us`: `purge` deletes raw readings older than this (aggregates stay); None keeps all.
    Not thread-safe: one thread calls it.
    """

    engine: Engine
    auto_create: bool = True
    default_period_us: int = DEFAULT_PERIOD_US
    retention_us: int | None = None
    unknown: int = 0
    _states: dict[tuple[str, str, str], _State] = field(default_factory=dict)
    _by_id: dict[int, _State] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._types = native_types(self.engine)
        self._sqlite = self.engine.dialect.name == "sqlite"
        self._upserts = {
            table.name: self._aggregate_upsert(table) for table in (sensor_seconds, sensor_minutes)
        }
        mark = "?" if self._sqlite else "%s"
        marks = ", ".join([mark] * 7)
        self._excursion_upsert = (
            "INSERT INTO sensor_excursions "
            '(channel_id, start_us, kind, end_us, worst, "count", is_open) '
            f"VALUES ({marks}) "
            "ON CONFLICT (channel_id, start_us, kind) DO UPDATE SET "
            "end_us = excluded.end_us, worst = excluded.worst, "
            '"count" = excluded."count", is_open = excluded.is_open'
        )

    def _aggregate_upsert(self, table: Table) -> str:
        mark = "?" if self._sqlite else "%s"
        low, high = ("min", "max") if self._sqlite else ("LEAST", "GREATEST")
        name = table.name
        return (
            f'INSERT INTO {name} (channel_id, start_us, minimum, maximum, total, "count") '
            f"VALUES ({', '.join([mark] * 6)}) "
            "ON CONFLICT (channel_id, start_us) DO UPDATE SET "
            f"minimum = {low}({name}.minimum, excluded.minimum), "
            f"maximum = {high}({name}.maximum, excluded.maximum), "
            f"total = {name}.total + excluded.total, "
            f'"count" = {name}."count" + excluded."count"'
        )

    # channels

    @property
    def channels(self) -> list[Channel]:
        return [state.channel for state in self._by_id.values()]

    @property
    def open_gaps(self) -> int:
        """Channels known to this writer that are silent now (their gap is still open)."""
        return sum(1 for state in self._by_id.values() if state.gap_open)

    def _state(self, connection: Connection, reading: Reading) -> _State | None:
        key = (reading.site, reading.equipment, reading.channel)
        state = self._states.get(key)
        if state is not None:
            return state
        row = connection.execute(
            select(_CHANNELS).where(
                SensorChannel.site == reading.site,
                SensorChannel.equipment == reading.equipment,
                SensorChannel.name == reading.channel,
            )
        ).one_or_none()
        if row is not None:
            channel = _channel(row)
        elif self.auto_create:
            channel = add_channel(
                connection,
                site=reading.site,
                equipment=reading.equipment,
                name=reading.channel,
                quantity=reading.channel,
                unit=reading.unit,
                expected_period_us=self.default_period_us,
            )
        else:
            return None
        r, g = sensor_readings.c, sensor_gaps.c
        last = connection.execute(
            select(func.max(r.time_us)).where(r.channel_id == channel.id)
        ).scalar_one_or_none()
        if last is None:  # raw readings may have been purged; the aggregates stay
            last = connection.execute(
                select(func.max(sensor_seconds.c.start_us)).where(
                    sensor_seconds.c.channel_id == channel.id
                )
            ).scalar_one_or_none()
        gap_open = (
            connection.execute(
                select(g.id).where(g.channel_id == channel.id, g.end_us.is_(None))
            ).first()
            is not None
        )
        tracker = ExcursionTracker(channel.id, channel.limits)
        e = sensor_excursions.c
        for kind, start, end, worst, count in connection.execute(
            select(e.kind, e.start_us, e.end_us, e.worst, e.count).where(
                e.channel_id == channel.id, e.is_open == 1
            )
        ):
            tracker.resume(
                Excursion(
                    channel.id, ExcursionKind(kind), int(start), int(end), float(worst), int(count),
                    open=True,
                )
            )  # fmt: skip
        state = _State(channel, None if last is None else int(last), gap_open, tracker)
        self._states[key] = state
        self._by_id[channel.id] = state
        return state

    # writing

    def write(self, readings: Sequence[Reading]) -> BatchResult:
        """Write one batch in one transaction; readings may come in any order.

        If the batch fails, nothing of it is stored, and what this writer remembers (channels it
        created, last times, open gaps and excursions) is read again from the database next time:
        the same batch can be retried.
        """
        try:
            return self._write_batch(readings)
        except BaseException:
            self.forget()
            raise

    def forget(self) -> None:
        """Drop what the writer remembers of channels; it is read from the database again."""
        self._states.clear()
        self._by_id.clear()

    def _write_batch(self, readings: Sequence[Reading]) -> BatchResult:
        by_channel: dict[int, list[tuple[int, float]]] = defaultdict(list)
        with _write(self.engine) as connection, connection.begin():
            for reading in readings:
                if not math.isfinite(reading.value):
                    raise InvalidInput(
                        f"Reading {reading.value!r} of {reading.equipment}/{reading.channel} "
                        "is not a finite number.",
                        hint="Sources must drop such readings.",
                    )
                state = self._state(connection, reading)
                if state is None:
                    self.unknown += 1
                    continue
                by_channel[state.channel.id].append((reading.time_us, reading.value))
            for values in by_channel.values():
                values.sort()
            written = self._write_raw(connection, by_channel)
            for table in (sensor_seconds, sensor_minutes):
                self._write_aggregates(connection, table, by_channel)
            opened, closed = self._write_gaps(connection, by_channel)
            changed = self._write_excursions(connection, by_channel)
        return BatchResult(written, len(by_channel), opened, closed, changed)

    def _write_raw(
        self, connection: Connection, by_channel: dict[int, list[tuple[int, float]]]
    ) -> int:
        integer = self._types.integer
        value = float if self._sqlite else repr
        rows: Iterable[tuple[int | str, int | str, float | str]] = (
            (integer(cid), integer(t), value(v))
            for cid, values in by_channel.items()
            for t, v in values
        )
        return insert_rows(connection, TableRows(sensor_readings, _READING_COLUMNS, rows))

    def _write_aggregates(
        self,
        connection: Connection,
        table: Table,
        by_channel: dict[int, list[tuple[int, float]]],
    ) -> None:
        width = SECOND_US if table is sensor_seconds else MINUTE_US
        rows = [
            (a.channel_id, a.start_us, a.minimum, a.maximum, a.mean * a.count, a.count)
            for cid, values in by_channel.items()
            for a in aggregate(cid, values, width)
        ]
        if rows:
            connection.exec_driver_sql(self._upserts[table.name], rows)

    def _write_gaps(
        self, connection: Connection, by_channel: dict[int, list[tuple[int, float]]]
    ) -> tuple[int, int]:
        opened = closed = 0
        for cid, values in by_channel.items():
            state = self._by_id[cid]
            period = state.channel.expected_period_us
            last = state.last_us
            for t, _ in values:
                if last is not None and t <= last:
                    continue  # late or repeated reading: no silence before it
                if state.gap_open:
                    connection.execute(
                        update(sensor_gaps)
                        .where(sensor_gaps.c.channel_id == cid, sensor_gaps.c.end_us.is_(None))
                        .values(end_us=t)
                    )
                    state.gap_open = False
                    closed += 1
                elif last is not None and t - last > period:
                    connection.execute(
                        insert(sensor_gaps).values(channel_id=cid, start_us=last, end_us=t)
                    )
                    opened += 1
                    closed += 1
                last = t
            state.last_us = last
        return opened, closed

    def _write_excursions(
        self, connection: Connection, by_channel: dict[int, list[tuple[int, float]]]
    ) -> int:
        rows = [
            (e.channel_id, e.start_us, e.kind.value, e.end_us, e.worst, e.count, int(e.open))
            for cid, values in by_channel.items()
            for e in self._by_id[cid].tracker.feed(values)
        ]
        if rows:
            connection.exec_driver_sql(self._excursion_upsert, rows)
        return len(rows)

    def check_silence(self, now_us: int) -> list[Gap]:
        """Open a gap for every known channel silent for longer than its expected period."""
        opened: list[Gap] = []
        silent = [
            s
            for s in self._by_id.values()
            if not s.gap_open
            and s.last_us is not None
            and now_us - s.last_us > s.channel.expected_period_us
        ]
        if not silent:
            return opened
        with _write(self.engine) as connection, connection.begin():
            for state in silent:
                assert state.last_us is not None
                connection.execute(
                    insert(sensor_gaps).values(channel_id=state.channel.id, start_us=state.last_us)
                )
                state.gap_open = True
                opened.append(Gap(state.channel.id, state.last_us, None))
        return opened

    def purge(self, now_us: int) -> int:
        """Delete raw readings older than the retention (aggregates stay); rows deleted."""
        if self.retention_us is None:
            return 0
        cutoff = now_us - self.retention_us
        t = sensor_readings.c
        deleted = 0
        with _write(self.engine) as connection, connection.begin():
            ids = connection.execute(select(SensorChannel.id)).scalars().all()
            for cid in ids:  # per channel, so each delete is a range of the (channel, time) index
                result = connection.execute(
                    sensor_readings.delete().where(t.channel_id == cid, t.time_us < cutoff)
                )
                deleted += result.rowcount
        return deleted
