"""Labels as PNG images at a printer's resolution (203 or 300 dpi), one image per label."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

from traceapp.domain.codes.build import DEFAULT_DIGITAL_LINK_DOMAIN
from traceapp.reports.labels.content import LabelContent, Symbology
from traceapp.reports.labels.errors import LabelError
from traceapp.reports.labels.fonts import POINTS_PER_MM, font_path
from traceapp.reports.labels.layout import LabelLayout, layout_for
from traceapp.reports.labels.sizes import MM_PER_INCH, LabelSize

SUPPORTED_DPI = (203, 300, 600)  # thermal printers print 203 or 300 dpi; 600 for proofs
BLACK, WHITE = 0, 255


def render_png(
    content: LabelContent,
    size: LabelSize,
    *,
    dpi: int = 300,
    symbology: Symbology | None = None,
    domain: str = DEFAULT_DIGITAL_LINK_DOMAIN,
) -> bytes:
    """One label as a greyscale PNG whose modules are whole pixels."""
    if dpi not in SUPPORTED_DPI:
        raise LabelError(
            f"{dpi} dpi is not a label printer resolution.",
            hint=f"Use one of {', '.join(map(str, SUPPORTED_DPI))} dpi.",
        )
    dots_per_mm = dpi / MM_PER_INCH
    layout = layout_for(content, size, symbology, domain=domain, dots_per_mm=dots_per_mm)
    image = draw_image(layout, dots_per_mm)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", dpi=(dpi, dpi))
    return buffer.getvalue()


def draw_image(layout: LabelLayout, dots_per_mm: float) -> Image.Image:
    """The label as an 8-bit greyscale image; the layout must be made for this resolution."""
    width = round(layout.size.width_mm * dots_per_mm)
    height = round(layout.size.height_mm * dots_per_mm)
    image = Image.new("L", (width, height), WHITE)
    draw = ImageDraw.Draw(image)
    placed = layout.symbol
    module = round(placed.module_mm * dots_per_mm)
    left, top = round(placed.x_mm * dots_per_mm), round(placed.y_mm * dots_per_mm)
    for row_index, row in enumerate(placed.symbol.modules):
        for column_index, dark in enumerate(row):
            if dark:
                x, y = left + column_index * module, top + row_index * module
                draw.rectangle((x, y, x + module - 1, y + module - 1), fill=BLACK)
    for line in layout.lines:
        pixels = line.size_pt / POINTS_PER_MM * dots_per_mm
        font = ImageFont.truetype(str(font_path(line.bold)), pixels)
        position = (line.x_mm * dots_per_mm, line.baseline_mm * dots_per_mm)
        draw.text(position, line.text, fill=BLACK, font=font, anchor="ls")
    return image
