"""Which hex payloads are RFID data: EPC tag memory (UHF) or a tag UID (HF, NFC).

Rules, in order (hex means digits 0-9 and A-F in either case, optionally byte pairs joined by one
consistent ':', '-' or ' ', as many readers print UIDs):
- 16 hex digits starting E0: an ISO 15693 UID (that standard fixes the first byte at E0).
- 8, 14 or 20 hex digits with at least one letter A-F: an ISO 14443 UID (4, 7 or 10 bytes).
  Digit-only strings are not taken as UIDs: those are far more often lot numbers or counts.
- 16 or more hex digits whose first byte is an EPC header (0x2C-0x3E): EPC tag memory. A
  digit-only string must also have a length an EPC can have (24, 50 or 52), for the same reason.
A 20-digit hex string starting with a supported EPC header (30, 31, 36) is read as a cut-short
EPC rather than a 10-byte UID, since 10-byte UIDs are rare and the error says what to do.
"""

from __future__ import annotations

import re

from traceapp.domain.codes.epc import EPC_HEADERS, SUPPORTED_HEADERS

_HEX = re.compile(r"[0-9A-F]+", re.ASCII)
_BYTE_PAIRS = re.compile(r"[0-9A-F]{2}(?:([:\- ])[0-9A-F]{2})(?:\1[0-9A-F]{2})*", re.ASCII)
_UID_LENGTHS = frozenset({8, 14, 20})
ISO15693_UID_LENGTH = 16
_MIN_EPC_LENGTH = 16
_EPC_LENGTHS = frozenset(length for _, lengths in SUPPORTED_HEADERS.values() for length in lengths)
_SUPPORTED_PREFIXES = frozenset(f"{header:02X}" for header in SUPPORTED_HEADERS)


def compact_hex(text: str) -> str | None:
    """Upper-case hex without separators, or None if the text is not hex."""
    upper = text.upper()
    if _HEX.fullmatch(upper):
        return upper
    if _BYTE_PAIRS.fullmatch(upper):
        return re.sub(r"[:\- ]", "", upper)
    return None


def is_uid(hex_digits: str) -> bool:
    if len(hex_digits) == ISO15693_UID_LENGTH:
        return hex_digits.startswith("E0")
    if len(hex_digits) not in _UID_LENGTHS or hex_digits.isdigit():
        return False
    return not (len(hex_digits) == max(_UID_LENGTHS) and hex_digits[:2] in _SUPPORTED_PREFIXES)


def is_epc(hex_digits: str) -> bool:
    if len(hex_digits) < _MIN_EPC_LENGTH or int(hex_digits[:2], 16) not in EPC_HEADERS:
        return False
    return not hex_digits.isdigit() or len(hex_digits) in _EPC_LENGTHS
