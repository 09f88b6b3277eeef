"""Camera scanning: OpenCV VideoCapture in a worker thread, decoding at a bounded rate."""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Protocol

from traceapp.devices.input.debounce import Debouncer
from traceapp.devices.input.decoder import (
    DecodedLike,
    FrameDecoder,
    corners_of,
    format_name,
    payload_of,
    resolve_decoder,
    symbology_of,
)
from traceapp.devices.input.errors import CameraDisconnected, CameraUnavailable
from traceapp.devices.input.events import (
    SYSTEM_CLOCK,
    Clock,
    Corners,
    ErrorSink,
    ScanEvent,
    ScanSink,
    SourceKind,
    SourceState,
    StateSink,
)
from traceapp.devices.input.worker import WorkerSource

# Decoding is the costly part and an operator holds a label in view for far longer than this, so
# at most ten decodes a second keep a CPU core free without missing a label.
DECODE_INTERVAL = timedelta(milliseconds=100)
_CAP_PROP_POS_MSEC = 0  # cv2.CAP_PROP_POS_MSEC, without loading OpenCV for it
_MS_PER_S = 1000.0
# Media timestamps are rounded to the container's time base; frames 100 ms apart may read 99.99.
_MEDIA_TIME_SLACK = 0.001

if TYPE_CHECKING:
    import numpy as np  # numpy loads with the first frame (OpenCV), not with the window


class FramePolicy(enum.StrEnum):
    """Which frames reach the decoder."""

    # A live camera: the decoder takes the newest frame when it is free; older ones are dropped.
    LATEST = "latest"
    # A recording: capture waits for the decoder, so the result does not depend on CPU speed.
    EVERY = "every"


class VideoCaptureLike(Protocol):
    """The part of cv2.VideoCapture a camera source uses."""

    def isOpened(self) -> bool: ...  # noqa: N802 - OpenCV's name

    def read(self) -> tuple[bool, np.ndarray | None]: ...

    def get(self, prop_id: int) -> float: ...

    def release(self) -> None: ...


CaptureFactory = Callable[[int | str], VideoCaptureLike]


def _open_capture(device: int | str) -> VideoCaptureLike:
    import cv2  # here, not at the top: OpenCV takes ~0.5 s to load, and most windows never open a camera

    capture: VideoCaptureLike = cv2.VideoCapture(device)
    return capture


@dataclass(frozen=True, slots=True)
class FrameCode:
    """A code found in a frame, for the preview overlay."""

    text: str  # as a scanner would send it (AIM identifier first, if known)
    format: str
    corners: Corners | None
    symbology: str | None = None


@dataclass(frozen=True, slots=True)
class PreviewFrame:
    """The newest frame (read-only) and the codes found in the newest decoded frame."""

    image: np.ndarray
    index: int
    codes: tuple[FrameCode, ...]
    decoded_index: int | None  # the frame `codes` belong to; the preview may be ahead of it


@dataclass(frozen=True, slots=True)
class _Frame:
    image: np.ndarray
    index: int
    time: float  # media time for recordings, monotonic time for live cameras (seconds)


