"""One level of a genealogy graph at a time: a node and its neighbours in one direction."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass

from traceapp.domain.quantity import Quantity


class NodeKind(enum.StrEnum):
    LOT = "lot"
    CONTAINER = "container"  # case, pallet, tote (SSCC or the plant's own code)
    SHIPMENT = "shipment"
    CUSTOMER = "customer"
    SUPPLIER = "supplier"


class Step(enum.StrEnum):
    """Which way one level goes from a node."""

    FORWARD = "forward"  # downstream: lots made from it, containers, shipments, customers
    BACKWARD = "backward"  # upstream: input lots, contents, suppliers


@dataclass(frozen=True, slots=True)
class NodeKey:
    kind: NodeKind
    id: uuid.UUID


@dataclass(frozen=True, slots=True)
class GraphNode:
    """A node as the graph draws it, with how many neighbours each way would load."""

    key: NodeKey
    label: str  # PART/LOT, container code, shipment reference or date, party name
    detail: str  # product name, container kind, customer, ...
    status: str | None = None  # lot status (LotStatus value) or container status
    forward: int = 0  # neighbours downstream
    backward: int = 0  # neighbours upstream

    def count(self, step: Step) -> int:
        return self.forward if step is Step.FORWARD else self.backward


@dataclass(frozen=True, slots=True)
class GraphLink:
    node: GraphNode
    quantity: Quantity | None = None  # what moved along the edge, where it is known


@dataclass(frozen=True, slots=True)
class Neighbours:
    """Up to `limit` neighbours of a node in one direction, from `offset`; `total` counts all."""

    of: NodeKey
    step: Step
    links: tuple[GraphLink, ...]
    offset: int
    total: int

    @property
    def remaining(self) -> int:
        """Neighbours not loaded yet after this page (the graph's "+N more")."""
        return max(0, self.total - self.offset - len(self.links))
