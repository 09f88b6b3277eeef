"""Helpers for input-source tests: a fake clock, collecting sinks, generated QR pictures."""

from __future__ import annotations

import queue
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import qrcode
import zxingcpp

from traceapp.devices.input import ScanEvent, SourceState

WAIT = 5.0  # seconds a test waits for a thread before it fails; passing runs take milliseconds


class FakeClock:
    """Both clocks, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.epoch = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)

    def monotonic(self) -> float:
        return self.now

    def utc_now(self) -> datetime:
        return self.epoch + timedelta(seconds=self.now)

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Inbox:
    """Sinks that a worker thread fills and a test drains with timeouts, never sleeps."""

    def __init__(self) -> None:
        self.events: queue.Queue[ScanEvent] = queue.Queue()
        self.errors: queue.Queue[Exception] = queue.Queue()
        self.states: queue.Queue[SourceState] = queue.Queue()

    def sink(self, event: ScanEvent) -> None:
        self.events.put(event)

    def on_error(self, error: Exception) -> None:
        self.errors.put(error)

    def on_state(self, state: SourceState) -> None:
        self.states.put(state)

    def next_event(self) -> ScanEvent:
        return self.events.get(timeout=WAIT)

    def next_error(self) -> Exception:
        return self.errors.get(timeout=WAIT)

    def wait_state(self, wanted: SourceState) -> None:
        while (state := self.states.get(timeout=WAIT)) is not wanted:
            assert state is not SourceState.FAILED or wanted is SourceState.FAILED, state

    def drain_events(self) -> list[ScanEvent]:
        found = []
        while not self.events.empty():
            found.append(self.events.get_nowait())
        return found

    def drain_errors(self) -> list[Exception]:
        found = []
        while not self.errors.empty():
            found.append(self.errors.get_nowait())
        return found


def qr_image(text: str, box_size: int = 4) -> np.ndarray:
    """A grey QR code of `text` with its quiet zone, as a uint8 array."""
    code = qrcode.QRCode(border=4, box_size=box_size)
    code.add_data(text)
    code.make(fit=True)
    return np.array(code.make_image().get_image().convert("L"), dtype=np.uint8)


@dataclass(frozen=True, slots=True)
class FoundCode:
    text: str
    format: str
    corners: tuple[tuple[float, float], ...]


def zxing_decoder(image: np.ndarray) -> list[FoundCode]:
    """A test decoder straight on zxing-cpp, so these tests do not wait for devices/decoding."""
    found = []
    for result in zxingcpp.read_barcodes(image):
        p = result.position
        corners = tuple(
            (float(pt.x), float(pt.y))
            for pt in (p.top_left, p.top_right, p.bottom_right, p.bottom_left)
        )
        found.append(FoundCode(result.text, result.format.name, corners))
    return found


def gs1_datamatrix_image(bracketed: str, scale: int = 6, quiet_modules: int = 2) -> np.ndarray:
    """A GS1 Data Matrix of `bracketed` ("(01)…(10)…") with a white quiet zone."""
    barcode = zxingcpp.create_barcode(bracketed, zxingcpp.BarcodeFormat.DataMatrix, gs1=True)
    symbol = np.asarray(barcode.to_image(scale=scale), dtype=np.uint8)
    return np.pad(symbol, quiet_modules * scale, constant_values=255)
