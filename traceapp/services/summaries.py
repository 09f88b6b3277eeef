"""Turn rows into the frozen domain snapshots that leave the service layer."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal

from traceapp.db.models import Container, Event, Location, Lot, Party, Product, User
from traceapp.db.repositories import Repository
from traceapp.domain.ids import ContainerId, EventId, LotId
from traceapp.domain.lots import LotOrigin, LotStatus
from traceapp.domain.quantity import Quantity
from traceapp.domain.results import (
    ContainerSummary,
    EventItemSummary,
    EventSummary,
    LotSummary,
)
from traceapp.domain.steps import HandlingStep, ItemRole
from traceapp.domain.timeutil import join_instant


def quantity(value: Decimal, unit: str) -> Quantity:
    return Quantity(Decimal(value).normalize() if value else Decimal(0), unit)


def lot_summaries(repo: Repository, rows: Sequence[tuple[Lot, Product]]) -> tuple[LotSummary, ...]:
    suppliers = repo.names_by_id(Party, (lot.supplier_id for lot, _ in rows if lot.supplier_id))
    locations = repo.names_by_id(Location, (lot.location_id for lot, _ in rows if lot.location_id))
    return tuple(lot_summary(lot, product, suppliers, locations) for lot, product in rows)


def lot_summary(
    lot: Lot,
    product: Product,
    suppliers: Mapping[uuid.UUID, str],
    locations: Mapping[uuid.UUID, str],
) -> LotSummary:
    """One lot as the answer shows it; party and place names looked up by the caller, once."""
    return LotSummary(
        id=LotId(lot.id),
        part_number=product.part_number,
        product_name=product.name,
        lot_code=lot.lot_code,
        status=LotStatus(lot.status),
        on_hand=quantity(lot.on_hand, lot.unit),
        initial=quantity(lot.initial_quantity, lot.unit),
        origin=LotOrigin(lot.origin),
        expiry=lot.expiry,
        supplier=suppliers.get(lot.supplier_id) if lot.supplier_id else None,
        supplier_lot_code=lot.supplier_lot_code,
        location=locations.get(lot.location_id) if lot.location_id else None,
    )


def container_summaries(
    repo: Repository, containers: Sequence[Container]
) -> tuple[ContainerSummary, ...]:
    locations = repo.names_by_id(Location, (c.location_id for c in containers if c.location_id))
    result = []
    for container in containers:
        parent = repo.open_parent_of_container(container.id)
        parent_code = (
            repo.container_codes([parent.container_id]).get(parent.container_id) if parent else None
        )
        result.append(
            ContainerSummary(
                id=ContainerId(container.id),
                code=container.code,
                kind=container.kind,
                status=container.status,
                parent_code=parent_code,
                location=locations.get(container.location_id) if container.location_id else None,
            )
        )
    return tuple(result)


def event_summaries(repo: Repository, events: Sequence[Event]) -> tuple[EventSummary, ...]:
    """Events with their items labelled as a person reads them, in a constant number of queries."""
    ids = [event.id for event in events]
    items = repo.event_items(ids)
    lot_rows = repo.lot_rows(item.lot_id for item in items if item.lot_id)
    containers = repo.container_codes(item.container_id for item in items if item.container_id)
    users = repo.names_by_id(User, (event.user_id for event in events))
    places = repo.names_by_id(
        Location,
        [e.station_id for e in events if e.station_id]
        + [e.equipment_id for e in events if e.equipment_id],
    )
    parties = repo.names_by_id(Party, (e.party_id for e in events if e.party_id))
    declarations = repo.declarations(ids)
    by_event: dict[uuid.UUID, list[EventItemSummary]] = {event_id: [] for event_id in ids}
    for item in items:
        if item.lot_id and item.lot_id in lot_rows:
            row = lot_rows[item.lot_id]
            label = f"{row.product.part_number}/{row.lot.lot_code}"
        elif item.container_id:
            label = containers.get(item.container_id, str(item.container_id))
        else:
            label = item.external_ref or "?"
        amount = (
            quantity(item.quantity, item.unit) if item.quantity is not None and item.unit else None
        )
        by_event[item.event_id].append(EventItemSummary(ItemRole(item.role), label, amount))
    summaries = []
    for event in events:
        declaration = declarations.get(event.id)
        summaries.append(
            EventSummary(
                id=EventId(event.id),
                step=HandlingStep(event.step),
                event_type=event.event_type,
                action=event.action,
                biz_step=event.biz_step,
                disposition=event.disposition,
                event_time=join_instant(event.event_time, event.event_tz_offset_minutes),
                station=places.get(event.station_id) if event.station_id else None,
                user=users.get(event.user_id, "?"),
                reason=event.reason,
                reference_document=event.reference_document,
                party=parties.get(event.party_id) if event.party_id else None,
                equipment=places.get(event.equipment_id) if event.equipment_id else None,
                items=tuple(by_event[event.id]),
                corrected_by=EventId(declaration.corrective_event_id)
                if declaration and declaration.corrective_event_id
                else None,
            )
        )
    return tuple(summaries)
