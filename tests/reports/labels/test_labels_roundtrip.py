"""Every label, printed to PDF or PNG and rasterized, decodes back to its identifiers.

Decoders: zxing-cpp reads both symbologies (and reports the AIM symbology identifier, so a GS1
Data Matrix is told from a plain one holding the same text); pyzbar and OpenCV read QR only, so
they check the QR labels. Data Matrix has no second decoder here: zbar and OpenCV's main module
do not read it.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import cast

import cv2
import numpy as np
import pytest
import zxingcpp
from PIL import Image
from pyzbar import pyzbar

from tests.reports.labels.samples import CONTENTS, GTIN, rasterize
from traceapp.domain.codes import CodeKind, ParsedCode, parse_code
from traceapp.reports.labels import (
    A4_2X7,
    A4_3X8,
    LABEL_4X6,
    LABEL_50X25,
    LABEL_100X50,
    LabelContent,
    LabelSize,
    SheetLayout,
    Symbology,
    render_pdf,
    render_png,
)

SIZES = [LABEL_100X50, LABEL_50X25, LABEL_4X6]
GS1_KINDS = (CodeKind.GS1_ELEMENT_STRING, CodeKind.GS1_DIGITAL_LINK)


def read_zxing(image: np.ndarray) -> list[zxingcpp.Barcode]:
    # Plain text mode: the bytes as a scanner sends them, GS separators included.
    return zxingcpp.read_barcodes(image, text_mode=zxingcpp.TextMode.Plain)


def read_pyzbar(image: np.ndarray) -> list[str]:
    return [result.data.decode() for result in pyzbar.decode(Image.fromarray(image))]


def read_opencv(image: np.ndarray) -> list[str]:
    # The single-symbol call: detectAndDecodeMulti misses a lone QR on a 4×6 page.
    text, _points, _ = cv2.QRCodeDetector().detectAndDecode(image)
    return [text] if text else []


def check_one_label(image: np.ndarray, content: LabelContent, symbology: Symbology) -> None:
    """The image holds exactly this label's symbol, and every decoder that can reads it."""
    barcodes = read_zxing(image)
    assert len(barcodes) == 1, [barcode.text for barcode in barcodes]
    check_symbol(barcodes[0], content, symbology)
    if symbology is Symbology.QR:
        assert read_pyzbar(image) == [content.payload(symbology)]
        assert read_opencv(image) == [content.payload(symbology)]


def check_symbol(barcode: zxingcpp.Barcode, content: LabelContent, symbology: Symbology) -> None:
    payload = content.payload(symbology)
    if symbology is Symbology.DATA_MATRIX:
        assert barcode.format == zxingcpp.BarcodeFormat.DataMatrix
        version = str(cast(dict[str, object], barcode.extra)["Version"])  # e.g. "18x18"
        side, _, other = version.partition("x")
        assert side == other, f"rectangular (DMRE) symbol {version}"
    else:
        assert barcode.format == zxingcpp.BarcodeFormat.QRCode
    # The exact bytes: FNC1 is the ]d2 identifier, each GS sits where a variable field ends.
    assert barcode.bytes == payload.encode()
    if not content.is_gs1:
        assert barcode.symbology_identifier in ("]d1", "]Q1")
        assert barcode.text == content.internal_code
        assert parse_code(barcode.text).kind not in GS1_KINDS
        return
    if symbology is Symbology.DATA_MATRIX:
        assert barcode.symbology_identifier == "]d2"
        parsed = parse_code(barcode.symbology_identifier + barcode.text)
        assert parsed.kind is CodeKind.GS1_ELEMENT_STRING
    else:
        assert barcode.symbology_identifier == "]Q1"  # Digital Link is plain QR data
        assert barcode.text.startswith("https://id.gs1.org/")
        parsed = parse_code(barcode.text)
        assert parsed.kind is CodeKind.GS1_DIGITAL_LINK
    check_identifiers(parsed, content)


def check_identifiers(parsed: ParsedCode, content: LabelContent) -> None:
    assert content.gs1 is not None
    assert dict(parsed.elements) == dict(content.gs1.elements)
    assert parsed.sscc == content.sscc
    assert parsed.lot == content.lot
    assert parsed.expiry == content.expiry
    assert parsed.best_before == content.best_before
    assert parsed.net_weight == content.net_weight
    assert parsed.count == content.count
    assert GTIN in (parsed.gtin, dict(parsed.elements).get("02"))


@pytest.mark.parametrize("symbology", list(Symbology))
@pytest.mark.parametrize("size", SIZES, ids=lambda size: size.name)
@pytest.mark.parametrize("kind", list(CONTENTS))
def test_a_pdf_label_decodes_back_to_its_identifiers(
    kind: str, size: LabelSize, symbology: Symbology, tmp_path: Path
) -> None:
    content = CONTENTS[kind]
    (page,) = rasterize(render_pdf([content], size, symbology=symbology), tmp_path)
    check_one_label(page, content, symbology)


@pytest.mark.parametrize("sheet", [A4_2X7, A4_3X8], ids=lambda sheet: sheet.name)
def test_every_label_on_an_a4_sheet_decodes(sheet: SheetLayout, tmp_path: Path) -> None:
    contents = list(CONTENTS.values()) * 4  # 16 labels: more than a 2×7 sheet holds
    pdf = render_pdf(contents, sheet, first_slot=2)
    pages = rasterize(pdf, tmp_path)
    assert len(pages) == (len(contents) + 2 + sheet.per_page - 1) // sheet.per_page
    found = [barcode for page in pages for barcode in read_zxing(page)]
    assert sorted(barcode.bytes for barcode in found) == sorted(
        content.payload(Symbology.DATA_MATRIX if content.is_gs1 else Symbology.QR).encode()
        for content in contents
    )
    for barcode in found:
        content = next(c for c in contents if barcode.bytes == c.payload(default_for(c)).encode())
        check_symbol(barcode, content, default_for(content))


def default_for(content: LabelContent) -> Symbology:
    return Symbology.DATA_MATRIX if content.is_gs1 else Symbology.QR


@pytest.mark.parametrize("dpi", [203, 300])
@pytest.mark.parametrize("symbology", list(Symbology))
@pytest.mark.parametrize("kind", list(CONTENTS))
def test_a_png_label_decodes_back_to_its_identifiers(
    kind: str, symbology: Symbology, dpi: int
) -> None:
    content = CONTENTS[kind]
    png = Image.open(io.BytesIO(render_png(content, LABEL_50X25, dpi=dpi, symbology=symbology)))
    assert png.info["dpi"] == pytest.approx((dpi, dpi), abs=0.01)  # PNG stores dots per metre
    assert png.size == (round(50 / 25.4 * dpi), round(25 / 25.4 * dpi))
    check_one_label(np.asarray(png.convert("L")), content, symbology)


def test_a_digital_link_on_the_plants_own_domain_decodes(tmp_path: Path) -> None:
    content = CONTENTS["lot"]
    pdf = render_pdf([content], LABEL_100X50, symbology=Symbology.QR, domain="qr.example.com")
    (page,) = rasterize(pdf, tmp_path)
    (barcode,) = read_zxing(page)
    assert barcode.text.startswith("https://qr.example.com/01/")
    check_identifiers(parse_code(barcode.text), content)
