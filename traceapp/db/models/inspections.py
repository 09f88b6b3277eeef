"""Inspection plans (versioned), their characteristics, inspections, measurements, nonconformances."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from traceapp.db.base import Base


class InspectionPlan(Base):
    """One version of a product's plan at a step. A new version is a new row; only `active`
    changes (off when the next version is added), so an inspection's version stays as it was."""

    __tablename__ = "inspection_plans"
    __table_args__ = (UniqueConstraint("product_id", "step", "version"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id"), index=True)
    step: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)
    sample_size: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool]
    created_at: Mapped[datetime]
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))


class InspectionCharacteristic(Base):
    """What one plan version checks, in the order it is entered."""

    __tablename__ = "inspection_characteristics"
    __table_args__ = (UniqueConstraint("plan_id", "name"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("inspection_plans.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(16))  # variable, attribute, count
    nominal: Mapped[Decimal | None]
    lsl: Mapped[Decimal | None]
    usl: Mapped[Decimal | None]
    unit: Mapped[str] = mapped_column(String(16))
    decimals: Mapped[int] = mapped_column(Integer)
    answers: Mapped[str | None] = mapped_column(Text)  # JSON list, attributes only
    passing: Mapped[str | None] = mapped_column(Text)  # JSON list, attributes only
    max_count: Mapped[int | None] = mapped_column(Integer)


class Inspection(Base):
    """One inspection of a lot with the plan version it used. Never changed."""

    __tablename__ = "inspections"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    lot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lots.id"), index=True)
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("inspection_plans.id"), index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    station_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("locations.id"))
    inspected_at: Mapped[datetime]
    # SQLite drops offsets silently, so the station's UTC offset has a column of its own.
    tz_offset_minutes: Mapped[int] = mapped_column(Integer)
    result: Mapped[str] = mapped_column(String(8))  # passed, failed


class InspectionMeasurement(Base):
    """One entered value of an inspection, as checked."""

    __tablename__ = "inspection_measurements"
    __table_args__ = (UniqueConstraint("inspection_id", "characteristic_id", "sample"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    inspection_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("inspections.id"), index=True)
    characteristic_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("inspection_characteristics.id")
    )
    sample: Mapped[int] = mapped_column(Integer)
    entered: Mapped[str] = mapped_column(String(80))  # as typed or sent by the gauge
    value: Mapped[Decimal | None]  # variables and counts, rounded as compared
    answer: Mapped[str | None] = mapped_column(String(80))  # attributes, the plan's spelling
    passed: Mapped[bool]
    reason: Mapped[str] = mapped_column(Text)


class Nonconformance(Base):
    """A nonconformance opened on a lot (by a failed inspection); closed later by quality."""

    __tablename__ = "nonconformances"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    lot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lots.id"), index=True)
    inspection_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("inspections.id"), index=True
    )
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(8))  # open, closed
    opened_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    # Set once, when a quality manager closes it (signed): what was decided and why.
    closed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    disposition: Mapped[str | None] = mapped_column(String(24))
    close_reason: Mapped[str | None] = mapped_column(Text)
