"""Ship: containers or loose lot quantities leave the plant for a customer."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from traceapp.db.models import Container, Event, Shipment, ShipmentItem
from traceapp.db.repositories import LotRow, Repository
from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.errors import ContainerNotUsable, InvalidInput
from traceapp.domain.ids import new_uuid
from traceapp.domain.lots import LotStatus, ensure_available, ensure_usable
from traceapp.domain.quantity import Quantity
from traceapp.domain.results import StepResult
from traceapp.domain.steps import HandlingStep, ItemRole
from traceapp.services.packing import PackItem
from traceapp.services.recording import (
    add_item,
    find_container,
    lot_name,
    new_event,
    positive,
    record_once,
    require_lot,
    require_party,
)


def ship(
    uow: UnitOfWork,
    *,
    actor: Actor,
    customer: str,
    items: Sequence[PackItem],
    reference_document: str | None = None,
    event_id: uuid.UUID | None = None,
    event_time: datetime | None = None,
) -> StepResult:
    """Ship whole containers (with everything inside) or loose lot quantities to a customer."""
    if not items:
        raise InvalidInput(
            "Scan at least one pallet, case or lot to ship.",
            hint="Scan what leaves, then confirm.",
        )

    def apply() -> Event:
        repo = Repository(uow.session)
        party = require_party(repo, customer, kind="customer")
        containers: list[Container] = []
        shipped_containers: list[Container] = []
        loose: list[tuple[LotRow, Quantity]] = []
        # Per lot: how much leaves, packed (already counted as packed) and loose.
        leaving: dict[uuid.UUID, tuple[LotRow, Decimal, Decimal]] = {}
        for item in items:
            container = find_container(repo, item.code, lock=True)
            if container is not None:
                if item.quantity is not None:
                    raise InvalidInput(
                        f"Container {container.code} ships whole; give no quantity for it.",
                        hint="Clear its quantity, or unpack what stays first.",
                    )
                containers.append(container)
                for inner, lot_amounts in _walk(repo, container):
                    shipped_containers.append(inner)
                    for lot_id, packed_amount in lot_amounts:
                        row, packed, free = leaving.get(lot_id) or (
                            repo.lot_row(lot_id, lock=True),
                            Decimal(0),
                            Decimal(0),
                        )
                        leaving[lot_id] = (row, packed + packed_amount, free)
                continue
            row = require_lot(repo, item.code, lock=True)
            name = lot_name(row)
            free_now = Quantity(row.lot.on_hand - repo.open_packed_total(row.lot.id), row.lot.unit)
            amount = (
                positive(item.quantity.to(row.lot.unit), what=name) if item.quantity else free_now
            )
            loose.append((row, amount))
            _, packed, free = leaving.get(row.lot.id) or (row, Decimal(0), Decimal(0))
            leaving[row.lot.id] = (row, packed, free + amount.value)
        for row, _packed, free in leaving.values():
            name = lot_name(row)
            ensure_usable(name, LotStatus(row.lot.status), step="ship")
            if free:
                available = Quantity(
                    row.lot.on_hand - repo.open_packed_total(row.lot.id), row.lot.unit
                )
                ensure_available(name, available, Quantity(free, row.lot.unit))
        if len({c.id for c in shipped_containers}) != len(shipped_containers):
            raise InvalidInput(
                "A container is scanned twice, or together with the pallet it sits on.",
                hint="Keep only the pallet, or delete the second line.",
            )
        event = new_event(
            uow,
            actor=actor,
            step=HandlingStep.SHIP,
            event_id=event_id,
            event_time=event_time,
            reference_document=reference_document,
            party_id=party.id,
        )
        shipment = Shipment(
            id=new_uuid(),
            event_id=event.id,
            customer_id=party.id,
            shipped_at=event.event_time,
            reference_document=event.reference_document,
        )
        uow.session.add(shipment)
        uow.session.flush()
        for container in containers:
            add_item(uow, event, ItemRole.OBSERVED, container=container)
            uow.session.add(
                ShipmentItem(id=new_uuid(), shipment_id=shipment.id, container_id=container.id)
            )
        for row, amount in loose:
            add_item(uow, event, ItemRole.OBSERVED, lot=row.lot, amount=amount)
            uow.session.add(
                ShipmentItem(
                    id=new_uuid(),
                    shipment_id=shipment.id,
                    lot_id=row.lot.id,
                    quantity=amount.value,
                    unit=amount.unit,
                )
            )
        for inner in shipped_containers:
            inner.status = "shipped"
        for row, packed, free in leaving.values():
            row.lot.on_hand = row.lot.on_hand - packed - free
            if row.lot.on_hand <= 0:
                row.lot.on_hand = Decimal(0)
                row.lot.status = LotStatus.SHIPPED.value
        return event

    return record_once(uow, actor=actor, event_id=event_id, step=HandlingStep.SHIP, apply=apply)


def _walk(
    repo: Repository, top: Container
) -> list[tuple[Container, list[tuple[uuid.UUID, Decimal]]]]:
    """The container tree under `top`: each container with the lot quantities directly in it."""
    if top.status == "shipped":
        raise ContainerNotUsable(
            f"Container {top.code} has already been shipped.",
            hint="Check the label, or scan another container.",
        )
    parent = repo.open_parent_of_container(top.id)
    if parent is not None:
        where = repo.container_codes([parent.container_id]).get(parent.container_id, "?")
        raise ContainerNotUsable(
            f"Container {top.code} sits in {where}.",
            hint=f"Ship {where} whole, or unpack {top.code} from it first.",
        )
    result: list[tuple[Container, list[tuple[uuid.UUID, Decimal]]]] = []
    pending = [top]
    visited: set[uuid.UUID] = set()
    while pending:
        current = pending.pop()
        if current.id in visited:
            continue
        visited.add(current.id)
        lots: list[tuple[uuid.UUID, Decimal]] = []
        for content in repo.open_contents(current.id):
            if content.lot_id is not None and content.quantity is not None:
                lots.append((content.lot_id, content.quantity))
            elif content.child_container_id is not None:
                pending.append(repo.session.get_one(Container, content.child_container_id))
        result.append((current, lots))
    if all(not lots for _, lots in result) and len(result) == 1:
        raise ContainerNotUsable(
            f"Container {top.code} is empty.", hint="Pack something into it, or ship another one."
        )
    return result
