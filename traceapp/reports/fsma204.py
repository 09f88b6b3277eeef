"""The FSMA 204 sortable spreadsheet of a recall: one row per critical tracking event, as XLSX or CSV."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from traceapp.domain.recall import CriticalTrackingEvent, RecallResult

SHEET = "FSMA 204 events"
SUMMARY_SHEET = "Recall"
Value = str | Decimal | date | time | None


@dataclass(frozen=True, slots=True)
class Column:
    title: str  # named after the key data element (21 CFR 1.1340-1.1350, PTI guidance)
    width: float  # characters
    value: Callable[[CriticalTrackingEvent], Value]
    number_format: str | None = None


def _offset(event: CriticalTrackingEvent) -> str:
    text = event.occurred_at.isoformat()
    return "Z" if text.endswith("+00:00") else text[-6:]


COLUMNS: tuple[Column, ...] = (
    Column("Critical tracking event", 16, lambda e: e.cte.value),
    Column("Traceability lot code (TLC)", 26, lambda e: e.tlc),
    Column("GTIN", 16, lambda e: e.gtin),
    Column("Batch/lot", 16, lambda e: e.batch),
    Column("Product description", 28, lambda e: e.product_description),
    Column("Quantity", 12, lambda e: e.quantity, "#,##0.######"),
    Column("Unit of measure", 10, lambda e: e.unit),
    Column("Input TLC", 26, lambda e: e.input_tlc),
    Column("Input product description", 28, lambda e: e.input_product),
    Column("Input quantity used", 12, lambda e: e.input_quantity, "#,##0.######"),
    Column("Input unit of measure", 10, lambda e: e.input_unit),
    Column("Location (received at / transformed at / shipped from)", 22, lambda e: e.location),
    Column("Location GLN", 15, lambda e: e.location_gln),
    Column("Immediate previous source / subsequent recipient", 26, lambda e: e.counterparty),
    Column("Source / recipient GLN", 15, lambda e: e.counterparty_gln),
    # Excel has no time zones: the local date and time as typed cells, the offset beside them.
    Column("Date", 12, lambda e: e.occurred_at.date(), "yyyy-mm-dd"),
    Column(
        "Local time",
        10,
        lambda e: e.occurred_at.time().replace(tzinfo=None, microsecond=0),
        "hh:mm:ss",
    ),
    Column("UTC offset", 8, _offset),
    Column("TLC source or TLC source reference", 28, lambda e: e.tlc_source_reference),
    Column("Reference document number", 20, lambda e: e.reference_document),
    Column("Event ID", 38, lambda e: e.event_id),
)


def rows(events: Sequence[CriticalTrackingEvent]) -> Iterator[list[Value]]:
    """The spreadsheet's body as typed values, one list per event, in column order."""
    getters = [column.value for column in COLUMNS]
    for event in events:
        yield [get(event) for get in getters]


def write_xlsx(result: RecallResult, path: Path, *, sha256: str | None = None) -> None:
    """The events sheet (typed cells, filters on, header frozen) and a sheet naming the recall
    with its SHA-256 (`sha256`: the caller's, when it has it; a large result takes a second)."""
    book = Workbook(write_only=True)
    sheet: WriteOnlyWorksheet = book.create_sheet(SHEET)
    sheet.freeze_panes = "A2"
    for index, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    last = get_column_letter(len(COLUMNS))
    sheet.auto_filter.ref = f"A1:{last}{len(result.events) + 1}"
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    header = []
    for column in COLUMNS:
        cell = WriteOnlyCell(sheet, value=column.title)
        cell.font = bold
        cell.alignment = wrap
        header.append(cell)
    sheet.append(header)
    formats = [(i, c.number_format) for i, c in enumerate(COLUMNS) if c.number_format]
    for values in rows(result.events):
        line: list[object] = list(values)
        for index, number_format in formats:
            if values[index] is not None:
                cell = WriteOnlyCell(sheet, value=values[index])
                cell.number_format = number_format
                line[index] = cell
        sheet.append(line)
    summary: WriteOnlyWorksheet = book.create_sheet(SUMMARY_SHEET)
    summary.column_dimensions["A"].width = 24
    summary.column_dimensions["B"].width = 70
    for key, value in _summary(result, sha256 or result.sha256()):
        summary.append([WriteOnlyCell(summary, value=key), value])
    book.save(path)


def write_csv(result: RecallResult, path: Path) -> None:
    """The same events as CSV (UTF-8 with BOM, so spreadsheet programs read accents right)."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([column.title for column in COLUMNS])
        for values in rows(result.events):
            writer.writerow([_text(value) for value in values])


def _text(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"  # 17.84, not the column's 17.840000
    return str(value)


def _summary(result: RecallResult, sha256: str) -> list[tuple[str, object]]:
    totals = result.totals
    shipped = (
        f"{totals.shipped.value.normalize():f} {totals.shipped.unit}" if totals.shipped else ""
    )
    return [
        ("Recall", result.recall_id),
        ("Reason", result.reason),
        ("Suspect", "; ".join(f"{s.kind.value} {s.code}" for s in result.suspects)),
        ("Run by", result.run_by),
        ("Run at", result.run_at.isoformat()),
        ("Affected lots", totals.lots),
        ("Customers", totals.customers),
        ("Shipments", totals.shipments),
        (
            "Suspect material shipped",
            shipped + (" (at most)" if totals.shipped_upper_bound else ""),
        ),
        ("Lots still on site", totals.lots_on_site),
        ("Critical tracking events", len(result.events)),
        ("SHA-256 of the recall result", sha256),
    ]
