"""EPCIS JSON-LD documents built from domain events: every type validates and reads back the same."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.domain.test_epcis_parse import _KEYS, document, json_values, object_event
from tests.reports.epcis_schema import EXAMPLE_NAMES, example, schema_errors
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
    canonical_hash,
)
from traceapp.domain.epcis_parse import load_document, read_document
from traceapp.domain.steps import Action, EventType
from traceapp.reports.epcis import document_json, dumps_document

PLUS_ONE = timezone(timedelta(hours=1))
AT = datetime(2026, 3, 2, 9, 30, 15, 250000, tzinfo=PLUS_ONE)
LOT = "urn:epc:class:lgtin:4012345.012345.L-1"
SSCC = "urn:epc:id:sscc:4012345.0000000017"


def _events() -> list[EpcisEvent]:
    common = {"event_time": AT, "time_zone_offset": "+01:00"}
    return [
        EpcisEvent(
            type=EventType.OBJECT,
            event_id="urn:uuid:019c0000-0000-7000-8000-000000000001",
            action=Action.OBSERVE,
            biz_step="receiving",
            disposition="in_progress",
            read_point="https://plant.example.com/location/RCV1",
            biz_location="https://plant.example.com/location/SITE1",
            quantity_list=(QuantityElement(LOT, Decimal("250.5"), "KGM"),),
            biz_transactions=(BizTransaction("https://plant.example.com/po/PO-1", "po"),),
            sources=(SourceDestination("owning_party", "https://plant.example.com/party/MILL"),),
            **common,
        ),
        EpcisEvent(
            type=EventType.AGGREGATION,
            event_id="urn:uuid:019c0000-0000-7000-8000-000000000002",
            action=Action.ADD,
            biz_step="packing",
            disposition="in_progress",
            parent_id=SSCC,
            quantity_list=(QuantityElement(LOT, Decimal(40), "KGM"),),
            **common,
        ),
        EpcisEvent(
            type=EventType.TRANSFORMATION,
            event_id="urn:uuid:019c0000-0000-7000-8000-000000000003",
            biz_step="commissioning",
            disposition="active",
            input_quantities=(QuantityElement(LOT, Decimal("10.25"), "KGM"),),
            output_quantities=(
                QuantityElement("https://plant.example.com/lot/DOUGH/D%201", Decimal(12), "KGM"),
            ),
            sensor_elements=(
                SensorElement(
                    reports=(
                        SensorReport(
                            type="Temperature",
                            min_value=Decimal("179.5"),
                            max_value=Decimal("181.25"),
                            mean_value=Decimal("180.123457"),
                            uom="CEL",
                            device_id="https://plant.example.com/sensor/S1/MIX1/temp",
                        ),
                    ),
                    start_time=AT - timedelta(hours=1),
                    end_time=AT,
                    device_id="https://plant.example.com/equipment/MIX1",
                ),
            ),
            **common,
        ),
        EpcisEvent(
            type=EventType.TRANSACTION,
            event_id="urn:uuid:019c0000-0000-7000-8000-000000000004",
            action=Action.ADD,
            epc_list=("urn:epc:id:sgtin:4012345.012345.77",),
            biz_transactions=(BizTransaction("urn:epcglobal:cbv:bt:4012345000009:PO7", "po"),),
            **common,
        ),
        EpcisEvent(
            type=EventType.ASSOCIATION,
            event_id="urn:uuid:019c0000-0000-7000-8000-000000000005",
            action=Action.ADD,
            parent_id="urn:epc:id:grai:4012345.55555.987",
            epc_list=("urn:epc:id:giai:4000001.12345",),
            error_declaration=ErrorDeclarationInfo(
                datetime(2026, 3, 3, tzinfo=UTC),
                "incorrect_data",
                ("urn:uuid:019c0000-0000-7000-8000-000000000006",),
            ),
            **common,
        ),
        EpcisEvent(type=EventType.OBJECT, action=Action.OBSERVE, **common),  # no objects at all
    ]


def _document(events: list[EpcisEvent]) -> EpcisDocument:
    return EpcisDocument(events=tuple(events), creation_date=datetime(2026, 3, 4, tzinfo=UTC))


def test_every_event_type_validates_against_the_schema() -> None:
    built = document_json(_document(_events()))
    assert schema_errors(built) == []
    types = {event["type"] for event in built["epcisBody"]["eventList"]}  # type: ignore[index]
    assert types == {t.value for t in EventType}


def test_a_document_reads_back_as_the_same_events() -> None:
    events = _events()
    again = load_document(dumps_document(_document(events))).events
    assert [(e.event_id, canonical_hash(e)) for e in again] == [
        (e.event_id, canonical_hash(e)) for e in events
    ]


def test_json_carries_the_cbv_words_quantities_and_places() -> None:
    built = document_json(_document(_events()[:1]))
    (event,) = built["epcisBody"]["eventList"]  # type: ignore[index]
    assert event["bizStep"] == "receiving"
    assert event["disposition"] == "in_progress"
    assert event["quantityList"] == [{"epcClass": LOT, "quantity": 250.5, "uom": "KGM"}]
    assert event["readPoint"] == {"id": "https://plant.example.com/location/RCV1"}
    assert event["eventTime"] == "2026-03-02T09:30:15.250000+01:00"
    assert built["@context"] == ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"]


def test_a_lot_made_from_nothing_recorded_gets_a_transformation_id() -> None:
    made = EpcisEvent(
        type=EventType.TRANSFORMATION,
        event_time=AT,
        time_zone_offset="+01:00",
        event_id="urn:uuid:019c0000-0000-7000-8000-0000000000ff",
        output_quantities=(QuantityElement(LOT, Decimal(5), "KGM"),),
    )
    built = document_json(_document([made]))
    assert schema_errors(built) == []
    (event,) = built["epcisBody"]["eventList"]  # type: ignore[index]
    assert event["transformationID"] == made.event_id
    (again,) = load_document(json.dumps(built)).events
    assert canonical_hash(again) == canonical_hash(made)


def test_an_object_event_without_objects_still_has_its_epc_list() -> None:
    (event,) = document_json(_document(_events()[-1:]))["epcisBody"]["eventList"]  # type: ignore[index]
    assert event["epcList"] == []


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_each_shared_example_rebuilds_into_a_valid_document(name: str) -> None:
    parsed = load_document(example(name))
    rebuilt = json.loads(dumps_document(parsed))
    assert schema_errors(rebuilt) == []
    assert [canonical_hash(e) for e in load_document(json.dumps(rebuilt)).events] == [
        canonical_hash(e) for e in parsed.events
    ]


amounts = st.decimals(min_value=Decimal("0.000001"), max_value=Decimal("999999.999999"), places=6)


@settings(max_examples=60, deadline=None)
@given(amounts, st.integers(min_value=-14 * 4, max_value=14 * 4), st.text(min_size=1, max_size=20))
def test_amounts_offsets_and_lot_codes_survive_the_json(
    amount: Decimal, quarter_hours: int, lot: str
) -> None:
    offset = timedelta(minutes=15 * quarter_hours)
    sign = "-" if quarter_hours < 0 else "+"
    minutes = abs(quarter_hours) * 15
    event = EpcisEvent(
        type=EventType.OBJECT,
        action=Action.OBSERVE,
        event_time=AT.astimezone(timezone(offset)),
        time_zone_offset=f"{sign}{minutes // 60:02d}:{minutes % 60:02d}",
        quantity_list=(
            QuantityElement(
                "https://plant.example.com/lot/P/" + "".join(f"%{b:02X}" for b in lot.encode()),
                amount,
                "KGM",
            ),
        ),
    )
    (again,) = load_document(dumps_document(_document([event]))).events
    assert canonical_hash(again) == canonical_hash(event)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(_KEYS, json_values, max_size=5))
def test_whatever_the_parser_accepts_rebuilds_into_a_valid_document(
    damage: dict[str, object],
) -> None:
    event = object_event()
    event.update(damage)
    try:
        parsed = read_document(document(event))
    except EpcisFormatError:
        return  # refused with its path: tested in tests/domain
    assert schema_errors(document_json(parsed)) == []
