"""The live monitor's use cases on SQLite and PostgreSQL: who may watch, acknowledging once, history width."""

from __future__ import annotations

import time

import numpy as np
import pytest
from sqlalchemy import Engine, select

from traceapp.db import sensors as store
from traceapp.db.engine import WRITE_OPTION
from traceapp.db.models import AuditEntry
from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.errors import AlreadyExists, NotFound, PermissionDenied
from traceapp.domain.sensors import MICROS, ExcursionKind, Limits, Reading
from traceapp.services import live
from traceapp.services.masterdata import actor_for
from traceapp.services.users import add_user

SITE = "s1"


def _person(engine: Engine, admin: Actor, name: str, role: str) -> Actor:
    with UnitOfWork(engine) as uow:
        add_user(
            uow, actor=admin, username=name, full_name=name, role=role, password="pw-2026-long"
        )
    with UnitOfWork(engine) as uow:
        return actor_for(uow, username=name)


def _channel_with_excursion(engine: Engine) -> tuple[int, int]:
    """A channel whose readings went above its USL once; (channel id, excursion start)."""
    with engine.connect().execution_options(**{WRITE_OPTION: True}) as c, c.begin():
        channel = store.add_channel(
            c, site=SITE, equipment="oven1", name="temp", quantity="t", unit="degC",
            limits=Limits(lsl=170.0, usl=190.0), expected_period_us=5 * MICROS,
        )  # fmt: skip
    now = time.time_ns() // 1000
    values = [180.0, 195.0, 196.0, 181.0]
    readings = [
        Reading(SITE, "oven1", "temp", now - (len(values) - i) * MICROS, v, "degC")
        for i, v in enumerate(values)
    ]
    store.SensorWriter(engine, auto_create=False).write(readings)
    return channel.id, readings[1].time_us


def test_acknowledging_an_alarm_is_audited_once_and_shown_with_who(
    engine: Engine, admin: Actor
) -> None:
    channel_id, start = _channel_with_excursion(engine)
    sam = _person(engine, admin, "sam.sup", "supervisor")
    now = time.time_ns() // 1000
    with UnitOfWork(engine, write=False) as uow:
        update = live.poll(
            uow, actor=sam, since_us={channel_id: 0}, now_us=now, window_us=60 * MICROS
        )
    assert update.series[0].values.tolist() == [180.0, 195.0, 196.0, 181.0]
    assert update.alarms is not None
    [alarm] = update.alarms
    assert (alarm.kind, alarm.start_us, alarm.worst, alarm.acknowledged) == (
        ExcursionKind.SPEC, start, 196.0, False,
    )  # fmt: skip

    with UnitOfWork(engine) as uow:
        done = live.acknowledge(
            uow, actor=sam, channel_id=channel_id, kind=ExcursionKind.SPEC, start_us=start
        )
    assert done.acknowledged_by == "sam.sup"
    with UnitOfWork(engine) as uow, pytest.raises(AlreadyExists, match=r"acknowledged by sam\.sup"):
        live.acknowledge(
            uow, actor=admin, channel_id=channel_id, kind=ExcursionKind.SPEC, start_us=start
        )
    with UnitOfWork(engine, write=False) as uow:
        update = live.poll(
            uow, actor=admin, since_us={channel_id: now}, now_us=now, window_us=60 * MICROS
        )
        entries = uow.session.execute(
            select(AuditEntry.username, AuditEntry.entity_id).where(
                AuditEntry.action == "acknowledge"
            )
        ).all()
    assert update.alarms is not None
    assert [a.acknowledged_by for a in update.alarms] == ["sam.sup"]
    assert entries == [("sam.sup", f"{channel_id}:spec:{start}")]


def test_an_operator_may_not_watch_or_acknowledge(engine: Engine, admin: Actor) -> None:
    channel_id, start = _channel_with_excursion(engine)
    olga = _person(engine, admin, "olga.op", "operator")
    with UnitOfWork(engine) as uow, pytest.raises(PermissionDenied, match="supervisor"):
        live.acknowledge(
            uow, actor=olga, channel_id=channel_id, kind=ExcursionKind.SPEC, start_us=start
        )
    with UnitOfWork(engine) as uow, pytest.raises(PermissionDenied):
        live.channels(uow, actor=olga)


def test_an_alarm_that_does_not_exist_cannot_be_acknowledged(engine: Engine, admin: Actor) -> None:
    channel_id, start = _channel_with_excursion(engine)
    with UnitOfWork(engine) as uow, pytest.raises(NotFound, match="no control alarm"):
        live.acknowledge(
            uow, actor=admin, channel_id=channel_id, kind=ExcursionKind.CONTROL, start_us=start
        )


def test_history_is_per_second_up_to_two_hours_and_per_minute_beyond(
    engine: Engine, admin: Actor
) -> None:
    channel_id, start = _channel_with_excursion(engine)
    with UnitOfWork(engine, write=False) as uow:
        short = live.history(
            uow, actor=admin, channel_ids=[channel_id], start_us=start - 60 * MICROS,
            end_us=start + 60 * MICROS,
        )  # fmt: skip
        long = live.history(
            uow, actor=admin, channel_ids=[channel_id], start_us=start - 3 * 3600 * MICROS,
            end_us=start + 60 * MICROS,
        )  # fmt: skip
    assert short.width == "second"
    assert short.series[0].maximum.tolist() == [180.0, 195.0, 196.0, 181.0]
    assert long.width == "minute"
    assert long.series[0].maximum.max() == 196.0


def test_a_poll_reads_arrays_of_close_and_far_apart_channels(engine: Engine, admin: Actor) -> None:
    """One query for channels whose last readings lie close, one each when far apart; the same
    float64 arrays either way (times in seconds, values), only what is newer than each since."""
    with engine.connect().execution_options(**{WRITE_OPTION: True}) as c, c.begin():
        ids = [
            store.add_channel(
                c, site=SITE, equipment="line", name=name, quantity="t", unit="degC",
                limits=Limits(), expected_period_us=MICROS,
            ).id
            for name in ("a", "b")
        ]  # fmt: skip
    now = time.time_ns() // 1000
    readings = [
        Reading(SITE, "line", name, now - (10 - i) * MICROS, 10.0 * k + i, "degC")
        for k, name in enumerate(("a", "b"))
        for i in range(10)
    ]
    store.SensorWriter(engine, auto_create=False).write(readings)
    times = {name: [r.time_us for r in readings if r.channel == name] for name in ("a", "b")}
    close = {ids[0]: times["a"][6], ids[1]: times["b"][7]}
    far = {ids[0]: times["a"][6], ids[1]: 0}  # b never seen: read from MAX_POLL_US back
    for since in (close, far):
        with UnitOfWork(engine, write=False) as uow:
            update = live.poll(
                uow, actor=admin, since_us=since, now_us=now, window_us=60 * MICROS,
                with_events=False,
            )  # fmt: skip
        a, b = update.series
        assert (a.channel_id, b.channel_id) == tuple(ids)
        assert a.values.dtype == np.float64
        assert a.times.dtype == np.float64
        assert a.values.tolist() == [7.0, 8.0, 9.0]
        assert a.times.tolist() == [t / MICROS for t in times["a"][7:]]
        expected_b = [18.0, 19.0] if since is close else [10.0 + i for i in range(10)]
        assert b.values.tolist() == expected_b
        assert update.gaps is None
