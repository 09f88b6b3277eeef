"""RFID UIDs, internal label patterns and plain codes."""

from __future__ import annotations

import pytest

from traceapp.domain.codes import (
    CodeKind,
    InternalPattern,
    InvalidInternalPattern,
    TruncatedEpc,
    parse_code,
)

LOT_LABEL = InternalPattern("lot label", r"(?P<part>[A-Z]+-\d{2})/(?P<lot>L\d{4})")
UNIT_LABEL = InternalPattern("unit label", r"U(?P<serial>\d{6})(?:-(?P<lot>\w+))?")


@pytest.mark.parametrize(
    ("payload", "uid"),
    [
        ("E004015012345678", "E004015012345678"),  # ISO 15693, 8 bytes
        ("e0:04:01:50:12:34:56:78", "E004015012345678"),
        ("04A22B1A5C80AB", "04A22B1A5C80AB"),  # ISO 14443, 7 bytes
        ("DEADBEEF", "DEADBEEF"),  # 4 bytes
        ("04-A2-2B-1A", "04A22B1A"),
    ],
)
def test_hf_tag_uids_are_recognised_and_normalised(payload: str, uid: str) -> None:
    code = parse_code(payload)
    assert code.kind is CodeKind.RFID_UID
    assert code.rfid_uid == uid


def test_a_digit_only_string_of_uid_length_is_a_plain_code_not_a_uid() -> None:
    assert parse_code("12345678").kind is CodeKind.PLAIN


def test_a_twenty_digit_hex_string_with_an_sgtin_header_is_a_cut_short_epc() -> None:
    with pytest.raises(TruncatedEpc):
        parse_code("3074257BF7194E400000")


def test_an_internal_pattern_gives_part_and_lot() -> None:
    code = parse_code("FLOUR-01/L2417", patterns=[LOT_LABEL, UNIT_LABEL])
    assert code.kind is CodeKind.INTERNAL
    assert (code.part, code.lot, code.serial, code.pattern) == (
        "FLOUR-01",
        "L2417",
        None,
        "lot label",
    )


def test_the_first_matching_internal_pattern_wins_and_empty_groups_are_none() -> None:
    code = parse_code("U123456", patterns=[UNIT_LABEL, LOT_LABEL])
    assert (code.serial, code.lot, code.pattern) == ("123456", None, "unit label")


def test_an_internal_pattern_must_match_the_whole_payload() -> None:
    assert parse_code("FLOUR-01/L2417 extra", patterns=[LOT_LABEL]).kind is CodeKind.PLAIN


def test_internal_patterns_win_over_guesses_like_uids() -> None:
    pattern = InternalPattern("hex lot", r"(?P<lot>[0-9A-F]{8})")
    assert parse_code("DEADBEEF", patterns=[pattern]).lot == "DEADBEEF"


def test_internal_patterns_do_not_override_self_announcing_gs1() -> None:
    anything = InternalPattern("anything", r"(?P<lot>.*)")
    assert parse_code("(10)ABC", patterns=[anything]).kind is CodeKind.GS1_ELEMENT_STRING


def test_an_invalid_internal_regex_is_refused_when_configured() -> None:
    with pytest.raises(InvalidInternalPattern, match="not a valid regular expression"):
        InternalPattern("broken", r"(?P<lot>[A-Z")


def test_an_internal_pattern_with_an_unknown_group_name_is_refused() -> None:
    with pytest.raises(InvalidInternalPattern, match="Lot"):
        InternalPattern("typo", r"(?P<Lot>\d+)")


@pytest.mark.parametrize("payload", ["Box 17 - shelf B", "Überkarton 3", "12345", "]Q1hello"])
def test_other_printable_text_is_plain(payload: str) -> None:
    code = parse_code(payload)
    assert code.kind is CodeKind.PLAIN
    assert code.payload == payload


def test_a_non_gs1_symbology_is_recorded_for_plain_text() -> None:
    assert parse_code("]Q1hello").symbology == "]Q1"
