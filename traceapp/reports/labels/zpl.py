"""Labels as ZPL II for Zebra printers: ^BX GS1 Data Matrix or ^BQ QR, text in font 0.

ZPL details this relies on (ZPL II Programming Guide, ^BX, ^BQ, ^FH, ^FB, ^CI; Zebra's "Creating
GS1 barcodes with Zebra printers" note):
- ^BXo,h,200,,,,_ : ECC 200, module h dots, square (ZPL offers no rectangular Data Matrix); the
  escape character is set explicitly because its default differs between firmware versions.
  In the field data "_1" is FNC1 (first: GS1 mode; later: the GS separator) and "__" is "_".
- ^BQN,2,m with "^FDMA,<data>": model 2, m dots per module, error correction M, automatic mode.
- ^FH turns "_5E" into "^": needed for ^ and ~ (command prefixes) and for bytes of UTF-8 text,
  which ^CI28 prints as UTF-8. Hex processing runs before ^BX escapes, so ^BX fields use "\\" as
  their hex indicator ("^FH\\") to keep "_" for the Data Matrix escapes.
"""

from __future__ import annotations

from traceapp.domain.codes import GS
from traceapp.domain.codes.build import DEFAULT_DIGITAL_LINK_DOMAIN
from traceapp.reports.labels.content import LabelContent, Symbology
from traceapp.reports.labels.fonts import ASCENT, POINTS_PER_MM
from traceapp.reports.labels.layout import LabelLayout, layout_for
from traceapp.reports.labels.sizes import MM_PER_INCH, LabelSize

DEFAULT_DPI = 203
SUPPORTED_DPI = (203, 300, 600)
DATA_MATRIX_ESCAPE = "_"
FNC1 = DATA_MATRIX_ESCAPE + "1"
MAX_QR_MAGNIFICATION = 10  # ^BQ accepts 1 to 10 dots per module
HEX_INDICATOR = "_"  # ^FH's default
DATA_MATRIX_HEX_INDICATOR = "\\"
# ^FH hex-escapes these, the indicator itself and everything outside printable ASCII.
_COMMAND_PREFIXES = "^~"


def render_zpl(
    content: LabelContent,
    size: LabelSize,
    *,
    dpi: int = DEFAULT_DPI,
    symbology: Symbology | None = None,
    domain: str = DEFAULT_DIGITAL_LINK_DOMAIN,
    copies: int = 1,
) -> str:
    """One label as a ZPL format (^XA … ^XZ) for a printer of `dpi` dots per inch."""
    if dpi not in SUPPORTED_DPI:
        raise ValueError(f"ZPL printers have {SUPPORTED_DPI} dpi, not {dpi}")
    dots_per_mm = dpi / MM_PER_INCH
    layout = layout_for(content, size, symbology, domain=domain, dots_per_mm=dots_per_mm)
    return format_zpl(layout, dots_per_mm, copies=copies)


def format_zpl(layout: LabelLayout, dots_per_mm: float, *, copies: int = 1) -> str:
    """The ZPL commands for a layout made at this resolution."""

    def dots(value_mm: float) -> int:
        return round(value_mm * dots_per_mm)

    commands = [
        "^XA",
        "^CI28",  # field data is UTF-8
        f"^PW{dots(layout.size.width_mm)}",
        f"^LL{dots(layout.size.height_mm)}",
        "^LH0,0",
    ]
    placed = layout.symbol
    module = dots(placed.module_mm)
    origin = f"^FO{dots(placed.x_mm)},{dots(placed.y_mm)}"
    if placed.symbol.symbology is Symbology.QR:
        # ^BQ draws its own quiet zone of about one module inside the field origin; ours is
        # already reserved around the symbol, so the origin stays at the first module.
        magnification = min(module, MAX_QR_MAGNIFICATION)
        commands.append(
            f"{origin}^BQN,2,{magnification}^FH^FDMA,{fh_escape(placed.symbol.payload)}^FS"
        )
    else:
        commands.append(
            f"{origin}^BXN,{module},200,,,,{DATA_MATRIX_ESCAPE}"
            f"^FH{DATA_MATRIX_HEX_INDICATOR}"
            f"^FD{data_matrix_field(placed.symbol.payload, gs1=placed.symbol.gs1)}^FS"
        )
    for line in layout.lines:
        height = dots(line.size_pt / POINTS_PER_MM)
        top = dots(line.baseline_mm - ASCENT * line.size_pt / POINTS_PER_MM)
        # ^FB of one line keeps the text inside the box even where font 0 runs wider than Vera.
        commands.append(
            f"^FO{dots(line.x_mm)},{top}^A0N,{height},{height}"
            f"^FB{dots(layout.text_box.width_mm)},1,0,L^FH^FD{fh_escape(line.text)}^FS"
        )
    if copies != 1:
        commands.append(f"^PQ{copies}")
    commands.append("^XZ")
    return "\n".join(commands) + "\n"


def data_matrix_field(payload: str, *, gs1: bool) -> str:
    """^FD data for ^BX quality 200 after ^FH\\: FNC1 first and for each GS, "_" doubled."""
    escaped = payload.replace(DATA_MATRIX_ESCAPE, DATA_MATRIX_ESCAPE * 2)
    if gs1:
        escaped = FNC1 + escaped.replace(GS, FNC1)
    return fh_escape(escaped, DATA_MATRIX_HEX_INDICATOR)


def fh_escape(text: str, indicator: str = HEX_INDICATOR) -> str:
    """Text for a field after ^FH: ^, ~, the indicator and non-ASCII as hex bytes (UTF-8)."""
    parts = []
    for char in text:
        if (
            char in _COMMAND_PREFIXES
            or char == indicator
            or not (char.isascii() and char.isprintable())
        ):
            parts.append("".join(f"{indicator}{byte:02X}" for byte in char.encode("utf-8")))
        else:
            parts.append(char)
    return "".join(parts)
