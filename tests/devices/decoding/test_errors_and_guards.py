"""Unreadable input gets a typed error; no code gives (); weaker decoders never add a wrong text."""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import zxingcpp

from tests.devices.decoding.conftest import Gray, qr_image
from traceapp.devices.decoding import (
    DecodedCode,
    DecoderChain,
    ImageUnreadable,
    Point,
    Step,
    decode_image,
)
from traceapp.devices.decoding import chain as chain_module
from traceapp.domain.errors import KnownError


def test_a_picture_without_a_code_gives_nothing_quickly() -> None:
    rng = np.random.default_rng(3)
    blank = np.full((480, 640), 200, dtype=np.uint8)
    noise = rng.integers(0, 256, (240, 320), dtype=np.uint8)
    decode_image(qr_image("WARM-UP"))  # the first call loads the libraries
    for image in (blank, noise):
        start = time.perf_counter()
        assert decode_image(image) == ()
        # Every retry runs on a miss: about 0.3 s here; the margin is for busy CI machines.
        assert time.perf_counter() - start < 1.0


def test_a_corrupt_picture_file_is_a_known_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "label.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"not really a picture" * 10)
    with pytest.raises(ImageUnreadable) as caught:
        decode_image(path)
    assert isinstance(caught.value, KnownError)
    assert str(path) in caught.value.message
    assert "take the picture again" in caught.value.hint


def test_a_truncated_picture_file_is_a_known_error(tmp_path: Path) -> None:
    from PIL import Image

    path = tmp_path / "label.jpg"
    Image.fromarray(qr_image("TRUNCATED")).save(path)
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(ImageUnreadable):
        decode_image(path)


def test_a_missing_picture_file_is_a_known_error(tmp_path: Path) -> None:
    with pytest.raises(ImageUnreadable, match="does not exist"):
        decode_image(tmp_path / "nowhere.png")


@pytest.mark.parametrize(
    "frame",
    [
        np.zeros((10, 10), dtype=np.float32),
        np.zeros((10, 10, 2), dtype=np.uint8),
        np.zeros((0, 10), dtype=np.uint8),
    ],
    ids=["float-pixels", "two-channels", "empty"],
)
def test_frames_of_an_unusable_shape_or_type_are_known_errors(frame: np.ndarray) -> None:
    with pytest.raises(ImageUnreadable):
        decode_image(frame)


def _code128() -> Gray:
    barcode = zxingcpp.create_barcode("LOT4711", zxingcpp.BarcodeFormat.Code128)
    return np.asarray(barcode.to_image(scale=3), dtype=np.uint8).copy()


def test_1d_codes_are_read_only_when_asked_for() -> None:
    image = _code128()
    assert decode_image(image) == ()
    [code] = decode_image(image, formats={"Code128"})
    assert (code.format, code.text) == ("Code128", "LOT4711")


def test_pyzbar_1d_reads_are_dropped_unless_asked_for() -> None:
    steps = [Step("pyzbar", "pyzbar")]
    assert DecoderChain(steps).decode(_code128()) == ()
    [code] = DecoderChain(steps, formats={"Code128"}).decode(_code128())
    assert (code.decoder, code.text) == ("pyzbar", "LOT4711")


class FakeBackend:
    """Stands in for a library and returns fixed reads."""

    def __init__(self, name: str, codes: list[DecodedCode]) -> None:
        self.name = name
        self._codes = codes

    def read(self, gray: Gray, *, formats: frozenset[str], binarizer: str) -> list[DecodedCode]:
        return list(self._codes)


def _read(text: str, decoder: str, corners: tuple[float, float, float, float]) -> DecodedCode:
    left, top, right, bottom = corners
    return DecodedCode(
        format="QRCode",
        text=text,
        raw=text.encode("utf-8"),
        symbology_identifier=None,
        corners=(Point(left, top), Point(right, top), Point(right, bottom), Point(left, bottom)),
        decoder=decoder,
        step="",
    )


def test_mojibake_from_zbar_is_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    # ZBar turns Shift-JIS photos into text like this; only 7-bit text is taken from it.
    garbled = _read("蹬靼翌QR\r\nhttp://d-qr.net/ex/", "pyzbar", (10, 10, 90, 90))
    monkeypatch.setitem(chain_module.LOADERS, "pyzbar", lambda: FakeBackend("pyzbar", [garbled]))
    chain = DecoderChain([Step("pyzbar", "pyzbar")])
    assert chain.decode(np.zeros((100, 100), dtype=np.uint8)) == ()


def test_when_decoders_disagree_on_one_symbol_zxing_is_believed(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    image = qr_image("RIGHT-TEXT")
    [truth] = DecoderChain([Step("plain", "zxing-cpp")]).decode(image)
    box = (truth.corners[0].x, truth.corners[0].y, truth.corners[2].x, truth.corners[2].y)
    misread = _read("WRONG-TEXT", "pyzbar", box)
    monkeypatch.setitem(chain_module.LOADERS, "pyzbar", lambda: FakeBackend("pyzbar", [misread]))
    # min_codes=2 makes the chain run both steps although the first already found the symbol.
    chain = DecoderChain([Step("zbar", "pyzbar"), Step("plain", "zxing-cpp")], min_codes=2)
    with caplog.at_level(logging.WARNING):
        codes = chain.decode(image)
    assert [(c.decoder, c.text) for c in codes] == [("zxing-cpp", "RIGHT-TEXT")]
    assert "disagree" in caplog.text


@pytest.mark.usefixtures("fresh_libraries")
@pytest.mark.parametrize("missing", ["pyzbar", "cv2"])
def test_decoding_works_without_an_optional_library(
    missing: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # A None entry in sys.modules makes `import` raise ImportError, as a missing libzbar0 does.
    for name in [m for m in sys.modules if m == missing or m.startswith(missing + ".")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, missing, None)
    monkeypatch.setitem(sys.modules, f"{missing}.{missing}", None)
    chain = DecoderChain()
    with caplog.at_level(logging.WARNING):
        available = chain.available()
        [code] = chain.decode(qr_image("NO-EXTRAS"))
    assert "zxing-cpp" in available
    gone = {"pyzbar": {"pyzbar"}, "cv2": {"opencv-aruco", "opencv"}}[missing]
    assert not gone & set(available)
    assert code.text == "NO-EXTRAS"
    assert "not available" in caplog.text


def test_unknown_decoders_and_duplicate_step_names_are_refused() -> None:
    with pytest.raises(ValueError, match="Unknown decoders"):
        DecoderChain([Step("x", "no-such-library")])
    with pytest.raises(ValueError, match="Unknown formats"):
        DecoderChain(formats={"QR"})
    with pytest.raises(ValueError, match="unique"):
        DecoderChain([Step("x", "zxing-cpp"), Step("x", "pyzbar")])
