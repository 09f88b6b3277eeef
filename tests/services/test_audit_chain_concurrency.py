"""The audit chain stays whole while several stations record at once (its head is locked at the commit)."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from decimal import Decimal

from sqlalchemy import select

from traceapp.db.models import AuditEntry, AuditHead, Product
from traceapp.domain.errors import KnownError
from traceapp.domain.quantity import Quantity
from traceapp.services import audit
from traceapp.services.lots import lot_detail
from traceapp.services.masterdata import actor_for
from traceapp.services.moving import move
from traceapp.services.production import InputSpec, OutputSpec, produce

from .conftest import Plant

STATIONS = 6
STEPS = 12  # per station: a receipt, then produce and move steps on the shared lots


def _run_at_once(count: int, work: object) -> list[BaseException]:
    start = threading.Barrier(count)
    failures: list[BaseException] = []

    def body(number: int) -> None:
        start.wait()
        try:
            work(number)  # type: ignore[operator]
        except BaseException as exc:  # reported by the test, not lost in the thread
            failures.append(exc)

    threads = [threading.Thread(target=body, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a station never finished"
    return failures


def test_stations_recording_at_once_leave_a_chain_that_verifies(plant: Plant) -> None:
    for n in range(2):
        plant.receive(f"SHARED-{n}", "1000 kg")
    refused: list[str] = []

    def station(number: int) -> None:
        for k in range(STEPS):
            try:
                if k % 3 == 0:
                    plant.receive(f"S{number}-{k}", "50 kg")
                elif k % 3 == 1:
                    with plant.uow() as uow:
                        produce(
                            uow,
                            actor=plant.actor,
                            inputs=[
                                InputSpec(f"SHARED-{(number + k) % 2}", Quantity.parse("3 kg")),
                                InputSpec(f"SHARED-{(number + k + 1) % 2}", Quantity.parse("2 kg")),
                            ],
                            outputs=[OutputSpec("DOUGH", f"D{number}-{k}", Quantity.parse("5 kg"))],
                        )
                else:
                    with plant.uow() as uow:
                        move(uow, actor=plant.actor, items=[f"S{number}-{k - 2}"], to="MIX1")
            except KnownError as exc:
                refused.append(f"{exc.code}: {exc.message}")

    failures = _run_at_once(STATIONS, station)
    assert failures == []
    assert refused == []

    with plant.uow() as uow:
        admin = actor_for(uow)
        verdict = audit.verify(uow, actor=admin)
        assert verdict.intact, verdict
        seqs = list(uow.session.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)))
        head_seq = uow.session.get_one(AuditHead, 1).seq
        created = Counter(
            uow.session.scalars(select(AuditEntry.entity).where(AuditEntry.action == "create"))
        )
        # Every step's transaction wrote its entries in one unbroken run of the sequence.
        runs = uow.session.execute(
            select(AuditEntry.seq, AuditEntry.entity, AuditEntry.entity_id).where(
                AuditEntry.entity == "events"
            )
        ).all()
    assert seqs == list(range(1, len(seqs) + 1))
    assert head_seq == seqs[-1]
    assert created["events"] == 2 + STATIONS * STEPS
    assert len(runs) == created["events"]
    with plant.uow() as uow:
        left = sum(lot_detail(uow, f"SHARED-{n}").lot.on_hand.value for n in range(2))
    # Each station's 4 produce steps took 5 kg each from the two shared lots.
    assert left == Decimal(2000 - STATIONS * 4 * 5)


def test_one_event_uuid_sent_by_several_stations_at_once_is_recorded_once(plant: Plant) -> None:
    plant.receive("F-1", "10 kg")
    event_id = uuid.uuid4()
    answers: list[str] = []

    def station(_number: int) -> None:
        try:
            with plant.uow() as uow:
                result = produce(
                    uow,
                    actor=plant.actor,
                    inputs=[InputSpec("F-1", Quantity.parse("7 kg"))],
                    outputs=[OutputSpec("DOUGH", "D-1", Quantity.parse("7 kg"))],
                    event_id=event_id,
                )
            answers.append("replayed" if result.replayed else "recorded")
        except KnownError as exc:
            answers.append(f"refused {exc.code}")

    assert _run_at_once(4, station) == []
    # The others get the first one's answer, not "only 3 kg left" for the step they all sent.
    assert sorted(answers) == ["recorded", "replayed", "replayed", "replayed"]
    with plant.uow() as uow:
        assert lot_detail(uow, "F-1").lot.on_hand == Quantity(Decimal(3), "kg")


def test_a_rolled_back_transaction_leaves_nothing_in_the_trail(plant: Plant) -> None:
    with plant.uow() as uow:
        before = uow.session.get_one(AuditHead, 1).seq
    with plant.uow() as uow:
        uow.acting(plant.actor)
        product = uow.session.scalars(select(Product).where(Product.part_number == "SUGAR")).one()
        product.name = "Sugar (not kept)"
        uow.flush()  # noted for the trail, then thrown away with the transaction
        uow.rollback()
        product = uow.session.scalars(select(Product).where(Product.part_number == "SUGAR")).one()
        product.name = "Fine sugar"
        uow.commit()
    with plant.uow() as uow:
        entries = uow.session.execute(
            select(
                AuditEntry.action, AuditEntry.entity, AuditEntry.old_value, AuditEntry.new_value
            ).where(AuditEntry.seq > before)
        ).all()
        verdict = audit.verify(uow, actor=actor_for(uow))
    assert verdict.intact, verdict
    assert [(action, entity) for action, entity, _, _ in entries] == [("update", "products")]
    _, _, old, new = entries[0]
    assert "Fine sugar" in (new or "")
    assert "not kept" not in (old or "") + (new or "")
