"""Labels as PDF: one label per page at the label's size, or N-up on A4 sheets."""

from __future__ import annotations

import io
from collections.abc import Sequence

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from traceapp.domain.codes.build import DEFAULT_DIGITAL_LINK_DOMAIN
from traceapp.reports.labels.content import LabelContent, Symbology
from traceapp.reports.labels.errors import LabelError
from traceapp.reports.labels.fonts import font_name
from traceapp.reports.labels.layout import LabelLayout, layout_for
from traceapp.reports.labels.sizes import LabelSize, SheetLayout

BLACK, WHITE = (0, 0, 0), (1, 1, 1)


def render_pdf(
    contents: Sequence[LabelContent],
    target: LabelSize | SheetLayout,
    *,
    symbology: Symbology | None = None,
    domain: str = DEFAULT_DIGITAL_LINK_DOMAIN,
    first_slot: int = 0,
    title: str = "Labels",
) -> bytes:
    """A PDF of the labels: a page per label for a LabelSize, filled sheets for a SheetLayout.

    `first_slot` skips slots on the first sheet, so a half-used sheet can go back in the printer.
    All layouts are made before drawing, so a label that does not fit fails before any output.
    """
    if not contents:
        raise LabelError("There are no labels to print.", hint="Select at least one lot or unit.")
    size = target.label if isinstance(target, SheetLayout) else target
    layouts = [layout_for(content, size, symbology, domain=domain) for content in contents]
    buffer = io.BytesIO()
    if isinstance(target, SheetLayout):
        _draw_sheets(buffer, layouts, target, first_slot, title)
    else:
        canvas = _canvas(buffer, (size.width_mm * mm, size.height_mm * mm), title)
        for layout in layouts:
            draw_label(canvas, layout, 0.0, size.height_mm)
            canvas.showPage()
        canvas.save()
    return buffer.getvalue()


def _draw_sheets(
    buffer: io.BytesIO,
    layouts: Sequence[LabelLayout],
    sheet: SheetLayout,
    first_slot: int,
    title: str,
) -> None:
    if not 0 <= first_slot < sheet.per_page:
        raise LabelError(
            f"Slot {first_slot} is not on a {sheet.name} sheet (slots 0 to {sheet.per_page - 1}).",
            hint="Count the used labels on the sheet, row by row from the top left.",
        )
    page_width, page_height = sheet.page_mm
    canvas = _canvas(buffer, (page_width * mm, page_height * mm), title)
    for index, layout in enumerate(layouts):
        slot = first_slot + index
        if slot and slot % sheet.per_page == 0:
            canvas.showPage()
        left, top = sheet.origin(slot)
        draw_label(canvas, layout, left, page_height - top)
    canvas.showPage()
    canvas.save()


def _canvas(buffer: io.BytesIO, pagesize: tuple[float, float], title: str) -> Canvas:
    # invariant=True leaves out the creation date and random ids: same labels, same bytes.
    canvas = Canvas(buffer, pagesize=pagesize, invariant=True, pageCompression=1)
    canvas.setTitle(title)
    canvas.setCreator("TraceApp")
    return canvas


def draw_label(canvas: Canvas, layout: LabelLayout, left_mm: float, top_mm: float) -> None:
    """Draw one label whose top-left corner is at (left_mm, top_mm) in PDF coordinates (y up)."""

    def x(value_mm: float) -> float:
        return float((left_mm + value_mm) * mm)

    def y(value_mm: float) -> float:
        return float((top_mm - value_mm) * mm)

    placed = layout.symbol
    module = placed.module_mm
    canvas.setFillColorRGB(*BLACK)
    # One filled path of horizontal runs: adjacent rectangles of separate fills leave hairline
    # seams when a rasterizer antialiases their shared edges.
    path = canvas.beginPath()
    for row_index, row in enumerate(placed.symbol.modules):
        top = placed.y_mm + row_index * module
        for start, length in _dark_runs(row):
            left = placed.x_mm + start * module
            path.rect(x(left), y(top + module), length * module * mm, module * mm)
    canvas.drawPath(path, stroke=0, fill=1)
    for line in layout.lines:
        canvas.setFont(font_name(line.bold), line.size_pt)
        canvas.drawString(x(line.x_mm), y(line.baseline_mm), line.text)


def _dark_runs(row: Sequence[bool]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    start = None
    for index, dark in enumerate((*row, False)):
        if dark and start is None:
            start = index
        elif not dark and start is not None:
            runs.append((start, index - start))
            start = None
    return runs
