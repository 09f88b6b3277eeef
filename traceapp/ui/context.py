"""What every page works with: the database, who is signed in at this station, and the worker pool."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from PySide6.QtCore import QObject, Signal
from sqlalchemy import Engine

from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.errors import KnownError
from traceapp.domain.permissions import Role
from traceapp.ui.background import Background

T = TypeVar("T")


class NotSignedIn(KnownError):
    """Work was asked for while nobody is signed in (the station is locked)."""

    code = "not_signed_in"


class StationContext(QObject):
    """One workstation: its database, its station code and the person signed in (if any).

    Pages never talk to the database on the GUI thread: they hand `run` a function of a unit of
    work and the signed-in actor, and get the result (or the error) back on the GUI thread.
    """

    signed_in = Signal(object)  # Actor
    signed_out = Signal()

    def __init__(
        self,
        engine: Engine,
        *,
        station_code: str | None,
        database_label: str,
        shared: bool,
        background: Background | None = None,
    ) -> None:
        super().__init__()
        self.engine = engine
        self.station_code = station_code
        self.database_label = database_label
        self.shared = shared
        self.background = background if background is not None else Background(self)
        self._actor: Actor | None = None

    @property
    def actor(self) -> Actor | None:
        return self._actor

    def sign_in(self, actor: Actor) -> None:
        self._actor = actor
        self.signed_in.emit(actor)

    def sign_out(self) -> None:
        self._actor = None
        self.signed_out.emit()

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
    """A page of the main window. The window shows it in the navigation only to roles it names."""

    page_title: str  # the navigation entry, e.g. "Scan station"
    page_shortcut: str  # e.g. "F2": every page is one key away

    def visible_to(self, role: Role) -> bool: ...
