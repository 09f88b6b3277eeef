"""Fixtures shared by every test: databases (SQLite and the PostgreSQL server) and actors."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from traceapp.db import migrate
from traceapp.db.engine import make_engine
from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.services.database import open_database
from traceapp.services.masterdata import actor_for, ensure_builtin_users

PG_URL = os.environ.get("TRACEAPP_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
_counter = itertools.count()


def require_service(name: str, reason: str) -> None:
    """Skip on a developer machine without the service; in CI a missing service is a failure."""
    message = f"{name} is not reachable: {reason}"
    if os.environ.get("CI"):
        pytest.fail(message + " (CI is set: services are required)")
    pytest.skip(message)


def _admin_conninfo() -> str:
    url = make_url(PG_URL).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _worker() -> str:
    # The process id keeps concurrent test runs on one server (xdist workers, or two developers'
    # runs) from dropping each other's databases.
    return f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A migrated template database for this xdist worker; each test copies it."""
    try:
        admin = psycopg.connect(_admin_conninfo(), autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        require_service("PostgreSQL", str(exc).strip())
        raise
    name = f"traceapp_tpl_{_worker()}"
    with admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    engine = make_engine(make_url(PG_URL).set(database=name))
    migrate.upgrade(engine)
    engine.dispose()
    yield name
    with psycopg.connect(_admin_conninfo(), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def fresh_pg_url(template: str) -> Iterator[str]:
    name = f"traceapp_t_{_worker()}_{next(_counter)}"
    with psycopg.connect(_admin_conninfo(), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_admin_conninfo(), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_url(request: pytest.FixtureRequest) -> Iterator[str]:
    template = request.getfixturevalue("pg_template")
    yield from fresh_pg_url(template)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A fresh, empty database URL of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'trace.db'}"
    else:
        yield from fresh_pg_url(request.getfixturevalue("pg_template"))


def migrated_with_users(url: str) -> Iterator[Engine]:
    """The database at `url` migrated, with the built-in users; disposed of afterwards."""
    opened, _ = open_database(url)
    with UnitOfWork(opened) as uow:
        ensure_builtin_users(uow)
    yield opened
    opened.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """A migrated database with the built-in users, on SQLite and on PostgreSQL."""
    yield from migrated_with_users(db_url)


@pytest.fixture
def sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    opened, _ = open_database(f"sqlite:///{tmp_path_factory.mktemp('db') / 'trace.db'}")
    yield opened
    opened.dispose()


@pytest.fixture
def admin(engine: Engine) -> Actor:
    with UnitOfWork(engine) as uow:
        return actor_for(uow)
