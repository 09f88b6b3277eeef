"""Process conditions bound to lots: residences, their readings and excursions, flags and holds, cold chain.

A lot resided on the equipment of its produce step (start to end), at each place with channels it
was moved or received to (a cold room, a warehouse zone: until moved on, shipped or consumed), and,
when a logger is bound to a shipment it was on, in transit. `lot_conditions` reads what the channels there recorded;
`review` flags (and, by setting, holds) every lot resident during an excursion outside the
specification. The review looks at steps and excursions of a recent window each time it runs, so
it is right whichever was recorded first (the lot, or the excursion that closed later), and a
flag row per lot and excursion keeps it from holding a lot twice for one excursion.
"""

from __future__ import annotations

import bisect
import csv
import dataclasses
import io
import itertools
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from traceapp.db import residence as places
from traceapp.db import sensors as store
from traceapp.db.models import Lot
from traceapp.db.repositories import Repository
from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import SYSTEM_USERNAME, Actor
from traceapp.domain.conditions import (
    ChannelWindow,
    ConditionExcursion,
    FlagResult,
    LotConditions,
    Residence,
    Resolution,
    SeriesPoint,
    decimal,
    envelope,
    resolution_for,
)
from traceapp.domain.dispositions import ALLOWED_FROM, Decision
from traceapp.domain.errors import InvalidInput, NotFound
from traceapp.domain.lots import LotStatus
from traceapp.domain.permissions import UseCase, require
from traceapp.domain.recall import ChartPoint, RecallExcursion
from traceapp.domain.sensors import (
    MICROS,
    Channel,
    Excursion,
    ExcursionKind,
    Limits,
    Reading,
    check_name,
    from_micros,
    parse_time,
    to_micros,
)
from traceapp.reports.chart_gaps import cutting_gaps
from traceapp.services import dispositions
from traceapp.services.masterdata import actor_for
from traceapp.services.recording import lot_name, now_utc, require_lot

LOOKBACK = timedelta(days=2)  # a review re-checks steps this recent: late records, long excursions
PAD_SHARE = 0.1  # charts show a tenth of the residence before and after it, for context
MIN_PAD_US = 60 * MICROS
LOGGER_SITE = "logger"  # loggers' channels live under this site, equipment = the logger's id


# --- reading a lot's conditions -------------------------------------------------------------------


def lot_conditions(
    uow: UnitOfWork, *, actor: Actor, code: str | None = None, lot_id: uuid.UUID | None = None
) -> LotConditions:
    """Residences, readings (one window per channel and residence) and excursions of one lot."""
    require(actor.role, UseCase.READ, username=actor.username)
    session = uow.session
    if lot_id is None:
        if code is None:
            raise InvalidInput("Name a lot.", hint="Give its code or scan its label.")
        row = require_lot(Repository(session), code)
        lot_id, name = row.lot.id, lot_name(row)
    else:
        if session.get(Lot, lot_id) is None:
            raise NotFound("That lot is not in the database.", hint="Search for it again.")
        name = places.lot_names(session, [lot_id])[lot_id][0]
    found = conditions_of_lots(session, [lot_id], windows=True)
    return found.get(lot_id, LotConditions(lot_id, name, (), (), ()))


