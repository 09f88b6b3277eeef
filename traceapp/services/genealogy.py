"""One level of genealogy at a time, for a graph that a person expands node by node.

A trace (`services.trace`) walks the whole closure at once; the graph must not, because a lot
whose trace reaches ten thousand lots would load them all before drawing anything. Here a node's
neighbours in one direction are counted and the first `limit` of them loaded, in a fixed number
of queries whatever the size of the plant.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, func, literal, select

from traceapp.db.models import (
    Container,
    ContainerContent,
    ErrorDeclaration,
    Lot,
    LotEdge,
    Party,
    Product,
    Shipment,
    ShipmentItem,
)
from traceapp.db.repositories import Repository
from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.errors import InvalidInput, NotFound, UnknownCode
from traceapp.domain.genealogy import (
    GraphLink,
    GraphNode,
    Neighbours,
    NodeKey,
    NodeKind,
    Step,
)
from traceapp.domain.permissions import UseCase, require
from traceapp.domain.quantity import Quantity
from traceapp.services.recording import find_container, find_lot
from traceapp.services.summaries import quantity

DEFAULT_LIMIT = 25  # neighbours drawn per expansion; the rest stay behind "+N more"
MAX_LIMIT = 500


@dataclass(frozen=True, slots=True)
class _Source:
    """One kind of edge leaving a node: which rows, which column is the neighbour, what moved."""

    kind: NodeKind  # of the neighbour
    origin: Any  # column holding the node's own id
    neighbour: Any  # column holding the neighbour's id
    quantity: Any | None = None
    unit: Any | None = None
    joins: tuple[tuple[Any, ColumnElement[bool]], ...] = ()
    where: tuple[ColumnElement[bool], ...] = ()

    def _filtered(self, query: Select[Any]) -> Select[Any]:
        for table, on in self.joins:
            query = query.join(table, on)
        return query.where(self.neighbour.is_not(None), *self.where)

    def page(self, node_id: uuid.UUID, offset: int, limit: int) -> Select[Any]:
        amount = func.sum(self.quantity) if self.quantity is not None else literal(None)
        unit = func.max(self.unit) if self.unit is not None else literal(None)
        query = self._filtered(select(self.neighbour, amount, unit)).where(self.origin == node_id)
        order = [amount.desc()] if self.quantity is not None else []
        return (
            query.group_by(self.neighbour)
            .order_by(*order, self.neighbour)
            .offset(offset)
            .limit(limit)
        )

    def counts(self, node_ids: Sequence[uuid.UUID]) -> Select[Any]:
        query = self._filtered(select(self.origin, func.count(func.distinct(self.neighbour))))
        return query.where(self.origin.in_(node_ids)).group_by(self.origin)


def _live_edge() -> ColumnElement[bool]:
    return LotEdge.voided_by_event_id.is_(None)


def _live_pack() -> ColumnElement[bool]:
    # A packing declared an error never held anything (its content row stays, append-only).
    return ContainerContent.packed_event_id.not_in(select(ErrorDeclaration.event_id))


_LIVE_SHIPMENT = ((Shipment, Shipment.id == ShipmentItem.shipment_id),)

SOURCES: dict[tuple[NodeKind, Step], tuple[_Source, ...]] = {
    (NodeKind.LOT, Step.FORWARD): (
        _Source(
            NodeKind.LOT,
            LotEdge.parent_lot_id,
            LotEdge.child_lot_id,
            LotEdge.quantity,
            LotEdge.unit,
            where=(_live_edge(),),
        ),
        _Source(
            NodeKind.CONTAINER,
            ContainerContent.lot_id,
            ContainerContent.container_id,
            ContainerContent.quantity,
            ContainerContent.unit,
            where=(_live_pack(),),
        ),
        _Source(
            NodeKind.SHIPMENT,
            ShipmentItem.lot_id,
            ShipmentItem.shipment_id,
            ShipmentItem.quantity,
            ShipmentItem.unit,
            joins=_LIVE_SHIPMENT,
            where=(Shipment.voided_by_event_id.is_(None),),
        ),
    ),
    (NodeKind.LOT, Step.BACKWARD): (
        _Source(
            NodeKind.LOT,
            LotEdge.child_lot_id,
            LotEdge.parent_lot_id,
            LotEdge.quantity,
            LotEdge.unit,
            where=(_live_edge(),),
        ),
        _Source(NodeKind.SUPPLIER, Lot.id, Lot.supplier_id),
    ),
    (NodeKind.CONTAINER, Step.FORWARD): (
        _Source(
            NodeKind.CONTAINER,
            ContainerContent.child_container_id,
            ContainerContent.container_id,
            where=(_live_pack(),),
        ),
        _Source(
            NodeKind.SHIPMENT,
            ShipmentItem.container_id,
            ShipmentItem.shipment_id,
            joins=_LIVE_SHIPMENT,
            where=(Shipment.voided_by_event_id.is_(None),),
        ),
    ),
    (NodeKind.CONTAINER, Step.BACKWARD): (
        _Source(
            NodeKind.LOT,
            ContainerContent.container_id,
            ContainerContent.lot_id,
            ContainerContent.quantity,
            ContainerContent.unit,
            where=(_live_pack(),),
        ),
        _Source(
            NodeKind.CONTAINER,
            ContainerContent.container_id,
            ContainerContent.child_container_id,
            where=(_live_pack(),),
        ),
    ),
    (NodeKind.SHIPMENT, Step.FORWARD): (
        _Source(
            NodeKind.CUSTOMER,
            Shipment.id,
            Shipment.customer_id,
            where=(Shipment.voided_by_event_id.is_(None),),
        ),
    ),
    (NodeKind.SHIPMENT, Step.BACKWARD): (
        _Source(NodeKind.CONTAINER, ShipmentItem.shipment_id, ShipmentItem.container_id),
        _Source(
            NodeKind.LOT,
            ShipmentItem.shipment_id,
            ShipmentItem.lot_id,
            ShipmentItem.quantity,
            ShipmentItem.unit,
        ),
    ),
    (NodeKind.CUSTOMER, Step.FORWARD): (),
    (NodeKind.CUSTOMER, Step.BACKWARD): (
        _Source(
            NodeKind.SHIPMENT,
            Shipment.customer_id,
            Shipment.id,
            where=(Shipment.voided_by_event_id.is_(None),),
        ),
    ),
    (NodeKind.SUPPLIER, Step.FORWARD): (_Source(NodeKind.LOT, Lot.supplier_id, Lot.id),),
    (NodeKind.SUPPLIER, Step.BACKWARD): (),
}


def start_node(uow: UnitOfWork, *, actor: Actor, code: str) -> GraphNode:
    """The node a scanned or typed code names: its lot, or else its container."""
    require(actor.role, UseCase.READ, username=actor.username)
    repo = Repository(uow.session)
    row = find_lot(repo, code)
    if row is not None:
        key = NodeKey(NodeKind.LOT, row.lot.id)
    else:
        container = find_container(repo, code)
        if container is None:
            raise UnknownCode(code.strip())
        key = NodeKey(NodeKind.CONTAINER, container.id)
    return describe(uow, [key])[0]


def node(uow: UnitOfWork, *, actor: Actor, key: NodeKey) -> GraphNode:
    require(actor.role, UseCase.READ, username=actor.username)
    found = describe(uow, [key])
    if not found:
        raise NotFound(f"The {key.kind.value} is not in the database any more.")
    return found[0]


def neighbours(
    uow: UnitOfWork,
    *,
    actor: Actor,
    key: NodeKey,
    step: Step,
    limit: int = DEFAULT_LIMIT,
    offset: int = 0,
) -> Neighbours:
    """The node's neighbours one level away in `step`'s direction, `limit` of them from `offset`.

    Order: per kind of edge (lots, then containers, then shipments or parties), the largest
    quantity first. `total` counts every neighbour, so the graph can say how many it left out.
    """
    require(actor.role, UseCase.READ, username=actor.username)
    if not 1 <= limit <= MAX_LIMIT or offset < 0:
        raise InvalidInput(f"Ask for 1 to {MAX_LIMIT} neighbours from a position of 0 or more.")
    session = uow.session
    found: list[tuple[NodeKey, Quantity | None]] = []
    total = 0
    skip, room = offset, limit
    for source in SOURCES[(key.kind, step)]:
        counted = session.execute(source.counts([key.id])).one_or_none()
        count = int(counted[1]) if counted is not None else 0
        if count == 0:
            continue
        total += count
        if skip >= count:
            skip -= count
            continue
        if room == 0:
            skip = 0
            continue
        for neighbour, amount, unit in session.execute(source.page(key.id, skip, room)):
            moved = quantity(Decimal(str(amount)), unit) if amount is not None and unit else None
            found.append((NodeKey(source.kind, neighbour), moved))
        room = limit - len(found)
        skip = 0
    nodes = {described.key: described for described in describe(uow, [k for k, _ in found])}
    links = tuple(GraphLink(nodes[k], moved) for k, moved in found if k in nodes)
    return Neighbours(of=key, step=step, links=links, offset=offset, total=total)


def describe(uow: UnitOfWork, keys: Sequence[NodeKey]) -> list[GraphNode]:
    """Labels, status and neighbour counts of the nodes, in a constant number of queries."""
    by_kind: dict[NodeKind, list[uuid.UUID]] = {}
    for key in keys:
        by_kind.setdefault(key.kind, []).append(key.id)
    described: dict[NodeKey, GraphNode] = {}
    for kind, ids in by_kind.items():
        forward = _degrees(uow, kind, Step.FORWARD, ids)
        backward = _degrees(uow, kind, Step.BACKWARD, ids)
        for node_id, label, detail, status in _LABELLERS[kind](uow, ids):
            key = NodeKey(kind, node_id)
            described[key] = GraphNode(
                key=key,
                label=label,
                detail=detail,
                status=status,
                forward=forward.get(node_id, 0),
                backward=backward.get(node_id, 0),
            )
    return [described[key] for key in dict.fromkeys(keys) if key in described]


def _degrees(
    uow: UnitOfWork, kind: NodeKind, step: Step, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, int]:
    counts: dict[uuid.UUID, int] = {}
    for source in SOURCES[(kind, step)]:
        for node_id, count in uow.session.execute(source.counts(ids)):
            counts[node_id] = counts.get(node_id, 0) + int(count)
    return counts


_Labelled = Iterable[tuple[uuid.UUID, str, str, str | None]]


def _lots(uow: UnitOfWork, ids: Sequence[uuid.UUID]) -> _Labelled:
    rows = uow.session.execute(
        select(Lot.id, Product.part_number, Lot.lot_code, Product.name, Lot.status)
        .join(Product, Product.id == Lot.product_id)
        .where(Lot.id.in_(ids))
    )
    for lot_id, part, code, name, status in rows:
        yield lot_id, f"{part}/{code}", name, status


def _containers(uow: UnitOfWork, ids: Sequence[uuid.UUID]) -> _Labelled:
    rows = uow.session.execute(
        select(Container.id, Container.code, Container.kind, Container.status).where(
            Container.id.in_(ids)
        )
    )
    return [(container_id, code, kind, status) for container_id, code, kind, status in rows]


def _shipments(uow: UnitOfWork, ids: Sequence[uuid.UUID]) -> _Labelled:
    rows = uow.session.execute(
        select(
            Shipment.id,
            Shipment.reference_document,
            Shipment.shipped_at,
            Party.name,
            Shipment.voided_by_event_id,
        )
        .join(Party, Party.id == Shipment.customer_id)
        .where(Shipment.id.in_(ids))
    )
    for shipment_id, reference, shipped_at, customer, voided in rows:
        day = shipped_at.date().isoformat()
        label = f"Shipment {reference}" if reference else f"Shipment {day}"
        yield shipment_id, label, f"to {customer}, {day}", "voided" if voided else "shipped"


def _parties(uow: UnitOfWork, ids: Sequence[uuid.UUID]) -> _Labelled:
    rows = uow.session.execute(select(Party.id, Party.name, Party.code).where(Party.id.in_(ids)))
    for party_id, name, code in rows:
        yield party_id, name, code, None


_LABELLERS: dict[NodeKind, Callable[[UnitOfWork, Sequence[uuid.UUID]], _Labelled]] = {
    NodeKind.LOT: _lots,
    NodeKind.CONTAINER: _containers,
    NodeKind.SHIPMENT: _shipments,
    NodeKind.CUSTOMER: _parties,
    NodeKind.SUPPLIER: _parties,
}
