"""MQTT sensor source (paho-mqtt): topics plant/<site>/<equipment>/<channel>, JSON payloads.

Payload: {"value": 21.5, "unit": "degC", "time": "2026-11-30T12:00:00.123Z"}. `value` is a
finite number; `unit` an optional text; `time` an ISO 8601 time with offset or Unix seconds
(without it, the time the message arrived). A bad topic or payload is counted and logged, never
raised: one misbehaving publisher must not stop the recorder. paho's network thread reconnects by
itself with a growing delay; every change of connection is reported to `on_state`.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from traceapp.devices.input.events import SourceState
from traceapp.devices.sensors.simulator import ReadingSink
from traceapp.domain.errors import InvalidInput
from traceapp.domain.sensors import MICROS, Reading, check_name, parse_time

_log = logging.getLogger(__name__)

TOPIC_ROOT = "plant"
RECONNECT_MIN_S = 1  # first retry soon: a broker restart is usually quick
RECONNECT_MAX_S = 10  # then no more than this apart, so a long outage ends within seconds
KEEPALIVE_S = 5  # a dead link (cable, proxy) is noticed within about 1.5 times this

StateSink = Callable[[SourceState], None]


@dataclass(frozen=True, slots=True)
class MqttAddress:
    host: str
    port: int
    topic: str

    @classmethod
    def parse(cls, url: str) -> MqttAddress:
        """mqtt://HOST[:PORT]/TOPIC-FILTER, e.g. mqtt://127.0.0.1:1883/plant/#."""
        parts = urlsplit(url)
        if parts.scheme != "mqtt" or not parts.hostname:
            raise InvalidInput(
                f"{url!r} is not an MQTT source.",
                hint="Write it like mqtt://127.0.0.1:1883/plant/#.",
            )
        topic = parts.path.lstrip("/") or f"{TOPIC_ROOT}/#"
        if parts.fragment:  # '#' starts a URL fragment: plant/# arrives split in two
            topic += "#" + parts.fragment
        elif url.endswith("#"):
            topic += "#"
        return cls(parts.hostname, parts.port or 1883, topic)


def parse_message(topic: str, payload: bytes | bytearray, received_us: int) -> Reading:
    """One reading from a message, or InvalidInput saying what is wrong with it."""
    levels = topic.split("/")
    if len(levels) != 4 or levels[0] != TOPIC_ROOT:
        raise InvalidInput(
            f"Topic {topic!r} is not plant/<site>/<equipment>/<channel>.", hint="Fix the publisher."
        )
    site, equipment, channel = (
        check_name("site", levels[1]),
        check_name("equipment", levels[2]),
        check_name("channel", levels[3]),
    )
    try:
        data = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InvalidInput(f"Payload on {topic} is not JSON.", hint="Send a JSON object.") from None
    if not isinstance(data, dict):
        raise InvalidInput(f"Payload on {topic} is not a JSON object.", hint='{"value": 1.0}')
    value = data.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInput(
            f"Payload on {topic} has no finite number 'value'.", hint='{"value": 1.0}'
        )
    unit = data.get("unit", "")
    if not isinstance(unit, str) or len(unit) > 16:
        raise InvalidInput(f"Payload on {topic} has a bad 'unit'.", hint="A short text, e.g. degC.")
    moment = data.get("time")
    if moment is None:
        time_us = received_us
    elif isinstance(moment, str):
        time_us = parse_time(moment)
    elif isinstance(moment, int | float) and not isinstance(moment, bool) and math.isfinite(moment):
        time_us = round(moment * MICROS)
    else:
        raise InvalidInput(f"Payload on {topic} has a bad 'time'.", hint="ISO 8601 with offset.")
    return Reading(site, equipment, channel, time_us, float(value), unit)


class MqttSource:
    """Subscribes to a topic filter and hands each valid reading to `sink` (from paho's thread)."""

    def __init__(
        self,
        address: MqttAddress,
        sink: ReadingSink,
        *,
        on_state: StateSink | None = None,
        client_id: str = "",
        keepalive_s: int = KEEPALIVE_S,
    ) -> None:
        self.address = address
        self.received = 0
        self.bad = 0
        self.state = SourceState.STARTING
        self._sink = sink
        self._on_state = on_state
        self._keepalive = keepalive_s
        self._lock = threading.Lock()
        self._stopping = False
        self._client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id)
        self._client.reconnect_delay_set(RECONNECT_MIN_S, RECONNECT_MAX_S)
        self._client.on_connect = self._connected
        self._client.on_disconnect = self._disconnected
        self._client.on_message = self._message

    def start(self) -> None:
        # connect_async + loop_start: the network thread makes the first connection too, and
        # keeps retrying it while the broker is down, instead of failing here.
        self._client.connect_async(self.address.host, self.address.port, self._keepalive)
        self._client.loop_start()

    def stop(self) -> None:
        self._stopping = True  # the disconnect below is ours: not a lost connection
        self._client.disconnect()
        self._client.loop_stop()
        self._set_state(SourceState.STOPPED)

    def _set_state(self, state: SourceState) -> None:
        with self._lock:
            if state == self.state:
                return
            self.state = state
        _log.info("MQTT %s:%s %s", self.address.host, self.address.port, state.value)
        if self._on_state is not None:
            try:
                self._on_state(state)
            except Exception:
                _log.exception("state callback failed")

    def _connected(self, client: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        if reason.is_failure:
            _log.warning("MQTT broker refused the connection: %s", reason)
            self._set_state(SourceState.RECONNECTING)
            return
        client.subscribe(self.address.topic, qos=0)
        self._set_state(SourceState.CONNECTED)

    def _disconnected(self, _c: mqtt.Client, _u: Any, _f: Any, _reason: Any, _p: Any) -> None:
        if not self._stopping:
            self._set_state(SourceState.RECONNECTING)

    def _message(self, _c: mqtt.Client, _u: Any, message: mqtt.MQTTMessage) -> None:
        try:
            reading = parse_message(message.topic, message.payload, time.time_ns() // 1000)
        except InvalidInput as exc:
            self.bad += 1
            _log.warning("Dropped MQTT message: %s", exc)
            return
        self.received += 1
        try:
            self._sink([reading])
        except Exception:
            _log.exception("reading sink failed")
