"""The OPC UA source against an asyncua server started here on a loopback port, through an outage."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence

import pytest

from tests.devices.sensors.mqtt_helpers import TcpProxy
from tests.devices.sensors.opcua_helpers import ServerThread
from traceapp.devices.input.events import SourceState
from traceapp.devices.sensors.opcua import OpcUaAddress, OpcUaChannel, OpcUaSource
from traceapp.domain.errors import InvalidInput
from traceapp.domain.sensors import Reading


@pytest.fixture
def server() -> Iterator[ServerThread]:
    started = ServerThread()
    yield started
    started.close()


class Collector:
    def __init__(self) -> None:
        self.readings: list[Reading] = []
        self.states: list[SourceState] = []

    def sink(self, batch: Sequence[Reading]) -> None:
        self.readings.extend(batch)

    def values(self) -> list[float]:
        return [r.value for r in self.readings]


def wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def test_source_urls_name_nodes_and_their_channels() -> None:
    address = OpcUaAddress.parse(
        "opc.tcp://127.0.0.1:4840/ua?node=ns=2;i=2@p1/oven3/temp:degC&node=ns=2;s=Speed@p1/mix/rpm"
    )
    assert address.endpoint == "opc.tcp://127.0.0.1:4840/ua"
    assert address.nodes == {
        "ns=2;i=2": OpcUaChannel("p1", "oven3", "temp", "degC"),
        "ns=2;s=Speed": OpcUaChannel("p1", "mix", "rpm", ""),
    }
    for bad in ("opc.tcp://h:1", "opc.tcp://h:1?node=ns=2;i=2", "http://h?node=a@b/c/d",
                "opc.tcp://h:1?node=ns=2;i=2@p1/oven3", "opc.tcp://h:1?node=x@a/b/c&colour=1"):  # fmt: skip
        with pytest.raises(InvalidInput):
            OpcUaAddress.parse(bad)


def test_values_of_subscribed_nodes_arrive_with_their_time_and_bad_ones_are_counted(
    server: ServerThread,
) -> None:
    got = Collector()
    temp = server.temp.nodeid.to_string()
    text = server.text.nodeid.to_string()
    url = f"opc.tcp://127.0.0.1:{server.port}/?node={temp}@p1/oven3/temp:degC&node={text}@p1/oven3/state"
    source = OpcUaSource(OpcUaAddress.parse(url), got.sink, on_state=got.states.append)
    source.start()
    try:
        wait_for(lambda: source.state == SourceState.CONNECTED)
        wait_for(lambda: got.values() == [20.0] and source.bad == 1)  # initial values
        server.write(server.temp, 180.5)
        wait_for(lambda: got.values() == [20.0, 180.5])
    finally:
        source.stop()
    last = got.readings[-1]
    assert (last.site, last.equipment, last.channel, last.unit) == ("p1", "oven3", "temp", "degC")
    assert abs(last.time_us - time.time_ns() // 1000) < 30_000_000
    assert got.states == [SourceState.CONNECTED, SourceState.STOPPED]


def test_after_an_outage_the_source_reconnects_and_subscribes_again(server: ServerThread) -> None:
    proxy = TcpProxy(("127.0.0.1", server.port))
    got = Collector()
    temp = server.temp.nodeid.to_string()
    url = f"opc.tcp://127.0.0.1:{proxy.port}/?node={temp}@p1/oven3/temp"
    source = OpcUaSource(OpcUaAddress.parse(url), got.sink, on_state=got.states.append)
    source.start()
    try:
        wait_for(lambda: got.values() == [20.0])
        proxy.cut()
        wait_for(lambda: source.state == SourceState.RECONNECTING)
        server.write(server.temp, 25.0)  # while cut: not seen as such
        time.sleep(1.5)
        proxy.restore()
        wait_for(lambda: source.state == SourceState.CONNECTED, timeout=30)
        wait_for(lambda: got.values()[-1:] == [25.0])  # the current value on subscribing again
        server.write(server.temp, 30.0)
        wait_for(lambda: got.values()[-1:] == [30.0])
    finally:
        source.stop()
        proxy.close()
    assert got.states[:3] == [
        SourceState.CONNECTED,
        SourceState.RECONNECTING,
        SourceState.CONNECTED,
    ]
