"""Building GS1 data for labels: checked fields in, element strings and Digital Links that read back."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from traceapp.domain.codes import BadCheckDigit, CodeKind, parse_code
from traceapp.domain.codes.build import (
    ConflictingGs1Fields,
    InvalidGs1Field,
    build_gs1,
)
from traceapp.domain.codes.text import GS
from traceapp.domain.errors import InvalidInput
from traceapp.domain.quantity import Quantity

GTIN = "09506000134352"
SSCC = "095060001343520000"
CSET82_CHARS = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"


def test_fixed_fields_come_first_so_only_variable_fields_need_separators() -> None:
    data = build_gs1(
        gtin=GTIN,
        lot="ABC",
        serial="S1",
        expiry=date(2026, 12, 31),
        net_weight=Quantity.of("12.5", "kg"),
    )
    assert [ai for ai, _ in data.elements] == ["01", "17", "3101", "10", "21"]
    assert data.element_string == f"01{GTIN}17261231310100012510ABC{GS}21S1"
    assert data.bracketed == f"(01){GTIN}(17)261231(3101)000125(10)ABC(21)S1"
    assert data.hri()[0] == f"(01) {GTIN}"


@pytest.mark.parametrize(
    "form", ["element_string", "bracketed", "digital_link"], ids=lambda form: form
)
def test_every_form_reads_back_to_the_same_fields(form: str) -> None:
    data = build_gs1(
        sscc=SSCC, content_gtin=GTIN, lot="A/B-1", count=48, best_before=date(2026, 2, 28)
    )
    text = data.digital_link() if form == "digital_link" else getattr(data, form)
    if form == "element_string":
        text = "]d2" + text
    code = parse_code(text)
    assert dict(code.elements) == dict(data.elements)
    assert (code.sscc, code.lot, code.best_before) == (SSCC, "A/B-1", date(2026, 2, 28))
    assert code.count == Quantity.of(48, "ea")


def test_a_lot_ending_in_field_like_digits_gets_a_separator_our_reader_trusts() -> None:
    """Without a GS, "10X17261231" could be lot X plus a lost expiry; gs1.py refuses that (R2)."""
    data = build_gs1(gtin=GTIN, lot="X17261231")
    assert GS in data.element_string
    for payload in (data.element_string, "]d2" + data.element_string):
        code = parse_code(payload)
        assert (code.gtin, code.lot, code.expiry) == (GTIN, "X17261231", None)


def test_the_digital_link_percent_encodes_the_lot_and_may_use_the_plants_domain() -> None:
    data = build_gs1(gtin=GTIN, lot="A/B%1", expiry=date(2026, 12, 31))
    assert data.digital_link() == f"https://id.gs1.org/01/{GTIN}/10/A%2FB%251?17=261231"
    link = data.digital_link("qr.example.com")
    assert link.startswith("https://qr.example.com/01/")
    assert parse_code(link).kind is CodeKind.GS1_DIGITAL_LINK
    with pytest.raises(InvalidGs1Field, match="host name"):
        data.digital_link("https://qr.example.com/")


def test_an_sscc_with_its_own_gtin_has_no_digital_link() -> None:
    data = build_gs1(sscc=SSCC, gtin=GTIN)
    with pytest.raises(ConflictingGs1Fields, match="one primary key"):
        data.digital_link()


@pytest.mark.parametrize(
    ("weight", "element"),
    [
        (Quantity.of("12.5", "kg"), ("3101", "000125")),
        (Quantity.of("500", "g"), ("3101", "000005")),
        (Quantity.of("0.001", "kg"), ("3103", "000001")),
        (Quantity.of("999999", "kg"), ("3100", "999999")),
        (Quantity.of("1.23456", "kg"), ("3105", "123456")),
        (Quantity.of("2", "t"), ("3100", "002000")),
    ],
)
def test_net_weight_uses_the_fewest_decimals_that_hold_it_exactly(
    weight: Quantity, element: tuple[str, str]
) -> None:
    data = build_gs1(gtin=GTIN, net_weight=weight)
    assert data.elements[-1] == element
    assert parse_code(data.bracketed).net_weight == weight.to("kg")


@pytest.mark.parametrize(
    ("fields", "error", "words"),
    [
        ({"gtin": "09506000134353"}, BadCheckDigit, "check digit"),
        ({"gtin": "0950600013435"}, InvalidGs1Field, "14 digits"),
        ({"sscc": "095060001343520001"}, BadCheckDigit, "check digit"),
        ({"gtin": GTIN, "lot": "L" * 21}, InvalidGs1Field, "1 to 20"),
        ({"gtin": GTIN, "lot": "L 1"}, InvalidGs1Field, "' '"),
        ({"gtin": GTIN, "serial": "Nº1"}, InvalidGs1Field, "'º'"),
        ({"gtin": GTIN, "count": 0}, InvalidGs1Field, "count"),
        ({"gtin": GTIN, "count": 100_000_000}, InvalidGs1Field, "count"),
        ({"gtin": GTIN, "net_weight": Quantity.of("1", "lb")}, InvalidGs1Field, "Round"),
        (
            {"gtin": GTIN, "net_weight": Quantity.of("1000000", "kg")},
            InvalidGs1Field,
            "does not fit",
        ),
        ({"gtin": GTIN, "net_weight": Quantity.of("5", "ea")}, InvalidGs1Field, "not a mass"),
        ({"gtin": GTIN, "content_gtin": GTIN}, ConflictingGs1Fields, "cannot both"),
        ({"sscc": SSCC, "content_gtin": GTIN}, ConflictingGs1Fields, "AI 37"),
        ({"sscc": SSCC, "serial": "S1"}, ConflictingGs1Fields, "AI 21"),
        ({"sscc": SSCC, "lot": "L1"}, ConflictingGs1Fields, "lot"),
        ({}, ConflictingGs1Fields, "needs a key"),
    ],
)
def test_fields_gs1_does_not_allow_are_refused_with_what_to_fix(
    fields: dict[str, object], error: type[InvalidInput], words: str
) -> None:
    with pytest.raises(error, match=words) as raised:
        build_gs1(**fields)  # type: ignore[arg-type]
    assert raised.value.hint  # says what to do, e.g. fix the master data


def test_the_epc_uri_needs_the_company_prefix_length_from_master_data() -> None:
    assert build_gs1(sscc=SSCC).epc_uri(7) == "urn:epc:id:sscc:9506000.0134352000"
    assert build_gs1(gtin=GTIN, serial="S1").epc_uri(7) == "urn:epc:id:sgtin:9506000.013435.S1"
    assert build_gs1(gtin=GTIN, lot="L1").epc_uri(7) is None  # a lot has no EPC identity
    with pytest.raises(InvalidGs1Field, match="6 to 12"):
        build_gs1(sscc=SSCC).epc_uri(5)


@given(
    lot=st.text(alphabet=CSET82_CHARS, min_size=1, max_size=20),
    expiry=st.dates(min_value=date(2000, 1, 1), max_value=date(2049, 12, 31)),
    grams=st.integers(min_value=1, max_value=999_999),  # up to 999.999 kg: AI 3103
)
def test_any_allowed_lot_date_and_weight_read_back_from_every_form(
    lot: str, expiry: date, grams: int
) -> None:
    weight = Quantity.of(Decimal(grams) / 1000, "kg")
    data = build_gs1(gtin=GTIN, lot=lot, expiry=expiry, net_weight=weight)
    for text in ("]d2" + data.element_string, data.digital_link()):
        code = parse_code(text)
        assert (code.gtin, code.lot, code.expiry, code.net_weight) == (GTIN, lot, expiry, weight)
