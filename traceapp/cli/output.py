"""Turn results into JSON for scripts and into aligned plain text for a person at a terminal."""

from __future__ import annotations

import dataclasses
import enum
import json
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from traceapp.domain.quantity import Quantity, format_decimal
from traceapp.domain.results import LotSummary

NONE_SHOWN = "-"

# Characters that steer a terminal instead of showing: C0/C1 controls (escape sequences, carriage
# returns that overwrite a line), bidirectional overrides and isolates (U+202E turns "exe.txt"
# into "txt.exe"), zero-width and invisible formatting characters, line/paragraph separators.
_UNSAFE = (
    "\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000e0000-\U000e007f"
)
_UNSAFE_IN_STREAM = re.compile(f"[{_UNSAFE}]")
_UNSAFE_IN_CELL = re.compile(f"[\t\n{_UNSAFE}]")


def _escaped(match: re.Match[str]) -> str:
    # JSON's own escapes (\\u001b, \\u202e; a surrogate pair above U+FFFF): readable at a
    # terminal and still valid inside a JSON string.
    code = ord(match.group())
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def safe(text: str, *, cell: bool = False) -> str:
    """Text with every terminal-steering character written as a visible escape (\\u001b, \\u202e);
    in a table cell, tabs and line breaks too."""
    pattern = _UNSAFE_IN_CELL if cell else _UNSAFE_IN_STREAM
    if pattern.search(text) is None:
        return text
    return pattern.sub(_escaped, text)


class SafeStream:
    """A text stream that escapes terminal-steering characters in everything written to it.

    In JSON output the escapes stay valid JSON: the encoder already escapes controls, and a
    `\\u202e` inside a string means the same character to any JSON reader.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(safe(text))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


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
    return safe(str(value), cell=True)


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
