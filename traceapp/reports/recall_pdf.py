"""The recall report as an A4 PDF: cover, genealogy of the affected set, affected lots, shipments
by customer, stock on site, sensor excursions during production and transit (with small charts)
and the signature block (21 CFR 11.50).

Every page carries the recall id, "page n of N", the SHA-256 of the result's canonical JSON (what
`traceapp recall --json` prints and what the signature binds), a QR code of the recall id, and
NOT SIGNED when nobody signed. Black and white: nothing is told by colour alone.

Tables are cut into chunks of `CHUNK_ROWS` rows: one reportlab table of 10,000 rows lays out in
seconds, chunks in a fraction of that.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing, Line, Polygon, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import Flowable

from traceapp.domain.dispositions import DecisionSignature
from traceapp.domain.inspections import InspectionRecord, Nonconformance
from traceapp.domain.quantity import Quantity
from traceapp.domain.recall import RecallExcursion, RecallResult
from traceapp.domain.trace import TracedLot, TracedShipment
from traceapp.reports.condition_charts import condition_chart
from traceapp.reports.labels.fonts import font_name
from traceapp.reports.lot_record import FRAME_PADDING, GREY, HEAD_FILL, MARGIN, RULE, WIDTH, when

CHUNK_ROWS = 66  # rows per table: small tables lay out in linear time
DIAGRAM_LOTS = 30  # above this, the diagram shows one box per product and depth level
DIAGRAM_COLUMNS = 5  # depth levels drawn; deeper lots join the last (six columns fit A4)
DIAGRAM_ROWS = 12  # boxes per column; the rest are summed in one box
HEADER_HEIGHT = 20 * mm
FOOTER_HEIGHT = 10 * mm
NOT_SIGNED = "NOT SIGNED"
MAX_CHARTS = 40  # charts drawn; the rest of the excursions are listed (all are in the JSON)


def _styles() -> dict[str, ParagraphStyle]:
    regular, bold = font_name(False), font_name(True)
    pdfmetrics.registerFontFamily(
        regular, normal=regular, bold=bold, italic=regular, boldItalic=bold
    )
    base = ParagraphStyle("base", fontName=regular, fontSize=8.5, leading=10.5)
    return {
        "title": ParagraphStyle("title", parent=base, fontName=bold, fontSize=16, leading=20),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=9, textColor=GREY),
        "h2": ParagraphStyle(
            "h2",
            parent=base,
            fontName=bold,
            fontSize=11.5,
            leading=14,
            spaceBefore=8,
            spaceAfter=3,
        ),
        "h3": ParagraphStyle("h3", parent=base, fontName=bold, fontSize=9.5, spaceBefore=6),
        "cell": base,
        "head": ParagraphStyle("head", parent=base, fontName=bold),
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=9),
        "stamp": ParagraphStyle("stamp", parent=base, fontName=bold, fontSize=14, leading=18),
    }


def _text(value: object) -> str:
    return escape(str(value)) if value is not None and value != "" else "-"


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _first(items: Sequence[str], n: int, where: str) -> str:
    """At most `n` items, and how many more there are (a table cell must fit on a page)."""
    shown = ", ".join(items[:n]) or "-"
    return shown if len(items) <= n else f"{shown} and {len(items) - n} more ({where})"


def _processed(result: RecallResult) -> list[tuple[str, str]]:
    """An equipment recall: what its steps in the window made (the suspect lots, with what
    was made then) and what went into them (where it came from; not traced forward)."""
    if not result.processed:
        return []

    def named(made: bool) -> str:
        lots = [
            f"{p.lot} {p.quantity if p.quantity is not None else '(no quantity: whole lot)'}"
            for p in result.processed
            if p.made is made
        ]
        return _text(_first(lots, 20, "the recall's JSON"))

    went_in = named(False)
    return [
        ("Made there", named(True)),
        ("Consumed there", went_in + ("" if went_in == "-" else " (inside what was made)")),
    ]


def _amount(quantity: Quantity | None, upper_bound: bool = False) -> str:
    if quantity is None:
        return "-"
    return f"<= {quantity}" if upper_bound else str(quantity)


@dataclass(frozen=True, slots=True)
class RecallQuality:
    """The inspections and nonconformances of the affected lots (forward and backward), as the
    database holds them when the report is written (`services.recall.quality_of`)."""

    inspections: tuple[InspectionRecord, ...]
    nonconformances: tuple[Nonconformance, ...]


def render_recall_pdf(
    result: RecallResult,
    signature: DecisionSignature | None,
    out: Path | IO[bytes],
    *,
    sha256: str | None = None,
    quality: RecallQuality | None = None,
) -> None:
    """Write the recall report of `result` to `out`, signed by `signature` or marked NOT SIGNED.
    `sha256`: the result's hash when the caller has it already (it is computed otherwise).
    `quality`: the affected lots' quality records (the section says when they were not read)."""
    result.details()  # a drill result without its events is refused before anything is written
    digest = sha256 if sha256 is not None else result.sha256()
    styles = _styles()
    target: Any = str(out) if isinstance(out, Path) else out
    document = SimpleDocTemplate(
        target,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN + HEADER_HEIGHT,
        bottomMargin=MARGIN + FOOTER_HEIGHT,
        title=f"Recall report {result.recall_id}",
        author="TraceApp",
        subject=f"SHA-256 {digest}",
        invariant=True,
    )
    story = _cover(result, signature, styles)
    story += _genealogy(result, styles)
    story += _lots(result, styles)
    story += _shipments(result, styles)
    story += _on_site(result, styles)
    story += _quality(quality, styles)
    story += _excursions(result, styles)
    story += _signature_block(signature, digest, styles)
    page = _PageDecoration(result.recall_id, digest, signed=signature is not None)
    document.build(story, canvasmaker=page.canvas_class())


