"""Live monitoring use cases: new readings since last look, history from aggregates, alarms and their acknowledgement.

The Live monitor page calls these from its workers ~10 times a second. The readings come from the
database, whoever wrote them: a separate recorder process (`traceapp monitor --record`), a
recorder in this process, or a station's own service. So the page works the same in every set-up,
and a slow chart never slows ingest down (see docs/live_monitor.md for the figures).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection

from traceapp.db import alarms as alarm_store
from traceapp.db import sensors as store
from traceapp.db.models.sensors import sensor_readings
from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.errors import AlreadyExists, InvalidInput, NotFound, PermissionDenied
from traceapp.domain.permissions import Role, UseCase, require
from traceapp.domain.sensors import MICROS, MINUTE_US, Aggregate, Channel, ExcursionKind, Gap

FloatArray = npt.NDArray[np.float64]

# Who watches equipment and answers for its alarms: the line supervisor, quality, the admin.
# (Operators see alarms at their machine's own panel; auditors read the excursions afterwards.)
WATCHING_ROLES = frozenset({Role.SUPERVISOR, Role.QUALITY_MANAGER, Role.ADMIN})
SECOND_BUCKETS_UP_TO_US = 2 * 3600 * MICROS  # longer history spans are read per minute
MAX_ALARMS = 200  # newest alarms listed per poll
MAX_POLL_US = 15 * MINUTE_US
ONE_QUERY_SPREAD_US = (
    5 * MICROS
)  # channels whose last readings lie closer share one query  # a poll never asks for more than this much raw data per channel
_FAR_FUTURE_US = 2**62


def may_watch(role: Role | str) -> bool:
    """True when the role sees the Live monitor and may acknowledge alarms."""
    return role in WATCHING_ROLES


def _require_watching(actor: Actor) -> None:
    require(actor.role, UseCase.READ, username=actor.username)
    if not may_watch(actor.role):
        raise PermissionDenied(
            f"{actor.username} may not watch equipment or acknowledge its alarms.",
            hint="Ask a supervisor, the quality manager or an administrator.",
        )


@dataclass(frozen=True, slots=True)
class ChannelSeries:
    """Readings of one channel, in time order: times in seconds since the epoch (UTC)."""

    channel_id: int
    times: FloatArray
    values: FloatArray

    def __len__(self) -> int:
        return int(self.times.shape[0])


@dataclass(frozen=True, slots=True)
class Alarm:
    """An excursion of a channel, or (`rule` set) an SPC signal on it, with its acknowledgement
    when someone gave it. An SPC alarm is one episode of its rule: `start_us` its first signal,
    `end_us` its last, `count` the signals, `worst` the bucket mean farthest from the centre."""

    channel: Channel
    kind: ExcursionKind
    start_us: int
    end_us: int
    worst: float
    count: int
    open: bool
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    rule: str | None = None  # the SPC rule (N1-N8, WE1-WE4) of an SPC alarm

    @property
    def key(self) -> str:
        kind = self.kind.value if self.rule is None else alarm_store.spc_kind(self.rule)
        return alarm_store.alarm_key(self.channel.id, kind, self.start_us)

    @property
    def kind_text(self) -> str:
        """What the alarm list's Kind column says: OUT OF SPEC, out of control, SPC N2."""
        if self.rule is not None:
            return f"SPC {self.rule}"
        return "OUT OF SPEC" if self.kind is ExcursionKind.SPEC else "out of control"

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_by is not None


@dataclass(frozen=True, slots=True)
class LiveUpdate:
    """What changed since the last poll: new readings per channel; gaps and alarms of the window
    (None when they were not asked for this time)."""

    series: tuple[ChannelSeries, ...]
    gaps: tuple[Gap, ...] | None
    alarms: tuple[Alarm, ...] | None


@dataclass(frozen=True, slots=True)
class HistorySeries:
    """Aggregates of one channel: bucket middles (s), min, mean, max; NaN rows mark silences."""

    channel_id: int
    width_s: float
    times: FloatArray
    minimum: FloatArray
    mean: FloatArray
    maximum: FloatArray


@dataclass(frozen=True, slots=True)
class History:
    start_us: int
    end_us: int
    width: str  # second | minute
    series: tuple[HistorySeries, ...]
    gaps: tuple[Gap, ...]


def channels(uow: UnitOfWork, *, actor: Actor) -> list[Channel]:
    """Every channel, by site, equipment and name."""
    _require_watching(actor)
    return store.list_channels(uow.session.connection())


def poll(
    uow: UnitOfWork,
    *,
    actor: Actor,
    since_us: Mapping[int, int],
    now_us: int,
    window_us: int,
    with_events: bool = True,
) -> LiveUpdate:
    """Readings of each channel in `since_us` newer than its time (at most MAX_POLL_US back);
    with `with_events`, the gaps and alarms of the channels in [now - window, now]."""
    _require_watching(actor)
    if window_us <= 0:
        raise InvalidInput("The window must be longer than zero.", hint="e.g. 10 minutes")
    connection = uow.session.connection()
    series = _new_readings(connection, since_us, now_us)
    if not with_events:
        return LiveUpdate(tuple(series), None, None)
    start = now_us - window_us
    gaps: list[Gap] = []
    found: list[Alarm] = []
    for channel_id in since_us:
        gaps += store.gaps_between(connection, channel_id, start, _FAR_FUTURE_US)
    found = _alarms(uow, list(since_us), start, _FAR_FUTURE_US)
    return LiveUpdate(tuple(series), tuple(gaps), tuple(found))


