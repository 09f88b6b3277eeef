"""Reading EPCIS 2.0 documents: the shared examples, refusals that name the JSON path, the hash."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.reports.epcis_schema import EXAMPLE_NAMES, example
from traceapp.domain.epcis import (
    EpcisEvent,
    EpcisFormatError,
    QuantityElement,
    canonical_hash,
)
from traceapp.domain.epcis_identifiers import (
    IdentifierSettings,
    IdentifierStyle,
    ObjectKind,
    identify,
)
from traceapp.domain.epcis_parse import load_document, read_document
from traceapp.domain.errors import InvalidInput
from traceapp.domain.steps import Action, EventType

CONTEXT = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"]


def document(*events: dict[str, Any]) -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-03-01T08:00:00Z",
        "epcisBody": {"eventList": list(events)},
    }


def object_event(**fields: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventID": "urn:uuid:8a1c2b3d-0000-4000-8000-000000000001",
        "eventTime": "2026-03-01T08:00:00+01:00",
        "eventTimeZoneOffset": "+01:00",
        "action": "OBSERVE",
        "bizStep": "receiving",
        "quantityList": [
            {"epcClass": "urn:epc:class:lgtin:4012345.012345.L1", "quantity": 12.5, "uom": "KGM"}
        ],
    }
    event.update(fields)
    return event


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_every_shared_example_reads(name: str) -> None:
    parsed = load_document(example(name))
    raw = json.loads(example(name))
    assert len(parsed.events) == len(raw["epcisBody"]["eventList"])
    for event, source in zip(parsed.events, raw["epcisBody"]["eventList"], strict=True):
        assert event.type.value == source["type"]
        assert event.event_id == source.get("eventID")


def test_a_transformation_keeps_its_inputs_outputs_and_quantities() -> None:
    parsed = load_document(example("Example_9.6.4-TransformationEvent.jsonld"))
    (event,) = parsed.events
    assert event.type is EventType.TRANSFORMATION
    assert event.action is None
    assert "urn:epc:id:sgtin:4012345.011122.25" in event.input_epcs
    assert QuantityElement("urn:epc:class:lgtin:4012345.011111.4444", Decimal(10), "KGM") in (
        event.input_quantities
    )
    assert len(event.output_epcs) == 4
    # eventTime in UTC, the offset field kept as written
    assert event.event_time == datetime(2013, 10, 31, 14, 58, 56, 591000, tzinfo=UTC)
    assert event.time_zone_offset == "+02:00"


def test_sensor_reports_are_read_with_exact_decimals() -> None:
    (event,) = load_document(example("SensorDataExample1.jsonld")).events
    first = event.sensor_elements[0]
    assert first.device_id == "urn:epc:id:giai:4000001.111"
    assert first.reports[0].type == "Temperature"
    assert first.reports[0].value == Decimal("26.0")
    assert first.reports[1].uom == "A93"


@pytest.mark.parametrize(
    ("broken", "path"),
    [
        (lambda d: d["epcisBody"].pop("eventList"), "$.epcisBody.eventList"),
        (lambda d: d.update(type="EPCISThing"), "$.type"),
        (lambda d: d["epcisBody"]["eventList"][0].update(type="MagicEvent"), "[0].type"),
        (lambda d: d["epcisBody"]["eventList"][0].pop("eventTime"), "[0].eventTime"),
        (
            lambda d: d["epcisBody"]["eventList"][0].update(eventTime="yesterday"),
            "[0].eventTime",
        ),
        (
            lambda d: d["epcisBody"]["eventList"][0].update(eventTime="2026-03-01T08:00:00"),
            "[0].eventTime",
        ),
        (
            lambda d: d["epcisBody"]["eventList"][0].update(eventTimeZoneOffset="CET"),
            "[0].eventTimeZoneOffset",
        ),
        (lambda d: d["epcisBody"]["eventList"][0].update(action="MOVE"), "[0].action"),
        (
            lambda d: d["epcisBody"]["eventList"][0]["quantityList"][0].update(quantity="12"),
            "[0].quantityList[0].quantity",
        ),
        (
            lambda d: d["epcisBody"]["eventList"][0]["quantityList"][0].update(uom="kg"),
            "[0].quantityList[0].uom",
        ),
        (
            lambda d: d["epcisBody"]["eventList"][0]["quantityList"][0].pop("epcClass"),
            "[0].quantityList[0].epcClass",
        ),
        (
            lambda d: d["epcisBody"]["eventList"][0].update(epcList=["not a uri"]),
            "[0].epcList[0]",
        ),
        (
            lambda d: d["epcisBody"]["eventList"][0].update(readPoint="urn:epc:id:sgln:1.2.0"),
            "[0].readPoint",
        ),
        (
            lambda d: d["epcisBody"]["eventList"][0].update(bizTransactionList=[{"type": "po"}]),
            "[0].bizTransactionList[0].bizTransaction",
        ),
        (
            lambda d: d["epcisBody"]["eventList"][0].update(
                sensorElementList=[{"sensorReport": [{"value": True}]}]
            ),
            "[0].sensorElementList[0].sensorReport[0].value",
        ),
        (
            lambda d: d["epcisBody"]["eventList"][0]["quantityList"][0].update(quantity=1e13),
            "[0].quantityList[0].quantity",
        ),
    ],
)
def test_a_broken_field_is_refused_with_its_json_path(broken: Any, path: str) -> None:
    data = document(object_event())
    broken(data)
    with pytest.raises(EpcisFormatError) as refused:
        read_document(data)
    assert refused.value.path.endswith(path), refused.value.path
    assert refused.value.path.startswith("$")
    assert path.split(".")[-1].split("[")[0] in str(refused.value)
    assert "nothing of it was stored" in refused.value.hint


def test_not_json_is_refused_with_line_and_column() -> None:
    with pytest.raises(EpcisFormatError, match=r"line 2, column"):
        load_document(b'{"type":\n  "EPCISDocument",,}')


def test_an_aggregation_that_adds_needs_its_parent() -> None:
    event = object_event(
        type="AggregationEvent", action="ADD", childEPCs=["urn:epc:id:sgtin:1.2.3"]
    )
    event.pop("quantityList")
    with pytest.raises(EpcisFormatError) as refused:
        read_document(document(event))
    assert refused.value.path == "$.epcisBody.eventList[0].parentID"


@pytest.mark.parametrize(
    ("event", "path"),
    [
        (
            {"type": "AggregationEvent", "action": "ADD", "parentID": "urn:epc:id:sscc:1.2"},
            "childEPCs",
        ),
        ({"type": "TransactionEvent", "action": "ADD", "epcList": []}, "bizTransactionList"),
        (
            {"type": "TransformationEvent", "inputEPCList": ["urn:epc:id:sgtin:1.2.3"]},
            "outputEPCList",
        ),
        ({"type": "TransformationEvent"}, "inputEPCList"),
    ],
)
def test_lists_the_schema_requires_are_required(event: dict[str, Any], path: str) -> None:
    base = {
        "eventTime": "2026-03-01T08:00:00Z",
        "eventTimeZoneOffset": "+00:00",
    }
    with pytest.raises(EpcisFormatError) as refused:
        read_document(document({**base, **event}))
    assert refused.value.path == f"$.epcisBody.eventList[0].{path}"


def test_a_one_sided_transformation_needs_its_transformation_id() -> None:
    event = {
        "type": "TransformationEvent",
        "eventTime": "2026-03-01T08:00:00Z",
        "eventTimeZoneOffset": "+00:00",
        "outputQuantityList": [{"epcClass": "urn:epc:class:lgtin:4012345.012345.L1"}],
        "transformationID": "urn:uuid:8a1c2b3d-0000-4000-8000-000000000009",
    }
    (parsed,) = read_document(document(event)).events
    assert parsed.input_epcs == ()
    assert len(parsed.output_quantities) == 1


@pytest.mark.parametrize(
    "spelled",
    [
        "receiving",
        "urn:epcglobal:cbv:bizstep:receiving",
        "https://ref.gs1.org/cbv/BizStep-receiving",
    ],
)
def test_cbv_words_spelled_as_uris_read_as_the_bare_word(spelled: str) -> None:
    event = object_event(
        bizStep=spelled,
        disposition="urn:epcglobal:cbv:disp:in_progress",
        bizTransactionList=[
            {"type": "urn:epcglobal:cbv:btt:po", "bizTransaction": "urn:epcglobal:cbv:bt:1:2"}
        ],
        sourceList=[{"type": "https://ref.gs1.org/cbv/SDT-owning_party", "source": "urn:x:y"}],
    )
    (parsed,) = read_document(document(event)).events
    assert (parsed.biz_step, parsed.disposition) == ("receiving", "in_progress")
    assert parsed.biz_transactions[0].type == "po"
    assert parsed.sources[0].type == "owning_party"


def test_other_uris_for_steps_are_kept_as_they_are() -> None:
    (parsed,) = read_document(document(object_event(bizStep="urn:traceapp:bizstep:x"))).events
    assert parsed.biz_step == "urn:traceapp:bizstep:x"


def test_extension_fields_are_accepted_and_dropped() -> None:
    event = object_event(**{"example:myField": {"deep": [1, 2]}, "ilmd": {"x:y": "1"}})
    (parsed,) = read_document(document(event)).events
    assert parsed.action is Action.OBSERVE


# --- canonical hash ---------------------------------------------------------------------------


def _event() -> EpcisEvent:
    (parsed,) = read_document(
        document(
            object_event(
                epcList=["urn:epc:id:sgtin:4012345.012345.1", "urn:epc:id:sgtin:4012345.012345.2"],
                bizTransactionList=[
                    {"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:4012345000009:PO1"},
                    {"type": "desadv", "bizTransaction": "urn:epcglobal:cbv:bt:4012345000009:D7"},
                ],
            )
        )
    ).events
    return parsed


@given(
    st.permutations([0, 1]),
    st.permutations([0, 1]),
    st.integers(min_value=-14 * 60, max_value=14 * 60),
)
def test_the_hash_ignores_list_order_and_how_the_time_is_written(
    epc_order: list[int], transaction_order: list[int], shift_minutes: int
) -> None:
    event = _event()
    shown_in = timezone(timedelta(minutes=shift_minutes))
    respelled = replace(
        event,
        epc_list=tuple(event.epc_list[i] for i in epc_order),
        biz_transactions=tuple(event.biz_transactions[i] for i in transaction_order),
        event_time=event.event_time.astimezone(shown_in),
        quantity_list=tuple(replace(q, quantity=Decimal("12.500")) for q in event.quantity_list),
        event_id="urn:uuid:another-id-does-not-count",
    )
    assert canonical_hash(respelled) == canonical_hash(event)


@pytest.mark.parametrize(
    "change",
    [
        {"disposition": "damaged"},
        {"biz_step": "shipping"},
        {"read_point": "urn:epc:id:sgln:4012345.00001.0"},
        {"time_zone_offset": "+02:00"},
        {"epc_list": ("urn:epc:id:sgtin:4012345.012345.1",)},
    ],
)
def test_the_hash_changes_with_what_the_event_says(change: dict[str, Any]) -> None:
    event = _event()
    assert canonical_hash(replace(event, **change)) != canonical_hash(event)


def test_the_hash_changes_with_the_amount() -> None:
    event = _event()
    other = replace(
        event, quantity_list=(replace(event.quantity_list[0], quantity=Decimal("12.6")),)
    )
    assert canonical_hash(other) != canonical_hash(event)


# --- identifiers ----------------------------------------------------------------------------


def test_identifiers_say_what_they_name() -> None:
    lgtin = identify("urn:epc:class:lgtin:4012345.012345.998877")
    assert (lgtin.kind, lgtin.gtin, lgtin.lot) == (ObjectKind.CLASS, "04012345123456", "998877")
    sgtin = identify("https://id.gs1.org/01/70614141123451/21/2017")
    assert (sgtin.kind, sgtin.gtin, sgtin.serial) == (ObjectKind.INSTANCE, "70614141123451", "2017")
    sscc = identify("urn:epc:id:sscc:0614141.1234567890")
    assert (sscc.kind, sscc.sscc) == (ObjectKind.CONTAINER, "106141412345678908")
    assert identify("urn:epc:idpat:sgtin:4012345.066666.*").kind is ObjectKind.PATTERN
    assert identify("urn:epc:id:giai:4000001.12345").gtin is None


@pytest.mark.parametrize("style", list(IdentifierStyle))
def test_a_lot_identifier_reads_back_as_the_same_gtin_and_lot(style: IdentifierStyle) -> None:
    settings = IdentifierSettings(style=style, plant_domain="plant.example.com")
    built = settings.lot_class(
        part_number="FLOUR", lot_code="F/1 &2", gtin="04012345123456", prefix_length=7
    )
    facts = identify(built)
    assert (facts.gtin, facts.lot) == ("04012345123456", "F/1 &2")
    assert built.startswith("urn:epc:class:lgtin:" if style is IdentifierStyle.EPC else "https://")


def test_objects_without_a_gs1_key_get_plant_uris() -> None:
    settings = IdentifierSettings(plant_domain="plant.example.com")
    assert (
        settings.lot_class(part_number="DOUGH", lot_code="D 1", gtin=None, prefix_length=None)
        == "https://plant.example.com/lot/DOUGH/D%201"
    )
    assert (
        settings.container(code="PAL-7", sscc=None) == "https://plant.example.com/container/PAL-7"
    )


def test_a_plant_domain_with_a_scheme_or_path_is_refused() -> None:
    with pytest.raises(InvalidInput, match="not a domain"):
        IdentifierSettings(plant_domain="https://plant.example.com/x")


def test_documents_are_not_changed_by_reading() -> None:
    data = document(object_event())
    before = copy.deepcopy(data)
    read_document(data)
    assert data == before


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=30)
    | st.sampled_from(["urn:epc:id:sgtin:1.2.3", "2026-03-01T08:00:00Z", "+01:00", "ADD"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=3)
    ),
    max_leaves=8,
)
_KEYS = st.sampled_from(
    [
        "type",
        "eventID",
        "eventTime",
        "eventTimeZoneOffset",
        "action",
        "bizStep",
        "epcList",
        "quantityList",
        "readPoint",
        "parentID",
        "childEPCs",
        "inputEPCList",
        "outputQuantityList",
        "bizTransactionList",
        "sourceList",
        "sensorElementList",
        "errorDeclaration",
    ]
)


@given(st.dictionaries(_KEYS, json_values, max_size=5))
def test_any_damage_to_an_event_is_a_typed_refusal_or_a_reading(damage: dict[str, Any]) -> None:
    event = object_event()
    event.update(damage)
    path = None
    try:
        read_document(document(event))
    except EpcisFormatError as refused:  # anything else (TypeError, KeyError...) fails the test
        path = refused.path
    assert path is None or path.startswith("$.epcisBody.eventList[0]")


uri_like = st.one_of(
    st.text(max_size=40).map(lambda rest: "urn:x:" + rest),
    st.text(alphabet="abcxyz:/?#@%[]<>{}|^` \\äé0123456789AF.-_~!$&'()*+,;=", max_size=30).map(
        lambda rest: "https://h/" + rest
    ),
)


@settings(deadline=None)  # the first call builds the RFC 3987 grammar: seconds
@given(uri_like)
def test_what_the_parser_takes_as_a_uri_the_schema_takes_too(text: str) -> None:
    import jsonschema

    event = object_event(readPoint={"id": text})
    refused_at = None
    try:
        (parsed,) = read_document(document(event)).events
    except EpcisFormatError as refused:
        refused_at = refused.path
    if refused_at is not None:
        assert refused_at.endswith(".readPoint.id")
    else:
        assert parsed.read_point == text
        assert jsonschema.Draft7Validator.FORMAT_CHECKER.conforms(text, "uri")


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("bizStep", "mixing"),
        ("bizStep", "urn:epcglobal:cbv:bizstep:mixing"),
        ("disposition", "fine"),
    ],
)
def test_a_word_outside_the_vocabulary_that_is_no_uri_is_refused(key: str, value: str) -> None:
    with pytest.raises(EpcisFormatError) as refused:
        read_document(document(object_event(**{key: value})))
    assert refused.value.path == f"$.epcisBody.eventList[0].{key}"