class _PageDecoration:
    """Header and footer of every page, drawn once the page count is known."""

    def __init__(self, recall_id: str, digest: str, *, signed: bool) -> None:
        self.recall_id = recall_id
        self.digest = digest
        self.signed = signed

    def canvas_class(self) -> type[Canvas]:
        decoration = self

        class _DeferredCanvas(Canvas):  # type: ignore[misc]  # reportlab has no type hints
            # Pages are kept until the end so that each can say "page n of N".
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                self._kept: list[dict[str, Any]] = []

            def showPage(self) -> None:  # noqa: N802 (reportlab's name)
                self._kept.append(dict(self.__dict__))
                self._startPage()

            def save(self) -> None:
                total = len(self._kept)
                for number, state in enumerate(self._kept, start=1):
                    self.__dict__.update(state)
                    decoration.draw(self, number, total)
                    Canvas.showPage(self)
                # Streams only zlib-compressed, not also ASCII85-encoded (reportlab's default):
                # the encoder is pure Python and took ~0.2 s for a 10,000-lot report. The
                # setting is global; another PDF saved meanwhile is as valid either way.
                use_a85 = rl_config.useA85
                rl_config.useA85 = 0
                try:
                    Canvas.save(self)
                finally:
                    rl_config.useA85 = use_a85

        return _DeferredCanvas

    def draw(self, canvas: Canvas, number: int, total: int) -> None:
        width, height = A4
        left, right = MARGIN + FRAME_PADDING, width - MARGIN - FRAME_PADDING
        top = height - MARGIN
        regular, bold = font_name(False), font_name(True)
        if number == 1:
            self._define_qr(canvas)
        canvas.saveState()
        canvas.setFillColor(colors.black)
        canvas.setStrokeColor(colors.black)
        qr_size = HEADER_HEIGHT - 2 * mm
        canvas.doForm("recall_qr")
        canvas.setFont(bold, 12)
        canvas.drawString(left, top - 5 * mm, f"Recall report {self.recall_id}")
        canvas.setFont(regular, 8)
        canvas.drawString(left, top - 10 * mm, f"Page {number} of {total}")
        if not self.signed:
            canvas.setFont(bold, 13)
            text_x = right - qr_size - 4 * mm
            canvas.drawRightString(text_x, top - 6 * mm, NOT_SIGNED)
            text_width = pdfmetrics.stringWidth(NOT_SIGNED, bold, 13)
            canvas.setLineWidth(1.2)
            canvas.rect(text_x - text_width - 2 * mm, top - 8 * mm, text_width + 4 * mm, 6.5 * mm)
        canvas.setLineWidth(0.5)
        canvas.line(left, top - HEADER_HEIGHT + 1 * mm, right, top - HEADER_HEIGHT + 1 * mm)
        bottom = MARGIN
        canvas.line(left, bottom + FOOTER_HEIGHT - 2 * mm, right, bottom + FOOTER_HEIGHT - 2 * mm)
        canvas.setFont(regular, 7)
        canvas.drawString(left, bottom + 3 * mm, f"SHA-256 {self.digest}")
        canvas.drawRightString(
            right, bottom + 3 * mm, f"{self.recall_id} - page {number} of {total}"
        )
        if not self.signed:
            canvas.setFont(bold, 7)
            canvas.drawString(left, bottom - 0.5 * mm, NOT_SIGNED)
        canvas.restoreState()

    def _define_qr(self, canvas: Canvas) -> None:
        # Drawn once as a form and placed on every page: a QR code per page would cost layout time.
        width, height = A4
        size = HEADER_HEIGHT - 2 * mm
        widget = QrCodeWidget(self.recall_id, barLevel="M")
        x0, y0, x1, y1 = widget.getBounds()
        drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
        drawing.add(widget)
        canvas.beginForm("recall_qr")
        renderPDF.draw(
            drawing,
            canvas,
            width - MARGIN - FRAME_PADDING - size,
            height - MARGIN - size + 1 * mm,
        )
        canvas.endForm()