def conditions_of_lots(
    session: Session, lot_ids: Sequence[uuid.UUID], *, windows: bool, spec_only: bool = False
) -> dict[uuid.UUID, LotConditions]:
    """The conditions of many lots at once (a recall's affected set): lots with a residence only.

    `windows`: read the readings too (a lot's detail); else excursions only. Queries are per
    channel, never per lot: one excursion range per channel covers every residence on it.
    """
    watched = _watched(session, lot_ids)
    if not watched:
        return {}
    connection = session.connection()
    by_channel: dict[int, list[Residence]] = defaultdict(list)
    channel_of: dict[int, Channel] = {}
    for residence, channels in watched:
        for channel in channels:
            by_channel[channel.id].append(residence)
            channel_of[channel.id] = channel
    excursions: dict[uuid.UUID, list[ConditionExcursion]] = defaultdict(list)
    series: dict[uuid.UUID, list[ChannelWindow]] = defaultdict(list)
    for channel_id, residences in by_channel.items():
        channel = channel_of[channel_id]
        for residence, row_id, excursion in _overlaps(connection, channel, residences):
            if spec_only and excursion.kind is not ExcursionKind.SPEC:
                continue
            excursions[residence.lot_id].append(_condition(channel, residence, row_id, excursion))
        if windows:
            for residence in residences:
                # The chart spans the residence and the whole of each excursion overlapping it
                ends = [
                    (e.start_us, e.end_us)
                    for e in excursions[residence.lot_id]
                    if e.channel.id == channel_id and e.residence == residence
                ]
                span = residence
                if ends:
                    span = dataclasses.replace(
                        residence,
                        since=min(residence.since, from_micros(min(s for s, _ in ends))),
                        until=max(residence.until, from_micros(max(e for _, e in ends))),
                    )
                window = _window(connection, channel, span)
                series[residence.lot_id].append(dataclasses.replace(window, residence=residence))
    names = places.lot_names(session, {r.lot_id for r, _ in watched})
    by_lot: dict[uuid.UUID, list[Residence]] = defaultdict(list)
    for residence, _ in watched:
        by_lot[residence.lot_id].append(residence)
    return {
        lot_id: LotConditions(
            lot_id,
            names[lot_id][0],
            tuple(sorted(residences, key=lambda r: r.since)),
            tuple(sorted(series[lot_id], key=lambda w: (w.residence.since, w.channel.key))),
            tuple(sorted(excursions[lot_id], key=lambda e: (e.start_us, e.channel.key))),
        )
        for lot_id, residences in by_lot.items()
    }


def _watched(
    session: Session, lot_ids: Sequence[uuid.UUID]
) -> list[tuple[Residence, list[Channel]]]:
    """Each residence of these lots with the channels that watched it (those with none left out)."""
    # Only steps on equipment with channels are read: a recall of 10,000 lots made on
    # unmonitored lines costs one small query, not a pass over their events.
    monitored = places.monitored_places(session)
    produced = places.produce_residences(session, lot_ids, list(monitored))
    # Stays where the lots were moved (or received) to: a cold room, a warehouse zone
    produced += places.move_residences(session, lot_ids, monitored, now=now_utc())
    channels = places.channels_at(session.connection(), {r.place for r in produced})
    watched = [(r, channels[r.place]) for r in produced if r.place in channels]
    bindings = places.logger_bindings(session)
    if bindings:
        # One residence per lot and shipment window, watched by every logger channel bound to it
        transit: dict[Residence, list[Channel]] = {}
        for residence, binding in places.transit_residences(session, lot_ids, bindings):
            transit.setdefault(residence, []).append(binding.channel)
        watched.extend(transit.items())
    return watched


def _overlaps(
    connection: Connection, channel: Channel, residences: Sequence[Residence]
) -> Iterable[tuple[Residence, int, Excursion]]:
    start = min(places.micros(r.since) for r in residences)
    end = max(places.micros(r.until) for r in residences)
    found = places.excursions_with_ids(connection, channel.id, start, end)
    starts = [e.start_us for _, e in found]
    for residence in residences:
        since, until = places.micros(residence.since), places.micros(residence.until)
        # Excursions are sorted by start: only those starting by `until` can overlap.
        for row_id, excursion in found[: bisect.bisect_right(starts, until)]:
            if excursion.end_us >= since:
                yield residence, row_id, excursion


def _condition(
    channel: Channel, residence: Residence, row_id: int, e: Excursion
) -> ConditionExcursion:
    return ConditionExcursion(
        channel, residence, e.kind, e.start_us, e.end_us, e.worst, e.count, e.open, row_id
    )


def _window(connection: Connection, channel: Channel, residence: Residence) -> ChannelWindow:
    since, until = places.micros(residence.since), places.micros(residence.until)
    pad = max(MIN_PAD_US, round((until - since) * PAD_SHARE))
    start, end = since - pad, until + pad
    resolution = resolution_for(start, end)
    points: tuple[SeriesPoint, ...] = ()
    if resolution is Resolution.RAW:
        raw = store.readings_between(connection, channel.id, start, end + 1)
        points = tuple(SeriesPoint(t, v, v, v) for t, v in raw)
        if not points:  # raw readings purged by retention: the aggregates are still there
            resolution = Resolution.SECOND
    if resolution is not Resolution.RAW:
        buckets = store.aggregates_between(
            connection, channel.id, start, end + 1, width=resolution.value
        )
        points = tuple(SeriesPoint(a.start_us, a.minimum, a.mean, a.maximum) for a in buckets)
    gaps = tuple(
        (g.start_us, g.end_us) for g in store.gaps_between(connection, channel.id, start, end + 1)
    )
    return ChannelWindow(channel, residence, resolution, points, start, end, gaps)


