"""Demo sensor data: a temperature channel on the mixer that made the first batch of the recall
landmark's lot, with readings around that batch and a short excursion above the USL during it,
so the demo's recall report (and the lot record) shows process conditions with an excursion."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select

from traceapp.db import sensors as store
from traceapp.db.models import Event, EventItem, Location
from traceapp.db.repositories import Repository
from traceapp.db.uow import UnitOfWork
from traceapp.domain.sensors import Limits, Reading, to_micros
from traceapp.domain.steps import HandlingStep, ItemRole
from traceapp.services.recording import find_lot

SITE = "demo"
CHANNEL = "temp"
LIMITS = Limits(lsl=18.0, usl=30.0, lcl=21.0, ucl=27.0)  # dough temperature, degC
NOMINAL = 24.0
PERIOD = timedelta(seconds=10)
AROUND = timedelta(minutes=45)  # readings this long before and after the batch
EXCURSION = timedelta(minutes=3)  # how long the dough ran hot, in the middle of the batch


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def add_demo_sensors(engine: Engine, lot: str, *, seed: int = 7) -> str | None:
    """Channel and readings around the first batch made from `lot` (PART/LOT) on equipment;
    returns the channel key (EQUIPMENT/temp), or None when no such batch exists."""
    with UnitOfWork(engine, write=False) as uow:
        row = find_lot(Repository(uow.session), lot)
        if row is None:
            return None
        batch = uow.session.execute(
            select(Location.code, Event.started_at, Event.ended_at, Event.event_time)
            .select_from(EventItem)
            .join(Event, Event.id == EventItem.event_id)
            .join(Location, Location.id == Event.equipment_id)
            .where(
                EventItem.lot_id == row.lot.id,
                EventItem.role == ItemRole.INPUT.value,
                Event.step == HandlingStep.PRODUCE.value,
            )
            .order_by(Event.event_time)
        ).first()
    if batch is None:
        return None
    equipment, began, ended, at = batch
    since = _aware(began if began is not None else at)
    until = _aware(ended if ended is not None else at)
    with engine.begin() as connection:
        store.add_channel(
            connection,
            site=SITE,
            equipment=equipment,
            name=CHANNEL,
            quantity="dough temperature",
            unit="degC",
            limits=LIMITS,
            expected_period_us=(PERIOD * 3) // timedelta(microseconds=1),
        )
    middle = since + (until - since) / 2
    hot_from, hot_to = middle - EXCURSION / 2, middle + EXCURSION / 2
    rng = random.Random(seed)
    readings = []
    moment = since - AROUND
    step = 0
    while moment <= until + AROUND:
        value = NOMINAL + 1.2 * math.sin(step / 40) + rng.gauss(0, 0.25)
        if hot_from <= moment <= hot_to:
            value = 31.5 + rng.gauss(0, 0.3)  # the chiller stopped: above the USL of 30
        readings.append(Reading(SITE, equipment, CHANNEL, to_micros(moment), round(value, 2)))
        moment += PERIOD
        step += 1
    store.SensorWriter(engine, auto_create=False).write(readings)
    return f"{equipment}/{CHANNEL}"
