"""EPCIS export of our own rows: CBV words, places, quantities, parties, sensors, declarations."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.reports.epcis_schema import schema_errors
from tests.services.conftest import Plant, plant  # noqa: F401  (the fixture)
from tests.services.epcis_plant import GTIN, at, build_epcis_plant, empty  # noqa: F401
from traceapp.db.repositories import Repository
from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.epcis import EpcisDocument, EpcisEvent
from traceapp.domain.epcis_identifiers import IdentifierSettings, IdentifierStyle
from traceapp.domain.epcis_parse import load_document
from traceapp.domain.errors import PermissionDenied
from traceapp.domain.permissions import Role
from traceapp.domain.steps import Action, EventType
from traceapp.reports.epcis import document_json, dumps_document
from traceapp.services.demo import build_demo_plant
from traceapp.services.epcis_export import DOMAIN_KEY, STYLE_KEY, export_document, plant_settings
from traceapp.services.epcis_import import import_document
from traceapp.services.masterdata import actor_for

DOMAIN = "plant.example.com"
EPC = IdentifierSettings(IdentifierStyle.EPC, DOMAIN)
LINK = IdentifierSettings(IdentifierStyle.DIGITAL_LINK, DOMAIN)


def _export(plant: Plant, settings: IdentifierSettings = EPC, **kwargs: Any) -> EpcisDocument:  # noqa: F811
    with plant.uow() as uow:
        return export_document(uow, actor=plant.actor, settings=settings, **kwargs)


def _by_step(document: EpcisDocument, biz_step: str) -> list[EpcisEvent]:
    return [e for e in document.events if e.biz_step == biz_step]


@pytest.fixture
def built(plant: Plant) -> Plant:  # noqa: F811
    build_epcis_plant(plant)
    return plant


@pytest.mark.parametrize("settings", [EPC, LINK], ids=["epc", "digital_link"])
def test_the_plant_exports_a_valid_document(built: Plant, settings: IdentifierSettings) -> None:
    document = _export(built, settings)
    assert schema_errors(document_json(document)) == []
    types = {e.type for e in document.events}
    assert types == {EventType.OBJECT, EventType.TRANSFORMATION, EventType.AGGREGATION}
    assert all(e.event_id and e.event_id.startswith("urn:uuid:") for e in document.events)


def test_a_receipt_names_the_lot_class_the_supplier_and_the_purchase_order(built: Plant) -> None:
    flour, oil, _sugar = _by_step(_export(built), "receiving")
    assert flour.disposition == "in_progress"
    (lot,) = flour.quantity_list
    # FLOUR has no GTIN: the plant's own URI; OIL has one: an LGTIN class
    assert lot.epc_class == f"https://{DOMAIN}/lot/FLOUR/F-1"
    assert (lot.quantity, lot.uom) == (Decimal(100), "KGM")
    assert oil.quantity_list[0].epc_class == "urn:epc:class:lgtin:4012345.012345.O-1"
    assert flour.read_point == f"https://{DOMAIN}/location/RCV1"
    assert flour.biz_location == f"https://{DOMAIN}/location/SITE1"
    assert [(t.type, t.value) for t in flour.biz_transactions] == [
        ("po", f"https://{DOMAIN}/po/PO-77")
    ]
    assert [(s.type, s.value) for s in flour.sources] == [
        ("owning_party", f"https://{DOMAIN}/party/MILL")
    ]


def test_digital_link_style_spells_gtin_lots_as_links(built: Plant) -> None:
    _flour, oil, _sugar = _by_step(_export(built, LINK), "receiving")
    assert oil.quantity_list[0].epc_class == f"https://id.gs1.org/01/{GTIN}/10/O-1"


def test_production_is_a_transformation_with_the_mixer_readings(built: Plant) -> None:
    (mixing,) = _by_step(_export(built), "commissioning")
    assert mixing.type is EventType.TRANSFORMATION
    assert mixing.action is None
    assert {(q.epc_class, q.quantity, q.uom) for q in mixing.input_quantities} == {
        (f"https://{DOMAIN}/lot/FLOUR/F-1", Decimal(40), "KGM"),
        ("urn:epc:class:lgtin:4012345.012345.O-1", Decimal(5), "KGM"),
    }
    assert [q.epc_class for q in mixing.output_quantities] == [f"https://{DOMAIN}/lot/DOUGH/D-1"]
    assert mixing.read_point == f"https://{DOMAIN}/location/RCV1"  # the acting station
    (element,) = mixing.sensor_elements
    (report,) = element.reports
    assert (report.type, report.uom) == ("Temperature", "CEL")
    # readings 50..54 degC at minutes 0..4 of the 10-minute mix
    assert (report.min_value, report.max_value, report.mean_value) == (50, 54, 52)
    assert (element.start_time, element.end_time) == (at(1), at(1) + timedelta(minutes=10))
    assert element.device_id == f"https://{DOMAIN}/equipment/MIX1"
    assert report.device_id == f"https://{DOMAIN}/sensor/plant1/MIX1/temp"


def test_events_without_readings_carry_no_sensor_elements(built: Plant) -> None:
    document = _export(built)
    assert [e.biz_step for e in document.events if e.sensor_elements] == ["commissioning"]


def test_packing_is_an_aggregation_of_the_lot_into_its_case(built: Plant) -> None:
    (packing,) = _by_step(_export(built), "packing")
    assert packing.type is EventType.AGGREGATION
    assert packing.action is Action.ADD
    assert packing.parent_id == f"https://{DOMAIN}/container/CASE-1"
    assert [(q.epc_class, q.quantity) for q in packing.quantity_list] == [
        (f"https://{DOMAIN}/lot/DOUGH/D-1", Decimal(20))
    ]


def test_shipping_names_the_customer_and_the_despatch_advice(built: Plant) -> None:
    (shipping,) = _by_step(_export(built), "shipping")
    assert shipping.disposition == "in_transit"
    assert f"https://{DOMAIN}/container/CASE-1" in shipping.epc_list
    assert [(d.type, d.value) for d in shipping.destinations] == [
        ("owning_party", f"https://{DOMAIN}/party/SHOP1")
    ]
    assert [t.type for t in shipping.biz_transactions] == ["desadv"]


def test_a_corrected_step_carries_its_error_declaration(built: Plant) -> None:
    document = _export(built)
    _flour, _oil, sugar = _by_step(document, "receiving")
    assert sugar.error_declaration is not None
    (corrective_id,) = sugar.error_declaration.corrective_event_ids
    corrective = next(e for e in document.events if e.event_id == corrective_id)
    assert corrective.biz_step == "urn:traceapp:bizstep:correcting"


def test_the_time_window_and_the_lot_narrow_the_export(built: Plant) -> None:
    window = _export(built, since=at(1), until=at(2.5))
    assert [e.biz_step for e in window.events] == ["commissioning", "packing"]
    oil = _export(built, lot="OIL/O-1")
    assert [e.biz_step for e in oil.events] == ["receiving", "commissioning"]


def test_settings_come_from_the_plant_and_can_be_overridden(built: Plant) -> None:
    with built.uow() as uow:
        uow.acting(built.actor)
        Repository(uow.session).set_meta(DOMAIN_KEY, "bakery.example.org")
        Repository(uow.session).set_meta(STYLE_KEY, "digital_link")
        uow.commit()
    with built.uow() as uow:
        assert plant_settings(uow) == IdentifierSettings(
            IdentifierStyle.DIGITAL_LINK, "bakery.example.org"
        )
        assert plant_settings(uow, style="epc").style is IdentifierStyle.EPC


def test_an_operator_may_not_export(built: Plant) -> None:
    operator = replace(built.actor, role=Role.OPERATOR.value)
    with built.uow() as uow, pytest.raises(PermissionDenied):
        export_document(uow, actor=operator, settings=EPC)


def test_the_demo_plant_exports_valid_and_round_trips(
    engine: Engine,
    admin: Actor,
    empty: Engine,  # noqa: F811
) -> None:
    build_demo_plant(engine, seed=5, lots=100, days=3)
    texts = {}
    for settings in (LINK, EPC):
        with UnitOfWork(engine, write=False) as uow:
            first = export_document(uow, actor=admin, settings=settings)
        texts[settings.style] = dumps_document(first)
        assert schema_errors(json.loads(texts[settings.style])) == []
    assert {e.type for e in first.events} >= {
        EventType.OBJECT,
        EventType.AGGREGATION,
        EventType.TRANSFORMATION,
    }
    text = texts[IdentifierStyle.EPC]
    with UnitOfWork(empty) as uow:
        other = actor_for(uow)
    with UnitOfWork(empty) as uow:
        imported = import_document(
            uow, actor=other, document=load_document(text), name="demo", settings=EPC
        )
    assert (imported.events, imported.conflicts) == (len(first.events), ())
    with UnitOfWork(empty, write=False) as uow:
        second = export_document(uow, actor=other, settings=EPC)
    assert json.loads(dumps_document(second))["epcisBody"] == json.loads(text)["epcisBody"]
