"""Reading CSV and XLSX master-data files into text cells: delimiters, encodings, odd cells."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from traceapp.domain.errors import InvalidInput
from traceapp.reports.sheets_in import cell_text, read_csv, read_file, sniff_delimiter

SAMPLE = Path(__file__).resolve().parents[2] / "resources" / "sample"


def test_a_semicolon_file_with_bom_and_decimal_commas_reads_as_written() -> None:
    data = '\ufeffPart Number;Name;Unit\r\nFLOUR-1;"Flour; fine";kg\r\n\r\nSALT-1;Salz;kg\r\n'
    sheet = read_csv(data.encode("utf-8"), name="products")
    assert sheet.headers == ("Part Number", "Name", "Unit")  # the BOM is not part of a name
    assert [row.cells for row in sheet.rows] == [
        ("FLOUR-1", "Flour; fine", "kg"),
        ("SALT-1", "Salz", "kg"),
    ]
    assert [row.number for row in sheet.rows] == [2, 4]  # line numbers as a person counts them


def test_a_windows_1252_file_from_an_older_excel_is_read() -> None:
    data = "code;name\nMUEHLE;Nordmühle GmbH\n".encode("cp1252")
    sheet = read_csv(data, name="suppliers")
    assert sheet.rows[0].cells == ("MUEHLE", "Nordmühle GmbH")


@pytest.mark.parametrize(
    ("header", "expected"),
    [("a,b,c", ","), ("a;b;c", ";"), ("a\tb\tc", "\t"), ('"a,x";b;c', ";"), ("single", ",")],
)
def test_the_delimiter_comes_from_the_header_line(header: str, expected: str) -> None:
    assert sniff_delimiter(header + "\n1,2;3\n") == expected


def test_xlsx_cells_read_as_a_person_sees_them(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "plans"
    sheet.append(["usl", "decimals", "gtin", "when", "empty"])
    sheet.append([15.0, 2, "04012345000016", date(2026, 3, 1), None])
    sheet.append([12.05, 3, 4012345000016, None, None])
    path = tmp_path / "book.xlsx"
    book.save(path)
    [read] = read_file(path)
    assert read.name == "plans"
    assert read.rows[0].cells == ("15", "2", "04012345000016", "2026-03-01", "")
    assert read.rows[1].cells[0] == "12.05"
    assert read.rows[1].cells[2] == "4012345000016"


def test_a_file_that_is_not_a_workbook_is_a_typed_error(tmp_path: Path) -> None:
    path = tmp_path / "fake.xlsx"
    path.write_text("not a zip")
    with pytest.raises(InvalidInput, match="not a readable XLSX"):
        read_file(path)
    with pytest.raises(InvalidInput, match="Cannot read"):
        read_file(tmp_path / "missing.csv")


def test_the_sample_workbook_has_a_sheet_per_kind() -> None:
    names = [sheet.name for sheet in read_file(SAMPLE / "master_data.xlsx")]
    assert names == ["products", "suppliers", "customers", "locations", "plans"]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_give_a_sheet_or_a_typed_error(data: bytes) -> None:
    try:
        sheet = read_csv(data, name="x")
    except InvalidInput:
        return
    assert all(isinstance(cell, str) for row in sheet.rows for cell in row.cells)


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=20),
    )
)
def test_any_xlsx_value_becomes_text(value: object) -> None:
    assert isinstance(cell_text(value), str)
