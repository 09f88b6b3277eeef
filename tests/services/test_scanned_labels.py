"""Steps driven by what scanners read: GS1 element strings, Digital Link URIs and SSCC labels."""

from __future__ import annotations

from decimal import Decimal

import pytest

from traceapp.domain.codes.errors import BadCheckDigit
from traceapp.domain.errors import InvalidInput, NotFound, UnknownCode
from traceapp.domain.quantity import Quantity
from traceapp.services import masterdata
from traceapp.services.lots import container_summary, lot_detail
from traceapp.services.packing import PackItem, pack
from traceapp.services.production import InputSpec, OutputSpec, produce
from traceapp.services.shipping import ship

from .conftest import Plant

GTIN = "09506000134352"
GS = "\x1d"
DATAMATRIX = f"]d201{GTIN}10L-77{GS}17271231"
DIGITAL_LINK = f"https://id.gs1.org/01/{GTIN}/10/L-77?17=271231"
SSCC = "106141412345678908"


@pytest.fixture
def labelled(plant: Plant) -> Plant:
    with plant.uow() as uow:
        masterdata.add_product(
            uow,
            actor=masterdata.actor_for(uow),
            part_number="OIL",
            name="Sunflower oil",
            unit="l",
            gtin=GTIN,
        )
    plant.receive("L-77", "200 l", product="OIL")
    return plant


def _use(plant: Plant, code: str, qty: str, output: str) -> None:
    with plant.uow() as uow:
        produce(
            uow,
            actor=plant.actor,
            inputs=[InputSpec(code, Quantity.parse(qty))],
            outputs=[OutputSpec("DOUGH", output, Quantity.parse("1 kg"))],
        )


def test_a_gs1_datamatrix_or_digital_link_scan_names_the_lot(labelled: Plant) -> None:
    _use(labelled, DATAMATRIX, "10 l", "D-1")
    _use(labelled, DIGITAL_LINK, "5 l", "D-2")
    _use(labelled, f"(01){GTIN}(10)L-77", "5 l", "D-3")
    with labelled.uow() as uow:
        assert lot_detail(uow, DATAMATRIX).lot.on_hand == Quantity(Decimal(180), "l")


def test_a_pallet_label_names_the_container_by_its_sscc(labelled: Plant) -> None:
    with labelled.uow() as uow:
        pack(
            uow,
            actor=labelled.actor,
            container=f"]C100{SSCC}",
            kind="pallet",
            items=[PackItem("OIL/L-77")],
        )
    with labelled.uow() as uow:
        assert container_summary(uow, SSCC).code == SSCC
        ship(uow, actor=labelled.actor, customer="SHOP1", items=[PackItem(f"(00){SSCC}")])
    with labelled.uow() as uow:
        assert container_summary(uow, SSCC).status == "shipped"


def test_labels_that_cannot_name_a_lot_are_refused_with_the_reason(labelled: Plant) -> None:
    with pytest.raises(NotFound, match="No product has GTIN 00614141123452"):
        _use(labelled, "]d20100614141123452" + "10L-77", "1 l", "D-1")
    with pytest.raises(InvalidInput, match="no lot number"):
        _use(labelled, f"]d201{GTIN}", "1 l", "D-1")
    with pytest.raises(BadCheckDigit):
        _use(labelled, "]d2010950600013435310L-77", "1 l", "D-1")
    with pytest.raises(UnknownCode):
        _use(labelled, f"]d201{GTIN}10L-78", "1 l", "D-1")


def test_a_plain_code_with_a_scanners_aim_prefix_names_the_lot_and_container(
    labelled: Plant,
) -> None:
    with labelled.uow() as uow:
        pack(
            uow,
            actor=labelled.actor,
            container="]C0CASE-7",
            items=[PackItem("]d1OIL/L-77", Quantity.parse("5 l"))],
        )
    with labelled.uow() as uow:
        assert container_summary(uow, "]Q1CASE-7").code == "CASE-7"
        assert lot_detail(uow, "]Q1OIL/L-77").containers == ("CASE-7",)
