"""Trace a lot, container or supplier lot forward to customers and backward to suppliers."""

from __future__ import annotations

import gc
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from operator import itemgetter
from typing import Protocol, cast

from sqlalchemy import select

from traceapp.db import trace as queries
from traceapp.db import trace_walk as walk
from traceapp.db.models import Lot, Shipment, ShipmentItem
from traceapp.db.repositories import Repository
from traceapp.db.trace_walk import RawId, as_uuid
from traceapp.db.uow import UnitOfWork
from traceapp.domain.attribution import Edge, Share, backward_shares, forward_shares
from traceapp.domain.errors import InvalidInput, NotFound, UnknownCode
from traceapp.domain.ids import ContainerId, EventId, LotId, ShipmentId
from traceapp.domain.lots import LotStatus
from traceapp.domain.quantity import SCALE, Quantity
from traceapp.domain.timeutil import split_instant
from traceapp.domain.trace import (
    AffectedParty,
    Direction,
    TracedContainer,
    TracedLot,
    TracedShipment,
    TraceResult,
)
from traceapp.services.recording import find_container, find_lot


@dataclass(frozen=True, slots=True)
class TraceStart:
    """Where a trace begins: lots, and how much of each is under suspicion (its own unit).
    Ids as the row source spells them (`RawId`)."""

    lots: dict[RawId, Decimal | None]  # None: the whole lot
    label: str
    container_id: RawId | None = None


class TraceRows(Protocol):
    """Where a trace reads its rows. The service reads the database (`TraceReader`); the trace
    benchmark runs the very same assembly over rows held in memory and over a per-node walk, so
    the three timings differ only in how the rows are fetched."""

    def lot_rows(self, ids: Sequence[RawId]) -> list[walk.LotRow]: ...

    def genealogy(
        self, start: Sequence[RawId], *, forward: bool
    ) -> tuple[list[Edge[RawId]], list[walk.LotRow]]: ...

    def held_in_containers(
        self, lot_ids: Sequence[RawId]
    ) -> tuple[list[walk.Stay], list[walk.ContainerRow]]: ...

    def shipments_of(
        self, lot_ids: Sequence[RawId], stays: Sequence[walk.Stay]
    ) -> list[walk.ShipmentLine]: ...

    def containers(self, ids: Sequence[RawId]) -> list[walk.ContainerRow]: ...


def trace(
    uow: UnitOfWork,
    *,
    code: str,
    direction: Direction = Direction.BOTH,
    since: datetime | None = None,
    until: datetime | None = None,
) -> TraceResult:
    """Everything downstream and/or upstream of what `code` names, with attributed quantities.

    `code` is a lot (PART/LOT, bare code, GS1 label), a container (SSCC or code) or a supplier's
    lot code. `since`/`until` narrow the shipments reported to that window.
    """
    started = time.perf_counter()
    window = _window(since, until)
    with queries.index_walks(uow.session):
        reader = walk.TraceReader(uow.session)
        start = _resolve(uow, reader, code)
        return trace_rows(reader, start, direction, window, started=started)


def trace_equipment(
    uow: UnitOfWork,
    *,
    equipment: str,
    since: datetime,
    until: datetime,
    direction: Direction = Direction.FORWARD,
) -> TraceResult:
    """Every lot processed on a piece of equipment in a time window, and where it went."""
    started = time.perf_counter()
    _window(since, until)  # refuses times without an offset, or an end before the start
    machine = queries.equipment_by_code(uow.session, equipment.strip())
    if machine is None:
        raise NotFound(
            f"There is no equipment {equipment!r}.", hint="Pick one from the location list."
        )
    lot_ids = queries.lots_on_equipment(uow.session, machine.id, since, until)
    reader = walk.TraceReader(uow.session)
    start = TraceStart(
        dict.fromkeys(map(reader.raw_id, lot_ids)),
        f"{machine.code} {since.isoformat()} – {until.isoformat()}",
    )
    # The window chose the lots; their shipments count whenever they happened.
    with queries.index_walks(uow.session):
        return trace_rows(reader, start, direction, (None, None), started=started)


