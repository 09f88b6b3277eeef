"""Queries of the EPCIS export and import: events in a window, their rows in batches, sensor stats."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from traceapp.db.models import (
    Container,
    EpcisBizTransaction,
    EpcisCorrectiveEvent,
    EpcisEventDetail,
    EpcisSensorElement,
    EpcisSensorReport,
    EpcisSourceDestination,
    ErrorDeclaration,
    Event,
    EventItem,
    ExternalObject,
    Location,
    Lot,
    Party,
    Product,
    SensorChannel,
    SerialUnit,
)
from traceapp.db.models.sensors import sensor_readings

BATCH = 500  # ids per IN (...) list: far below SQLite's and PostgreSQL's parameter limits


def _batches(ids: Sequence[uuid.UUID]) -> Iterator[Sequence[uuid.UUID]]:
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


def events_in(
    session: Session,
    *,
    since: datetime | None,
    until: datetime | None,
    lot_id: uuid.UUID | None,
) -> list[Event]:
    """Events with since <= time < until (either open), of one lot if given, in time order."""
    query = select(Event)
    if since is not None:
        query = query.where(Event.event_time >= since)
    if until is not None:
        query = query.where(Event.event_time < until)
    if lot_id is not None:
        query = query.where(
            Event.id.in_(select(EventItem.event_id).where(EventItem.lot_id == lot_id))
        )
    return list(session.scalars(query.order_by(Event.event_time, Event.id)))


@dataclass(slots=True)
class EventRows:
    """Everything an export needs about a batch of events, looked up once per table."""

    items: dict[uuid.UUID, list[EventItem]] = field(default_factory=lambda: defaultdict(list))
    lots: dict[uuid.UUID, Lot] = field(default_factory=dict)
    products: dict[uuid.UUID, Product] = field(default_factory=dict)
    units: dict[uuid.UUID, SerialUnit] = field(default_factory=dict)
    containers: dict[uuid.UUID, Container] = field(default_factory=dict)
    locations: dict[uuid.UUID, Location] = field(default_factory=dict)
    parties: dict[uuid.UUID, Party] = field(default_factory=dict)
    declarations: dict[uuid.UUID, ErrorDeclaration] = field(default_factory=dict)
    # Event UUID -> its external eventID, for corrective events named by a declaration.
    external_ids: dict[uuid.UUID, str | None] = field(default_factory=dict)
    details: dict[uuid.UUID, EpcisEventDetail] = field(default_factory=dict)
    transactions: dict[uuid.UUID, list[EpcisBizTransaction]] = field(
        default_factory=lambda: defaultdict(list)
    )
    sources: dict[uuid.UUID, list[EpcisSourceDestination]] = field(
        default_factory=lambda: defaultdict(list)
    )
    sensors: dict[uuid.UUID, list[tuple[EpcisSensorElement, list[EpcisSensorReport]]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    corrective: dict[uuid.UUID, list[str]] = field(default_factory=lambda: defaultdict(list))


def event_rows(session: Session, events: Sequence[Event]) -> EventRows:
    rows = EventRows()
    ids = [event.id for event in events]
    for batch in _batches(ids):
        for item in session.scalars(
            select(EventItem).where(EventItem.event_id.in_(batch)).order_by(EventItem.id)
        ):
            rows.items[item.event_id].append(item)
        for declaration in session.scalars(
            select(ErrorDeclaration).where(ErrorDeclaration.event_id.in_(batch))
        ):
            rows.declarations[declaration.event_id] = declaration
        for detail in session.scalars(
            select(EpcisEventDetail).where(EpcisEventDetail.event_id.in_(batch))
        ):
            rows.details[detail.event_id] = detail
        for transaction in session.scalars(
            select(EpcisBizTransaction)
            .where(EpcisBizTransaction.event_id.in_(batch))
            .order_by(EpcisBizTransaction.event_id, EpcisBizTransaction.position)
        ):
            rows.transactions[transaction.event_id].append(transaction)
        for party in session.scalars(
            select(EpcisSourceDestination)
            .where(EpcisSourceDestination.event_id.in_(batch))
            .order_by(EpcisSourceDestination.event_id, EpcisSourceDestination.position)
        ):
            rows.sources[party.event_id].append(party)
        for ref in session.scalars(
            select(EpcisCorrectiveEvent)
            .where(EpcisCorrectiveEvent.declared_event_id.in_(batch))
            .order_by(EpcisCorrectiveEvent.declared_event_id, EpcisCorrectiveEvent.position)
        ):
            rows.corrective[ref.declared_event_id].append(ref.corrective_event_ref)
        elements = list(
            session.scalars(
                select(EpcisSensorElement)
                .where(EpcisSensorElement.event_id.in_(batch))
                .order_by(EpcisSensorElement.event_id, EpcisSensorElement.position)
            )
        )
        reports: dict[int, list[EpcisSensorReport]] = defaultdict(list)
        element_ids = [element.id for element in elements]
        for start in range(0, len(element_ids), BATCH):
            for report in session.scalars(
                select(EpcisSensorReport)
                .where(EpcisSensorReport.element_id.in_(element_ids[start : start + BATCH]))
                .order_by(EpcisSensorReport.element_id, EpcisSensorReport.position)
            ):
                reports[report.element_id].append(report)
        for element in elements:
            rows.sensors[element.event_id].append((element, reports[element.id]))
    items = [item for batch in rows.items.values() for item in batch]
    _load(session, Lot, {i.lot_id for i in items if i.lot_id}, rows.lots)
    _load(session, SerialUnit, {i.unit_id for i in items if i.unit_id}, rows.units)
    _load(session, Lot, {u.lot_id for u in rows.units.values()} - set(rows.lots), rows.lots)
    _load(session, Product, {lot.product_id for lot in rows.lots.values()}, rows.products)
    _load(session, Container, {i.container_id for i in items if i.container_id}, rows.containers)
    places = {e.station_id for e in events if e.station_id} | {
        e.equipment_id for e in events if e.equipment_id
    }
    _load(session, Location, places, rows.locations)
    # Each station's area or site is the business location: one more level up.
    _load(
        session,
        Location,
        {p.parent_id for p in rows.locations.values() if p.parent_id} - set(rows.locations),
        rows.locations,
    )
    _load(session, Party, {e.party_id for e in events if e.party_id}, rows.parties)
    corrective = [
        d.corrective_event_id for d in rows.declarations.values() if d.corrective_event_id
    ]
    for batch in _batches(corrective):
        for event_id, external in session.execute(
            select(Event.id, Event.external_event_id).where(Event.id.in_(batch))
        ):
            rows.external_ids[event_id] = external
    return rows


_Row = TypeVar("_Row", Lot, Product, SerialUnit, Container, Location, Party)


def _load(
    session: Session,
    model: type[_Row],
    ids: Iterable[uuid.UUID | None],
    into: dict[uuid.UUID, _Row],
) -> None:
    wanted = sorted({i for i in ids if i is not None})
    for batch in _batches(wanted):
        for row in session.scalars(select(model).where(model.id.in_(batch))):
            into[row.id] = row


@dataclass(frozen=True, slots=True)
class ChannelStats:
    """Readings of one channel in a window: how many, lowest, highest, mean."""

    channel: SensorChannel
    count: int
    minimum: float
    maximum: float
    mean: float


def channel_stats(
    session: Session, equipment: Location, start: datetime, end: datetime
) -> list[ChannelStats]:
    """Per channel of the equipment (by location, or by the same code), its readings in [start, end]."""
    channels = list(
        session.scalars(
            select(SensorChannel)
            .where(
                or_(
                    SensorChannel.location_id == equipment.id,
                    SensorChannel.equipment == equipment.code,
                )
            )
            .order_by(SensorChannel.site, SensorChannel.equipment, SensorChannel.name)
        )
    )
    start_us, end_us = _micros(start), _micros(end)
    stats: list[ChannelStats] = []
    t = sensor_readings.c
    for channel in channels:
        count, low, high, mean = session.execute(
            select(func.count(), func.min(t.value), func.max(t.value), func.avg(t.value)).where(
                t.channel_id == channel.id, t.time_us >= start_us, t.time_us <= end_us
            )
        ).one()
        if count:
            stats.append(ChannelStats(channel, int(count), float(low), float(high), float(mean)))
    return stats


def _micros(moment: datetime) -> int:
    return int(moment.timestamp()) * 1_000_000 + moment.microsecond


# --- import look-ups ---------------------------------------------------------------------------


def event_by_external_id(session: Session, external_id: str) -> Event | None:
    return session.scalar(select(Event).where(Event.external_event_id == external_id))


def imported_by_hash(session: Session, content_hash: str) -> Event | None:
    """An imported event without an eventID whose canonical hash is this one."""
    return session.scalar(
        select(Event)
        .join(EpcisEventDetail, EpcisEventDetail.event_id == Event.id)
        .where(EpcisEventDetail.content_hash == content_hash, Event.external_event_id.is_(None))
        .limit(1)
    )


def detail_of(session: Session, event_id: uuid.UUID) -> EpcisEventDetail | None:
    return session.get(EpcisEventDetail, event_id)


def external_object(session: Session, identifier: str) -> ExternalObject | None:
    return session.scalar(select(ExternalObject).where(ExternalObject.identifier == identifier))
