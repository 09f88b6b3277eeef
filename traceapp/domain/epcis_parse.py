"""Read an EPCIS 2.0 JSON(-LD) document into `EpcisDocument`; every refusal names the JSON path.

Only what the app keeps is read (see `EpcisEvent`); extension fields (`example:myField`), ilmd,
persistentDisposition, certificationInfo and recordTime are accepted and dropped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import TypeVar, overload

from traceapp.domain import epcis_vocabulary as vocabulary
from traceapp.domain.epcis import (
    BizTransaction,
    EpcisDocument,
    EpcisEvent,
    EpcisFormatError,
    ErrorDeclarationInfo,
    QuantityElement,
    SensorElement,
    SensorReport,
    SourceDestination,
)
from traceapp.domain.steps import Action, EventType

MAX_URI = 512  # the identifier columns hold this much
MAX_WORD = 200  # bizStep, disposition, types
MAX_EVENTS = 100_000  # one document; a larger one should be split
# Numeric(18, 6) columns: twelve integer digits.
MAX_MAGNITUDE = Decimal(10) ** 12
_OFFSET = re.compile(r"[+-](?:0\d|1[0-4]):[0-5]\d")
_UOM = re.compile(r"[A-Z0-9]{2,3}")
# RFC 3986 characters only (what the schema's "uri" format accepts): unreserved, sub-delims,
# ":@/?", percent-escapes, one fragment; no spaces, no non-ASCII, no "<>{}|\\^`[]".
_URI_CHAR = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})"
_SCHEME = re.compile(rf"[A-Za-z][A-Za-z0-9+.\-]*:{_URI_CHAR}+(?:#{_URI_CHAR}*)?")
_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)", re.IGNORECASE)

T = TypeVar("T")
Json = object


def load_document(text: str | bytes) -> EpcisDocument:
    """Parse JSON text (numbers as exact decimals) and read it as an EPCIS document."""
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise EpcisFormatError(
            "$", f"not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None
    except (UnicodeDecodeError, RecursionError) as exc:
        raise EpcisFormatError("$", f"not readable JSON text ({type(exc).__name__})") from None
    return read_document(data)


def read_document(data: Json) -> EpcisDocument:
    root = _object(data, "$")
    kind = root.get("type")
    if kind == "EPCISDocument":
        body = _object(_required(root, "epcisBody", "$"), "$.epcisBody")
        events_path = "$.epcisBody.eventList"
        raw_events = _required(body, "eventList", "$.epcisBody")
    elif kind == "EPCISQueryDocument":
        body = _object(_required(root, "epcisBody", "$"), "$.epcisBody")
        results = _object(
            _required(body, "queryResults", "$.epcisBody"), "$.epcisBody.queryResults"
        )
        results_body = _object(
            _required(results, "resultsBody", "$.epcisBody.queryResults"),
            "$.epcisBody.queryResults.resultsBody",
        )
        events_path = "$.epcisBody.queryResults.resultsBody.eventList"
        raw_events = _required(results_body, "eventList", "$.epcisBody.queryResults.resultsBody")
    else:
        raise EpcisFormatError("$.type", f"expected 'EPCISDocument', found {_shown(kind)}")
    if "@context" not in root:
        raise EpcisFormatError("$", "the JSON-LD @context is missing")
    schema_version = root.get("schemaVersion")
    if schema_version is not None and str(schema_version) not in ("2.0", "2"):
        raise EpcisFormatError(
            "$.schemaVersion", f"this app reads EPCIS 2.0, not {_shown(schema_version)}"
        )
    items = _array(raw_events, events_path)
    if len(items) > MAX_EVENTS:
        raise EpcisFormatError(
            events_path, f"{len(items)} events; at most {MAX_EVENTS} per document"
        )
    events = tuple(_event(item, f"{events_path}[{i}]") for i, item in enumerate(items))
    creation = _time(_required(root, "creationDate", "$"), "$.creationDate")
    return EpcisDocument(
        events=events,
        creation_date=creation,
        document_id=_optional_text(root, "id", "$"),
        sender=_optional_text(root, "sender", "$"),
        receiver=_optional_text(root, "receiver", "$"),
    )


def _event(data: Json, path: str) -> EpcisEvent:
    event = _object(data, path)
    kind_text = _required(event, "type", path)
    try:
        kind = EventType(kind_text)  # type: ignore[arg-type]
    except ValueError:
        known = ", ".join(t.value for t in EventType)
        raise EpcisFormatError(
            f"{path}.type", f"{_shown(kind_text)} is not an event type this app reads ({known})"
        ) from None
    action = _action(event, path, kind)
    time_text = _required(event, "eventTime", path)
    offset = _text(_required(event, "eventTimeZoneOffset", path), f"{path}.eventTimeZoneOffset")
    if not _OFFSET.fullmatch(offset):
        raise EpcisFormatError(
            f"{path}.eventTimeZoneOffset", f"{offset!r} is not an offset like +01:00 or -06:00"
        )
    list_key, quantity_key = (
        ("childEPCs", "childQuantityList")
        if kind in (EventType.AGGREGATION, EventType.ASSOCIATION)
        else ("epcList", "quantityList")
    )
    if kind is EventType.TRANSFORMATION:
        list_key = quantity_key = ""
    parent = _optional_uri(event, "parentID", path)
    needs_parent = kind is EventType.ASSOCIATION or (
        kind is EventType.AGGREGATION and action is not Action.OBSERVE
    )
    if needs_parent and parent is None:
        raise EpcisFormatError(
            f"{path}.parentID", f"a {kind.value} with action {action} needs a parentID"
        )
    parsed = EpcisEvent(
        type=kind,
        event_time=_time(time_text, f"{path}.eventTime"),
        time_zone_offset=offset,
        event_id=_optional_uri(event, "eventID", path),
        action=action,
        biz_step=_optional_term(event, "bizStep", path, vocabulary.BIZ_STEPS),
        disposition=_optional_term(event, "disposition", path, vocabulary.DISPOSITIONS),
        read_point=_place(event, "readPoint", path),
        biz_location=_place(event, "bizLocation", path),
        parent_id=parent,
        epc_list=_epcs(event, list_key, path) if list_key else (),
        quantity_list=_quantities(event, quantity_key, path) if quantity_key else (),
        input_epcs=_epcs(event, "inputEPCList", path) if not list_key else (),
        input_quantities=_quantities(event, "inputQuantityList", path) if not list_key else (),
        output_epcs=_epcs(event, "outputEPCList", path) if not list_key else (),
        output_quantities=_quantities(event, "outputQuantityList", path) if not list_key else (),
        biz_transactions=_list(event, "bizTransactionList", path, _biz_transaction),
        sources=_list(event, "sourceList", path, _party("source")),
        destinations=_list(event, "destinationList", path, _party("destination")),
        sensor_elements=_list(event, "sensorElementList", path, _sensor_element),
        error_declaration=_declaration(event, path),
    )
    _check_required_lists(parsed, path, has_transformation_id="transformationID" in event)
    return parsed


def _check_required_lists(event: EpcisEvent, path: str, *, has_transformation_id: bool) -> None:
    """The lists the EPCIS schema requires to be non-empty, per event type."""
    if event.type in (EventType.AGGREGATION, EventType.ASSOCIATION):
        if not (event.epc_list or event.quantity_list):
            raise EpcisFormatError(
                f"{path}.childEPCs", f"a {event.type.value} needs childEPCs or childQuantityList"
            )
    elif event.type is EventType.TRANSACTION:
        if not event.biz_transactions:
            raise EpcisFormatError(
                f"{path}.bizTransactionList", "a TransactionEvent needs a business transaction"
            )
    elif event.type is EventType.TRANSFORMATION:
        inputs = bool(event.input_epcs or event.input_quantities)
        outputs = bool(event.output_epcs or event.output_quantities)
        if not (inputs or outputs) or (not (inputs and outputs) and not has_transformation_id):
            missing = "inputEPCList" if not inputs else "outputEPCList"
            raise EpcisFormatError(
                f"{path}.{missing}",
                "a TransformationEvent needs inputs and outputs (or a transformationID)",
            )


def _action(event: Mapping[str, Json], path: str, kind: EventType) -> Action | None:
    if kind is EventType.TRANSFORMATION:
        return None  # transformation events carry no action
    text = _required(event, "action", path)
    try:
        return Action(text)  # type: ignore[arg-type]
    except ValueError:
        raise EpcisFormatError(
            f"{path}.action", f"{_shown(text)} is not ADD, OBSERVE or DELETE"
        ) from None


def _epcs(event: Mapping[str, Json], key: str, path: str) -> tuple[str, ...]:
    if key not in event:
        return ()
    items = _array(event[key], f"{path}.{key}")
    values = tuple(_uri(item, f"{path}.{key}[{i}]") for i, item in enumerate(items))
    if len(set(values)) != len(values):
        twice = next(v for v in values if values.count(v) > 1)
        raise EpcisFormatError(f"{path}.{key}", f"{twice!r} is listed twice")
    return values


def _quantities(event: Mapping[str, Json], key: str, path: str) -> tuple[QuantityElement, ...]:
    return _list(event, key, path, _quantity)


def _quantity(data: Json, path: str) -> QuantityElement:
    item = _object(data, path)
    amount = item.get("quantity")
    uom = _optional_text(item, "uom", path)
    if uom is not None and not _UOM.fullmatch(uom):
        raise EpcisFormatError(f"{path}.uom", f"{uom!r} is not a UN/CEFACT unit code like KGM")
    return QuantityElement(
        epc_class=_uri(_required(item, "epcClass", path), f"{path}.epcClass"),
        quantity=None if amount is None else _number(amount, f"{path}.quantity"),
        uom=uom,
    )


def _biz_transaction(data: Json, path: str) -> BizTransaction:
    item = _object(data, path)
    return BizTransaction(
        value=_uri(_required(item, "bizTransaction", path), f"{path}.bizTransaction"),
        type=_optional_term(item, "type", path, vocabulary.BIZ_TRANSACTION_TYPES),
    )


def _party(key: str) -> Callable[[Json, str], SourceDestination]:
    def read(data: Json, path: str) -> SourceDestination:
        item = _object(data, path)
        return SourceDestination(
            type=_term(
                _required(item, "type", path),
                f"{path}.type",
                vocabulary.SOURCE_DESTINATION_TYPES,
            ),
            value=_uri(_required(item, key, path), f"{path}.{key}"),
        )

    return read


def _sensor_element(data: Json, path: str) -> SensorElement:
    item = _object(data, path)
    meta_path = f"{path}.sensorMetadata"
    meta = _object(item.get("sensorMetadata", {}), meta_path)
    reports = _list(item, "sensorReport", path, _sensor_report, required=True)
    return SensorElement(
        reports=reports,
        time=_optional_time(meta, "time", meta_path),
        start_time=_optional_time(meta, "startTime", meta_path),
        end_time=_optional_time(meta, "endTime", meta_path),
        device_id=_optional_uri(meta, "deviceID", meta_path),
        device_metadata=_optional_uri(meta, "deviceMetadata", meta_path),
        raw_data=_optional_uri(meta, "rawData", meta_path),
        data_processing_method=_optional_uri(meta, "dataProcessingMethod", meta_path),
        biz_rules=_optional_uri(meta, "bizRules", meta_path),
    )


def _sensor_report(data: Json, path: str) -> SensorReport:
    item = _object(data, path)
    boolean = item.get("booleanValue")
    if boolean is not None and not isinstance(boolean, bool):
        raise EpcisFormatError(f"{path}.booleanValue", f"{_shown(boolean)} is not true or false")
    uom = _optional_text(item, "uom", path)
    if uom is not None and not _UOM.fullmatch(uom):
        raise EpcisFormatError(f"{path}.uom", f"{uom!r} is not a UN/CEFACT unit code like CEL")

    def number(key: str) -> Decimal | None:
        return None if item.get(key) is None else _number(item[key], f"{path}.{key}")

    return SensorReport(
        type=_optional_term(item, "type", path, vocabulary.MEASUREMENT_TYPES, web=True),
        exception=_optional_term(item, "exception", path, vocabulary.SENSOR_ALERT_TYPES, web=True),
        device_id=_optional_uri(item, "deviceID", path),
        time=_optional_time(item, "time", path),
        value=number("value"),
        min_value=number("minValue"),
        max_value=number("maxValue"),
        mean_value=number("meanValue"),
        s_dev=number("sDev"),
        perc_rank=number("percRank"),
        perc_value=number("percValue"),
        uom=uom,
        component=_optional_term(item, "component", path, vocabulary.COMPONENTS),
        string_value=_optional_text(item, "stringValue", path),
        boolean_value=boolean,
        uri_value=_optional_uri(item, "uriValue", path),
        microorganism=_optional_uri(item, "microorganism", path),
        chemical_substance=_optional_uri(item, "chemicalSubstance", path),
    )


def _declaration(event: Mapping[str, Json], path: str) -> ErrorDeclarationInfo | None:
    if event.get("errorDeclaration") is None:
        return None
    here = f"{path}.errorDeclaration"
    item = _object(event["errorDeclaration"], here)
    ids = _array(item.get("correctiveEventIDs", []), f"{here}.correctiveEventIDs")
    return ErrorDeclarationInfo(
        declaration_time=_time(_required(item, "declarationTime", here), f"{here}.declarationTime"),
        reason=_optional_term(item, "reason", here, vocabulary.ERROR_REASONS),
        corrective_event_ids=tuple(
            _uri(value, f"{here}.correctiveEventIDs[{i}]") for i, value in enumerate(ids)
        ),
    )


# CBV words spelled as URIs (EPCIS 1.x URNs, the GS1 web vocabulary): the JSON form is the bare
# word, which the EPCIS 2.0 context expands to the same URI. Other URIs are kept as they are.
_CBV_URI = re.compile(
    r"(?:urn:epcglobal:cbv:(?:bizstep|disp|btt|sdt|er):"
    r"|https?://ref\.gs1\.org/cbv/(?:BizStep|Disp|BTT|SDT|ER)-"
    r"|https?://ns\.gs1\.org/cbv/(?:BizStep|Disp|BTT|SDT|ER)-)([a-z_]+)"
)


@overload
def _cbv(word: str) -> str: ...
@overload
def _cbv(word: None) -> None: ...
def _cbv(word: str | None) -> str | None:
    if word is None:
        return None
    match = _CBV_URI.fullmatch(word)
    return match.group(1) if match else word


def _term(value: Json, path: str, words: frozenset[str], *, web: bool = False) -> str:
    """A vocabulary word, bare (CBV spelled as a URI is read as its word), or another URI."""
    text = _cbv(_word(value, path, limit=MAX_URI))
    if text in words:
        return text
    reserved = vocabulary.WEB_VOCABULARY_NAMESPACES if web else vocabulary.CBV_NAMESPACES
    if _SCHEME.fullmatch(text) and not text.startswith(reserved):
        return text
    raise EpcisFormatError(
        path, f"{text!r} is neither a standard word here nor a URI of your own vocabulary"
    )


def _optional_term(
    item: Mapping[str, Json], key: str, path: str, words: frozenset[str], *, web: bool = False
) -> str | None:
    if item.get(key) is None:
        return None
    return _term(item[key], f"{path}.{key}", words, web=web)


# --- field readers: each names the path of what it refuses ------------------------------------


def _shown(value: Json) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _object(value: Json, path: str) -> Mapping[str, Json]:
    if not isinstance(value, dict):
        raise EpcisFormatError(path, f"expected an object, found {_shown(value)}")
    return value


def _array(value: Json, path: str) -> Sequence[Json]:
    if not isinstance(value, list):
        raise EpcisFormatError(path, f"expected a list, found {_shown(value)}")
    return value


def _required(item: Mapping[str, Json], key: str, path: str) -> Json:
    if item.get(key) is None:
        raise EpcisFormatError(f"{path}.{key}", "is missing")
    return item[key]


def _list(
    item: Mapping[str, Json],
    key: str,
    path: str,
    read: Callable[[Json, str], T],
    *,
    required: bool = False,
) -> tuple[T, ...]:
    if item.get(key) is None:
        if required:
            raise EpcisFormatError(f"{path}.{key}", "is missing")
        return ()
    values = _array(item[key], f"{path}.{key}")
    return tuple(read(value, f"{path}.{key}[{i}]") for i, value in enumerate(values))


def _text(value: Json, path: str, *, limit: int = 4000) -> str:
    if not isinstance(value, str):
        raise EpcisFormatError(path, f"expected text, found {_shown(value)}")
    if not value.strip():
        raise EpcisFormatError(path, "is empty")
    if len(value) > limit:
        raise EpcisFormatError(path, f"is {len(value)} characters long; at most {limit}")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise EpcisFormatError(path, "contains control characters")
    return value


def _optional_text(item: Mapping[str, Json], key: str, path: str) -> str | None:
    return None if item.get(key) is None else _text(item[key], f"{path}.{key}")


def _word(value: Json, path: str, *, limit: int = MAX_WORD) -> str:
    return _text(value, path, limit=limit)


def _optional_word(
    item: Mapping[str, Json], key: str, path: str, *, limit: int = MAX_WORD
) -> str | None:
    return None if item.get(key) is None else _word(item[key], f"{path}.{key}", limit=limit)


def _uri(value: Json, path: str) -> str:
    text = _text(value, path, limit=MAX_URI)
    if not _SCHEME.fullmatch(text):
        raise EpcisFormatError(
            path,
            f"{text!r} is not a URI (e.g. urn:epc:id:sgtin:... or https://...; spaces and"
            " characters outside ASCII are percent-encoded)",
        )
    return text


def _optional_uri(item: Mapping[str, Json], key: str, path: str) -> str | None:
    return None if item.get(key) is None else _uri(item[key], f"{path}.{key}")


def _place(item: Mapping[str, Json], key: str, path: str) -> str | None:
    if item.get(key) is None:
        return None
    place = _object(item[key], f"{path}.{key}")
    return _uri(_required(place, "id", f"{path}.{key}"), f"{path}.{key}.id")


def _number(value: Json, path: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise EpcisFormatError(path, f"expected a number, found {_shown(value)}")
    try:
        number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        raise EpcisFormatError(path, f"{_shown(value)} is not a number") from None
    if not number.is_finite() or abs(number) >= MAX_MAGNITUDE:
        raise EpcisFormatError(path, f"{value} is out of range (at most twelve integer digits)")
    return number


def _time(value: Json, path: str) -> datetime:
    text = _text(value, path, limit=64)
    moment: datetime | None = None
    if _TIME.fullmatch(text):
        try:
            moment = datetime.fromisoformat(_six_fraction_digits(text))
        except ValueError:
            moment = None
    if moment is None or moment.tzinfo is None:
        raise EpcisFormatError(
            path, f"{text!r} is not a date and time with an offset (2026-03-01T08:00:00+01:00)"
        )
    return moment


def _six_fraction_digits(text: str) -> str:
    """Python reads at most six fraction digits; EPCIS allows more (and 'Z')."""
    text = re.sub(r"[zZ]$", "+00:00", text)
    return re.sub(r"\.(\d+)", lambda m: "." + (m.group(1) + "000000")[:6], text, count=1)


def _optional_time(item: Mapping[str, Json], key: str, path: str) -> datetime | None:
    return None if item.get(key) is None else _time(item[key], f"{path}.{key}")
