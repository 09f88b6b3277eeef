"""What a trace found: lots with the quantity attributed to them, containers, shipments, parties."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

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
class TraceResult:
    origin: str  # what the person asked about, as typed
    direction: Direction
    start: tuple[str, ...]  # the lots the trace started from
    unit: str | None  # unit of forward quantities (the traced material's)
    lots: tuple[TracedLot, ...]
    containers: tuple[TracedContainer, ...]
    shipments: tuple[TracedShipment, ...]
    customers: tuple[AffectedParty, ...]
    suppliers: tuple[AffectedParty, ...]
    elapsed_ms: float = 0.0
