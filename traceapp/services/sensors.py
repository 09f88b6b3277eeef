"""Sensor use cases: channels, export of readings, and the recorder that feeds a source into storage.

The recorder runs the source's threads and one writer thread; the caller's thread only starts,
watches and stops it, so a window (or the headless `traceapp monitor`) never waits on ingest.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import OperationalError

from traceapp.db import sensors as store
from traceapp.db.models.master import Location
from traceapp.db.models.sensors import SensorChannel
from traceapp.db.uow import UnitOfWork
from traceapp.devices.input.events import SourceState
from traceapp.devices.sensors.simulator import Simulator
from traceapp.domain.actor import Actor
from traceapp.domain.errors import AlreadyExists, InvalidInput, StorageUnavailable
from traceapp.domain.permissions import UseCase, require
from traceapp.domain.sensors import (
    MICROS,
    Aggregate,
    Channel,
    Excursion,
    Gap,
    Limits,
    Reading,
    ReadingBlock,
    blocks_of,
    check_name,
    count_readings,
)
from traceapp.services.recording import now_utc

if TYPE_CHECKING:
    from traceapp.devices.sensors import opcua
    from traceapp.devices.sensors.mqtt import MqttSource

_log = logging.getLogger(__name__)

DEFAULT_PERIOD_US = store.DEFAULT_PERIOD_US  # new channels: longer silence is a gap
BATCH_SECONDS = 0.25  # readings wait at most this long in memory before they are written
PURGE_EVERY_S = 60.0  # retention runs once a minute, not once a batch
FINAL_ATTEMPTS = 20  # at stop, tries to write what is left before giving up
MAX_BUFFER = 2_000_000  # readings held while the database is slow; beyond, the oldest are dropped


# --- channels and export ------------------------------------------------------------------------


def add_channel(
    uow: UnitOfWork,
    *,
    actor: Actor,
    site: str,
    equipment: str,
    name: str,
    quantity: str,
    unit: str,
    limits: Limits = Limits(),  # noqa: B008  (frozen)
    expected_period_us: int = store.DEFAULT_PERIOD_US,
) -> Channel:
    """Register a channel (administrators and supervisors: master data); audited."""
    require(actor.role, UseCase.MANAGE_MASTER_DATA, username=actor.username)
    uow.acting(actor)
    site, equipment, name = (
        check_name("site", site),
        check_name("equipment", equipment),
        check_name("channel", name),
    )
    if expected_period_us <= 0:
        raise InvalidInput("The expected period must be positive.", hint="e.g. --period 5")
    session = uow.session
    exists = session.execute(
        select(SensorChannel.id).where(
            SensorChannel.site == site,
            SensorChannel.equipment == equipment,
            SensorChannel.name == name,
        )
    ).first()
    if exists is not None:
        raise AlreadyExists(f"Channel {site}/{equipment}/{name} already exists.")
    location_id = session.execute(
        select(Location.id).where(Location.code == equipment)
    ).scalar_one_or_none()
    row = SensorChannel(
        site=site,
        equipment=equipment,
        name=name,
        quantity=quantity.strip() or name,
        unit=unit.strip(),
        lsl=limits.lsl,
        usl=limits.usl,
        lcl=limits.lcl,
        ucl=limits.ucl,
        expected_period_us=expected_period_us,
        location_id=location_id,
        created_at=now_utc(),
    )
    session.add(row)
    uow.commit()
    return store.find_channel(session.connection(), row.id)


def list_channels(uow: UnitOfWork, *, actor: Actor) -> list[Channel]:
    require(actor.role, UseCase.READ, username=actor.username)
    return store.list_channels(uow.session.connection())


@dataclass(frozen=True, slots=True)
class ReadingExport:
    channel: Channel
    aggregate: str | None = None  # None: raw readings; "second" or "minute": aggregates
    readings: tuple[tuple[int, float], ...] = ()
    aggregates: tuple[Aggregate, ...] = ()


def export_readings(
    uow: UnitOfWork,
    *,
    actor: Actor,
    channel: str,
    start_us: int,
    end_us: int,
    aggregate: str | None = None,
) -> ReadingExport:
    """Raw readings (or per-second / per-minute aggregates) of EQUIPMENT/CHANNEL in [start, end)."""
    require(actor.role, UseCase.EXPORT, username=actor.username)
    if end_us <= start_us:
        raise InvalidInput("The end of the window is not after its start.", hint="Swap them.")
    connection = uow.session.connection()
    found = _channel_named(connection, channel)
    if aggregate is None:
        rows = store.readings_between(connection, found.id, start_us, end_us)
        return ReadingExport(found, readings=tuple(rows))
    buckets = store.aggregates_between(connection, found.id, start_us, end_us, width=aggregate)
    return ReadingExport(found, aggregate, aggregates=tuple(buckets))


@dataclass(frozen=True, slots=True)
class ChannelGaps:
    channel: Channel
    gaps: tuple[Gap, ...]
    excursions: tuple[Excursion, ...]


def gaps_and_excursions(
    uow: UnitOfWork, *, actor: Actor, channel: str, start_us: int, end_us: int
) -> ChannelGaps:
    """The gaps (silences) and excursions (runs outside limits) of EQUIPMENT/CHANNEL in a window."""
    require(actor.role, UseCase.READ, username=actor.username)
    connection = uow.session.connection()
    found = _channel_named(connection, channel)
    return ChannelGaps(
        found,
        tuple(store.gaps_between(connection, found.id, start_us, end_us)),
        tuple(store.excursions_between(connection, found.id, start_us, end_us)),
    )


def _channel_named(connection: Connection, key: str) -> Channel:
    equipment, _, name = key.partition("/")
    if not equipment or not name:
        raise InvalidInput(f"{key!r} is not EQUIPMENT/CHANNEL.", hint="e.g. oven3/temp")
    return store.channel_by_key(connection, equipment, name)


# --- the recorder ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RecorderStatus:
    """What the recorder has done since the last status (rate) and in all (totals)."""

    state: SourceState
    readings_per_s: float  # written (committed) per second since the previous status
    written: int
    channels: int
    open_gaps: int
    gaps_recorded: int
    bad_messages: int
    dropped: int
    backlog: int = 0  # readings received and not yet written
    lag_s: float = 0.0  # how long the oldest of them has waited (0 when none waits)


class _Source:
    """A started source: MQTT, OPC UA, or the simulator in a thread of its own."""

    def __init__(self, url: str, sink: Sink, on_state: Callable[..., None]) -> None:
        self.mqtt: MqttSource | None = None
        self.opcua: opcua.OpcUaSource | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        scheme = urlsplit(url).scheme
        if scheme == "mqtt":
            # paho is imported by a recorder of MQTT only (not by the window or the CLI).
            from traceapp.devices.sensors.mqtt import MqttAddress, MqttSource

            self.mqtt = MqttSource(MqttAddress.parse(url), sink, on_state=on_state)
        elif scheme == "opc.tcp":
            # asyncua takes most of a second to import: only a recorder of OPC UA pays for it.
            from traceapp.devices.sensors import opcua as opcua_source

            self.opcua = opcua_source.OpcUaSource(
                opcua_source.OpcUaAddress.parse(url), sink, on_state=on_state
            )
        elif scheme == "simulator":
            options = {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}
            try:
                simulator = Simulator(
                    channels=int(options.pop("channels", "16")),
                    rate=float(options.pop("rate", "10")),
                    seed=int(options.pop("seed", "0")),
                    site=options.pop("site", "sim"),
                )
            except ValueError as exc:
                raise InvalidInput(
                    f"Bad simulator options in {url!r}: {exc}.", hint=_HINT
                ) from None
            if options:
                raise InvalidInput(f"Unknown simulator option(s) {', '.join(options)}.", hint=_HINT)
            self._thread = threading.Thread(
                target=simulator.run, args=(sink, self._stop), name="sensor-simulator", daemon=True
            )
            self._on_state = on_state
        else:
            raise InvalidInput(f"{url!r} is not a sensor source.", hint=_HINT)

    @property
    def bad(self) -> int:
        if self.mqtt is not None:
            return self.mqtt.bad
        return self.opcua.bad if self.opcua is not None else 0

    def start(self) -> None:
        if self.mqtt is not None:
            self.mqtt.start()
        elif self.opcua is not None:
            self.opcua.start()
        elif self._thread is not None:
            self._thread.start()
            self._on_state(SourceState.CONNECTED)

    def stop(self) -> None:
        if self.mqtt is not None:
            self.mqtt.stop()
        elif self.opcua is not None:
            self.opcua.stop()
        elif self._thread is not None:
            self._stop.set()
            self._thread.join()
            self._on_state(SourceState.STOPPED)


_HINT = (
    "Use mqtt://HOST:PORT/plant/#, opc.tcp://HOST:PORT?node=NODEID@SITE/EQUIPMENT/CHANNEL[:UNIT]"
    " or simulator://?channels=16&rate=100&seed=0."
)


Sink = Callable[[Sequence[Reading] | Sequence[ReadingBlock]], None]


@dataclass
class Recorder:
    """Reads a source and writes what it gives, batch by batch, in a writer thread.

    Sources hand over single readings (MQTT, OPC UA) or blocks of one channel's readings as
    arrays (the simulator); both wait in one buffer and are written as blocks, so per reading
    the recorder does no Python work beyond what the source did (see benchmarks/chart_frames.py).
    `on_event` gets one line per connection change and per gap (from the recorder's threads).
    """

    engine: Engine
    source_url: str
    retention_us: int | None = None
    default_period_us: int = store.DEFAULT_PERIOD_US
    batch_seconds: float = BATCH_SECONDS
    on_event: Callable[[str], None] | None = None
    _buffer: list[Reading | ReadingBlock] = field(default_factory=list)
    _buffered: int = 0  # readings in _buffer
    _oldest_at: float | None = None  # when the oldest of them arrived (monotonic)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)
    _state: SourceState = SourceState.STARTING
    _written: int = 0
    _since: int = 0
    _since_at: float = field(default_factory=time.monotonic)
    _gaps: int = 0
    _dropped: int = 0
    _failure: BaseException | None = None
    _database_down: bool = False

    def __post_init__(self) -> None:
        self._writer = store.SensorWriter(
            self.engine,
            default_period_us=self.default_period_us,
            retention_us=self.retention_us,
            keep_connection=True,
            relaxed_sync=True,
        )
        self._source = _Source(self.source_url, self._take, self._state_changed)
        self._thread = threading.Thread(target=self._write_loop, name="sensor-writer", daemon=True)

    def _event(self, line: str) -> None:
        if self.on_event is not None:
            try:
                self.on_event(line)
            except Exception:
                _log.exception("event callback failed")

    def _take(
        self,
        items: Sequence[Reading] | Sequence[ReadingBlock],
        *,
        front: bool = False,
        arrived: float | None = None,
    ) -> None:
        count = count_readings(items)
        with self._lock:
            if front:
                self._buffer[:0] = items
                self._oldest_at = arrived
            else:
                self._buffer.extend(items)
                if self._oldest_at is None:
                    self._oldest_at = time.monotonic()
            self._buffered += count
            while self._buffered > MAX_BUFFER and self._buffer:  # the oldest go first
                lost = self._buffer.pop(0)
                size = len(lost) if isinstance(lost, ReadingBlock) else 1
                self._buffered -= size
                self._dropped += size

    def _state_changed(self, state: SourceState) -> None:
        self._state = state
        self._event(f"source {state.value}")

    def start(self) -> None:
        self._thread.start()
        self._source.start()

    def stop(self) -> None:
        """Stop the source, write what it gave, and end the writer thread."""
        self._source.stop()
        self._stop.set()
        self._thread.join()
        if self._failure is not None:
            raise self._failure

    @property
    def failed(self) -> BaseException | None:
        return self._failure

    def _write_loop(self) -> None:
        last_purge = time.monotonic()
        try:
            while not self._stop.wait(self.batch_seconds):
                if not self._flush():
                    continue
                for gap in self._writer.check_silence(time.time_ns() // 1000):
                    self._gaps += 1
                    channel = next(c for c in self._writer.channels if c.id == gap.channel_id)
                    self._event(f"gap: {channel.key} silent since {_iso(gap.start_us)}")
                if time.monotonic() - last_purge >= PURGE_EVERY_S:
                    last_purge = time.monotonic()
                    self._writer.purge(time.time_ns() // 1000)
            for _ in range(FINAL_ATTEMPTS):
                if self._flush():
                    break
                time.sleep(self.batch_seconds)
            else:
                raise StorageUnavailable(
                    f"{self._buffered} readings could not be written: the database is unavailable.",
                    hint="Check the database server; the readings of this stop are lost.",
                )
        except BaseException as exc:  # handed over: stop() re-raises it
            _log.exception("sensor writer failed")
            self._failure = exc
            self._event(f"writer failed: {exc}")
        finally:
            self._writer.close()

    def _flush(self) -> bool:
        """Write what was received; False when the database failed (the readings are kept)."""
        with self._lock:
            batch, self._buffer = self._buffer, []
            self._buffered, arrived, self._oldest_at = 0, self._oldest_at, None
        if not batch:
            return True
        blocks = [i for i in batch if isinstance(i, ReadingBlock)]
        singles = [i for i in batch if not isinstance(i, ReadingBlock)]
        if singles:
            blocks += blocks_of(singles)
        try:
            result = self._writer.write_blocks(blocks)
        except OperationalError as exc:
            # The database is away (server restart, network, a lock held too long): keep the
            # readings, in order, and try again next time; the source goes on meanwhile.
            self._take(blocks, front=True, arrived=arrived)
            if not self._database_down:
                self._database_down = True
                self._event(f"database unavailable, keeping readings: {exc.orig}")
            return False
        if self._database_down:
            self._database_down = False
            self._event("database available again")
        self._written += result.written
        self._since += result.written
        self._gaps += result.gaps_opened
        if result.gaps_closed:
            self._event(f"{result.gaps_closed} gap(s) closed: readings again")
        return True

    def status(self) -> RecorderStatus:
        """Totals, and the rate since the previous call."""
        now = time.monotonic()
        rate = self._since / max(now - self._since_at, 1e-9)
        self._since, self._since_at = 0, now
        open_gaps = self._writer.open_gaps  # no database access: it may be the one away
        with self._lock:
            backlog, oldest = self._buffered, self._oldest_at
        return RecorderStatus(
            state=self._state,
            readings_per_s=rate,
            written=self._written,
            channels=len(self._writer.channels),
            open_gaps=open_gaps,
            gaps_recorded=self._gaps,
            bad_messages=self._source.bad,
            dropped=self._dropped,
            backlog=backlog,
            lag_s=0.0 if oldest is None else now - oldest,
        )


def _iso(micros: int) -> str:
    seconds, rest = divmod(micros, MICROS)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{rest // 1000:03d}Z"


def may_record(actor: Actor) -> None:
    """Recording creates the channels it hears about, which is master data: the same permission."""
    require(actor.role, UseCase.MANAGE_MASTER_DATA, username=actor.username)
