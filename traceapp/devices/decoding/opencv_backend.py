"""OpenCV QR adapters: QRCodeDetectorAruco and the classic QRCodeDetector, last-resort tries."""

from __future__ import annotations

import logging
from typing import Any

from traceapp.devices.decoding.backend import make_code, optional_module, quad
from traceapp.devices.decoding.images import Gray
from traceapp.devices.decoding.model import DecodedCode

log = logging.getLogger(__name__)
ARUCO = "opencv-aruco"
CLASSIC = "opencv"


class OpencvQrBackend:
    """Decodes QR codes with one OpenCV detector; a detector object is not shared across threads."""

    def __init__(self, module: Any, name: str) -> None:
        self._cv2 = module
        self.name = name
        self._detector: Any = None

    def read(self, gray: Gray, *, formats: frozenset[str], binarizer: str) -> list[DecodedCode]:
        """Decode QR codes in `gray`; nothing when QR is not wanted."""
        if "QRCode" not in formats:
            return []
        if self._detector is None:
            factory = (
                self._cv2.QRCodeDetectorAruco if self.name == ARUCO else self._cv2.QRCodeDetector
            )
            self._detector = factory()
        try:
            ok, texts, points, _ = self._detector.detectAndDecodeMulti(gray)
        except (self._cv2.error, UnicodeDecodeError) as exc:
            # OpenCV's binding raises UnicodeDecodeError for byte data that is not UTF-8 (e.g.
            # Shift-JIS): such a read could not pass the chain's 7-bit check anyway.
            log.debug("OpenCV %s failed on an image: %s", self.name, exc)
            return []
        if not ok or points is None:
            return []
        codes = []
        for text, outline in zip(texts, points, strict=False):
            if not text:
                continue
            codes.append(
                make_code(
                    format="QRCode",
                    text=text,
                    raw=text.encode("utf-8"),
                    symbology_identifier=None,
                    corners=quad([(float(x), float(y)) for x, y in outline]),
                    decoder=self.name,
                )
            )
        return codes


def load_aruco() -> OpencvQrBackend | None:
    """OpenCV's QRCodeDetectorAruco, or None when OpenCV is missing."""
    module = optional_module("cv2")
    return None if module is None else OpencvQrBackend(module, ARUCO)


def load_classic() -> OpencvQrBackend | None:
    """OpenCV's QRCodeDetector, or None when OpenCV is missing."""
    module = optional_module("cv2")
    return None if module is None else OpencvQrBackend(module, CLASSIC)
