"""The shape every decoder adapter has, and loading optional libraries without failing."""

from __future__ import annotations

import importlib
import logging
from functools import cache
from types import ModuleType
from typing import Protocol

from traceapp.devices.decoding.images import Gray
from traceapp.devices.decoding.model import Corners, DecodedCode, Point

log = logging.getLogger(__name__)


class Backend(Protocol):
    """One decoding library. `read` returns what the library found, corners in `gray`'s pixels."""

    name: str

    def read(self, gray: Gray, *, formats: frozenset[str], binarizer: str) -> list[DecodedCode]:
        """Decode `gray`; only `formats` are wanted; `binarizer` is a hint some libraries use."""
        ...


@cache
def optional_module(name: str) -> ModuleType | None:
    """Import `name`, or log once and return None when it (or its native library) is missing."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        # pyzbar raises ImportError when libzbar0 is not installed; OpenCV when a system library
        # is missing. Decoding carries on with the other libraries.
        log.warning("Decoder library %s is not available, skipping it: %s", name, exc)
        return None


def quad(points: list[tuple[float, float]]) -> Corners:
    """Four corners from a library's outline: as given when it has four, else its bounding box."""
    if len(points) == 4:
        a, b, c, d = (Point(float(x), float(y)) for x, y in points)
        return (a, b, c, d)
    xs = [float(x) for x, _ in points]
    ys = [float(y) for _, y in points]
    left, right, top, bottom = min(xs), max(xs), min(ys), max(ys)
    return (Point(left, top), Point(right, top), Point(right, bottom), Point(left, bottom))


def make_code(
    *,
    format: str,
    text: str,
    raw: bytes,
    symbology_identifier: str | None,
    corners: Corners,
    decoder: str,
) -> DecodedCode:
    """A DecodedCode before the chain knows which step it came from."""
    return DecodedCode(
        format=format,
        text=text,
        raw=raw,
        symbology_identifier=symbology_identifier,
        corners=corners,
        decoder=decoder,
        step="",
    )
