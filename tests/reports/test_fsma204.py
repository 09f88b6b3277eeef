"""The FSMA 204 spreadsheet read back and checked against the database, walked independently."""

from __future__ import annotations

import csv
from dataclasses import replace
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from tests.services.conftest import Plant, plant  # noqa: F401  (the fixture)
from tests.services.test_recall import build_recall_plant
from traceapp.db.models import (
    Container,
    ContainerContent,
    Event,
    EventItem,
    Lot,
    LotEdge,
    Party,
    Product,
    Shipment,
    ShipmentItem,
)
from traceapp.domain.recall import RecallResult
from traceapp.reports.fsma204 import COLUMNS, SHEET, SUMMARY_SHEET, write_csv, write_xlsx
from traceapp.services.recall import run_recall

Row = tuple[str, str, str | None, Decimal, str, date, str | None, str | None]


def _name(session: Session, lot_id: object) -> str:
    part, code = session.execute(
        select(Product.part_number, Lot.lot_code)
        .join(Lot, Lot.product_id == Product.id)
        .where(Lot.id == lot_id)
    ).one()
    return f"{part}/{code}"


def _expected(session: Session, supplier_lot: str) -> set[Row]:
    """The CTE rows of everything made from `supplier_lot`, by walking the tables directly."""
    frontier = set(session.scalars(select(Lot.id).where(Lot.supplier_lot_code == supplier_lot)))
    affected = set(frontier)
    while frontier:
        children = set(
            session.scalars(
                select(LotEdge.child_lot_id).where(
                    LotEdge.parent_lot_id.in_(frontier), LotEdge.voided_by_event_id.is_(None)
                )
            )
        )
        frontier = children - affected
        affected |= frontier
    expected: set[Row] = set()
    for event, item, party in session.execute(
        select(Event, EventItem, Party)
        .join(EventItem, EventItem.event_id == Event.id)
        .join(Party, Party.id == Event.party_id)
        .where(Event.step == "receive", EventItem.lot_id.in_(affected))
    ):
        expected.add(
            ("receiving", _name(session, item.lot_id), None, item.quantity, item.unit,
             event.event_time.date(), party.name, event.reference_document)
        )  # fmt: skip
    output = aliased(EventItem)
    for edge, event, made in session.execute(
        select(LotEdge, Event, output)
        .join(Event, Event.id == LotEdge.event_id)
        .join(output, (output.event_id == Event.id) & (output.lot_id == LotEdge.child_lot_id))
        .where(LotEdge.child_lot_id.in_(affected), LotEdge.voided_by_event_id.is_(None))
    ):
        expected.add(
            ("transformation", _name(session, edge.child_lot_id),
             _name(session, edge.parent_lot_id), made.quantity, made.unit,
             event.event_time.date(), None, event.reference_document)
        )  # fmt: skip
    for shipment, item, party in session.execute(
        select(Shipment, ShipmentItem, Party)
        .join(ShipmentItem, ShipmentItem.shipment_id == Shipment.id)
        .join(Party, Party.id == Shipment.customer_id)
        .where(Shipment.voided_by_event_id.is_(None))
    ):
        loose: list[tuple[object, Decimal | None]] = []
        if item.lot_id is not None:
            loose.append((item.lot_id, item.quantity))
        else:
            for content in session.scalars(
                select(ContainerContent)
                .join(Container, Container.id == ContainerContent.container_id)
                .where(ContainerContent.container_id == item.container_id)
            ):
                inside = content.packed_at <= shipment.shipped_at and (
                    content.unpacked_at is None or shipment.shipped_at < content.unpacked_at
                )
                if inside and content.lot_id is not None:
                    loose.append((content.lot_id, content.quantity))
        for lot_id, quantity in loose:
            if lot_id in affected:
                unit = session.scalar(select(Lot.unit).where(Lot.id == lot_id))
                expected.add(
                    ("shipping", _name(session, lot_id), None, quantity, unit,
                     shipment.shipped_at.date(), party.name, shipment.reference_document)
                )  # fmt: skip
    return expected


def _recall(plant: Plant) -> RecallResult:  # noqa: F811
    build_recall_plant(plant)
    with plant.uow() as uow:
        return run_recall(uow, actor=plant.actor, reason="mill alert", supplier_lot="SL-9")


def _column(title: str) -> int:
    return [c.title for c in COLUMNS].index(title)


