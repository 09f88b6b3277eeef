"""A station keeps master data between steps, and sees at once what was changed elsewhere."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import Engine, event, text

from tests.services.conftest import Plant
from traceapp.db.engine import make_engine
from traceapp.db.uow import UnitOfWork
from traceapp.domain.errors import InvalidInput, PermissionDenied
from traceapp.domain.masterdata_rows import RawRow, RawSheet
from traceapp.domain.quantity import Quantity
from traceapp.domain.results import StepResult
from traceapp.services import users
from traceapp.services.masterdata import actor_for
from traceapp.services.masterdata_import import import_master_data
from traceapp.services.sync_commands import (
    StepRequest,
    apply_command,
    move_request,
    receive_request,
)


@pytest.fixture
def elsewhere(plant: Plant) -> Iterator[Engine]:
    """Another process's connection to the same database (an admin's, another station's)."""
    other = make_engine(plant.engine.url)
    yield other
    other.dispose()


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def _receipt(lot: str, qty: str = "10 kg", *, product: str = "FLOUR") -> StepRequest:
    return receive_request(
        supplier="MILL", supplier_lot_code=lot, product=product, quantity=Quantity.parse(qty)
    )


def _record(plant: Plant, request: StepRequest) -> StepResult:
    with UnitOfWork(plant.engine) as uow:
        return apply_command(uow, request.command(plant.actor))


def _reads_of(seen: list[str], table: str) -> int:
    return sum(1 for s in seen if s.lstrip().startswith("SELECT") and f"FROM {table}" in s)


def test_a_second_step_reads_no_master_data_from_the_database(plant: Plant) -> None:
    _record(plant, _receipt("C-1"))
    _record(plant, move_request(items=["FLOUR/C-1"], to="MIX1"))
    with statements(plant.engine) as seen:
        result = _record(plant, _receipt("C-2"))
        _record(plant, move_request(items=["FLOUR/C-2"], to="MIX1"))
    assert result.lots[0].supplier == "MILL"
    assert result.event.station == "RCV1"
    assert result.event.user == plant.actor.username
    for table in ("products", "parties", "locations", "users"):
        assert _reads_of(seen, table) == 0, table


def test_a_product_changed_at_the_sql_prompt_is_seen_by_the_next_step(
    plant: Plant, elsewhere: Engine
) -> None:
    first = _record(plant, _receipt("C-1"))
    assert first.lots[0].expiry is None
    with elsewhere.begin() as connection:
        connection.execute(
            text("UPDATE products SET shelf_life_days = 30 WHERE part_number = 'FLOUR'")
        )
    with statements(plant.engine) as seen:
        second = _record(plant, _receipt("C-2"))
    assert _reads_of(seen, "products") == 1
    assert second.lots[0].expiry == second.event.event_time.date() + timedelta(days=30)


def test_a_product_unit_changed_by_an_import_is_used_by_the_next_receipt(
    plant: Plant, elsewhere: Engine
) -> None:
    assert _record(plant, _receipt("C-1", "2 kg")).lots[0].on_hand == Quantity.parse("2 kg")
    header = ("part_number", "name", "unit", "kind")
    sheet = RawSheet("products", header, (RawRow(2, ("FLOUR", "Wheat flour", "g", "raw")),))
    with UnitOfWork(elsewhere) as uow:
        report = import_master_data(
            uow, actor=actor_for(uow), kind="products", sheets=[sheet], source="test"
        )
    assert [c.updated for c in report.counts if c.kind == "products"] == [1]
    second = _record(plant, _receipt("C-2", "2 kg"))
    assert second.lots[0].on_hand == Quantity.parse("2000 g")


def test_a_supplier_turned_customer_elsewhere_is_refused_at_the_next_receipt(
    plant: Plant, elsewhere: Engine
) -> None:
    _record(plant, _receipt("C-1"))
    with elsewhere.begin() as connection:
        connection.execute(text("UPDATE parties SET kind = 'customer' WHERE code = 'MILL'"))
    with pytest.raises(InvalidInput, match="MILL is a customer, not a supplier"):
        _record(plant, _receipt("C-2"))


def test_a_user_disabled_elsewhere_is_refused_at_the_next_step(
    plant: Plant, elsewhere: Engine
) -> None:
    with UnitOfWork(plant.engine) as uow:
        users.add_user(
            uow, actor=actor_for(uow), username="olga", full_name="Olga",
            role="operator", password="correct horse 42",
        )  # fmt: skip
    with UnitOfWork(plant.engine) as uow:
        olga = actor_for(uow, username="olga", station="RCV1")
    station = Plant(plant.engine, olga)
    assert _record(station, _receipt("C-1")).event.user == "olga"
    # A failed sign-in elsewhere changes her row, not what a step reads: the copy holds.
    with elsewhere.begin() as connection:
        connection.execute(text("UPDATE users SET failed_logins = 1 WHERE username = 'olga'"))
    with statements(plant.engine) as seen:
        _record(station, _receipt("C-2"))
    assert _reads_of(seen, "users") == 0
    with UnitOfWork(elsewhere) as uow:
        users.disable_user(uow, actor=actor_for(uow), username="olga", reason="left the company")
    with pytest.raises(PermissionDenied, match="olga is disabled"):
        _record(station, _receipt("C-3"))


def test_a_resent_step_is_answered_from_the_server_after_a_change(
    plant: Plant, elsewhere: Engine
) -> None:
    request = _receipt("C-1")
    command = request.command(plant.actor)
    with UnitOfWork(plant.engine) as uow:
        first = apply_command(uow, command)
    with elsewhere.begin() as connection:
        connection.execute(
            text("UPDATE products SET name = 'Flour, type 550' WHERE part_number = 'FLOUR'")
        )
    with UnitOfWork(plant.engine) as uow:
        again = apply_command(uow, command)
    assert again.replayed
    assert again.lots[0].product_name == "Flour, type 550"
    assert first.lots[0].product_name == "Wheat flour"


def test_without_the_version_counter_every_step_reads_the_database(plant: Plant) -> None:
    """A database without migration 0013's counter: nothing is kept, each step reads."""
    with plant.engine.begin() as connection:
        connection.execute(text("DELETE FROM plant_meta WHERE key = 'master_data_version'"))
    _record(plant, _receipt("C-1"))
    _record(plant, move_request(items=["FLOUR/C-1"], to="MIX1"))
    with statements(plant.engine) as seen:
        result = _record(plant, _receipt("C-2"))
    assert _reads_of(seen, "products") == 1
    assert _reads_of(seen, "parties") == 1
    assert result.lots[0].supplier == "MILL"
