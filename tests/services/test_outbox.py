"""The outbox path: a step stored at the station reaches the server once, in order; refusals stay."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from traceapp.db.engine import make_engine
from traceapp.db.models import Event
from traceapp.db.outbox import Outbox
from traceapp.domain.commands import OutboxState, StepCommand
from traceapp.domain.quantity import Quantity
from traceapp.domain.steps import HandlingStep
from traceapp.services import masterdata
from traceapp.services.dispositions import hold
from traceapp.services.lots import lot_detail
from traceapp.services.packing import PackItem
from traceapp.services.production import InputSpec, OutputSpec
from traceapp.services.sync import Forwarder, is_offline_error
from traceapp.services.sync_commands import (
    describe_command,
    move_request,
    produce_request,
    receive_request,
    ship_request,
)
from traceapp.services.users import add_user

from .conftest import Plant


def _events(plant: Plant) -> int:
    with plant.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(Event)) or 0)


@pytest.fixture
def outbox(tmp_path: Path) -> Outbox:
    box = Outbox(tmp_path / "outbox.sqlite")
    yield box  # type: ignore[misc]
    box.close()


def test_a_command_reads_back_as_it_was_written(plant: Plant) -> None:
    request = produce_request(
        inputs=[InputSpec("FLOUR/F-1", Quantity.parse("12.125 kg"))],
        outputs=[OutputSpec("DOUGH", "D-1", Quantity.parse("12.125 kg"))],
        equipment="MIX1",
    )
    moment = datetime(2026, 11, 30, 9, 15, tzinfo=timezone(timedelta(hours=2)))
    command = request.command(plant.actor, event_time=moment)
    again = StepCommand.from_json(command.to_json())
    assert again == command
    assert again.event_time.utcoffset() == timedelta(hours=2)


def test_the_outbox_keeps_order_and_stores_an_event_id_once(outbox: Outbox, plant: Plant) -> None:
    first = receive_request(
        supplier="MILL", supplier_lot_code="A", product="FLOUR", quantity=Quantity.parse("1 kg")
    ).command(plant.actor)
    second = move_request(items=["FLOUR/A"], to="RCV1").command(plant.actor)
    outbox.enqueue(first)
    outbox.enqueue(second)
    outbox.enqueue(first)  # a retry of the same scan
    assert [item.command.id for item in outbox.pending()] == [first.id, second.id]
    assert outbox.counts().pending == 2


def test_forwarded_steps_reach_the_server_once_with_the_station_time(
    outbox: Outbox, plant: Plant
) -> None:
    confirmed = datetime.now(UTC) - timedelta(minutes=30)  # scanned offline half an hour ago
    received = receive_request(
        supplier="MILL", supplier_lot_code="F-1", product="FLOUR", quantity=Quantity.parse("50 kg")
    ).command(plant.actor, event_time=confirmed)
    used = produce_request(
        inputs=[InputSpec("FLOUR/F-1", Quantity.parse("20 kg"))],
        outputs=[OutputSpec("DOUGH", "D-1", Quantity.parse("20 kg"))],
    ).command(plant.actor)
    before = _events(plant)
    for command in (received, used):
        outbox.enqueue(command)
    forwarder = Forwarder(outbox, plant.engine)
    assert forwarder.drain() == 2
    assert forwarder.drain() == 0
    # The same commands sent again (a lost answer, a station restored from a copy) replay.
    copy = Outbox(outbox.path.with_name("copy.sqlite"))
    for command in (received, used):
        copy.enqueue(command)
    assert Forwarder(copy, plant.engine).drain() == 2
    assert {i.state for i in copy.items(OutboxState.DELIVERED)} == {OutboxState.DELIVERED}
    copy.close()
    assert _events(plant) == before + 2
    with plant.uow() as uow:
        lot = lot_detail(uow, "FLOUR/F-1").lot
        stored = uow.session.get_one(Event, received.id).event_time
    assert lot.on_hand == Quantity.parse("30 kg")
    stored = stored if stored.tzinfo else stored.replace(tzinfo=UTC)
    assert abs(stored - confirmed) < timedelta(seconds=1)
    assert forwarder.status().online is True
    assert {i.state for i in outbox.items(OutboxState.DELIVERED)} == {OutboxState.DELIVERED}


def test_a_refusal_nobody_waits_for_becomes_a_conflict_kept_with_its_reason(
    outbox: Outbox, plant: Plant
) -> None:
    plant.receive("F-1", "10 kg")
    shipped = ship_request(
        customer="SHOP1", items=[PackItem("FLOUR/F-1", Quantity.parse("4 kg"))]
    ).command(plant.actor)
    later = move_request(items=["FLOUR/F-1"], to="RCV1").command(plant.actor)
    outbox.enqueue(shipped)
    outbox.enqueue(later)
    with plant.uow() as uow:  # meanwhile, on the server, quality holds the lot
        hold(uow, actor=plant.actor, code="FLOUR/F-1", reason="metal detector alarm")
    forwarder = Forwarder(outbox, plant.engine)
    assert forwarder.drain() == 2
    conflicts = outbox.items(OutboxState.CONFLICT)
    assert [c.command.id for c in conflicts] == [shipped.id]
    assert "ON HOLD" in (conflicts[0].reason or "").upper()
    assert conflicts[0].hint
    assert outbox.state_of(later.id) == OutboxState.DELIVERED  # the line went on
    assert forwarder.status().conflicts == 1
    outbox.mark_reviewed(conflicts[0].seq, "shipped after release, re-scanned")
    assert outbox.counts().conflicts == 0
    assert outbox.items(OutboxState.REVIEWED)[0].reason == conflicts[0].reason


def test_a_conflict_sent_again_after_its_cause_is_cleared_is_recorded(
    outbox: Outbox, plant: Plant
) -> None:
    moved = move_request(items=["FLOUR/F-2"], to="RCV1").command(plant.actor)
    outbox.enqueue(moved)
    forwarder = Forwarder(outbox, plant.engine)
    forwarder.drain()
    (conflict,) = outbox.items(OutboxState.CONFLICT)
    plant.receive("F-2", "5 kg")
    outbox.retry(conflict.seq)
    forwarder.drain()
    assert outbox.state_of(moved.id) == OutboxState.DELIVERED


def test_a_refusal_while_the_operator_waits_is_answered_at_once(
    outbox: Outbox, plant: Plant
) -> None:
    forwarder = Forwarder(outbox, plant.engine, probe_seconds=60)
    forwarder.start()
    try:
        ok = forwarder.submit(_receipt_command(plant, "F-9"), wait=30)
        refused = forwarder.submit(
            move_request(items=["FLOUR/NOPE"], to="RCV1").command(plant.actor), wait=30
        )
    finally:
        forwarder.stop()
    assert ok.state == OutboxState.DELIVERED
    assert ok.result is not None
    assert ok.result.lots[0].name == "FLOUR/F-9"
    assert refused.state == OutboxState.REFUSED
    assert refused.error is not None
    assert "NOPE" in refused.error.message
    assert outbox.counts().conflicts == 0  # seen red at the station: nothing left to review


def _receipt_command(plant: Plant, lot: str) -> StepCommand:
    return receive_request(
        supplier="MILL", supplier_lot_code=lot, product="FLOUR", quantity=Quantity.parse("5 kg")
    ).command(plant.actor)


def test_an_unreachable_server_leaves_the_step_stored_and_the_station_offline(
    outbox: Outbox, plant: Plant
) -> None:
    dead = make_engine(
        "postgresql+psycopg://postgres@127.0.0.1:9/none", connect_args={"connect_timeout": 2}
    )
    command = _receipt_command(plant, "F-7")
    forwarder = Forwarder(outbox, dead, retry_seconds=0.05)
    forwarder.start()
    try:
        delivery = forwarder.submit(command, wait=5)
    finally:
        forwarder.stop()
    assert delivery.state == OutboxState.PENDING
    assert delivery.backlog == 1
    assert forwarder.online is False
    assert forwarder.status().last_error
    # The server is back (here: the real one): the stored step goes through.
    assert Forwarder(outbox, plant.engine).drain() == 1
    assert outbox.state_of(command.id) == OutboxState.DELIVERED
    with plant.uow() as uow:
        assert lot_detail(uow, "FLOUR/F-7").lot.on_hand == Quantity.parse("5 kg")


def test_an_event_id_reused_for_another_step_is_a_conflict(outbox: Outbox, plant: Plant) -> None:
    received = _receipt_command(plant, "F-3")
    outbox.enqueue(received)
    Forwarder(outbox, plant.engine).drain()
    clash = move_request(items=["FLOUR/F-3"], to="RCV1").command(plant.actor)
    clash = StepCommand(
        received.id, HandlingStep.MOVE, clash.arguments, clash.event_time, clash.actor
    )
    other = Outbox(outbox.path.with_name("other.sqlite"))
    other.enqueue(clash)
    Forwarder(other, plant.engine).drain()
    assert other.items(OutboxState.CONFLICT)[0].reason
    other.close()


def test_offline_errors_are_told_apart_from_refusals() -> None:
    from traceapp.domain.errors import LotNotUsable, StorageUnavailable

    assert is_offline_error(StorageUnavailable("gone"))
    assert not is_offline_error(LotNotUsable("held"))
    assert not is_offline_error(ValueError(str(uuid.uuid4())))


def test_a_step_the_actor_may_not_do_is_a_conflict_not_a_lost_scan(
    outbox: Outbox, plant: Plant
) -> None:
    # The role travels with the command and is checked again on the server.
    with plant.uow() as uow:
        add_user(
            uow, actor=plant.actor, username="audrey", full_name="Audrey", role="auditor",
            password="correct horse 42",
        )  # fmt: skip
    with plant.uow() as uow:
        auditor = masterdata.actor_for(uow, username="audrey")
    outbox.enqueue(_receipt_command(plant, "F-5").__class__.from_json(
        _receipt_command(plant, "F-5").to_json().replace(str(plant.actor.user_id), str(auditor.user_id))
        .replace('"username":"admin"', '"username":"audrey"').replace('"role":"admin"', '"role":"auditor"')
    ))  # fmt: skip
    Forwarder(outbox, plant.engine).drain()
    (conflict,) = outbox.items(OutboxState.CONFLICT)
    assert "audrey" in (conflict.reason or "")


def test_a_stored_step_is_described_in_words(plant: Plant) -> None:
    shipped = ship_request(
        customer="SHOP1", items=[PackItem("FLOUR/F-1", Quantity.parse("4 kg")), PackItem("PAL-1")]
    ).command(plant.actor)
    assert describe_command(shipped) == "ship FLOUR/F-1 4 kg, PAL-1 to SHOP1"
    received = _receipt_command(plant, "L-9")
    assert describe_command(received) == "receive FLOUR/L-9 5 kg from MILL"


def test_delivered_steps_are_purged_after_a_while_but_conflicts_stay(
    outbox: Outbox, plant: Plant
) -> None:
    delivered = _receipt_command(plant, "P-1")
    refused = move_request(items=["FLOUR/NOPE"], to="RCV1").command(plant.actor)
    outbox.enqueue(delivered)
    outbox.enqueue(refused)
    Forwarder(outbox, plant.engine).drain()
    assert outbox.purge_delivered(datetime.now(UTC) - timedelta(days=1)) == 0
    assert outbox.purge_delivered(datetime.now(UTC) + timedelta(seconds=1)) == 1
    assert outbox.state_of(delivered.id) is None
    assert outbox.state_of(refused.id) == OutboxState.CONFLICT


def test_a_step_behind_a_backlog_is_acknowledged_at_once(outbox: Outbox, plant: Plant) -> None:
    forwarder = Forwarder(outbox, plant.engine, probe_seconds=60)
    forwarder.start()
    try:
        assert forwarder.submit(_receipt_command(plant, "B-0"), wait=30).state == (
            OutboxState.DELIVERED
        )
        with forwarder._drain_lock:  # the forwarder is busy sending an earlier step
            outbox.enqueue(_receipt_command(plant, "B-1"))
            started = time.monotonic()
            queued = forwarder.submit(_receipt_command(plant, "B-2"), wait=30)
            assert time.monotonic() - started < 10  # not the 30 s it would wait for an answer
        assert queued.state == OutboxState.PENDING
        assert queued.backlog == 2
        deadline = time.monotonic() + 30
        while outbox.counts().pending and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        forwarder.stop()
    assert outbox.counts().pending == 0


def _synchronous(outbox: Outbox) -> int:
    return int(outbox._db.execute("PRAGMA synchronous").fetchone()[0])


def test_a_queued_step_is_fsynced_and_its_settling_is_not(outbox: Outbox, plant: Plant) -> None:
    """Queuing commits with synchronous=FULL (survives a power cut); the forwarder's settling
    with NORMAL (survives a killed process; at worst the step is sent again and replayed)."""
    full, normal = 2, 1
    seq = outbox.enqueue(_receipt_command(plant, "S-1"))
    assert _synchronous(outbox) == full
    outbox.settle(seq, OutboxState.DELIVERED)
    assert _synchronous(outbox) == normal
    outbox.cache_put("products", "[]")
    assert _synchronous(outbox) == normal
    outbox.enqueue(_receipt_command(plant, "S-2"))
    assert _synchronous(outbox) == full
    assert outbox.state_of(outbox.get(seq).command.id) == OutboxState.DELIVERED  # type: ignore[union-attr]
