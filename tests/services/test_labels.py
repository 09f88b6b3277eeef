"""Label contents from lots and containers, and the loop label → rendered symbol → scan → record."""

from __future__ import annotations

import io
from datetime import date

import numpy as np
import pytest
import zxingcpp
from biip.checksums import gs1_standard_check_digit
from PIL import Image

from tests.services.conftest import Plant
from traceapp.db.uow import UnitOfWork
from traceapp.domain.codes import CodeError, CodeKind, parse_code
from traceapp.domain.codes.build import InvalidGs1Field
from traceapp.domain.errors import InvalidInput, UnknownCode
from traceapp.domain.quantity import Quantity
from traceapp.reports.labels import (
    LABEL_100X50,
    LabelContent,
    LabelKind,
    Symbology,
    render_png,
)
from traceapp.services import masterdata
from traceapp.services.labels import container_label, lot_label
from traceapp.services.lots import container_summary, lot_detail
from traceapp.services.packing import PackItem, pack

FLOUR_GTIN = "09506000134352"
COOKIE_GTIN = "04006381333931"
EXPIRY = date(2027, 3, 31)


def sscc(serial: int) -> str:
    body = f"0950600{serial:010d}"
    return body + str(gs1_standard_check_digit(body))


@pytest.fixture
def gs1_plant(plant: Plant) -> Plant:
    """The plant plus products with GTINs: flour by weight, cookies by count, nails in pounds."""
    for part, name, unit, gtin in (
        ("GFLOUR", "Wheat flour 550", "kg", FLOUR_GTIN),
        ("GCOOKIE", "Cookies 500 g", "ea", COOKIE_GTIN),
        ("NAILS", "Nails", "lb", "09506000134369"),
    ):
        with plant.uow() as uow:
            masterdata.add_product(
                uow,
                actor=masterdata.actor_for(uow),
                part_number=part,
                name=name,
                unit=unit,
                gtin=gtin,
                company_prefix_length=7,
            )
    return plant


def scan(content: LabelContent, symbology: Symbology) -> str:
    """Render the label as a printer would, decode it, and return what a scanner transmits."""
    png = render_png(content, LABEL_100X50, dpi=300, symbology=symbology)
    image = np.asarray(Image.open(io.BytesIO(png)).convert("L"))
    (barcode,) = zxingcpp.read_barcodes(image, text_mode=zxingcpp.TextMode.Plain)
    return barcode.symbology_identifier + barcode.text


@pytest.mark.parametrize("symbology", list(Symbology))
def test_a_gs1_lot_label_scans_back_to_the_same_lot(gs1_plant: Plant, symbology: Symbology) -> None:
    gs1_plant.receive("F-7", "12.5 kg", product="GFLOUR", expiry=EXPIRY)
    with gs1_plant.uow() as uow:
        content = lot_label(uow, "GFLOUR/F-7")
    assert content.kind is LabelKind.LOT
    assert content.gs1 is not None
    assert dict(content.gs1.elements) == {
        "01": FLOUR_GTIN,
        "10": "F-7",
        "17": "270331",
        "3101": "000125",
    }
    assert content.product_name == "Wheat flour 550"

    scanned = scan(content, symbology)

    parsed = parse_code(scanned)
    expected_kind = (
        CodeKind.GS1_ELEMENT_STRING
        if symbology is Symbology.DATA_MATRIX
        else CodeKind.GS1_DIGITAL_LINK
    )
    assert (parsed.kind, parsed.gtin, parsed.lot, parsed.expiry) == (
        expected_kind,
        FLOUR_GTIN,
        "F-7",
        EXPIRY,
    )
    assert parsed.net_weight == Quantity.of("12.5", "kg")
    with gs1_plant.uow() as uow:
        assert lot_detail(uow, scanned).lot.name == "GFLOUR/F-7"
        # The label found by its own scan gives the same label: reprints are stable.
        assert lot_label(uow, scanned) == content


def test_a_lot_is_found_by_a_bare_code_and_counted_items_go_into_ai_30(gs1_plant: Plant) -> None:
    gs1_plant.receive("C-1", "48 ea", product="GCOOKIE")
    with gs1_plant.uow() as uow:
        content = lot_label(uow, "C-1")
    assert content.gs1 is not None
    assert content.gs1.value("30") == "48"
    assert content.gs1.value("3100") is None
    assert content.expiry is None


def test_a_product_without_gtin_gets_its_part_lot_as_internal_code(gs1_plant: Plant) -> None:
    gs1_plant.receive("S-1", "25 kg", product="SUGAR")
    with gs1_plant.uow() as uow:
        content = lot_label(uow, "SUGAR/S-1")
    assert content.gs1 is None
    assert content.internal_code == "SUGAR/S-1"
    assert content.net_weight == Quantity.of(25, "kg")  # printed as text
    text = scan(content, Symbology.QR)
    assert text == "]Q1SUGAR/S-1"
    with gs1_plant.uow() as uow:
        # What the symbol holds (a scanner without AIM prefixes sends just this) finds the lot.
        assert lot_detail(uow, text.removeprefix("]Q1")).lot.name == "SUGAR/S-1"


def test_a_weight_ai_310n_cannot_hold_is_printed_as_text(gs1_plant: Plant) -> None:
    gs1_plant.receive("N-1", "3 lb", product="NAILS")  # 1.360777 kg: six decimals, AI 310n has five
    with gs1_plant.uow() as uow:
        content = lot_label(uow, "NAILS/N-1")
    assert content.gs1 is not None
    assert [ai for ai, _ in content.gs1.elements] == ["01", "10"]
    assert content.net_weight is None
    assert "Net 3 lb" in content.text_lines()


