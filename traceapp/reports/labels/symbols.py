"""Module matrices of the label symbols: GS1 Data Matrix via zxing-cpp, QR via qrcode.

zxing-cpp's writer takes its options as keyword arguments and silently ignores names it does not
know, so every symbol is checked after it is made: symbology identifier, the exact bytes a scanner
will transmit, and a square shape. A wrong option then fails here, not at a customer's scanner.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import qrcode
import qrcode.constants
import zxingcpp

from traceapp.domain.codes.build import DEFAULT_DIGITAL_LINK_DOMAIN, Gs1Data
from traceapp.reports.labels.content import LabelContent, Symbology

# ISO/IEC 16022 asks for a one-module quiet zone around Data Matrix; QR needs four (ISO 18004).
DATA_MATRIX_QUIET_ZONE = 1
QR_QUIET_ZONE = 4
GS1_DATA_MATRIX_ID = "]d2"  # AIM symbology identifier: Data Matrix with FNC1 in first position
PLAIN_DATA_MATRIX_ID = "]d1"
QR_ERROR_CORRECTION = {
    "M": qrcode.constants.ERROR_CORRECT_M,  # 15 %: the default for printed labels
    "Q": qrcode.constants.ERROR_CORRECT_Q,  # 25 %: for labels that get scuffed
}
_DARK = 0  # zxing-cpp images are 8-bit grey, black modules are 0


@dataclass(frozen=True, slots=True)
class Symbol:
    """A 2D symbol as rows of modules (True = dark), without its quiet zone."""

    symbology: Symbology
    gs1: bool
    payload: str  # what a scanner transmits after the symbology identifier
    modules: tuple[tuple[bool, ...], ...]
    quiet_zone: int  # light modules needed on every side

    @property
    def rows(self) -> int:
        return len(self.modules)

    @property
    def columns(self) -> int:
        return len(self.modules[0])

    @property
    def span(self) -> int:
        """Modules across the symbol's larger side, quiet zone included."""
        return max(self.rows, self.columns) + 2 * self.quiet_zone


def make_symbol(
    content: LabelContent,
    symbology: Symbology,
    *,
    domain: str = DEFAULT_DIGITAL_LINK_DOMAIN,
    qr_error_correction: str = "M",
) -> Symbol:
    """The symbol for a label: GS1 when the content has GS1 data, plain text otherwise."""
    payload = content.payload(symbology, domain)
    if symbology is Symbology.QR:
        return qr_symbol(payload, gs1=content.is_gs1, error_correction=qr_error_correction)
    if content.gs1 is not None:
        return gs1_data_matrix(content.gs1)
    return plain_data_matrix(payload)


def gs1_data_matrix(data: Gs1Data) -> Symbol:
    """A square GS1 Data Matrix (ECC 200) with FNC1 first and GS after variable fields."""
    # Square-bracketed AIs: with "(…)" zxing-cpp switches zint to parenthesis mode, where "(" and
    # ")" inside a lot (both allowed by GS1) would be taken for AI brackets.
    text = "".join(f"[{ai}]{value}" for ai, value in data.elements)
    barcode = zxingcpp.create_barcode(
        text,
        zxingcpp.BarcodeFormat.DataMatrix,
        gs1=True,  # FNC1 in first position; without it the symbol is a plain ]d1 code
        forceSquare=True,  # the default allows DMRE rectangles that many scanners cannot read
    )
    payload = data.element_string
    _require(barcode, GS1_DATA_MATRIX_ID, payload)
    return Symbol(Symbology.DATA_MATRIX, True, payload, _modules(barcode), DATA_MATRIX_QUIET_ZONE)


def plain_data_matrix(text: str) -> Symbol:
    """A square Data Matrix holding plain text (not GS1: no FNC1)."""
    barcode = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.DataMatrix, forceSquare=True)
    _require(barcode, PLAIN_DATA_MATRIX_ID, text)
    return Symbol(Symbology.DATA_MATRIX, False, text, _modules(barcode), DATA_MATRIX_QUIET_ZONE)


def qr_symbol(text: str, *, gs1: bool, error_correction: str = "M") -> Symbol:
    """A QR code holding `text` (a Digital Link URI is plain QR data, not QR's FNC1 mode)."""
    if error_correction not in QR_ERROR_CORRECTION:
        raise ValueError(f"QR error correction must be one of {sorted(QR_ERROR_CORRECTION)}")
    code = qrcode.QRCode(
        error_correction=QR_ERROR_CORRECTION[error_correction], box_size=1, border=0
    )
    code.add_data(text)
    code.make(fit=True)
    modules = tuple(tuple(bool(cell) for cell in row) for row in code.get_matrix())
    return Symbol(Symbology.QR, gs1, text, modules, QR_QUIET_ZONE)


def _require(barcode: zxingcpp.Barcode, symbology_id: str, payload: str) -> None:
    """Fail loudly when zxing-cpp ignored an option (see the module docstring)."""
    shape = np.asarray(barcode.to_image(scale=1, add_quiet_zones=False)).shape
    problems = []
    if barcode.symbology_identifier != symbology_id:
        problems.append(f"symbology {barcode.symbology_identifier!r}, not {symbology_id!r}")
    if barcode.bytes != payload.encode():
        problems.append(f"data {barcode.bytes!r}, not {payload.encode()!r}")
    if shape[0] != shape[1]:
        problems.append(f"a {shape[0]}×{shape[1]} rectangle, not a square")
    if problems:
        raise RuntimeError("zxing-cpp made a Data Matrix with " + "; ".join(problems))


def _modules(barcode: zxingcpp.Barcode) -> tuple[tuple[bool, ...], ...]:
    pixels = np.asarray(barcode.to_image(scale=1, add_quiet_zones=False))
    return tuple(tuple(bool(value == _DARK) for value in row) for row in pixels)
