"""The shared-mode station's link to the server: outbox, forwarder and offline cache, as Qt signals."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QCoreApplication, QObject, Signal
from sqlalchemy import Engine

from traceapp.config import config_dir
from traceapp.db.outbox import OUTBOX_FILE, Outbox
from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.commands import OutboxItem, OutboxState, StepCommand
from traceapp.domain.errors import StorageUnavailable
from traceapp.services import users
from traceapp.services.offline_signin import (
    DEFAULT_MAX_AGE,
    check_session,
    forget_user,
    recheck_kept_sign_ins,
    remember_sign_in,
    sign_in_offline,
)
from traceapp.services.sync import Delivery, Forwarder, SyncStatus, is_offline_error
from traceapp.services.sync_cache import StationCache, load_cache, refresh_cache
from traceapp.services.sync_station import forwarder_engine

log = logging.getLogger(__name__)
T = TypeVar("T")


class StationSync(QObject):
    """Owns the station's outbox file and the forwarder thread; the status bar listens to it.

    Everything here that touches a database blocks, and is called from the worker pool (through
    `StationContext`), never from the GUI thread — except `status`, which is a snapshot.
    """

    status_changed = Signal(object)  # SyncStatus, from the forwarder thread (queued to the GUI)
    # The server, reachable again, refuses the person who signed in offline (why, in words).
    session_refused = Signal(str, str)  # user name, message

    def __init__(
        self,
        engine: Engine,
        outbox_path: Path,
        parent: QObject | None = None,
        *,
        offline_sign_in_age: timedelta = DEFAULT_MAX_AGE,
    ) -> None:
        super().__init__(parent)
        self.outbox = Outbox(outbox_path)
        self.offline_sign_in_age = offline_sign_in_age
        self._unchecked: Actor | None = None  # signed in offline, not yet seen by the server
        # Its own engine: connections that give up within seconds when the network is gone.
        self.engine = forwarder_engine(engine.url.render_as_string(hide_password=False))
        self._actor: Actor | None = None
        self._cache: StationCache | None = None
        self.forwarder = Forwarder(
            self.outbox, self.engine, on_status=self._on_status, on_online=self._on_online
        )
        self.status = self.forwarder.status()
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.stop)

    @classmethod
    def for_engine(
        cls, engine: Engine, *, offline_sign_in_age: timedelta = DEFAULT_MAX_AGE
    ) -> StationSync:
        """The station's outbox next to its settings file, not in the plant database."""
        return cls(engine, config_dir() / OUTBOX_FILE, offline_sign_in_age=offline_sign_in_age)

    def start(self) -> None:
        self.forwarder.start()

    def stop(self) -> None:
        self.forwarder.stop()

    def close(self) -> None:
        self.stop()
        self.outbox.close()
        self.engine.dispose()

    def _on_status(self, status: SyncStatus) -> None:
        self.status = status
        self.status_changed.emit(status)

    def _on_online(self) -> None:
        with UnitOfWork(self.engine, write=False) as uow:
            forgotten = recheck_kept_sign_ins(self.outbox, uow)
            unchecked = self._unchecked
            refused = check_session(uow, unchecked) if unchecked is not None else None
        if forgotten:
            log.info("kept sign-ins the server refuses now, forgotten: %s", ", ".join(forgotten))
        if unchecked is not None:
            self._unchecked = None
            if refused is not None:
                if self._actor == unchecked:
                    self._actor = None
                self.session_refused.emit(
                    unchecked.username,
                    f"{unchecked.username} was signed out: {refused}. Ask an administrator.",
                )
                return
        if self._actor is not None:
            self._cache = refresh_cache(self.outbox, self.engine, self._actor)

    # Blocking work, for the worker pool.
    def sign_in(self, identity: str, secret: str, station: str | None) -> Actor:
        """Sign in on the server (a badge and PIN, else a user name and password) and keep what
        lets the same person in again offline; when the server cannot be reached, from that."""
        if self.forwarder.online is not False:
            try:
                return self._sign_in_online(identity, secret, station)
            except Exception as error:
                if not is_offline_error(error):
                    raise
                self.forwarder.wake()  # it finds out for itself and says OFFLINE
        cached = self.cache()
        actor = sign_in_offline(
            self.outbox,
            identity=identity,
            secret=secret,
            station=station,
            locations=cached.choices.locations,
            max_age=self.offline_sign_in_age,
        )
        self._unchecked = actor
        return actor

    def _sign_in_online(self, identity: str, secret: str, station: str | None) -> Actor:
        with UnitOfWork(self.engine) as uow:
            try:
                actor = users.authenticate_badge(uow, badge=identity, pin=secret, station=station)
            except users.LoginFailed:
                pass
            else:
                remember_sign_in(self.outbox, actor, secret=secret, badge=identity)
                return actor
        with UnitOfWork(self.engine) as uow:
            try:
                actor = users.authenticate(uow, username=identity, password=secret, station=station)
            except users.AccountLocked:
                forget_user(self.outbox, identity)
                raise
        remember_sign_in(self.outbox, actor, secret=secret)
        return actor

    def set_actor(self, actor: Actor) -> None:
        """Who is signed in: the cache is read in their name (kept for when the server is gone)."""
        self._actor = actor
        try:
            self._cache = refresh_cache(self.outbox, self.engine, actor)
        except Exception as error:
            if not is_offline_error(error):
                raise

    def submit(self, command: StepCommand) -> Delivery:
        return self.forwarder.submit(command)

    def cache(self) -> StationCache:
        if self._cache is None:
            self._cache = load_cache(self.outbox)
        if self._cache is None:
            raise StorageUnavailable(
                "The server cannot be reached, and this station has no copy of the master data.",
                hint="Scans need the server until the station has been online once.",
            )
        return self._cache

    def read(
        self,
        actor: Actor,
        online: Callable[[UnitOfWork, Actor], T],
        offline: Callable[[StationCache, Actor], T],
    ) -> T:
        """From the server when it answers, else from the cache (a scan must not wait for it)."""
        if self.forwarder.online is not False:
            try:
                with UnitOfWork(self.engine, write=False) as uow:
                    return online(uow, actor)
            except Exception as error:
                if not is_offline_error(error):
                    raise
                self.forwarder.wake()  # it finds out for itself and says OFFLINE
        return offline(self.cache(), actor)

    def conflicts(self) -> list[OutboxItem]:
        return self.outbox.items(OutboxState.CONFLICT)

    def retry(self, seq: int) -> None:
        self.outbox.retry(seq)
        self.forwarder.wake()

    def mark_reviewed(self, seq: int, note: str) -> None:
        self.outbox.mark_reviewed(seq, note)
        self.forwarder.publish()  # the counts in the status bar change
