"""ZPL output, checked by its structure: one format, GS1 Data Matrix with _1, QR, escaped text."""

from __future__ import annotations

import re

import pytest

from tests.reports.labels.samples import CONTENTS, GTIN, SSCC
from traceapp.domain.codes import parse_code
from traceapp.reports.labels import (
    LABEL_4X6,
    LABEL_50X25,
    LABEL_100X50,
    LabelContent,
    LabelKind,
    Symbology,
    render_zpl,
)
from traceapp.reports.labels.zpl import data_matrix_field, fh_escape

_FIELD = re.compile(r"\^FO(\d+),(\d+)(\^[^\n]*?)\^FS")


def fields(zpl: str) -> list[tuple[int, int, str]]:
    """(x, y, commands up to ^FS) of every field."""
    return [(int(x), int(y), body) for x, y, body in _FIELD.findall(zpl)]


def field_data(body: str) -> str:
    return body.split("^FD", 1)[1]


def unhex(text: str, indicator: str) -> str:
    """What the printer makes of ^FH data."""
    pattern = re.compile(re.escape(indicator) + r"([0-9A-F]{2})")
    raw = pattern.sub(lambda match: f"\\x{match.group(1)}", text)
    return raw.encode("latin-1").decode("unicode_escape").encode("latin-1").decode("utf-8")


def test_a_pallet_label_is_one_format_with_a_gs1_data_matrix() -> None:
    zpl = render_zpl(CONTENTS["pallet"], LABEL_100X50)
    assert zpl.startswith("^XA\n^CI28\n^PW799\n^LL400\n^LH0,0\n")
    assert zpl.endswith("^XZ\n")
    assert zpl.count("^XA") == zpl.count("^XZ") == 1
    symbol = [body for _, _, body in fields(zpl) if "^BX" in body]
    assert len(symbol) == 1
    assert re.match(r"\^BXN,\d+,200,,,,_\^FH\\\^FD", symbol[0])
    data = field_data(symbol[0])
    # FNC1 first, FNC1 where the lot (variable length) ends, nothing else escaped.
    assert data == f"_100{SSCC}02{GTIN}10L2024-117_13748"
    gs_text = data.replace("_1", "\x1d").lstrip("\x1d")
    code = parse_code("]d2" + gs_text)
    assert (code.sscc, code.lot, code.count is not None) == (SSCC, "L2024-117", True)


def test_module_size_is_whole_dots_of_at_least_a_quarter_millimetre() -> None:
    zpl = render_zpl(CONTENTS["pallet"], LABEL_50X25, dpi=203)
    (module,) = re.findall(r"\^BXN,(\d+),200", zpl)
    assert int(module) >= 2  # 2 dots at 203 dpi = 0.250 mm


def test_a_qr_label_carries_the_digital_link_with_error_correction_m() -> None:
    zpl = render_zpl(CONTENTS["lot"], LABEL_50X25, symbology=Symbology.QR)
    (body,) = [body for _, _, body in fields(zpl) if "^BQ" in body]
    assert re.match(r"\^BQN,2,\d+\^FH\^FDMA,https://id\.gs1\.org/01/", body)
    uri = unhex(field_data(body).removeprefix("MA,"), "_")
    assert uri == CONTENTS["lot"].payload(Symbology.QR)


def test_an_internal_label_defaults_to_a_plain_qr() -> None:
    zpl = render_zpl(CONTENTS["internal"], LABEL_4X6)
    assert "^FDMA,RAW-7/L2024-118^FS" in zpl
    assert "^BX" not in zpl


def test_text_fields_escape_command_characters_and_non_ascii() -> None:
    content = LabelContent(
        LabelKind.LOT, "P^1", "Crème ~fraîche_", gtin=GTIN, lot="L_1", lines=("50% ^FS~JA",)
    )
    zpl = render_zpl(content, LABEL_100X50)
    texts = [field_data(body) for _, _, body in fields(zpl) if "^A0N" in body]
    assert all("^" not in text and "~" not in text for text in texts)
    shown = [unhex(text, "_") for text in texts]
    assert "Crème ~fraîche_" in shown
    assert "50% ^FS~JA" in shown
    (symbol,) = [body for _, _, body in fields(zpl) if "^BX" in body]
    assert field_data(symbol) == f"_101{GTIN}10L__1"  # "_" doubled: it is the ^BX escape


def test_every_text_field_is_a_one_line_block_inside_the_label() -> None:
    zpl = render_zpl(CONTENTS["case"], LABEL_50X25, dpi=300)
    width, height = (round(mm * 300 / 25.4) for mm in (50, 25))
    for x, y, body in fields(zpl):
        assert 0 <= x < width
        assert 0 <= y < height
        if "^A0N" in body:
            block = re.search(r"\^FB(\d+),1,0,L", body)
            assert block is not None
            assert x + int(block.group(1)) <= width


@pytest.mark.parametrize(
    ("payload", "gs1", "expected"),
    [
        (f"01{GTIN}10A_B\x1d17261231", True, f"_101{GTIN}10A__B_117261231"),
        ("PART/LOT^1~é", False, "PART/LOT\\5E1\\7E\\C3\\A9"),
        ("back\\slash", False, "back\\5Cslash"),
    ],
)
def test_data_matrix_field_data(payload: str, gs1: bool, expected: str) -> None:
    assert data_matrix_field(payload, gs1=gs1) == expected


def test_fh_escape_leaves_plain_ascii_alone() -> None:
    assert fh_escape("Lot L-1 (10) 50%") == "Lot L-1 (10) 50%"
    assert fh_escape("a_b") == "a_5Fb"


def test_copies_and_resolution() -> None:
    zpl = render_zpl(CONTENTS["lot"], LABEL_100X50, dpi=300, copies=3)
    assert "^PW1181\n^LL591\n" in zpl
    assert "^PQ3\n^XZ" in zpl
    with pytest.raises(ValueError, match="dpi"):
        render_zpl(CONTENTS["lot"], LABEL_100X50, dpi=150)