class _FrameSlot:
    """A queue of length one between capture and decoder: a new frame replaces an unread one."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._frame: _Frame | None = None
        self._closed = False
        self.dropped = 0

    def put(self, frame: _Frame, *, wait: bool) -> None:
        with self._cond:
            while wait and self._frame is not None and not self._closed:
                self._cond.wait()
            if self._closed:
                return
            if self._frame is not None:
                self.dropped += 1
            self._frame = frame
            self._cond.notify_all()

    def take(self) -> _Frame | None:
        """The next frame; None once the slot is closed and empty."""
        with self._cond:
            while self._frame is None and not self._closed:
                self._cond.wait()
            frame, self._frame = self._frame, None
            self._cond.notify_all()
            return frame

    @property
    def closed(self) -> bool:
        with self._cond:
            return self._closed

    def close(self, *, discard: bool = False) -> None:
        with self._cond:
            self._closed = True
            if discard:
                self._frame = None
            self._cond.notify_all()


def is_live(device: int | str) -> bool:
    """A camera index or a stream URL is live; a file path is a recording with an end."""
    return isinstance(device, int) or "://" in device


class CameraSource(WorkerSource):
    """Reads codes from a camera (index or URL) or a video file.

    One thread captures and keeps the newest frame for `latest_frame()`; a second one decodes with
    the injected decoder, at most once per `decode_interval` (of media time for recordings). Each
    code seen goes through the debouncer, so a label held in view is reported once. A live camera
    that stops delivering frames is reported as CameraDisconnected; a recording ends in FINISHED.
    Callbacks come from either thread, so they must be thread-safe (a Qt signal is).
    """

    def __init__(
        self,
        source_id: str,
        device: int | str,
        sink: ScanSink,
        *,
        decoder: FrameDecoder | None = None,
        policy: FramePolicy | None = None,
        decode_interval: timedelta = DECODE_INTERVAL,
        debouncer: Debouncer | None = None,
        on_error: ErrorSink | None = None,
        on_state: StateSink | None = None,
        clock: Clock = SYSTEM_CLOCK,
        capture_factory: CaptureFactory = _open_capture,
    ) -> None:
        super().__init__(source_id, sink, on_error=on_error, on_state=on_state, clock=clock)
        self.device = device
        self._decoder = resolve_decoder(decoder)
        self._live = is_live(device)
        self.policy = policy or (FramePolicy.LATEST if self._live else FramePolicy.EVERY)
        self._interval = decode_interval.total_seconds()
        self._debouncer = debouncer if debouncer is not None else Debouncer()
        self._capture_factory = capture_factory
        self._slot = _FrameSlot()
        self._preview_lock = threading.Lock()
        self._latest: _Frame | None = None
        self._codes: tuple[FrameCode, ...] = ()
        self._decoded_index: int | None = None
        self.frames_captured = 0
        self.frames_decoded = 0

    def latest_frame(self) -> PreviewFrame | None:
        """The newest captured frame with the newest detections; safe from any thread."""
        with self._preview_lock:
            if self._latest is None:
                return None
            return PreviewFrame(
                self._latest.image, self._latest.index, self._codes, self._decoded_index
            )

    def _interrupt(self) -> None:
        self._slot.close(discard=True)  # wakes a capture waiting on the decoder, and the decoder

    def _run(self) -> SourceState:
        self._slot = _FrameSlot()
        capture = self._capture_factory(self.device)
        try:
            if not capture.isOpened():
                self._report(
                    CameraUnavailable(
                        f"The camera or video {self.device!r} cannot be opened.",
                        hint="Plug the camera in, close other programs that use it, or check"
                        " the camera number or file in the settings.",
                        source_id=self.source_id,
                    )
                )
                return SourceState.FAILED
            self._set_state(SourceState.CONNECTED)
            decoding = threading.Thread(
                target=self._decode_loop, name=f"traceapp-decode-{self.source_id}", daemon=True
            )
            decoding.start()
            try:
                return self._capture_loop(capture)
            finally:
                self._slot.close(discard=self.stopping)
                decoding.join()
        finally:
            capture.release()

    def _capture_loop(self, capture: VideoCaptureLike) -> SourceState:
        while not self.stopping:
            ok, image = capture.read()
            if not ok or image is None:
                if self.stopping or not self._live:
                    return SourceState.FINISHED
                self._report(
                    CameraDisconnected(
                        f"The camera {self.device!r} stopped delivering pictures.",
                        hint="Check the camera's cable, then restart the camera.",
                        source_id=self.source_id,
                    )
                )
                return SourceState.FAILED
            image.flags.writeable = False  # shared with the preview and the decoder
            if self._live:
                at = self._clock.monotonic()
            else:
                at = capture.get(_CAP_PROP_POS_MSEC) / _MS_PER_S
            frame = _Frame(image, self.frames_captured, at)
            self.frames_captured += 1
            with self._preview_lock:
                self._latest = frame
            if self._slot.closed:
                return SourceState.FAILED  # the decoder ended on a bug, already reported
            self._slot.put(frame, wait=self.policy is FramePolicy.EVERY)
        return SourceState.STOPPED

    def _decode_loop(self) -> None:
        last_time: float | None = None
        failing = False
        try:
            while (frame := self._slot.take()) is not None and not self.stopping:
                if self.policy is FramePolicy.EVERY:
                    # Recordings are paced by media time, so skipping is the same on any machine.
                    if (
                        last_time is not None
                        and frame.time - last_time < self._interval - _MEDIA_TIME_SLACK
                    ):
                        continue
                    last_time = frame.time
                started = self._clock.monotonic()
                try:
                    results = self._decoder(frame.image)
                except Exception as exc:
                    # A broken decoder would fail on every frame: report when it starts failing.
                    if not failing:
                        self._report(exc)
                    failing = True
                    continue
                failing = False
                self._handle(frame, results)
                if self.policy is FramePolicy.LATEST:
                    remaining = self._interval - (self._clock.monotonic() - started)
                    if remaining > 0 and self._wait(remaining):
                        return
        except Exception as exc:  # a bug: say so instead of ending the thread silently
            self._report(exc)
        finally:
            self._slot.close(discard=True)  # capture must not wait for a decoder that is gone

    def _handle(self, frame: _Frame, results: Sequence[DecodedLike]) -> None:
        codes = [
            FrameCode(payload_of(r), format_name(r), corners_of(r), symbology_of(r))
            for r in results
        ]
        self.frames_decoded += 1
        with self._preview_lock:
            self._codes = tuple(codes)
            self._decoded_index = frame.index
        for code in codes:
            if not code.text:
                continue  # binary data in a character set the decoder lacks: nothing to parse
            if self._debouncer.accept_payload(self.source_id, code.text, frame.time):
                self._emit(
                    ScanEvent(
                        source_id=self.source_id,
                        kind=SourceKind.CAMERA,
                        payload=code.text,
                        received_monotonic=self._clock.monotonic(),
                        received_at=self._clock.utc_now(),
                        symbology=code.symbology,
                        format=code.format,
                        corners=code.corners,
                        frame=frame.index,
                    )
                )