def _new_readings(
    connection: Connection, since_us: Mapping[int, int], now_us: int
) -> list[ChannelSeries]:
    """Arrays straight from the driver (no SQLAlchemy Row per reading), in the worker: the GUI
    thread gets numpy arrays it only copies into its rings."""
    starts = {cid: max(since + 1, now_us - MAX_POLL_US) for cid, since in since_us.items()}
    if not starts:
        return []
    earliest = min(starts.values())
    if max(starts.values()) - earliest > ONE_QUERY_SPREAD_US:
        # Channels far apart (one just added): a range query each, so none reads the others' past.
        found = []
        for cid, start in starts.items():
            times, values = store.readings_arrays(connection, cid, start, _FAR_FUTURE_US)
            found.append(ChannelSeries(cid, times / MICROS, values))
        return found
    # One query for every channel, not one each: the poll runs 10 times a second, and on
    # PostgreSQL a round trip under load is several milliseconds (benchmarks/sensor_query.py).
    table = _readings_table(connection, list(starts), earliest)
    found = []
    for cid, start in starts.items():
        mine = table[(table["channel"] == cid) & (table["time"] >= start)]
        found.append(ChannelSeries(cid, mine["time"] / MICROS, np.ascontiguousarray(mine["value"])))
    return found


_READING_ROW = np.dtype([("channel", "<i8"), ("time", "<i8"), ("value", "<f8")])


def _readings_table(
    connection: Connection, channel_ids: Sequence[int], start_us: int
) -> npt.NDArray[np.void]:
    """(channel, time, value) of `channel_ids` from `start_us` on, by channel and time, as one
    numpy structured array read from the driver's cursor (SQLite: numpy reads the cursor; on
    PostgreSQL psycopg's plain tuples)."""
    sqlite = connection.dialect.name == "sqlite"
    mark = "?" if sqlite else "%s"
    query = (
        f"SELECT channel_id, time_us, value FROM {sensor_readings.name} "
        f"WHERE channel_id IN ({', '.join([mark] * len(channel_ids))}) AND time_us >= {mark} "
        "ORDER BY channel_id, time_us"
    )
    parameters = (*(int(c) for c in channel_ids), int(start_us))
    driver: Any = connection.connection.driver_connection
    if sqlite:
        cursor = driver.execute(query, parameters)
        try:
            return np.fromiter(cursor, dtype=_READING_ROW)
        finally:
            cursor.close()
    with driver.cursor() as cursor:
        cursor.execute(query, parameters)
        return np.array(cursor.fetchall(), dtype=_READING_ROW)


def _alarms(uow: UnitOfWork, channel_ids: Sequence[int], start_us: int, end_us: int) -> list[Alarm]:
    connection = uow.session.connection()
    found: list[Alarm] = []
    channel_of: dict[int, Channel] = {}
    for channel_id in channel_ids:
        channel = channel_of[channel_id] = store.find_channel(connection, channel_id)
        for e in store.excursions_between(connection, channel_id, start_us, end_us):
            found.append(Alarm(channel, e.kind, e.start_us, e.end_us, e.worst, e.count, e.open))
    # SPC signals the recorder's review stored (services/live_watch): out-of-control alarms too
    for a in alarm_store.spc_alarms_between(uow.session, channel_ids, start_us, end_us):
        found.append(_spc_alarm(channel_of[a.channel_id], a))
    # The newest alarms only: a list of thousands helps nobody and costs the window its time.
    found.sort(key=_newest_first, reverse=True)
    del found[MAX_ALARMS:]
    acks = alarm_store.acknowledgements(uow.session, (a.key for a in found))
    result = []
    for alarm in found:
        ack = acks.get(alarm.key)
        if ack is not None:
            alarm = dataclasses.replace(alarm, acknowledged_by=ack.username, acknowledged_at=ack.at)
        result.append(alarm)
    result.sort(key=_newest_first, reverse=True)
    return result


def _newest_first(a: Alarm) -> tuple[int, int, str, str]:
    # The rule too: an SPC alarm and the control excursion of the same readings start together
    return (a.start_us, a.channel.id, a.kind.value, a.rule or "")


def _spc_alarm(channel: Channel, a: alarm_store.StoredSpcAlarm) -> Alarm:
    return Alarm(
        channel,
        ExcursionKind.CONTROL,
        a.first_signal_us,
        a.last_signal_us,
        a.worst,
        a.signals,
        False,
        rule=a.rule,
    )


