"""GS1 element strings, raw (GS-separated) or bracketed, read by biip and checked for typed errors.

biip does the reading: AI table, value patterns, dates, check-digit arithmetic. This module only
drives it one element at a time so that every failure becomes a typed `CodeError`, and adds the
one thing biip leaves to its caller: refusing payloads whose field boundaries are a guess.

The ambiguity rule, precisely. Fields are fixed-length (GS1's predefined-length table: AIs 00-04,
11-20, 31-36, 41) or variable-length (everything else, e.g. 10 lot, 21 serial, 30 count).

R1. In a raw payload, a variable-length field that is followed by another field must end with GS.
    If it does not, the field ran to its maximum length and the next characters were taken as a new
    AI: either the value is too long or a separator was lost. Refused as ambiguous.
R2. A payload that contains no GS at all can still have lost one: "…10ABC17251231" reads as lot
    "ABC17251231". So when the last field is variable-length and the payload has no GS, every
    proper suffix of its value is tried: if one reads completely and validly as element strings
    whose first field is fixed-length with at least MIN_HIDDEN_FIELD_LENGTH characters (a date, a
    weight, a GTIN with a good check digit, …), the payload is refused as ambiguous. A payload
    that uses GS anywhere shows its encoder terminates fields, so its last field is trusted.

What R2 cannot see: a variable field swallowed into another ("10ABC21XYZ" is lot "ABC21XYZ"),
because "ABC21XYZ" is a perfectly good lot and refusing every lot containing "21" or "10" would
refuse real labels. Bracketed and Digital Link forms delimit every field, so neither rule applies.
"""

from __future__ import annotations

import re

from biip import ParseConfig, ParseError
from biip.checksums import gs1_standard_check_digit
from biip.gs1_application_identifiers import GS1ApplicationIdentifier
from biip.gs1_element_strings import GS1ElementString, GS1ElementStrings

from traceapp.domain.codes.errors import (
    RESCAN,
    AmbiguousElementString,
    BadCheckDigit,
    CodeError,
    ImpossibleDate,
    MalformedElementString,
    UnknownApplicationIdentifier,
)
from traceapp.domain.codes.text import GS

# Dates are verified here rather than by biip, so that a bad one raises ImpossibleDate, not a
# generic parse error.
LENIENT = ParseConfig(gs1_element_strings_verify_date=False)
# A hidden fixed-length field needs this many characters before R2 believes in it: every
# predefined-length field but AI 20 (two digits, which "L2024" would match) has at least six.
MIN_HIDDEN_FIELD_LENGTH = 6
_AI_START = re.compile(r"[0-9]{2}", re.ASCII)
_BRACKETED = re.compile(r"\(([0-9]{2,4})\)([^(]*)", re.ASCII)
_DATE_AI = re.compile(r"\(YYMMDD")  # AI descriptions such as "Expiration date (YYMMDD)"
_FORMAT_LENGTHS = re.compile(r"[A-Z](?:\.\.)?([0-9]+)")
_SEPARATOR_HINT = (
    "Configure the scanner to transmit FNC1 as GS (ASCII 29) or to send AIM symbology"
    " identifiers, then rescan; or type the code in its bracketed form, e.g. (01)…(10)…"
)


def looks_bracketed(text: str) -> bool:
    """Bracketed human-readable form: "(01)09506000134352(10)ABC"."""
    return _BRACKETED.match(text) is not None


def parse_raw(body: str) -> GS1ElementStrings:
    """Read a raw element string (FNC1/GS separated), refusing ambiguous field boundaries."""
    _require_ascii(body)
    elements = _split(body)
    validate(elements)
    if GS not in body:
        _refuse_hidden_fields(elements[-1])
    return elements


def parse_bracketed(text: str) -> GS1ElementStrings:
    """Read "(01)09506000134352(10)ABC(17)251231"; spaces between parts are allowed."""
    # Printed HRI is often spaced for reading ("(01) 09506000134352"); GS1 values never hold spaces.
    compact = "".join(text.split())
    _require_ascii(compact)
    elements = GS1ElementStrings()
    position = 0
    while position < len(compact):
        match = _BRACKETED.match(compact, position)
        if match is None:
            raise MalformedElementString(
                f"Expected '(AI)' at position {position + 1} of {text!r}.",
                hint="Write the code as (AI)value(AI)value, e.g. (01)09506000134352(10)ABC.",
            )
        elements.append(parse_one(match.group(1), match.group(2)))
        position = match.end()
    validate(elements)
    return elements


def parse_one(ai_digits: str, value: str) -> GS1ElementString:
    """One element whose AI and value are delimited already (bracketed or Digital Link form)."""
    ai = _application_identifier(ai_digits, ai_digits)
    if ai.ai != ai_digits:
        raise _unknown_ai(ai_digits)
    try:
        return GS1ElementString.parse(f"{ai_digits}{value}", config=LENIENT)
    except (ParseError, ArithmeticError, ValueError):
        raise _value_error(ai, value) from None


def is_application_identifier(text: str) -> bool:
    """Whether the text is exactly one AI of the GS1 table (not merely starts with one)."""
    try:
        return GS1ApplicationIdentifier.extract(text).ai == text
    except ParseError:
        return False


def validate(elements: GS1ElementStrings) -> None:
    """Check what biip records but does not raise: check digits, dates, conflicting repeats."""
    seen: dict[str, str] = {}
    for element in elements:
        _require_ascii(element.value)
        if element.gtin_error or element.sscc_error or element.gln_error:
            raise _check_digit_error(element)
        if element.date is None and _DATE_AI.search(element.ai.description):
            raise _impossible_date(element.ai, element.value)
        previous = seen.setdefault(element.ai.ai, element.value)
        if previous != element.value:
            raise MalformedElementString(
                f"AI {element.ai} appears twice, with {previous!r} and {element.value!r}.",
                hint=RESCAN,
            )


