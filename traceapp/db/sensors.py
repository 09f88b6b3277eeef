"""Sensor storage: the batch writer (raw rows, aggregates, gaps, excursions in one transaction) and its queries.

The writer is meant to run off the GUI thread (the headless recorder, or a worker): it takes
readings in batches, writes the raw rows through the bulk path (`bulk.insert_rows`: executemany
on SQLite, COPY on PostgreSQL), upserts the per-second and per-minute aggregates of the batch,
records gaps and excursions, and commits once per batch.
"""

from __future__ import annotations

import struct
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
from psycopg import sql as psycopg_sql
from sqlalchemy import Connection, Engine, Table, func, insert, select, update

from traceapp.db.bulk import native_types
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
    FloatArray,
    Gap,
    IntArray,
    Limits,
    Reading,
    ReadingBlock,
    blocks_of,
    check_name,
)

# Channels are read as Core rows (these functions take a Connection, not an ORM session).
_CHANNELS = SensorChannel.__table__
DEFAULT_PERIOD_US = 5 * SECOND_US  # a channel silent longer than this has a gap (per channel)
_SQLITE_INSERT_READINGS = (
    "INSERT INTO sensor_readings (channel_id, time_us, value) VALUES (?, ?, ?)"
)
_PG_COPY_READINGS = "COPY sensor_readings (channel_id, time_us, value) FROM STDIN (FORMAT BINARY)"
# PostgreSQL's binary COPY: a signature, flags and header extension length; then per row the
# field count and each field's length and big-endian value; -1 at the end.
_PG_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)
_PG_COPY_TRAILER = struct.pack("!h", -1)
_SQLITE_SELECT_READINGS = (
    "SELECT time_us, value FROM sensor_readings "
    "WHERE channel_id = ? AND time_us >= ? AND time_us < ? ORDER BY time_us"
)
_SQLITE_READING = np.dtype([("time", "<i8"), ("value", "<f8")])
_PG_COPY_SELECT_READINGS = (
    "COPY (SELECT time_us, value FROM sensor_readings "
    "WHERE channel_id = {} AND time_us >= {} AND time_us < {} ORDER BY time_us) "
    "TO STDOUT (FORMAT BINARY)"
)
_PG_READING = np.dtype(
    [("fields", ">i2"), ("time_len", ">i4"), ("time", ">i8"), ("value_len", ">i4"),
     ("value", ">f8")]
)  # fmt: skip
_PG_ROW = np.dtype(
    [
        ("fields", ">i2"),
        ("cid_len", ">i4"),
        ("cid", ">i4"),
        ("time_len", ">i4"),
        ("time", ">i8"),
        ("value_len", ">i4"),
        ("value", ">f8"),
    ]
)


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


def readings_arrays(
    connection: Connection, channel_id: int, start_us: int, end_us: int
) -> tuple[IntArray, FloatArray]:
    """`readings_between` as two numpy arrays (times in µs, values), read through the driver.

    For many rows (an hour at 100 Hz is 360,000): no Row object and no Python tuple is kept per
    reading. SQLite: numpy reads the driver's cursor straight into a structured array.
    PostgreSQL: the rows come as one binary COPY, which numpy reads without parsing text.
    """
    driver: Any = connection.connection.driver_connection
    if connection.dialect.name == "sqlite":
        cursor = driver.execute(_SQLITE_SELECT_READINGS, (channel_id, start_us, end_us))
        try:
            table = np.fromiter(cursor, dtype=_SQLITE_READING)
        finally:
            cursor.close()
        return table["time"], table["value"]
    query = psycopg_sql.SQL(_PG_COPY_SELECT_READINGS).format(
        *(psycopg_sql.Literal(int(v)) for v in (channel_id, start_us, end_us))
    )
    chunks: list[bytes] = []
    with driver.cursor() as cursor, cursor.copy(query) as copy:
        chunks.extend(bytes(chunk) for chunk in copy)
    data = b"".join(chunks)
    body = len(data) - len(_PG_COPY_HEADER) - len(_PG_COPY_TRAILER)
    rows = np.frombuffer(
        data, dtype=_PG_READING, count=body // _PG_READING.itemsize, offset=len(_PG_COPY_HEADER)
    )
    return rows["time"].astype(np.int64), rows["value"].astype(np.float64)


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


