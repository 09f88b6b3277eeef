"""The lot record as an A4 PDF: the lot, its decisions with their signatures, its events."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import Flowable

from traceapp.domain.conditions import LotConditions, decimal, envelope
from traceapp.domain.dispositions import Decision, DecisionRecord, DecisionSignature, LotRecord
from traceapp.domain.quantity import Quantity
from traceapp.domain.recall import ChartPoint
from traceapp.domain.results import EventSummary
from traceapp.domain.sensors import from_micros
from traceapp.reports.condition_charts import condition_chart
from traceapp.reports.labels.fonts import font_name

MARGIN = 15 * mm
FRAME_PADDING = 6  # points reportlab's frame keeps inside the margins on each side
WIDTH = A4[0] - 2 * MARGIN - 2 * FRAME_PADDING
GREY = colors.HexColor("#555555")
RULE = colors.HexColor("#999999")
HEAD_FILL = colors.HexColor("#E6E6E6")
VALID = colors.HexColor("#1B5E20")
BROKEN = colors.HexColor("#B71C1C")

DECISION_WORDS = {
    Decision.HOLD: "Hold",
    Decision.LIFT_HOLD: "Hold lifted",
    Decision.RELEASE: "Released",
    Decision.REJECT: "Rejected",
    Decision.REWORK: "To rework",
    Decision.SCRAP: "Scrapped",
}


def _styles() -> dict[str, ParagraphStyle]:
    regular, bold = font_name(False), font_name(True)
    # So that <b> in a paragraph picks the bold face (Vera ships no italic: <i> stays upright).
    pdfmetrics.registerFontFamily(
        regular, normal=regular, bold=bold, italic=regular, boldItalic=bold
    )
    base = ParagraphStyle("base", fontName=regular, fontSize=8.5, leading=10.5, alignment=TA_LEFT)
    return {
        "title": ParagraphStyle("title", parent=base, fontName=bold, fontSize=16, leading=20),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=9, textColor=GREY),
        "h2": ParagraphStyle(
            "h2", parent=base, fontName=bold, fontSize=11.5, leading=14, spaceBefore=8
        ),
        "cell": base,
        "head": ParagraphStyle("head", parent=base, fontName=bold),
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=9, textColor=GREY),
    }


def when(moment: datetime) -> str:
    """Local date and time with its UTC offset, as every printout shows times."""
    offset = moment.utcoffset()
    if offset is None:
        return f"{moment:%Y-%m-%d %H:%M:%S}"
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC{sign}{hours:02d}:{rest:02d}"


def _text(value: object) -> str:
    return escape(str(value)) if value is not None else "-"


def _quantity(value: Quantity | None) -> str:
    return str(value) if value is not None else "-"


def render_lot_record(record: LotRecord, conditions: LotConditions | None = None) -> bytes:
    """The PDF bytes of a lot's record; with `conditions`, its process conditions and charts."""
    styles = _styles()
    buffer = io.BytesIO()
    lot = record.detail.lot
    title = f"Lot record {lot.name}"
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 6 * mm,
        title=title,
        author="TraceApp",
        invariant=True,
    )
    printed = f"Printed {when(record.printed_at)}" + (
        f" by {record.printed_by}" if record.printed_by else ""
    )

    def footer(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(font_name(False), 7.5)
        canvas.setFillColor(GREY)
        left, right = MARGIN + FRAME_PADDING, A4[0] - MARGIN - FRAME_PADDING
        canvas.drawString(left, MARGIN, f"{title} - {printed}")
        canvas.drawRightString(right, MARGIN, f"Page {doc.page}")
        canvas.restoreState()

    story: list[Flowable] = [
        Paragraph(_text(title), styles["title"]),
        Paragraph(_text(f"{lot.product_name} - {printed}"), styles["subtitle"]),
        Spacer(1, 4 * mm),
        _lot_table(record, styles),
        Paragraph("Decisions", styles["h2"]),
    ]
    story += _decisions(record.decisions, styles)
    if conditions is not None:
        story += _conditions(conditions, styles)
    story.append(Paragraph("Events", styles["h2"]))
    story += _events(record, styles)
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def _grid(rows: list[list[object]], widths: Sequence[float], *, header: bool = True) -> Table:
    table = Table(rows, colWidths=list(widths), repeatRows=1 if header else 0)
    commands: list[tuple[object, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), HEAD_FILL))
    table.setStyle(TableStyle(commands))
    return table


def _lot_table(record: LotRecord, styles: dict[str, ParagraphStyle]) -> Table:
    detail = record.detail
    lot = detail.lot
    cell, head = styles["cell"], styles["head"]
    origin = lot.origin.value
    if detail.origin_event is not None:
        origin += f" on {when(detail.origin_event.event_time)}"
    if lot.supplier:
        origin += f" from {lot.supplier} (their lot {lot.supplier_lot_code or '-'})"
    pairs = [
        ("Product", f"{lot.part_number} - {lot.product_name}"),
        ("Lot code", lot.lot_code),
        ("Status", lot.status.value.replace("_", " ").upper()),
        ("On hand", _quantity(lot.on_hand)),
        ("Initial quantity", _quantity(lot.initial)),
        ("Consumed", _quantity(detail.consumed)),
        ("Shipped", _quantity(detail.shipped)),
        ("Origin", origin),
        ("Expiry", lot.expiry.isoformat() if lot.expiry else "-"),
        ("Location", lot.location or "-"),
        ("Made from", ", ".join(f"{p.lot} ({p.quantity})" for p in detail.parents) or "-"),
        ("Went into", ", ".join(f"{c.lot} ({c.quantity})" for c in detail.children) or "-"),
    ]
    rows: list[list[object]] = [
        [Paragraph(_text(label), head), Paragraph(_text(value), cell)] for label, value in pairs
    ]
    return _grid(rows, [35 * mm, WIDTH - 35 * mm], header=False)


