"""A small plant whose steps cover every EPCIS mapping: GTIN and plant lots, a mixer with a
temperature channel, a case, a shipment with despatch advice, and a corrected step."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.services.conftest import Plant
from traceapp.db import sensors as store
from traceapp.domain.quantity import Quantity
from traceapp.domain.sensors import Reading, to_micros
from traceapp.services import masterdata, sensors
from traceapp.services.corrections import correct
from traceapp.services.packing import PackItem, pack
from traceapp.services.production import InputSpec, OutputSpec, produce
from traceapp.services.shipping import ship

T0 = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
GTIN = "04012345123456"  # company prefix 4012345 (7 digits)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def build_epcis_plant(plant: Plant) -> None:
    """OIL/O-1 (GTIN) and FLOUR/F-1 received; dough D-1 mixed on MIX1 from both while the mixer
    reads 50..54 degC; D-1 packed into CASE-1, shipped to SHOP1 on BOL-1; a wrong receipt of
    SUGAR/S-9 corrected."""
    with plant.uow() as uow:
        masterdata.add_product(
            uow,
            actor=plant.actor,
            part_number="OIL",
            name="Sunflower oil",
            unit="kg",
            kind="raw",
            gtin=GTIN,
            company_prefix_length=7,
        )
    plant.receive("SL-9", "100 kg", lot_code="F-1", reference_document="PO-77", event_time=at(0))
    plant.receive("OL-1", "20 kg", product="OIL", lot_code="O-1", event_time=at(0.5))
    wrong = plant.receive("SL-5", "10 kg", product="SUGAR", lot_code="S-9", event_time=at(0.6))
    with plant.uow() as uow:
        correct(
            uow,
            actor=plant.actor,
            event=wrong.event.id,
            reason="wrong supplier lot",
            event_time=at(0.7),
        )
    with plant.uow() as uow:
        sensors.add_channel(
            uow,
            actor=plant.actor,
            site="plant1",
            equipment="MIX1",
            name="temp",
            quantity="temperature",
            unit="degC",
        )
    store.SensorWriter(plant.engine, auto_create=False).write(
        [
            Reading("plant1", "MIX1", "temp", to_micros(at(1) + timedelta(minutes=i)), 50.0 + i)
            for i in range(5)
        ]
    )
    with plant.uow() as uow:
        produce(
            uow,
            actor=plant.actor,
            inputs=[
                InputSpec("FLOUR/F-1", Quantity.parse("40 kg")),
                InputSpec("OIL/O-1", Quantity.parse("5 kg")),
            ],
            outputs=[OutputSpec("DOUGH", "D-1", Quantity.parse("45 kg"))],
            equipment="MIX1",
            started_at=at(1),
            ended_at=at(1) + timedelta(minutes=10),
            event_time=at(1) + timedelta(minutes=10),
        )
    with plant.uow() as uow:
        pack(
            uow,
            actor=plant.actor,
            container="CASE-1",
            kind="case",
            items=[PackItem("DOUGH/D-1", Quantity.parse("20 kg"))],
            event_time=at(2),
        )
    with plant.uow() as uow:
        ship(
            uow,
            actor=plant.actor,
            customer="SHOP1",
            items=[PackItem("CASE-1")],
            reference_document="BOL-1",
            event_time=at(3),
        )
