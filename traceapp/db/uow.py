"""Unit of work: one transaction around one use case, committed only when it all succeeded."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Self

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from traceapp.db.audit_log import AuditContext, AuditedSession
from traceapp.db.audit_log import install as install_audit
from traceapp.db.engine import WRITE_OPTION
from traceapp.domain.actor import Actor
from traceapp.domain.errors import StorageError, StorageUnavailable


class UnitOfWork:
    """`with UnitOfWork(engine) as uow: ...; uow.commit()` — anything not committed is rolled back."""

    def __init__(self, engine: Engine, *, write: bool = True) -> None:
        self.engine = engine
        self.write = write
        self.audit: AuditContext | None = None
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("UnitOfWork used outside its with-block")
        return self._session

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def __enter__(self) -> Self:
        self._session = AuditedSession(self.engine, expire_on_commit=False, autoflush=False)
        install_audit(self._session, lambda: self.audit)
        try:
            self._begin()
        except OperationalError as exc:
            self._session.close()
            self._session = None
            raise StorageUnavailable(
                f"The database cannot be reached: {exc.orig}",
                hint="Check the network or the database server, then try again.",
            ) from exc
        return self

    def _begin(self) -> None:
        """Begin the transaction; a SQLite writer that waited out the busy timeout queues again.

        SQLite's busy handler is not a queue: with many processes writing, one can lose the
        race for the lock again and again until its timeout ends. The scan is not refused for
        that while the others get on with their writes: it waits another round (the file is
        there, just busy), up to BUSY_ROUNDS rounds.
        """
        options: dict[str, bool] = {WRITE_OPTION: self.write}
        if self._read_only_on_server:
            options["postgresql_readonly"] = True  # psycopg begins it READ ONLY: no round trip
        for round_ in range(1, BUSY_ROUNDS + 1):
            try:
                self.session.connection(execution_options=options)
                return
            except OperationalError as exc:
                self.session.rollback()
                if round_ == BUSY_ROUNDS or not is_busy(exc):
                    raise

    @property
    def _read_only_on_server(self) -> bool:
        """A reading unit of work on PostgreSQL: its transaction is READ ONLY there, and ends
        in a commit. psycopg forgets the statements it prepared at every rollback, so a reader
        that rolled back parsed and planned each of its statements anew every time (a trace
        from a pallet spent a sixth of its time on that); a read-only transaction's commit
        changes nothing but that. SQLite reads roll back as before: nothing there refuses a
        write, and its driver keeps its statements either way."""
        return not self.write and self.engine.dialect.name == "postgresql"

    def commit(self) -> None:
        with self._refusals_as_storage_errors():
            self.session.commit()

    def flush(self) -> None:
        with self._refusals_as_storage_errors():
            self.session.flush()

    @contextmanager
    def _refusals_as_storage_errors(self) -> Iterator[None]:
        """A constraint the database enforces (not our checks) refused the change: roll back, say so."""
        try:
            yield
        except IntegrityError as exc:
            self.session.rollback()
            raise StorageError(
                f"The database refused the change: {exc.orig}",
                hint="Nothing was saved. Check the input; if it looks right, report this.",
            ) from exc

    def act_as(
        self,
        user_id: uuid.UUID | None,
        username: str,
        *,
        station: str | None = None,
        reason: str | None = None,
        rule: str | None = None,
    ) -> None:
        """Who the audit entries of the following changes name."""
        self.audit = AuditContext(user_id, username, station, reason, rule)

    def acting(self, actor: Actor, *, reason: str | None = None, rule: str | None = None) -> None:
        self.act_as(
            actor.user_id, actor.username, station=actor.station_code, reason=reason, rule=rule
        )

    def rollback(self) -> None:
        self.session.rollback()

    def restart(self) -> None:
        """Roll back and begin again as the same kind of transaction (a writer keeps its lock mode)."""
        self.session.rollback()
        self._begin()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self.session
        try:
            if session.in_transaction():
                if exc_type is None and self._read_only_on_server:
                    session.commit()
                else:
                    session.rollback()
        finally:
            session.close()
            self._session = None


# PostgreSQL's deadlock_detected and serialization_failure: the transaction lost a race and may
# simply be run again.
_TRANSIENT_SQLSTATES = frozenset({"40P01", "40001"})


BUSY_ROUNDS = 4  # of the engine's busy timeout (15 s): a write waits up to a minute for SQLite


def is_busy(error: OperationalError) -> bool:
    """SQLite's 'database is locked': another process holds the write lock (not a broken file)."""
    return "database is locked" in str(error.orig)


def is_transient(error: OperationalError) -> bool:
    """True when running the same transaction again is the right answer."""
    return getattr(error.orig, "sqlstate", None) in _TRANSIENT_SQLSTATES