def _window(
    since: datetime | None, until: datetime | None
) -> tuple[datetime | None, datetime | None]:
    for moment in (since, until):
        if moment is not None:
            split_instant(moment)  # refuses times without an offset, with a clear message
    if since is not None and until is not None and until < since:
        raise InvalidInput(
            "The end of the time window is before its start.", hint="Swap --from and --to."
        )
    return since, until


def _resolve(uow: UnitOfWork, reader: walk.TraceReader, code: str) -> TraceStart:
    repo = Repository(uow.session)
    row = find_lot(repo, code)
    if row is not None:
        return TraceStart(
            {reader.raw_id(row.lot.id): None}, f"{row.product.part_number}/{row.lot.lot_code}"
        )
    container = find_container(repo, code)
    if container is not None:
        shipped_at = _shipped_at(uow, container.id)
        contents = queries.contents_at(uow.session, container.id, shipped_at)
        lots: dict[RawId, Decimal | None] = {}
        for held in contents:
            lot_id = reader.raw_id(held.lot_id)
            lots[lot_id] = (lots.get(lot_id) or Decimal(0)) + (held.quantity or Decimal(0))
        return TraceStart(lots, container.code, reader.raw_id(container.id))
    supplier_lots = list(
        uow.session.scalars(select(Lot.id).where(Lot.supplier_lot_code == code.strip()))
    )
    if supplier_lots:
        return TraceStart(
            dict.fromkeys(map(reader.raw_id, supplier_lots)), f"supplier lot {code.strip()}"
        )
    raise UnknownCode(code.strip())


def _shipped_at(uow: UnitOfWork, container_id: uuid.UUID) -> datetime | None:
    """When the container left, so its contents are read as they were then (None: not shipped)."""
    return uow.session.scalar(
        select(Shipment.shipped_at)
        .join(ShipmentItem, ShipmentItem.shipment_id == Shipment.id)
        .where(ShipmentItem.container_id == container_id, Shipment.voided_by_event_id.is_(None))
        .order_by(Shipment.shipped_at)
        .limit(1)
    )


