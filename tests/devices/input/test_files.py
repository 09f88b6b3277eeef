"""Image files: codes read from pictures; unreadable files and pictures without a code are typed."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.devices.input.helpers import (
    FakeClock,
    Inbox,
    gs1_datamatrix_image,
    qr_image,
    zxing_decoder,
)
from traceapp.devices.input import (
    ImageFileSource,
    ImageUnreadable,
    NoCodeInImage,
    ScanEvent,
    SourceKind,
    SourceState,
)
from traceapp.domain.codes import parse_code


def _write(path: Path, image: np.ndarray) -> Path:
    ok, data = cv2.imencode(path.suffix, image)
    assert ok
    path.write_bytes(data.tobytes())
    return path


@pytest.fixture
def label(tmp_path: Path) -> Path:
    # A non-ASCII name: the source must not depend on the platform's path encoding.
    return _write(tmp_path / "étiquette-1.png", qr_image("LOT-2024-117", box_size=6))


def _files(inbox: Inbox, clock: FakeClock | None = None) -> ImageFileSource:
    options = {"clock": clock} if clock is not None else {}
    return ImageFileSource(
        "files",
        inbox.sink,
        decoder=zxing_decoder,
        on_error=inbox.on_error,
        on_state=inbox.on_state,
        **options,  # type: ignore[arg-type]
    )


def test_a_picture_of_a_label_gives_its_code(label: Path, inbox: Inbox, clock: FakeClock) -> None:
    [event] = _files(inbox, clock).decode_file(label)
    assert (event.payload, event.kind, event.format) == (
        "LOT-2024-117",
        SourceKind.FILE,
        "QRCode",
    )
    assert event.path == str(label)
    assert (event.received_monotonic, event.received_at) == (clock.now, clock.utc_now())
    assert event.corners is not None


def test_a_missing_file_is_unreadable(tmp_path: Path, inbox: Inbox) -> None:
    with pytest.raises(ImageUnreadable, match="exists"):
        _files(inbox).decode_file(tmp_path / "gone.png")


@pytest.mark.parametrize("content", [b"", b"%PDF-1.7 not a picture", b"\x89PNG\r\n\x1a\ncut"])
def test_a_file_that_is_no_picture_is_unreadable(
    tmp_path: Path, inbox: Inbox, content: bytes
) -> None:
    path = tmp_path / "label.png"
    path.write_bytes(content)
    with pytest.raises(ImageUnreadable, match="not a picture"):
        _files(inbox).decode_file(path)


def test_a_picture_without_a_code_says_so(tmp_path: Path, inbox: Inbox) -> None:
    blank = _write(tmp_path / "blank.jpg", np.full((120, 160, 3), 255, dtype=np.uint8))
    with pytest.raises(NoCodeInImage, match=r"blank\.jpg"):
        _files(inbox).decode_file(blank)


def test_queued_files_are_read_in_the_worker_with_errors_reported(
    label: Path, tmp_path: Path, inbox: Inbox
) -> None:
    second = _write(tmp_path / "two.png", qr_image("LOT-2", box_size=6))
    with _files(inbox) as source:
        inbox.wait_state(SourceState.CONNECTED)
        source.submit([label, tmp_path / "gone.png", second])
        events = [inbox.next_event(), inbox.next_event()]
        error = inbox.next_error()
    assert [e.payload for e in events] == ["LOT-2024-117", "LOT-2"]
    assert isinstance(error, ImageUnreadable)
    assert error.source_id == "files"
    assert source.state is SourceState.STOPPED


def test_a_restarted_source_reads_again(label: Path, inbox: Inbox) -> None:
    source = _files(inbox)
    with source:
        inbox.wait_state(SourceState.CONNECTED)
    with source:
        source.submit([label])
        assert inbox.next_event().payload == "LOT-2024-117"


def test_the_apps_decoder_reads_gs1_data_as_a_scanner_sends_it(tmp_path: Path) -> None:
    pytest.importorskip("traceapp.devices.decoding")
    path = _write(tmp_path / "gs1.png", gs1_datamatrix_image("(01)09506000134352(10)ABC123(21)S1"))
    seen: list[ScanEvent] = []
    [event] = ImageFileSource("files", seen.append).decode_file(path)  # the default decoder
    assert (event.symbology, event.format) == ("]d2", "DataMatrix")
    parsed = parse_code(event.payload)
    assert (parsed.gtin, parsed.lot, parsed.serial) == ("09506000134352", "ABC123", "S1")
