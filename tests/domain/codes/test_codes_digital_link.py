"""GS1 Digital Link URIs on any domain."""

from __future__ import annotations

from datetime import date

import pytest

from traceapp.domain.codes import (
    BadCheckDigit,
    CodeKind,
    ImpossibleDate,
    MalformedDigitalLink,
    parse_code,
)

GTIN = "09506000134352"


def test_the_gs1_resolver_link_gives_gtin_lot_serial_and_expiry() -> None:
    code = parse_code(f"https://id.gs1.org/01/{GTIN}/10/ABC/21/123?17=251231")
    assert code.kind is CodeKind.GS1_DIGITAL_LINK
    assert (code.gtin, code.lot, code.serial, code.expiry) == (
        GTIN,
        "ABC",
        "123",
        date(2025, 12, 31),
    )


def test_a_link_on_any_domain_with_a_path_prefix_is_read() -> None:
    code = parse_code(f"https://example.com/products/01/{GTIN}/21/X%2FY?3103=001250&linkType=all")
    assert (code.gtin, code.serial, str(code.net_weight)) == (GTIN, "X/Y", "1.25 kg")


def test_a_gtin_13_in_the_path_is_widened_to_gtin_14() -> None:
    assert parse_code("https://example.com/01/9506000134352").gtin == GTIN


def test_an_uppercase_qr_alphanumeric_link_is_read() -> None:
    assert parse_code(f"HTTPS://ID.GS1.ORG/01/{GTIN}").gtin == GTIN


def test_an_ordinary_web_address_is_plain() -> None:
    assert parse_code("https://example.com/about/us").kind is CodeKind.PLAIN


def test_a_bad_check_digit_in_the_path_is_refused() -> None:
    with pytest.raises(BadCheckDigit):
        parse_code("https://id.gs1.org/01/09506000134353")


def test_an_impossible_date_in_the_query_is_refused() -> None:
    with pytest.raises(ImpossibleDate):
        parse_code(f"https://id.gs1.org/01/{GTIN}?17=251340")


@pytest.mark.parametrize(
    "payload",
    [
        f"https://id.gs1.org/01/{GTIN}/21/123/10/ABC",  # qualifiers out of order
        f"https://id.gs1.org/01/{GTIN}/10",  # a key without a value
        f"https://id.gs1.org/01/{GTIN}/99/X",  # not a qualifier of a GTIN
    ],
)
def test_a_link_breaking_the_digital_link_syntax_is_refused(payload: str) -> None:
    with pytest.raises(MalformedDigitalLink):
        parse_code(payload)