@dataclass(slots=True)
class _Batch:
    """A batch as three arrays (channel id, time, value): channel after channel, each in time
    order; `bounds[k]:bounds[k + 1]` are the rows of `states[k]`."""

    states: list[_State]
    bounds: IntArray
    ids: IntArray
    times: IntArray
    values: FloatArray

    @classmethod
    def of(cls, parts: list[tuple[_State, list[ReadingBlock]]]) -> _Batch:
        states = [state for state, _ in parts]
        blocks = [block for _, blocks in parts for block in blocks]
        sizes = np.array([sum(len(b) for b in blocks) for _, blocks in parts], dtype=np.int64)
        bounds = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        cids = np.array([state.channel.id for state in states], dtype=np.int64)
        if not blocks:
            empty = np.empty(0, dtype=np.int64)
            return cls(states, bounds, empty, empty, np.empty(0))
        ids = np.repeat(cids, sizes)
        times = np.concatenate([b.times_us for b in blocks]).astype(np.int64, copy=False)
        values = np.concatenate([b.values for b in blocks]).astype(np.float64, copy=False)
        finite = np.isfinite(values)
        if not finite.all():
            at = int(np.argmin(finite))
            channel = states[int(np.searchsorted(bounds, at, side="right")) - 1].channel
            raise InvalidInput(
                f"Reading {float(values[at])!r} of {channel.equipment}/{channel.name} is not a "
                "finite number.",
                hint="Sources must drop such readings.",
            )
        if len(times) > 1 and bool(((times[1:] < times[:-1]) & (ids[1:] == ids[:-1])).any()):
            order = np.lexsort((times, ids))  # stable: equal times keep their order
            # lexsort orders by id too: put the channels back in the order of `states`.
            rank = np.empty(int(cids.max()) + 1, dtype=np.int64)
            rank[cids] = np.arange(len(cids))
            order = order[np.argsort(rank[ids[order]], kind="stable")]
            times, values = times[order], values[order]
        return cls(states, bounds, ids, times, values)


