"""What a trace found: lots with the quantity attributed to them, containers, shipments, parties."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar, overload

from traceapp.domain.collector import collector_paused
from traceapp.domain.ids import ContainerId, EventId, LotId, ShipmentId
from traceapp.domain.lots import LotStatus
from traceapp.domain.quantity import Quantity


class Direction(enum.StrEnum):
    FORWARD = "forward"  # where it went: every lot made from it, container, shipment, customer
    BACKWARD = "backward"  # where it came from: every input lot, supplier lot, supplier
    BOTH = "both"


@dataclass(frozen=True, slots=True)
class TracedLot:
    """A lot the trace reached. `quantity`: forward, how much of the traced material is in it (in
    the traced lot's unit); backward, how much of this lot went into the traced one (its unit).
    `upper_bound` means the share could not be computed and the amount is a ceiling."""

    id: LotId
    name: str  # PART/LOT
    product_name: str
    product_kind: str
    status: LotStatus
    depth: int  # 0 for where the trace started
    on_hand: Quantity
    quantity: Quantity | None
    upper_bound: bool = False
    supplier: str | None = None
    supplier_lot_code: str | None = None


@dataclass(frozen=True, slots=True)
class TracedContainer:
    id: ContainerId
    code: str
    kind: str
    status: str


@dataclass(frozen=True, slots=True)
class TracedShipment:
    id: ShipmentId
    event_id: EventId
    shipped_at: datetime
    customer: str
    customer_name: str
    reference_document: str | None
    containers: tuple[str, ...]
    lots: tuple[str, ...]
    quantity: Quantity | None  # of the traced material on this shipment
    upper_bound: bool = False


@dataclass(frozen=True, slots=True)
class AffectedParty:
    """A customer a recall must reach, or a supplier a backward trace leads to."""

    code: str
    name: str
    contact_name: str | None
    contact_email: str | None
    contact_phone: str | None
    lots: tuple[str, ...]  # customers: lots shipped to them; suppliers: lots received from them
    quantity: Quantity | None = None
    upper_bound: bool = False
    shipments: int = 0
    first_shipped: datetime | None = None
    last_shipped: datetime | None = None


@dataclass(frozen=True, slots=True)
class ProcessedLot:
    """A lot in a step on the suspect equipment in the window (an equipment recall): made there
    (`made`: the trace starts from it, with `quantity`, what those steps made of it) or put in
    (`went in`: `quantity` consumed there; only the part that became the lots made is suspect,
    so the trace does not start from it)."""

    lot: str  # PART/LOT
    made: bool
    quantity: Quantity | None  # None: a step recorded no quantity (the whole lot is counted)


T = TypeVar("T")


class Rows(Sequence[T]):
    """A sequence of a trace's answer whose items are made when first read.

    A forward trace reaches some 10,000 lots and 14,000 containers; the trace works out every
    value of them (which lots, their order, depth, attributed amount, status ...) and keeps
    those as plain values, one `item` each; `make` turns an item into the dataclass the
    caller reads (with its UUID and Quantity objects) on first access, once. A page shows a
    few dozen; a report that reads them all pays for them then. Equal to any sequence with
    equal items (a tuple included)."""

    __slots__ = ("_items", "_made", "_make")

    def __init__(self, items: Sequence[Any], make: Callable[[Any], T]) -> None:
        self._items = items
        self._make = make
        self._made: list[T | None] | None = None

    def __len__(self) -> int:
        return len(self._items)

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[T, ...]: ...
    def __getitem__(self, index: int | slice) -> T | tuple[T, ...]:
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(len(self._items))))
        made = self._made
        if made is None:
            made = self._made = [None] * len(self._items)
        item = made[index]
        if item is None:
            item = made[index] = self._make(self._items[index])
        return item

    def __iter__(self) -> Iterator[T]:
        made = self._made
        if made is None:
            # All at once, without the garbage collector: tens of thousands of new objects
            # that all stay alive; its passes over them would free nothing and take longer
            # than making them.
            with collector_paused():
                made = self._made = list(map(self._make, self._items))
            return iter(made)  # type: ignore[arg-type]  # every entry made just now
        return (self[i] for i in range(len(made)))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str | bytes):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]  # mutable cache inside; compare, don't hash

    def __repr__(self) -> str:
        return f"Rows({len(self._items)} items)"


@dataclass(frozen=True, slots=True)
class TraceResult:
    origin: str  # what the person asked about, as typed
    direction: Direction
    start: tuple[str, ...]  # the lots the trace started from
    unit: str | None  # unit of forward quantities (the traced material's)
    # Sequences: large ones are `Rows`, whose objects are made when read.
    lots: Sequence[TracedLot]
    containers: Sequence[TracedContainer]
    shipments: Sequence[TracedShipment]
    customers: Sequence[AffectedParty]
    suppliers: Sequence[AffectedParty]
    elapsed_ms: float = 0.0
    # An equipment trace: what the steps on it in the window made (where the trace starts) and
    # took in; empty for any other trace.
    processed: tuple[ProcessedLot, ...] = ()
