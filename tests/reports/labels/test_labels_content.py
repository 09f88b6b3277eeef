"""Label content is checked when it is made, with typed errors that say what to fix."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from tests.reports.labels.samples import CONTENTS, GTIN, SSCC
from traceapp.domain.codes import BadCheckDigit, CodeKind, parse_code
from traceapp.domain.codes.build import ConflictingGs1Fields, InvalidGs1Field
from traceapp.domain.errors import InvalidInput
from traceapp.domain.ids import LotId
from traceapp.domain.lots import LotOrigin, LotStatus
from traceapp.domain.quantity import Quantity
from traceapp.domain.results import LotSummary
from traceapp.reports.labels import LabelContent, LabelError, LabelKind, Symbology


def lot_label(**changes: object) -> LabelContent:
    fields: dict[str, object] = {
        "kind": LabelKind.LOT,
        "part_number": "P-100",
        "product_name": "Sauce",
        "gtin": GTIN,
        "lot": "L1",
    }
    fields.update(changes)
    return LabelContent(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"gtin": "09506000134353"}, BadCheckDigit),
        ({"gtin": "9506000134352"}, InvalidGs1Field),
        ({"lot": "L" * 21}, InvalidGs1Field),
        ({"lot": "LOT 1"}, InvalidGs1Field),
        ({"lot": "LÖT"}, InvalidGs1Field),
        ({"lot": ""}, InvalidGs1Field),
        ({"serial": "S#1"}, InvalidGs1Field),
        ({"sscc": SSCC}, LabelError),
        ({"count": Quantity.of("2.5", "ea")}, LabelError),
        ({"net_weight": Quantity.of("2", "l")}, InvalidGs1Field),
        ({"net_weight": Quantity.of("1000000", "kg")}, InvalidGs1Field),
        ({"part_number": " "}, LabelError),
        ({"gtin": None, "lot": None}, LabelError),
        ({"gtin": None, "internal_code": "(01)09506000134352"}, LabelError),
        ({"gtin": None, "internal_code": f"https://id.gs1.org/01/{GTIN}"}, LabelError),
        ({"gtin": None, "internal_code": "A\tB"}, LabelError),
    ],
)
def test_bad_content_is_refused_with_a_typed_error(
    changes: dict[str, object], error: type[InvalidInput]
) -> None:
    with pytest.raises(error) as raised:
        lot_label(**changes)
    assert isinstance(raised.value, InvalidInput)
    assert raised.value.hint or "Give" in raised.value.message


def test_a_case_with_sscc_and_its_own_gtin_has_no_digital_link() -> None:
    case = LabelContent(LabelKind.CASE, "P-100", gtin=GTIN, sscc=SSCC, lot="L1")
    assert case.gs1 is not None
    assert case.gs1.value("01") == GTIN
    with pytest.raises(ConflictingGs1Fields, match="one primary key"):
        case.payload(Symbology.QR)
    assert parse_code("]d2" + case.payload(Symbology.DATA_MATRIX)).sscc == SSCC


def test_a_pallet_with_a_count_names_its_contents_with_ai_02_and_37() -> None:
    pallet = CONTENTS["pallet"]
    assert pallet.gs1 is not None
    assert [ai for ai, _ in pallet.gs1.elements] == ["00", "02", "10", "37"]


def test_a_product_without_gtin_gets_a_plain_part_slash_lot_code() -> None:
    label = CONTENTS["internal"]
    assert not label.is_gs1
    assert label.payload(Symbology.QR) == label.payload(Symbology.DATA_MATRIX) == "RAW-7/L2024-118"
    assert parse_code(label.payload(Symbology.QR)).kind is CodeKind.PLAIN


def test_a_lot_label_is_made_from_a_lot_summary() -> None:
    summary = LotSummary(
        id=LotId(uuid.uuid4()),
        part_number="P-100",
        product_name="Sauce",
        lot_code="L7",
        status=LotStatus.ACTIVE,
        on_hand=Quantity.of("7.25", "kg"),
        initial=Quantity.of("10", "kg"),
        origin=LotOrigin.PRODUCED,
        expiry=date(2027, 1, 31),
    )
    label = LabelContent.for_lot(summary, gtin=GTIN)
    code = parse_code(label.payload(Symbology.QR))
    assert (code.gtin, code.lot, code.expiry) == (GTIN, "L7", date(2027, 1, 31))
    assert code.net_weight == Quantity.of(Decimal("7.25"), "kg")
    counted = LabelContent.for_lot(replace(summary, on_hand=Quantity.of(40, "ea")))
    assert counted.internal_code == "P-100/L7"
    assert "Qty 40" in counted.text_lines()


def test_compact_text_leaves_out_only_what_the_hri_repeats() -> None:
    pallet = CONTENTS["pallet"]
    assert pallet.text_lines(compact=True) == ("Part P-100", "Ship to: Example Foods Ltd, Dock 4")
    assert "Lot L2024-117" in " ".join(pallet.text_lines())
