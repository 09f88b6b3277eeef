"""Turn a path, a gray frame or a BGR(A) frame into one 8-bit grayscale array."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image, UnidentifiedImageError

from traceapp.devices.decoding.errors import ImageUnreadable

Gray = npt.NDArray[np.uint8]
ImageInput = npt.NDArray[np.generic] | str | os.PathLike[str]

# ITU-R BT.601 luma, the weights OpenCV's BGR2GRAY uses, so frames convert the same either way.
_BGR_WEIGHTS = np.array([0.114, 0.587, 0.299], dtype=np.float32)
_HINT_FILE = (
    "Check that the file is a complete PNG, JPEG or WebP picture, or take the picture again."
)
_HINT_FRAME = "Pass a gray (H×W) or BGR (H×W×3) uint8 array."


def to_gray(image: ImageInput) -> Gray:
    """Load or convert `image` to a C-contiguous uint8 gray array; ImageUnreadable if impossible."""
    if isinstance(image, np.ndarray):
        return _frame_to_gray(image)
    if isinstance(image, str | os.PathLike):
        return _load_gray(Path(image))
    raise ImageUnreadable(
        f"Cannot decode an object of type {type(image).__name__}.",
        hint=_HINT_FRAME + " Or pass the path of a picture file.",
    )


def _load_gray(path: Path) -> Gray:
    try:
        with Image.open(path) as picture:
            # draft() lets JPEG decode straight to gray; load() surfaces truncated files here.
            picture.draft("L", picture.size)
            gray = picture.convert("L")
    except FileNotFoundError as exc:
        raise ImageUnreadable(
            f"The picture {path} does not exist.", hint="Check the file name and its folder."
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        # Pillow reports damaged files as OSError ("image file is truncated"), SyntaxError (broken
        # PNG chunks) or ValueError, depending on the format.
        raise ImageUnreadable(
            f"The picture {path} cannot be read: {exc}.", hint=_HINT_FILE
        ) from exc
    return np.ascontiguousarray(np.asarray(gray, dtype=np.uint8))


def _frame_to_gray(frame: npt.NDArray[np.generic]) -> Gray:
    if frame.dtype != np.uint8:
        raise ImageUnreadable(
            f"The frame has pixel type {frame.dtype}; the decoders need 8-bit pixels.",
            hint=_HINT_FRAME,
        )
    if frame.ndim == 3 and frame.shape[2] == 1:
        frame = frame[:, :, 0]
    if frame.ndim == 3 and frame.shape[2] in (3, 4):
        luma = frame[:, :, :3].astype(np.float32) @ _BGR_WEIGHTS
        return np.ascontiguousarray(np.clip(luma + 0.5, 0, 255).astype(np.uint8))
    if frame.ndim != 2 or frame.shape[0] < 1 or frame.shape[1] < 1:
        raise ImageUnreadable(
            f"The frame has shape {frame.shape}; it is neither gray nor BGR.", hint=_HINT_FRAME
        )
    return np.ascontiguousarray(frame)
