"""The station role of docs/plant_server.md is enough to work and too little to erase history.

The grants are read from the document itself (its `station-grants` block), run on a database
owned by an owner role that migrated it, and then a station logs in as the station role and
records the floor's steps; what it must not do (DDL, deleting events) is refused.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from traceapp.db import migrate
from traceapp.db.engine import make_engine
from traceapp.db.uow import UnitOfWork
from traceapp.domain.connection import ConnectionFailed, FailureReason, SchemaState
from traceapp.domain.errors import StorageError
from traceapp.domain.quantity import Quantity
from traceapp.services import masterdata
from traceapp.services.connection import check_connection
from traceapp.services.database import open_database
from traceapp.services.dispositions import hold
from traceapp.services.packing import PackItem, pack
from traceapp.services.production import InputSpec, OutputSpec, produce
from traceapp.services.receiving import receive
from traceapp.services.shipping import ship

from ..conftest import PG_URL, _admin_conninfo, require_service

pytestmark = pytest.mark.postgres
DOC = Path(__file__).parents[2] / "docs" / "plant_server.md"


def station_grants() -> str:
    """The SQL block of the document that starts with `-- station-grants`."""
    blocks = re.findall(r"```sql\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    found = [block for block in blocks if block.startswith("-- station-grants")]
    assert len(found) == 1, "docs/plant_server.md must keep one `-- station-grants` block"
    return found[0]


@pytest.fixture
def roles() -> Iterator[tuple[str, str, str]]:
    """An owner role, a station role and a database the owner owns (all dropped afterwards)."""
    tag = f"{os.getpid()}_{uuid.uuid4().hex[:6]}"
    owner, station, database = f"tr_owner_{tag}", f"tr_station_{tag}", f"traceapp_roles_{tag}"
    try:
        admin = psycopg.connect(_admin_conninfo(), autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        require_service("PostgreSQL", str(exc).strip())
        raise
    with admin:
        admin.execute(f'CREATE ROLE "{owner}" LOGIN')
        admin.execute(f'CREATE ROLE "{station}" LOGIN')
        admin.execute(f'CREATE DATABASE "{database}" OWNER "{owner}"')
    try:
        yield owner, station, database
    finally:
        with psycopg.connect(_admin_conninfo(), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            admin.execute(f'DROP ROLE IF EXISTS "{station}"')
            admin.execute(f'DROP ROLE IF EXISTS "{owner}"')


def _url(user: str, database: str) -> str:
    return make_url(PG_URL).set(username=user, database=database).render_as_string(False)


def test_the_documented_station_role_records_steps_and_cannot_erase_them(
    roles: tuple[str, str, str],
) -> None:
    owner, station, database = roles
    # The owner migrates (traceapp db upgrade), then grants as the document says.
    owner_engine = make_engine(_url(owner, database))
    migrate.upgrade(owner_engine)
    owner_engine.dispose()
    # Before the grants the station can log in, and the connection test says what is missing.
    as_owner = make_url(_url(owner, database)).set(drivername="postgresql").render_as_string(False)
    with pytest.raises(ConnectionFailed) as caught:
        check_connection(_url(station, database))
    assert caught.value.reason is FailureReason.PERMISSIONS
    assert "permission denied for table alembic_version" in caught.value.message
    with pytest.raises(StorageError) as refused:  # the app's start says the same, typed
        open_database(_url(station, database))
    assert "permission denied" in refused.value.message
    assert "docs/plant_server.md" in (refused.value.hint or "")
    with psycopg.connect(as_owner, autocommit=True) as connection:
        connection.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{station}"')  # type: ignore[call-overload]
    with pytest.raises(ConnectionFailed) as caught:
        check_connection(_url(station, database))  # reads, but could not record a step
    assert "UPDATE on audit_head" in caught.value.message
    assert "station rights" in caught.value.hint
    grants = station_grants().format(
        database=f'"{database}"', owner=f'"{owner}"', station=f'"{station}"'
    )
    with psycopg.connect(as_owner, autocommit=True) as connection:
        connection.execute(grants)  # type: ignore[call-overload]
    assert check_connection(_url(station, database)).state is SchemaState.READY
    # A station starts as the station role: open (migrations are a no-op at head), then work.
    engine, _ = open_database(_url(station, database))
    try:
        for add in (
            lambda uow, a: masterdata.add_location(uow, actor=a, code="ST1", name="Station", kind="station"),
            lambda uow, a: masterdata.add_product(uow, actor=a, part_number="FLOUR", name="Flour", unit="kg", kind="raw"),
            lambda uow, a: masterdata.add_product(uow, actor=a, part_number="DOUGH", name="Dough", unit="kg", kind="intermediate"),
            lambda uow, a: masterdata.add_party(uow, actor=a, code="MILL", name="Mill", kind="supplier"),
            lambda uow, a: masterdata.add_party(uow, actor=a, code="SHOP", name="Shop", kind="customer"),
        ):  # fmt: skip
            with UnitOfWork(engine) as uow:
                add(uow, masterdata.actor_for(uow))
        with UnitOfWork(engine) as uow:
            actor = masterdata.actor_for(uow, station="ST1")
        kg = Quantity.parse
        with UnitOfWork(engine) as uow:
            receive(
                uow,
                actor=actor,
                supplier="MILL",
                supplier_lot_code="F1",
                product="FLOUR",
                quantity=kg("50 kg"),
            )
        with UnitOfWork(engine) as uow:
            produce(
                uow,
                actor=actor,
                inputs=[InputSpec("F1", kg("20 kg"))],
                outputs=[OutputSpec("DOUGH", "D1", kg("20 kg"))],
            )
        with UnitOfWork(engine) as uow:
            pack(uow, actor=actor, container="CASE-1", items=[PackItem("DOUGH/D1", kg("5 kg"))])
        with UnitOfWork(engine) as uow:
            ship(uow, actor=actor, customer="SHOP", items=[PackItem("CASE-1")])
        with UnitOfWork(engine) as uow:
            hold(uow, actor=actor, code="F1", reason="moisture 16 %")
    finally:
        engine.dispose()  # fmt: skip

    as_station = (
        make_url(_url(station, database)).set(drivername="postgresql").render_as_string(False)
    )
    with psycopg.connect(as_station, autocommit=True) as connection:
        for refused in (
            "DELETE FROM events",
            "DROP TABLE lots",
            "ALTER TABLE lots ADD COLUMN x int",
            "TRUNCATE audit_entries",
            "CREATE TABLE mine (a int)",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                connection.execute(refused)  # type: ignore[call-overload]
        events = connection.execute("SELECT count(*) FROM events").fetchone()
    assert events is not None
    assert events[0] == 5
