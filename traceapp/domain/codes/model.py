"""The typed result of parsing a scanned payload, and its JSON form for the CLI."""

from __future__ import annotations

import enum
from dataclasses import dataclass, fields
from datetime import date

from traceapp.domain.quantity import Quantity, format_decimal

JsonValue = str | int | None | dict[str, str]


class CodeKind(enum.StrEnum):
    GS1_ELEMENT_STRING = "gs1_element_string"
    GS1_DIGITAL_LINK = "gs1_digital_link"
    EPC_HEX = "epc_hex"
    EPC_URI = "epc_uri"
    RFID_UID = "rfid_uid"
    INTERNAL = "internal"
    PLAIN = "plain"


@dataclass(frozen=True, slots=True)
class ParsedCode:
    """What a payload says; fields a payload does not carry are None."""

    kind: CodeKind
    payload: str  # exactly as it arrived, before any trimming
    symbology: str | None = None  # AIM symbology identifier, e.g. "]d2"
    gtin: str | None = None  # GTIN-14 (AI 01, or from an SGTIN)
    lot: str | None = None  # AI 10, or an internal pattern's "lot" group
    serial: str | None = None  # AI 21, an SGTIN serial, or an internal pattern's "serial" group
    sscc: str | None = None  # AI 00, or from an SSCC EPC
    expiry: date | None = None  # AI 17; day 00 is the last day of the month
    best_before: date | None = None  # AI 15
    net_weight: Quantity | None = None  # AI 310n, in kg
    count: Quantity | None = None  # AI 30 or AI 37, in "ea"
    epc_uri: str | None = None  # pure-identity URI, e.g. urn:epc:id:sgtin:0614141.812345.6789
    epc_tag_uri: str | None = None  # e.g. urn:epc:tag:sgtin-96:3.0614141.812345.6789
    rfid_uid: str | None = None  # HF tag UID, upper-case hex without separators
    part: str | None = None  # an internal pattern's "part" group
    pattern: str | None = None  # name of the internal pattern that matched
    elements: tuple[tuple[str, str], ...] = ()  # every GS1 (AI, value), in payload order

    def to_json_dict(self) -> dict[str, JsonValue]:
        """Plain JSON values: dates as ISO text, quantities as {"value": "12.5", "unit": "kg"}."""
        result: dict[str, JsonValue] = {}
        for field in fields(self):
            result[field.name] = _to_json(getattr(self, field.name))
        return result


def _to_json(value: object) -> JsonValue:
    if value is None or isinstance(value, str | int):
        # CodeKind is a StrEnum; str() gives its plain value, not "CodeKind.PLAIN".
        return str(value) if isinstance(value, enum.Enum) else value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Quantity):
        return {"value": format_decimal(value.value), "unit": value.unit}
    if isinstance(value, tuple):
        return dict(value)
    raise TypeError(f"No JSON form for {type(value).__name__}")  # a new field without a mapping
