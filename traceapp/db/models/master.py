"""Master data: products, parties, locations, users, and plant-wide key/value facts."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from traceapp.db.base import Base


class Product(Base):
    __tablename__ = "products"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    part_number: Mapped[str] = mapped_column(String(40), unique=True)
    gtin: Mapped[str | None] = mapped_column(String(14), unique=True)
    # GTIN -> EPC needs the length of the GS1 company prefix; it is never guessed.
    company_prefix_length: Mapped[int | None] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(16))
    shelf_life_days: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime]


class Party(Base):
    """A supplier or customer, with the contact a recall must reach."""

    __tablename__ = "parties"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # supplier, customer, both
    gln: Mapped[str | None] = mapped_column(String(13))
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(200))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class Location(Base):
    """Site -> area -> station (EPCIS read point) -> equipment."""

    __tablename__ = "locations"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # site, area, station, equipment
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("locations.id"), index=True)
    gln: Mapped[str | None] = mapped_column(String(13))
    created_at: Mapped[datetime]


class User(Base):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(default=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # Badge scan + PIN login: the badge is looked up by its SHA-256, the PIN checked with argon2.
    badge_digest: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
    pin_hash: Mapped[str | None] = mapped_column(String(255))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None]
    password_changed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class PlantMeta(Base):
    """Plant-wide facts (e.g. which demo lots benchmarks start from)."""

    __tablename__ = "plant_meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