def _bucket_rows(
    ids: IntArray, times: IntArray, values: FloatArray, width: int
) -> list[tuple[int, int, float, float, float, int]]:
    """(channel, bucket start, min, max, sum, count) per bucket; rows grouped by channel, each in
    time order, so a bucket is a run of neighbouring rows."""
    if not len(times):
        return []
    starts_us = times - times % width
    change = (ids[1:] != ids[:-1]) | (starts_us[1:] != starts_us[:-1])
    first = np.concatenate([[0], np.flatnonzero(change) + 1])
    counts = np.diff(np.append(first, len(times)))
    return list(
        zip(
            ids[first].tolist(),
            starts_us[first].tolist(),
            np.minimum.reduceat(values, first).tolist(),
            np.maximum.reduceat(values, first).tolist(),
            np.add.reduceat(values, first).tolist(),
            counts.tolist(),
            strict=True,
        )
    )


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
    # The recorder keeps one connection between batches (`close()` at the end): on SQLite
    # (NullPool) opening one costs its pragmas and closing the last one checkpoints the WAL.
    keep_connection: bool = False
    # SQLite: synchronous=NORMAL on the writer's connection. With WAL the file stays consistent
    # on a power cut; the last batches of readings may be lost (scans are never written here).
    relaxed_sync: bool = False
    unknown: int = 0
    _connection: Connection | None = None
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

    def _state(self, connection: Connection, key: tuple[str, str, str], unit: str) -> _State | None:
        state = self._states.get(key)
        if state is not None:
            return state
        site, equipment, name = key
        row = connection.execute(
            select(_CHANNELS).where(
                SensorChannel.site == site,
                SensorChannel.equipment == equipment,
                SensorChannel.name == name,
            )
        ).one_or_none()
        if row is not None:
            channel = _channel(row)
        elif self.auto_create:
            channel = add_channel(
                connection,
                site=site,
                equipment=equipment,
                name=name,
                quantity=name,
                unit=unit,
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
        """Write one batch of single readings (any order, any channels) in one transaction."""
        return self.write_blocks(blocks_of(readings))

    def write_blocks(self, blocks: Sequence[ReadingBlock]) -> BatchResult:
        """Write one batch in one transaction; blocks may come in any order, several per channel.

        If the batch fails, nothing of it is stored, and what this writer remembers (channels it
        created, last times, open gaps and excursions) is read again from the database next time:
        the same batch can be retried.
        """
        try:
            return self._write_batch(blocks)
        except BaseException:
            self.forget()
            raise

    def forget(self) -> None:
        """Drop what the writer remembers of channels (read from the database again next time)
        and its connection (a new one next time)."""
        self._states.clear()
        self._by_id.clear()
        self.close()

    def _write_batch(self, blocks: Sequence[ReadingBlock]) -> BatchResult:
        grouped: dict[tuple[str, str, str], list[ReadingBlock]] = defaultdict(list)
        for block in blocks:
            if len(block):
                grouped[block.key].append(block)
        with self._transaction() as connection:
            parts: list[tuple[_State, list[ReadingBlock]]] = []
            for key, mine in grouped.items():
                state = self._state(connection, key, mine[-1].unit)
                if state is None:
                    self.unknown += sum(len(b) for b in mine)
                    continue
                parts.append((state, mine))
            batch = _Batch.of(parts)
            written = self._write_raw(connection, batch)
            for table, width in ((sensor_seconds, SECOND_US), (sensor_minutes, MINUTE_US)):
                rows = _bucket_rows(batch.ids, batch.times, batch.values, width)
                if rows:
                    connection.exec_driver_sql(self._upserts[table.name], rows)
            opened, closed = self._write_gaps(connection, batch)
            changed = self._write_excursions(connection, batch)
        return BatchResult(written, len(batch.states), opened, closed, changed)

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        connection = self._connect()
        try:
            with connection.begin():
                yield connection
        except BaseException:
            self.close()  # a connection that failed is not kept
            raise
        finally:
            if not self.keep_connection:
                self.close()

    def _connect(self) -> Connection:
        if self._connection is None:
            self._connection = _write(self.engine)
            if self._sqlite and self.relaxed_sync:
                # On the driver, before SQLAlchemy begins: the pragma refuses a transaction.
                cursor = self._connection.connection.cursor()
                cursor.execute("PRAGMA synchronous=NORMAL")
                cursor.close()
        return self._connection

    def close(self) -> None:
        """Close the writer's connection (kept between batches with `keep_connection`)."""
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()

    def _write_raw(self, connection: Connection, batch: _Batch) -> int:
        driver: Any = connection.connection.driver_connection
        count = len(batch.times)
        if not count:
            return 0
        if self._sqlite:
            # Straight to sqlite3 with plain tuples: no bind processing, no NULL handling (no
            # column here is ever NULL). tolist() makes the Python numbers in C.
            rows = zip(batch.ids.tolist(), batch.times.tolist(), batch.values.tolist(), strict=True)
            driver.executemany(_SQLITE_INSERT_READINGS, rows)
            return count
        # PostgreSQL: one binary COPY, the rows laid out by numpy (no text per value).
        table = np.empty(count, dtype=_PG_ROW)
        table["fields"] = 3
        table["cid_len"] = 4
        table["time_len"] = 8
        table["value_len"] = 8
        table["cid"] = batch.ids
        table["time"] = batch.times
        table["value"] = batch.values
        with driver.cursor() as cursor, cursor.copy(_PG_COPY_READINGS) as copy:
            copy.write(_PG_COPY_HEADER + table.tobytes() + _PG_COPY_TRAILER)
        return count

    def _write_gaps(self, connection: Connection, batch: _Batch) -> tuple[int, int]:
        """Silences longer than a channel's period between its readings (and before the first,
        after the last one known); a channel's open gap ends at its first newer reading."""
        if not len(batch.times):
            return 0, 0
        none = np.iinfo(np.int64).min
        sizes = np.diff(batch.bounds)
        lasts = np.array(
            [none if s.last_us is None else s.last_us for s in batch.states], dtype=np.int64
        )
        periods = np.array([s.channel.expected_period_us for s in batch.states], dtype=np.int64)
        last_of_row = np.repeat(lasts, sizes)
        # Late or repeated readings (not after the channel's last known one) open no gap.
        newer = batch.times > last_of_row
        previous = np.empty_like(batch.times)
        previous[0] = none
        previous[1:] = batch.times[:-1]
        first_newer = newer.copy()
        first_newer[1:] &= ~newer[:-1] | (batch.ids[1:] != batch.ids[:-1])
        previous[first_newer] = last_of_row[first_newer]
        with np.errstate(over="ignore"):
            silent = (batch.times - previous) > np.repeat(periods, sizes)
        found = newer & silent & (previous != none)
        closing = {}
        for k, state in enumerate(batch.states):
            lo, hi = int(batch.bounds[k]), int(batch.bounds[k + 1])
            mine = np.flatnonzero(newer[lo:hi])
            if not len(mine):
                continue
            if state.gap_open:
                first = lo + int(mine[0])
                closing[state.channel.id] = int(batch.times[first])
                found[first] = False  # it ends the open gap instead
                state.gap_open = False
            state.last_us = int(batch.times[lo + int(mine[-1])])
        for cid, end in closing.items():
            connection.execute(
                update(sensor_gaps)
                .where(sensor_gaps.c.channel_id == cid, sensor_gaps.c.end_us.is_(None))
                .values(end_us=end)
            )
        at = np.flatnonzero(found)
        if len(at):
            connection.execute(
                insert(sensor_gaps),
                [
                    {"channel_id": c, "start_us": s, "end_us": e}
                    for c, s, e in zip(
                        batch.ids[at].tolist(),
                        previous[at].tolist(),
                        batch.times[at].tolist(),
                        strict=True,
                    )
                ],
            )
        return len(at), len(at) + len(closing)

    def _write_excursions(self, connection: Connection, batch: _Batch) -> int:
        rows = []
        for k, state in enumerate(batch.states):
            tracker = state.tracker
            limits = tracker.limits
            if limits.empty:
                continue
            lo, hi = int(batch.bounds[k]), int(batch.bounds[k + 1])
            times, values = batch.times[lo:hi], batch.values[lo:hi]
            # Only readings that can change a run go through the tracker: from the first one
            # outside (or the start, if a run is open) to the one after the last outside.
            out = np.zeros(len(values), dtype=bool)
            for low, high in ((limits.lsl, limits.usl), (limits.lcl, limits.ucl)):
                if low is not None:
                    out |= values < low
                if high is not None:
                    out |= values > high
            anything = bool(out.any())
            if not anything and not tracker.running:
                continue
            first = 0 if tracker.running else int(np.argmax(out))
            end = len(out) - int(np.argmax(out[::-1])) + 1 if anything else 1
            part = zip(times[first:end].tolist(), values[first:end].tolist(), strict=True)
            rows += [
                (e.channel_id, e.start_us, e.kind.value, e.end_us, e.worst, e.count, int(e.open))
                for e in tracker.feed(part)
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
        with self._transaction() as connection:
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
        with self._transaction() as connection:
            ids = connection.execute(select(SensorChannel.id)).scalars().all()
            for cid in ids:  # per channel, so each delete is a range of the (channel, time) index
                result = connection.execute(
                    sensor_readings.delete().where(t.channel_id == cid, t.time_us < cutoff)
                )
                deleted += result.rowcount
        return deleted
