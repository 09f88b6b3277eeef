"""The scan station's questions: what a scanned code points at, and the lists its fields offer."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from traceapp.db.repositories import Repository
from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.permissions import UseCase, require
from traceapp.domain.quantity import Quantity
from traceapp.domain.results import ContainerSummary, LotSummary
from traceapp.services.catalog import (
    LocationInfo,
    PartyInfo,
    ProductInfo,
    list_locations,
    list_parties,
    list_products,
)
from traceapp.services.recording import find_container, find_lot
from traceapp.services.scans import read_scan, unknown_gtin
from traceapp.services.summaries import container_summaries, lot_summaries, quantity


class ScanTarget(enum.StrEnum):
    LOT = "lot"  # a lot we hold
    CONTAINER = "container"  # a case or pallet we know
    LABEL = (
        "label"  # a product label (GTIN) whose lot is not ours yet: something to receive or make
    )
    LOCATION = "location"  # a location's code, e.g. a destination label on a rack
    NEW = "new"  # a code we do not know: a new container's label, or a mistyped lot


@dataclass(frozen=True, slots=True)
class LabelFields:
    """What a GS1 label says, for prefilling; every field may be missing."""

    gtin: str | None = None
    lot: str | None = None
    expiry: date | None = None
    quantity: Quantity | None = None
    sscc: str | None = None


@dataclass(frozen=True, slots=True)
class ScanInfo:
    """One scanned code, resolved: what it is and what the station's fields can take from it."""

    code: str  # as scanned (GS separators kept), to hand back to the step's service
    target: ScanTarget
    label: LabelFields
    lot: LotSummary | None = None
    free: Quantity | None = None  # what of the lot is neither packed nor gone
    container: ContainerSummary | None = None
    product: ProductInfo | None = None  # the product a GTIN names
    location: LocationInfo | None = None

    @property
    def display(self) -> str:
        """The code as a person reads it: PART/LOT, the container code, or the label's fields."""
        if self.lot is not None:
            return self.lot.name
        if self.container is not None:
            return self.container.code
        if self.location is not None:
            return self.location.code
        if self.product is not None and self.label.lot:
            return f"{self.product.part_number}/{self.label.lot}"
        if self.label.sscc:
            return self.label.sscc
        return self.code.strip()


@dataclass(frozen=True, slots=True)
class StationChoices:
    """What the station's pick lists offer."""

    suppliers: tuple[PartyInfo, ...]
    customers: tuple[PartyInfo, ...]
    products: tuple[ProductInfo, ...]
    locations: tuple[LocationInfo, ...]

    @property
    def equipment(self) -> tuple[LocationInfo, ...]:
        return tuple(place for place in self.locations if place.kind == "equipment")


def station_choices(uow: UnitOfWork, *, actor: Actor) -> StationChoices:
    require(actor.role, UseCase.READ, username=actor.username)
    return StationChoices(
        suppliers=list_parties(uow, kind="supplier"),
        customers=list_parties(uow, kind="customer"),
        products=list_products(uow),
        locations=list_locations(uow),
    )


def resolve_scan(uow: UnitOfWork, *, actor: Actor, code: str) -> ScanInfo:
    """Say what a scanned code names. Unreadable labels and unknown GTINs are refused in words."""
    require(actor.role, UseCase.READ, username=actor.username)
    reading = read_scan(code)
    parsed = reading.parsed if reading.structured else None
    fields = LabelFields()
    if parsed is not None:
        fields = LabelFields(
            gtin=parsed.gtin,
            lot=parsed.lot,
            expiry=parsed.expiry or parsed.best_before,
            quantity=parsed.net_weight or parsed.count,
            sscc=parsed.sscc,
        )
    repo = Repository(uow.session)
    product_row = repo.product_by_gtin(fields.gtin) if fields.gtin else None
    if fields.gtin and product_row is None:
        raise unknown_gtin(fields.gtin)
    product = None
    if product_row is not None:
        product = ProductInfo(
            id=product_row.id,
            part_number=product_row.part_number,
            name=product_row.name,
            unit=product_row.unit,
            kind=product_row.kind,
            gtin=product_row.gtin,
            shelf_life_days=product_row.shelf_life_days,
        )
    container = find_container(repo, code)
    if container is not None:
        summary = container_summaries(repo, [container])[0]
        return ScanInfo(code, ScanTarget.CONTAINER, fields, container=summary, product=product)
    if parsed is not None and parsed.gtin and not parsed.lot:
        # A product label without a lot: enough to prefill a receipt or an output, not to find a lot.
        return ScanInfo(code, ScanTarget.LABEL, fields, product=product)
    lot_row = find_lot(repo, code) if parsed is None or parsed.lot else None
    if lot_row is not None:
        lot = lot_summaries(repo, [(lot_row.lot, lot_row.product)])[0]
        free = quantity(
            lot_row.lot.on_hand - repo.open_packed_total(lot_row.lot.id), lot_row.lot.unit
        )
        return ScanInfo(code, ScanTarget.LOT, fields, lot=lot, free=free, product=product)
    if product is not None:
        return ScanInfo(code, ScanTarget.LABEL, fields, product=product)
    if reading.text is not None:
        place = repo.location_by_code(reading.text)
        if place is not None:
            info = LocationInfo(id=place.id, code=place.code, name=place.name, kind=place.kind)
            return ScanInfo(code, ScanTarget.LOCATION, fields, location=info)
    reading.refuse_if_unreadable()
    return ScanInfo(code, ScanTarget.NEW, fields)
