"""GS1 element strings: raw with GS, with AIM symbology identifiers, and the bracketed form."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from traceapp.domain.codes import (
    AmbiguousElementString,
    BadCheckDigit,
    CodeKind,
    ImpossibleDate,
    MalformedElementString,
    UnknownApplicationIdentifier,
    parse_code,
)
from traceapp.domain.quantity import Quantity

GTIN = "09506000134352"


@pytest.mark.parametrize(
    ("payload", "symbology"),
    [
        (f"]d201{GTIN}10ABC\x1d17251231", "]d2"),
        (f"]C101{GTIN}10ABC\x1d17251231", "]C1"),
        (f"]Q301{GTIN}10ABC\x1d17251231", "]Q3"),
        (f"]e001{GTIN}10ABC\x1d17251231", "]e0"),
        (f"01{GTIN}10ABC\x1d17251231", None),
        (f"\x1d01{GTIN}10ABC\x1d17251231\r\n", None),
        (f"(01){GTIN}(10)ABC(17)251231", None),
        (f"(01) {GTIN} (10) ABC (17) 251231", None),
    ],
)
def test_element_string_forms_give_the_same_fields(payload: str, symbology: str | None) -> None:
    code = parse_code(payload)
    assert code.kind is CodeKind.GS1_ELEMENT_STRING
    assert (code.gtin, code.lot, code.expiry) == (GTIN, "ABC", date(2025, 12, 31))
    assert code.symbology == symbology
    assert code.payload == payload


def test_serial_sscc_best_before_weight_and_count_are_read() -> None:
    code = parse_code("(00)106141412345678908(15)260615(3103)001250(37)24(21)S-1")
    assert code.sscc == "106141412345678908"
    assert code.best_before == date(2026, 6, 15)
    assert code.net_weight == Quantity.of(Decimal("1.25"), "kg")
    assert code.count == Quantity.of(24, "ea")
    assert code.serial == "S-1"


def test_expiry_day_00_is_the_last_day_of_the_month() -> None:
    assert parse_code(f"]d201{GTIN}17240200").expiry == date(2024, 2, 29)


def test_every_ai_is_kept_in_payload_order() -> None:
    code = parse_code(f"]d201{GTIN}10ABC\x1d91INTERNAL")
    assert code.elements == (("01", GTIN), ("10", "ABC"), ("91", "INTERNAL"))


def test_no_epc_uri_is_made_without_a_company_prefix_length() -> None:
    assert parse_code(f"]d201{GTIN}21XYZ").epc_uri is None


def test_gtin_and_serial_give_an_sgtin_uri_when_the_prefix_length_is_known() -> None:
    code = parse_code(f"]d201{GTIN}21A/B", company_prefix_length=7)
    assert code.epc_uri == "urn:epc:id:sgtin:9506000.013435.A%2FB"


def test_sscc_gives_an_sscc_uri_when_the_prefix_length_is_known() -> None:
    code = parse_code("(00)106141412345678908", company_prefix_length=7)
    assert code.epc_uri == "urn:epc:id:sscc:0614141.1234567890"


def test_a_plain_number_starting_with_01_is_not_taken_for_gs1() -> None:
    assert parse_code("0123456").kind is CodeKind.PLAIN


@pytest.mark.parametrize(
    "payload",
    [f"]d201{GTIN[:-1]}3", "(01)09506000134353", "0109506000134353", "(00)106141412345678907"],
)
def test_a_wrong_check_digit_is_refused(payload: str) -> None:
    with pytest.raises(BadCheckDigit, match="check digit"):
        parse_code(payload)


@pytest.mark.parametrize(
    "payload", ["]C117251340", "(17)251340", "(15)250230", f"]d201{GTIN}11250132"]
)
def test_an_impossible_date_is_refused(payload: str) -> None:
    with pytest.raises(ImpossibleDate, match="not a calendar date"):
        parse_code(payload)


@pytest.mark.parametrize("payload", ["]d20512345", "(05)123", "(0123)1", "]C1AB12"])
def test_an_unknown_application_identifier_is_refused(payload: str) -> None:
    with pytest.raises(UnknownApplicationIdentifier):
        parse_code(payload)


@pytest.mark.parametrize(
    "payload",
    [
        "]d20109506",  # GTIN cut short
        "]d210AB#C",  # '#' is not in the GS1 character set
        "(01)09506000134352junk(",
        "(10)",
        f"]d201{GTIN}10A\x1d10B",  # the same AI twice with different values
        "]d2\x1d\x1d",
        "]d201٠٩٥٠٦٠٠٠١٣٤٣٥٢",  # Arabic-Indic digits match biip's \d but are not GS1
    ],
)
def test_malformed_element_strings_are_refused(payload: str) -> None:
    with pytest.raises(MalformedElementString):
        parse_code(payload)


def test_a_variable_field_hiding_a_date_without_separator_is_ambiguous() -> None:
    with pytest.raises(AmbiguousElementString, match="17251231") as caught:
        parse_code(f"01{GTIN}10ABC17251231")
    assert "GS" in caught.value.hint


def test_a_variable_field_hiding_a_gtin_without_separator_is_ambiguous() -> None:
    with pytest.raises(AmbiguousElementString):
        parse_code(f"]d221SN7701{GTIN}")


def test_a_lot_at_maximum_length_followed_by_more_data_is_ambiguous() -> None:
    with pytest.raises(AmbiguousElementString, match="maximum length"):
        parse_code(f"]d210{'L' * 20}21XYZ")


def test_a_separated_payload_is_trusted_even_if_its_last_field_looks_like_more_fields() -> None:
    code = parse_code(f"]d201{GTIN}21S1\x1d10ABC17251231")
    assert code.lot == "ABC17251231"


def test_a_field_explicitly_ended_by_gs_is_trusted() -> None:
    assert parse_code(f"]d210ABC17251231\x1d01{GTIN}").lot == "ABC17251231"


def test_a_short_hidden_field_such_as_a_variant_is_not_taken_for_ambiguity() -> None:
    # "L2024" ends in "2024", which reads as AI 20 (variant) "24"; two digits prove nothing.
    assert parse_code(f"]d201{GTIN}10L2024").lot == "L2024"


def test_a_lot_holding_21_is_one_lot_as_gs1_syntax_says() -> None:
    # Documented limit of the ambiguity rule: a variable field inside a variable field cannot be
    # told from a legitimate value, so "ABC21XYZ" stays the lot (see gs1.py, rule R2).
    assert parse_code(f"01{GTIN}10ABC21XYZ").lot == "ABC21XYZ"


def test_weight_decimals_follow_the_ai_digit() -> None:
    assert parse_code("(3105)123456").net_weight == Quantity.of("1.23456", "kg")
    assert parse_code("(3100)000012").net_weight == Quantity.of(12, "kg")
