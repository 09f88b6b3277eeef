"""Camera scanning on a generated video: codes reported once each and in order, frames skipped."""

from __future__ import annotations

import sys
import threading
import types
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.devices.input.helpers import WAIT, FoundCode, Inbox, qr_image, zxing_decoder
from traceapp.devices.input import (
    CameraDisconnected,
    CameraSource,
    CameraUnavailable,
    DecoderUnavailable,
    FramePolicy,
    SourceKind,
    SourceState,
    default_decoder,
)
from traceapp.devices.input.camera import VideoCaptureLike

FPS = 10
FRAME_COUNT = 60
WIDTH, HEIGHT = 320, 240
# (first frame, last frame, codes shown side by side). LOT-A comes back after 3 s, longer than
# the debounce window, so it counts twice; within one showing it counts once.
SCRIPT = (
    (5, 14, ("LOT-A",)),
    (20, 29, ("LOT-B",)),
    (35, 39, ("BOX-1", "BOX-2")),
    (45, 52, ("LOT-A",)),
    (55, 59, ("LOT-END",)),
)


def _frame(codes: tuple[str, ...]) -> np.ndarray:
    frame = np.full((HEIGHT, WIDTH, 3), 255, dtype=np.uint8)
    x = 20
    for text in codes:
        code = qr_image(text)
        height, width = code.shape
        frame[40 : 40 + height, x : x + width] = code[..., None]
        x += width + 20
    return frame


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("video") / "line.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), FPS, (WIDTH, HEIGHT))
    assert writer.isOpened()
    shown = {n: codes for first, last, codes in SCRIPT for n in range(first, last + 1)}
    for n in range(FRAME_COUNT):
        writer.write(_frame(shown.get(n, ())))
    writer.release()
    return path


def _camera(device: int | str, inbox: Inbox, **options: object) -> CameraSource:
    options.setdefault("decoder", zxing_decoder)
    return CameraSource(
        "camera-1",
        device,
        inbox.sink,
        on_error=inbox.on_error,
        on_state=inbox.on_state,
        **options,  # type: ignore[arg-type]
    )


def test_a_recording_reports_each_showing_once_in_order(video: Path, inbox: Inbox) -> None:
    camera = _camera(str(video), inbox)
    assert camera.policy is FramePolicy.EVERY
    with camera:
        inbox.wait_state(SourceState.FINISHED)
    events = inbox.drain_events()
    seen = [(e.payload, e.frame) for e in events]
    assert seen[:2] == [("LOT-A", 5), ("LOT-B", 20)]
    assert sorted(seen[2:4]) == [("BOX-1", 35), ("BOX-2", 35)]  # one frame: decoder's order
    assert seen[4:] == [("LOT-A", 45), ("LOT-END", 55)]
    assert {(e.kind, e.format) for e in events} == {(SourceKind.CAMERA, "QRCode")}
    assert all(e.corners is not None and len(e.corners) == 4 for e in events)
    assert camera.frames_captured == camera.frames_decoded == FRAME_COUNT
    assert inbox.drain_errors() == []


def test_the_apps_decoder_reads_the_recording(video: Path, inbox: Inbox) -> None:
    pytest.importorskip("traceapp.devices.decoding")
    camera = CameraSource(
        "camera-1", str(video), inbox.sink, on_error=inbox.on_error, on_state=inbox.on_state
    )
    with camera:
        inbox.wait_state(SourceState.FINISHED)
    events = inbox.drain_events()
    assert {e.symbology for e in events} == {"]Q1"}  # QR Code, no FNC1: plain text
    payloads = [e.payload for e in events]
    assert payloads[:2] == ["LOT-A", "LOT-B"]
    assert sorted(payloads[2:4]) == ["BOX-1", "BOX-2"]
    assert payloads[4:] == ["LOT-A", "LOT-END"]
    assert inbox.drain_errors() == []


def test_the_preview_shows_the_newest_frame_and_its_codes(video: Path, inbox: Inbox) -> None:
    camera = _camera(str(video), inbox)
    assert camera.latest_frame() is None
    with camera:
        inbox.wait_state(SourceState.FINISHED)
    preview = camera.latest_frame()
    assert preview is not None
    assert (preview.index, preview.decoded_index) == (FRAME_COUNT - 1, FRAME_COUNT - 1)
    assert preview.image.shape == (HEIGHT, WIDTH, 3)
    assert not preview.image.flags.writeable
    [code] = preview.codes
    assert code.text == "LOT-END"
    assert code.corners is not None
    xs = [x for x, _ in code.corners]
    assert 20 <= min(xs) < max(xs) <= 20 + qr_image("LOT-END").shape[1]


class _SignallingCapture:
    """A real capture that says when it has read the last frame."""

    def __init__(self, device: int | str) -> None:
        self._capture: VideoCaptureLike = cv2.VideoCapture(device)
        self.exhausted = threading.Event()

    def isOpened(self) -> bool:  # noqa: N802 - OpenCV's name
        return self._capture.isOpened()

    def read(self) -> tuple[bool, np.ndarray | None]:
        ok, image = self._capture.read()
        if not ok:
            self.exhausted.set()
        return ok, image

    def get(self, prop_id: int) -> float:
        return self._capture.get(prop_id)

    def release(self) -> None:
        self._capture.release()


