"""Turn results into JSON for scripts and into aligned plain text for a person at a terminal."""

from __future__ import annotations

import dataclasses
import enum
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from traceapp.domain.quantity import Quantity, format_decimal
from traceapp.domain.results import LotSummary

NONE_SHOWN = "-"


def jsonable(value: Any) -> Any:
    """Plain JSON values: decimals as strings, times as ISO 8601 with offset, UUIDs as strings."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, Decimal):
        # Strings, so no JSON reader turns 0.1 kg into a binary float.
        return format_decimal(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Path):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        converted = {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
        if isinstance(value, LotSummary):
            # Scripts name lots as PART/LOT, as people do; the snapshot keeps the parts apart.
            converted["name"] = value.name
        return converted
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, Iterable):
        return [jsonable(item) for item in value]
    raise TypeError(f"{type(value).__name__} has no JSON form")


def print_json(value: Any) -> None:
    print(json.dumps(jsonable(value), indent=2, ensure_ascii=False))


def show(value: object) -> str:
    """One value as a person reads it in a table cell."""
    if value is None or value == "":
        return NONE_SHOWN
    if isinstance(value, Quantity):
        return str(value)
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, Decimal):
        return format_decimal(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    return str(value)


def table(headers: Sequence[str], rows: Iterable[Sequence[object]], *, indent: str = "") -> str:
    """Columns padded to their widest cell; the last column is not padded (no trailing blanks)."""
    cells = [[show(cell) for cell in row] for row in rows]
    widths = [len(header) for header in headers]
    for row in cells:
        for index, cell in enumerate(row):
            widths[index] = max(widths[index], len(cell))
    lines = []
    for row in [list(headers), *cells]:
        padded = [cell.ljust(widths[index]) for index, cell in enumerate(row[:-1])]
        lines.append((indent + "  ".join([*padded, row[-1]])).rstrip())
    return "\n".join(lines)


def labelled(pairs: Sequence[tuple[str, object]], *, indent: str = "") -> str:
    """'Label   value' lines with the values lined up."""
    width = max((len(label) for label, _ in pairs), default=0)
    return "\n".join(
        f"{indent}{label.ljust(width)}  {show(value)}".rstrip() for label, value in pairs
    )
