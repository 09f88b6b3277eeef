"""A reading unit of work on PostgreSQL: READ ONLY at the server, and ended by a commit so that
psycopg keeps the statements it prepared (a rollback makes it forget them all)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import InternalError

from traceapp.db.engine import make_engine
from traceapp.db.uow import UnitOfWork

pytestmark = pytest.mark.postgres

# psycopg prepares a statement on the server once it has run it this many times on a connection.
PREPARE_THRESHOLD = 5


def _prepared(uow: UnitOfWork) -> list[str]:
    rows = uow.session.execute(text("SELECT statement FROM pg_prepared_statements"))
    return [statement for (statement,) in rows]


def test_a_reader_keeps_the_statements_prepared_in_earlier_readers(pg_url: str) -> None:
    engine = make_engine(pg_url, pool_size=1)
    try:
        for _ in range(PREPARE_THRESHOLD + 1):
            with UnitOfWork(engine, write=False) as uow:
                uow.session.execute(text("SELECT count(*) AS marker FROM pg_class")).one()
        with UnitOfWork(engine, write=False) as uow:
            assert any("AS marker" in statement for statement in _prepared(uow))
    finally:
        engine.dispose()


def test_a_reader_cannot_write_and_a_failed_one_is_rolled_back(pg_url: str) -> None:
    engine = make_engine(pg_url, pool_size=1)
    try:
        with UnitOfWork(engine) as uow:
            uow.session.execute(text("CREATE TABLE notes (body text)"))
            uow.commit()
        with pytest.raises(InternalError, match="read-only transaction"):  # noqa: SIM117
            with UnitOfWork(engine, write=False) as uow:
                uow.session.execute(text("INSERT INTO notes VALUES ('kept?')"))
        with UnitOfWork(engine) as uow:
            assert uow.session.execute(text("SELECT count(*) FROM notes")).scalar_one() == 0
            uow.session.execute(text("INSERT INTO notes VALUES ('a writer writes')"))
            uow.commit()
        with UnitOfWork(engine, write=False) as uow:
            assert uow.session.execute(text("SELECT count(*) FROM notes")).scalar_one() == 1
    finally:
        engine.dispose()
