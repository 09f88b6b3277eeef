"""zxing-cpp adapter: reads QR, Data Matrix and most others, with exact text and AIM identifier."""

from __future__ import annotations

from typing import Any

from traceapp.devices.decoding.backend import make_code, optional_module, quad
from traceapp.devices.decoding.images import Gray
from traceapp.devices.decoding.model import DecodedCode

NAME = "zxing-cpp"
BINARIZERS = ("local-average", "global-histogram")


class ZxingBackend:
    """Decodes with zxing-cpp; results have passed the symbology's error correction or checksum."""

    name = NAME

    def __init__(self, module: Any) -> None:
        self._zxing = module
        self._binarizers = {
            "local-average": module.Binarizer.LocalAverage,
            "global-histogram": module.Binarizer.GlobalHistogram,
        }
        self._formats: dict[frozenset[str], Any] = {}

    def read(self, gray: Gray, *, formats: frozenset[str], binarizer: str) -> list[DecodedCode]:
        """Decode every symbol of the wanted formats in `gray`."""
        results = self._zxing.read_barcodes(
            gray,
            formats=self._zxing_formats(formats),
            # Plain keeps the payload byte for byte: GS stays GS, CR LF stays CR LF (HRI would
            # write "<GS>" and GS1 brackets).
            text_mode=self._zxing.TextMode.Plain,
            binarizer=self._binarizers[binarizer],
        )
        return [
            make_code(
                format=result.format.name,
                text=result.text,
                raw=bytes(result.bytes),
                symbology_identifier=result.symbology_identifier or None,
                corners=quad(
                    [
                        (result.position.top_left.x, result.position.top_left.y),
                        (result.position.top_right.x, result.position.top_right.y),
                        (result.position.bottom_right.x, result.position.bottom_right.y),
                        (result.position.bottom_left.x, result.position.bottom_left.y),
                    ]
                ),
                decoder=NAME,
            )
            for result in results
            # text is empty when the data's character set is unknown (an ECI zxing-cpp lacks);
            # raw still holds the bytes.
            if result.valid and (result.text or result.bytes)
        ]

    def _zxing_formats(self, formats: frozenset[str]) -> Any:
        if formats not in self._formats:
            self._formats[formats] = self._zxing.barcode_formats_from_str(",".join(sorted(formats)))
        return self._formats[formats]


def load() -> ZxingBackend | None:
    """The zxing-cpp backend, or None when zxing-cpp is not installed."""
    module = optional_module("zxingcpp")
    return None if module is None else ZxingBackend(module)
