"""Payload hygiene (length, control characters, separators) and the JSON form for the CLI."""

from __future__ import annotations

import json

import pytest

from traceapp.domain.codes import (
    GS,
    MAX_PAYLOAD_LENGTH,
    CodeError,
    ControlCharacters,
    EmptyCode,
    OverlongPayload,
    normalize_separators,
    parse_code,
)
from traceapp.domain.errors import InvalidInput


def test_code_errors_are_invalid_input_with_a_hint() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_code("]C117251340")
    assert isinstance(caught.value, CodeError)
    assert caught.value.hint


def test_an_overlong_payload_is_refused() -> None:
    with pytest.raises(OverlongPayload, match=str(MAX_PAYLOAD_LENGTH)):
        parse_code("A" * (MAX_PAYLOAD_LENGTH + 1))


@pytest.mark.parametrize("payload", ["", "   ", "\r\n"])
def test_an_empty_scan_is_refused(payload: str) -> None:
    with pytest.raises(EmptyCode):
        parse_code(payload)


@pytest.mark.parametrize(
    "payload", ["AB\x00C", "AB\tC", "A\u202eB", "A\u200bB", "A\x7fB", "A\ud800"]
)
def test_control_and_invisible_characters_are_refused(payload: str) -> None:
    with pytest.raises(ControlCharacters, match="U\\+"):
        parse_code(payload)


def test_a_gs_outside_gs1_data_is_refused() -> None:
    with pytest.raises(ControlCharacters, match="GS"):
        parse_code(f"hello{GS}world")


def test_scanner_suffixes_are_trimmed_but_the_payload_is_kept_verbatim() -> None:
    code = parse_code("L2417\r\n")
    assert code.payload == "L2417\r\n"


def test_separator_spellings_become_gs() -> None:
    assert (
        normalize_separators("0109506000134352<GS>10ABC^]21X")
        == f"0109506000134352{GS}10ABC{GS}21X"
    )
    assert normalize_separators("10A{FNC1}21X", extra=("{FNC1}",)) == f"10A{GS}21X"


def test_the_parser_itself_does_not_treat_a_spelled_separator_as_gs() -> None:
    assert parse_code("10ABC<GS>21X").kind.value == "plain"


def test_the_json_form_uses_plain_values() -> None:
    data = parse_code("]d20109506000134352172512313103001250\x1d10ABC").to_json_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["kind"] == "gs1_element_string"
    assert data["expiry"] == "2025-12-31"
    assert data["net_weight"] == {"value": "1.25", "unit": "kg"}
    assert data["elements"] == {
        "01": "09506000134352",
        "17": "251231",
        "3103": "001250",
        "10": "ABC",
    }
    assert data["serial"] is None
