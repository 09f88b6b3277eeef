"""Frozen snapshots that services return and the GUI, CLI and reports share."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from traceapp.domain.ids import ContainerId, EventId, LotId
from traceapp.domain.lots import LotOrigin, LotStatus
from traceapp.domain.quantity import Quantity
from traceapp.domain.steps import HandlingStep, ItemRole


@dataclass(frozen=True, slots=True)
class LotSummary:
    id: LotId
    part_number: str
    product_name: str
    lot_code: str
    status: LotStatus
    on_hand: Quantity
    initial: Quantity
    origin: LotOrigin
    expiry: date | None = None
    supplier: str | None = None
    supplier_lot_code: str | None = None
    location: str | None = None

    @property
    def name(self) -> str:
        return f"{self.part_number}/{self.lot_code}"


@dataclass(frozen=True, slots=True)
class ContainerSummary:
    id: ContainerId
    code: str
    kind: str
    status: str
    parent_code: str | None = None
    location: str | None = None


@dataclass(frozen=True, slots=True)
class EventItemSummary:
    role: ItemRole
    label: str  # PART/LOT, container code or unit serial, as a person reads it
    quantity: Quantity | None = None


@dataclass(frozen=True, slots=True)
class EventSummary:
    id: EventId
    step: HandlingStep
    event_type: str
    action: str | None
    biz_step: str
    disposition: str
    event_time: datetime  # in the station's own UTC offset
    station: str | None
    user: str
    reason: str | None = None
    reference_document: str | None = None
    party: str | None = None
    equipment: str | None = None
    items: tuple[EventItemSummary, ...] = ()
    corrected_by: EventId | None = None  # set when an error declaration names this event

    def details(self) -> list[str]:
        """What took part and how, in words, for a text listing of the event (CLI, PDF)."""
        parts = [
            f"{item.role.value} {item.label}" + (f" {item.quantity}" if item.quantity else "")
            for item in self.items
        ]
        if self.party:
            parts.append(f"party {self.party}")
        if self.reference_document:
            parts.append(f"doc {self.reference_document}")
        if self.equipment:
            parts.append(f"on {self.equipment}")
        if self.reason:
            parts.append(f"reason: {self.reason}")
        if self.corrected_by:
            parts.append(f"CORRECTED by event {self.corrected_by}")
        return parts


@dataclass(frozen=True, slots=True)
class StepResult:
    """What one handling step recorded. `replayed` is true when the event id was seen before."""

    event: EventSummary
    lots: tuple[LotSummary, ...] = ()
    containers: tuple[ContainerSummary, ...] = ()
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class GenealogyLink:
    lot: str  # PART/LOT of the lot at the other end
    lot_id: LotId
    quantity: Quantity
    event_id: EventId


@dataclass(frozen=True, slots=True)
class ContainerStay:
    """The lot sat (or sits) in a container, directly, from `since` until `until` (None: now)."""

    code: str
    kind: str
    status: str
    quantity: Quantity | None
    since: datetime
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class LotDetail:
    lot: LotSummary
    events: tuple[EventSummary, ...] = ()
    parents: tuple[GenealogyLink, ...] = ()
    children: tuple[GenealogyLink, ...] = ()
    containers: tuple[str, ...] = field(default=())  # containers it sits in now
    # What became of the initial quantity, in the lot's unit (None where not computed).
    consumed: Quantity | None = None  # given to lots made from it
    shipped: Quantity | None = None  # left loose or inside a shipped container
    origin_event: EventSummary | None = None  # the receipt or production that made it
    container_stays: tuple[ContainerStay, ...] = ()  # every container it sat in, oldest first
    events_truncated: bool = False  # more events than the timeline holds
    # Events of containers it sat in while inside (its pallet shipped), not naming it directly.
    container_events: tuple[EventSummary, ...] = ()


@dataclass(frozen=True, slots=True)
class LotQuery:
    """What a person searches lots by; every part optional. Times are aware instants."""

    text: str | None = None  # a fragment of PART/LOT, product name or supplier lot, or a scan
    product: str | None = None  # part number
    status: LotStatus | None = None
    # Produced or received at or after / before (the making event's time; lots recorded more
    # than a month after they were made are outside the window: see services.lots).
    made_after: datetime | None = None
    made_before: datetime | None = None
    limit: int = 200


@dataclass(frozen=True, slots=True)
class LotSearch:
    """The first `limit` lots that match (newest first); `more` when others match too."""

    lots: tuple[LotSummary, ...]
    more: bool = False
    scanned_lot: LotSummary | None = None  # the lot the text names exactly (scan or PART/LOT)
    scanned_container: ContainerSummary | None = None  # ... or the container it names


@dataclass(frozen=True, slots=True)
class DatabaseInfo:
    url: str  # password masked
    dialect: str
    revision: str | None
    head: str
    counts: dict[str, int]
