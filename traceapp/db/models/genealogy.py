"""Edges the trace walks: lot -> lot (transformations), container -> content, shipments."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from traceapp.db.base import Base, exactly_one_of


class LotEdge(Base):
    """Parent lot gave `quantity` (in the parent's unit) to child lot in a transformation."""

    __tablename__ = "lot_edges"
    __table_args__ = (
        # Covering: a trace walks an edge from the index alone, without reading the table row.
        Index(
            "ix_lot_edges_parent_walk",
            "parent_lot_id",
            "voided_by_event_id",
            "child_lot_id",
            "quantity",
            "id",
        ),
        Index(
            "ix_lot_edges_child_walk",
            "child_lot_id",
            "voided_by_event_id",
            "parent_lot_id",
            "quantity",
            "id",
        ),
        CheckConstraint("parent_lot_id <> child_lot_id", name="no_self_loop"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    parent_lot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lots.id"))
    child_lot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lots.id"))
    quantity: Mapped[Decimal | None]
    unit: Mapped[str | None] = mapped_column(String(8))
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("events.id"), index=True)
    # Set when the transformation was declared an error: the edge no longer counts.
    voided_by_event_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("events.id"))


class ContainerContent(Base):
    """Something sat in a container from packed_at until unpacked_at (open while null)."""

    __tablename__ = "container_contents"
    __table_args__ = (
        CheckConstraint(
            exactly_one_of("lot_id", "unit_id", "child_container_id"),
            name="one_content",
        ),
        Index("ix_container_contents_container", "container_id", "packed_at"),
        # Covering, for the trace: which containers a lot sat in, and what held each container.
        Index(
            "ix_container_contents_lot_walk",
            "lot_id",
            "packed_at",
            "unpacked_at",
            "container_id",
            "quantity",
        ),
        Index(
            "ix_container_contents_child_walk",
            "child_container_id",
            "packed_at",
            "unpacked_at",
            "container_id",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    container_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("containers.id"))
    lot_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("lots.id"))
    unit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("serial_units.id"))
    child_container_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("containers.id"))
    quantity: Mapped[Decimal | None]  # of the lot, in the lot's unit
    unit: Mapped[str | None] = mapped_column(String(8))
    packed_at: Mapped[datetime]
    packed_event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("events.id"))
    unpacked_at: Mapped[datetime | None]
    unpacked_event_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("events.id"))


class Shipment(Base):
    """Goods that left the plant for a customer with one shipping event."""

    __tablename__ = "shipments"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("events.id"), unique=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("parties.id"), index=True)
    shipped_at: Mapped[datetime] = mapped_column(index=True)
    reference_document: Mapped[str | None] = mapped_column(String(120))
    voided_by_event_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("events.id"))


class ShipmentItem(Base):
    """A container or a lot quantity on a shipment (top-level items only)."""

    __tablename__ = "shipment_items"
    __table_args__ = (CheckConstraint(exactly_one_of("lot_id", "container_id"), name="one_item"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    shipment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("shipments.id"), index=True)
    container_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("containers.id"), index=True)
    lot_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("lots.id"), index=True)
    quantity: Mapped[Decimal | None]
    unit: Mapped[str | None] = mapped_column(String(8))
