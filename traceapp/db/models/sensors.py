"""Sensor storage: channels, raw readings, per-second and per-minute aggregates, gaps, excursions.

Times are BIGINT microseconds since the Unix epoch (UTC), not timestamp columns: the bulk path
hands the driver a Python int as it is (no text formatting per reading on SQLite, no timestamp
parsing on PostgreSQL), comparisons and bucket arithmetic are integer ones, and an index entry is
8 bytes. At 50,000 readings a second that is most of the difference between keeping up or not.

Values are floats (REAL / double precision). The app otherwise forbids floats for quantities;
readings are measurements with an instrument's own uncertainty that are only compared and
averaged, never booked against a balance, so a binary float is right here.

"Readings of channel C between t1 and t2" is one range scan of ix_sensor_readings_channel_time;
"excursions of channel C in a window" one of ix_sensor_excursions_channel_start.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from traceapp.db.base import Base


class SensorChannel(Base):
    """One measured quantity on one piece of equipment (`site/equipment/name` as in MQTT topics)."""

    __tablename__ = "sensor_channels"
    __table_args__ = (UniqueConstraint("site", "equipment", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    site: Mapped[str] = mapped_column(String(64))
    equipment: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[str] = mapped_column(String(64))
    unit: Mapped[str] = mapped_column(String(16))
    lsl: Mapped[float | None] = mapped_column(Float)
    usl: Mapped[float | None] = mapped_column(Float)
    lcl: Mapped[float | None] = mapped_column(Float)
    ucl: Mapped[float | None] = mapped_column(Float)
    expected_period_us: Mapped[int] = mapped_column(BigInteger)
    # The equipment location of that code, when master data has one (lots meet readings there).
    location_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("locations.id"), index=True)
    created_at: Mapped[datetime]


# Raw readings have no key of their own (none is ever looked up alone) and no ORM class: they
# are written by the bulk path and read by range queries only. No foreign key either: the writer
# resolves every channel before it writes, and a per-row parent look-up would cost ingest speed.
sensor_readings = Table(
    "sensor_readings",
    Base.metadata,
    Column("channel_id", Integer, nullable=False),
    Column("time_us", BigInteger, nullable=False),
    Column("value", Float, nullable=False),
    Index("ix_sensor_readings_channel_time", "channel_id", "time_us"),
)


def _aggregate_table(name: str) -> Table:
    # The sum, not the mean, is stored: a later batch adds to a bucket with plain arithmetic.
    return Table(
        name,
        Base.metadata,
        Column("channel_id", Integer, ForeignKey("sensor_channels.id"), primary_key=True),
        Column("start_us", BigInteger, primary_key=True),
        Column("minimum", Float, nullable=False),
        Column("maximum", Float, nullable=False),
        Column("total", Float, nullable=False),
        Column("count", Integer, nullable=False),
    )


sensor_seconds = _aggregate_table("sensor_seconds")
sensor_minutes = _aggregate_table("sensor_minutes")

sensor_gaps = Table(
    "sensor_gaps",
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("channel_id", Integer, ForeignKey("sensor_channels.id"), nullable=False),
    Column("start_us", BigInteger, nullable=False),  # the last reading before the silence
    Column("end_us", BigInteger),  # the first reading after it; NULL while still silent
    UniqueConstraint("channel_id", "start_us"),
)

sensor_excursions = Table(
    "sensor_excursions",
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("channel_id", Integer, ForeignKey("sensor_channels.id"), nullable=False),
    Column("start_us", BigInteger, nullable=False),
    Column("kind", String(8), nullable=False),  # spec | control
    Column("end_us", BigInteger, nullable=False),
    Column("worst", Float, nullable=False),
    Column("count", Integer, nullable=False),
    Column("is_open", Integer, nullable=False),  # 1 while the last reading seen is still outside
    # A named unique index, not a constraint: SQLite would name a constraint's index itself.
    Index("ix_sensor_excursions_channel_start", "channel_id", "start_us", "kind", unique=True),
)
