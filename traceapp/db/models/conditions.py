"""Process conditions bound to lots: loggers bound to shipments, and lots flagged by excursions.

A flag row is written once per (lot, excursion): the review that finds an excursion during a
lot's residence runs again and again (each sweep of the recorder, each `sensors review`), and the
row is what makes it hold a lot at most once for one excursion, whatever order the lot and the
excursion were recorded in.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from traceapp.db.base import Base


class ShipmentLogger(Base):
    """A logger channel that travelled with a shipment from `start_us` to `end_us` (cold chain)."""

    __tablename__ = "shipment_loggers"
    __table_args__ = (UniqueConstraint("shipment_id", "channel_id", "start_us"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    shipment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("shipments.id"), index=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("sensor_channels.id"), index=True)
    start_us: Mapped[int] = mapped_column(BigInteger)
    end_us: Mapped[int] = mapped_column(BigInteger)
    bound_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    bound_at: Mapped[datetime]


class ConditionFlag(Base):
    """Lot `lot_id` resided where excursion `excursion_id` happened; `held`: the review held it."""

    __tablename__ = "condition_flags"
    __table_args__ = (UniqueConstraint("lot_id", "excursion_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lots.id"), index=True)
    excursion_id: Mapped[int] = mapped_column(ForeignKey("sensor_excursions.id"), index=True)
    flagged_at: Mapped[datetime]
    held: Mapped[bool]
