"""pyzbar (ZBar) adapter: a second opinion on QR codes and the common 1D symbologies."""

from __future__ import annotations

import logging
from typing import Any

from traceapp.devices.decoding.backend import make_code, optional_module, quad
from traceapp.devices.decoding.images import Gray
from traceapp.devices.decoding.model import DecodedCode

log = logging.getLogger(__name__)
NAME = "pyzbar"
# ZBar symbol names to ours. ZBar's PDF417 support is unfinished, so it is left out.
_FORMATS = {
    "QRCODE": "QRCode",
    "CODE128": "Code128",
    "CODE39": "Code39",
    "CODE93": "Code93",
    "CODABAR": "Codabar",
    "I25": "ITF",
    "EAN8": "EAN8",
    "EAN13": "EAN13",
    "UPCA": "UPCA",
    "UPCE": "UPCE",
    "DATABAR": "DataBar",
    "DATABAR_EXP": "DataBarExpanded",
}


class ZbarBackend:
    """Decodes with pyzbar. ZBar guesses the character set of QR byte data; the chain checks it."""

    name = NAME

    def __init__(self, module: Any) -> None:
        self._pyzbar = module
        self._symbols: dict[frozenset[str], list[Any]] = {}

    def read(self, gray: Gray, *, formats: frozenset[str], binarizer: str) -> list[DecodedCode]:
        """Decode the wanted formats ZBar knows; nothing when it knows none of them."""
        symbols = self._zbar_symbols(formats)
        if not symbols:
            return []
        try:
            results = self._pyzbar.decode(gray, symbols=symbols)
        except ValueError as exc:
            # pyzbar 0.1.9 cannot name ZBar's "unknown orientation" and fails the whole image.
            log.debug("pyzbar failed on an image: %s", exc)
            return []
        codes = []
        for result in results:
            name = _FORMATS.get(result.type)
            if name is None:
                continue
            raw = bytes(result.data)
            codes.append(
                make_code(
                    format=name,
                    # ZBar hands over UTF-8 (it converts the data itself).
                    text=raw.decode("utf-8", errors="replace"),
                    raw=raw,
                    symbology_identifier=None,
                    corners=quad([(p.x, p.y) for p in result.polygon]),
                    decoder=NAME,
                )
            )
        return codes

    def _zbar_symbols(self, formats: frozenset[str]) -> list[Any]:
        if formats not in self._symbols:
            symbol = self._pyzbar.ZBarSymbol
            self._symbols[formats] = [
                symbol[zbar] for zbar, ours in _FORMATS.items() if ours in formats
            ]
        return self._symbols[formats]


def load() -> ZbarBackend | None:
    """The pyzbar backend, or None when pyzbar or libzbar0 is missing."""
    module = optional_module("pyzbar.pyzbar")
    return None if module is None else ZbarBackend(module)
