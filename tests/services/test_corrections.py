"""A wrong scan is corrected by an error declaration and a reversing event, never by an edit."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from traceapp.db.models import ErrorDeclaration, Event
from traceapp.domain.errors import CorrectionRefused, InvalidInput
from traceapp.domain.lots import LotStatus
from traceapp.domain.quantity import Quantity
from traceapp.domain.steps import HandlingStep
from traceapp.services.corrections import correct
from traceapp.services.lots import lot_detail
from traceapp.services.packing import PackItem, pack, unpack
from traceapp.services.production import InputSpec, OutputSpec, produce
from traceapp.services.shipping import ship

from .conftest import Plant


def _correct(plant: Plant, event_id: object, reason: str = "scanned the wrong lot") -> None:
    with plant.uow() as uow:
        correct(uow, actor=plant.actor, event=event_id, reason=reason)  # type: ignore[arg-type]


def test_reversing_a_production_gives_the_inputs_back_and_voids_the_output(plant: Plant) -> None:
    plant.receive("F-1", "10 kg")
    with plant.uow() as uow:
        made = produce(
            uow,
            actor=plant.actor,
            inputs=[InputSpec("F-1", Quantity.parse("10 kg"))],
            outputs=[OutputSpec("DOUGH", "D-1", Quantity.parse("9 kg"))],
        )
    _correct(plant, made.event.id)
    with plant.uow() as uow:
        flour = lot_detail(uow, "F-1")
        dough = lot_detail(uow, "DOUGH/D-1")
        events = uow.session.scalar(select(func.count()).select_from(Event))
        declaration = uow.session.scalars(select(ErrorDeclaration)).one()
        declared = (declaration.event_id, declaration.reason, declaration.corrective_event_id)
    assert flour.lot.on_hand == Quantity(Decimal(10), "kg")
    assert flour.lot.status is LotStatus.ACTIVE
    assert flour.children == ()
    assert dough.lot.status is LotStatus.VOIDED
    assert events == 3  # receive, produce, and the corrective event: nothing deleted
    assert declared[:2] == (made.event.id, "did_not_occur")
    produce_event = next(e for e in flour.events if e.step is HandlingStep.PRODUCE)
    assert produce_event.corrected_by == declared[2]


def test_a_step_cannot_be_corrected_twice_or_without_a_reason(plant: Plant) -> None:
    received = plant.receive("F-1", "10 kg")
    with pytest.raises(InvalidInput, match="needs a reason"):
        _correct(plant, received.event.id, reason="  ")
    _correct(plant, received.event.id)
    with pytest.raises(CorrectionRefused, match="already been corrected"):
        _correct(plant, received.event.id)
    with plant.uow() as uow:
        assert lot_detail(uow, "F-1").lot.status is LotStatus.VOIDED


def test_a_receipt_used_by_a_later_step_must_be_corrected_newest_first(plant: Plant) -> None:
    received = plant.receive("F-1", "10 kg")
    with plant.uow() as uow:
        made = produce(
            uow,
            actor=plant.actor,
            inputs=[InputSpec("F-1", Quantity.parse("4 kg"))],
            outputs=[OutputSpec("DOUGH", "D-1", Quantity.parse("4 kg"))],
        )
    with pytest.raises(CorrectionRefused, match="Correct those later steps first"):
        _correct(plant, received.event.id)
    _correct(plant, made.event.id)
    _correct(plant, received.event.id)
    with plant.uow() as uow:
        assert lot_detail(uow, "F-1").lot.on_hand == Quantity(Decimal(0), "kg")


def test_reversing_pack_unpack_and_ship_restores_the_containers(plant: Plant) -> None:
    plant.receive("F-1", "10 kg")
    with plant.uow() as uow:
        packed = pack(
            uow,
            actor=plant.actor,
            container="CASE-1",
            items=[PackItem("F-1", Quantity.parse("4 kg"))],
        )
    with plant.uow() as uow:
        unpacked = unpack(uow, actor=plant.actor, container="CASE-1")
    _correct(plant, unpacked.event.id)
    with plant.uow() as uow:
        assert lot_detail(uow, "F-1").containers == ("CASE-1",)
        shipped = ship(uow, actor=plant.actor, customer="SHOP1", items=[PackItem("CASE-1")])
    with pytest.raises(CorrectionRefused, match="shipped since"):
        _correct(plant, packed.event.id)
    _correct(plant, shipped.event.id)
    with plant.uow() as uow:
        lot = lot_detail(uow, "F-1").lot
    assert lot.on_hand == Quantity(Decimal(10), "kg")
    assert lot.status is LotStatus.ACTIVE
    _correct(plant, packed.event.id)
    with plant.uow() as uow:
        assert lot_detail(uow, "F-1").containers == ()
