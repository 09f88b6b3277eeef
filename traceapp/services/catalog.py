"""Read-only lists of master data (products, parties, locations) for the CLI and the GUI."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import aliased

from traceapp.db.models import Location, Party, Product
from traceapp.db.uow import UnitOfWork

DEFAULT_LIMIT = 1000  # master data is small; the bound keeps a runaway table from flooding a screen


@dataclass(frozen=True, slots=True)
class ProductInfo:
    id: uuid.UUID
    part_number: str
    name: str
    unit: str
    kind: str
    gtin: str | None = None
    shelf_life_days: int | None = None


@dataclass(frozen=True, slots=True)
class PartyInfo:
    id: uuid.UUID
    code: str
    name: str
    kind: str
    contact_name: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None


@dataclass(frozen=True, slots=True)
class LocationInfo:
    id: uuid.UUID
    code: str
    name: str
    kind: str
    parent: str | None = None  # the parent location's code


def list_products(uow: UnitOfWork, *, limit: int = DEFAULT_LIMIT) -> tuple[ProductInfo, ...]:
    """Products by part number."""
    rows = uow.session.scalars(select(Product).order_by(Product.part_number).limit(limit))
    return tuple(
        ProductInfo(
            id=row.id,
            part_number=row.part_number,
            name=row.name,
            unit=row.unit,
            kind=row.kind,
            gtin=row.gtin,
            shelf_life_days=row.shelf_life_days,
        )
        for row in rows
    )


def list_parties(
    uow: UnitOfWork, *, kind: str | None = None, limit: int = DEFAULT_LIMIT
) -> tuple[PartyInfo, ...]:
    """Suppliers and customers by code; `kind` keeps those usable as that kind (and 'both')."""
    query = select(Party).order_by(Party.code).limit(limit)
    if kind is not None:
        query = query.where(Party.kind.in_((kind, "both")))
    return tuple(
        PartyInfo(
            id=row.id,
            code=row.code,
            name=row.name,
            kind=row.kind,
            contact_name=row.contact_name,
            contact_email=row.contact_email,
            contact_phone=row.contact_phone,
        )
        for row in uow.session.scalars(query)
    )


def list_locations(uow: UnitOfWork, *, limit: int = DEFAULT_LIMIT) -> tuple[LocationInfo, ...]:
    """Locations by code, each with its parent's code."""
    parent = aliased(Location)
    query = (
        select(Location, parent.code)
        .outerjoin(parent, parent.id == Location.parent_id)
        .order_by(Location.code)
        .limit(limit)
    )
    return tuple(
        LocationInfo(id=row.id, code=row.code, name=row.name, kind=row.kind, parent=parent_code)
        for row, parent_code in uow.session.execute(query)
    )