def test_a_slow_decoder_gets_the_newest_frame_and_the_rest_are_dropped(
    video: Path, inbox: Inbox
) -> None:
    captures: list[_SignallingCapture] = []

    def factory(device: int | str) -> _SignallingCapture:
        captures.append(_SignallingCapture(device))
        return captures[0]

    def slow_decoder(image: np.ndarray) -> list[FoundCode]:
        # Slower than the whole video: decoding lasts until capture has read every frame.
        assert captures[0].exhausted.wait(WAIT)
        return zxing_decoder(image)

    camera = _camera(
        str(video),
        inbox,
        decoder=slow_decoder,
        policy=FramePolicy.LATEST,
        decode_interval=timedelta(0),
        capture_factory=factory,
    )
    with camera:
        inbox.wait_state(SourceState.FINISHED)
    # The first frame the decoder took, then the newest one; the other 58 never queued up.
    assert camera.frames_captured == FRAME_COUNT
    assert camera.frames_decoded == 2
    preview = camera.latest_frame()
    assert preview is not None
    assert preview.decoded_index == FRAME_COUNT - 1
    assert inbox.drain_events()[-1].payload == "LOT-END"


@dataclass
class _FakeCamera:
    """A live camera: `frames` pictures, then it is unplugged (or never, if frames is None)."""

    frames: int | None
    image: np.ndarray
    opened: bool = True

    def isOpened(self) -> bool:  # noqa: N802 - OpenCV's name
        return self.opened

    def read(self) -> tuple[bool, np.ndarray | None]:
        if self.frames is not None:
            if self.frames == 0:
                return False, None
            self.frames -= 1
        return True, self.image.copy()

    def get(self, prop_id: int) -> float:
        return 0.0

    def release(self) -> None:
        self.opened = False


def test_an_unplugged_camera_is_a_typed_error(inbox: Inbox) -> None:
    fake = _FakeCamera(frames=3, image=_frame(("LOT-C",)))
    with _camera(0, inbox, capture_factory=lambda _: fake) as camera:
        inbox.wait_state(SourceState.FAILED)
    assert isinstance(inbox.next_error(), CameraDisconnected)
    assert [e.payload for e in inbox.drain_events()] == ["LOT-C"]
    assert not fake.opened
    assert not camera.running


def test_a_camera_that_cannot_be_opened_is_a_typed_error(tmp_path: Path, inbox: Inbox) -> None:
    with _camera(str(tmp_path / "missing.avi"), inbox):
        inbox.wait_state(SourceState.FAILED)
    error = inbox.next_error()
    assert isinstance(error, CameraUnavailable)
    assert "missing.avi" in str(error)


def test_stop_ends_a_live_camera(inbox: Inbox) -> None:
    fake = _FakeCamera(frames=None, image=_frame(("LOT-D",)))
    camera = _camera(0, inbox, capture_factory=lambda _: fake)
    assert camera.policy is FramePolicy.LATEST
    camera.start()
    assert inbox.next_event().payload == "LOT-D"
    camera.stop()
    assert not camera.running
    assert camera.state is SourceState.STOPPED
    assert not fake.opened
    assert inbox.drain_errors() == []


def test_a_failing_decoder_is_reported_once_not_per_frame(inbox: Inbox) -> None:
    def broken(image: np.ndarray) -> list[FoundCode]:
        raise RuntimeError("decoder bug")

    fake = _FakeCamera(frames=5, image=_frame(()))
    with _camera("recording.avi", inbox, decoder=broken, capture_factory=lambda _: fake):
        inbox.wait_state(SourceState.FINISHED)
    [error] = inbox.drain_errors()
    assert isinstance(error, RuntimeError)


def test_a_decoder_returning_nonsense_ends_the_camera_instead_of_hanging(inbox: Inbox) -> None:
    def nonsense(image: np.ndarray) -> list[object]:
        return [object()]  # no .text: a bug in the decoder's adapter

    fake = _FakeCamera(frames=None, image=_frame(()))
    with _camera("recording.avi", inbox, decoder=nonsense, capture_factory=lambda _: fake):
        inbox.wait_state(SourceState.FAILED)
    [error] = inbox.drain_errors()
    assert isinstance(error, AttributeError)
    assert not fake.opened


def test_the_apps_decoder_is_used_when_it_is_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("traceapp.devices.decoding")

    def decode_image(image: np.ndarray) -> tuple[FoundCode, ...]:
        return ()

    module.decode_image = decode_image  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "traceapp.devices.decoding", module)
    assert default_decoder() is decode_image


def test_without_a_decoder_a_camera_cannot_be_made(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "traceapp.devices.decoding", None)
    with pytest.raises(DecoderUnavailable, match="zxing"):
        CameraSource("camera-1", 0, lambda event: None)


@pytest.fixture(autouse=True)
def _no_stray_threads() -> Iterator[None]:
    before = set(threading.enumerate())
    yield
    stray = [t for t in threading.enumerate() if t not in before and t.is_alive()]
    assert stray == []
