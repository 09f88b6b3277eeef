"""Each rule of the floor, tried the way a careless or hurried person would try to break it."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from traceapp.db.models import Event, EventItem, Lot, LotEdge
from traceapp.domain.errors import (
    AlreadyExists,
    AmbiguousCode,
    ContainerNotUsable,
    EventIdConflict,
    GenealogyCycle,
    InsufficientQuantity,
    InvalidInput,
    LotNotUsable,
    NotFound,
    UnitMismatch,
    UnknownCode,
)
from traceapp.domain.lots import LotStatus
from traceapp.domain.quantity import Quantity
from traceapp.services.lots import lot_detail
from traceapp.services.packing import PackItem, pack
from traceapp.services.production import InputSpec, OutputSpec, produce
from traceapp.services.shipping import ship

from .conftest import Plant


def _row_counts(plant: Plant) -> tuple[int, int, int]:
    with plant.uow() as uow:
        return (
            uow.session.scalar(select(func.count()).select_from(Event)) or 0,
            uow.session.scalar(select(func.count()).select_from(EventItem)) or 0,
            uow.session.scalar(select(func.count()).select_from(LotEdge)) or 0,
        )


def _on_hand(plant: Plant, code: str) -> Quantity:
    with plant.uow() as uow:
        return lot_detail(uow, code).lot.on_hand


def _set_status(plant: Plant, code: str, status: LotStatus) -> None:
    # Hold and release get their own signed use cases later; the rule under test is the refusal.
    with plant.uow() as uow:
        uow.acting(plant.actor, reason="test sets the status directly")
        lot = uow.session.scalars(select(Lot).where(Lot.lot_code == code)).one()
        lot.status = status.value
        uow.commit()


def _mix(
    plant: Plant, inputs: list[tuple[str, str]], output: str, qty: str = "10 kg", **kwargs: object
) -> None:
    with plant.uow() as uow:
        produce(
            uow,
            actor=plant.actor,
            inputs=[InputSpec(code, Quantity.parse(q)) for code, q in inputs],
            outputs=[OutputSpec("DOUGH", output, Quantity.parse(qty))],
            **kwargs,  # type: ignore[arg-type]
        )


def test_consuming_more_than_on_hand_is_refused_and_changes_nothing(plant: Plant) -> None:
    plant.receive("F-1", "12.5 kg")
    before = _row_counts(plant)
    with pytest.raises(
        InsufficientQuantity, match=r"FLOUR/F-1 has 12\.5 kg available; 20 kg requested"
    ):
        _mix(plant, [("F-1", "20 kg")], "D-1")
    assert _row_counts(plant) == before
    assert _on_hand(plant, "F-1") == Quantity(Decimal("12.5"), "kg")
    with plant.uow() as uow, pytest.raises(UnknownCode):
        lot_detail(uow, "DOUGH/D-1")


def test_the_same_lot_twice_in_one_step_counts_together(plant: Plant) -> None:
    plant.receive("F-1", "10 kg")
    with pytest.raises(InsufficientQuantity):
        _mix(plant, [("F-1", "6 kg"), ("F-1", "6 kg")], "D-1")


def test_quantities_convert_between_units_of_one_dimension(plant: Plant) -> None:
    plant.receive("F-1", "10 kg")
    _mix(plant, [("F-1", "2500 g")], "D-1")
    assert _on_hand(plant, "F-1") == Quantity(Decimal("7.5"), "kg")
    with pytest.raises(UnitMismatch):
        _mix(plant, [("F-1", "3 l")], "D-2")


@pytest.mark.parametrize("status", [LotStatus.ON_HOLD, LotStatus.REJECTED, LotStatus.RECALLED])
def test_a_blocked_lot_cannot_be_consumed_packed_or_shipped(
    plant: Plant, status: LotStatus
) -> None:
    plant.receive("F-1", "10 kg")
    plant.receive("F-2", "10 kg")
    with plant.uow() as uow:
        pack(
            uow,
            actor=plant.actor,
            container="CASE-9",
            items=[PackItem("F-2", Quantity.parse("5 kg"))],
        )
    _set_status(plant, "F-1", status)
    _set_status(plant, "F-2", status)
    before = _row_counts(plant)
    label = status.value.replace("_", " ").upper()
    with pytest.raises(LotNotUsable, match=f"FLOUR/F-1 is {label}"):
        _mix(plant, [("F-1", "1 kg")], "D-1")
    with plant.uow() as uow, pytest.raises(LotNotUsable):
        pack(uow, actor=plant.actor, container="CASE-1", items=[PackItem("F-1")])
    with plant.uow() as uow, pytest.raises(LotNotUsable):
        ship(
            uow,
            actor=plant.actor,
            customer="SHOP1",
            items=[PackItem("F-1", Quantity.parse("1 kg"))],
        )
    with plant.uow() as uow, pytest.raises(LotNotUsable, match="FLOUR/F-2"):
        ship(uow, actor=plant.actor, customer="SHOP1", items=[PackItem("CASE-9")])
    assert _row_counts(plant) == before


def test_a_lot_cannot_become_its_own_ancestor(plant: Plant) -> None:
    plant.receive("F-1", "10 kg")
    _mix(plant, [("F-1", "5 kg")], "D-1", "5 kg")
    _mix(plant, [("DOUGH/D-1", "2 kg")], "D-2", "2 kg")
    before = _row_counts(plant)
    # D-2 descends from D-1: topping D-1 up from D-2 would close a loop.
    with pytest.raises(GenealogyCycle):
        _mix(plant, [("DOUGH/D-2", "1 kg")], "D-1", "1 kg")
    with pytest.raises(GenealogyCycle):
        _mix(plant, [("DOUGH/D-2", "1 kg")], "D-2", "1 kg")
    assert _row_counts(plant) == before


def test_an_unknown_code_is_refused_with_what_to_do(plant: Plant) -> None:
    with pytest.raises(
        UnknownCode, match="No lot, container or code binding carries the code 'NOPE-1'"
    ):
        _mix(plant, [("NOPE-1", "1 kg")], "D-1")
    with plant.uow() as uow, pytest.raises(UnknownCode):
        ship(uow, actor=plant.actor, customer="SHOP1", items=[PackItem("NOPE-1")])


def test_a_bare_lot_code_naming_two_products_lists_the_candidates(plant: Plant) -> None:
    plant.receive("X-1", "10 kg", product="FLOUR")
    plant.receive("X-1", "10 kg", product="SUGAR")
    with pytest.raises(AmbiguousCode) as refused:
        _mix(plant, [("X-1", "1 kg")], "D-1")
    assert refused.value.candidates == ("FLOUR/X-1", "SUGAR/X-1")
    _mix(plant, [("SUGAR/X-1", "1 kg")], "D-1")
    assert _on_hand(plant, "SUGAR/X-1") == Quantity(Decimal(9), "kg")


def test_the_same_event_uuid_submitted_twice_is_recorded_once(plant: Plant) -> None:
    scan = uuid.uuid4()
    first = plant.receive("F-1", "10 kg", event_id=scan)
    again = plant.receive("F-1", "10 kg", event_id=scan)
    assert not first.replayed
    assert again.replayed
    assert again.event.id == first.event.id == scan
    plant.receive("F-2", "10 kg")
    before = _row_counts(plant)
    with plant.uow() as uow:
        result = produce(
            uow,
            actor=plant.actor,
            inputs=[InputSpec("F-2", Quantity.parse("4 kg"))],
            outputs=[OutputSpec("DOUGH", "D-1", Quantity.parse("4 kg"))],
            event_id=uuid.UUID(int=scan.int ^ 1),
        )
    for _ in range(2):
        with plant.uow() as uow:
            replay = produce(
                uow,
                actor=plant.actor,
                inputs=[InputSpec("F-2", Quantity.parse("4 kg"))],
                outputs=[OutputSpec("DOUGH", "D-1", Quantity.parse("4 kg"))],
                event_id=result.event.id,
            )
        assert replay.replayed
    assert _on_hand(plant, "F-2") == Quantity(Decimal(6), "kg")
    assert _row_counts(plant)[0] == before[0] + 1


def test_an_event_uuid_reused_for_another_step_is_a_conflict(plant: Plant) -> None:
    scan = uuid.uuid4()
    plant.receive("F-1", "10 kg", event_id=scan)
    with plant.uow() as uow, pytest.raises(EventIdConflict):
        pack(uow, actor=plant.actor, container="CASE-1", items=[PackItem("F-1")], event_id=scan)


def test_packing_cannot_exceed_what_is_free_and_shipping_takes_it_off_hand(plant: Plant) -> None:
    plant.receive("F-1", "10 kg")
    with plant.uow() as uow:
        pack(
            uow,
            actor=plant.actor,
            container="CASE-1",
            items=[PackItem("F-1", Quantity.parse("6 kg"))],
        )
    with plant.uow() as uow, pytest.raises(InsufficientQuantity, match="has 4 kg available"):
        pack(
            uow,
            actor=plant.actor,
            container="CASE-2",
            items=[PackItem("F-1", Quantity.parse("5 kg"))],
        )
    with pytest.raises(InsufficientQuantity):
        _mix(plant, [("F-1", "5 kg")], "D-1")
    with plant.uow() as uow:
        ship(uow, actor=plant.actor, customer="SHOP1", items=[PackItem("CASE-1")])
    assert _on_hand(plant, "F-1") == Quantity(Decimal(4), "kg")
    with plant.uow() as uow, pytest.raises(ContainerNotUsable, match="already been shipped"):
        ship(uow, actor=plant.actor, customer="SHOP2", items=[PackItem("CASE-1")])
    with plant.uow() as uow:
        ship(uow, actor=plant.actor, customer="SHOP2", items=[PackItem("F-1")])
    with plant.uow() as uow:
        assert lot_detail(uow, "F-1").lot.status is LotStatus.SHIPPED


def test_a_case_on_a_pallet_ships_only_with_its_pallet(plant: Plant) -> None:
    plant.receive("F-1", "10 kg")
    with plant.uow() as uow:
        pack(uow, actor=plant.actor, container="CASE-1", items=[PackItem("F-1")])
    with plant.uow() as uow:
        pack(uow, actor=plant.actor, container="PAL-1", kind="pallet", items=[PackItem("CASE-1")])
    with plant.uow() as uow, pytest.raises(ContainerNotUsable, match="sits in PAL-1"):
        ship(uow, actor=plant.actor, customer="SHOP1", items=[PackItem("CASE-1")])
    with plant.uow() as uow, pytest.raises(InvalidInput, match="into itself"):
        pack(uow, actor=plant.actor, container="CASE-1", items=[PackItem("PAL-1")])
    with plant.uow() as uow, pytest.raises(ContainerNotUsable, match="already in PAL-1"):
        pack(uow, actor=plant.actor, container="PAL-2", kind="pallet", items=[PackItem("CASE-1")])


def test_bad_master_data_and_inputs_get_typed_errors(plant: Plant) -> None:
    with pytest.raises(NotFound, match="no product 'BUTTER'"):
        plant.receive("B-1", "1 kg", product="BUTTER")
    plant.receive("F-1", "1 kg")
    with pytest.raises(AlreadyExists):
        plant.receive("F-1", "1 kg")
    with pytest.raises(InvalidInput, match="more than zero"):
        plant.receive("F-2", "0 kg")
    with pytest.raises(InvalidInput, match="control characters"):
        plant.receive("F-\x1b[2J", "1 kg")
    with pytest.raises(InvalidInput, match="wrong check digit"), plant.uow() as uow:
        pack(uow, actor=plant.actor, container="123456789012345678", items=[PackItem("F-1")])
