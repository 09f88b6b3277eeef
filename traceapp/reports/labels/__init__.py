"""Lot, case and pallet labels: GS1 Data Matrix or Digital Link QR, as PDF, PNG or ZPL."""

from traceapp.reports.labels.content import LabelContent, LabelKind, Symbology
from traceapp.reports.labels.errors import LabelDoesNotFit, LabelError
from traceapp.reports.labels.layout import LabelLayout, default_symbology, layout_for
from traceapp.reports.labels.pdf import render_pdf
from traceapp.reports.labels.png import render_png
from traceapp.reports.labels.sizes import (
    A4_2X7,
    A4_3X8,
    LABEL_4X6,
    LABEL_50X25,
    LABEL_70X37,
    LABEL_99X38,
    LABEL_100X50,
    LabelSize,
    SheetLayout,
)
from traceapp.reports.labels.symbols import Symbol, make_symbol
from traceapp.reports.labels.zpl import render_zpl

__all__ = [
    "A4_2X7",
    "A4_3X8",
    "LABEL_4X6",
    "LABEL_50X25",
    "LABEL_70X37",
    "LABEL_99X38",
    "LABEL_100X50",
    "LabelContent",
    "LabelDoesNotFit",
    "LabelError",
    "LabelKind",
    "LabelLayout",
    "LabelSize",
    "SheetLayout",
    "Symbol",
    "Symbology",
    "default_symbology",
    "layout_for",
    "make_symbol",
    "render_pdf",
    "render_png",
    "render_zpl",
]
