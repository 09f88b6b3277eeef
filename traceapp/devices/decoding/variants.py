"""Cheap image retries (scale, threshold, invert, sharpen, denoise), done with Pillow and numpy."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter

from traceapp.devices.decoding.images import Gray

# Upscaling helps symbols whose modules are 1-2 px wide, which happens in small pictures and
# crops; enlarging a whole camera frame costs 50-100 ms and the decoder's time grows with it.
MAX_UPSCALE_SIDE = 1000  # longest side of the enlarged image
# Downscaling merges speckle and texture inside modules; below this size modules vanish.
MIN_DOWNSCALE_SIDE = 160


@dataclass(frozen=True, slots=True)
class Variant:
    """A transformed image; `scale` maps original pixels to its pixels (x_variant = x * scale)."""

    image: Gray
    scale: float = 1.0


Transform = Callable[[Gray], Variant | None]


def _pil(gray: Gray) -> Image.Image:
    return Image.fromarray(gray, mode="L")


def _array(picture: Image.Image) -> Gray:
    return np.ascontiguousarray(np.asarray(picture, dtype=np.uint8))


def original(gray: Gray) -> Variant:
    """The image as it is."""
    return Variant(gray)


def scaled(factor: float) -> Transform:
    """Resize by `factor`; None when the result would be too large or too small to help."""

    def transform(gray: Gray) -> Variant | None:
        height, width = gray.shape
        if factor > 1 and max(height, width) * factor > MAX_UPSCALE_SIDE:
            return None
        if factor < 1 and min(height, width) * factor < MIN_DOWNSCALE_SIDE:
            return None
        size = (round(width * factor), round(height * factor))
        # BICUBIC keeps module edges sharp when enlarging; BOX averages (area) when shrinking.
        resample = Image.Resampling.BICUBIC if factor > 1 else Image.Resampling.BOX
        picture = _pil(gray).resize(size, resample)
        return Variant(_array(picture), scale=size[0] / width)

    return transform


def sharpened(gray: Gray) -> Variant:
    """Unsharp mask: restores module edges softened by focus blur or JPEG."""
    return Variant(_array(_pil(gray).filter(ImageFilter.UnsharpMask(radius=2, percent=80))))


def median(size: int) -> Transform:
    """Median filter: removes salt-and-pepper noise and print texture, keeps edges."""

    def transform(gray: Gray) -> Variant:
        return Variant(_array(_pil(gray).filter(ImageFilter.MedianFilter(size))))

    return transform


def blurred(radius: float) -> Transform:
    """Gaussian blur: smooths texture inside modules so global thresholds see solid cells."""

    def transform(gray: Gray) -> Variant:
        return Variant(_array(_pil(gray).filter(ImageFilter.GaussianBlur(radius))))

    return transform


def adaptive_threshold(radius: int, offset: int = 5) -> Transform:
    """Black where darker than the local mean minus `offset`: evens out shading and glare."""

    def transform(gray: Gray) -> Variant:
        mean = np.asarray(_pil(gray).filter(ImageFilter.BoxBlur(radius)), dtype=np.int16)
        dark = gray.astype(np.int16) < mean - offset
        return Variant(np.where(dark, 0, 255).astype(np.uint8))

    return transform


def inverted(gray: Gray) -> Variant:
    """Light on dark becomes dark on light, for decoders that do not try it themselves."""
    return Variant(np.ascontiguousarray(255 - gray))
