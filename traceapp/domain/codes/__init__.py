"""Scanned payloads to typed identifiers: GS1 element strings, Digital Link, EPC, RFID, internal."""

from traceapp.domain.codes.errors import (
    AmbiguousElementString,
    BadCheckDigit,
    CodeError,
    ControlCharacters,
    EmptyCode,
    EpcError,
    EpcHeaderError,
    ImpossibleDate,
    InvalidInternalPattern,
    MalformedDigitalLink,
    MalformedElementString,
    MalformedEpc,
    OverlongPayload,
    TruncatedEpc,
    UnknownApplicationIdentifier,
)
from traceapp.domain.codes.internal import InternalPattern
from traceapp.domain.codes.model import CodeKind, ParsedCode
from traceapp.domain.codes.parser import parse_code
from traceapp.domain.codes.text import GS, MAX_PAYLOAD_LENGTH, normalize_separators

__all__ = [
    "GS",
    "MAX_PAYLOAD_LENGTH",
    "AmbiguousElementString",
    "BadCheckDigit",
    "CodeError",
    "CodeKind",
    "ControlCharacters",
    "EmptyCode",
    "EpcError",
    "EpcHeaderError",
    "ImpossibleDate",
    "InternalPattern",
    "InvalidInternalPattern",
    "MalformedDigitalLink",
    "MalformedElementString",
    "MalformedEpc",
    "OverlongPayload",
    "ParsedCode",
    "TruncatedEpc",
    "UnknownApplicationIdentifier",
    "normalize_separators",
    "parse_code",
]