def _grid(
    rows: list[list[object]], widths: Sequence[float], *, header: bool = True, size: float = 7.5
) -> Table:
    table = Table(rows, colWidths=list(widths), repeatRows=1 if header else 0)
    commands: list[tuple[object, ...]] = [
        ("FONT", (0, 0), (-1, -1), font_name(False), size, size + 2),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    if header:
        commands += [
            ("FONT", (0, 0), (-1, 0), font_name(True), size, size + 2),
            ("BACKGROUND", (0, 0), (-1, 0), HEAD_FILL),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
        ]
    table.setStyle(TableStyle(commands))
    return table


def _chunked(
    head: list[object], rows: Sequence[list[object]], widths: Sequence[float]
) -> list[Flowable]:
    """A long table of one-line plain strings as `_Rows` flowables of CHUNK_ROWS rows, each with
    the header row (a chunk that does not fit splits across pages by rows)."""
    if not rows:
        return []
    texts = [[str(cell) for cell in row] for row in rows]
    title = [str(cell) for cell in head]
    return [
        _Rows(title, texts[i : i + CHUNK_ROWS], widths) for i in range(0, len(texts), CHUNK_ROWS)
    ]


_PRINTABLE_BYTE = {b: chr(b) for b in range(32, 127)}
_ESCAPED_BYTE = {b: _PRINTABLE_BYTE.get(b, f"\\{b:03o}") for b in range(256)}
for _special in b"\\()":
    _ESCAPED_BYTE[_special] = "\\" + chr(_special)


def _pdf_string(chunk: bytes) -> str:
    """Bytes of a font subset as the inside of a PDF string literal."""
    text = chunk.decode("latin-1")
    if text.isascii() and text.isprintable() and not any(c in text for c in "\\()"):
        return text
    return "".join(map(_ESCAPED_BYTE.__getitem__, chunk))


class _Rows(Flowable):  # type: ignore[misc]  # reportlab has no type hints
    """A table of one-line plain-string cells with a bold header row, drawn as one block of PDF
    text and path operators.

    It looks like `_grid` (same row height, padding, rules and header fill) but costs a small
    fraction of a reportlab Table: no per-cell style resolution and one text object per table
    instead of one per cell (10,000 lots: ~100,000 cells). Cells never wrap: callers clip them
    (`_clip`) or cut long lists into lines (`_wrap`).
    """

    def __init__(
        self,
        head: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        *,
        size: float = 7.5,
    ) -> None:
        super().__init__()
        self.head = list(head)
        self.rows = list(rows)
        self.widths = list(widths)
        self.size = size
        self.row_height = size + 2 + 4  # leading (size + 2) and 2 pt padding above and below

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = sum(self.widths)
        self.height = (len(self.rows) + 1) * self.row_height
        return self.width, self.height

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        fit = int(avail_height // self.row_height) - 1  # the header comes on every part
        if fit < 1:
            return []
        if fit >= len(self.rows):
            return [self]
        return [
            _Rows(self.head, self.rows[:fit], self.widths, size=self.size),
            _Rows(self.head, self.rows[fit:], self.widths, size=self.size),
        ]

    def draw(self) -> None:
        canvas = self.canv
        step = self.row_height
        width, height = sum(self.widths), (len(self.rows) + 1) * step
        canvas.saveState()
        canvas.setFillColor(HEAD_FILL)
        canvas.rect(0, height - step, width, step, stroke=0, fill=1)
        # A rule under every row; under the header a heavier black one.
        rules = [
            f"0 {y:.2f} m {width:.2f} {y:.2f} l"
            for y in (height - (i + 1) * step for i in range(1, len(self.rows) + 1))
        ]
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.4)
        canvas.addLiteral("\n".join(rules) + "\nS")
        canvas.setStrokeColor(colors.black)
        canvas.setLineWidth(0.8)
        canvas.line(0, height - step, width, height - step)
        canvas.setFillColor(colors.black)
        lefts = [3 + sum(self.widths[:i]) for i in range(len(self.widths))]
        code = ["BT"]
        # Reportlab's recipe for dynamic (TrueType) fonts: split each text into subset chunks,
        # name the subset's font, write the chunk (ttfonts module docstring).
        document = canvas._doc
        parts = ((font_name(True), [self.head], 0), (font_name(False), self.rows, 1))
        for face, lines, first in parts:
            font = pdfmetrics.getFont(face)
            current = -1
            for index, cells in enumerate(lines, start=first):
                baseline = height - index * step - 2 - self.size  # top-aligned, 2 pt padding
                for left, text in zip(lefts, cells, strict=False):
                    if not text:
                        continue
                    code.append(f"1 0 0 1 {left:.2f} {baseline:.2f} Tm")
                    for subset, chunk in font.splitString(text, document):
                        if subset != current:
                            name = font.getSubsetInternalName(subset, document)
                            code.append(f"{name} {self.size} Tf")
                            current = subset
                        code.append(f"({_pdf_string(chunk)}) Tj")
        code.append("ET")
        canvas.addLiteral("\n".join(code))
        canvas.restoreState()


_CHAR_WIDTHS: dict[str, float] = {}  # regular face, at 1 pt


def _width(text: str, size: float) -> float:
    """`pdfmetrics.stringWidth` of the regular face (TrueType widths add up: no kerning), from
    cached per-character widths: ~30,000 cells are measured for a 10,000-lot report."""
    widths = _CHAR_WIDTHS
    missing = set(text).difference(widths)
    if missing:
        name = font_name(False)
        for char in missing:
            widths[char] = pdfmetrics.stringWidth(char, name, 1)
    return sum(map(widths.__getitem__, text)) * size


def _clip(text: str, width: float, size: float = 7.5) -> str:
    """Text cut with an ellipsis to fit a cell that does not wrap (tables of plain strings are
    several times faster than tables of paragraphs)."""
    room = width - 6
    if _width(text, size) <= room:
        return text
    room -= _width("...", size)
    used = 0.0
    for end, char in enumerate(text):
        used += _CHAR_WIDTHS[char] * size
        if used > room:
            return text[:end] + "..."
    return text + "..."


def _clip_middle(text: str, width: float, size: float = 7.5) -> str:
    """A code cut in its middle to fit `width`: lot codes of one product differ at their end
    ('FG-SHORTBREAD-200/F260314-36', '...-37'), so the end stays and the start is shortened."""
    room = width - 6
    if _width(text, size) <= room:
        return text
    room -= _width("...", size)
    tail = max(1, min(len(text) - 1, (len(text) * 2) // 3))
    tail_text = text[-tail:]
    while len(tail_text) > 1 and _width(tail_text, size) > room * 0.75:
        tail_text = tail_text[1:]
    head_room = room - _width(tail_text, size)
    head = ""
    for char in text[: len(text) - len(tail_text)]:
        if _width(head + char, size) > head_room:
            break
        head += char
    return f"{head}...{tail_text}"


def _column(texts: Iterable[str], least: float, most: float, size: float = 7.5) -> float:
    """The width of a column whose cells should show `texts` whole: between `least` and `most`."""
    widest = max((_width(text, size) for text in set(texts)), default=0.0) + 6
    return min(most, max(least, widest))


def _wrap(items: Sequence[str], width: float, *, size: float = 7.5) -> list[str]:
    """Items joined by commas into lines that fit a cell `width` wide (plain strings)."""
    room = width - 6
    lines: list[str] = []
    line = ""
    for item in items:
        candidate = f"{line}, {item}" if line else item
        if line and _width(candidate, size) > room:
            lines.append(line + ",")
            line = _clip_middle(item, width, size)
        elif not line:
            line = _clip_middle(item, width, size)
        else:
            line = candidate
    if line:
        lines.append(line)
    return lines


def _summary_table(pairs: Iterable[tuple[str, str]], styles: dict[str, ParagraphStyle]) -> Table:
    rows: list[list[object]] = [
        [Paragraph(_text(k), styles["head"]), Paragraph(v, styles["cell"])] for k, v in pairs
    ]
    return _grid(rows, [45 * mm, WIDTH - 45 * mm], header=False, size=8.5)


def _cover(
    result: RecallResult, signature: DecisionSignature | None, styles: dict[str, ParagraphStyle]
) -> list[Flowable]:
    totals = result.totals
    forward = result.forward
    suspects = "<br/>".join(
        _text(
            f"{s.kind.value.replace('_', ' ')} {s.code}"
            + (f" from {when(s.since)} to {when(s.until)}" if s.since and s.until else "")
        )
        for s in result.suspects
    )
    shipped_lots = {name for shipment in forward.shipments for name in shipment.lots}
    on_hand: dict[str, Quantity] = {}
    for stock in result.on_site:
        unit = stock.on_hand.unit
        on_hand[unit] = on_hand[unit] + stock.on_hand if unit in on_hand else stock.on_hand
    pairs = [
        ("Recall", f"<b>{_text(result.recall_id)}</b>"),
        ("Reason", _text(result.reason)),
        ("Suspect", suspects),
        ("Suspect lots", _text(_first(forward.start, 20, "depth 0 in the affected lots"))),
        *_processed(result),
        ("Run by", _text(result.run_by)),
        ("Run at", _text(when(result.run_at))),
        ("Drill took", _text(f"{result.drill_ms / 1000:.2f} s ({result.drill_ms:.1f} ms)")),
    ]
    figures = [
        ("Affected lots", _text(f"{totals.lots}")),
        (
            "Quantity shipped",
            _text(_amount(totals.shipped, totals.shipped_upper_bound))
            + (
                " (a ceiling: some shares could not be computed)"
                if totals.shipped_upper_bound
                else ""
            )
            + " of the suspect material",
        ),
        ("Customers", _text(totals.customers)),
        ("Shipments", _text(totals.shipments)),
        (
            "Shipped",
            _text(
                f"{_count(len(shipped_lots), 'lot')} on {_count(totals.shipments, 'shipment')}"
                f" to {_count(totals.customers, 'customer')}"
            ),
        ),
        (
            "Stock on site",
            _text(
                f"{_count(totals.lots_on_site, 'lot')} still here"
                + (f", on hand {', '.join(str(q) for q in on_hand.values())}" if on_hand else "")
            ),
        ),
        (
            "Backward trace",
            _text(
                f"{_count(len(result.backward.lots), 'lot')}, "
                f"{_count(len(result.backward.suppliers), 'supplier')}"
            ),
        ),
        ("FSMA 204 events", _text(len(result.details()[0]))),
        (
            "Signature",
            _text(signature.line()) if signature is not None else f"<b>{NOT_SIGNED}</b>",
        ),
    ]
    return [
        Paragraph(_text(f"Recall report {result.recall_id}"), styles["title"]),
        Paragraph(_text(result.reason), styles["subtitle"]),
        Spacer(1, 4 * mm),
        _summary_table(pairs, styles),
        Paragraph("Totals", styles["h2"]),
        _summary_table(figures, styles),
        Paragraph(
            "The SHA-256 in the footer of every page is the hash of the recall result's canonical "
            "JSON (traceapp recall --json); the signature binds that hash.",
            styles["small"],
        ),
    ]


def _genealogy(result: RecallResult, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    lots = result.forward.lots
    summarised = len(lots) > DIAGRAM_LOTS
    note = (
        f"{len(lots)} affected lots, shown as one box per product and depth level (the number "
        "of lots in each)."
        if summarised
        else f"{len(lots)} affected lots, one box each."
    )
    return [
        PageBreak(),
        Paragraph("Genealogy of the affected set", styles["h2"]),
        Paragraph(
            _text(
                note + " Depth 0 is the suspect lots; each column to the right is made from the "
                "one before. The last column is what reached customers."
            ),
            styles["small"],
        ),
        Spacer(1, 3 * mm),
        _diagram(result, summarised),
    ]


def _diagram(result: RecallResult, summarised: bool) -> Drawing:
    forward = result.forward
    by_depth: dict[int, list[TracedLot]] = defaultdict(list)
    for lot in forward.lots:
        by_depth[min(lot.depth, DIAGRAM_COLUMNS - 1)].append(lot)
    depths = sorted(by_depth)
    columns: list[tuple[str, list[tuple[str, str]]]] = []
    for depth in depths:
        group = by_depth[depth]
        deepest = depth == DIAGRAM_COLUMNS - 1 and any(g.depth > depth for g in group)
        title = "Suspect" if depth == 0 else f"Depth {depth}" + ("+" if deepest else "")
        boxes: list[tuple[str, str]]
        if summarised:
            counts = Counter(lot.product_name for lot in group)
            boxes = [(name, f"{n} lot{'s' if n != 1 else ''}") for name, n in counts.most_common()]
        else:
            boxes = [(lot.name, lot.product_name) for lot in sorted(group, key=lambda g: g.name)]
        if len(boxes) > DIAGRAM_ROWS:
            rest = boxes[DIAGRAM_ROWS - 1 :]
            if summarised:
                hidden = sum(int(b[1].split()[0]) for b in rest)
                boxes = [*boxes[: DIAGRAM_ROWS - 1], (f"+{len(rest)} products", f"{hidden} lots")]
            else:
                boxes = [*boxes[: DIAGRAM_ROWS - 1], (f"+{len(rest)} lots", "not drawn")]
        columns.append((title, boxes))
    customers = forward.customers
    if customers:
        names = [(c.code, _clip(c.name, 60 * mm)) for c in customers[: DIAGRAM_ROWS - 1]]
        if len(customers) > DIAGRAM_ROWS - 1:
            names.append((f"+{len(customers) - DIAGRAM_ROWS + 1} customers", "not drawn"))
        columns.append(("Customers", names))
    count = max(len(columns), 1)
    gap = 8 * mm
    column_width = (WIDTH - gap * (count - 1)) / count
    box_height, box_gap = 11 * mm, 2.5 * mm
    rows = max((len(b) for _, b in columns), default=1)
    height = 10 * mm + rows * (box_height + box_gap)
    drawing = Drawing(WIDTH, height)
    regular, bold = font_name(False), font_name(True)
    for index, (title, boxes) in enumerate(columns):
        x = index * (column_width + gap)
        drawing.add(
            String(x, height - 5 * mm, _clip(title, column_width, 8), fontName=bold, fontSize=8)
        )
        is_customers = bool(customers) and index == len(columns) - 1
        for row, (first, second) in enumerate(boxes):
            y = height - 10 * mm - (row + 1) * (box_height + box_gap) + box_gap
            drawing.add(
                Rect(
                    x, y, column_width, box_height,
                    fillColor=colors.white, strokeColor=colors.black,
                    strokeWidth=1.6 if index == 0 else 0.7,
                    strokeDashArray=[3, 2] if is_customers else None,
                )
            )  # fmt: skip
            size = _fitting_size(first, column_width, bold)
            drawing.add(
                String(x + 2, y + box_height - 4 * mm, _clip_bold(first, column_width, size),
                       fontName=bold, fontSize=size)
            )  # fmt: skip
            if second:
                drawing.add(
                    String(x + 2, y + 1.8 * mm, _clip(second, column_width, 7),
                           fontName=regular, fontSize=7)
                )  # fmt: skip
        if index < len(columns) - 1:
            mid = height - 10 * mm - (box_height + box_gap) + box_gap + box_height / 2
            start, end = x + column_width + 1, x + column_width + gap - 1
            drawing.add(Line(start, mid, end - 3, mid, strokeColor=colors.black, strokeWidth=1))
            drawing.add(
                Polygon(
                    [end, mid, end - 4, mid + 2.5, end - 4, mid - 2.5],
                    fillColor=colors.black, strokeColor=colors.black,
                )
            )  # fmt: skip
    return drawing


def _fitting_size(text: str, width: float, font: str, largest: float = 7.5) -> float:
    """The largest size from `largest` down to 6 pt at which `text` fits a box `width` wide."""
    natural = float(pdfmetrics.stringWidth(text, font, 1))
    if natural <= 0:
        return largest
    return max(6.0, min(largest, (width - 4) / natural))


def _clip_bold(text: str, width: float, size: float) -> str:
    """`_clip_middle` for a bold box title (measured in the bold face)."""
    font = font_name(True)
    room = width - 4
    if pdfmetrics.stringWidth(text, font, size) <= room:
        return text
    for cut in range(1, len(text)):
        keep = len(text) - cut
        head = text[: keep // 3]
        tail = text[len(text) - (keep - len(head)) :]
        candidate = f"{head}...{tail}"
        if pdfmetrics.stringWidth(candidate, font, size) <= room:
            return candidate
    return text[-1:]


def _lots(result: RecallResult, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    lots = sorted(result.forward.lots, key=lambda lot: (lot.depth, lot.name))
    # The lot column takes what its longest name needs (the product column gives way, down to
    # 30 mm); a name longer than that loses its middle, not the end that tells lots apart.
    widths = [w * mm for w in (44, 44, 12, 20, 24, 28)]
    spare = widths[0] + widths[1] - 30 * mm
    widths[0] = _column((lot.name for lot in lots), 44 * mm, spare)
    widths[1] = WIDTH - sum(widths) + widths[1]
    head: list[object] = ["Lot", "Product", "Depth", "Status", "On hand", "Suspect material"]
    rows: list[list[object]] = [
        [
            _clip_middle(lot.name, widths[0]),
            _clip(lot.product_name, widths[1]),
            str(lot.depth),
            lot.status.value.replace("_", " "),
            str(lot.on_hand),
            _amount(lot.quantity, lot.upper_bound),
        ]
        for lot in lots
    ]
    return [
        PageBreak(),
        Paragraph(f"Affected lots ({len(rows)})", styles["h2"]),
        Paragraph(
            "Every lot made from the suspect lots, the suspect lots included (depth 0). "
            "Suspect material: how much of it each lot holds; '&lt;=' marks a ceiling.",
            styles["small"],
        ),
        Spacer(1, 2 * mm),
        *_chunked(head, rows, widths),
    ]


def _contact(*parts: str | None) -> str:
    return ", ".join(p for p in parts if p) or "no contact on file"


def _shipments(result: RecallResult, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    forward = result.forward
    story: list[Flowable] = [
        PageBreak(),
        Paragraph(
            f"Shipments by customer ({_count(len(forward.customers), 'customer')})", styles["h2"]
        ),
    ]
    if not forward.customers:
        story.append(Paragraph("No affected material reached a customer.", styles["cell"]))
        return story
    by_customer: dict[str, list[TracedShipment]] = defaultdict(list)
    for shipment in forward.shipments:
        by_customer[shipment.customer].append(shipment)
    widths = [w * mm for w in (47, 30, 0, 24)]
    widths[2] = WIDTH - sum(widths)
    head: list[object] = ["Shipped at", "Reference doc.", "Lots (containers)", "Suspect qty"]
    for customer in forward.customers:
        heading = Paragraph(f"{_text(customer.code)} - {_text(customer.name)}", styles["h3"])
        details = Paragraph(
            f"Contact: {_text(_contact(customer.contact_name, customer.contact_email, customer.contact_phone))}"
            f"<br/>{_count(customer.shipments, 'shipment')}, {_text(_amount(customer.quantity, customer.upper_bound))} "
            f"of the suspect material in {_count(len(customer.lots), 'lot')}",
            styles["cell"],
        )
        rows: list[list[object]] = []
        for shipment in sorted(by_customer.get(customer.code, []), key=lambda s: s.shipped_at):
            # One row per line of lots: a shipment of hundreds of lots splits across pages.
            containers = [f"in {c}" if i == 0 else c for i, c in enumerate(shipment.containers)]
            lines = _wrap([*shipment.lots, *containers], widths[2])
            rows.append(
                [
                    when(shipment.shipped_at),
                    _clip(shipment.reference_document or "-", widths[1]),
                    lines[0] if lines else "-",
                    _amount(shipment.quantity, shipment.upper_bound),
                ]
            )
            rows += [["", "", line, ""] for line in lines[1:]]
        tables = _chunked(head, rows, widths)
        # The heading stays with the start of its table; a table splits across pages by rows.
        story += [CondPageBreak(40 * mm), KeepTogether([heading, details]), Spacer(1, 1.5 * mm)]
        story += tables
    return story


def _on_site(result: RecallResult, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    story: list[Flowable] = [
        CondPageBreak(40 * mm),
        Paragraph(f"Affected stock still on site ({len(result.on_site)} lots)", styles["h2"]),
    ]
    if not result.on_site:
        story.append(Paragraph("No affected stock is left on site.", styles["cell"]))
        return story
    widths = [w * mm for w in (46, 46, 24, 0, 28)]
    widths[0] = _column((s.lot for s in result.on_site), 46 * mm, 62 * mm)
    widths[3] = WIDTH - sum(widths)
    head: list[object] = ["Lot", "Product", "Status", "Location", "On hand"]
    rows: list[list[object]] = [
        [
            _clip_middle(s.lot, widths[0]),
            _clip(s.product_name, widths[1]),
            s.status.replace("_", " "),
            _clip(s.location or "-", widths[3]),
            str(s.on_hand),
        ]
        for s in result.on_site
    ]
    return story + _chunked(head, rows, widths)


def _short_when(moment: datetime) -> str:
    """Date, minute and UTC offset: '2026-03-17 01:48 +01:00'."""
    offset = moment.strftime("%z")
    return f"{moment:%Y-%m-%d %H:%M}" + (f" {offset[:3]}:{offset[3:]}" if offset else "")


def _quality(quality: RecallQuality | None, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    story: list[Flowable] = [CondPageBreak(40 * mm)]
    if quality is None:
        return [
            *story,
            Paragraph("Quality records of the affected lots", styles["h2"]),
            Paragraph("Not read for this report.", styles["cell"]),
        ]
    inspections, ncs = quality.inspections, quality.nonconformances
    story.append(
        Paragraph(
            "Quality records of the affected lots "
            f"({_count(len(inspections), 'inspection')}, "
            f"{_count(len(ncs), 'nonconformance')})",
            styles["h2"],
        )
    )
    if not inspections and not ncs:
        story.append(
            Paragraph(
                "No inspection or nonconformance is recorded for the affected lots.",
                styles["cell"],
            )
        )
        return story
    if inspections:
        stamps = [_short_when(r.inspected_at) for r in inspections]
        widths = [w * mm for w in (50, 34, 40, 15, 0)]
        widths[0] = _column((i.lot for i in inspections), 40 * mm, 50 * mm)
        widths[1] = _column(stamps, 30 * mm, 40 * mm)
        widths[4] = WIDTH - sum(widths)
        head: list[object] = ["Lot", "Inspected at", "Plan (inspector)", "Result", "Failed checks"]
        rows: list[list[object]] = []
        for record, stamp in zip(inspections, stamps, strict=True):
            failed = [
                line
                for check in record.failed
                for line in _words(check.reason or check.characteristic, widths[4])
            ]
            plan = _words(f"{record.plan} ({record.inspector})", widths[2])
            rows += _lines(
                [[_clip_middle(record.lot, widths[0])], [stamp], plan, [record.result], failed]
            )
        story += [Spacer(1, 1.5 * mm), *_chunked(head, rows, widths)]
    if ncs:
        stamps = [_short_when(n.opened_at) for n in ncs]
        widths = [w * mm for w in (50, 34, 16, 0)]
        widths[0] = _column((n.lot for n in ncs), 40 * mm, 50 * mm)
        widths[1] = _column(stamps, 30 * mm, 40 * mm)
        widths[3] = WIDTH - sum(widths)
        head = ["Lot", "Opened", "Status", "Nonconformance"]
        rows = []
        for nc, stamp in zip(ncs, stamps, strict=True):
            what = _words(f"NC-{nc.id.hex[:8].upper()}: {nc.description}", widths[3])
            rows += _lines([[_clip_middle(nc.lot, widths[0])], [stamp], [nc.status], what])
        story += [Spacer(1, 3 * mm), *_chunked(head, rows, widths)]
    return story


def _words(text: str, width: float, size: float = 7.5) -> list[str]:
    """`text` broken at spaces into lines that fit a cell `width` wide (a word too long for a
    line of its own loses its middle)."""
    room = width - 6
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if line and _width(candidate, size) > room:
            lines.append(line)
            line = _clip_middle(word, width, size)
        else:
            line = candidate if line else _clip_middle(word, width, size)
    return [*lines, line] if line else lines or ["-"]


def _lines(cells: list[list[str]]) -> list[list[object]]:
    """One table row per line of the cell with the most lines; the others stay blank below."""
    depth = max(len(cell) for cell in cells)
    return [[cell[i] if i < len(cell) else "" for cell in cells] for i in range(depth)]


def _excursions(result: RecallResult, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    _events, excursions = result.details()
    story: list[Flowable] = [
        CondPageBreak(60 * mm),
        Paragraph(
            f"Sensor excursions during production and transit ({len(excursions)})",
            styles["h2"],
        ),
    ]
    if not excursions:
        story.append(
            Paragraph(
                "No reading outside the specification was recorded while an affected lot was "
                "made on monitored equipment or travelled with a bound logger.",
                styles["cell"],
            )
        )
        return story
    story.append(
        Paragraph(
            "Readings outside the specification while the lots were made (on the equipment of "
            "their production step) or in transit (a logger bound to their shipment). One chart "
            "per channel and residence: the band is the lowest and highest reading of each "
            "column, dashed lines the limits, grey the time the lots were there, the black bar "
            "the excursion.",
            styles["small"],
        )
    )
    groups: dict[tuple[object, ...], list[RecallExcursion]] = defaultdict(list)
    for row in excursions:
        key = (row.place, row.residence_since, row.residence_until, row.channel, row.start)
        groups[key].append(row)
    for index, rows in enumerate(groups.values()):
        first = rows[0]
        lots = [row.lot for row in rows]
        words = (
            f"<b>{_text(first.channel)}</b> at {_text(first.place)}: {_text(first.description)}"
            f"<br/>Lots: {_text(_first(lots, 12, 'affected lots table'))}"
        )
        block: list[Flowable] = [Paragraph(words, styles["cell"])]
        if index < MAX_CHARTS:
            block.append(
                condition_chart(
                    first.chart,
                    width=WIDTH,
                    unit=first.unit,
                    residence=(first.residence_since, first.residence_until),
                    excursion=(first.start, first.end),
                    lsl=first.lsl,
                    usl=first.usl,
                    gaps=first.gaps,
                )
            )
        block.append(Spacer(1, 2 * mm))
        story.append(KeepTogether(block))
    if len(groups) > MAX_CHARTS:
        story.append(
            Paragraph(
                f"Charts are drawn for the first {MAX_CHARTS} excursions; every one is in the "
                "recall's JSON, which the SHA-256 binds.",
                styles["small"],
            )
        )
    return story


def _signature_block(
    signature: DecisionSignature | None, digest: str, styles: dict[str, ParagraphStyle]
) -> list[Flowable]:
    title = Paragraph("Electronic signature (21 CFR 11.50)", styles["h2"])
    if signature is None:
        body: list[Flowable] = [
            Paragraph(NOT_SIGNED, styles["stamp"]),
            Paragraph(
                "Nobody has signed this recall result. Sign it with "
                "traceapp recall ... --sign-as USER.",
                styles["cell"],
            ),
        ]
    else:
        pairs = [
            ("Signed by", _text(f"{signature.printed_name} ({signature.username})")),
            ("Date and time", _text(when(signature.signed_at))),
            ("Meaning", f"<b>{_text(signature.meaning.capitalize())}</b>"),
            ("Binds SHA-256", _text(digest)),
        ]
        if not signature.valid:
            pairs.append(("State", "<b>THE SIGNATURE DOES NOT MATCH THIS RESULT: NOT VALID</b>"))
        body = [_summary_table(pairs, styles)]
    return [CondPageBreak(50 * mm), KeepTogether([title, *body])]
