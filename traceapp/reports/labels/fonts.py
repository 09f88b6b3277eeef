"""The label typeface (Bitstream Vera, shipped with reportlab) for PDF, PNG and text measurement.

One TrueType font for every output, so that text measured for the layout is the text drawn: the
PDF's built-in Helvetica has no file that Pillow could draw the PNG with.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import reportlab
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

POINTS_PER_MM = 72 / 25.4
_FONT_DIR = Path(reportlab.__file__).parent / "fonts"
_FILES = {False: "Vera.ttf", True: "VeraBd.ttf"}
_NAMES = {False: "TraceLabelVera", True: "TraceLabelVeraBold"}
ASCENT = 0.76  # of the font size: Vera's ascender (760/1000 em)
DESCENT = 0.24  # Vera's descender below the baseline


def font_path(bold: bool) -> Path:
    return _FONT_DIR / _FILES[bold]


@cache
def font_name(bold: bool) -> str:
    """The reportlab name of the font, registered on first use."""
    name = _NAMES[bold]
    pdfmetrics.registerFont(TTFont(name, str(font_path(bold))))
    return name


def text_width_mm(text: str, size_pt: float, bold: bool) -> float:
    width: float = pdfmetrics.stringWidth(text, font_name(bold), size_pt)
    return width / POINTS_PER_MM
