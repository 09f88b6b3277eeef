"""Read the rows of a CSV file or an XLSX workbook as text cells, for the master-data import."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

from traceapp.domain.errors import InvalidInput
from traceapp.domain.masterdata_rows import RawRow, RawSheet

MAX_BYTES = 50 * 1024 * 1024  # a master-data file far beyond this is not master data
DELIMITERS = (";", ",", "\t")


def read_file(path: Path, *, sheet_name: str | None = None) -> list[RawSheet]:
    """Every sheet of an XLSX workbook, or the one table of a CSV file, as text cells.

    A CSV file gives one sheet named after the file (without extension)."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InvalidInput(
            f"Cannot read {path}: {exc.strerror}.", hint="Check the file name."
        ) from None
    if size > MAX_BYTES:
        raise InvalidInput(f"{path} is {size} bytes; a master-data file has at most {MAX_BYTES}.")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return read_xlsx(path)
    return [read_csv(path.read_bytes(), name=sheet_name or path.stem)]


def decode(data: bytes) -> str:
    """UTF-8 with or without BOM; else Windows-1252 (what Excel's plain "CSV" writes in Europe)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # cp1252 leaves five bytes undefined; latin-1 maps every byte, so this cannot fail.
        return data.decode("cp1252", errors="replace")


def sniff_delimiter(text: str) -> str:
    """The delimiter of the header line: the most frequent of ; , and tab outside quotes."""
    header = _first_record(text)
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for ch in header:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _first_record(text: str) -> str:
    quoted = False
    for index, ch in enumerate(text):
        if ch == '"':
            quoted = not quoted
        elif ch in "\r\n" and not quoted:
            return text[:index]
    return text


def read_csv(data: bytes, *, name: str) -> RawSheet:
    """A CSV table: the first non-empty line holds the column names."""
    text = decode(data).replace("\x00", "")
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    try:
        records = list(reader)
    except csv.Error as exc:
        raise InvalidInput(f"{name}: the CSV cannot be read ({exc}).") from None
    return _sheet(name, ((number, record) for number, record in enumerate(records, start=1)))


def read_xlsx(path: Path) -> list[RawSheet]:
    """Every worksheet; cells as the text a person sees (numbers without a float's noise)."""
    import openpyxl  # only here: the CSV path must not pay for importing it

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InvalidInput(
            f"{path} is not a readable XLSX workbook ({exc}).",
            hint="Save it again from Excel as .xlsx, or export the sheet as CSV.",
        ) from None
    try:
        sheets = []
        for sheet in book.worksheets:
            rows = (
                (number, [cell_text(value) for value in values])
                for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)
            )
            sheets.append(_sheet(sheet.title, rows))
        return sheets
    finally:
        book.close()


def cell_text(value: object) -> str:
    """An XLSX cell as text: 12.5 not 12.500000000001, whole numbers without '.0', ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # repr gives the shortest text that reads back as the same float: what Excel shows.
        number = Decimal(repr(value))
        return format(number.normalize(), "f") if number == number.to_integral() else repr(value)
    if isinstance(value, datetime) and value.time() == time(0) and value.tzinfo is None:
        return value.date().isoformat()  # Excel stores a date as a midnight date-time
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def _sheet(name: str, records: Iterable[tuple[int, list[str]]]) -> RawSheet:
    headers: tuple[str, ...] | None = None
    rows: list[RawRow] = []
    for number, record in records:
        cells = [cell.strip() for cell in record]
        if not any(cells):
            continue  # blank lines between blocks are common in hand-kept sheets
        if headers is None:
            headers = tuple(cells)
            continue
        rows.append(RawRow(number, tuple(cells)))
    return RawSheet(name=name, headers=headers or (), rows=tuple(rows))
