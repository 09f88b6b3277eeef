"""Where lots resided and which sensor channels watched them there: produce steps on equipment,
shipments with a logger bound to them, and the flags a review has written.

Every query takes a batch of lot ids (chunked IN lists) or a time range, never one query per lot.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, Connection, func, or_, select, true
from sqlalchemy.orm import Session

from traceapp.db.models import (
    AuditEntry,
    ErrorDeclaration,
    Event,
    EventItem,
    Location,
    Lot,
    Product,
    SensorChannel,
    Shipment,
    ShipmentItem,
)
from traceapp.db.models.conditions import ConditionFlag, ShipmentLogger
from traceapp.db.models.sensors import sensor_excursions
from traceapp.db.sensors import _channel
from traceapp.db.trace import contents_at
from traceapp.domain.conditions import Residence, ResidenceKind
from traceapp.domain.sensors import Channel, Excursion, ExcursionKind, from_micros, to_micros
from traceapp.domain.steps import HandlingStep, ItemRole

CHUNK = 5000  # ids per IN list: well under SQLite's bound-parameter limit


def _chunks(ids: Sequence[uuid.UUID]) -> Iterator[list[uuid.UUID]]:
    for start in range(0, len(ids), CHUNK):
        yield list(ids[start : start + CHUNK])


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _window(
    began: datetime | None, ended: datetime | None, at: datetime
) -> tuple[datetime, datetime]:
    # A step recorded without start and end stands for the instant it was recorded at.
    since = _aware(began) if began is not None else _aware(at)
    until = _aware(ended) if ended is not None else _aware(at)
    return (since, until) if since <= until else (until, since)


def _live() -> object:
    return ~select(ErrorDeclaration.id).where(ErrorDeclaration.event_id == Event.id).exists()


def monitored_equipment(session: Session) -> list[uuid.UUID]:
    """Locations that have sensor channels (by the channel's location, or its equipment code)."""
    by_code = select(Location.id).where(
        Location.code.in_(select(SensorChannel.equipment).distinct())
    )
    located = select(SensorChannel.location_id).where(SensorChannel.location_id.is_not(None))
    return sorted(set(session.scalars(by_code)) | {i for i in session.scalars(located) if i})


def produce_residences(
    session: Session, lot_ids: Sequence[uuid.UUID], equipment: Sequence[uuid.UUID] | None = None
) -> list[Residence]:
    """Each lot made on equipment: the produce step's equipment, start and end (not corrected).
    `equipment`: only steps on these (the monitored ones); the lots' other steps are not read."""
    found: list[Residence] = []
    if equipment is not None and not equipment:
        return found
    for chunk in _chunks(lot_ids):
        rows = session.execute(
            select(
                EventItem.lot_id,
                Event.id,
                Location.code,
                Event.started_at,
                Event.ended_at,
                Event.event_time,
            )
            .join(Event, Event.id == EventItem.event_id)
            .join(Location, Location.id == Event.equipment_id)
            .where(
                EventItem.lot_id.in_(chunk),
                EventItem.role == ItemRole.OUTPUT.value,
                Event.step == HandlingStep.PRODUCE.value,
                Event.equipment_id.in_(equipment) if equipment is not None else true(),
                _live(),  # type: ignore[arg-type]
            )
        )
        for lot_id, event_id, code, began, ended, at in rows:
            assert lot_id is not None  # selected by it
            since, until = _window(began, ended, at)
            found.append(Residence(lot_id, ResidenceKind.EQUIPMENT, code, since, until, event_id))
    return found


def lots_produced_on(
    session: Session, equipment_id: uuid.UUID, since: datetime, until: datetime
) -> list[uuid.UUID]:
    """Lots that came OUT of a produce step on the equipment overlapping [since, until] (not its
    inputs: a signal there says nothing of a lot made elsewhere; corrected steps left out)."""
    began = func.coalesce(Event.started_at, Event.event_time)
    ended = func.coalesce(Event.ended_at, Event.event_time)
    query = (
        select(EventItem.lot_id)
        .join(Event, Event.id == EventItem.event_id)
        .where(
            Event.equipment_id == equipment_id,
            Event.step == HandlingStep.PRODUCE.value,
            EventItem.role == ItemRole.OUTPUT.value,
            EventItem.lot_id.is_not(None),
            began <= until,
            ended >= since,
            _live(),  # type: ignore[arg-type]
        )
        .distinct()
    )
    return sorted(row for row in session.scalars(query) if row is not None)


def produce_residences_since(session: Session, since: datetime) -> list[Residence]:
    """Residences of lots made on equipment that has channels, by steps recorded at or after `since`."""
    rows = session.execute(
        select(
            EventItem.lot_id,
            Event.id,
            Location.code,
            Event.started_at,
            Event.ended_at,
            Event.event_time,
        )
        .join(Event, Event.id == EventItem.event_id)
        .join(Location, Location.id == Event.equipment_id)
        .where(
            Event.event_time >= since,
            Event.step == HandlingStep.PRODUCE.value,
            EventItem.role == ItemRole.OUTPUT.value,
            EventItem.lot_id.is_not(None),
            or_(
                select(SensorChannel.id).where(SensorChannel.location_id == Location.id).exists(),
                select(SensorChannel.id).where(SensorChannel.equipment == Location.code).exists(),
            ),
            _live(),  # type: ignore[arg-type]
        )
    )
    found: list[Residence] = []
    for lot_id, event_id, code, began, ended, at in rows:
        assert lot_id is not None  # filtered above
        window_since, window_until = _window(began, ended, at)
        found.append(
            Residence(lot_id, ResidenceKind.EQUIPMENT, code, window_since, window_until, event_id)
        )
    return found


# --- moves: a lot resides where it was moved (or received) until moved on, shipped or consumed ----

GONE = frozenset({"shipped", "consumed", "voided"})
MATCH_EVENT_S = 120  # a location change belongs to the lot's step recorded at most this long before


def monitored_places(session: Session) -> dict[uuid.UUID, str]:
    """Location id -> code of every location with sensor channels (cold rooms, zones, equipment)."""
    ids = monitored_equipment(session)
    if not ids:
        return {}
    return dict(
        session.execute(select(Location.id, Location.code).where(Location.id.in_(ids))).all()
    )


def lots_stored_at(
    session: Session, places: Mapping[uuid.UUID, str], *, arrived_since: datetime
) -> set[uuid.UUID]:
    """Lots moved or received since then, and lots standing at one of `places` now unless it is
    equipment (the review's candidates for stays)."""
    if not places:
        return set()
    # Standing at a store now (not at equipment: every lot made there stands "at" it after, and
    # a lot moved onto equipment is found by its move event below, for the review's look-back)
    stores = list(
        session.scalars(
            select(Location.id).where(Location.id.in_(list(places)), Location.kind != "equipment")
        )
    )
    here = session.scalars(
        select(Lot.id).where(Lot.location_id.in_(stores), Lot.status.not_in(GONE))
    )
    found = set(here)
    # Moved or received since then (an event scan like the produce steps', not the audit trail:
    # the recorder runs this every few seconds); where to is read for these lots only.
    moved = session.scalars(
        select(EventItem.lot_id)
        .join(Event, Event.id == EventItem.event_id)
        .where(
            Event.step.in_([HandlingStep.MOVE.value, HandlingStep.RECEIVE.value]),
            Event.event_time >= arrived_since,
            EventItem.lot_id.is_not(None),
        )
    )
    found.update(i for i in moved if i is not None)
    return found


def _sets_location(places: Mapping[uuid.UUID, str]) -> ColumnElement[bool]:
    # The audit trail's values are JSON with sorted keys and ", "/": " separators.
    return or_(*(AuditEntry.new_value.like(f'%"location_id": "{p}"%') for p in places))


def move_residences(
    session: Session,
    lot_ids: Sequence[uuid.UUID],
    places: Mapping[uuid.UUID, str],
    *,
    now: datetime,
) -> list[Residence]:
    """Each stay of these lots at one of `places` (locations with channels): from the step that
    put it there (a move, or the receipt) until its location changed again or it was shipped,
    consumed or voided, else until `now`.

    The destination of a move is in the audit trail (the lot row's location_id change, same
    transaction as the move event); the stay starts at that step's event time.
    """
    if not places:
        return []
    a = AuditEntry
    arrived: set[str] = set()
    for chunk in _chunks(lot_ids):
        arrived.update(
            t
            for t in session.scalars(
                select(a.entity_id).where(
                    a.entity == "lots",
                    a.entity_id.in_([str(i) for i in chunk]),
                    _sets_location(places),
                )
            )
            if t
        )
    if not arrived:
        return []
    ids = sorted(uuid.UUID(t) for t in arrived)
    history: dict[uuid.UUID, list[tuple[datetime, dict[str, object]]]] = {i: [] for i in ids}
    steps: dict[uuid.UUID, list[tuple[datetime, datetime, uuid.UUID | None]]] = {i: [] for i in ids}
    for chunk in _chunks(ids):
        for key, entered, text in session.execute(
            select(a.entity_id, a.recorded_at, a.new_value)
            .where(a.entity == "lots", a.entity_id.in_([str(i) for i in chunk]))
            .order_by(a.seq)
        ):
            if key and text:
                history[uuid.UUID(key)].append((_aware(entered), json.loads(text)))
        for item_lot, step_id, kind, recorded, happened in session.execute(
            select(EventItem.lot_id, Event.id, Event.step, Event.recorded_at, Event.event_time)
            .join(Event, Event.id == EventItem.event_id)
            .where(EventItem.lot_id.in_(chunk), _live())  # type: ignore[arg-type]
        ):
            if item_lot is not None:
                # A lot made on equipment stands "at" it afterwards: its produce residence
                # covers the making, and standing there after is no stay of its own.
                origin = None if kind == HandlingStep.PRODUCE.value else step_id
                steps[item_lot].append((_aware(recorded), _aware(happened), origin))
    found: list[Residence] = []
    for lot_id in ids:
        stay: tuple[str, datetime, uuid.UUID] | None = None
        for entered, change in history[lot_id]:
            ends = "location_id" in change or change.get("status") in GONE
            if stay is not None and ends:
                place, since, origin = stay
                until = max(since, _step_time(steps[lot_id], entered)[0])
                found.append(Residence(lot_id, ResidenceKind.LOCATION, place, since, until, origin))
                stay = None
            target = change.get("location_id")
            if isinstance(target, str) and change.get("status") not in GONE:
                place_code = places.get(uuid.UUID(target))
                began, step = _step_time(steps[lot_id], entered)
                if place_code is not None and step is not None:
                    stay = (place_code, began, step)
        if stay is not None:
            place, since, origin = stay
            found.append(
                Residence(lot_id, ResidenceKind.LOCATION, place, since, max(since, now), origin)
            )
    return found


def _step_time(
    steps: Sequence[tuple[datetime, datetime, uuid.UUID | None]], at: datetime
) -> tuple[datetime, uuid.UUID | None]:
    """The event time of the lot's step whose transaction made the change entered `at` (the
    latest step recorded before it, within MATCH_EVENT_S), else `at` itself; and that step's
    event (None when none matched, or it was a produce step)."""
    best: tuple[datetime, datetime, uuid.UUID | None] | None = None
    for recorded, happened, event_id in steps:
        near = recorded <= at and (at - recorded).total_seconds() <= MATCH_EVENT_S
        if near and (best is None or recorded > best[0]):
            best = (recorded, happened, event_id)
    return (best[1], best[2]) if best is not None else (at, None)


def channels_at(connection: Connection, equipment: Iterable[str]) -> dict[str, list[Channel]]:
    """The channels of each equipment code (by its location, or by the code in the channel key)."""
    codes = sorted(set(equipment))
    if not codes:
        return {}
    located = select(Location.id).where(Location.code.in_(codes))
    rows = connection.execute(
        select(SensorChannel.__table__, Location.code.label("located_code"))
        .outerjoin(Location, Location.id == SensorChannel.location_id)
        .where(or_(SensorChannel.location_id.in_(located), SensorChannel.equipment.in_(codes)))
        .order_by(SensorChannel.equipment, SensorChannel.name)
    )
    found: dict[str, list[Channel]] = {}
    for row in rows:
        code = row.located_code if row.located_code in codes else row.equipment
        found.setdefault(code, []).append(_channel(row))
    return found


# --- cold chain: loggers bound to shipments ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LoggerBinding:
    shipment_id: uuid.UUID
    reference: str  # the shipment's reference document, or its customer and time
    event_id: uuid.UUID
    shipped_at: datetime
    channel: Channel
    start_us: int
    end_us: int


def bind_logger(
    session: Session,
    *,
    shipment_id: uuid.UUID,
    channel_id: int,
    start_us: int,
    end_us: int,
    user_id: uuid.UUID,
    at: datetime,
) -> None:
    """Bind a logger channel to a shipment for a window (once: the same binding again is a no-op)."""
    exists = session.execute(
        select(ShipmentLogger.id).where(
            ShipmentLogger.shipment_id == shipment_id,
            ShipmentLogger.channel_id == channel_id,
            ShipmentLogger.start_us == start_us,
        )
    ).first()
    if exists is None:  # an ORM row, so the audit trail records who bound it
        session.add(
            ShipmentLogger(
                shipment_id=shipment_id,
                channel_id=channel_id,
                start_us=start_us,
                end_us=end_us,
                bound_by=user_id,
                bound_at=at,
            )
        )


def logger_bindings(session: Session, *, ending_after_us: int | None = None) -> list[LoggerBinding]:
    """Every logger bound to a shipment (that had not ended before `ending_after_us`)."""
    query = (
        select(
            ShipmentLogger.shipment_id,
            Shipment.reference_document,
            Shipment.event_id,
            Shipment.shipped_at,
            ShipmentLogger.start_us,
            ShipmentLogger.end_us,
            SensorChannel.__table__,
        )
        .join(Shipment, Shipment.id == ShipmentLogger.shipment_id)
        .join(SensorChannel, SensorChannel.id == ShipmentLogger.channel_id)
        .where(Shipment.voided_by_event_id.is_(None))
        .order_by(Shipment.shipped_at, SensorChannel.name)
    )
    if ending_after_us is not None:
        query = query.where(ShipmentLogger.end_us >= ending_after_us)
    found = []
    for row in session.execute(query):
        reference = row.reference_document or f"shipped {_aware(row.shipped_at):%Y-%m-%d %H:%M}Z"
        found.append(
            LoggerBinding(
                row.shipment_id,
                reference,
                row.event_id,
                _aware(row.shipped_at),
                _channel(row),
                row.start_us,
                row.end_us,
            )
        )
    return found


def shipment_lots(session: Session, shipment_id: uuid.UUID, shipped_at: datetime) -> set[uuid.UUID]:
    """The lots on a shipment: those shipped loose, and those inside its containers when shipped."""
    lots: set[uuid.UUID] = set()
    for lot_id, container_id in session.execute(
        select(ShipmentItem.lot_id, ShipmentItem.container_id).where(
            ShipmentItem.shipment_id == shipment_id
        )
    ):
        if lot_id is not None:
            lots.add(lot_id)
        elif container_id is not None:
            lots.update(row.lot_id for row in contents_at(session, container_id, shipped_at))
    return lots


def shipment_by_reference(session: Session, reference: str) -> tuple[uuid.UUID, datetime] | None:
    """The (not voided) shipment with this reference document, newest first."""
    row = session.execute(
        select(Shipment.id, Shipment.shipped_at)
        .where(Shipment.reference_document == reference, Shipment.voided_by_event_id.is_(None))
        .order_by(Shipment.shipped_at.desc())
    ).first()
    return None if row is None else (row[0], _aware(row[1]))


def transit_residences(
    session: Session, lot_ids: Sequence[uuid.UUID], bindings: Sequence[LoggerBinding]
) -> list[tuple[Residence, LoggerBinding]]:
    """The transit residences of these lots: a shipment they were on, with its logger's window."""
    wanted = set(lot_ids)
    found: list[tuple[Residence, LoggerBinding]] = []
    lots_of: dict[uuid.UUID, set[uuid.UUID]] = {}
    for binding in bindings:
        if binding.shipment_id not in lots_of:
            lots_of[binding.shipment_id] = shipment_lots(
                session, binding.shipment_id, binding.shipped_at
            )
        for lot_id in sorted(lots_of[binding.shipment_id] & wanted):
            found.append(
                (
                    Residence(
                        lot_id,
                        ResidenceKind.TRANSIT,
                        f"shipment {binding.reference}",
                        from_micros(binding.start_us),
                        from_micros(binding.end_us),
                        binding.event_id,
                    ),
                    binding,
                )
            )
    return found


# --- flags -------------------------------------------------------------------------------------


def flagged_pairs(
    session: Session, pairs: Iterable[tuple[uuid.UUID, int]]
) -> set[tuple[uuid.UUID, int]]:
    """Which (lot, excursion) pairs already have a flag."""
    wanted = set(pairs)
    if not wanted:
        return set()
    excursions = sorted({excursion for _, excursion in wanted})
    found: set[tuple[uuid.UUID, int]] = set()
    for start in range(0, len(excursions), CHUNK):
        rows = session.execute(
            select(ConditionFlag.lot_id, ConditionFlag.excursion_id).where(
                ConditionFlag.excursion_id.in_(excursions[start : start + CHUNK])
            )
        )
        found.update((lot, ex) for lot, ex in rows if (lot, ex) in wanted)
    return found


def add_flag(
    session: Session, *, lot_id: uuid.UUID, excursion_id: int, held: bool, at: datetime
) -> None:
    session.add(ConditionFlag(lot_id=lot_id, excursion_id=excursion_id, flagged_at=at, held=held))


def lot_names(session: Session, lot_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, tuple[str, str]]:
    """PART/LOT and status of each lot."""
    ids = sorted(set(lot_ids))
    found: dict[uuid.UUID, tuple[str, str]] = {}
    for chunk in _chunks(ids):
        rows = session.execute(
            select(Lot.id, Product.part_number, Lot.lot_code, Lot.status)
            .join(Product, Product.id == Lot.product_id)
            .where(Lot.id.in_(chunk))
        )
        found.update({lot_id: (f"{part}/{code}", status) for lot_id, part, code, status in rows})
    return found


def micros(moment: datetime) -> int:
    return to_micros(_aware(moment))


def excursions_with_ids(
    connection: Connection, channel_id: int, start_us: int, end_us: int
) -> list[tuple[int, Excursion]]:
    """(row id, excursion) of one channel overlapping [start, end], in order of start."""
    t = sensor_excursions.c
    rows = connection.execute(
        select(t.id, t.kind, t.start_us, t.end_us, t.worst, t.count, t.is_open)
        .where(t.channel_id == channel_id, t.start_us <= end_us, t.end_us >= start_us)
        .order_by(t.start_us, t.kind)
    )
    return [
        (int(i), Excursion(channel_id, ExcursionKind(k), int(s), int(e), float(w), int(n), bool(o)))
        for i, k, s, e, w, n, o in rows
    ]
