"""Moves are residences (SQLite and PostgreSQL): a lot moved to a place with channels (a cold room)
resides there from the move until it is moved on (or shipped, consumed); the readings of that
window are its conditions, and an excursion then flags (by setting holds) it like a produce
residence. A lot made on equipment is not "stored" there afterwards."""

from __future__ import annotations

from datetime import datetime, timedelta

from traceapp.domain.conditions import ResidenceKind
from traceapp.domain.lots import LotStatus
from traceapp.domain.sensors import ExcursionKind, to_micros
from traceapp.services import conditions, masterdata
from traceapp.services.moving import move

from .conftest import Plant
from .sensor_plant import add_channel, write_readings
from .test_conditions import LIMITS, T0, _make, _review, _status


def _cold_room(plant: Plant) -> None:
    with plant.uow() as uow:
        masterdata.add_location(
            uow,
            actor=masterdata.actor_for(uow),
            code="COLD1",
            name="Cold room 1",
            kind="area",
            parent="SITE1",
        )
    add_channel(plant, equipment="COLD1", limits=LIMITS)
    # A reading every 10 s for an hour from T0: 85 degC (above USL 80) in minutes 10 and 40
    times = [T0 + timedelta(seconds=10 * i) for i in range(360)]
    write_readings(
        plant,
        [(t, 85.0 if (t - T0) // timedelta(minutes=1) in (10, 40) else 50.0) for t in times],
        equipment="COLD1",
    )


def _move(plant: Plant, lot: str, to: str, at: datetime) -> None:
    with plant.uow() as uow:
        move(uow, actor=plant.actor, items=[lot], to=to, event_time=at)


def test_a_stay_in_a_cold_room_selects_its_readings_and_flags_its_excursion(plant: Plant) -> None:
    for lot in ("F-1", "F-2", "F-3"):
        plant.receive(lot)
    _cold_room(plant)
    _move(plant, "FLOUR/F-1", "COLD1", T0 + timedelta(minutes=5))  # in during minute 10
    _move(plant, "FLOUR/F-1", "RCV1", T0 + timedelta(minutes=20))  # out before minute 40
    _move(plant, "FLOUR/F-2", "COLD1", T0 + timedelta(minutes=15))  # in after minute 10
    _move(plant, "FLOUR/F-2", "RCV1", T0 + timedelta(minutes=30))  # out before minute 40
    _move(plant, "FLOUR/F-3", "COLD1", T0 + timedelta(minutes=35))  # still there at minute 40

    with plant.uow() as uow:
        first = conditions.lot_conditions(uow, actor=plant.actor, code="FLOUR/F-1")
        second = conditions.lot_conditions(uow, actor=plant.actor, code="FLOUR/F-2")
        third = conditions.lot_conditions(uow, actor=plant.actor, code="FLOUR/F-3")
    (stay,) = first.residences
    assert (stay.kind, stay.place, stay.label) == (
        ResidenceKind.LOCATION,
        "COLD1",
        "COLD1 (stored)",
    )
    assert (stay.since, stay.until) == (T0 + timedelta(minutes=5), T0 + timedelta(minutes=20))
    (window,) = first.windows
    assert window.channel.key == "COLD1/temp"
    assert max(p.high for p in window.points) == 85.0
    spec = next(e for e in first.excursions if e.kind is ExcursionKind.SPEC)
    assert spec.start_us == to_micros(T0 + timedelta(minutes=10))
    assert first.flagged
    assert [e for e in second.excursions if e.kind is ExcursionKind.SPEC] == []
    assert third.residences[0].until > T0 + timedelta(hours=1)  # still there: until now
    assert [e.start_us for e in third.excursions if e.kind is ExcursionKind.SPEC] == [
        to_micros(T0 + timedelta(minutes=40))
    ]

    result = _review(plant, hold=True)
    assert sorted(result.held) == ["FLOUR/F-1", "FLOUR/F-3"]
    assert _status(plant, "FLOUR/F-1") is LotStatus.ON_HOLD
    assert _status(plant, "FLOUR/F-2") is LotStatus.ACTIVE
    assert _review(plant, hold=True) == conditions.FlagResult((), ())  # once


def test_a_lot_made_on_monitored_equipment_is_not_stored_there_after(plant: Plant) -> None:
    plant.receive("F-1")
    add_channel(plant, limits=LIMITS)
    _make(plant, "D-1", T0, T0 + timedelta(minutes=10))
    with plant.uow() as uow:
        found = conditions.lot_conditions(uow, actor=plant.actor, code="DOUGH/D-1")
    assert [r.kind for r in found.residences] == [ResidenceKind.EQUIPMENT]
