"""parse_code: any scanned payload to a typed identifier, or a CodeError saying what is wrong.

Order of readers. Forms that announce themselves come first and, once recognised, either parse or
raise: an AIM symbology identifier for GS1 data (]C1, ]e0, ]d2, ]Q3, ]J1), an EPC URI (urn:epc:),
a GS1 Digital Link (http(s) with a GS1 primary key in the path), the bracketed form "(01)…", and
any payload holding a GS separator. Then the plant's internal patterns, because the plant knows
its labels better than the guesses that follow: a raw element string (starting with a complete
AI 00, 01 or 02 key), EPC tag memory, an RFID UID (rules in rfid.py). Whatever is left is plain.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from biip import ParseError
from biip.gs1_element_strings import GS1ElementStrings
from biip.symbology import GS1Symbology, SymbologyIdentifier

from traceapp.domain.codes import digital_link, epc, gs1, rfid
from traceapp.domain.codes.errors import CodeError, MalformedElementString
from traceapp.domain.codes.internal import InternalPattern
from traceapp.domain.codes.model import CodeKind, ParsedCode
from traceapp.domain.codes.text import GS, clean_payload, refuse_separator
from traceapp.domain.quantity import Quantity

_SYMBOLOGY = re.compile(r"\][A-Za-z][0-9A-Za-z]", re.ASCII)
_GS1_SYMBOLOGIES = GS1Symbology.with_gs1_messages()
_AI_DIGITS = re.compile(r"[0-9]{2}", re.ASCII)
# A raw payload is taken for a GS1 element string when it opens with a whole primary key:
# AI 00 + 18 digits (SSCC), AI 01 or 02 + 14 digits (GTIN). Anything shorter is too likely to be a
# plain number that happens to begin with "01".
_RAW_GS1_START = re.compile(r"00[0-9]{18}|0[12][0-9]{14}", re.ASCII)
_WEIGHT_AI = "310"  # 3100-3105: net weight in kg, with n decimals
_COUNT_AIS = ("30", "37")
COMPANY_PREFIX_LENGTHS = range(6, 13)


def parse_code(
    payload: str,
    *,
    patterns: Sequence[InternalPattern] = (),
    company_prefix_length: int | None = None,
) -> ParsedCode:
    """Read a scanned or typed payload.

    `patterns` are the plant's internal label formats, tried in order. `company_prefix_length`
    (6-12) lets a GS1 GTIN + serial or SSCC be given its EPC URI; without it none is made, because
    the length cannot be read off the number.
    """
    if company_prefix_length is not None and company_prefix_length not in COMPANY_PREFIX_LENGTHS:
        raise CodeError(
            f"A GS1 company prefix has 6 to 12 digits, not {company_prefix_length}.",
            hint="Fix the company prefix length in the settings.",
        )
    text = clean_payload(payload)
    symbology, body = _split_symbology(text)
    if symbology is not None and symbology.gs1_symbology in _GS1_SYMBOLOGIES:
        elements = gs1.parse_bracketed(body) if gs1.looks_bracketed(body) else gs1.parse_raw(body)
        return _from_gs1(
            CodeKind.GS1_ELEMENT_STRING, payload, symbology, elements, company_prefix_length
        )
    if GS in body:
        if not _AI_DIGITS.match(body.lstrip(GS)):
            refuse_separator(body)
        elements = gs1.parse_raw(body)
        return _from_gs1(
            CodeKind.GS1_ELEMENT_STRING, payload, symbology, elements, company_prefix_length
        )
    if body[:8].lower() == "urn:epc:":
        return _from_epc(CodeKind.EPC_URI, payload, symbology, epc.parse_uri(body))
    if digital_link.looks_like_digital_link(body):
        elements = digital_link.parse_digital_link(body)
        return _from_gs1(
            CodeKind.GS1_DIGITAL_LINK, payload, symbology, elements, company_prefix_length
        )
    if gs1.looks_bracketed(body):
        elements = gs1.parse_bracketed(body)
        return _from_gs1(
            CodeKind.GS1_ELEMENT_STRING, payload, symbology, elements, company_prefix_length
        )
    for pattern in patterns:
        groups = pattern.match(body)
        if groups is not None:
            return ParsedCode(
                CodeKind.INTERNAL,
                payload,
                _symbology_text(symbology),
                part=groups["part"],
                lot=groups["lot"],
                serial=groups["serial"],
                pattern=pattern.name,
            )
    if _RAW_GS1_START.match(body):
        elements = gs1.parse_raw(body)
        return _from_gs1(
            CodeKind.GS1_ELEMENT_STRING, payload, symbology, elements, company_prefix_length
        )
    hex_digits = rfid.compact_hex(body)
    if hex_digits is not None and rfid.is_uid(hex_digits):
        return ParsedCode(
            CodeKind.RFID_UID, payload, _symbology_text(symbology), rfid_uid=hex_digits
        )
    if hex_digits is not None and rfid.is_epc(hex_digits):
        return _from_epc(CodeKind.EPC_HEX, payload, symbology, epc.decode_hex(hex_digits))
    return ParsedCode(CodeKind.PLAIN, payload, _symbology_text(symbology))


def _split_symbology(text: str) -> tuple[SymbologyIdentifier | None, str]:
    """The AIM symbology identifier (e.g. "]d2") and the data after it."""
    if not _SYMBOLOGY.match(text):
        return None, text
    try:
        symbology = SymbologyIdentifier.extract(text)
    except (ParseError, ValueError, IndexError):
        return None, text  # "]" + something no symbology uses: leave the text as it came
    body = text[len(symbology) :]
    if not body:
        raise MalformedElementString(
            f"The scan holds only the symbology identifier {symbology.value!r} and no data.",
            hint="Rescan the code.",
        )
    return symbology, body


def _symbology_text(symbology: SymbologyIdentifier | None) -> str | None:
    return symbology.value if symbology is not None else None


def _from_gs1(
    kind: CodeKind,
    payload: str,
    symbology: SymbologyIdentifier | None,
    elements: GS1ElementStrings,
    company_prefix_length: int | None,
) -> ParsedCode:
    by_ai = {element.ai.ai: element for element in elements}

    def value(ai: str) -> str | None:
        element = by_ai.get(ai)
        return element.value if element is not None else None

    gtin, serial, sscc = value("01"), value("21"), value("00")
    epc_uri = None
    if company_prefix_length is not None:
        if sscc is not None:
            epc_uri = epc.sscc_identity(sscc, company_prefix_length).pure_uri
        elif gtin is not None and serial is not None:
            epc_uri = epc.sgtin_from_gtin(gtin, serial, company_prefix_length).pure_uri
    expiry, best_before = by_ai.get("17"), by_ai.get("15")
    return ParsedCode(
        kind,
        payload,
        _symbology_text(symbology),
        gtin=gtin,
        lot=value("10"),
        serial=serial,
        sscc=sscc,
        expiry=expiry.date if expiry is not None else None,
        best_before=best_before.date if best_before is not None else None,
        net_weight=_net_weight(elements),
        count=_count(elements),
        epc_uri=epc_uri,
        elements=tuple((element.ai.ai, element.value) for element in elements),
    )


def _net_weight(elements: GS1ElementStrings) -> Quantity | None:
    element = elements.get(ai=_WEIGHT_AI)
    if element is None or element.decimal is None:
        return None
    # 310n has six digits and n <= 5 decimals, so the value always fits a Quantity.
    return Quantity.of(element.decimal, "kg")


def _count(elements: GS1ElementStrings) -> Quantity | None:
    element = next((e for e in elements if e.ai.ai in _COUNT_AIS), None)
    if element is None:
        return None
    if not element.value:  # biip's pattern for AI 30 allows no digits at all
        raise MalformedElementString(
            f"AI {element.ai} {element.ai.data_title} is empty.", hint="Rescan the code."
        )
    return Quantity.of(element.value, "ea")


def _from_epc(
    kind: CodeKind, payload: str, symbology: SymbologyIdentifier | None, identity: epc.EpcIdentity
) -> ParsedCode:
    return ParsedCode(
        kind,
        payload,
        _symbology_text(symbology),
        gtin=identity.gtin,
        serial=identity.serial,
        sscc=identity.sscc,
        epc_uri=identity.pure_uri,
        epc_tag_uri=identity.tag_uri,
    )
