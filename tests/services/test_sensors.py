"""Sensor use cases: channels (permission, audit), export, and the recorder from the simulator and MQTT."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import OperationalError

from tests.devices.sensors.mqtt_helpers import Publisher, TcpProxy, require_broker, unique_site
from tests.devices.sensors.opcua_helpers import ServerThread
from traceapp.db import sensors as store
from traceapp.db.models import AuditEntry
from traceapp.db.models.sensors import sensor_readings
from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.errors import AlreadyExists, InvalidInput, NotFound, PermissionDenied
from traceapp.domain.permissions import Role
from traceapp.domain.sensors import SECOND_US, Limits, Reading, ReadingBlock
from traceapp.services import sensors
from traceapp.services.masterdata import actor_for
from traceapp.services.users import add_user

T0 = 1_796_040_000_000_000


def wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


def _person(engine: Engine, admin: Actor, role: str) -> Actor:
    with UnitOfWork(engine) as uow:
        add_user(
            uow,
            actor=admin,
            username="olga",
            full_name="Olga",
            role=role,
            password="pw-12345678901",
        )
    with UnitOfWork(engine, write=False) as uow:
        return actor_for(uow, username="olga")


def test_an_administrator_adds_a_channel_and_it_is_audited(engine: Engine, admin: Actor) -> None:
    with UnitOfWork(engine) as uow:
        channel = sensors.add_channel(
            uow, actor=admin, site="p1", equipment="oven3", name="temp",
            quantity="temperature", unit="degC", limits=Limits(lsl=150, usl=200),
        )  # fmt: skip
    assert (channel.key, channel.unit, channel.limits.usl) == ("oven3/temp", "degC", 200)
    with UnitOfWork(engine) as uow:
        assert [c.key for c in sensors.list_channels(uow, actor=admin)] == ["oven3/temp"]
        audited = uow.session.execute(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.entity == "sensor_channels")
        ).scalar_one()
        assert audited == 1
        with pytest.raises(AlreadyExists):
            sensors.add_channel(
                uow, actor=admin, site="p1", equipment="oven3", name="temp", quantity="", unit=""
            )


def test_an_operator_may_not_add_channels(engine: Engine, admin: Actor) -> None:
    operator = _person(engine, admin, Role.OPERATOR)
    with UnitOfWork(engine) as uow, pytest.raises(PermissionDenied):
        sensors.add_channel(
            uow, actor=operator, site="p1", equipment="oven3", name="temp", quantity="", unit=""
        )


def test_export_gives_raw_readings_or_aggregates_of_a_window(engine: Engine, admin: Actor) -> None:
    store.SensorWriter(engine).write(
        [Reading("p1", "oven3", "temp", T0 + i * SECOND_US // 2, float(i)) for i in range(10)]
    )
    with UnitOfWork(engine) as uow:
        raw = sensors.export_readings(
            uow,
            actor=admin,
            channel="oven3/temp",
            start_us=T0 + SECOND_US,
            end_us=T0 + 2 * SECOND_US,
        )
        assert raw.readings == ((T0 + SECOND_US, 2.0), (T0 + 3 * SECOND_US // 2, 3.0))
        per_second = sensors.export_readings(
            uow, actor=admin, channel="oven3/temp", start_us=T0, end_us=T0 + 60 * SECOND_US,
            aggregate="second",
        )  # fmt: skip
        assert [(a.minimum, a.mean, a.maximum, a.count) for a in per_second.aggregates] == [
            (2.0 * i, 2.0 * i + 0.5, 2.0 * i + 1, 2) for i in range(5)
        ]
        with pytest.raises(NotFound):
            sensors.export_readings(uow, actor=admin, channel="oven3/x", start_us=0, end_us=1)
        with pytest.raises(InvalidInput):
            sensors.export_readings(uow, actor=admin, channel="oven3", start_us=0, end_us=1)


def _count(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(sensor_readings)).scalar_one()


def test_the_recorder_writes_what_the_simulator_gives(engine: Engine) -> None:
    events: list[str] = []
    recorder = sensors.Recorder(
        engine, "simulator://?channels=4&rate=200&seed=1", on_event=events.append
    )
    recorder.start()
    time.sleep(1.2)
    recorder.stop()
    status = recorder.status()
    assert status.channels == 4
    assert status.written == _count(engine)
    assert 4 * 200 * 0.6 < status.written < 4 * 200 * 2
    assert events[0] == "source connected"
    assert events[-1] == "source stopped"


@pytest.mark.parametrize(
    "url", ["http://x", "simulator://?rate=0", "simulator://?channels=two", "simulator://?colour=1"]
)
def test_a_bad_source_url_is_refused(sqlite_engine: Engine, url: str) -> None:
    with pytest.raises(InvalidInput):
        sensors.Recorder(sqlite_engine, url)


@pytest.mark.mqtt
def test_the_recorder_records_mqtt_readings_and_the_gap_of_an_outage(sqlite_engine: Engine) -> None:
    require_broker()
    site = unique_site()
    proxy = TcpProxy()
    publisher = Publisher()
    events: list[str] = []
    recorder = sensors.Recorder(
        sqlite_engine,
        f"mqtt://127.0.0.1:{proxy.port}/plant/{site}/#",
        default_period_us=SECOND_US,
        batch_seconds=0.1,
        on_event=events.append,
    )
    topic = f"plant/{site}/oven3/temp"
    recorder.start()
    try:
        wait_for(lambda: "source connected" in events)
        time.sleep(0.3)
        publisher.send(topic, {"value": 180.0, "unit": "degC"})
        wait_for(lambda: _count(sqlite_engine) == 1)

        proxy.cut()
        wait_for(lambda: "source reconnecting" in events)
        wait_for(lambda: any(e.startswith("gap: oven3/temp silent since") for e in events))
        assert recorder.status().open_gaps == 1

        proxy.restore()
        wait_for(lambda: events.count("source connected") == 2, timeout=30)
        time.sleep(0.3)
        publisher.send(topic, {"value": 181.0, "unit": "degC"})
        wait_for(lambda: _count(sqlite_engine) == 2)
        wait_for(lambda: recorder.status().open_gaps == 0)
    finally:
        recorder.stop()
        publisher.close()
        proxy.close()
    with sqlite_engine.connect() as connection:
        channel = store.channel_by_key(connection, "oven3", "temp")
        (first, second) = store.readings_between(connection, channel.id, 0, 2**62)
        (gap,) = store.gaps_between(connection, channel.id, 0, 2**62)
    assert (gap.start_us, gap.end_us) == (first[0], second[0])
    assert channel.unit == "degC"


def test_the_recorder_writes_what_an_opc_ua_server_publishes(sqlite_engine: Engine) -> None:
    server = ServerThread()
    node = server.temp.nodeid.to_string()
    recorder = sensors.Recorder(
        sqlite_engine,
        f"opc.tcp://127.0.0.1:{server.port}/?node={node}@plant1/oven3/temp:degC",
        batch_seconds=0.1,
    )
    recorder.start()
    try:
        wait_for(lambda: _count(sqlite_engine) == 1)  # the value when subscribing
        server.write(server.temp, 185.0)
        wait_for(lambda: _count(sqlite_engine) == 2)
    finally:
        recorder.stop()
        server.close()
    with sqlite_engine.connect() as connection:
        channel = store.channel_by_key(connection, "oven3", "temp")
        values = [v for _, v in store.readings_between(connection, channel.id, 0, 2**62)]
    assert (channel.site, channel.unit, values) == ("plant1", "degC", [20.0, 185.0])


def test_readings_are_kept_while_the_database_fails_and_written_when_it_is_back(
    sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[str] = []
    recorder = sensors.Recorder(
        sqlite_engine, "simulator://?channels=2&rate=100", batch_seconds=0.05,
        on_event=events.append,
    )  # fmt: skip
    real_write = recorder._writer.write_blocks
    failures = {"left": 5}

    def flaky(batch: list[ReadingBlock]) -> store.BatchResult:
        if failures["left"]:
            failures["left"] -= 1
            raise OperationalError("INSERT", {}, Exception("server closed the connection"))
        return real_write(batch)

    monkeypatch.setattr(recorder._writer, "write_blocks", flaky)
    received: list[Reading] = []
    original_take = recorder._take

    def counting(
        blocks: list[ReadingBlock], *, front: bool = False, arrived: float | None = None
    ) -> None:
        if not front:
            received.extend(r for b in blocks for r in b.readings())
        original_take(blocks, front=front, arrived=arrived)

    monkeypatch.setattr(recorder, "_take", counting)
    recorder._source = sensors._Source(recorder.source_url, counting, recorder._state_changed)
    recorder.start()
    wait_for(lambda: "database available again" in events)
    time.sleep(0.3)
    recorder.stop()
    assert failures["left"] == 0
    assert [e for e in events if e.startswith("database")] == [
        "database unavailable, keeping readings: server closed the connection",
        "database available again",
    ]
    assert recorder.status().written == _count(sqlite_engine) == len(received) > 0
