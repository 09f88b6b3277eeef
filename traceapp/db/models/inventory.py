"""What is on the floor: lots, serialized units, containers (SSCC) and scanned-code bindings."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from traceapp.db.base import Base, exactly_one_of


class Lot(Base):
    """Current state of a lot; its history is in the events that changed it."""

    __tablename__ = "lots"
    __table_args__ = (
        UniqueConstraint("product_id", "lot_code"),
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        Index("ix_lots_lot_code", "lot_code"),
        # Covering, for the trace: a lot's row read from the index alone (migration 0011).
        Index(
            "ix_lots_trace_row",
            "id",
            "product_id",
            "lot_code",
            "status",
            "unit",
            "initial_quantity",
            "on_hand",
            "supplier_id",
            "supplier_lot_code",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id"))
    lot_code: Mapped[str] = mapped_column(String(80))
    unit: Mapped[str] = mapped_column(String(8))
    initial_quantity: Mapped[Decimal]
    on_hand: Mapped[Decimal]
    status: Mapped[str] = mapped_column(String(16), index=True)
    origin: Mapped[str] = mapped_column(String(16))
    expiry: Mapped[date | None]
    supplier_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("parties.id"), index=True)
    supplier_lot_code: Mapped[str | None] = mapped_column(String(80), index=True)
    location_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("locations.id"))
    created_event_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("events.id"))
    created_at: Mapped[datetime] = mapped_column(index=True)


class SerialUnit(Base):
    """One serialized item (SGTIN) inside a lot."""

    __tablename__ = "serial_units"
    __table_args__ = (UniqueConstraint("lot_id", "serial"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    lot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lots.id"), index=True)
    serial: Mapped[str] = mapped_column(String(40), index=True)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]


class Container(Base):
    """A case or pallet, named by its SSCC or by a plant's own container code."""

    __tablename__ = "containers"
    # Covering, for the trace: a container's facts read from the index alone (migration 0011).
    __table_args__ = (Index("ix_containers_trace_row", "id", "code", "kind", "status"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(80), unique=True)
    sscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # case, pallet, tote
    status: Mapped[str] = mapped_column(String(16))  # open, shipped
    location_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("locations.id"))
    created_at: Mapped[datetime]


class CodeBinding(Base):
    """A scanned payload (QR text, RFID UID, EPC) bound to a lot, unit or container for a time."""

    __tablename__ = "code_bindings"
    __table_args__ = (
        CheckConstraint(
            exactly_one_of("lot_id", "unit_id", "container_id"),
            name="one_target",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    payload: Mapped[str] = mapped_column(String(512), index=True)
    lot_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("lots.id"), index=True)
    unit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("serial_units.id"))
    container_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("containers.id"))
    valid_from: Mapped[datetime]
    # RFID tags get reused: a binding ends rather than being deleted.
    valid_to: Mapped[datetime | None]
    created_event_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("events.id"))
