"""Recall drill: trace suspect lots both ways, list stock on site and FSMA 204 events, sign, hold."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import aliased

from traceapp.db import trace as queries
from traceapp.db import trace_walk as walk
from traceapp.db.models import (
    ErrorDeclaration,
    Event,
    EventItem,
    Location,
    Lot,
    LotEdge,
    Party,
    Product,
    Signature,
    User,
)
from traceapp.db.repositories import Repository
from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.dispositions import DecisionOutcome
from traceapp.domain.errors import InvalidInput, NotFound, UnknownCode
from traceapp.domain.ids import new_uuid
from traceapp.domain.lots import USABLE_STATUSES, LotStatus
from traceapp.domain.permissions import UseCase, require
from traceapp.domain.quantity import Quantity
from traceapp.domain.recall import (
    RECORD_TYPE,
    CriticalTrackingEvent,
    CteKind,
    RecallResult,
    RecallTotals,
    StockOnSite,
    Suspect,
    SuspectKind,
    new_recall_id,
)
from traceapp.domain.steps import HandlingStep, ItemRole
from traceapp.domain.timeutil import join_instant, split_instant
from traceapp.domain.trace import Direction, TraceResult
from traceapp.services import conditions, dispositions
from traceapp.services.recording import find_lot, now_utc
from traceapp.services.signatures import Meaning, SignatureRefused, SignatureSummary
from traceapp.services.trace import TraceStart, trace_rows
from traceapp.services.users import LoginFailed, authenticate

CHUNK = 5000  # ids per IN list: well under SQLite's bound-parameter limit


@dataclass(frozen=True, slots=True)
class _LotInfo:
    name: str
    lot_code: str
    gtin: str | None
    product_name: str
    status: str
    unit: str
    on_hand: Decimal
    location: str | None
    supplier: str | None
    supplier_lot_code: str | None
    made_at: str | None  # the station that assigned the lot code, when made here


def supplier_lot_of(uow: UnitOfWork, code: str) -> str | None:
    """The supplier's lot code of a received lot (None for a lot made here, or no such lot)."""
    row = find_lot(Repository(uow.session), code)
    return row.lot.supplier_lot_code if row is not None else None


def may_export(actor: Actor) -> None:
    """Refuse an actor who may not export reports (the FSMA 204 spreadsheet)."""
    require(actor.role, UseCase.EXPORT, username=actor.username)


