"""EPC tag memory (SGTIN-96, SGTIN-198, SSCC-96) and EPC URIs, per the GS1 Tag Data Standard."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from traceapp.domain.codes import (
    CodeKind,
    EpcHeaderError,
    MalformedEpc,
    TruncatedEpc,
    parse_code,
)

# TDS partition tables: partition -> (company prefix bits, digits); the reference takes the rest.
PARTITIONS = ((40, 12), (37, 11), (34, 10), (30, 9), (27, 8), (24, 7), (20, 6))
AI82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"


def encode(
    header: int,
    filter_value: int,
    prefix: str,
    reference: str,
    key_bits: int,
    tail: list[tuple[int, int]],
) -> int:
    """Tag memory as an integer, written independently of the decoder from the TDS layout."""
    partition = [digits for _, digits in PARTITIONS].index(len(prefix))
    prefix_bits = PARTITIONS[partition][0]
    fields = [(header, 8), (filter_value, 3), (partition, 3), (int(prefix), prefix_bits)]
    fields += [(int(reference), key_bits - prefix_bits), *tail]
    value = 0
    for field, width in fields:
        assert field < 1 << width
        value = (value << width) | field
    return value


def sgtin96(filter_value: int, prefix: str, reference: str, serial: int) -> str:
    return f"{encode(0x30, filter_value, prefix, reference, 44, [(serial, 38)]):024X}"


def sscc96(filter_value: int, prefix: str, reference: str) -> str:
    return f"{encode(0x31, filter_value, prefix, reference, 58, [(0, 24)]):024X}"


def sgtin198(filter_value: int, prefix: str, reference: str, serial: str) -> str:
    chars = [(ord(char), 7) for char in serial.ljust(20, "\0")]
    # 198 bits, padded to 13 whole 16-bit words as readers return them.
    return f"{encode(0x36, filter_value, prefix, reference, 44, [*chars, (0, 10)]):052X}"


def check_digit(digits: str) -> str:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str((10 - total % 10) % 10)


def test_the_tds_sgtin_96_example_decodes() -> None:
    code = parse_code("3074257BF7194E4000001A85")
    assert code.kind is CodeKind.EPC_HEX
    assert code.epc_uri == "urn:epc:id:sgtin:0614141.812345.6789"
    assert code.epc_tag_uri == "urn:epc:tag:sgtin-96:3.0614141.812345.6789"
    # The indicator digit 8 leads the GTIN: (01) 80614141123458 (21) 6789 in the TDS.
    assert (code.gtin, code.serial) == ("80614141123458", "6789")


def test_lower_case_hex_decodes_the_same() -> None:
    assert parse_code("3074257bf7194e4000001a85").epc_uri == "urn:epc:id:sgtin:0614141.812345.6789"


def test_the_tds_sscc_96_example_decodes() -> None:
    code = parse_code("3174257BF4499602D2000000")
    assert code.epc_uri == "urn:epc:id:sscc:0614141.1234567890"
    assert code.epc_tag_uri == "urn:epc:tag:sscc-96:3.0614141.1234567890"
    assert code.sscc == "106141412345678908"


def test_an_sgtin_198_with_an_alphanumeric_serial_decodes_and_escapes_it() -> None:
    code = parse_code(sgtin198(1, "0614141", "812345", "A/B"))
    assert code.serial == "A/B"
    assert code.epc_uri == "urn:epc:id:sgtin:0614141.812345.A%2FB"
    assert code.epc_tag_uri == "urn:epc:tag:sgtin-198:1.0614141.812345.A%2FB"


@pytest.mark.parametrize(
    "payload", ["3074257BF7194E4000001A", "3074257BF7194E4000001A8500", "3174257BF4499602D2"]
)
def test_epc_memory_of_the_wrong_length_is_refused(payload: str) -> None:
    with pytest.raises(TruncatedEpc):
        parse_code(payload)


@pytest.mark.parametrize("payload", ["3374257BF7194E4000001A85", "3574257BF7194E4000001A85"])
def test_an_epc_of_an_unsupported_scheme_is_refused_by_name(payload: str) -> None:
    with pytest.raises(EpcHeaderError, match=r"GRAI-96|GID-96"):
        parse_code(payload)


def test_partition_7_is_refused() -> None:
    with pytest.raises(MalformedEpc, match="partition"):
        parse_code("307C257BF7194E4000001A85")


def test_a_company_prefix_too_large_for_its_partition_is_refused() -> None:
    # Partition 5 gives the prefix 24 bits = 7 digits; all ones is 16777215, eight digits.
    value = (0x30 << 88) | (5 << 82) | (0xFFFFFF << 58)
    with pytest.raises(MalformedEpc, match="too large"):
        parse_code(f"{value:024X}")


def test_an_sgtin_198_serial_with_garbage_after_its_end_is_refused() -> None:
    good = int(sgtin198(1, "0614141", "812345", "AB"), 16)
    with pytest.raises(MalformedEpc):
        parse_code(f"{good | (1 << 20):052X}")


@pytest.mark.parametrize(
    ("uri", "gtin", "serial"),
    [
        ("urn:epc:id:sgtin:0614141.812345.6789", "80614141123458", "6789"),
        ("urn:epc:id:sgtin:0614141.712345.A%2FB", "70614141123451", "A/B"),
        ("URN:EPC:id:sgtin:0614141.812345.6789", "80614141123458", "6789"),
    ],
)
def test_sgtin_pure_identity_uris_are_read(uri: str, gtin: str, serial: str) -> None:
    code = parse_code(uri)
    assert code.kind is CodeKind.EPC_URI
    assert (code.gtin, code.serial, code.epc_tag_uri) == (gtin, serial, None)


def test_an_sscc_uri_is_read() -> None:
    assert parse_code("urn:epc:id:sscc:0614141.1234567890").sscc == "106141412345678908"


def test_a_tag_uri_gives_the_pure_identity_too() -> None:
    code = parse_code("urn:epc:tag:sgtin-96:3.0614141.812345.6789")
    assert code.epc_uri == "urn:epc:id:sgtin:0614141.812345.6789"
    assert code.epc_tag_uri == "urn:epc:tag:sgtin-96:3.0614141.812345.6789"


@pytest.mark.parametrize(
    "uri",
    [
        "urn:epc:id:sgtin:0614141.81234.6789",  # 12 digits, not 13
        "urn:epc:id:sgtin:0614141.812345",  # no serial
        "urn:epc:id:sgtin:0614141.812345.a#b",  # '#' is not a GS1 character
        "urn:epc:id:sgtin:0614141.812345.50%",  # a bare '%'
        "urn:epc:id:sscc:0614141.1234567890.1",
        "urn:epc:tag:sgtin-96:3.0614141.812345.0123",  # leading zero cannot be SGTIN-96
        "urn:epc:id:sgln:0614141.12345.400",
    ],
)
def test_malformed_or_unsupported_epc_uris_are_refused(uri: str) -> None:
    with pytest.raises(MalformedEpc):
        parse_code(uri)


prefix_lengths = st.integers(min_value=6, max_value=12)


@st.composite
def sgtin_fields(draw: st.DrawFn) -> tuple[int, str, str]:
    length = draw(prefix_lengths)
    digits = draw(st.text("0123456789", min_size=13, max_size=13))
    return draw(st.integers(0, 7)), digits[:length], digits[length:]


@given(sgtin_fields(), st.integers(min_value=0, max_value=2**38 - 1))
def test_sgtin_96_encode_then_decode_round_trips(fields: tuple[int, str, str], serial: int) -> None:
    filter_value, prefix, reference = fields
    code = parse_code(sgtin96(filter_value, prefix, reference, serial))
    assert code.epc_uri == f"urn:epc:id:sgtin:{prefix}.{reference}.{serial}"
    assert code.epc_tag_uri == f"urn:epc:tag:sgtin-96:{filter_value}.{prefix}.{reference}.{serial}"
    body = reference[0] + prefix + reference[1:]
    assert code.gtin == body + check_digit(body)
    # The URI read back gives the same identity.
    assert parse_code(code.epc_tag_uri).epc_uri == code.epc_uri


@given(sgtin_fields(), st.text(AI82, min_size=1, max_size=20))
def test_sgtin_198_encode_then_decode_round_trips(
    fields: tuple[int, str, str], serial: str
) -> None:
    filter_value, prefix, reference = fields
    code = parse_code(sgtin198(filter_value, prefix, reference, serial))
    assert code.serial == serial
    assert code.epc_uri is not None
    assert parse_code(code.epc_uri).serial == serial


@given(prefix_lengths, st.text("0123456789", min_size=17, max_size=17), st.integers(0, 7))
def test_sscc_96_encode_then_decode_round_trips(
    length: int, digits: str, filter_value: int
) -> None:
    code = parse_code(sscc96(filter_value, digits[:length], digits[length:]))
    assert code.epc_uri == f"urn:epc:id:sscc:{digits[:length]}.{digits[length:]}"
    body = digits[length] + digits[:length] + digits[length + 1 :]
    assert code.sscc == body + check_digit(body)


@given(sgtin_fields(), st.text(AI82, min_size=1, max_size=20))
def test_gs1_and_epc_agree_on_the_sgtin(fields: tuple[int, str, str], serial: str) -> None:
    _, prefix, reference = fields
    body = reference[0] + prefix + reference[1:]
    # The serial goes first and ends with GS, so no ambiguity rule can refuse the payload.
    payload = f"]d221{serial}\x1d01{body}{check_digit(body)}"
    from_gs1 = parse_code(payload, company_prefix_length=len(prefix))
    assert from_gs1.epc_uri is not None
    assert parse_code(from_gs1.epc_uri).gtin == from_gs1.gtin
