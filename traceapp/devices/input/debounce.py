"""Debounce: the same code from the same source within a window counts once."""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import timedelta

from traceapp.devices.input.errors import InputSettingsError
from traceapp.devices.input.events import ScanEvent, ScanSink

DEBOUNCE = timedelta(milliseconds=800)  # one physical pass of a tag past the reader


class Debouncer:
    """Counts a (source, payload) pair once until it has been absent for `window`.

    The window restarts with every repeat: an RFID reader reports a tag many times a second for as
    long as it lies in the field, and a camera sees a label in every frame, and all of that is one
    read. A deliberate second scan comes after a pause longer than the window and counts again.
    Times are monotonic seconds in whatever base the caller uses per source (a camera playing a
    video file passes media time). Thread-safe, so several sources may share one debouncer.
    """

    def __init__(self, window: timedelta = DEBOUNCE) -> None:
        if window < timedelta(0):
            raise InputSettingsError(
                f"The debounce window {window} is negative.", hint="Set it to 0 ms or more."
            )
        self._window = window.total_seconds()
        self._lock = threading.Lock()
        # Ordered by last sighting, oldest first, so expired keys are dropped from the front and
        # memory stays bounded by what was seen within one window.
        self._last_seen: OrderedDict[tuple[str, str], float] = OrderedDict()

    @property
    def window(self) -> timedelta:
        return timedelta(seconds=self._window)

    def accept_payload(self, source_id: str, payload: str, at: float) -> bool:
        """True if this sighting counts as a new read; records it either way."""
        key = (source_id, payload)
        with self._lock:
            self._forget_before(at - self._window)
            previous = self._last_seen.pop(key, None)
            # A sighting stamped slightly earlier by another thread must not move time backwards.
            self._last_seen[key] = at if previous is None else max(previous, at)
            # A zero window passes everything, even two reads a coarse clock stamped alike.
            return previous is None or not self._window or at - previous >= self._window

    def accept(self, event: ScanEvent) -> bool:
        return self.accept_payload(event.source_id, event.payload, event.received_monotonic)

    def filter(self, sink: ScanSink) -> ScanSink:
        """A sink that passes on only the events this debouncer accepts."""

        def debounced(event: ScanEvent) -> None:
            if self.accept(event):
                sink(event)

        return debounced

    def reset(self) -> None:
        with self._lock:
            self._last_seen.clear()

    def _forget_before(self, horizon: float) -> None:
        while self._last_seen:
            key, seen = next(iter(self._last_seen.items()))
            if seen >= horizon:
                return
            del self._last_seen[key]
