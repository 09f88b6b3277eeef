"""One lot's whole way through the plant: receive, produce, pack, ship, and its record."""

from __future__ import annotations

from decimal import Decimal

from traceapp.domain.lots import LotStatus
from traceapp.domain.quantity import Quantity
from traceapp.services.lots import lot_detail
from traceapp.services.packing import PackItem, pack
from traceapp.services.production import InputSpec, OutputSpec, produce
from traceapp.services.shipping import ship

from .conftest import Plant


def test_receive_produce_pack_ship_keeps_quantities_and_genealogy(plant: Plant) -> None:
    received = plant.receive("F-1", "100 kg")
    assert received.lots[0].on_hand == Quantity(Decimal(100), "kg")
    with plant.uow() as uow:
        made = produce(
            uow,
            actor=plant.actor,
            inputs=[InputSpec("FLOUR/F-1", Quantity.parse("60 kg"))],
            outputs=[OutputSpec("DOUGH", "D-1", Quantity.parse("58 kg"))],
            equipment="MIX1",
        )
    assert made.event.event_type == "TransformationEvent"
    with plant.uow() as uow:
        pack(
            uow,
            actor=plant.actor,
            container="CASE-1",
            items=[PackItem("D-1", Quantity.parse("20 kg"))],
        )
    with plant.uow() as uow:
        pack(uow, actor=plant.actor, container="PAL-1", kind="pallet", items=[PackItem("CASE-1")])
    with plant.uow() as uow:
        shipped = ship(
            uow,
            actor=plant.actor,
            customer="SHOP1",
            items=[PackItem("PAL-1")],
            reference_document="DN-1",
        )
    assert shipped.event.party == "SHOP1"
    with plant.uow() as uow:
        flour = lot_detail(uow, "F-1")
        dough = lot_detail(uow, "DOUGH/D-1")
    assert flour.lot.on_hand == Quantity(Decimal(40), "kg")
    assert flour.lot.status is LotStatus.ACTIVE
    assert [c.lot for c in flour.children] == ["DOUGH/D-1"]
    assert dough.lot.on_hand == Quantity(Decimal(38), "kg")
    assert [p.lot for p in dough.parents] == ["FLOUR/F-1"]
    assert dough.parents[0].quantity == Quantity(Decimal(60), "kg")
    # The lot's own history names it directly; the pallet's shipment is found by the trace.
    assert [e.step.value for e in dough.events] == ["produce", "pack"]
