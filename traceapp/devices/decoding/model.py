"""What a decoder found: format, exact text and bytes, AIM symbology identifier, corners."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

# zxing-cpp's format names; pyzbar and OpenCV results are reported under the same names.
MATRIX_FORMATS = frozenset(
    {"QRCode", "MicroQRCode", "RMQRCode", "DataMatrix", "Aztec", "PDF417", "MaxiCode"}
)
LINEAR_FORMATS = frozenset(
    {
        "Codabar",
        "Code39",
        "Code93",
        "Code128",
        "ITF",
        "EAN8",
        "EAN13",
        "UPCA",
        "UPCE",
        "DataBar",
        "DataBarExpanded",
        "DataBarLimited",
    }
)
# AIM identifiers whose data is a GS1 element string (ISO/IEC 15424; GS1 General Specifications).
GS1_SYMBOLOGY_IDENTIFIERS = frozenset({"]C1", "]e0", "]d2", "]Q3", "]J1", "]z1", "]Q5"})


class Point(NamedTuple):
    """A pixel position in the coordinates of the image the caller passed in."""

    x: float
    y: float


# Top-left, top-right, bottom-right, bottom-left as the symbol is oriented (not as the image is).
Corners = tuple[Point, Point, Point, Point]


@dataclass(frozen=True, slots=True)
class DecodedCode:
    """One symbol read from an image.

    `text` is the payload exactly as encoded: GS separators and CR LF stay, no human-readable
    rewrite; it is "" when the data's character set is unknown (binary data under an ECI the
    library lacks). `raw` holds the payload bytes (what a binary payload should be compared with).
    `symbology_identifier` is the AIM identifier (e.g. "]d2" for GS1 Data Matrix) when the decoder
    reports it, else None. `step` names the chain step that found it (e.g. "plain", "upscale-2x").
    """

    format: str
    text: str
    raw: bytes
    symbology_identifier: str | None
    corners: Corners
    decoder: str
    step: str

    @property
    def is_gs1(self) -> bool:
        """True when the symbol announced GS1 data (FNC1 in first position)."""
        return self.symbology_identifier in GS1_SYMBOLOGY_IDENTIFIERS

    @property
    def scan_text(self) -> str:
        """The text as a scanner with AIM prefixes sends it, ready for `parse_code`."""
        return (self.symbology_identifier or "") + self.text

    @property
    def center(self) -> Point:
        """The middle of the symbol, for matching reads of one symbol by several decoders."""
        return Point(
            sum(p.x for p in self.corners) / 4,
            sum(p.y for p in self.corners) / 4,
        )
