"""Store and forward: a station's confirmed steps go into its outbox, and a forwarder thread
sends them to the server in order, exactly once, whether the server is there or not."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError

from traceapp.db.outbox import Outbox
from traceapp.db.uow import UnitOfWork
from traceapp.domain.commands import OutboxItem, OutboxState, StepCommand
from traceapp.domain.errors import KnownError, StorageUnavailable
from traceapp.domain.results import StepResult
from traceapp.services.sync_commands import apply_command

log = logging.getLogger(__name__)

RETRY_SECONDS = 2.0  # how often an offline station knocks on the server again
IDLE_PROBE_SECONDS = 10.0  # an idle online station checks the server this often (status bar)
KEEP_DELIVERED = timedelta(days=30)
BATCH = 50  # commands read from the outbox at a time
# How long a confirmation waits for the server's answer before the operator sees "stored, will
# be sent": long enough for a healthy server (a step takes milliseconds), short enough that a
# dead network never holds the operator up.
ACK_WAIT_SECONDS = 1.5
# Connections the forwarder opens give up quickly when the network is gone (defaults are
# minutes): connect within a few seconds, and TCP keepalives notice a dead link in ~10 s.
PG_CONNECT_ARGS = {
    "connect_timeout": 3,
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 2,
}


def is_offline_error(error: BaseException) -> bool:
    """True when the server could not be reached or gave no answer: send the same command later.

    Sending it again is safe even if the first try was recorded (the answer was lost): the
    server replays an event UUID it already has instead of recording it twice.
    """
    if isinstance(
        error, StorageUnavailable | OperationalError | InterfaceError | DisconnectionError
    ):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


@dataclass(frozen=True, slots=True)
class Delivery:
    """What became of one submitted command, as far as the station knows when it answers."""

    command: StepCommand
    state: str  # OutboxState.DELIVERED / REFUSED / PENDING (stored, not yet sent)
    result: StepResult | None = None
    error: KnownError | None = None
    backlog: int = 0  # commands waiting to be sent, this one included when pending
    stored_seconds: float = 0.0  # from submit until the command was durable in the outbox


@dataclass(frozen=True, slots=True)
class SyncStatus:
    online: bool | None  # None: not known yet
    pending: int
    conflicts: int
    last_error: str | None = None


@dataclass
class _Waiter:
    done: threading.Event = field(default_factory=threading.Event)  # stop waiting
    answered: threading.Event = field(default_factory=threading.Event)  # `delivery` is set
    claimed: bool = False
    delivery: Delivery | None = None


class Forwarder:
    """Drains an outbox into the server. One thread applies; submitters only enqueue and wait.

    Order: commands are sent oldest first and the line stops at the first one the server cannot
    be reached for (it is sent again, first, when the server is back). A command the server
    refuses does not stop the line: it is settled as refused (the operator was still waiting and
    saw it red) or as a conflict (nobody was waiting: it is kept for review with the reason).
    """

    def __init__(
        self,
        outbox: Outbox,
        engine: Engine,
        *,
        retry_seconds: float = RETRY_SECONDS,
        probe_seconds: float = IDLE_PROBE_SECONDS,
        on_status: Callable[[SyncStatus], None] | None = None,
        on_online: Callable[[], None] | None = None,
    ) -> None:
        self.outbox = outbox
        self.engine = engine
        self.retry_seconds = retry_seconds
        self.probe_seconds = probe_seconds
        self._on_status = on_status
        self._on_online = on_online  # e.g. refresh the master data cache
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._waiters: dict[uuid.UUID, _Waiter] = {}
        self._waiters_lock = threading.Lock()
        self._drain_lock = threading.Lock()
        self._online: bool | None = None
        self._last_error: str | None = None
        self._last_status: SyncStatus | None = None

    # Life cycle.
    def start(self) -> None:
        if self._thread is not None:
            return
        # Delivered steps are on the server: the station keeps them a while, for questions.
        self.outbox.purge_delivered(datetime.now(UTC) - KEEP_DELIVERED)
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="outbox-forwarder", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def wake(self) -> None:
        self._wake.set()

    @property
    def online(self) -> bool | None:
        return self._online

    def status(self) -> SyncStatus:
        counts = self.outbox.counts()
        return SyncStatus(self._online, counts.pending, counts.conflicts, self._last_error)

    # Submitting.
    def submit(self, command: StepCommand, *, wait: float = ACK_WAIT_SECONDS) -> Delivery:
        """Store `command` durably (the station may acknowledge it once this returns), then wait
        up to `wait` seconds for the server's answer. Runs in a worker thread, never the GUI's."""
        began = time.perf_counter()
        waiter = _Waiter()
        with self._waiters_lock:
            self._waiters[command.id] = waiter
        try:
            self.outbox.enqueue(command)
        except BaseException:
            with self._waiters_lock:
                self._waiters.pop(command.id, None)
            raise
        stored = time.perf_counter() - began
        self.publish()
        if self._online is not False:  # offline, it knocks again on its own every few seconds
            self._wake.set()
        # Wait for the answer only when it can come soon: the server is there and nothing of
        # this station's is queued ahead (behind a backlog, the operator would wait for nothing).
        if (
            self._thread is not None
            and wait > 0
            and self._online is not False
            and self.outbox.counts().pending <= 1  # nothing ahead of this one
        ):
            waiter.done.wait(wait)
        with self._waiters_lock:
            if not waiter.claimed:
                self._waiters.pop(command.id, None)
                backlog = self.outbox.counts().pending
                return Delivery(
                    command, OutboxState.PENDING, backlog=backlog, stored_seconds=stored
                )
        # The forwarder has the answer in hand and is writing it down: a moment at most.
        waiter.answered.wait()
        assert waiter.delivery is not None
        return replace(waiter.delivery, stored_seconds=stored)

    # Draining.
    def drain(self) -> int:
        """Send what is pending, oldest first, until the outbox is empty or the server is out of
        reach. Returns how many commands were settled (delivered, refused or conflicts)."""
        settled = 0
        with self._drain_lock:
            while not self._stop.is_set():
                batch = self.outbox.pending(BATCH)
                if not batch:
                    if self._online is not True:
                        self._probe()  # nothing to send: is the server back?
                    break
                for item in batch:
                    if not self._send(item):
                        return settled
                    settled += 1
        return settled

    def _send(self, item: OutboxItem) -> bool:
        """Apply one command; False when the server could not be reached (stop the line)."""
        command = item.command
        try:
            with UnitOfWork(self.engine, write=True) as uow:
                result = apply_command(uow, command)
        except Exception as error:  # every outcome is kept; nothing is dropped
            if is_offline_error(error):
                self._set_online(False, str(error))
                try:
                    self.outbox.note_attempt(item.seq, str(error))
                except StorageUnavailable:
                    log.exception("outbox: cannot note a failed attempt")
                return False
            self._set_online(True)
            known = error if isinstance(error, KnownError) else None
            if known is None:
                log.error("outbox: step %s failed unexpectedly", command.id, exc_info=error)
            reason = (
                known.message if known else f"Unexpected error: {type(error).__name__}: {error}"
            )
            hint = known.hint if known else "Report it to the administrator with the time."
            self._settle(item, None, known or KnownError(reason, hint=hint), reason, hint)
            return True
        self._set_online(True)
        self._settle(item, result, None, None, None)
        return True

    def _settle(
        self,
        item: OutboxItem,
        result: StepResult | None,
        error: KnownError | None,
        reason: str | None,
        hint: str | None,
    ) -> None:
        with self._waiters_lock:
            waiter = self._waiters.pop(item.command.id, None)
            if waiter is not None:
                waiter.claimed = True
        if error is None:
            state = OutboxState.DELIVERED
        else:
            # Refused while the operator waited: they see it red now. Otherwise: review it.
            state = OutboxState.REFUSED if waiter is not None else OutboxState.CONFLICT
        try:
            self.outbox.settle(item.seq, state, reason=reason, hint=hint)
        finally:
            if waiter is not None:
                waiter.delivery = Delivery(item.command, state, result, error)
                waiter.answered.set()
                waiter.done.set()
        self.publish()

    def _probe(self) -> bool:
        """Is the server there? (Only asked when there is nothing to send.)"""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as error:  # any failure means: not reachable now
            self._set_online(False, str(error))
            return False
        self._set_online(True)
        return True

    def _set_online(self, online: bool, error: str | None = None) -> None:
        came_back = online and self._online is not True
        self._online = online
        self._last_error = None if online else (error or "unreachable").strip().splitlines()[0]
        if not online:
            # Nobody waits for a server that is not there: their steps are stored, say so now.
            with self._waiters_lock:
                for waiter in self._waiters.values():
                    waiter.done.set()
        self.publish()
        if came_back and self._on_online is not None:
            try:
                self._on_online()
            except Exception:  # a failed cache refresh must not stop delivery
                log.exception("outbox: refresh after reconnecting failed")

    def publish(self) -> None:
        if self._on_status is None:
            return
        try:
            status = self.status()
        except StorageUnavailable:
            return
        if status != self._last_status:
            self._last_status = status
            self._on_status(status)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self.drain()
            except Exception:  # the thread must outlive any one failure
                log.exception("outbox: drain failed")
            pause = self.retry_seconds if self._online is False else self.probe_seconds
            woken = self._wake.wait(pause)
            if not woken and self._online is True:
                self._probe()  # idle: keep the status bar honest
