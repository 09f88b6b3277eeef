"""What every input source hands over: one ScanEvent per read, and the callbacks that take it."""

from __future__ import annotations

import enum
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

# "]" + symbology letter + modifier character, which scanners can send ahead of the data.
AIM_ID = re.compile(r"\][A-Za-z][0-9A-Za-z]", re.ASCII)

Point = tuple[float, float]
Corners = tuple[Point, Point, Point, Point]  # in image pixels, in the decoder's order


class SourceKind(enum.StrEnum):
    KEYBOARD = "keyboard"
    SERIAL = "serial"
    RFID = "rfid"
    CAMERA = "camera"
    FILE = "file"


class SourceState(enum.StrEnum):
    """Where a threaded source is in its life; the UI shows it next to the device."""

    STARTING = "starting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    FINISHED = "finished"  # a video or file queue came to its end: not an error
    FAILED = "failed"  # the device is gone and no more attempts are made; restart to retry
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class ScanEvent:
    """One read as it arrived, before parsing: `payload` goes to `parse_code` unchanged."""

    source_id: str
    kind: SourceKind
    payload: str  # prefix, suffix and framing removed; GS spellings turned into the GS byte
    received_monotonic: float  # time.monotonic() seconds: for ordering and debouncing
    received_at: datetime  # UTC wall time: for the record
    symbology: str | None = None  # AIM identifier, e.g. "]d2", when the scanner or decoder sent one
    format: str | None = None  # the decoder's format name ("QRCode", "DataMatrix") for pictures
    corners: Corners | None = None  # where a camera or image saw the code
    frame: int | None = None  # camera frame number the code was read in
    path: str | None = None  # image file the code was read from


class Clock(Protocol):
    """Both clocks a ScanEvent carries; tests pass a fake one."""

    def monotonic(self) -> float: ...

    def utc_now(self) -> datetime: ...


class SystemClock:
    """The real clocks."""

    def monotonic(self) -> float:
        return time.monotonic()

    def utc_now(self) -> datetime:
        return datetime.now(UTC)


SYSTEM_CLOCK = SystemClock()


def aim_identifier(payload: str) -> str | None:
    """The AIM symbology identifier a scanner put in front of the data ("]C1", "]d2"), if any."""
    found = AIM_ID.match(payload)
    return found.group() if found else None


ScanSink = Callable[[ScanEvent], None]
# Known conditions arrive as KnownError subclasses (show them); anything else is a bug (report it).
ErrorSink = Callable[[Exception], None]
StateSink = Callable[[SourceState], None]
