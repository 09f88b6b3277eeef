"""Write a genealogy described in plain Python straight into the tables, fast, for trace tests.

Going through the produce/pack/ship services costs milliseconds per step; a 10,000-lot fan-out
or a few hundred hypothesis examples need the rows written in bulk (`traceapp.db.bulk`). The
rows stay valid per the models: every lot has a product, every edge the transformation event
that made its child (one per child lot), every content row its pack (and unpack) event, every
shipment its ship event. Quantities are integers in thousandths of the unit (grams for kg).

Every code (products, parties, lots, containers) starts with the genealogy's `prefix`, so many
genealogies can share one database and a trace of one never meets another's rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select

from traceapp.db.base import Base
from traceapp.db.bulk import Native, NativeRow, TableRows, bulk_insert, native_types
from traceapp.db.models import User
from traceapp.db.uow import UnitOfWork
from traceapp.domain.lots import LotOrigin, LotStatus
from traceapp.domain.steps import HandlingStep, vocabulary_for

T0 = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
UNIT = "kg"
PART = "P"  # every lot of a genealogy is of its one product, PREFIX-P


def at(hour: int) -> datetime:
    return T0 + timedelta(hours=hour)


@dataclass(frozen=True, slots=True)
class LotSpec:
    code: str
    initial: int  # thousandths of a kg
    supplier: int | None = None  # index into Genealogy.suppliers: a received lot
    supplier_lot_code: str | None = None


@dataclass(frozen=True, slots=True)
class EdgeSpec:
    parent: int
    child: int
    quantity: int | None  # thousandths of the parent's unit; None: unknown (imported data)
    voided: bool = False  # declared an error: the trace ignores it


@dataclass(frozen=True, slots=True)
class ContainerSpec:
    code: str
    kind: str = "case"


@dataclass(frozen=True, slots=True)
class ContentSpec:
    """Container `container` held lot `lot` (or container `inner`) from `packed` to `unpacked`
    (hours after T0; None: still inside)."""

    container: int
    packed: int
    unpacked: int | None
    lot: int | None = None
    inner: int | None = None
    quantity: int | None = None  # of the lot, thousandths


@dataclass(frozen=True, slots=True)
class ShipmentSpec:
    customer: int  # index into Genealogy.customers
    shipped: int  # hours after T0
    containers: tuple[int, ...] = ()
    lots: tuple[tuple[int, int], ...] = ()  # (lot, thousandths) shipped loose
    voided: bool = False


@dataclass
class Genealogy:
    prefix: str
    lots: list[LotSpec] = field(default_factory=list)
    edges: list[EdgeSpec] = field(default_factory=list)
    containers: list[ContainerSpec] = field(default_factory=list)
    contents: list[ContentSpec] = field(default_factory=list)
    shipments: list[ShipmentSpec] = field(default_factory=list)
    suppliers: list[str] = field(default_factory=list)  # party codes
    customers: list[str] = field(default_factory=list)

    def lot_name(self, lot: int) -> str:
        return f"{self.prefix}-{PART}/{self.lots[lot].code}"

    def container_code(self, container: int) -> str:
        return self.containers[container].code

    def party_code(self, code: str) -> str:
        return f"{self.prefix}-{code}"


@dataclass(frozen=True, slots=True)
class Written:
    """Database ids of what was written, by index in the genealogy."""

    lots: list[uuid.UUID]
    containers: list[uuid.UUID]
    shipments: list[uuid.UUID]


_EVENT_COLUMNS = (
    "id",
    "step",
    "event_type",
    "action",
    "biz_step",
    "disposition",
    "event_time",
    "event_tz_offset_minutes",
    "recorded_at",
    "user_id",
    "party_id",
    "reason",
)
_LOT_COLUMNS = (
    "id",
    "product_id",
    "lot_code",
    "unit",
    "initial_quantity",
    "on_hand",
    "status",
    "origin",
    "supplier_id",
    "supplier_lot_code",
    "created_event_id",
    "created_at",
)
_EDGE_COLUMNS = (
    "id",
    "parent_lot_id",
    "child_lot_id",
    "quantity",
    "unit",
    "event_id",
    "voided_by_event_id",
)
_CONTENT_COLUMNS = (
    "id",
    "container_id",
    "lot_id",
    "child_container_id",
    "quantity",
    "unit",
    "packed_at",
    "packed_event_id",
    "unpacked_at",
    "unpacked_event_id",
)


def _hex() -> str:
    return uuid.uuid4().hex


def write(engine: Engine, genealogy: Genealogy) -> Written:
    """Insert the genealogy (with its product and parties) into a migrated database."""
    types = native_types(engine)
    null, stamp, qty, integer = types.null, types.timestamp, types.quantity, types.integer
    with UnitOfWork(engine, write=False) as uow:
        user_id = uow.session.scalars(select(User.id).order_by(User.username)).first()
    assert user_id is not None, "the engine fixture adds the built-in users"
    user = user_id.hex
    g = genealogy
    product = _hex()
    lot_ids = [_hex() for _ in g.lots]
    container_ids = [_hex() for _ in g.containers]
    shipment_ids = [_hex() for _ in g.shipments]
    party_ids = {code: _hex() for code in (*g.suppliers, *g.customers)}
    events: list[NativeRow] = []
    created = stamp(T0)

    def event(step: HandlingStep, when: datetime, party: str | None = None) -> str:
        words = vocabulary_for(step)
        event_id = _hex()
        events.append(
            (
                event_id,
                step.value,
                words.event_type.value,
                words.action.value if words.action else null,
                words.biz_step,
                words.disposition,
                stamp(when),
                integer(0),
                stamp(when),
                user,
                party if party else null,
                "imported for a trace test" if step is HandlingStep.IMPORTED else null,
            )
        )
        return event_id

    given = [0] * len(g.lots)
    for edge in g.edges:
        if edge.quantity is not None and not edge.voided:
            given[edge.parent] += edge.quantity
    made_by: dict[int, str] = {}
    for edge in g.edges:
        if edge.child not in made_by:
            made_by[edge.child] = event(HandlingStep.PRODUCE, T0)
    lots: list[NativeRow] = []
    for number, lot in enumerate(g.lots):
        supplier = party_ids[g.suppliers[lot.supplier]] if lot.supplier is not None else None
        made = made_by.get(number) or event(HandlingStep.RECEIVE, T0, supplier)
        lots.append(
            (
                lot_ids[number],
                product,
                lot.code,
                UNIT,
                qty(lot.initial),
                qty(max(0, lot.initial - given[number])),
                LotStatus.ACTIVE.value,
                (LotOrigin.RECEIVED if supplier else LotOrigin.PRODUCED).value,
                supplier or null,
                lot.supplier_lot_code or null,
                made,
                created,
            )
        )
    void = event(HandlingStep.CORRECT, T0) if any(e.voided for e in g.edges) else null
    edges = [
        (
            _hex(),
            lot_ids[e.parent],
            lot_ids[e.child],
            qty(e.quantity) if e.quantity is not None else null,
            UNIT,
            made_by[e.child],
            void if e.voided else null,
        )
        for e in g.edges
    ]
    contents: list[NativeRow] = []
    for content in g.contents:
        packed = event(HandlingStep.PACK, at(content.packed))
        unpacked = (
            event(HandlingStep.UNPACK, at(content.unpacked))
            if content.unpacked is not None
            else null
        )
        contents.append(
            (
                _hex(),
                container_ids[content.container],
                lot_ids[content.lot] if content.lot is not None else null,
                container_ids[content.inner] if content.inner is not None else null,
                qty(content.quantity) if content.quantity is not None else null,
                UNIT if content.lot is not None else null,
                stamp(at(content.packed)),
                packed,
                stamp(at(content.unpacked)) if content.unpacked is not None else null,
                unpacked,
            )
        )
    shipments: list[NativeRow] = []
    items: list[NativeRow] = []
    for number, shipment in enumerate(g.shipments):
        customer = party_ids[g.customers[shipment.customer]]
        shipped = event(HandlingStep.SHIP, at(shipment.shipped), customer)
        voided = event(HandlingStep.CORRECT, at(shipment.shipped)) if shipment.voided else null
        shipments.append(
            (
                shipment_ids[number],
                shipped,
                customer,
                stamp(at(shipment.shipped)),
                f"{g.prefix}-DN{number}",
                voided,
            )
        )
        for container in shipment.containers:
            items.append((_hex(), shipment_ids[number], container_ids[container], null, null, null))
        for lot_number, amount in shipment.lots:
            items.append(
                (_hex(), shipment_ids[number], null, lot_ids[lot_number], qty(amount), UNIT)
            )

    def parties() -> Iterator[NativeRow]:
        for code in g.suppliers:
            yield _party(party_ids[code], g.party_code(code), "supplier", created)
        for code in g.customers:
            yield _party(party_ids[code], g.party_code(code), "customer", created)

    tables = Base.metadata.tables
    bulk_insert(
        engine,
        [
            TableRows(
                tables["products"],
                ("id", "part_number", "name", "unit", "kind", "created_at"),
                [
                    (
                        product,
                        f"{g.prefix}-{PART}",
                        f"Test material {g.prefix}",
                        UNIT,
                        "raw",
                        created,
                    )
                ],
            ),
            TableRows(
                tables["parties"],
                ("id", "code", "name", "kind", "contact_email", "created_at"),
                list(parties()),
            ),
            TableRows(tables["events"], _EVENT_COLUMNS, events),
            TableRows(tables["lots"], _LOT_COLUMNS, lots),
            TableRows(
                tables["containers"],
                ("id", "code", "kind", "status", "created_at"),
                [
                    (container_ids[n], c.code, c.kind, "open", created)
                    for n, c in enumerate(g.containers)
                ],
            ),
            TableRows(tables["lot_edges"], _EDGE_COLUMNS, edges),
            TableRows(tables["container_contents"], _CONTENT_COLUMNS, contents),
            TableRows(
                tables["shipments"],
                (
                    "id",
                    "event_id",
                    "customer_id",
                    "shipped_at",
                    "reference_document",
                    "voided_by_event_id",
                ),
                shipments,
            ),
            TableRows(
                tables["shipment_items"],
                ("id", "shipment_id", "container_id", "lot_id", "quantity", "unit"),
                items,
            ),
        ],
    )
    return Written(
        lots=[uuid.UUID(h) for h in lot_ids],
        containers=[uuid.UUID(h) for h in container_ids],
        shipments=[uuid.UUID(h) for h in shipment_ids],
    )


def _party(party_id: str, code: str, kind: str, created: Native) -> NativeRow:
    email = f"recall@{code.lower()}.example"
    return (party_id, code, f"Party {code}", kind, email, created)
