"""Build an EPCIS 2.0 JSON-LD document (a plain dict) from frozen `EpcisEvent`s, and its text."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from traceapp.domain.epcis import (
    EPCIS_CONTEXT,
    SCHEMA_VERSION,
    EpcisDocument,
    EpcisEvent,
    QuantityElement,
    SensorElement,
    SensorReport,
    SourceDestination,
)
from traceapp.domain.steps import EventType

JsonObject = dict[str, object]


def _time(moment: datetime) -> str:
    return moment.isoformat()


def _number(value: Decimal) -> int | float:
    """A JSON number: exact for integers; a quantity's six decimals survive a float's 15 digits."""
    return int(value) if value == value.to_integral_value() else float(value)


def _quantities(items: Iterable[QuantityElement]) -> list[JsonObject]:
    out: list[JsonObject] = []
    for item in items:
        element: JsonObject = {"epcClass": item.epc_class}
        if item.quantity is not None:
            element["quantity"] = _number(item.quantity)
        if item.uom is not None:
            element["uom"] = item.uom
        out.append(element)
    return out


def _parties(items: Iterable[SourceDestination], key: str) -> list[JsonObject]:
    return [{"type": item.type, key: item.value} for item in items]


_REPORT_FIELDS = (
    ("type", "type"),
    ("exception", "exception"),
    ("device_id", "deviceID"),
    ("time", "time"),
    ("value", "value"),
    ("min_value", "minValue"),
    ("max_value", "maxValue"),
    ("mean_value", "meanValue"),
    ("s_dev", "sDev"),
    ("perc_rank", "percRank"),
    ("perc_value", "percValue"),
    ("uom", "uom"),
    ("component", "component"),
    ("string_value", "stringValue"),
    ("boolean_value", "booleanValue"),
    ("uri_value", "uriValue"),
    ("microorganism", "microorganism"),
    ("chemical_substance", "chemicalSubstance"),
)
_META_FIELDS = (
    ("time", "time"),
    ("device_id", "deviceID"),
    ("device_metadata", "deviceMetadata"),
    ("raw_data", "rawData"),
    ("start_time", "startTime"),
    ("end_time", "endTime"),
    ("data_processing_method", "dataProcessingMethod"),
    ("biz_rules", "bizRules"),
)


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return _time(value)
    if isinstance(value, Decimal):
        return _number(value)
    return value


def _fields(source: SensorReport | SensorElement, names: tuple[tuple[str, str], ...]) -> JsonObject:
    out: JsonObject = {}
    for attribute, key in names:
        value = getattr(source, attribute)
        if value is not None:
            out[key] = _plain(value)
    return out


def _sensor_elements(elements: Iterable[SensorElement]) -> list[JsonObject]:
    out: list[JsonObject] = []
    for element in elements:
        item: JsonObject = {}
        meta = _fields(element, _META_FIELDS)
        if meta:
            item["sensorMetadata"] = meta
        item["sensorReport"] = [_fields(report, _REPORT_FIELDS) for report in element.reports]
        out.append(item)
    return out


def event_json(event: EpcisEvent) -> JsonObject:
    """One event in EPCIS 2.0 JSON; empty lists and absent fields are left out."""
    out: JsonObject = {"type": event.type.value}
    if event.event_id is not None:
        out["eventID"] = event.event_id
    out["eventTime"] = _time(event.event_time)
    out["eventTimeZoneOffset"] = event.time_zone_offset
    if event.error_declaration is not None:
        declaration: JsonObject = {
            "declarationTime": _time(event.error_declaration.declaration_time)
        }
        if event.error_declaration.reason is not None:
            declaration["reason"] = event.error_declaration.reason
        if event.error_declaration.corrective_event_ids:
            declaration["correctiveEventIDs"] = list(event.error_declaration.corrective_event_ids)
        out["errorDeclaration"] = declaration
    if event.parent_id is not None:
        out["parentID"] = event.parent_id
    grouped = event.type in (EventType.AGGREGATION, EventType.ASSOCIATION)
    list_key, quantity_key = (
        ("childEPCs", "childQuantityList") if grouped else ("epcList", "quantityList")
    )
    if event.type is EventType.TRANSFORMATION:
        has_inputs = bool(event.input_epcs or event.input_quantities)
        has_outputs = bool(event.output_epcs or event.output_quantities)
        if not (has_inputs and has_outputs) and event.event_id is not None:
            # EPCIS wants inputs and outputs, or a transformationID tying one-sided events
            # together: a lot made from nothing recorded gets its own event's ID.
            out["transformationID"] = event.event_id
        for key, epcs, quantities in (
            ("input", event.input_epcs, event.input_quantities),
            ("output", event.output_epcs, event.output_quantities),
        ):
            if epcs:
                out[f"{key}EPCList"] = list(epcs)
            if quantities:
                out[f"{key}QuantityList"] = _quantities(quantities)
    else:
        # An object or transaction event needs an epcList or a quantityList: an empty epcList
        # says "no instances" where there are no quantities either.
        if event.epc_list or not event.quantity_list:
            out[list_key] = list(event.epc_list)
        if event.quantity_list:
            out[quantity_key] = _quantities(event.quantity_list)
    if event.action is not None:
        out["action"] = event.action.value
    if event.biz_step is not None:
        out["bizStep"] = event.biz_step
    if event.disposition is not None:
        out["disposition"] = event.disposition
    if event.read_point is not None:
        out["readPoint"] = {"id": event.read_point}
    if event.biz_location is not None:
        out["bizLocation"] = {"id": event.biz_location}
    if event.biz_transactions:
        out["bizTransactionList"] = [
            {"type": t.type, "bizTransaction": t.value}
            if t.type is not None
            else {"bizTransaction": t.value}
            for t in event.biz_transactions
        ]
    if event.sources:
        out["sourceList"] = _parties(event.sources, "source")
    if event.destinations:
        out["destinationList"] = _parties(event.destinations, "destination")
    if event.sensor_elements:
        out["sensorElementList"] = _sensor_elements(event.sensor_elements)
    return out


def document_json(document: EpcisDocument) -> JsonObject:
    """The whole EPCISDocument, ready for `json.dumps`."""
    out: JsonObject = {
        "@context": [EPCIS_CONTEXT],
        "type": "EPCISDocument",
        "schemaVersion": SCHEMA_VERSION,
        "creationDate": _time(document.creation_date),
    }
    if document.document_id is not None:
        out["id"] = document.document_id
    if document.sender is not None:
        out["sender"] = document.sender
    if document.receiver is not None:
        out["receiver"] = document.receiver
    out["epcisBody"] = {"eventList": [event_json(event) for event in document.events]}
    return out


def dumps_document(document: EpcisDocument) -> str:
    """The document as indented JSON text (UTF-8 safe, ends with a newline)."""
    return json.dumps(document_json(document), indent=2, ensure_ascii=False) + "\n"