def test_a_lot_code_gs1_cannot_carry_is_refused_with_a_typed_error(gs1_plant: Plant) -> None:
    gs1_plant.receive("F 1", "10 kg", product="GFLOUR")  # GS1 lots allow no spaces
    with gs1_plant.uow() as uow, pytest.raises(InvalidGs1Field, match="does not allow"):
        lot_label(uow, "GFLOUR/F 1")


def test_a_pallet_of_one_counted_lot_gets_sscc_gtin_count_lot_and_expiry(
    gs1_plant: Plant,
) -> None:
    gs1_plant.receive("C-2", "48 ea", product="GCOOKIE", expiry=EXPIRY)
    pallet = sscc(17)
    with gs1_plant.uow() as uow:
        pack(
            uow,
            actor=gs1_plant.actor,
            container="CASE-A",
            items=[PackItem("C-2", Quantity.of(12, "ea"))],
        )
    with gs1_plant.uow() as uow:
        pack(
            uow,
            actor=gs1_plant.actor,
            container="CASE-B",
            items=[PackItem("C-2", Quantity.of(12, "ea"))],
        )
    with gs1_plant.uow() as uow:
        pack(
            uow,
            actor=gs1_plant.actor,
            container=pallet,
            kind="pallet",
            items=[PackItem("CASE-A"), PackItem("CASE-B")],
        )
    with gs1_plant.uow() as uow:
        content = container_label(uow, pallet)
    assert content.kind is LabelKind.PALLET
    assert content.gs1 is not None
    assert dict(content.gs1.elements) == {
        "00": pallet,
        "02": COOKIE_GTIN,
        "37": "24",
        "10": "C-2",
        "17": "270331",
    }
    for symbology in Symbology:
        scanned = scan(content, symbology)
        parsed = parse_code(scanned)
        assert (parsed.sscc, parsed.count) == (pallet, Quantity.of(24, "ea"))
        with gs1_plant.uow() as uow:
            assert container_summary(uow, scanned).code == pallet


def test_a_case_of_a_weighed_product_carries_the_sscc_and_its_lots_as_text(
    gs1_plant: Plant,
) -> None:
    gs1_plant.receive("F-8", "100 kg", product="GFLOUR", expiry=EXPIRY)
    gs1_plant.receive("F-9", "100 kg", product="GFLOUR")
    case = sscc(18)
    with gs1_plant.uow() as uow:
        pack(
            uow,
            actor=gs1_plant.actor,
            container=case,
            items=[PackItem("F-8", Quantity.of(20, "kg")), PackItem("F-9", Quantity.of(5, "kg"))],
        )
    with gs1_plant.uow() as uow:
        content = container_label(uow, case)
    assert content.kind is LabelKind.CASE
    assert content.gs1 is not None
    assert content.gs1.elements == (("00", case),)
    assert content.lines == ("Lot F-8   20 kg   Exp 2027-03-31", "Lot F-9   5 kg", "Total 25 kg")
    with gs1_plant.uow() as uow:
        assert container_summary(uow, scan(content, Symbology.DATA_MATRIX)).code == case


def test_a_mixed_pallet_lists_its_lots_and_an_own_code_becomes_the_internal_code(
    gs1_plant: Plant,
) -> None:
    gs1_plant.receive("F-10", "100 kg", product="GFLOUR")
    gs1_plant.receive("C-3", "48 ea", product="GCOOKIE")
    with gs1_plant.uow() as uow:
        pack(uow, actor=gs1_plant.actor, container="CASE-F", items=[PackItem("F-10")])
    with gs1_plant.uow() as uow:
        pack(
            uow,
            actor=gs1_plant.actor,
            container="PAL-7",
            kind="pallet",
            items=[PackItem("CASE-F"), PackItem("C-3")],
        )
    with gs1_plant.uow() as uow:
        content = container_label(uow, "PAL-7")
    assert content.gs1 is None
    assert content.internal_code == "PAL-7"
    assert content.part_number == "MIXED"
    assert sorted(content.lines) == ["GCOOKIE/C-3   48 ea", "GFLOUR/F-10   100 kg"]
    text = scan(content, Symbology.DATA_MATRIX)
    assert text == "]d1PAL-7"
    with gs1_plant.uow() as uow:
        assert container_summary(uow, text.removeprefix("]d1")).code == "PAL-7"
        empty_case = container_label(uow, "CASE-F")
    assert empty_case.internal_code == "CASE-F"
    assert (empty_case.part_number, empty_case.lot) == ("GFLOUR", "F-10")


def test_unknown_and_wrong_codes_get_typed_errors(gs1_plant: Plant) -> None:
    gs1_plant.receive("F-11", "10 kg", product="GFLOUR")
    with UnitOfWork(gs1_plant.engine, write=False) as uow:
        with pytest.raises(UnknownCode):
            lot_label(uow, "GFLOUR/NOPE")
        with pytest.raises(UnknownCode):
            container_label(uow, "PAL-404")
        with pytest.raises(InvalidInput, match="names lot GFLOUR/F-11, not a case or pallet"):
            container_label(uow, "F-11")
        with pytest.raises(CodeError, match="check digit"):
            container_label(uow, "(00)095060001343520018")
