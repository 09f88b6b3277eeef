"""The MQTT source: payload checks, readings from the real Mosquitto, and reconnection after an outage."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence

import pytest

from tests.devices.sensors.mqtt_helpers import (
    Publisher,
    TcpProxy,
    require_broker,
    unique_site,
)
from traceapp.devices.input.events import SourceState
from traceapp.devices.sensors.mqtt import MqttAddress, MqttSource, parse_message
from traceapp.domain.errors import InvalidInput
from traceapp.domain.sensors import Reading, parse_time

NOW = 1_796_040_000_000_000


def test_a_payload_becomes_a_reading() -> None:
    payload = b'{"value": 21.5, "unit": "degC", "time": "2026-11-30T12:00:00.123Z"}'
    reading = parse_message("plant/p1/oven3/temp", payload, NOW)
    assert reading == Reading(
        "p1", "oven3", "temp", parse_time("2026-11-30T12:00:00.123+00:00"), 21.5, "degC"
    )
    assert parse_message("plant/p1/oven3/temp", b'{"value": 3}', NOW).time_us == NOW
    assert parse_message("plant/p1/o/t", b'{"value": 1, "time": 1.5}', NOW).time_us == 1_500_000


@pytest.mark.parametrize(
    ("topic", "payload"),
    [
        ("plant/p1/oven3", b'{"value": 1}'),
        ("other/p1/oven3/temp", b'{"value": 1}'),
        ("plant/p1/oven3/temp/x", b'{"value": 1}'),
        ("plant/p1/oven3/temp", b"21.5 degC"),
        ("plant/p1/oven3/temp", b"\xff\xfe"),
        ("plant/p1/oven3/temp", b"[1, 2]"),
        ("plant/p1/oven3/temp", b'{"unit": "degC"}'),
        ("plant/p1/oven3/temp", b'{"value": "21.5"}'),
        ("plant/p1/oven3/temp", b'{"value": true}'),
        ("plant/p1/oven3/temp", b'{"value": NaN}'),
        ("plant/p1/oven3/temp", b'{"value": 1, "time": "noon"}'),
        ("plant/p1/oven3/temp", b'{"value": 1, "time": "2026-11-30T12:00:00"}'),
        ("plant/p1/oven3/temp", b'{"value": 1, "unit": 5}'),
    ],
)
def test_bad_messages_are_refused_with_a_reason(topic: str, payload: bytes) -> None:
    with pytest.raises(InvalidInput):
        parse_message(topic, payload, NOW)


def test_source_urls_are_parsed() -> None:
    assert MqttAddress.parse("mqtt://127.0.0.1:1883/plant/#") == MqttAddress(
        "127.0.0.1", 1883, "plant/#"
    )
    assert MqttAddress.parse("mqtt://broker").topic == "plant/#"
    with pytest.raises(InvalidInput):
        MqttAddress.parse("http://broker/plant/#")


class Collector:
    def __init__(self) -> None:
        self.readings: list[Reading] = []
        self.states: list[SourceState] = []
        self.lock = threading.Lock()

    def sink(self, batch: Sequence[Reading]) -> None:
        with self.lock:
            self.readings.extend(batch)

    def state(self, state: SourceState) -> None:
        with self.lock:
            self.states.append(state)


def wait_for(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


@pytest.fixture
def publisher() -> Iterator[Publisher]:
    require_broker()
    publisher = Publisher()
    yield publisher
    publisher.close()


@pytest.mark.mqtt
def test_readings_published_to_the_broker_arrive_and_bad_ones_are_counted(
    publisher: Publisher,
) -> None:
    site = unique_site()
    got = Collector()
    source = MqttSource(
        MqttAddress("127.0.0.1", 1883, f"plant/{site}/#"), got.sink, on_state=got.state
    )
    source.start()
    try:
        wait_for(lambda: source.state == SourceState.CONNECTED)
        time.sleep(0.2)  # the subscription is acknowledged
        publisher.send(f"plant/{site}/oven3/temp", {"value": 180.5, "unit": "degC",
                                                    "time": "2026-11-30T12:00:00Z"})  # fmt: skip
        publisher.send(f"plant/{site}/oven3/temp", b"garbage", raw=True)
        publisher.send(f"plant/{site}/oven3/temp", {"value": 181.0, "unit": "degC"})
        wait_for(lambda: len(got.readings) == 2 and source.bad == 1)
    finally:
        source.stop()
    assert [(r.site, r.equipment, r.channel, r.value) for r in got.readings] == [
        (site, "oven3", "temp", 180.5),
        (site, "oven3", "temp", 181.0),
    ]
    assert got.states == [SourceState.CONNECTED, SourceState.STOPPED]


@pytest.mark.mqtt
def test_after_an_outage_the_source_reconnects_by_itself(publisher: Publisher) -> None:
    site = unique_site()
    proxy = TcpProxy()
    got = Collector()
    source = MqttSource(
        MqttAddress("127.0.0.1", proxy.port, f"plant/{site}/#"), got.sink, on_state=got.state
    )
    source.start()
    try:
        wait_for(lambda: source.state == SourceState.CONNECTED)
        time.sleep(0.2)
        publisher.send(f"plant/{site}/press1/force", {"value": 1.0})
        wait_for(lambda: len(got.readings) == 1)

        proxy.cut()
        wait_for(lambda: source.state == SourceState.RECONNECTING)
        publisher.send(f"plant/{site}/press1/force", {"value": 2.0})  # lost: nobody listens
        time.sleep(2.5)  # several refused attempts
        assert source.state == SourceState.RECONNECTING

        proxy.restore()
        wait_for(lambda: source.state == SourceState.CONNECTED, timeout=20)
        time.sleep(0.2)
        publisher.send(f"plant/{site}/press1/force", {"value": 3.0})
        wait_for(lambda: len(got.readings) == 2)
    finally:
        source.stop()
        proxy.close()
    assert [r.value for r in got.readings] == [1.0, 3.0]
    assert got.states[:3] == [
        SourceState.CONNECTED,
        SourceState.RECONNECTING,
        SourceState.CONNECTED,
    ]


@pytest.mark.mqtt
def test_a_source_started_while_the_broker_is_down_connects_when_it_comes_up() -> None:
    require_broker()
    proxy = TcpProxy()
    proxy.cut()
    got = Collector()
    source = MqttSource(MqttAddress("127.0.0.1", proxy.port, "plant/none/#"), got.sink)
    source.start()
    try:
        time.sleep(1.5)
        assert source.state != SourceState.CONNECTED
        proxy.restore()
        wait_for(lambda: source.state == SourceState.CONNECTED, timeout=20)
    finally:
        source.stop()
        proxy.close()
