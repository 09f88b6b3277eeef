"""Image files: decode codes from pictures given by path, on demand or in a worker thread."""

from __future__ import annotations

import os
import queue
from collections.abc import Iterable
from typing import TYPE_CHECKING

from traceapp.devices.input.debounce import Debouncer
from traceapp.devices.input.decoder import (
    FrameDecoder,
    corners_of,
    format_name,
    payload_of,
    resolve_decoder,
    symbology_of,
)
from traceapp.devices.input.errors import ImageUnreadable, NoCodeInImage
from traceapp.devices.input.events import (
    SYSTEM_CLOCK,
    Clock,
    ErrorSink,
    ScanEvent,
    ScanSink,
    SourceKind,
    SourceState,
    StateSink,
)
from traceapp.devices.input.worker import WorkerSource

# Larger files are no photo of a label; refusing them keeps a mistaken pick from eating memory.
MAX_IMAGE_BYTES = 64 * 1024 * 1024
_UNREADABLE_HINT = "Choose a PNG, JPEG, BMP or TIFF picture of the label."

if TYPE_CHECKING:
    import numpy as np


def read_image(path: str | os.PathLike[str]) -> np.ndarray:
    """The picture at `path` as OpenCV reads it, or ImageUnreadable saying why not."""
    shown = os.fspath(path)
    try:
        size = os.path.getsize(path)
        if size > MAX_IMAGE_BYTES:
            raise ImageUnreadable(
                f"{shown} is {size // (1024 * 1024)} MB; a label picture is far smaller.",
                hint=_UNREADABLE_HINT,
            )
        # np.fromfile + imdecode rather than imread: imread cannot open non-ASCII paths on Windows.
        import numpy as np  # not at import: the window starts without numpy

        data = np.fromfile(path, dtype=np.uint8)
    except OSError as exc:
        raise ImageUnreadable(
            f"{shown} cannot be read: {exc.strerror or exc}.",
            hint="Check that the file exists and that you may read it.",
        ) from exc
    import cv2  # here, not at the top: OpenCV takes ~0.5 s to load, and few windows read files

    image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if image is None:
        raise ImageUnreadable(f"{shown} is not a picture OpenCV can read.", hint=_UNREADABLE_HINT)
    result: np.ndarray = image
    return result


class ImageFileSource(WorkerSource):
    """Decodes image files: `decode_file` answers directly, `submit` queues for the worker thread.

    In the thread, each file's codes go to the sink and an unreadable file or one without a code
    to `on_error`, and the source stays ready for the next file until stopped.
    """

    def __init__(
        self,
        source_id: str,
        sink: ScanSink,
        *,
        decoder: FrameDecoder | None = None,
        debouncer: Debouncer | None = None,
        on_error: ErrorSink | None = None,
        on_state: StateSink | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        super().__init__(source_id, sink, on_error=on_error, on_state=on_state, clock=clock)
        self._decoder = resolve_decoder(decoder)
        self._debouncer = debouncer
        # Paths a person picked or dropped: few, so the queue needs no bound.
        self._paths: queue.SimpleQueue[str | None] = queue.SimpleQueue()

    def decode_file(self, path: str | os.PathLike[str]) -> tuple[ScanEvent, ...]:
        """The codes in one file, in the decoder's order; ImageUnreadable or NoCodeInImage."""
        shown = os.fspath(path)
        try:
            image = read_image(path)
        except ImageUnreadable as exc:
            exc.source_id = self.source_id
            raise
        results = [result for result in self._decoder(image) if payload_of(result)]
        if not results:
            raise NoCodeInImage(
                f"No code was found in {shown}.",
                hint="Use a sharper, evenly lit picture with the whole label in it.",
                source_id=self.source_id,
            )
        return tuple(
            ScanEvent(
                source_id=self.source_id,
                kind=SourceKind.FILE,
                payload=payload_of(result),
                received_monotonic=self._clock.monotonic(),
                received_at=self._clock.utc_now(),
                symbology=symbology_of(result),
                format=format_name(result),
                corners=corners_of(result),
                path=shown,
            )
            for result in results
        )

    def submit(self, paths: Iterable[str | os.PathLike[str]]) -> None:
        """Queue files for the worker thread; safe from any thread."""
        for path in paths:
            self._paths.put(os.fspath(path))

    def _interrupt(self) -> None:
        self._paths.put(None)  # wakes the worker

    def _run(self) -> SourceState:
        self._set_state(SourceState.CONNECTED)
        while not self.stopping:
            path = self._paths.get()
            if path is None:
                continue  # a wake-up: the loop condition decides; a stale one from a restart is skipped
            try:
                events = self.decode_file(path)
            except (ImageUnreadable, NoCodeInImage) as exc:
                self._report(exc)
                continue
            except Exception as exc:  # the decoder failed on this picture: a bug, not the file
                self._report(exc)
                continue
            for event in events:
                if self._debouncer is None or self._debouncer.accept(event):
                    self._emit(event)
        return SourceState.STOPPED