# --- review: flag, and by setting hold ----------------------------------------------------------


def review(
    uow: UnitOfWork,
    *,
    actor: Actor,
    hold: bool,
    since: datetime | None = None,
) -> FlagResult:
    """Flag every lot resident during an excursion outside the specification; with `hold`, put
    the usable ones on hold by the system, naming the channel, limit and time. Idempotent.

    Looks at produce steps since `since` (default: the last two days), lots moved to a place with
    channels since then or standing at one now, and loggers bound to shipments that had not ended
    by then. Run it after excursions change (the recorder does,
    every few seconds) and whenever steps may have been recorded late.
    """
    require(actor.role, UseCase.READ, username=actor.username)
    session = uow.session
    start = since if since is not None else now_utc() - LOOKBACK
    produced = places.produce_residences_since(session, start)
    monitored = places.monitored_places(session)
    stored = places.lots_stored_at(session, monitored, arrived_since=start)
    produced += places.move_residences(session, sorted(stored), monitored, now=now_utc())
    channels = places.channels_at(session.connection(), {r.place for r in produced})
    watched = [(r, channels[r.place]) for r in produced if r.place in channels]
    bindings = places.logger_bindings(session, ending_after_us=to_micros(start))
    if bindings:
        by_shipment = {b.shipment_id: b for b in bindings}
        lots = set()
        for binding in by_shipment.values():
            lots |= places.shipment_lots(session, binding.shipment_id, binding.shipped_at)
        for residence, binding in places.transit_residences(session, sorted(lots), bindings):
            watched.append((residence, [binding.channel]))
    found: list[ConditionExcursion] = []
    by_channel: dict[int, list[Residence]] = defaultdict(list)
    channel_of: dict[int, Channel] = {}
    for residence, chans in watched:
        for channel in chans:
            by_channel[channel.id].append(residence)
            channel_of[channel.id] = channel
    connection = session.connection()
    for channel_id, residences in by_channel.items():
        channel = channel_of[channel_id]
        for residence, row_id, excursion in _overlaps(connection, channel, residences):
            if excursion.kind is ExcursionKind.SPEC:
                found.append(_condition(channel, residence, row_id, excursion))
    done = places.flagged_pairs(session, {(c.residence.lot_id, c.excursion_id) for c in found})
    fresh = [c for c in found if (c.residence.lot_id, c.excursion_id) not in done]
    if not fresh:
        return FlagResult((), ())
    names = places.lot_names(session, {c.residence.lot_id for c in fresh})
    flagged: list[str] = []
    held: list[str] = []
    per_lot: dict[uuid.UUID, dict[int, ConditionExcursion]] = defaultdict(dict)
    for condition in sorted(fresh, key=lambda c: (c.start_us, c.channel.key)):
        # A lot with two residences in one excursion is flagged for it once.
        per_lot[condition.residence.lot_id].setdefault(condition.excursion_id, condition)
    system = _system_actor(uow, actor) if hold else None
    at = now_utc()
    for lot_id, by_excursion in per_lot.items():
        name, status = names[lot_id]
        conditions = list(by_excursion.values())
        first = conditions[0]
        will_hold = system is not None and LotStatus(status) in ALLOWED_FROM[Decision.HOLD]
        uow.acting(system or actor, reason="sensor excursion review")
        for condition in conditions:
            places.add_flag(
                session,
                lot_id=lot_id,
                excursion_id=condition.excursion_id,
                held=will_hold and condition is first,
                at=at,
            )
            flagged.append(f"{name}: {condition.describe()}")
        if will_hold and system is not None:
            # The hold commits this transaction: the flags and the hold are stored together.
            dispositions.hold(
                uow,
                actor=system,
                code=name,
                reason=f"Made during a sensor excursion, for review: {first.describe()}",
                rule=first.rule(),
            )
            held.append(name)
        else:
            uow.commit()
    return FlagResult(tuple(flagged), tuple(held))


def _system_actor(uow: UnitOfWork, actor: Actor) -> Actor:
    """TraceApp itself, at the reviewer's station, for the automatic hold."""
    system = actor_for(uow, username=SYSTEM_USERNAME)
    return dataclasses.replace(
        system,
        station_id=actor.station_id,
        station_code=actor.station_code,
        utc_offset_minutes=actor.utc_offset_minutes,
    )


