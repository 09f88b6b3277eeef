"""Cheap retries rescue pictures the plain pass misses, and corners map back after rescaling."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageFilter

from tests.devices.decoding.conftest import Gray, on_canvas, qr_image
from traceapp.devices.decoding import DEFAULT_STEPS, DecoderChain, Step, decode_image, variants

TEXT = "LOT-2024-117\r\nPART FLOUR-01"
PLAIN_ONLY = DecoderChain(DEFAULT_STEPS[:1])


def salt_and_pepper(image: Gray, fraction: float, seed: int = 1) -> Gray:
    rng = np.random.default_rng(seed)
    noisy = image.copy()
    hit = rng.random(image.shape) < fraction
    noisy[hit] = rng.choice(np.array([0, 255], dtype=np.uint8), int(hit.sum()))
    return noisy


def blurred(image: Gray, radius: float) -> Gray:
    return np.asarray(Image.fromarray(image).filter(ImageFilter.GaussianBlur(radius)))


@pytest.mark.parametrize(
    ("damaged", "rescuing_step"),
    [
        pytest.param(salt_and_pepper(qr_image(TEXT), 0.1), "median-3", id="salt-and-pepper"),
        pytest.param(blurred(qr_image(TEXT), 2.0), "upscale-2x", id="out-of-focus"),
    ],
)
def test_a_retry_reads_what_the_plain_pass_misses(damaged: Gray, rescuing_step: str) -> None:
    assert PLAIN_ONLY.decode(damaged) == ()
    [code] = decode_image(damaged)
    assert code.text == TEXT
    assert code.step == rescuing_step


@pytest.mark.parametrize("angle", [17, 90, 135, 200])
def test_rotated_codes_are_read(angle: int) -> None:
    upright = Image.fromarray(qr_image(TEXT))
    rotated = np.asarray(upright.rotate(angle, expand=True, fillcolor=255))
    [code] = decode_image(rotated)
    assert code.text == TEXT


def test_light_on_dark_codes_are_read() -> None:
    [code] = decode_image(255 - qr_image(TEXT))
    assert code.text == TEXT


def test_scaled_down_codes_are_read() -> None:
    image = Image.fromarray(qr_image(TEXT, box=4))
    small = np.asarray(image.resize((image.width * 2 // 5,) * 2, Image.Resampling.BILINEAR))
    [code] = decode_image(small)
    assert code.text == TEXT


@pytest.mark.parametrize("factor", [2.0, 0.5])
def test_corners_are_mapped_back_from_a_rescaled_image(factor: float) -> None:
    symbol = qr_image("SCALE", box=8, border=0)
    image = on_canvas(symbol, size=(400, 500), at=(100, 150))
    chain = DecoderChain([Step("rescaled", "zxing-cpp", variants.scaled(factor))])
    [code] = chain.decode(image)
    assert code.step == "rescaled"
    xs = sorted(p.x for p in code.corners)
    ys = sorted(p.y for p in code.corners)
    side = symbol.shape[0]
    tolerance = 3 / min(factor, 1)  # a pixel of the shrunken image is two of the original
    assert xs[0] == pytest.approx(150, abs=tolerance)
    assert xs[-1] == pytest.approx(150 + side, abs=tolerance)
    assert ys[0] == pytest.approx(100, abs=tolerance)
    assert ys[-1] == pytest.approx(100 + side, abs=tolerance)


def test_the_chain_stops_at_the_first_step_that_finds_a_code() -> None:
    calls: list[str] = []

    def spy(name: str) -> variants.Transform:
        def transform(gray: Gray) -> variants.Variant:
            calls.append(name)
            return variants.Variant(gray)

        return transform

    chain = DecoderChain(
        [Step("first", "zxing-cpp", spy("first")), Step("second", "zxing-cpp", spy("second"))]
    )
    assert [code.step for code in chain.decode(qr_image(TEXT))] == ["first"]
    assert calls == ["first"]


def test_a_spent_budget_skips_the_retries() -> None:
    damaged = salt_and_pepper(qr_image(TEXT), 0.1)
    assert DecoderChain(budget=0.0).decode(damaged) == ()


def test_several_symbols_in_one_picture_are_all_returned() -> None:
    left, right = qr_image("LEFT-1"), qr_image("RIGHT-2")
    image = np.hstack([left, right])
    codes = DecoderChain(min_codes=2).decode(image)
    assert sorted(code.text for code in codes) == ["LEFT-1", "RIGHT-2"]
    assert min(p.x for p in next(c for c in codes if c.text == "RIGHT-2").corners) > left.shape[1]