def trace_rows(
    source: TraceRows,
    start: TraceStart,
    direction: Direction,
    window: tuple[datetime | None, datetime | None] = (None, None),
    *,
    started: float | None = None,
) -> TraceResult:
    """The trace of resolved start lots over rows from `source`; `started` (a perf_counter
    reading) is when the request came in, for `elapsed_ms`."""
    if started is None:
        started = time.perf_counter()
    with _collector_paused():
        return _assemble(source, start, direction, window, started)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No garbage collection while a trace builds its rows. A large trace makes hundreds of
    thousands of objects that all stay alive until it returns: the collector's full passes over
    them free nothing and took longer than the rest of the trace. It runs again afterwards."""
    if not gc.isenabled():
        yield  # someone else paused it (another trace in another thread): leave it to them
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _assemble(
    source: TraceRows,
    start: TraceStart,
    direction: Direction,
    window: tuple[datetime | None, datetime | None],
    started: float,
) -> TraceResult:
    start_ids = list(start.lots)
    start_rows = {row.id: row for row in source.lot_rows(start_ids)}
    forward_lots: list[TracedLot] = []
    backward_lots: list[TracedLot] = []
    shipments: tuple[TracedShipment, ...] = ()
    containers: tuple[TracedContainer, ...] = ()
    customers: tuple[AffectedParty, ...] = ()
    suppliers: tuple[AffectedParty, ...] = ()
    unit = _suspect_unit(start_rows.values())
    on_hand = _Amounts()
    if direction in (Direction.FORWARD, Direction.BOTH) and start_ids:
        edges, rows = source.genealogy(start_ids, forward=True)
        amounts = _start_amounts(start, start_rows, unit)
        by_id = {row.id: row for row in rows}
        depth: dict[RawId, int] = {}
        shares = (
            forward_shares(amounts, edges, {r.id: r.initial for r in rows}, depths=depth)
            if amounts
            else {}
        )
        names = _names(rows)
        ordered = [by_id[i] for i in _ordered(by_id, depth)]
        forward_lots = _traced_forward(ordered, names, depth, shares, unit, on_hand)
        held, reached = source.held_in_containers(list(by_id))
        shipped = [
            s for s in source.shipments_of(list(by_id), held) if _in_window(s.shipped_at, window)
        ]
        if start.container_id is not None and all(c.id != start.container_id for c in reached):
            reached = reached + source.containers([start.container_id])
        infos = sorted(reached, key=_BY_CODE)
        new_container = TracedContainer
        container_id = _container_id
        containers = tuple([new_container(container_id(c[0]), c[1], c[2], c[3]) for c in infos])
        shipments = _shipments(
            shipped, names, _Fractions(shares, by_id), unit, {c.id: c.code for c in infos}
        )
        customers = _customers(shipped, shipments)
    if direction in (Direction.BACKWARD, Direction.BOTH) and start_ids:
        edges, rows = source.genealogy(start_ids, forward=False)
        by_id = {row.id: row for row in rows}
        fractions_in = {
            lot_id: (
                amount / start_rows[lot_id].initial
                if amount is not None and start_rows[lot_id].initial
                else Decimal(1)
            )
            for lot_id, amount in start.lots.items()
            if lot_id in start_rows
        }
        depth = {}
        shares = backward_shares(fractions_in, edges, {r.id: r.initial for r in rows}, depths=depth)
        names = _names(rows)
        backward_lots = [
            _traced_backward(by_id[i], names[i], depth.get(i, 0), shares.get(i), on_hand)
            for i in _ordered(by_id, depth)
        ]
        suppliers = _suppliers(rows)
    lots = _merge(forward_lots, backward_lots)
    return TraceResult(
        origin=start.label,
        direction=direction,
        start=tuple(sorted(f"{r.part_number}/{r.lot_code}" for r in start_rows.values())),
        unit=unit,
        lots=lots,
        containers=containers,
        shipments=shipments,
        customers=customers,
        suppliers=suppliers,
        elapsed_ms=round((time.perf_counter() - started) * 1000, 2),
    )


def _suspect_unit(rows: Iterable[walk.LotRow]) -> str | None:
    units = {row.unit for row in rows}
    if not units:
        return None
    first = sorted(units)[0]
    return first if all(Quantity(Decimal(1), u).convertible_to(first) for u in units) else None


def _start_amounts(
    start: TraceStart, rows: Mapping[RawId, walk.LotRow], unit: str | None
) -> dict[RawId, Decimal]:
    """The suspect amount of each start lot, in the trace's unit (whole lots unless a container
    narrowed it to what it held)."""
    if unit is None:
        return {lot_id: Decimal(0) for lot_id in rows}
    amounts = {}
    for lot_id, row in rows.items():
        own = start.lots.get(lot_id)
        amount = row.initial if own is None else own
        amounts[lot_id] = Quantity(amount, row.unit).to(unit).value
    return amounts


def _names(rows: Iterable[walk.LotRow]) -> dict[RawId, str]:
    return {row.id: f"{row.part_number}/{row.lot_code}" for row in rows}


def _ordered(by_id: Mapping[RawId, walk.LotRow], depth: Mapping[RawId, int]) -> list[RawId]:
    """Nearest first, then by PART/LOT."""
    at = depth.get
    keyed = sorted([(at(i, 0), row[1], row[4], i) for i, row in by_id.items()])
    return [item[3] for item in keyed]


_BY_CODE = itemgetter(1)  # a ContainerRow's code


_STATUSES = {status.value: status for status in LotStatus}
# `as_uuid` typed as each kind of id: calling the NewType itself costs a Python call per id, and
# a large trace hands out some 25,000 of them.
_lot_id = cast(Callable[[RawId], LotId], as_uuid)
_container_id = cast(Callable[[RawId], ContainerId], as_uuid)
_shipment_id = cast(Callable[[RawId], ShipmentId], as_uuid)
_event_id = cast(Callable[[RawId], EventId], as_uuid)


class _Amounts(dict[tuple[Decimal, str], Quantity]):
    """On-hand quantities of one trace, made once per value: thousands of lots hold the same
    few (0 kg when used up), and Quantity is immutable, so they can be shared."""

    def __missing__(self, key: tuple[Decimal, str]) -> Quantity:
        value = self[key] = Quantity(key[0].normalize(), key[1])
        return value


def _traced_forward(
    ordered: Iterable[walk.LotRow],
    names: Mapping[RawId, str],
    depth: Mapping[RawId, int],
    shares: Mapping[RawId, Share],
    unit: str | None,
    on_hand: _Amounts,
) -> list[TracedLot]:
    """The lots a forward trace reached, in `ordered`'s order, with what of the suspect
    material each holds (in `unit`)."""
    # One loop with every name it needs at hand: some 10,000 lots, each with a UUID, two
    # quantities and a frozen dataclass; a call per lot would add a tenth to that.
    lot_id, statuses, new_lot, new_quantity = _lot_id, _STATUSES, TracedLot, Quantity
    scale, at, share_of = SCALE, depth.get, shares.get
    result = []
    for row in ordered:
        raw = row[0]
        share = share_of(raw)
        if share is None or unit is None:
            quantity, bounded = None, share.upper_bound if share is not None else unit is None
        else:
            quantity = new_quantity(share[0].quantize(scale).normalize(), unit)
            bounded = share[1]
        # Positional, in TracedLot's order: id, name, product_name, product_kind, status,
        # depth, on_hand, quantity, upper_bound, supplier, supplier_lot_code.
        result.append(
            new_lot(
                lot_id(raw), names[raw], row[2], row[3], statuses[row[5]], at(raw, 0),
                on_hand[row[8], row[6]], quantity, bounded, row[9], row[11],
            )
        )  # fmt: skip
    return result


def _traced_backward(
    row: walk.LotRow, name: str, depth: int, share: Share | None, on_hand: _Amounts
) -> TracedLot:
    amount = share.amount * row.initial if share is not None else None
    return TracedLot(
        id=_lot_id(row.id),
        name=name,
        product_name=row.product_name,
        product_kind=row.kind,
        status=_STATUSES[row.status],
        depth=-depth,
        on_hand=on_hand[row.on_hand, row.unit],
        quantity=_amount(amount, row.unit) if amount is not None else None,
        upper_bound=share.upper_bound if share is not None else True,
        supplier=row.supplier_code,
        supplier_lot_code=row.supplier_lot_code,
    )


def _amount(value: Decimal, unit: str) -> Quantity:
    return Quantity(value.quantize(SCALE).normalize(), unit)


def _merge(forward: list[TracedLot], backward: list[TracedLot]) -> tuple[TracedLot, ...]:
    """Upstream lots first (most distant first), the start, then downstream; start lots once."""
    seen = {lot.id for lot in forward}
    upstream = sorted((lot for lot in backward if lot.id not in seen), key=lambda lot: lot.depth)
    return (
        tuple(upstream + forward) if forward else tuple(sorted(backward, key=lambda lot: lot.depth))
    )


class _Fractions(dict[RawId, tuple[Decimal | None, bool]]):
    """Per lot: how much of the suspect material one unit of it holds (None: not known), and
    whether that is an upper bound. Worked out for the lots that shipped only, when asked."""

    def __init__(self, shares: Mapping[RawId, Share], lots: Mapping[RawId, walk.LotRow]) -> None:
        super().__init__()
        self._shares = shares
        self._lots = lots

    def __missing__(self, lot_id: RawId) -> tuple[Decimal | None, bool]:
        share = self._shares.get(lot_id)
        if share is None:
            value: tuple[Decimal | None, bool] = (None, True)
        else:
            initial = self._lots[lot_id].initial
            value = (share.amount / initial if initial else None, share.upper_bound)
        self[lot_id] = value
        return value


def _in_window(moment: datetime, window: tuple[datetime | None, datetime | None]) -> bool:
    since, until = window
    return (since is None or moment >= since) and (until is None or moment <= until)


def _shipments(
    shipped: Sequence[walk.ShipmentLine],
    names: Mapping[RawId, str],
    fractions: _Fractions,
    unit: str | None,
    container_codes: Mapping[RawId, str],
) -> tuple[TracedShipment, ...]:
    grouped: dict[RawId, list[walk.ShipmentLine]] = {}
    for row in shipped:
        theirs = grouped.get(row[0])
        if theirs is None:
            grouped[row[0]] = [row]
        else:
            theirs.append(row)
    result = []
    zero = Decimal(0)
    for shipment_id, rows in grouped.items():
        first = rows[0]
        total = zero
        bounded = unit is None
        boxes: set[RawId | None] = set()
        lots: set[RawId] = set()
        for row in rows:
            # container_id, lot_id, quantity, repeat: indexes, not names, over some 14,000 lines
            container, lot, quantity, repeat = row[9:]
            boxes.add(container)
            lots.add(lot)
            if repeat:
                continue  # counted through another container on this shipment
            fraction, upper = fractions[lot]
            if fraction is None or quantity is None:
                bounded = True
                continue
            # Shipped quantity (lot's unit) x suspect amount per unit of that lot = suspect amount.
            total += quantity * fraction
            bounded = bounded or upper
        result.append(
            TracedShipment(
                id=_shipment_id(shipment_id),
                event_id=_event_id(first.event_id),
                shipped_at=first.shipped_at,
                customer=first.customer_code,
                customer_name=first.customer_name,
                reference_document=first.reference_document,
                containers=tuple(sorted({container_codes[c] for c in boxes if c})),
                lots=tuple(sorted({names[lot_id] for lot_id in lots})),
                quantity=_amount(total, unit) if unit is not None else None,
                upper_bound=bounded,
            )
        )
    return tuple(sorted(result, key=lambda s: (s.shipped_at, s.customer)))


def _customers(
    shipped: Sequence[walk.ShipmentLine], shipments: Sequence[TracedShipment]
) -> tuple[AffectedParty, ...]:
    contacts = {row[4]: row for row in shipped}  # by customer_code
    by_customer: dict[str, list[TracedShipment]] = {}
    for shipment in shipments:
        by_customer.setdefault(shipment.customer, []).append(shipment)
    result = []
    for code, theirs in sorted(by_customer.items()):
        contact = contacts[code]
        quantities = [s.quantity for s in theirs if s.quantity is not None]
        total = sum((q.value for q in quantities), Decimal(0))
        unit = quantities[0].unit if quantities else None
        result.append(
            AffectedParty(
                code=code,
                name=contact.customer_name,
                contact_name=contact.contact_name,
                contact_email=contact.contact_email,
                contact_phone=contact.contact_phone,
                lots=tuple(sorted({lot for s in theirs for lot in s.lots})),
                quantity=_amount(total, unit) if unit else None,
                upper_bound=any(s.upper_bound for s in theirs),
                shipments=len(theirs),
                first_shipped=min(s.shipped_at for s in theirs),
                last_shipped=max(s.shipped_at for s in theirs),
            )
        )
    return tuple(result)


def _suppliers(rows: Sequence[walk.LotRow]) -> tuple[AffectedParty, ...]:
    by_supplier: dict[str, list[walk.LotRow]] = {}
    for row in rows:
        if row.supplier_code:
            by_supplier.setdefault(row.supplier_code, []).append(row)
    return tuple(
        AffectedParty(
            code=code,
            name=theirs[0].supplier_name or code,
            contact_name=None,
            contact_email=None,
            contact_phone=None,
            lots=tuple(
                sorted(f"{r.part_number}/{r.lot_code} ({r.supplier_lot_code})" for r in theirs)
            ),
        )
        for code, theirs in sorted(by_supplier.items())
    )
