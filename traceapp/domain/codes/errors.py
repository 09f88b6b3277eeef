"""Typed errors for scanned payloads: each says what is wrong with the code and what to do."""

from __future__ import annotations

from traceapp.domain.errors import InvalidInput

RESCAN = (
    "Rescan the code; if the error repeats, the label is misprinted: set it aside and report it."
)


class CodeError(InvalidInput):
    """A scanned or typed payload is not a valid code. Not a bug: show it to the operator."""

    code = "invalid_code"


class EmptyCode(CodeError):
    """Nothing but whitespace arrived."""

    code = "empty_code"


class OverlongPayload(CodeError):
    """More characters than any label carries: a stuck key or a scanner in the wrong mode."""

    code = "overlong_payload"


class ControlCharacters(CodeError):
    """Invisible or control characters where a code has none (GS is allowed only in GS1 data)."""

    code = "control_characters"


class BadCheckDigit(CodeError):
    """A GTIN, SSCC or GLN whose check digit does not match its digits."""

    code = "bad_check_digit"


class ImpossibleDate(CodeError):
    """A GS1 date field that is no calendar date (month 13, 31 February, …)."""

    code = "impossible_date"


class UnknownApplicationIdentifier(CodeError):
    """Digits where a GS1 Application Identifier should start, but no AI has them."""

    code = "unknown_ai"


class MalformedElementString(CodeError):
    """A GS1 element string whose value breaks its AI's format (length, characters, repeats)."""

    code = "malformed_gs1"


class AmbiguousElementString(CodeError):
    """A variable-length GS1 field without its separator, so where it ends cannot be known."""

    code = "ambiguous_gs1"


class MalformedDigitalLink(CodeError):
    """A GS1 Digital Link URI whose path or query breaks the Digital Link syntax."""

    code = "malformed_digital_link"


class EpcError(CodeError):
    """An EPC (RFID tag memory or EPC URI) that cannot be decoded."""

    code = "invalid_epc"


class EpcHeaderError(EpcError):
    """The EPC header names a scheme this app does not decode, or no scheme at all."""

    code = "epc_header"


class TruncatedEpc(EpcError):
    """The EPC hex is shorter or longer than its header says."""

    code = "epc_length"


class MalformedEpc(EpcError):
    """The EPC's fields are impossible (partition 7, a company prefix too large, a bad serial)."""

    code = "malformed_epc"


class InvalidInternalPattern(CodeError):
    """A plant's internal code pattern is not a usable regular expression."""

    code = "invalid_internal_pattern"
