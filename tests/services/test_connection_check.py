"""Testing a station's connection says which part failed: address, login, database or schema."""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from traceapp.db import migrate
from traceapp.db.engine import make_engine
from traceapp.domain.connection import ConnectionFailed, FailureReason, SchemaState
from traceapp.services.connection import check_connection

from ..conftest import PG_URL, fresh_pg_url


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _pg(**parts: object) -> str:
    return make_url(PG_URL).set(**parts).render_as_string(hide_password=False)  # type: ignore[arg-type]


@pytest.fixture
def migrated_pg(pg_template: str) -> Iterator[str]:
    yield from fresh_pg_url(pg_template)


@pytest.mark.postgres
def test_a_migrated_server_database_is_ready(migrated_pg: str) -> None:
    check = check_connection(migrated_pg)
    assert check.state is SchemaState.READY
    assert check.server.startswith("PostgreSQL ")
    assert "ready" in check.describe()


@pytest.mark.postgres
def test_a_missing_database_is_named(pg_template: str) -> None:
    with pytest.raises(ConnectionFailed) as caught:
        check_connection(_pg(database="traceapp_no_such_plant"))
    assert caught.value.reason is FailureReason.NO_DATABASE
    assert "'traceapp_no_such_plant'" in caught.value.message
    assert "create it" in caught.value.hint


@pytest.mark.postgres
def test_an_unknown_user_is_a_login_failure(pg_template: str) -> None:
    with pytest.raises(ConnectionFailed) as caught:
        check_connection(_pg(username="traceapp_nobody"))
    assert caught.value.reason is FailureReason.AUTHENTICATION
    assert "pg_hba.conf" in caught.value.hint


def test_nothing_listening_is_unreachable() -> None:
    with pytest.raises(ConnectionFailed) as caught:
        check_connection(f"postgresql+psycopg://station@127.0.0.1:{_closed_port()}/plant")
    assert caught.value.reason is FailureReason.UNREACHABLE
    assert "cannot be reached" in caught.value.message


@pytest.mark.postgres
def test_a_schema_from_a_newer_traceapp_is_refused(pg_template: str) -> None:
    for url in fresh_pg_url(pg_template):
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.exec_driver_sql("UPDATE alembic_version SET version_num = '9999_future'")
        engine.dispose()
        with pytest.raises(ConnectionFailed) as caught:
            check_connection(url)
        assert caught.value.reason is FailureReason.SCHEMA_TOO_NEW
        assert "9999_future" in caught.value.message


def test_a_new_local_file_is_empty_and_is_not_created(tmp_path: Path) -> None:
    target = tmp_path / "plant.db"
    assert check_connection(f"sqlite:///{target}").state is SchemaState.EMPTY
    assert not target.exists()


def test_a_local_file_behind_the_newest_schema_is_migrated_later(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate.upgrade(engine, "0001")
    engine.dispose()
    check = check_connection(f"sqlite:///{tmp_path / 'old.db'}")
    assert check.state is SchemaState.BEHIND
    assert check.revision == "0001"


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "notes.db").write_text("shopping list", encoding="utf-8")
    with pytest.raises(ConnectionFailed, match="TraceApp database"):
        check_connection(f"sqlite:///{tmp_path / 'notes.db'}")
    with sqlite3.connect(tmp_path / "x.db") as connection:
        connection.execute("CREATE TABLE t (a)")
    assert check_connection(f"sqlite:///{tmp_path / 'x.db'}").state is SchemaState.EMPTY
