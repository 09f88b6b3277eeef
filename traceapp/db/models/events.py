"""Immutable events (one per handling step), their items, and error declarations on them."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from traceapp.db.base import Base


class Event(Base):
    """One handling step, EPCIS-aligned. Never updated or deleted (triggers refuse it)."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_event_time", "event_time"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)  # made where the scan happened
    # An event that came from outside keeps its EPCIS eventID verbatim here.
    external_event_id: Mapped[str | None] = mapped_column(String(512), unique=True)
    step: Mapped[str] = mapped_column(String(16), index=True)
    event_type: Mapped[str] = mapped_column(String(32))
    action: Mapped[str | None] = mapped_column(String(8))
    biz_step: Mapped[str] = mapped_column(String(200))
    disposition: Mapped[str] = mapped_column(String(200))
    event_time: Mapped[datetime]
    # SQLite drops offsets silently, so the station's UTC offset has a column of its own.
    event_tz_offset_minutes: Mapped[int] = mapped_column(Integer)
    recorded_at: Mapped[datetime]
    station_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("locations.id"))
    equipment_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("locations.id"), index=True)
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    party_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("parties.id"), index=True)
    reference_document: Mapped[str | None] = mapped_column(String(120))
    reason: Mapped[str | None] = mapped_column(Text)
    # Set on a corrective event: the event it corrects.
    corrects_event_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("events.id"), index=True)


class EventItem(Base):
    """An object taking part in an event, in a role, with a quantity where it applies."""

    __tablename__ = "event_items"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("events.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    lot_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("lots.id"), index=True)
    unit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("serial_units.id"))
    container_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("containers.id"), index=True)
    quantity: Mapped[Decimal | None]
    unit: Mapped[str | None] = mapped_column(String(8))
    # Identifier as it arrived from outside (EPC URI, class) when no local object matches it.
    external_ref: Mapped[str | None] = mapped_column(String(512))


class ErrorDeclaration(Base):
    """EPCIS errorDeclaration: the named event did not occur or carried incorrect data."""

    __tablename__ = "error_declarations"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("events.id"), unique=True)
    declaration_time: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(200))  # CBV errorReason
    comment: Mapped[str] = mapped_column(Text)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    corrective_event_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("events.id"))