# --- cold chain: a logger's readings bound to a shipment -----------------------------------------


@dataclass(frozen=True, slots=True)
class LoggerImport:
    shipment: str
    channels: tuple[Channel, ...]
    readings: int
    start_us: int
    end_us: int
    excursions: int
    review: FlagResult


def import_logger(
    uow: UnitOfWork,
    *,
    actor: Actor,
    shipment: str,
    logger: str,
    text: str,
    units: dict[str, str] | None = None,
    limits: dict[str, Limits] | None = None,
    hold: bool = False,
) -> LoggerImport:
    """Import a transit logger's CSV (`time,<quantity>[,<quantity>...]`, times ISO 8601 with an
    offset) as channels `logger/<LOGGER>/<quantity>`, bind them to the shipment whose reference
    document is `shipment` for the window the file covers, and review the shipped lots."""
    require(actor.role, UseCase.MANAGE_MASTER_DATA, username=actor.username)
    logger = check_name("logger", logger)
    session = uow.session
    found = places.shipment_by_reference(session, shipment.strip())
    if found is None:
        raise NotFound(
            f"There is no shipment with the reference {shipment!r}.",
            hint="Give the reference document the shipment was recorded with.",
        )
    shipment_id, _ = found
    names, rows = _parse_logger_csv(text)
    units = units or {}
    limits = limits or {}
    connection = session.connection()
    channels: list[Channel] = []
    for name in names:
        try:
            channel = store.channel_by_key(connection, logger, name)
        except NotFound:
            channel = store.add_channel(
                connection,
                site=LOGGER_SITE,
                equipment=logger,
                name=name,
                quantity=name,
                unit=units.get(name, ""),
                limits=limits.get(name, Limits()),
                expected_period_us=_period(rows),
            )
        channels.append(channel)
    uow.commit()  # the channels first: the writer below runs in its own transaction
    readings = [
        Reading(LOGGER_SITE, logger, name, time_us, value)
        for time_us, values in rows
        for name, value in zip(names, values, strict=True)
        if value is not None
    ]
    writer = store.SensorWriter(session.get_bind().engine, auto_create=False)
    result = writer.write(readings)
    start, end = rows[0][0], rows[-1][0]
    uow.acting(actor, reason=f"logger {logger} bound to shipment {shipment}")
    for channel in channels:
        places.bind_logger(
            session,
            shipment_id=shipment_id,
            channel_id=channel.id,
            start_us=start,
            end_us=end,
            user_id=actor.user_id,
            at=now_utc(),
        )
    uow.commit()
    flags = review(uow, actor=actor, hold=hold, since=from_micros(start) - LOOKBACK)
    return LoggerImport(
        shipment, tuple(channels), result.written, start, end, result.excursions, flags
    )


@dataclass(frozen=True, slots=True)
class LoggerBound:
    shipment: str
    channel: Channel
    start_us: int
    end_us: int
    review: FlagResult


def bind_logger(
    uow: UnitOfWork,
    *,
    actor: Actor,
    shipment: str,
    channel: str,
    start_us: int,
    end_us: int,
    hold: bool = False,
) -> LoggerBound:
    """Bind a recorded channel (a logger publishing over MQTT, EQUIPMENT/CHANNEL) to the shipment
    whose reference document is `shipment` for [start, end], and review the shipped lots. The
    recorder's later reviews see the binding too (readings may still arrive)."""
    require(actor.role, UseCase.MANAGE_MASTER_DATA, username=actor.username)
    if end_us <= start_us:
        raise InvalidInput("The end of the window is not after its start.", hint="Swap them.")
    session = uow.session
    found = places.shipment_by_reference(session, shipment.strip())
    if found is None:
        raise NotFound(
            f"There is no shipment with the reference {shipment!r}.",
            hint="Give the reference document the shipment was recorded with.",
        )
    equipment, _, name = channel.partition("/")
    if not equipment or not name:
        raise InvalidInput(f"{channel!r} is not EQUIPMENT/CHANNEL.", hint="e.g. LG-42/temp")
    bound = store.channel_by_key(session.connection(), equipment, name)
    uow.acting(actor, reason=f"logger {bound.key} bound to shipment {shipment}")
    places.bind_logger(
        session,
        shipment_id=found[0],
        channel_id=bound.id,
        start_us=start_us,
        end_us=end_us,
        user_id=actor.user_id,
        at=now_utc(),
    )
    uow.commit()
    flags = review(uow, actor=actor, hold=hold, since=from_micros(start_us) - LOOKBACK)
    return LoggerBound(shipment, bound, start_us, end_us, flags)


