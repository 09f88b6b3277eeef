"""What the steps on a piece of equipment made and took in a time window: where an equipment
trace or recall starts."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from traceapp.db.models import ErrorDeclaration, Event, EventItem, Lot, Product
from traceapp.domain.errors import KnownError
from traceapp.domain.lots import LotStatus
from traceapp.domain.quantity import Quantity
from traceapp.domain.steps import ItemRole
from traceapp.domain.trace import ProcessedLot


def ran_on(
    session: Session, equipment_id: uuid.UUID, since: datetime, until: datetime
) -> tuple[dict[uuid.UUID, Decimal | None], tuple[ProcessedLot, ...]]:
    """What the steps on the equipment whose run overlaps [since, until] made and took: the
    trace's start (each lot made there with the amount those steps made of it, in its unit;
    None when a step gave no quantity: the whole lot) and the lots as the report lists them.

    A lot made there is suspect for what those steps made, not in full: a lot topped up by a
    step outside the window holds only that step's share of suspect material. A lot that went
    in is not a start: only the part consumed there is suspect, and it is inside the lots made;
    a trace from the whole input lot would also reach the batches it fed elsewhere or at other
    times. A step that ran partly in the window counts whole: a batch is one mix, no part of it
    can be said to have run outside the window. Steps declared in error did not occur."""
    began, ended = Event.started_at, Event.ended_at
    overlaps = or_(
        and_(began.is_not(None), ended.is_not(None), began <= until, ended >= since),
        and_(
            or_(began.is_(None), ended.is_(None)),
            Event.event_time >= since,
            Event.event_time <= until,
        ),
    )
    undone = select(ErrorDeclaration.event_id)
    rows = session.execute(
        select(
            EventItem.lot_id,
            EventItem.role,
            EventItem.quantity,
            EventItem.unit,
            Lot.unit,
            Lot.status,
            Product.part_number,
            Lot.lot_code,
        )
        .join(Event, Event.id == EventItem.event_id)
        .join(Lot, Lot.id == EventItem.lot_id)
        .join(Product, Product.id == Lot.product_id)
        .where(Event.equipment_id == equipment_id, overlaps, Event.id.not_in(undone))
    ).all()
    made: dict[uuid.UUID, Decimal | None] = {}
    took: dict[uuid.UUID, Decimal | None] = {}
    names: dict[uuid.UUID, tuple[str, str]] = {}
    for lot_id, role, quantity, item_unit, unit, status, part, code in rows:
        if lot_id is None or status == LotStatus.VOIDED.value:
            continue
        names[lot_id] = (f"{part}/{code}", unit)
        into = took if role == ItemRole.INPUT.value else made
        amount = _in_unit(quantity, item_unit, unit)
        if lot_id not in into:
            into[lot_id] = amount
        else:
            before = into[lot_id]
            into[lot_id] = None if before is None or amount is None else before + amount
    processed = [
        ProcessedLot(
            names[lot][0],
            lot in made,
            None if amount is None else Quantity(amount, names[lot][1]),
        )
        for group in (made, took)
        for lot, amount in group.items()
        if group is made or lot not in made
    ]
    processed.sort(key=lambda p: (not p.made, p.lot))
    return made, tuple(processed)


def _in_unit(quantity: Decimal | None, unit: str | None, lot_unit: str) -> Decimal | None:
    """An item's quantity in its lot's unit; None when it has none or cannot be converted."""
    if quantity is None:
        return None
    try:
        return Quantity(quantity, unit or lot_unit).to(lot_unit).value
    except KnownError:
        return None