def run_recall(
    uow: UnitOfWork,
    *,
    actor: Actor,
    reason: str,
    lots: Sequence[str] = (),
    supplier_lot: str | None = None,
    equipment: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> RecallResult:
    """A recall drill from suspect lots, a supplier's lot code, or equipment and a time window:
    the forward and backward traces, the stock still on site, and the FSMA 204 events of every
    affected lot. Reads only; nothing is recorded."""
    started = time.perf_counter()
    require(actor.role, UseCase.READ, username=actor.username)
    why = reason.strip()
    if not why:
        raise InvalidInput("A recall needs a reason.", hint="Say what is suspected and why.")
    reader = walk.TraceReader(uow.session)
    start, suspects = _start(uow, reader, lots, supplier_lot, equipment, since, until)
    with queries.index_walks(uow.session):
        forward = trace_rows(reader, start, Direction.FORWARD, started=started)
        backward = trace_rows(reader, start, Direction.BACKWARD)
    # The drill reads where the stock left is; the spreadsheet's details of every lot come after.
    here = _lot_info(uow, [lot.id for lot in forward.lots if lot.on_hand.value > 0])
    on_site = tuple(
        StockOnSite(i.name, i.product_name, i.status, i.location, Quantity(i.on_hand, i.unit))
        for i in sorted(here.values(), key=lambda i: i.name)
        if i.on_hand > 0
    )
    totals = _totals(forward, len(on_site))
    drill_ms = (time.perf_counter() - started) * 1000
    events = critical_tracking_events(uow, reader, _lot_info(uow, [lot.id for lot in forward.lots]))
    excursions = conditions.recall_excursions(uow.session, [lot.id for lot in forward.lots])
    run_at = now_utc()
    return RecallResult(
        recall_id=new_recall_id(run_at),
        reason=why,
        suspects=suspects,
        run_by=actor.username,
        run_at=run_at,
        drill_ms=round(drill_ms, 1),
        forward=forward,
        backward=backward,
        on_site=on_site,
        totals=totals,
        events=events,
        excursions=excursions,
    )


def _start(
    uow: UnitOfWork,
    reader: walk.TraceReader,
    lots: Sequence[str],
    supplier_lot: str | None,
    equipment: str | None,
    since: datetime | None,
    until: datetime | None,
) -> tuple[TraceStart, tuple[Suspect, ...]]:
    given = sum(1 for x in (bool(lots), supplier_lot is not None, equipment is not None) if x)
    if given != 1:
        raise InvalidInput(
            "Start a recall from lots, a supplier lot code, or equipment with a time window.",
            hint="Give exactly one of them.",
        )
    if lots:
        repo = Repository(uow.session)
        chosen: dict[walk.RawId, Decimal | None] = {}
        names: list[str] = []
        for code in lots:
            row = find_lot(repo, code)
            if row is None:
                raise UnknownCode(code.strip())
            name = f"{row.product.part_number}/{row.lot.lot_code}"
            if reader.raw_id(row.lot.id) not in chosen:
                names.append(name)
            chosen[reader.raw_id(row.lot.id)] = None
        return TraceStart(chosen, ", ".join(names)), tuple(
            Suspect(SuspectKind.LOT, name) for name in names
        )
    if supplier_lot is not None:
        code = supplier_lot.strip()
        found = list(uow.session.scalars(select(Lot.id).where(Lot.supplier_lot_code == code)))
        if not found:
            raise NotFound(
                f"No lot was received with supplier lot code {code!r}.",
                hint="Check the code on the supplier's label or delivery note.",
            )
        return TraceStart(dict.fromkeys(map(reader.raw_id, found)), f"supplier lot {code}"), (
            Suspect(SuspectKind.SUPPLIER_LOT, code),
        )
    assert equipment is not None
    if since is None or until is None:
        raise InvalidInput(
            "A recall from equipment needs a time window.", hint="Give --from and --to."
        )
    for moment in (since, until):
        split_instant(moment)  # refuses a time without an offset, with a clear message
    if until < since:
        raise InvalidInput(
            "The end of the time window is before its start.", hint="Swap --from and --to."
        )
    machine = queries.equipment_by_code(uow.session, equipment.strip())
    if machine is None:
        raise NotFound(
            f"There is no equipment {equipment!r}.", hint="Pick one from the location list."
        )
    found = queries.lots_on_equipment(uow.session, machine.id, since, until)
    if not found:
        raise NotFound(
            f"No lot ran on {machine.code} between {since.isoformat()} and {until.isoformat()}.",
            hint="Check the equipment and the time window.",
        )
    label = f"{machine.code} {since.isoformat()} – {until.isoformat()}"
    return TraceStart(dict.fromkeys(map(reader.raw_id, found)), label), (
        Suspect(SuspectKind.EQUIPMENT, machine.code, since, until),
    )


def _totals(forward: TraceResult, on_site: int) -> RecallTotals:
    shipped: Quantity | None = None
    upper = False
    for shipment in forward.shipments:
        if shipment.quantity is None:
            upper = True
            continue
        upper = upper or shipment.upper_bound
        shipped = shipment.quantity if shipped is None else shipped + shipment.quantity
    return RecallTotals(
        lots=len(forward.lots),
        shipped=shipped,
        shipped_upper_bound=upper,
        customers=len(forward.customers),
        shipments=len(forward.shipments),
        lots_on_site=on_site,
    )


def _chunks(ids: Sequence[uuid.UUID]) -> Iterator[list[uuid.UUID]]:
    for first in range(0, len(ids), CHUNK):
        yield list(ids[first : first + CHUNK])


def _lot_info(uow: UnitOfWork, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, _LotInfo]:
    here = aliased(Location)
    made = aliased(Event)
    made_at = aliased(Location)
    supplier = aliased(Party)
    info: dict[uuid.UUID, _LotInfo] = {}
    for chunk in _chunks(ids):
        rows = uow.session.execute(
            select(
                Lot.id,
                Product.part_number,
                Lot.lot_code,
                Product.gtin,
                Product.name,
                Lot.status,
                Lot.unit,
                Lot.on_hand,
                here.code,
                supplier.name,
                Lot.supplier_lot_code,
                made_at.code,
            )
            .join(Product, Product.id == Lot.product_id)
            .outerjoin(here, here.id == Lot.location_id)
            .outerjoin(supplier, supplier.id == Lot.supplier_id)
            .outerjoin(made, made.id == Lot.created_event_id)
            .outerjoin(made_at, made_at.id == made.station_id)
            .where(Lot.id.in_(chunk))
        )
        for row in rows:
            info[row[0]] = _LotInfo(
                f"{row[1]}/{row[2]}", row[2], row[3], row[4], row[5], row[6],
                row[7], row[8], row[9], row[10], row[11],
            )  # fmt: skip
    return info


def _tlc_source(lot: _LotInfo) -> str | None:
    if lot.supplier is not None:
        return f"{lot.supplier} lot {lot.supplier_lot_code}" if lot.supplier_lot_code else None
    return lot.made_at


def _when(moment: datetime, offset: int) -> datetime:
    return join_instant(moment, offset)


def _live() -> ColumnElement[bool]:
    """Leaves out events declared in error (their corrections are events of their own)."""
    return ~select(ErrorDeclaration.id).where(ErrorDeclaration.event_id == Event.id).exists()


def critical_tracking_events(
    uow: UnitOfWork, reader: walk.TraceReader, info: dict[uuid.UUID, _LotInfo]
) -> tuple[CriticalTrackingEvent, ...]:
    """The receiving, transformation and shipping events of the lots in `info`, with their FSMA
    204 key data elements: set-based queries over all the lots, never one per lot."""
    ids = list(info)
    rows: list[CriticalTrackingEvent] = []
    station = aliased(Location)
    for chunk in _chunks(ids):
        received: Sequence[Any] = uow.session.execute(
            select(
                Event.id,
                Event.event_time,
                Event.event_tz_offset_minutes,
                Event.reference_document,
                EventItem.lot_id,
                EventItem.quantity,
                EventItem.unit,
                station.code,
                station.gln,
                Party.name,
                Party.gln,
            )
            .join(EventItem, EventItem.event_id == Event.id)
            .outerjoin(station, station.id == Event.station_id)
            .outerjoin(Party, Party.id == Event.party_id)
            .where(
                Event.step == HandlingStep.RECEIVE.value,
                EventItem.lot_id.in_(chunk),
                _live(),
            )
        ).all()
        for r in received:
            lot = info[r[4]]
            rows.append(
                CriticalTrackingEvent(
                    CteKind.RECEIVING, str(r[0]), _when(r[1], r[2]), lot.name, lot.gtin,
                    lot.lot_code, lot.product_name, r[5], r[6], r[7], r[8], r[9], r[10],
                    _tlc_source(lot), r[3],
                )
            )  # fmt: skip
        parent = aliased(Lot)
        parent_product = aliased(Product)
        output = aliased(EventItem)
        made: Sequence[Any] = uow.session.execute(
            select(
                Event.id,
                Event.event_time,
                Event.event_tz_offset_minutes,
                Event.reference_document,
                LotEdge.child_lot_id,
                output.quantity,
                output.unit,
                station.code,
                station.gln,
                parent_product.part_number,
                parent.lot_code,
                parent_product.name,
                LotEdge.quantity,
                LotEdge.unit,
                parent.unit,
            )
            .join(LotEdge, LotEdge.event_id == Event.id)
            .join(parent, parent.id == LotEdge.parent_lot_id)
            .join(parent_product, parent_product.id == parent.product_id)
            .outerjoin(
                output,
                and_(
                    output.event_id == Event.id,
                    output.lot_id == LotEdge.child_lot_id,
                    output.role == ItemRole.OUTPUT.value,
                ),
            )
            .outerjoin(station, station.id == Event.station_id)
            .where(
                LotEdge.child_lot_id.in_(chunk),
                LotEdge.voided_by_event_id.is_(None),
                _live(),
            )
        ).all()
        for r in made:
            lot = info[r[4]]
            rows.append(
                CriticalTrackingEvent(
                    CteKind.TRANSFORMATION, str(r[0]), _when(r[1], r[2]), lot.name, lot.gtin,
                    lot.lot_code, lot.product_name, r[5], r[6], r[7], r[8], None, None,
                    r[7], r[3], input_tlc=f"{r[9]}/{r[10]}", input_product=r[11],
                    input_quantity=r[12], input_unit=r[13] or r[14],
                )
            )  # fmt: skip
    rows += _shipping(uow, reader, info)
    rows.sort(key=lambda e: (e.occurred_at, e.cte.value, e.tlc, e.input_tlc or ""))
    return tuple(rows)


def _shipping(
    uow: UnitOfWork, reader: walk.TraceReader, info: dict[uuid.UUID, _LotInfo]
) -> list[CriticalTrackingEvent]:
    """Shipping events, loose or in a container that left while the lot was in it: the same
    container walk the trace uses, so a lot is on the shipments the trace names."""
    raw = [reader.raw_id(lot_id) for lot_id in info]
    stays, _ = reader.held_in_containers(raw)
    lines = [line for line in reader.shipments_of(raw, stays) if not line.repeat]
    if not lines:
        return []
    events = {walk.as_uuid(line.event_id) for line in lines}
    station = aliased(Location)
    where: dict[uuid.UUID, tuple[int, str | None, str | None, str | None]] = {}
    for chunk in _chunks(list(events)):
        for r in uow.session.execute(
            select(Event.id, Event.event_tz_offset_minutes, station.code, station.gln, Party.gln)
            .outerjoin(station, station.id == Event.station_id)
            .outerjoin(Party, Party.id == Event.party_id)
            .where(Event.id.in_(chunk))
        ):
            where[r[0]] = (r[1], r[2], r[3], r[4])
    rows: list[CriticalTrackingEvent] = []
    for line in lines:
        event_id = walk.as_uuid(line.event_id)
        offset, location, gln, customer_gln = where[event_id]
        lot = info[walk.as_uuid(line.lot_id)]
        rows.append(
            CriticalTrackingEvent(
                CteKind.SHIPPING, str(event_id), _when(line.shipped_at, offset), lot.name, lot.gtin, lot.lot_code, lot.product_name, line.quantity,
                lot.unit if line.quantity is not None else None, location, gln,
                line.customer_name, customer_gln, _tlc_source(lot), line.reference_document,
            )
        )  # fmt: skip
    return rows


def sign_off(
    uow: UnitOfWork, *, result: RecallResult, signer: str, password: str
) -> SignatureSummary:
    """The signer answers for the recall report: a signature bound to the result's SHA-256."""
    try:
        person = authenticate(uow, username=signer, password=password)
    except LoginFailed as exc:
        raise SignatureRefused(
            "The signature was not accepted: user name or password is wrong.",
            hint="Type them again. Nothing was signed.",
        ) from exc
    require(person.role, UseCase.EXPORT, username=person.username)
    uow.restart()
    user = uow.session.get_one(User, person.user_id)
    # The lot decision dialogs offer every Meaning, so a recall gets no word of its own there:
    # "approved" on record type "recall" is the sign-off, and the audit entry says so.
    meaning = Meaning.APPROVED
    uow.acting(person, reason=f"signature: recall sign-off {result.recall_id}")
    signature = Signature(
        id=new_uuid(),
        user_id=user.id,
        printed_name=user.full_name,
        signed_at=now_utc(),
        meaning=meaning.value,
        record_type=RECORD_TYPE,
        record_id=result.recall_id,
        record_hash=result.sha256(),
    )
    uow.session.add(signature)
    uow.commit()
    return SignatureSummary(
        id=signature.id,
        printed_name=signature.printed_name,
        username=user.username,
        signed_at=signature.signed_at,
        meaning=meaning,
        record_type=RECORD_TYPE,
        record_id=result.recall_id,
        record_hash=signature.record_hash,
    )


@dataclass(frozen=True, slots=True)
class HoldReport:
    held: tuple[str, ...]
    skipped: tuple[str, ...]  # on site but already on hold, rejected, ...


def hold_affected(uow: UnitOfWork, *, actor: Actor, result: RecallResult) -> HoldReport:
    """Hold every affected lot still on site and usable, each through `dispositions.hold` with
    the recall id as the reason."""
    require(actor.role, UseCase.HOLD, username=actor.username)
    held: list[str] = []
    skipped: list[str] = []
    for stock in result.on_site:
        if LotStatus(stock.status) not in USABLE_STATUSES:
            skipped.append(f"{stock.lot} ({stock.status.replace('_', ' ')})")
            continue
        outcome: DecisionOutcome = dispositions.hold(
            uow, actor=actor, code=stock.lot, reason=result.recall_id
        )
        held.append(outcome.decision.lot)
    return HoldReport(tuple(held), tuple(skipped))
