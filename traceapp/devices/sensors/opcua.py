"""OPC UA sensor source (asyncua): subscribes to configured nodes, each one channel.

The client runs in an asyncio loop of its own thread. A data change becomes a Reading (the
server's source timestamp, else the time it arrived); a value that is not a finite number is
counted and logged. When the connection is lost, the source reports it, waits (1, 2, 4 … at
most 10 s) and connects and subscribes again, until stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from asyncua.client.client import Client
from asyncua.common.node import Node
from asyncua.common.subscription import DataChangeNotif

from traceapp.devices.input.events import SourceState
from traceapp.devices.sensors.simulator import ReadingSink
from traceapp.domain.errors import InvalidInput
from traceapp.domain.sensors import Reading, check_name, to_micros

_log = logging.getLogger(__name__)

PUBLISH_MS = 100  # the server sends what changed at most this often
REQUEST_TIMEOUT_S = 4.0
RECONNECT_MIN_S = 1.0
RECONNECT_MAX_S = 10.0

StateSink = Callable[[SourceState], None]


@dataclass(frozen=True, slots=True)
class OpcUaChannel:
    site: str
    equipment: str
    channel: str
    unit: str = ""


@dataclass(frozen=True, slots=True)
class OpcUaAddress:
    endpoint: str  # opc.tcp://host:port[/path]
    nodes: Mapping[str, OpcUaChannel]  # node id ("ns=2;i=7") -> the channel it feeds

    @classmethod
    def parse(cls, url: str) -> OpcUaAddress:
        """opc.tcp://HOST:PORT[/PATH]?node=NODEID@SITE/EQUIPMENT/CHANNEL[:UNIT]&node=…"""
        parts = urlsplit(url)
        hint = "Write it like opc.tcp://127.0.0.1:4840?node=ns=2;i=2@plant1/oven3/temp:degC."
        if parts.scheme != "opc.tcp" or not parts.hostname:
            raise InvalidInput(f"{url!r} is not an OPC UA source.", hint=hint)
        query = parse_qs(parts.query, keep_blank_values=True)
        unknown = set(query) - {"node"}
        if unknown or not query.get("node"):
            raise InvalidInput(f"{url!r} names no node=… (or other options).", hint=hint)
        nodes: dict[str, OpcUaChannel] = {}
        for item in query["node"]:
            node_id, at, key = item.rpartition("@")
            key, _, unit = key.partition(":")
            levels = key.split("/")
            if not at or not node_id or len(levels) != 3:
                raise InvalidInput(f"{item!r} is not NODEID@SITE/EQUIPMENT/CHANNEL.", hint=hint)
            nodes[node_id] = OpcUaChannel(
                check_name("site", levels[0]),
                check_name("equipment", levels[1]),
                check_name("channel", levels[2]),
                unit,
            )
        endpoint = f"opc.tcp://{parts.netloc}{parts.path}"
        return cls(endpoint, nodes)


class OpcUaSource:
    """Subscribes to the address's nodes and hands each valid value to `sink` (from its thread)."""

    def __init__(
        self, address: OpcUaAddress, sink: ReadingSink, *, on_state: StateSink | None = None
    ) -> None:
        self.address = address
        self.received = 0
        self.bad = 0
        self.state = SourceState.STARTING
        self._sink = sink
        self._on_state = on_state
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._main, name="opcua-source", daemon=True)

    def start(self) -> None:
        self._thread.start()
        self._ready.wait()

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join()
        self._set_state(SourceState.STOPPED)

    def _set_state(self, state: SourceState) -> None:
        if state == self.state:
            return
        self.state = state
        _log.info("OPC UA %s %s", self.address.endpoint, state.value)
        if self._on_state is not None:
            try:
                self._on_state(state)
            except Exception:
                _log.exception("state callback failed")

    def _main(self) -> None:
        asyncio.run(self._run())

    async def _run(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        self._ready.set()
        delay = RECONNECT_MIN_S
        while not self._stop.is_set():
            lost = asyncio.Event()
            client = Client(self.address.endpoint, timeout=REQUEST_TIMEOUT_S)

            async def on_lost(_exc: Exception, lost: asyncio.Event = lost) -> None:
                lost.set()

            client.connection_lost_callback = on_lost
            try:
                await client.connect()
                try:
                    await self._subscribe(client)
                    self._set_state(SourceState.CONNECTED)
                    delay = RECONNECT_MIN_S
                    await _first(lost.wait(), self._stop.wait())
                finally:
                    await _quietly(client.disconnect())
            except (OSError, TimeoutError) as exc:
                _log.warning("OPC UA %s unreachable: %s", self.address.endpoint, exc)
            except Exception as exc:  # the server refused something: retry as for a loss
                _log.warning("OPC UA %s failed: %r", self.address.endpoint, exc)
            if self._stop.is_set():
                return
            self._set_state(SourceState.RECONNECTING)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), delay)
            delay = min(delay * 2, RECONNECT_MAX_S)

    async def _subscribe(self, client: Client) -> None:
        by_node: dict[str, OpcUaChannel] = {}
        nodes: list[Node] = []
        for node_id, channel in self.address.nodes.items():
            node = client.get_node(node_id)
            by_node[node.nodeid.to_string()] = channel
            nodes.append(node)
        handler = _Handler(self, by_node)
        subscription = await client.create_subscription(PUBLISH_MS, handler)
        await subscription.subscribe_data_change(nodes)

    def _value(self, channel: OpcUaChannel, value: Any, stamp: datetime | None) -> None:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            self.bad += 1
            _log.warning(
                "Dropped OPC UA value %r of %s/%s", value, channel.equipment, channel.channel
            )
            return
        if stamp is None:
            time_us = time.time_ns() // 1000
        else:
            time_us = to_micros(stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC))
        self.received += 1
        reading = Reading(
            channel.site, channel.equipment, channel.channel, time_us, float(value), channel.unit
        )
        try:
            self._sink([reading])
        except Exception:
            _log.exception("reading sink failed")


class _Handler:
    def __init__(self, source: OpcUaSource, by_node: dict[str, OpcUaChannel]) -> None:
        self._source = source
        self._by_node = by_node

    def datachange_notification(self, node: Node, val: Any, data: DataChangeNotif) -> None:
        channel = self._by_node.get(node.nodeid.to_string())
        if channel is None:
            return
        value = data.monitored_item.Value
        self._source._value(channel, val, None if value is None else value.SourceTimestamp)


async def _first(*waits: Any) -> None:
    tasks = [asyncio.ensure_future(w) for w in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _quietly(work: Any) -> None:
    try:
        await asyncio.wait_for(work, REQUEST_TIMEOUT_S)
    except Exception as exc:  # the link is gone already: nothing to close cleanly
        _log.debug("OPC UA disconnect: %r", exc)
