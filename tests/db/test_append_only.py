"""Events, their items and error declarations refuse UPDATE and DELETE, even from raw SQL."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.quantity import Quantity
from traceapp.services import masterdata
from traceapp.services.database import open_database
from traceapp.services.receiving import receive


@pytest.fixture
def recorded(engine: Engine, admin: Actor) -> Engine:
    with UnitOfWork(engine) as uow:
        masterdata.add_product(
            uow, actor=masterdata.actor_for(uow), part_number="FLOUR", name="Flour", unit="kg"
        )
    with UnitOfWork(engine) as uow:
        masterdata.add_party(
            uow, actor=masterdata.actor_for(uow), code="MILL", name="Mill", kind="supplier"
        )
    with UnitOfWork(engine) as uow:
        receive(
            uow,
            actor=admin,
            supplier="MILL",
            supplier_lot_code="F-1",
            product="FLOUR",
            quantity=Quantity.parse("5 kg"),
        )
    return engine


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE events SET reason = 'tampered'",
        "DELETE FROM events",
        "UPDATE event_items SET quantity = 1",
        "DELETE FROM event_items",
    ],
)
def test_raw_sql_cannot_change_or_remove_events(recorded: Engine, statement: str) -> None:
    with pytest.raises(DBAPIError, match="append-only"), recorded.begin() as connection:
        connection.execute(text(statement))
    with recorded.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM events")).scalar() == 1
        assert connection.execute(text("SELECT reason FROM events")).scalar() is None


@pytest.mark.postgres
def test_truncate_is_refused_on_postgresql(pg_url: str) -> None:
    engine, _ = open_database(pg_url)
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(text("TRUNCATE events CASCADE"))
    engine.dispose()
