"""What a scanned code points at, as the scan station asks it; and the station's pick lists."""

from __future__ import annotations

from datetime import date

import pytest

from traceapp.db.uow import UnitOfWork
from traceapp.domain.codes.build import build_gs1
from traceapp.domain.errors import NotFound
from traceapp.domain.quantity import Quantity
from traceapp.services import masterdata
from traceapp.services.packing import PackItem, pack
from traceapp.services.station import ScanTarget, resolve_scan, station_choices

from .conftest import Plant

GTIN = "09506000134352"
SSCC = "395060001000000013"


@pytest.fixture
def gs1_plant(plant: Plant) -> Plant:
    with plant.uow() as uow:
        masterdata.add_product(
            uow,
            actor=masterdata.actor_for(uow),
            part_number="OATS",
            name="Rolled oats",
            unit="kg",
            gtin=GTIN,
        )
    return plant


def _label(lot: str, **fields: object) -> str:
    return "]d2" + build_gs1(gtin=GTIN, lot=lot, **fields).element_string  # type: ignore[arg-type]


def test_a_label_of_a_lot_we_hold_names_the_lot_and_what_is_free(gs1_plant: Plant) -> None:
    gs1_plant.receive("O-1", "40 kg", product="OATS")
    with gs1_plant.uow() as uow:
        pack(
            uow,
            actor=gs1_plant.actor,
            container="CASE-1",
            items=[PackItem("OATS/O-1", Quantity.parse("15 kg"))],
        )
    with UnitOfWork(gs1_plant.engine, write=False) as uow:
        info = resolve_scan(uow, actor=gs1_plant.actor, code=_label("O-1"))
    assert info.target is ScanTarget.LOT
    assert info.lot is not None
    assert info.lot.name == "OATS/O-1"
    assert info.free == Quantity.parse("25 kg")
    assert info.display == "OATS/O-1"


def test_a_label_of_a_new_lot_prefills_product_lot_expiry_and_weight(gs1_plant: Plant) -> None:
    payload = _label("O-9", expiry=date(2027, 3, 31), net_weight=Quantity.parse("12.5 kg"))
    with UnitOfWork(gs1_plant.engine, write=False) as uow:
        info = resolve_scan(uow, actor=gs1_plant.actor, code=payload)
    assert info.target is ScanTarget.LABEL
    assert info.product is not None
    assert info.product.part_number == "OATS"
    assert (info.label.lot, info.label.expiry) == ("O-9", date(2027, 3, 31))
    assert info.label.quantity == Quantity.parse("12.5 kg")
    assert info.display == "OATS/O-9"


def test_a_gtin_no_product_carries_is_refused_in_words(gs1_plant: Plant) -> None:
    payload = "]d2" + build_gs1(gtin="09506000134376", lot="X").element_string
    with (
        UnitOfWork(gs1_plant.engine, write=False) as uow,
        pytest.raises(NotFound, match="No product has GTIN 09506000134376"),
    ):
        resolve_scan(uow, actor=gs1_plant.actor, code=payload)


def test_containers_locations_and_unknown_codes(gs1_plant: Plant) -> None:
    gs1_plant.receive("F-1")
    with gs1_plant.uow() as uow:
        pack(uow, actor=gs1_plant.actor, container=SSCC, items=[PackItem("FLOUR/F-1")])
    with UnitOfWork(gs1_plant.engine, write=False) as uow:
        boxed = resolve_scan(uow, actor=gs1_plant.actor, code=f"]d200{SSCC}")
        place = resolve_scan(uow, actor=gs1_plant.actor, code="MIX1")
        plain_lot = resolve_scan(uow, actor=gs1_plant.actor, code="F-1")
        unknown = resolve_scan(uow, actor=gs1_plant.actor, code="PAL-NEW-7")
        new_pallet = resolve_scan(uow, actor=gs1_plant.actor, code="]d200395060001000000020")
    assert boxed.target is ScanTarget.CONTAINER
    assert boxed.container is not None
    assert boxed.container.code == SSCC
    assert place.target is ScanTarget.LOCATION
    assert place.location is not None
    assert place.location.kind == "equipment"
    assert plain_lot.target is ScanTarget.LOT
    assert plain_lot.free == Quantity.parse("0 kg")  # all of it is in the case
    assert (unknown.target, unknown.display) == (ScanTarget.NEW, "PAL-NEW-7")
    assert (new_pallet.target, new_pallet.label.sscc) == (ScanTarget.NEW, "395060001000000020")


def test_the_station_offers_suppliers_customers_products_and_equipment(gs1_plant: Plant) -> None:
    with UnitOfWork(gs1_plant.engine, write=False) as uow:
        choices = station_choices(uow, actor=gs1_plant.actor)
    assert [p.code for p in choices.suppliers] == ["MILL"]
    assert [p.code for p in choices.customers] == ["SHOP1", "SHOP2"]
    assert "OATS" in [p.part_number for p in choices.products]
    assert [e.code for e in choices.equipment] == ["MIX1"]
