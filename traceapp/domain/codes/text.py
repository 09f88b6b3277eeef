"""Input hygiene for scanned payloads: a length cap, no control characters, separator spellings."""

from __future__ import annotations

from collections.abc import Sequence

from traceapp.domain.codes.errors import ControlCharacters, EmptyCode, OverlongPayload

GS = "\x1d"  # ASCII group separator: how scanners transmit the GS1 FNC1 separator
# The largest GS1 DataMatrix payload the app meets is a few hundred characters; far more means a
# stuck key or a scanner streaming in the wrong mode, and a cap keeps the parser's work bounded.
MAX_PAYLOAD_LENGTH = 512
# Keyboard-wedge scanners end each read with CR, LF or TAB; these are not part of the code.
_EDGE_WHITESPACE = " \t\r\n"
# Spellings of GS that scanner configurations and keyboard layouts produce instead of the byte.
DEFAULT_SEPARATOR_SPELLINGS = ("<GS>", "^]")


def normalize_separators(text: str, extra: Sequence[str] = DEFAULT_SEPARATOR_SPELLINGS) -> str:
    """Replace stand-ins for the GS separator with the real GS byte.

    For the input layer, where a station's scanner is known to send e.g. "<GS>" for FNC1. The parser
    itself does not do this: "<GS>" may be a legitimate part of some internal code.
    """
    for spelling in extra:
        if spelling:
            text = text.replace(spelling, GS)
    return text


def clean_payload(payload: str) -> str:
    """Trim scanner suffixes and refuse overlong, empty or control-character payloads.

    GS passes here; whether it is allowed depends on what the payload turns out to be.
    """
    if len(payload) > MAX_PAYLOAD_LENGTH:
        raise OverlongPayload(
            f"The scan is {len(payload)} characters long; no label carries more than"
            f" {MAX_PAYLOAD_LENGTH}.",
            hint="Rescan once; if it repeats, check that no key is stuck and the scanner is in"
            " single-read mode.",
        )
    text = payload.strip(_EDGE_WHITESPACE)
    if not text:
        raise EmptyCode("The scan is empty.", hint="Scan or type a code.")
    for index, char in enumerate(text):
        if char != GS and not char.isprintable():
            raise ControlCharacters(
                f"The scan contains the invisible character U+{ord(char):04X} at position"
                f" {index + 1}.",
                hint="Rescan it; if this keeps happening, check the scanner's prefix, suffix and"
                " keyboard-layout settings.",
            )
    return text


def refuse_separator(text: str) -> None:
    """GS only belongs in GS1 element strings; anywhere else it is a scanner misconfiguration."""
    index = text.find(GS)
    if index >= 0:
        raise ControlCharacters(
            f"The scan contains a GS separator (U+001D) at position {index + 1}, but it is not a"
            " GS1 element string.",
            hint="Rescan it; if this keeps happening, check the scanner's FNC1 and suffix settings.",
        )
