"""Synthetic code pictures for the decoding tests, made in memory with qrcode and zxing-cpp."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import numpy.typing as npt
import pytest
import qrcode
import zxingcpp

from traceapp.devices.decoding.backend import optional_module

Gray = npt.NDArray[np.uint8]


def qr_image(text: str, *, box: int = 4, border: int = 4) -> Gray:
    """A dark-on-light QR code, `box` pixels per module, byte-exact `text`."""
    code = qrcode.QRCode(box_size=box, border=border)
    code.add_data(text.encode("utf-8"))
    code.make()
    picture = code.make_image().get_image().convert("L")
    return np.asarray(picture, dtype=np.uint8).copy()


def datamatrix_image(content: str, *, scale: int = 6, gs1: bool = False) -> Gray:
    """A Data Matrix; with `gs1`, `content` is in bracketed form, e.g. "(01)…(10)…"."""
    barcode = zxingcpp.create_barcode(content, zxingcpp.BarcodeFormat.DataMatrix, gs1=gs1)
    return np.asarray(barcode.to_image(scale=scale), dtype=np.uint8).copy()


def on_canvas(symbol: Gray, *, size: tuple[int, int], at: tuple[int, int]) -> Gray:
    """`symbol` pasted on a white canvas of `size` (height, width) with its top-left at `at`."""
    canvas = np.full(size, 255, dtype=np.uint8)
    top, left = at
    canvas[top : top + symbol.shape[0], left : left + symbol.shape[1]] = symbol
    return canvas


@pytest.fixture
def fresh_libraries() -> Iterator[None]:
    """Forget which optional libraries were loaded, before and after the test."""
    optional_module.cache_clear()
    yield
    optional_module.cache_clear()
