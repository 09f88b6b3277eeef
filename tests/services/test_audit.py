"""The audit trail: every change is entered, and tampering with it is named by `verify`."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from traceapp.domain.audit import Breach
from traceapp.domain.errors import PermissionDenied
from traceapp.domain.permissions import Role
from traceapp.domain.quantity import Quantity
from traceapp.services import audit
from traceapp.services.receiving import receive
from traceapp.services.users import add_user, authenticate

from .conftest import Plant


def _verify(plant: Plant):  # type: ignore[no-untyped-def]
    with plant.uow() as uow:
        return audit.verify(uow, actor=plant.actor)


def _raw(engine: Engine, *statements: str) -> None:
    """What someone with a database client would do, bypassing the app (triggers dropped)."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER USER"))
            connection.execute(text("ALTER TABLE audit_head DISABLE TRIGGER USER"))
        else:
            for name in ("audit_entries_no_update", "audit_entries_no_delete"):
                connection.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
        for statement in statements:
            connection.execute(text(statement))


@pytest.fixture
def trail(plant: Plant) -> Plant:
    plant.receive("F-1", "10 kg")
    plant.receive("F-2", "10 kg")
    plant.receive("F-3", "10 kg")
    return plant


def _last_seq(plant: Plant) -> int:
    with plant.engine.connect() as connection:
        return int(connection.execute(text("SELECT max(seq) FROM audit_entries")).scalar() or 0)


def test_a_step_writes_who_what_and_the_new_values_in_the_same_transaction(trail: Plant) -> None:
    with trail.uow() as uow:
        lines = audit.show(uow, actor=trail.actor, entity="lots")
    assert len(lines) == 3
    newest = lines[0]
    assert newest.username == "admin"
    assert newest.station == "RCV1"
    assert newest.action == "create"
    assert json.loads(newest.new_value or "{}")["lot_code"] == "F-3"
    verdict = _verify(trail)
    assert verdict.intact
    assert verdict.entries == _last_seq(trail)


def test_an_edited_entry_is_named(trail: Plant) -> None:
    _raw(trail.engine, "UPDATE audit_entries SET username = 'mallory' WHERE seq = 4")
    verdict = _verify(trail)
    assert (verdict.intact, verdict.first_broken_seq, verdict.breach) == (False, 4, Breach.EDITED)


def test_a_deleted_entry_in_the_middle_is_named(trail: Plant) -> None:
    _raw(trail.engine, "DELETE FROM audit_entries WHERE seq = 5")
    verdict = _verify(trail)
    assert (verdict.first_broken_seq, verdict.breach) == (5, Breach.DELETED)


def test_deleting_the_newest_entries_is_caught_by_the_anchored_head(trail: Plant) -> None:
    last = _last_seq(trail)
    _raw(trail.engine, f"DELETE FROM audit_entries WHERE seq >= {last - 1}")
    verdict = _verify(trail)
    assert (verdict.first_broken_seq, verdict.breach) == (last - 1, Breach.DELETED)


def test_an_entry_inserted_behind_the_apps_back_is_named(trail: Plant) -> None:
    last = _last_seq(trail)
    _raw(
        trail.engine,
        "INSERT INTO audit_entries (seq, id, recorded_at, username, action, entity, prev_hash, hash) "
        f"SELECT {last + 1}, id_forged, recorded_at, 'mallory', 'create', 'lots', hash, hash "
        f"FROM (SELECT '{'0' * 31}1' AS id_forged, recorded_at, hash FROM audit_entries WHERE seq = {last}) AS newest"
        if trail.engine.dialect.name == "sqlite"
        else "INSERT INTO audit_entries (seq, id, recorded_at, username, action, entity, prev_hash, hash) "
        f"SELECT {last + 1}, gen_random_uuid(), recorded_at, 'mallory', 'create', 'lots', hash, hash "
        f"FROM audit_entries WHERE seq = {last}",
    )
    verdict = _verify(trail)
    assert not verdict.intact
    assert verdict.first_broken_seq == last + 1


def test_the_database_refuses_changes_to_the_trail_and_moving_the_head_back(trail: Plant) -> None:
    for statement in (
        "UPDATE audit_entries SET username = 'x'",
        "DELETE FROM audit_entries",
        "UPDATE audit_head SET seq = 1",
        "DELETE FROM audit_head",
    ):
        with pytest.raises(DBAPIError), trail.engine.begin() as connection:
            connection.execute(text(statement))
    assert _verify(trail).intact


def test_an_auditor_may_verify_but_not_record_a_step(trail: Plant) -> None:
    with trail.uow() as uow:
        add_user(
            uow,
            actor=trail.actor,
            username="aud",
            full_name="Ann Auditor",
            role=Role.AUDITOR,
            password="correct horse 1",
        )
    with trail.uow() as uow:
        auditor = authenticate(uow, username="aud", password="correct horse 1")
    with trail.uow() as uow:
        assert audit.verify(uow, actor=auditor).intact
    before = _last_seq(trail)
    with (
        pytest.raises(PermissionDenied, match="aud is an auditor and may not receive"),
        trail.uow() as uow,
    ):
        receive(
            uow,
            actor=auditor,
            supplier="MILL",
            supplier_lot_code="X",
            product="FLOUR",
            quantity=Quantity.parse("1 kg"),
        )
    assert _last_seq(trail) == before
