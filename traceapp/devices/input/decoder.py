"""The image decoder cameras and image files use, injected so sources do not depend on one."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol, cast

from traceapp.devices.input.errors import DecoderUnavailable
from traceapp.devices.input.events import Corners, aim_identifier

_CORNER_COUNT = 4
_DECODING_MODULE = "traceapp.devices.decoding"

if TYPE_CHECKING:
    import numpy as np


class DecodedLike(Protocol):
    """What a decoder reports per code.

    Optional attributes are read when a result has them, as traceapp.devices.decoding's
    DecodedCode does: `is_gs1` with `scan_text` (the text with its AIM identifier in front),
    `symbology_identifier` and `corners`.
    """

    @property
    def text(self) -> str: ...

    @property
    def format(self) -> object: ...


# Takes an image as OpenCV delivers it (BGR or grey uint8) and returns the codes found in it.
FrameDecoder = Callable[["np.ndarray"], Sequence[DecodedLike]]


def default_decoder() -> FrameDecoder:
    """The app's decoder (traceapp.devices.decoding), or DecoderUnavailable if it is missing."""
    try:
        module = importlib.import_module(_DECODING_MODULE)
        decode = module.decode_image
    except (ImportError, AttributeError) as exc:
        raise DecoderUnavailable(
            f"No code decoder could be loaded ({exc}).",
            hint="Reinstall the app with its decoding libraries (zxing-cpp).",
        ) from exc
    return cast(FrameDecoder, decode)


def resolve_decoder(decoder: FrameDecoder | None) -> FrameDecoder:
    return decoder if decoder is not None else default_decoder()


def payload_of(code: DecodedLike) -> str:
    """The text as parse_code should get it.

    GS1 symbols keep their AIM identifier in front ("]d2…"): only it says the data is a GS1
    element string. Other codes keep the bare text, so a label gives the same payload from a camera
    as from a scanner that sends no AIM identifiers.
    """
    scan_text = getattr(code, "scan_text", None)
    if getattr(code, "is_gs1", False) is True and isinstance(scan_text, str):
        return scan_text
    return code.text


def symbology_of(code: DecodedLike) -> str | None:
    identifier = getattr(code, "symbology_identifier", None)
    return identifier if isinstance(identifier, str) else aim_identifier(payload_of(code))


def format_name(code: DecodedLike) -> str:
    """A format as text: enum members by name ("QRCode"), anything else as str()."""
    value = code.format
    name = getattr(value, "name", None)
    return name if isinstance(name, str) else str(value)


def corners_of(code: DecodedLike) -> Corners | None:
    """Four corner points from a result's `corners`, whether tuples or an array; else None."""
    raw: Any = getattr(code, "corners", None)
    if raw is None:
        return None
    try:
        import numpy as np  # not at import: the window starts without numpy

        points = np.asarray(raw, dtype=float).reshape(-1, 2)
    except (TypeError, ValueError):
        return None
    if len(points) != _CORNER_COUNT:
        return None
    a, b, c, d = ((float(x), float(y)) for x, y in points)
    return (a, b, c, d)