def test_the_spreadsheet_rows_are_the_events_of_the_database(
    plant: Plant,  # noqa: F811
    tmp_path: Path,
) -> None:
    result = _recall(plant)
    path = tmp_path / "recall.xlsx"
    write_xlsx(result, path)
    book = load_workbook(path)
    sheet = book[SHEET]
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == [c.title for c in COLUMNS]
    got: set[Row] = set()
    for row in values[1:]:
        day = row[_column("Date")]
        assert isinstance(day, datetime)  # a date cell, not text
        assert isinstance(row[_column("Local time")], time)
        quantity = row[_column("Quantity")]
        assert isinstance(quantity, int | float)
        got.add(
            (
                row[_column("Critical tracking event")],
                row[_column("Traceability lot code (TLC)")],
                row[_column("Input TLC")],
                Decimal(str(quantity)),
                row[_column("Unit of measure")],
                day.date(),
                row[_column("Immediate previous source / subsequent recipient")],
                row[_column("Reference document number")],
            )  # type: ignore[arg-type]
        )
    assert len(values) - 1 == len(got) == 7
    with plant.uow() as uow:
        assert got == _expected(uow.session, "SL-9")


def test_the_sheet_has_filters_a_frozen_header_and_readable_widths(
    plant: Plant,  # noqa: F811
    tmp_path: Path,
) -> None:
    result = _recall(plant)
    path = tmp_path / "recall.xlsx"
    write_xlsx(result, path)
    book = load_workbook(path)
    sheet = book[SHEET]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:U{len(result.events) + 1}"
    assert sheet.column_dimensions["B"].width >= 20
    assert sheet["A1"].font.b
    assert sheet.cell(2, _column("Date") + 1).number_format == "yyyy-mm-dd"
    summary = {row[0]: row[1] for row in book[SUMMARY_SHEET].iter_rows(values_only=True)}
    assert summary["Recall"] == result.recall_id
    assert summary["SHA-256 of the recall result"] == result.sha256()
    assert summary["Affected lots"] == 4


def test_the_csv_has_the_same_rows_as_text(
    plant: Plant,  # noqa: F811
    tmp_path: Path,
) -> None:
    result = _recall(plant)
    path = tmp_path / "recall.csv"
    write_csv(result, path)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        lines = list(csv.reader(handle))
    assert lines[0] == [c.title for c in COLUMNS]
    assert len(lines) == len(result.events) + 1
    shipped = [line for line in lines[1:] if line[0] == "shipping"]
    assert sorted((line[1], line[5]) for line in shipped) == [
        ("COOKIE/C-1", "100"),
        ("COOKIE/C-2", "40"),
    ]
    assert all(
        time.fromisoformat(line[_column("Local time")]).microsecond == 0 for line in lines[1:]
    )
    assert all(date.fromisoformat(line[_column("Date")]) for line in lines[1:])


def test_a_recall_without_events_still_writes_a_header(
    plant: Plant,  # noqa: F811
    tmp_path: Path,
) -> None:
    result = replace(_recall(plant), events=())
    write_xlsx(result, tmp_path / "empty.xlsx")
    sheet = load_workbook(tmp_path / "empty.xlsx")[SHEET]
    assert sheet.max_row == 1


def test_text_is_escaped_and_numbers_keep_their_formats(
    plant: Plant,  # noqa: F811
    tmp_path: Path,
) -> None:
    result = _recall(plant)
    first = replace(
        result.events[0],
        product_description=" Fish & <chips> ",
        reference_document="DN\x1d-7",  # a GS from a scan: no XLSX may hold it
        quantity=Decimal("1234.500000"),
    )
    result = replace(result, events=(first, *result.events[1:]))
    path = tmp_path / "recall.xlsx"
    write_xlsx(result, path)
    sheet = load_workbook(path)[SHEET]
    row = 2
    assert sheet.cell(row, _column("Product description") + 1).value == " Fish & <chips> "
    assert sheet.cell(row, _column("Reference document number") + 1).value == "DN-7"
    quantity = sheet.cell(row, _column("Quantity") + 1)
    assert quantity.value == 1234.5
    assert quantity.number_format == "#,##0.######"
    clock = sheet.cell(row, _column("Local time") + 1)
    assert clock.number_format == "hh:mm:ss"
    assert clock.value == first.occurred_at.time().replace(tzinfo=None, microsecond=0)
    day = sheet.cell(row, _column("Date") + 1).value
    assert isinstance(day, datetime)
    assert day.date() == first.occurred_at.date()
    assert sheet.cell(row, _column("Event ID") + 1).value == first.event_id
