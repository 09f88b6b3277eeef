"""Trace a lot, container or supplier lot forward to customers and backward to suppliers."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from itertools import repeat
from operator import itemgetter
from typing import TYPE_CHECKING, Protocol, cast

from traceapp.db import trace as queries
from traceapp.db import trace_walk as walk
from traceapp.db.trace_columns import ShipmentHead, Whereabouts
from traceapp.db.trace_snapshot import trace_reader
from traceapp.db.trace_start import StartLookups, StartLot
from traceapp.db.trace_walk import RawId, as_uuid
from traceapp.db.uow import UnitOfWork
from traceapp.domain.attribution import Propagation, propagate
from traceapp.domain.collector import collector_paused
from traceapp.domain.errors import InvalidInput, NotFound, UnknownCode
from traceapp.domain.ids import ContainerId, EventId, LotId, ShipmentId
from traceapp.domain.lots import LotStatus
from traceapp.domain.quantity import Quantity
from traceapp.domain.timeutil import split_instant
from traceapp.domain.trace import (
    AffectedParty,
    Direction,
    Rows,
    TracedContainer,
    TracedLot,
    TracedShipment,
    TraceResult,
)
from traceapp.services.equipment_runs import ran_on
from traceapp.services.recording import now_utc
from traceapp.services.scans import lot_or_container_named, read_scan

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt


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

    def closure(self, start: Sequence[RawId], *, forward: bool) -> walk.Closure: ...

    def whereabouts(self, lot_ids: Sequence[RawId]) -> Whereabouts: ...

    # A hint that `whereabouts` of the forward closure of `start` comes next: a source that
    # can read it meanwhile (`trace_snapshot.SnapshotReader`) starts now.
    def prefetch_whereabouts(self, start: Sequence[RawId]) -> None: ...

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
        own = walk.TraceReader(uow.session)
        start = _resolve(own, code)
        forward = direction != Direction.BACKWARD
        with trace_reader(uow.session, forward=forward, own=own) as reader:
            return trace_rows(reader, start, direction, window, started=started)


def trace_equipment(
    uow: UnitOfWork,
    *,
    equipment: str,
    since: datetime,
    until: datetime,
    direction: Direction = Direction.FORWARD,
) -> TraceResult:
    """Every lot processed on a piece of equipment in a time window, and where what was made
    there went (see `equipment_runs.ran_on` for what counts)."""
    started = time.perf_counter()
    _window(since, until)  # refuses times without an offset, or an end before the start
    machine = queries.equipment_by_code(uow.session, equipment.strip())
    if machine is None:
        raise NotFound(
            f"There is no equipment {equipment!r}.", hint="Pick one from the location list."
        )
    made, processed = ran_on(uow.session, machine.id, since, until)
    reader = walk.TraceReader(uow.session)
    # The trace starts from what the steps there made, with the amount they made; the lots
    # that went in are listed (`processed`), not traced from: only the part consumed there is
    # suspect, and it is inside the lots made.
    start = TraceStart(
        {reader.raw_id(lot): amount for lot, amount in made.items()},
        f"{machine.code} {since.isoformat()} – {until.isoformat()}",
    )
    # The window chose the lots; their shipments count whenever they happened.
    with (
        queries.index_walks(uow.session),
        trace_reader(uow.session, forward=direction != Direction.BACKWARD) as snapshot,
    ):
        result = trace_rows(snapshot, start, direction, (None, None), started=started)
    return dataclasses.replace(result, processed=processed)


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


def _resolve(reader: walk.TraceReader, code: str) -> TraceStart:
    """The lots a trace starts from: the lot the code names, else the container (what it held
    when it first left), else the lots received under that supplier lot code. The code rules
    are the app's (`scans.lot_or_container_named`), looked up on the trace's cursor."""
    lookups = StartLookups(reader, now_utc())
    found = lot_or_container_named(lookups, read_scan(code))
    if isinstance(found, StartLot):
        return TraceStart({found.id: None}, lookups.lot_name(found))
    if found is not None:
        return TraceStart(dict(reader.container_start(found.id)), found.code, found.id)
    supplier_lots = lookups.supplier_lots(code.strip())
    if supplier_lots:
        return TraceStart(dict.fromkeys(supplier_lots), f"supplier lot {code.strip()}")
    raise UnknownCode(code.strip())


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
    # No garbage collection while a trace builds its rows: a large trace makes hundreds of
    # thousands of objects that all stay alive until it returns, and the collector's full passes
    # over them free nothing and took longer than the rest of the trace.
    with collector_paused():
        return _assemble(source, start, direction, window, started)


def _assemble(
    source: TraceRows,
    start: TraceStart,
    direction: Direction,
    window: tuple[datetime | None, datetime | None],
    started: float,
) -> TraceResult:
    """Every value of the answer, worked out here: which lots (their order, depth, attributed
    amount rounded to SCALE, upper bounds), containers, shipments with their quantities and
    lots, customers with their totals. The objects a caller reads (`TracedLot` with its UUID
    and Quantities, ...) are made from those values when first read (`Rows`)."""
    start_ids = list(start.lots)
    forward_lots: list[_LotItem] = []
    backward_lots: list[_LotItem] = []
    shipments: Sequence[TracedShipment] = ()
    containers: Sequence[TracedContainer] = ()
    customers: Sequence[AffectedParty] = ()
    suppliers: tuple[AffectedParty, ...] = ()
    ahead = bool(start_ids) and direction in (Direction.FORWARD, Direction.BOTH)
    behind = bool(start_ids) and direction in (Direction.BACKWARD, Direction.BOTH)
    if ahead:
        source.prefetch_whereabouts(start_ids)  # before the closure: read beside it
    # The start lots' rows come with the first closure (its first lots), not read apart.
    first = _Graph(source.closure(start_ids, forward=ahead), forward=ahead) if start_ids else None
    start_rows = first.rows_of(start_ids) if first is not None else {}
    unit = _suspect_unit(start_rows.values())
    if ahead:
        assert first is not None
        amounts = _start_amounts(start, start_rows, unit)
        graph = first
        found = graph.propagate({lot_id: float(value) for lot_id, value in amounts.items()})
        forward_lots = _lot_items(graph, found, unit, forward=True)
        where = source.whereabouts(graph.ids)
        reached = where.containers
        if start.container_id is not None and all(c[0] != start.container_id for c in reached):
            reached = reached + source.containers([start.container_id])
        containers = Rows(sorted(reached, key=_BY_CODE), _traced_container)
        shipments, customers = _shipments(where, window, graph, found, unit)
    if behind:
        fractions_in = {
            lot_id: (
                float(amount / start_rows[lot_id].initial)
                if amount is not None and start_rows[lot_id].initial
                else 1.0
            )
            for lot_id, amount in start.lots.items()
            if lot_id in start_rows
        }
        assert first is not None
        # Backward alone, the first closure is this one.
        graph = _Graph(source.closure(start_ids, forward=False), forward=False) if ahead else first
        backward_lots = _lot_items(graph, graph.propagate(fractions_in), None, forward=False)
        suppliers = _suppliers(graph.rows)
    return TraceResult(
        origin=start.label,
        direction=direction,
        start=tuple(sorted(f"{r.part_number}/{r.lot_code}" for r in start_rows.values())),
        unit=unit,
        lots=Rows(_merge(forward_lots, backward_lots), _MakeLot()),
        containers=containers,
        shipments=shipments,
        customers=customers,
        suppliers=suppliers,
        elapsed_ms=round((time.perf_counter() - started) * 1000, 2),
    )


class _Graph:
    """A trace's lots numbered 0..n-1 and its edges as numpy arrays of those numbers, with the
    share each edge carries (q / initial quantity of the giving lot; NaN: unknown)."""

    def __init__(self, closure: walk.Closure, *, forward: bool):
        import numpy as np  # here, not at start-up: the window opens without numpy

        self.rows = closure.lots
        self.ids = self.rows.ids
        self.index = dict(zip(self.ids, range(len(self.ids)), strict=True))
        parents, children = closure.parent, closure.child
        self.initial = self.rows.initial
        whole = self.initial[parents]
        known = whole != 0  # NaN (no quantity) is not 0: it stays NaN below
        self.ratio = np.divide(closure.given, whole, out=np.full(len(parents), np.nan), where=known)
        self.source, self.target = (parents, children) if forward else (children, parents)
        self.forward = forward

    def rows_of(self, lot_ids: Sequence[RawId]) -> dict[RawId, walk.LotRow]:
        """The rows of those of `lot_ids` in the closure (the start lots: all that exist)."""
        return {lot_id: self.rows[self.index[lot_id]] for lot_id in lot_ids if lot_id in self.index}

    def propagate(self, start: Mapping[RawId, float]) -> Propagation:
        index = self.index
        return propagate(
            len(self.rows),
            {index[lot_id]: value for lot_id, value in start.items() if lot_id in index},
            self.source,
            self.target,
            self.ratio,
            forward=self.forward,
        )


# A lot of the answer as the trace worked it out: its closure's lots and its number there
# (its LotRow is made only when the item is read), depth (negative upstream), the attributed
# amount in millionths (SCALE) or None, whether that is an upper bound, and the unit of that
# amount (None: the lot's own).
_LotItem = tuple[walk.LotColumns, int, int, int | None, bool, str | None]


def _lot_items(
    graph: _Graph, found: Propagation, unit: str | None, *, forward: bool
) -> list[_LotItem]:
    """The lots a trace reached, nearest first, then by PART/LOT, with their amounts: forward,
    how much of the suspect material (in `unit`); backward, how much of each lot went into the
    start lots (fraction x initial quantity, in the lot's own unit)."""
    import numpy as np

    rows = graph.rows
    depth_of = np.maximum(found.depth, 0)
    depth = depth_of.tolist()
    reached = (found.depth >= 0).tolist()
    amount = found.amount if forward else found.amount * graph.initial
    micro_of = np.rint(amount * _MILLION).astype(np.int64)
    bounded_of = found.bounded
    columns = rows.columns
    keys = list(zip(depth, columns[1], columns[4], graph.ids, strict=True))  # PART, LOT, id
    order = sorted(range(len(rows)), key=keys.__getitem__)
    sign = 1 if forward else -1
    if all(reached) and (unit is not None or not forward):
        # Every lot reached, every amount known (the usual case): the items in one zip.
        at = np.array(order, dtype=np.int64)
        return list(
            zip(
                repeat(rows), order, (depth_of[at] * sign).tolist(), micro_of[at].tolist(),
                bounded_of[at].tolist(), repeat(unit),
                strict=False,
            )
        )  # fmt: skip
    micro, bounded = micro_of.tolist(), bounded_of.tolist()
    items: list[_LotItem] = []
    add = items.append
    for i in order:
        if not reached[i]:
            add((rows, i, sign * depth[i], None, unit is None if forward else True, unit))
        elif forward and unit is None:
            add((rows, i, depth[i], None, bounded[i], None))
        else:
            add((rows, i, sign * depth[i], micro[i], bounded[i], unit))
    return items


_MILLION = 10**6  # amounts are kept in millionths: Quantity's SCALE


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


class _MakeLot:
    """A `TracedLot` from what the trace worked out for it (`_LotItem`); on-hand quantities
    made once per value (thousands of lots hold the same few; Quantity is immutable)."""

    def __init__(self) -> None:
        self.on_hand = _Amounts()

    def __call__(self, item: _LotItem) -> TracedLot:
        lots, number, depth, micro, bounded, unit = item
        row = lots[number]
        quantity = None if micro is None else _millionths(micro, unit or row[6])
        # Positional, in TracedLot's order: id, name, product_name, product_kind, status,
        # depth, on_hand, quantity, upper_bound, supplier, supplier_lot_code.
        return TracedLot(
            _lot_id(row[0]), f"{row[1]}/{row[4]}", row[2], row[3], _STATUSES[row[5]], depth,
            self.on_hand[row[8], row[6]], quantity, bounded, row[9], row[11],
        )  # fmt: skip


def _millionths(micro: int, unit: str) -> Quantity:
    """A quantity of `micro` millionths of `unit` (SCALE), without trailing zeros."""
    return Quantity(Decimal(micro).scaleb(-6).normalize(), unit)


def _traced_container(row: walk.ContainerRow) -> TracedContainer:
    return TracedContainer(_container_id(row[0]), row[1], row[2], row[3])


_DEPTH = itemgetter(2)  # a _LotItem's depth


def _merge(forward: list[_LotItem], backward: list[_LotItem]) -> list[_LotItem]:
    """Upstream lots first (most distant first), the start, then downstream; start lots once."""
    if not forward:
        return sorted(backward, key=_DEPTH)
    if not backward:
        return forward
    seen = {item[0].ids[item[1]] for item in forward}
    return (
        sorted((item for item in backward if item[0].ids[item[1]] not in seen), key=_DEPTH)
        + forward
    )


def _in_window(moment: datetime, window: tuple[datetime | None, datetime | None]) -> bool:
    since, until = window
    return (since is None or moment >= since) and (until is None or moment <= until)


# A shipment as the trace worked it out: its own fields, the suspect amount on it in
# millionths (None: no unit), whether that is an upper bound, the lots it took (numbers in the
# trace's graph) and the containers (numbers into the whereabouts' containers).
_ShipmentItem = tuple[ShipmentHead, int | None, bool, list[int], list[int]]


def _per_shipment(pairs: npt.NDArray[np.int64], size: int, shipments: int) -> list[list[int]]:
    """`pairs` (shipment * size + item, sorted, distinct) as each shipment's list of items."""
    import numpy as np

    cuts = np.searchsorted(pairs, np.arange(1, shipments) * size).tolist()
    return [part.tolist() for part in np.split(pairs % size, cuts)]


def _shipments(
    where: Whereabouts,
    window: tuple[datetime | None, datetime | None],
    graph: _Graph,
    found: Propagation,
    unit: str | None,
) -> tuple[Sequence[TracedShipment], Sequence[AffectedParty]]:
    """The shipments that took the traced lots, with the suspect amount on each, and the
    customers with their totals: summed per shipment over all lines at once (a large trace has
    some 14,000 lines and a few hundred shipments)."""
    import numpy as np

    shipment_of, lot_of, box_of = where.shipment, where.lot, where.container
    given, repeats = where.quantity, where.repeat
    if len(shipment_of) and window != (None, None):
        allowed = np.array([_in_window(head[2], window) for head in where.shipments], dtype=bool)
        keep = allowed[shipment_of]
        shipment_of, lot_of, box_of = shipment_of[keep], lot_of[keep], box_of[keep]
        given, repeats = given[keep], repeats[keep]
    if not len(shipment_of):
        return (), ()
    shipped = np.unique(shipment_of)  # the shipments left, renumbered 0.. in this order
    count = len(shipped)
    shipment_of = np.searchsorted(shipped, shipment_of)
    counted = ~repeats  # a repeat travels through another box
    reached = found.depth >= 0
    # Per lot: how much of the suspect material one unit of it holds (NaN: not known).
    per_unit = np.divide(
        found.amount,
        graph.initial,
        out=np.full(len(graph.rows), np.nan),
        where=reached & (graph.initial != 0),
    )
    # Shipped quantity (lot's unit) x suspect amount per unit of that lot = suspect amount.
    suspect = given * per_unit[lot_of]
    unknown = np.isnan(suspect)
    added = counted & ~unknown
    flagged = counted & (unknown | found.bounded[lot_of])
    total = np.bincount(shipment_of[added], weights=suspect[added], minlength=count)
    micro = np.rint(total * _MILLION).astype(np.int64).tolist()
    bounded = (np.bincount(shipment_of[flagged], minlength=count) > 0) | (unit is None)
    # Which lots and which containers each shipment took: distinct (shipment, lot) and
    # (shipment, container) pairs as numbers, sorted, cut at each shipment.
    lots_in = len(graph.rows)
    taken = _per_shipment(np.unique(shipment_of * lots_in + lot_of), lots_in, count)
    boxes_in = len(where.containers)
    in_box = box_of >= 0
    carried = _per_shipment(
        np.unique(shipment_of[in_box] * boxes_in + box_of[in_box]), boxes_in, count
    )
    flags = bounded.tolist()
    records: list[_ShipmentItem] = [
        (where.shipments[number], micro[k] if unit is not None else None, flags[k], taken[k],
         carried[k])
        for k, number in enumerate(shipped.tolist())
    ]  # fmt: skip
    # Shipped at, customer code; the shipment id last, so that the order of shipments made at
    # one moment for one customer does not depend on the order their rows were read in.
    records.sort(key=lambda r: (r[0][2], r[0][4], r[0][0]))
    codes = [info[1] for info in where.containers]
    parts, lot_codes = graph.rows.columns[1], graph.rows.columns[4]

    def name(number: int) -> str:
        return f"{parts[number]}/{lot_codes[number]}"

    def shipment(record: _ShipmentItem) -> TracedShipment:
        line, amount, upper, lot_numbers, boxes_taken = record
        return TracedShipment(
            id=_shipment_id(line[0]),
            event_id=_event_id(line[1]),
            shipped_at=line[2],
            customer=line[4],
            customer_name=line[5],
            reference_document=line[3],
            containers=tuple(sorted({codes[box] for box in boxes_taken})),
            lots=tuple(sorted({name(number) for number in lot_numbers})),
            quantity=_millionths(amount, unit) if amount is not None and unit else None,
            upper_bound=upper,
        )

    by_customer: dict[str, list[_ShipmentItem]] = {}
    for record in records:
        by_customer.setdefault(record[0][4], []).append(record)
    parties = []
    for code in sorted(by_customer):
        theirs = by_customer[code]
        amounts = [r[1] for r in theirs if r[1] is not None]
        parties.append(
            (theirs, sum(amounts) if amounts and unit else None, any(r[2] for r in theirs),
             min(r[0][2] for r in theirs), max(r[0][2] for r in theirs))
        )  # fmt: skip

    def customer(
        item: tuple[list[_ShipmentItem], int | None, bool, datetime, datetime],
    ) -> AffectedParty:
        theirs, amount, upper, first_shipped, last_shipped = item
        contact = theirs[0][0]
        return AffectedParty(
            code=contact[4],
            name=contact[5],
            contact_name=contact[6],
            contact_email=contact[7],
            contact_phone=contact[8],
            lots=tuple(sorted({name(number) for r in theirs for number in r[3]})),
            quantity=_millionths(amount, unit) if amount is not None and unit else None,
            upper_bound=upper,
            shipments=len(theirs),
            first_shipped=first_shipped,
            last_shipped=last_shipped,
        )

    return Rows(records, shipment), Rows(parties, customer)


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
