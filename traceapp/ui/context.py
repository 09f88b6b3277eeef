"""What every page works with: the database, who is signed in at this station, and the worker pool."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from PySide6.QtCore import QObject, Signal
from sqlalchemy import Engine

from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.commands import OutboxState
from traceapp.domain.errors import KnownError
from traceapp.domain.ids import LocationId
from traceapp.domain.permissions import Role
from traceapp.domain.results import StepResult
from traceapp.services.sync_cache import StationCache
from traceapp.services.sync_commands import StepRequest
from traceapp.ui.background import Background, Progress
from traceapp.ui.station_sync import StationSync

T = TypeVar("T")


class NotSignedIn(KnownError):
    """Work was asked for while nobody is signed in (the station is locked)."""

    code = "not_signed_in"


def _log_only(error: BaseException, details: str) -> None:
    logging.getLogger(__name__).warning("station cache not refreshed: %s", error)


class StationContext(QObject):
    """One workstation: its database, its station code and the person signed in (if any).

    Pages never talk to the database on the GUI thread: they hand `run` a function of a unit of
    work and the signed-in actor, and get the result (or the error) back on the GUI thread.
    """

    signed_in = Signal(object)  # Actor
    signed_out = Signal()  # the person left: pages drop what they were doing for them
    locked = Signal()  # the station locked itself: pages keep their work, nothing runs
    scanner_state_changed = Signal(str, bool)  # what the scanner is doing, and whether it is fine
    station_changed = Signal(str)  # the station this workstation records at (its code)

    def __init__(
        self,
        engine: Engine,
        *,
        station_code: str | None,
        database_label: str,
        shared: bool,
        background: Background | None = None,
        sync: StationSync | None = None,
    ) -> None:
        super().__init__()
        self.engine = engine
        self.station_code = station_code
        self.database_label = database_label
        self.shared = shared
        self.background = background if background is not None else Background(self)
        # Shared mode: steps go through the station's outbox (store and forward), scans resolve
        # from the cache while the server is out of reach. None: straight to the database.
        self.sync = sync
        self._actor: Actor | None = None
        self._locked_for: str | None = None
        self.scanner_state: tuple[str, bool] = ("keyboard", True)  # a wedge scanner types like one

    @property
    def actor(self) -> Actor | None:
        return self._actor

    @property
    def locked_for(self) -> str | None:
        """The user name whose session is locked (their work waits for them), else None."""
        return self._locked_for

    def sign_in(self, actor: Actor) -> None:
        """Sign `actor` in. Someone else unlocking a locked station ends the locked session first."""
        if self._locked_for is not None and self._locked_for != actor.username:
            self._locked_for = None
            self.signed_out.emit()
        self._locked_for = None
        self._actor = actor
        sync = self.sync
        if sync is not None:  # the offline cache is read in the name of whoever signed in
            self.background.run(lambda: sync.set_actor(actor), lambda _: None, _log_only)
        self.signed_in.emit(actor)

    def sign_out(self) -> None:
        self._actor = None
        self._locked_for = None
        self.signed_out.emit()

    def lock(self) -> None:
        """Lock the station (idle, or Ctrl+L): nobody is signed in until the sign-in screen
        succeeds; the pages keep their work for the same person."""
        if self._actor is None:
            return
        self._locked_for = self._actor.username
        self._actor = None
        self.locked.emit()

    def set_station(self, code: str, station_id: LocationId) -> None:
        """This workstation records at another station (the picker read it from the database).

        The person signed in stays signed in; their next steps carry the new station. Someone
        who signs in later (or unlocks) is checked against it by the sign-in service."""
        self.station_code = code
        actor = self._actor
        if actor is not None:
            self._actor = dataclasses.replace(actor, station_id=station_id, station_code=code)
            sync = self.sync
            if sync is not None:  # the offline cache is kept per signed-in actor
                moved = self._actor
                self.background.run(lambda: sync.set_actor(moved), lambda _: None, _log_only)
        self.station_changed.emit(code)

    def set_scanner_state(self, text: str, ok: bool) -> None:
        """Pages and device adapters say what the scanner is doing; the status bar shows it."""
        self.scanner_state = (text, ok)
        self.scanner_state_changed.emit(text, ok)

    def run(
        self,
        work: Callable[[UnitOfWork, Actor], T],
        on_done: Callable[[T], None],
        on_error: Callable[[BaseException, str], None],
        *,
        write: bool = False,
    ) -> None:
        """Run `work(uow, actor)` in the pool inside its own unit of work; results come back on
        the GUI thread. The actor is the one signed in when the work was asked for."""
        actor = self._actor
        if actor is None:
            on_error(NotSignedIn("Nobody is signed in.", hint="Sign in first."), "")
            return
        engine = self.engine

        def job() -> Any:
            with UnitOfWork(engine, write=write) as uow:
                return work(uow, actor)

        self.background.run(job, on_done, on_error)

    def submit(
        self,
        work: Callable[[UnitOfWork, Actor], StepResult],
        on_done: Callable[[StepResult], None],
        on_error: Callable[[BaseException, str], None],
        *,
        on_stored: Callable[[int], None] | None = None,
    ) -> None:
        """Record a confirmed step. Local mode: like `run(write=True)`. Shared mode: the step goes
        into the outbox (durable) and on to the server; `on_done` gets the server's result,
        `on_error` its refusal, and `on_stored(backlog)` says it is kept at the station because
        the server did not answer in time (it is sent, exactly once, when it does)."""
        actor = self._actor
        sync = self.sync
        if sync is None or on_stored is None or not isinstance(work, StepRequest):
            self.run(work, on_done, on_error, write=True)
            return
        if actor is None:
            on_error(NotSignedIn("Nobody is signed in.", hint="Sign in first."), "")
            return
        command = work.command(actor)  # the event time is now, at the station

        def answered(delivery: Any) -> None:
            if delivery.state == OutboxState.DELIVERED:
                on_done(delivery.result)
            elif delivery.state == OutboxState.REFUSED:
                on_error(delivery.error, "")
            else:
                on_stored(delivery.backlog)

        self.background.run(lambda: sync.submit(command), answered, on_error)

    def run_read(
        self,
        work: Callable[[UnitOfWork, Actor], T],
        offline: Callable[[StationCache, Actor], T],
        on_done: Callable[[T], None],
        on_error: Callable[[BaseException, str], None],
    ) -> None:
        """Like `run`; in shared mode, when the server is out of reach, `offline` answers from
        the station's cache instead."""
        actor = self._actor
        sync = self.sync
        if sync is None or actor is None:
            self.run(work, on_done, on_error)
            return
        self.background.run(lambda: sync.read(actor, work, offline), on_done, on_error)

    def run_with_progress(
        self,
        work: Callable[[UnitOfWork, Actor, Progress], T],
        on_done: Callable[[T], None],
        on_error: Callable[[BaseException, str], None],
        *,
        title: str,
        write: bool = False,
    ) -> Progress | None:
        """Long work: like `run`, and `work` gets a `Progress` to report on and to check for
        cancel (`progress.check()` raises `Cancelled`). The status bar shows it with a Cancel
        button. Returns the handle, or None when nobody is signed in (on_error was called)."""
        actor = self._actor
        if actor is None:
            on_error(NotSignedIn("Nobody is signed in.", hint="Sign in first."), "")
            return None
        engine = self.engine

        def job(progress: Progress) -> Any:
            with UnitOfWork(engine, write=write) as uow:
                return work(uow, actor, progress)

        return self.background.run_with_progress(job, on_done, on_error, title=title)

    def run_unsigned(
        self,
        work: Callable[[UnitOfWork], T],
        on_done: Callable[[T], None],
        on_error: Callable[[BaseException, str], None],
        *,
        write: bool = False,
    ) -> None:
        """Work that needs nobody signed in: signing in itself, the first administrator."""
        engine = self.engine

        def job() -> Any:
            with UnitOfWork(engine, write=write) as uow:
                return work(uow)

        self.background.run(job, on_done, on_error)


class Page(Protocol):
    """A page of the main window. The window shows it in the navigation only to roles it names.

    Optional: a method `page_activated()` is called each time the page comes to the front (F-key
    or click); afterwards the window gives the keyboard to the page's focus proxy, else the child
    that last had focus, else its first focusable field. Pages hear `signed_out` (drop the
    person's work) and `locked` (keep it: the same person comes back) from the context.
    """

    page_title: str  # the navigation entry, e.g. "Scan station"
    page_shortcut: str  # e.g. "F2": every page is one key away

    def visible_to(self, role: Role) -> bool: ...
