"""Image decoding: a frame or picture to the codes it shows (format, exact text, corners)."""

from traceapp.devices.decoding.chain import DEFAULT_STEPS, DecoderChain, Step, decode_image
from traceapp.devices.decoding.errors import ImageUnreadable
from traceapp.devices.decoding.model import (
    GS1_SYMBOLOGY_IDENTIFIERS,
    LINEAR_FORMATS,
    MATRIX_FORMATS,
    Corners,
    DecodedCode,
    Point,
)

__all__ = [
    "DEFAULT_STEPS",
    "GS1_SYMBOLOGY_IDENTIFIERS",
    "LINEAR_FORMATS",
    "MATRIX_FORMATS",
    "Corners",
    "DecodedCode",
    "DecoderChain",
    "ImageUnreadable",
    "Point",
    "Step",
    "decode_image",
]