def _period(rows: Sequence[tuple[int, Sequence[float | None]]]) -> int:
    if len(rows) < 2:
        return store.DEFAULT_PERIOD_US
    steps = sorted(b[0] - a[0] for a, b in itertools.pairwise(rows))
    return max(steps[len(steps) // 2] * 3, MICROS)  # three missed readings make a gap


def _parse_logger_csv(text: str) -> tuple[list[str], list[tuple[int, list[float | None]]]]:
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header or len(header) < 2 or header[0].strip().lower() not in ("time", "timestamp"):
        raise InvalidInput(
            "A logger file starts with a header: time,<quantity>[,<quantity>...].",
            hint="e.g. time,temperature,humidity",
        )
    names = [check_name("channel", h.strip()) for h in header[1:]]
    rows: list[tuple[int, list[float | None]]] = []
    for number, row in enumerate(reader, start=2):
        if not row or not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise InvalidInput(
                f"Line {number} has {len(row)} fields, the header {len(header)}.",
                hint="Every line gives the time and one value per column.",
            )
        try:
            time_us = store_time(row[0])
            values = [float(cell) if cell.strip() else None for cell in row[1:]]
        except (ValueError, InvalidInput):
            raise InvalidInput(
                f"Line {number} is not a time and numbers: {','.join(row)[:60]!r}.",
                hint="Write times like 2026-11-30T12:00:00Z and values like 4.5.",
            ) from None
        rows.append((time_us, values))
    if not rows:
        raise InvalidInput("The logger file has no readings.", hint="Check the file.")
    rows.sort(key=lambda r: r[0])
    return names, rows


def store_time(text: str) -> int:
    return parse_time(text.strip().replace("Z", "+00:00"))


# --- the recall report: excursions of the affected lots, with their charts ---------------------


def recall_excursions(
    session: Session, lot_ids: Sequence[uuid.UUID]
) -> tuple[RecallExcursion, ...]:
    """Spec excursions while the lots were made or in transit, each with a printable chart of
    its residence window (min/max columns, so a short peak is never averaged away)."""
    found = conditions_of_lots(session, lot_ids, windows=False, spec_only=True)
    if not found:
        return ()
    connection = session.connection()
    charts: dict[tuple[Residence, int], tuple[ChartPoint, ...]] = {}
    gaps: dict[tuple[Residence, int], tuple[tuple[int, int | None], ...]] = {}
    rows: list[RecallExcursion] = []
    for lot in sorted(found.values(), key=lambda c: c.lot):
        for e in lot.excursions:
            key = (dataclasses.replace(e.residence, lot_id=_NO_LOT), e.channel.id)
            if key not in charts:  # lots made together share a residence: one read
                # The chart spans the residence and the whole excursion, with context around
                span = dataclasses.replace(
                    e.residence,
                    since=min(e.residence.since, from_micros(e.start_us)),
                    until=max(e.residence.until, from_micros(e.end_us)),
                )
                window = _window(connection, e.channel, span)
                charts[key] = tuple(
                    ChartPoint(p.time_us, decimal(p.low), decimal(p.high))
                    for p in envelope(window.points)
                )
                gaps[key] = cutting_gaps(charts[key], window.gaps)
            limit = e.limit
            limits = e.channel.limits
            rows.append(
                RecallExcursion(
                    lot=lot.lot,
                    place=e.residence.label,
                    residence_since=e.residence.since,
                    residence_until=e.residence.until,
                    channel=e.channel.key,
                    unit=e.channel.unit,
                    start=from_micros(e.start_us),
                    end=from_micros(e.end_us),
                    still_open=e.open,
                    worst=decimal(e.worst),
                    limit=None if limit is None else decimal(limit),
                    lsl=None if limits.lsl is None else decimal(limits.lsl),
                    usl=None if limits.usl is None else decimal(limits.usl),
                    description=e.describe(),
                    chart=charts[key],
                    gaps=gaps[key],
                )
            )
    return tuple(rows)


_NO_LOT = uuid.UUID(int=0)
