"""Receive: a supplier's lot arrives and becomes a lot of ours."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from traceapp.db.models import Event, Lot
from traceapp.db.repositories import Repository
from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.errors import AlreadyExists
from traceapp.domain.ids import new_uuid
from traceapp.domain.lots import LotOrigin, LotStatus, clean_code
from traceapp.domain.quantity import Quantity
from traceapp.domain.results import StepResult
from traceapp.domain.steps import HandlingStep, ItemRole
from traceapp.services.recording import (
    insert_item,
    new_event,
    now_utc,
    positive,
    record_once,
    require_location,
    require_party,
    require_product,
)


def receive(
    uow: UnitOfWork,
    *,
    actor: Actor,
    supplier: str,
    supplier_lot_code: str,
    product: str,
    quantity: Quantity,
    lot_code: str | None = None,
    expiry: date | None = None,
    reference_document: str | None = None,
    location: str | None = None,
    event_id: uuid.UUID | None = None,
    event_time: datetime | None = None,
) -> StepResult:
    """Record goods received from a supplier as a new lot (lot code defaults to the supplier's)."""

    def apply() -> Event:
        repo = Repository(uow.session)
        party = require_party(repo, supplier, kind="supplier")
        product_row = require_product(repo, product)
        supplier_code = clean_code(supplier_lot_code)
        own_code = clean_code(lot_code) if lot_code else supplier_code
        amount = positive(
            quantity.to(product_row.unit), what=f"{product_row.part_number}/{own_code}"
        )
        if repo.lot_code_taken(product_row.id, own_code):
            raise AlreadyExists(
                f"Lot {product_row.part_number}/{own_code} already exists.",
                hint="Give this delivery its own lot code.",
            )
        place = require_location(repo, location) if location else None
        event = new_event(
            uow,
            actor=actor,
            step=HandlingStep.RECEIVE,
            event_id=event_id,
            event_time=event_time,
            reference_document=reference_document,
            party_id=party.id,
            flush=False,  # inserted with the lot, below
        )
        best_before = expiry
        if best_before is None and product_row.shelf_life_days:
            best_before = (event_time or now_utc()).date() + timedelta(
                days=product_row.shelf_life_days
            )
        lot = Lot(
            id=new_uuid(),
            product_id=product_row.id,
            lot_code=own_code,
            unit=amount.unit,
            initial_quantity=amount.value,
            on_hand=amount.value,
            status=LotStatus.ACTIVE.value,
            origin=LotOrigin.RECEIVED.value,
            expiry=best_before,
            supplier_id=party.id,
            supplier_lot_code=supplier_code,
            location_id=place.id if place else actor.station_id,
            created_event_id=event.id,
            created_at=now_utc(),
        )
        uow.session.add(lot)
        # The event and the lot in one flush (in that order), then the item that points at
        # the lot in one INSERT (in a flush, items would sort before lots).
        uow.session.flush()
        insert_item(uow, event, ItemRole.OBSERVED, lot=lot, amount=amount)
        return event

    return record_once(uow, actor=actor, event_id=event_id, step=HandlingStep.RECEIVE, apply=apply)
