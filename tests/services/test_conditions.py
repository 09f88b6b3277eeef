"""Process conditions on SQLite and PostgreSQL: a lot's residence selects its readings and
excursions; a review flags (and by setting holds) lots made during an excursion, once, in either
order of recording; a transit logger's CSV flags the shipped lots."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from traceapp.db import sensors as store
from traceapp.db.models import AuditEntry
from traceapp.db.uow import UnitOfWork
from traceapp.domain.conditions import ResidenceKind, Resolution
from traceapp.domain.errors import InvalidInput, NotFound
from traceapp.domain.lots import LotStatus
from traceapp.domain.sensors import ExcursionKind, Limits, Reading, to_micros
from traceapp.services import conditions, dispositions, lots, sensors
from traceapp.services.packing import PackItem
from traceapp.services.shipping import ship

from .conftest import Plant
from .sensor_plant import add_channel, make_on_mixer, write_readings

T0 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
LIMITS = Limits(lsl=20.0, usl=80.0, lcl=40.0, ucl=60.0)


def _channel(plant: Plant) -> None:
    add_channel(plant, limits=LIMITS)


def _readings(plant: Plant, start: datetime, minutes: int, hot: tuple[int, int]) -> None:
    """A reading every 10 s; 85 degC from minute hot[0] to hot[1] after T0, 50 otherwise."""
    times = [start + timedelta(seconds=10 * i) for i in range(minutes * 6)]
    hot_from, hot_to = T0 + timedelta(minutes=hot[0]), T0 + timedelta(minutes=hot[1])
    write_readings(plant, [(t, 85.0 if hot_from <= t < hot_to else 50.0) for t in times])


_make = make_on_mixer


@pytest.fixture
def mixer(plant: Plant) -> Plant:
    plant.receive("F-1")
    _channel(plant)
    return plant


def _review(plant: Plant, *, hold: bool = True) -> conditions.FlagResult:
    with plant.uow() as uow:
        return conditions.review(uow, actor=plant.actor, hold=hold, since=T0 - timedelta(days=1))


def _status(plant: Plant, code: str) -> LotStatus:
    with plant.uow() as uow:
        return lots.lot_detail(uow, code).lot.status


def test_a_lots_residence_selects_the_readings_and_the_excursion_of_its_window(
    mixer: Plant,
) -> None:
    _readings(mixer, T0 - timedelta(minutes=5), 30, hot=(3, 4))
    _make(mixer, "D-1", T0, T0 + timedelta(minutes=10))
    _make(mixer, "D-2", T0 + timedelta(minutes=12), T0 + timedelta(minutes=20))
    with mixer.uow() as uow:
        made_hot = conditions.lot_conditions(uow, actor=mixer.actor, code="DOUGH/D-1")
        made_cool = conditions.lot_conditions(uow, actor=mixer.actor, code="DOUGH/D-2")
        flour = conditions.lot_conditions(uow, actor=mixer.actor, code="FLOUR/F-1")
    (residence,) = made_hot.residences
    assert (residence.kind, residence.place) == (ResidenceKind.EQUIPMENT, "MIX1")
    assert (residence.since, residence.until) == (T0, T0 + timedelta(minutes=10))
    (window,) = made_hot.windows
    assert window.channel.key == "MIX1/temp"
    assert window.channel.limits == LIMITS
    # 10 min + a minute either side is over the raw limit: per-second aggregates, one a reading
    assert window.resolution is Resolution.SECOND
    assert len(window.points) == 12 * 6 + 1  # both ends included
    assert max(p.high for p in window.points) == 85.0
    kinds = {e.kind: e for e in made_hot.excursions}
    spec = kinds[ExcursionKind.SPEC]
    assert (spec.start_us, spec.end_us) == (
        to_micros(T0 + timedelta(minutes=3)),
        to_micros(T0 + timedelta(minutes=3, seconds=50)),
    )
    assert (spec.worst, spec.limit, spec.count) == (85.0, 80.0, 6)
    assert "MIX1/temp 85 degC above USL 80 from 2026-11-30 10:03:00Z" in spec.describe()
    assert made_hot.flagged
    assert made_cool.residences
    assert not made_cool.excursions
    assert not made_cool.flagged
    # A received lot made on no equipment: no residence, nothing to show
    assert flour.residences == ()
    assert not flour.flagged


def test_a_short_residence_reads_every_reading(mixer: Plant) -> None:
    _readings(mixer, T0, 10, hot=(99, 99))
    _make(mixer, "D-1", T0 + timedelta(minutes=2), T0 + timedelta(minutes=5))
    with mixer.uow() as uow:
        found = conditions.lot_conditions(uow, actor=mixer.actor, code="DOUGH/D-1")
    (window,) = found.windows
    assert window.resolution is Resolution.RAW
    assert len(window.points) == 6 * 5 + 1  # 1..6 min, both ends
    assert found.excursions == ()


@pytest.mark.parametrize("excursion_first", [True, False])
def test_a_review_holds_a_lot_made_during_an_excursion_once_in_either_order(
    mixer: Plant, excursion_first: bool
) -> None:
    if excursion_first:
        _readings(mixer, T0 - timedelta(minutes=5), 30, hot=(3, 4))
        _make(mixer, "D-1", T0, T0 + timedelta(minutes=10))
    else:
        _make(mixer, "D-1", T0, T0 + timedelta(minutes=10))
        assert _review(mixer) == conditions.FlagResult((), ())
        _readings(mixer, T0 - timedelta(minutes=5), 30, hot=(3, 4))
    _make(mixer, "D-2", T0 + timedelta(minutes=12), T0 + timedelta(minutes=20))
    first = _review(mixer)
    assert first.held == ("DOUGH/D-1",)
    assert len(first.flagged) == 1
    assert first.flagged[0].startswith("DOUGH/D-1: MIX1/temp 85")
    assert _review(mixer) == conditions.FlagResult((), ())  # idempotent: no second hold
    assert _status(mixer, "DOUGH/D-1") is LotStatus.ON_HOLD
    assert _status(mixer, "DOUGH/D-2") is LotStatus.ACTIVE
    with mixer.uow() as uow:
        decisions = dispositions.decisions_of(uow, "DOUGH/D-1")
    (hold,) = decisions
    assert hold.decided_by == "system"
    assert hold.rule is not None
    assert hold.rule.startswith("sensor excursion MIX1/temp 85 degC above USL 80 from 2026-11-30")
    assert "10:03:00Z" in hold.rule
    assert "for review" in hold.reason


def test_an_excursion_still_open_holds_and_its_growth_does_not_hold_again(mixer: Plant) -> None:
    _make(mixer, "D-1", T0, T0 + timedelta(minutes=10))
    _readings(mixer, T0, 4, hot=(3, 99))  # still hot at the last reading: open
    assert _review(mixer).held == ("DOUGH/D-1",)
    _readings(mixer, T0 + timedelta(minutes=4), 6, hot=(3, 5))  # it grows, then ends
    assert _review(mixer) == conditions.FlagResult((), ())


def test_without_the_hold_setting_a_review_flags_only(mixer: Plant) -> None:
    _readings(mixer, T0 - timedelta(minutes=5), 30, hot=(3, 4))
    _make(mixer, "D-1", T0, T0 + timedelta(minutes=10))
    result = _review(mixer, hold=False)
    assert result.held == ()
    assert len(result.flagged) == 1
    assert _status(mixer, "DOUGH/D-1") is LotStatus.ACTIVE
    assert _review(mixer, hold=True) == conditions.FlagResult((), ())  # flagged once already


LOGGER_CSV = """time,temperature,humidity
2026-11-30T12:00:00Z,4.0,60
2026-11-30T12:10:00Z,4.5,61
2026-11-30T12:20:00Z,9.5,62
2026-11-30T12:30:00Z,10.0,
2026-11-30T12:40:00Z,5.0,63
2026-11-30T12:50:00Z,4.0,64
"""


def test_a_transit_loggers_csv_flags_the_shipped_lots(mixer: Plant) -> None:
    _make(mixer, "D-1", T0, T0 + timedelta(minutes=10))
    _make(mixer, "D-2", T0, T0 + timedelta(minutes=10))
    with mixer.uow() as uow:
        ship(
            uow,
            actor=mixer.actor,
            customer="SHOP1",
            items=[PackItem("DOUGH/D-1")],
            reference_document="DN-7",
            event_time=T0 + timedelta(hours=1),
        )
    with mixer.uow() as uow:
        imported = conditions.import_logger(
            uow,
            actor=mixer.actor,
            shipment="DN-7",
            logger="LG-42",
            text=LOGGER_CSV,
            units={"temperature": "degC", "humidity": "%"},
            limits={"temperature": Limits(usl=8.0)},
            hold=True,
        )
    assert [c.key for c in imported.channels] == ["LG-42/temperature", "LG-42/humidity"]
    assert imported.readings == 11
    assert imported.start_us == to_micros(datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    # Shipped lots are gone from the plant: flagged, not held
    assert imported.review.held == ()
    (flag,) = imported.review.flagged
    assert flag.startswith("DOUGH/D-1: LG-42/temperature 10 degC above USL 8 from 2026-11-30 12:20")
    with mixer.uow() as uow:
        shipped = conditions.lot_conditions(uow, actor=mixer.actor, code="DOUGH/D-1")
        kept = conditions.lot_conditions(uow, actor=mixer.actor, code="DOUGH/D-2")
    transit = [r for r in shipped.residences if r.kind is ResidenceKind.TRANSIT]
    assert [r.label for r in transit] == ["in transit: shipment DN-7"]
    assert shipped.flagged
    assert not kept.flagged
    assert {w.channel.key for w in shipped.windows} == {
        "MIX1/temp",
        "LG-42/temperature",
        "LG-42/humidity",
    }
    with mixer.uow() as uow, pytest.raises(NotFound, match="DN-8"):
        conditions.import_logger(
            uow, actor=mixer.actor, shipment="DN-8", logger="LG-42", text=LOGGER_CSV
        )
    with mixer.uow() as uow, pytest.raises(InvalidInput, match="Line 3"):
        conditions.import_logger(
            uow,
            actor=mixer.actor,
            shipment="DN-7",
            logger="LG-42",
            text="time,t\n2026-11-30T12:00:00Z,4\nyesterday,4\n",
        )


def test_conditions_of_an_unknown_lot_are_refused(plant: Plant) -> None:
    with UnitOfWork(plant.engine) as uow, pytest.raises(NotFound):
        conditions.lot_conditions(uow, actor=plant.actor, code="DOUGH/NOPE")


def test_a_logger_channel_heard_over_mqtt_is_bound_to_a_shipment_for_a_window(
    mixer: Plant,
) -> None:
    _make(mixer, "D-1", T0, T0 + timedelta(minutes=10))
    with mixer.uow() as uow:
        ship(
            uow,
            actor=mixer.actor,
            customer="SHOP2",
            items=[PackItem("DOUGH/D-1")],
            reference_document="DN-5",
            event_time=T0 + timedelta(hours=1),
        )
    trip = T0 + timedelta(hours=2)
    # The recorder created the logger's channel when it first heard it; limits come later
    readings = [
        Reading("trucks", "LG-9", "temp", to_micros(trip + timedelta(minutes=m)), v, "degC")
        for m, v in ((0, 4.0), (10, 5.0), (20, 12.5), (30, 4.5))
    ]
    with mixer.uow() as uow:
        sensors.add_channel(
            uow,
            actor=mixer.actor,
            site="trucks",
            equipment="LG-9",
            name="temp",
            quantity="temperature",
            unit="degC",
            limits=Limits(usl=8.0),
        )
    store.SensorWriter(mixer.engine, auto_create=False).write(readings)
    with mixer.uow() as uow:
        bound = conditions.bind_logger(
            uow,
            actor=mixer.actor,
            shipment="DN-5",
            channel="LG-9/temp",
            start_us=to_micros(trip),
            end_us=to_micros(trip + timedelta(hours=1)),
        )
    (flag,) = bound.review.flagged
    assert flag.startswith("DOUGH/D-1: LG-9/temp 12.5 degC above USL 8 from 2026-11-30 12:20:00Z")
    with mixer.uow() as uow:
        audited = set(
            uow.session.execute(
                select(AuditEntry.entity, AuditEntry.action, AuditEntry.username).where(
                    AuditEntry.entity.in_(["shipment_loggers", "condition_flags"])
                )
            ).all()
        )
    assert audited == {
        ("shipment_loggers", "create", "admin"),
        ("condition_flags", "create", "admin"),
    }
    with mixer.uow() as uow, pytest.raises(InvalidInput, match="not after its start"):
        conditions.bind_logger(
            uow, actor=mixer.actor, shipment="DN-5", channel="LG-9/temp", start_us=2, end_us=1
        )