def history(
    uow: UnitOfWork,
    *,
    actor: Actor,
    channel_ids: Sequence[int],
    start_us: int,
    end_us: int,
) -> History:
    """Per-second aggregates of [start, end) (per-minute beyond two hours) with the gaps in it."""
    _require_watching(actor)
    if end_us <= start_us:
        raise InvalidInput("The history window ends before it starts.", hint="Swap the times.")
    width = "second" if end_us - start_us <= SECOND_BUCKETS_UP_TO_US else "minute"
    width_us = MICROS if width == "second" else MINUTE_US
    connection = uow.session.connection()
    series = []
    gaps: list[Gap] = []
    for channel_id in channel_ids:
        buckets = store.aggregates_between(connection, channel_id, start_us, end_us, width=width)
        series.append(_history_series(channel_id, buckets, width_us))
        gaps += store.gaps_between(connection, channel_id, start_us, end_us)
    return History(start_us, end_us, width, tuple(series), tuple(gaps))


def _history_series(channel_id: int, buckets: Sequence[Aggregate], width_us: int) -> HistorySeries:
    # One NaN row between buckets that are not neighbours: the curve breaks at a silence
    # instead of drawing a straight line across it.
    starts: list[float] = []
    rows: list[tuple[float, float, float]] = []
    nan = float("nan")
    previous: int | None = None
    for bucket in buckets:
        start = bucket.start_us
        if previous is not None and start - previous > width_us:
            starts.append((previous + width_us) / MICROS)
            rows.append((nan, nan, nan))
        starts.append((start + width_us / 2) / MICROS)
        rows.append((bucket.minimum, bucket.mean, bucket.maximum))
        previous = start
    table = np.array(rows, dtype=np.float64).reshape(-1, 3)
    return HistorySeries(
        channel_id,
        width_us / MICROS,
        np.array(starts, dtype=np.float64),
        np.ascontiguousarray(table[:, 0]),
        np.ascontiguousarray(table[:, 1]),
        np.ascontiguousarray(table[:, 2]),
    )


def acknowledge(
    uow: UnitOfWork,
    *,
    actor: Actor,
    channel_id: int,
    kind: ExcursionKind,
    start_us: int,
    note: str | None = None,
    rule: str | None = None,
) -> Alarm:
    """Acknowledge an alarm (an excursion, or with `rule` an SPC alarm) as the acting user: an
    audit entry names who and when.

    An alarm is acknowledged once; a second acknowledgement is refused and names the first.
    """
    _require_watching(actor)
    uow.acting(actor, reason=(note or "").strip() or None)
    connection = uow.session.connection()
    channel = store.find_channel(connection, channel_id)
    if rule is not None:
        return _acknowledge_spc(uow, channel, rule, start_us)
    matching = [
        e
        for e in store.excursions_between(connection, channel_id, start_us, start_us)
        if e.start_us == start_us and e.kind is kind
    ]
    if not matching:
        raise NotFound(
            f"There is no {kind.value} alarm of {channel.key} starting then.",
            hint="Refresh the alarm list and pick the alarm again.",
        )
    key = alarm_store.alarm_key(channel_id, kind.value, start_us)
    _refuse_second(uow, channel, key)
    excursion = matching[0]
    assert uow.audit is not None
    alarm_store.append_acknowledgement(
        uow.session,
        uow.audit,
        key,
        {
            "channel": channel.key,
            "site": channel.site,
            "kind": kind.value,
            "start_us": start_us,
            "worst": excursion.worst,
        },
    )
    uow.commit()
    ack = alarm_store.acknowledgements(uow.session, [key])[key]
    return Alarm(
        channel, kind, excursion.start_us, excursion.end_us, excursion.worst, excursion.count,
        excursion.open, ack.username, ack.at,
    )  # fmt: skip


def _refuse_second(uow: UnitOfWork, channel: Channel, key: str) -> None:
    # The audit head's row lock first, so two people acknowledging at once queue here and the
    # second one sees the first acknowledgement.
    alarm_store.lock_audit(uow.session)
    earlier = alarm_store.acknowledgements(uow.session, [key]).get(key)
    if earlier is not None:
        raise AlreadyExists(
            f"This alarm of {channel.key} was acknowledged by {earlier.username} "
            f"at {earlier.at.isoformat(timespec='seconds')}.",
            hint="Nothing to do: the list shows who acknowledged it.",
        )


def _acknowledge_spc(uow: UnitOfWork, channel: Channel, rule: str, first_signal_us: int) -> Alarm:
    stored = alarm_store.spc_alarm(uow.session, channel.id, rule, first_signal_us)
    if stored is None:
        raise NotFound(
            f"There is no SPC {rule} alarm of {channel.key} starting then.",
            hint="Refresh the alarm list and pick the alarm again.",
        )
    _refuse_second(uow, channel, stored.key)
    assert uow.audit is not None
    alarm_store.append_acknowledgement(
        uow.session,
        uow.audit,
        stored.key,
        {
            "channel": channel.key,
            "site": channel.site,
            "kind": alarm_store.spc_kind(rule),
            "rule": rule,
            "start_us": first_signal_us,
            "worst": stored.worst,
        },
    )
    uow.commit()
    ack = alarm_store.acknowledgements(uow.session, [stored.key])[stored.key]
    return dataclasses.replace(
        _spc_alarm(channel, stored), acknowledged_by=ack.username, acknowledged_at=ack.at
    )