def _split(body: str) -> GS1ElementStrings:
    elements = GS1ElementStrings()
    position = _skip_separators(body, 0)  # some scanners send FNC1-in-first-position as GS
    if position == len(body):
        raise MalformedElementString("The GS1 code holds only separators.", hint=RESCAN)
    while position < len(body):
        element = _extract(body[position:], position)
        position += len(element)
        if element.ai.separator_required and position < len(body) and body[position] != GS:
            raise _unterminated(element, body[position:])
        elements.append(element)
        position = _skip_separators(body, position)
    return elements


def _skip_separators(body: str, position: int) -> int:
    while position < len(body) and body[position] == GS:
        position += 1
    return position


def _extract(rest: str, position: int) -> GS1ElementString:
    if not _AI_START.match(rest):
        raise UnknownApplicationIdentifier(
            f"Expected a GS1 Application Identifier (digits) at position {position + 1},"
            f" found {rest[:4]!r}.",
            hint=_SEPARATOR_HINT,
        )
    ai = _application_identifier(rest, rest[:4])
    try:
        return GS1ElementString.extract(rest, config=LENIENT)
    except (ParseError, ArithmeticError, ValueError):
        raise _value_error(ai, rest[len(ai) :].split(GS, 1)[0]) from None


def _application_identifier(text: str, shown: str) -> GS1ApplicationIdentifier:
    try:
        return GS1ApplicationIdentifier.extract(text)
    except ParseError:
        raise _unknown_ai(shown) from None


def _unknown_ai(shown: str) -> UnknownApplicationIdentifier:
    return UnknownApplicationIdentifier(
        f"No GS1 Application Identifier starts with {shown!r}.",
        hint="Check the code; if it came from a scanner, a GS separator may have been lost. "
        + _SEPARATOR_HINT,
    )


def _value_error(ai: GS1ApplicationIdentifier, value: str) -> CodeError:
    if _DATE_AI.search(ai.description) and re.match(r"[0-9]{6}", value, re.ASCII):
        return _impossible_date(ai, value)
    wanted = ai.format.split("+", 1)[-1]
    return MalformedElementString(
        f"AI {ai} {ai.data_title} must be {wanted}; got {value!r}.",
        hint="N is a digit, X a letter, digit or GS1 sign; ..n means up to n of them. " + RESCAN,
    )


def _impossible_date(ai: GS1ApplicationIdentifier, value: str) -> ImpossibleDate:
    return ImpossibleDate(
        f"AI {ai} {ai.data_title} holds {value[:6]!r}, which is not a calendar date (YYMMDD).",
        hint="Day 00 means the last day of the month; the month must be 01-12. " + RESCAN,
    )


def _check_digit_error(element: GS1ElementString) -> CodeError:
    value = element.value
    expected = gs1_standard_check_digit(value[:-1])
    if str(expected) == value[-1]:  # not a check-digit problem after all; keep biip's words
        reason = element.gtin_error or element.sscc_error or element.gln_error
        return MalformedElementString(f"AI {element.ai}: {reason}", hint=RESCAN)
    return BadCheckDigit(
        f"The {element.ai.data_title} {value} in AI {element.ai} ends in check digit"
        f" {value[-1]}, but its digits give {expected}.",
        hint=RESCAN,
    )


def _max_length(ai: GS1ApplicationIdentifier) -> int:
    """Longest value the AI allows, from its format, e.g. "N2+X..20" -> 20."""
    data_part = ai.format.split("+", 1)[-1]
    return sum(int(length) for length in _FORMAT_LENGTHS.findall(data_part))


def _unterminated(element: GS1ElementString, following: str) -> CodeError:
    if len(element.value) < _max_length(element.ai):
        # biip stopped before the maximum, so the next character cannot belong to this field.
        return MalformedElementString(
            f"AI {element.ai} {element.ai.data_title} {element.value!r} is followed by"
            f" {following[:1]!r}, which it may not contain.",
            hint=RESCAN,
        )
    return AmbiguousElementString(
        f"AI {element.ai} {element.ai.data_title} ran to its maximum length ({element.value!r})"
        f" and {following[:10]!r} follows without a GS separator: the field is either too long"
        " or its separator was lost.",
        hint=_SEPARATOR_HINT,
    )


def _refuse_hidden_fields(last: GS1ElementString) -> None:
    """Rule R2 (module docstring): a separator-less variable field must not hide a fixed one."""
    if not last.ai.separator_required:
        return
    value = last.value
    for start in range(1, len(value) - 1):
        if _reads_as_fixed_fields(value[start:]):
            raise AmbiguousElementString(
                f"AI {last.ai} {last.ai.data_title} {value!r} may end with further fields"
                f" ({value[start:]!r}); without a GS separator it cannot be told where it ends.",
                hint=_SEPARATOR_HINT,
            )


def _reads_as_fixed_fields(text: str) -> bool:
    if not _AI_START.match(text):
        return False
    try:
        elements = _split(text)
        validate(elements)
    except CodeError:
        return False
    first = elements[0]
    return not first.ai.separator_required and len(first.value) >= MIN_HIDDEN_FIELD_LENGTH


def _require_ascii(text: str) -> None:
    # biip's patterns use \d, which also matches Arabic-Indic and other non-ASCII digits.
    if not text.isascii():
        raise MalformedElementString(
            f"The GS1 code {text[:40]!r} contains non-ASCII characters; GS1 codes never do.",
            hint=RESCAN,
        )