def _signature(signature: DecisionSignature, styles: dict[str, ParagraphStyle]) -> Paragraph:
    colour = VALID if signature.valid else BROKEN
    mark = "Signature valid" if signature.valid else "RECORD CHANGED SINCE SIGNING"
    text = (
        f"<b>{_text(signature.printed_name)}</b> ({_text(signature.username)})<br/>"
        f"Meaning: {_text(signature.meaning)}<br/>"
        f"{_text(when(signature.signed_at))}<br/>"
        f'<font color="#{colour.hexval()[2:]}"><b>{mark}</b></font>'
    )
    return Paragraph(text, styles["cell"])


def _decisions(
    decisions: Sequence[DecisionRecord], styles: dict[str, ParagraphStyle]
) -> list[Flowable]:
    if not decisions:
        return [Paragraph("No decisions on this lot.", styles["cell"])]
    cell, head = styles["cell"], styles["head"]
    widths = [33 * mm, 26 * mm, 22 * mm, 50 * mm, WIDTH - 131 * mm]
    rows: list[list[object]] = [
        [Paragraph(h, head) for h in ("When", "Decision", "By", "Reason", "Electronic signature")]
    ]
    for record in decisions:
        status = (
            # Vera has no arrow glyph: words, not a missing-character box.
            f"from {record.status_before.value.replace('_', ' ')} to "
            f"{record.status_after.value.replace('_', ' ')}"
        )
        by = _text(record.decided_by) + (
            f"<br/>at {_text(record.station)}" if record.station else ""
        )
        reason = _text(record.reason)
        if record.rule:
            reason += f"<br/><i>Automatic: rule {_text(record.rule)}</i>"
        signed: list[Flowable] = [_signature(s, styles) for s in record.signatures] or [
            Paragraph("not signed (a hold needs a reason only)", styles["small"])
            if record.decision is Decision.HOLD
            else Paragraph("NO SIGNATURE", cell)
        ]
        rows.append(
            [
                Paragraph(_text(when(record.decided_at)), cell),
                Paragraph(f"<b>{DECISION_WORDS[record.decision]}</b><br/>{status}", cell),
                Paragraph(by, cell),
                Paragraph(reason, cell),
                signed,
            ]
        )
    return [_grid(rows, widths)]


def _event_details(event: EventSummary) -> str:
    return "; ".join(event.details())


def _events(record: LotRecord, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    events = record.detail.events
    if not events:
        return [Paragraph("No events.", styles["cell"])]
    cell, head = styles["cell"], styles["head"]
    widths = [33 * mm, 30 * mm, 20 * mm, 20 * mm, WIDTH - 103 * mm]
    rows: list[list[object]] = [
        [Paragraph(h, head) for h in ("When", "Step (CBV)", "Station", "By", "What")]
    ]
    for event in events:
        rows.append(
            [
                Paragraph(_text(when(event.event_time)), cell),
                Paragraph(
                    f"{_text(event.step.value.replace('_', ' '))}<br/>"
                    f'<font size="7">{_text(event.biz_step)} / {_text(event.disposition)}</font>',
                    cell,
                ),
                Paragraph(_text(event.station), cell),
                Paragraph(_text(event.user), cell),
                Paragraph(_text(_event_details(event)), cell),
            ]
        )
    story: list[Flowable] = [_grid(rows, widths)]
    if record.detail.events_truncated:
        story.append(
            KeepTogether(
                Paragraph(
                    f"Only the first {len(events)} events are shown; the lot has more.",
                    styles["small"],
                )
            )
        )
    return story


def _conditions(found: LotConditions, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    """Where the lot was, what the channels there read, and excursions (issue 8)."""
    story: list[Flowable] = [Paragraph("Process conditions", styles["h2"])]
    if not found.residences:
        return [*story, Paragraph("No monitored equipment or logger recorded.", styles["cell"])]
    places = ", ".join(dict.fromkeys(r.label for r in found.residences))
    spec = [e for e in found.excursions if e.flags]
    verdict = (
        f"<b>FLAGGED</b>: {len(spec)} excursion(s) outside the specification at {_text(places)}."
        if spec
        else f"Within specification at {_text(places)}."
    )
    story.append(Paragraph(verdict, styles["cell"]))
    for e in sorted(found.excursions, key=lambda e: not e.flags):
        kind = "SPEC" if e.flags else "control"
        story.append(Paragraph(_text(f"{kind}: {e.describe()}"), styles["small"]))
    for window in found.windows:
        mine = [
            e
            for e in found.excursions
            if e.channel.id == window.channel.id and e.residence == window.residence
        ]
        mine.sort(key=lambda e: not e.flags)
        first = mine[0] if mine else None
        limits = window.channel.limits
        chart = condition_chart(
            [
                ChartPoint(p.time_us, decimal(p.low), decimal(p.high))
                for p in envelope(window.points)
            ],
            width=WIDTH,
            unit=window.channel.unit,
            residence=(window.residence.since, window.residence.until),
            excursion=None
            if first is None
            else (from_micros(first.start_us), from_micros(first.end_us)),
            lsl=None if limits.lsl is None else decimal(limits.lsl),
            usl=None if limits.usl is None else decimal(limits.usl),
            gaps=window.gaps,
        )
        caption = Paragraph(
            _text(f"{window.channel.key} at {window.residence.label} ({window.resolution.value})"),
            styles["cell"],
        )
        story.append(KeepTogether([caption, chart, Spacer(1, 2 * mm)]))
    return story
