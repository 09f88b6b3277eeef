"""The small-plant lines the sensor tests share: a channel on the mixer, readings written through
the real writer, and a batch made on the mixer (conditions, live SPC, EPCIS sensor windows)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from tests.services.conftest import Plant
from traceapp.db import sensors as store
from traceapp.domain.quantity import Quantity
from traceapp.domain.sensors import Limits, Reading, to_micros
from traceapp.services import sensors
from traceapp.services.production import InputSpec, OutputSpec, produce

SITE = "plant1"


def add_channel(
    plant: Plant,
    *,
    equipment: str = "MIX1",
    name: str = "temp",
    quantity: str = "temperature",
    unit: str = "degC",
    limits: Limits | None = None,
) -> None:
    with plant.uow() as uow:
        sensors.add_channel(
            uow,
            actor=plant.actor,
            site=SITE,
            equipment=equipment,
            name=name,
            quantity=quantity,
            unit=unit,
            limits=limits or Limits(),
        )


def write_readings(
    plant: Plant,
    points: Iterable[tuple[datetime, float]],
    *,
    equipment: str = "MIX1",
    name: str = "temp",
    unit: str = "degC",
) -> None:
    """(time, value) pairs written in one batch, aggregates and excursions included."""
    batch = [Reading(SITE, equipment, name, to_micros(at), value, unit) for at, value in points]
    store.SensorWriter(plant.engine, auto_create=False).write(batch)


def make_on_mixer(
    plant: Plant,
    lot: str,
    since: datetime,
    until: datetime,
    *,
    inputs: Sequence[tuple[str, str]] = (("FLOUR/F-1", "10 kg"),),
    quantity: str = "10 kg",
    event_time: datetime | None = None,
) -> None:
    """DOUGH/<lot> made on MIX1 from `inputs` (code, quantity), started and ended as given."""
    with plant.uow() as uow:
        produce(
            uow,
            actor=plant.actor,
            inputs=[InputSpec(code, Quantity.parse(qty)) for code, qty in inputs],
            outputs=[OutputSpec("DOUGH", lot, Quantity.parse(quantity))],
            equipment="MIX1",
            started_at=since,
            ended_at=until,
            event_time=event_time,
        )
