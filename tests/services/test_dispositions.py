"""Dispositions: holds with reasons, signed releases and dispositions, descendants, history."""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import func, select, update

from traceapp.db.append_only import drop_triggers
from traceapp.db.models import AuditEntry, Event, Signature
from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.dispositions import (
    Decision,
    DecisionRefused,
    LotClosed,
    NotOnHold,
)
from traceapp.domain.errors import InvalidInput, LotNotUsable, PermissionDenied
from traceapp.domain.lots import LotStatus
from traceapp.domain.permissions import Role
from traceapp.domain.quantity import Quantity
from traceapp.services import dispositions as disp
from traceapp.services.corrections import correct
from traceapp.services.dispositions import SignedBy
from traceapp.services.lots import lot_detail
from traceapp.services.masterdata import actor_for
from traceapp.services.packing import PackItem
from traceapp.services.production import InputSpec, OutputSpec, produce
from traceapp.services.shipping import ship
from traceapp.services.signatures import Meaning, SignatureRefused
from traceapp.services.users import add_user

from .conftest import Plant

PASSWORD = "correct horse 9"
PEOPLE = {
    "qm": ("Quinn Manager", Role.QUALITY_MANAGER),
    "sup": ("Sam Supervisor", Role.SUPERVISOR),
    "op": ("Olga Operator", Role.OPERATOR),
    "aud": ("Ada Auditor", Role.AUDITOR),
}


@pytest.fixture
def staffed(plant: Plant) -> Plant:
    for username, (full_name, role) in PEOPLE.items():
        with plant.uow() as uow:
            add_user(
                uow,
                actor=plant.actor,
                username=username,
                full_name=full_name,
                role=role,
                password=PASSWORD,
            )
    plant.receive("F-1")
    return plant


def as_user(plant: Plant, username: str) -> Actor:
    # A reader: the tests call it while the decision's own unit of work is open.
    with UnitOfWork(plant.engine, write=False) as uow:
        return actor_for(uow, username=username, station="RCV1")


def qm_signs(meaning: Meaning | None = None) -> SignedBy:
    return SignedBy("qm", PASSWORD, meaning)


def lot_status(plant: Plant, code: str = "FLOUR/F-1") -> LotStatus:
    with plant.uow() as uow:
        return lot_detail(uow, code).lot.status


def hold(plant: Plant, username: str = "op", code: str = "FLOUR/F-1", **kw: object):  # type: ignore[no-untyped-def]
    with plant.uow() as uow:
        return disp.hold(
            uow,
            actor=as_user(plant, username),
            code=code,
            reason=str(kw.pop("reason", "mould on bags")),
            **kw,  # type: ignore[arg-type]
        )


def test_an_operator_holds_a_lot_with_a_reason_and_it_cannot_be_consumed_or_shipped(
    staffed: Plant,
) -> None:
    outcome = hold(staffed)
    record = outcome.decision
    assert record.decision is Decision.HOLD
    assert (record.status_before, record.status_after) == (LotStatus.ACTIVE, LotStatus.ON_HOLD)
    assert record.reason == "mould on bags"
    assert (record.decided_by, record.station, record.signatures) == ("op", "RCV1", ())
    assert lot_status(staffed) is LotStatus.ON_HOLD
    with staffed.uow() as uow:
        event = uow.session.get_one(Event, record.event_id)
        assert (event.step, event.biz_step, event.disposition) == (
            "hold",
            "holding",
            "non_sellable_other",
        )
    with staffed.uow() as uow, pytest.raises(LotNotUsable, match="ON HOLD"):
        produce(
            uow,
            actor=staffed.actor,
            inputs=[InputSpec("FLOUR/F-1", Quantity.parse("10 kg"))],
            outputs=[OutputSpec("DOUGH", "D-1", Quantity.parse("10 kg"))],
        )
    with staffed.uow() as uow, pytest.raises(LotNotUsable, match="ON HOLD"):
        ship(
            uow,
            actor=staffed.actor,
            customer="SHOP1",
            items=[PackItem("FLOUR/F-1", Quantity.parse("5 kg"))],
        )


def test_a_hold_without_a_reason_is_refused_and_changes_nothing(staffed: Plant) -> None:
    with staffed.uow() as uow:
        before = uow.session.scalar(select(func.count()).select_from(AuditEntry))
    with pytest.raises(InvalidInput, match="needs a reason"):
        hold(staffed, reason="   ")
    with staffed.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(AuditEntry)) == before
    assert lot_status(staffed) is LotStatus.ACTIVE


def test_release_lifts_a_hold_with_the_signers_name_time_and_meaning(staffed: Plant) -> None:
    hold(staffed)
    with staffed.uow() as uow:
        outcome = disp.release(
            uow,
            actor=as_user(staffed, "qm"),
            code="FLOUR/F-1",
            reason="re-inspected: no mould, bags were wet",
            signed_by=qm_signs(),
        )
    record = outcome.decision
    assert (record.status_before, record.status_after) == (LotStatus.ON_HOLD, LotStatus.RELEASED)
    (signature,) = record.signatures
    assert (signature.printed_name, signature.username, signature.meaning) == (
        "Quinn Manager",
        "qm",
        "released",
    )
    assert signature.valid
    assert signature.signed_at.tzinfo is not None
    assert lot_status(staffed) is LotStatus.RELEASED
    # Usable again: it can be consumed.
    with staffed.uow() as uow:
        produce(
            uow,
            actor=staffed.actor,
            inputs=[InputSpec("FLOUR/F-1", Quantity.parse("10 kg"))],
            outputs=[OutputSpec("DOUGH", "D-1", Quantity.parse("10 kg"))],
        )
    with staffed.uow() as uow:
        (entry,) = uow.session.execute(
            select(AuditEntry.username, AuditEntry.reason).where(AuditEntry.entity == "signatures")
        ).all()
    assert tuple(entry) == ("qm", "signature: released")


def test_a_wrong_signature_password_records_nothing(staffed: Plant) -> None:
    hold(staffed)
    with staffed.uow() as uow, pytest.raises(SignatureRefused):
        disp.release(
            uow,
            actor=as_user(staffed, "qm"),
            code="FLOUR/F-1",
            reason="fine",
            signed_by=SignedBy("qm", "guess"),
        )
    assert lot_status(staffed) is LotStatus.ON_HOLD
    with staffed.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Signature)) == 0
        assert len(disp.decisions_of(uow, "FLOUR/F-1")) == 1


def test_a_signer_whose_role_may_not_release_is_refused(staffed: Plant) -> None:
    hold(staffed)
    with staffed.uow() as uow, pytest.raises(PermissionDenied, match="sup is a supervisor"):
        disp.release(
            uow,
            actor=as_user(staffed, "qm"),
            code="FLOUR/F-1",
            reason="fine",
            signed_by=SignedBy("sup", PASSWORD),
        )
    with staffed.uow() as uow, pytest.raises(PermissionDenied, match="op is an operator"):
        disp.release(
            uow,
            actor=as_user(staffed, "op"),
            code="FLOUR/F-1",
            reason="fine",
            signed_by=qm_signs(),
        )
    assert lot_status(staffed) is LotStatus.ON_HOLD


def test_a_supervisor_lifts_a_hold_back_to_the_status_before_it(staffed: Plant) -> None:
    with staffed.uow() as uow:
        disp.release(
            uow, actor=as_user(staffed, "qm"), code="FLOUR/F-1", reason="ok", signed_by=qm_signs()
        )
    hold(staffed)
    with staffed.uow() as uow:
        outcome = disp.lift_hold(
            uow,
            actor=as_user(staffed, "sup"),
            code="FLOUR/F-1",
            reason="false alarm: label smudge",
            signed_by=SignedBy("sup", PASSWORD, Meaning.REVIEWED),
        )
    assert outcome.decision.status_after is LotStatus.RELEASED
    assert outcome.decision.signatures[0].meaning == "reviewed"
    assert lot_status(staffed) is LotStatus.RELEASED
    with staffed.uow() as uow, pytest.raises(NotOnHold, match="no hold to lift"):
        disp.lift_hold(
            uow,
            actor=as_user(staffed, "sup"),
            code="FLOUR/F-1",
            reason="again",
            signed_by=SignedBy("sup", PASSWORD),
        )


@pytest.mark.parametrize(
    ("decision", "after", "biz_step", "disposition"),
    [
        (Decision.REJECT, LotStatus.REJECTED, "inspecting", "non_conformant"),
        (Decision.REWORK, LotStatus.ON_HOLD, "repairing", "non_sellable_other"),
        (Decision.SCRAP, LotStatus.REJECTED, "destroying", "destroyed"),
    ],
)
def test_reject_rework_and_scrap_are_signed_decisions(
    staffed: Plant, decision: Decision, after: LotStatus, biz_step: str, disposition: str
) -> None:
    with staffed.uow() as uow:
        outcome = disp.dispose(
            uow,
            actor=as_user(staffed, "qm"),
            decision=decision,
            code="FLOUR/F-1",
            reason="moisture 16 % (limit 14 %)",
            signed_by=qm_signs(),
        )
    assert outcome.decision.status_after is after
    assert outcome.decision.signatures[0].printed_name == "Quinn Manager"
    assert lot_status(staffed) is after
    with staffed.uow() as uow:
        event = uow.session.get_one(Event, outcome.decision.event_id)
        assert (event.biz_step, event.disposition) == (biz_step, disposition)
    with staffed.uow() as uow, pytest.raises(DecisionRefused):
        disp.release(
            uow, actor=as_user(staffed, "qm"), code="FLOUR/F-1", reason="x", signed_by=qm_signs()
        ) if decision is not Decision.REWORK else disp.lift_hold(
            uow, actor=as_user(staffed, "qm"), code="FLOUR/F-1", reason="x", signed_by=qm_signs()
        )


def test_a_reworked_lot_is_released_by_a_quality_manager(staffed: Plant) -> None:
    with staffed.uow() as uow:
        disp.dispose(
            uow,
            actor=as_user(staffed, "qm"),
            decision=Decision.REWORK,
            code="FLOUR/F-1",
            reason="re-sieve",
            signed_by=qm_signs(),
        )
    with staffed.uow() as uow:
        disp.release(
            uow,
            actor=as_user(staffed, "qm"),
            code="FLOUR/F-1",
            reason="re-sieved, retested ok",
            signed_by=qm_signs(),
        )
    assert lot_status(staffed) is LotStatus.RELEASED


def test_a_scrapped_lot_takes_no_further_decision(staffed: Plant) -> None:
    with staffed.uow() as uow:
        disp.dispose(
            uow,
            actor=as_user(staffed, "qm"),
            decision=Decision.SCRAP,
            code="FLOUR/F-1",
            reason="rodent damage",
            signed_by=qm_signs(),
        )
    with staffed.uow() as uow, pytest.raises(LotClosed, match="was scrapped"):
        disp.dispose(
            uow,
            actor=as_user(staffed, "qm"),
            decision=Decision.REWORK,
            code="FLOUR/F-1",
            reason="try anyway",
            signed_by=qm_signs(),
        )


def test_a_decision_on_a_voided_lot_is_refused(staffed: Plant) -> None:
    with staffed.uow() as uow:
        first = disp.decisions_of(uow, "FLOUR/F-1")
    assert first == ()
    result = staffed.receive("F-2")
    with staffed.uow() as uow:
        correct(uow, actor=staffed.actor, event=result.event.id, reason="wrong delivery")
    with pytest.raises(LotClosed, match="VOIDED"):
        hold(staffed, code="FLOUR/F-2")


def test_a_held_lot_cannot_be_held_again_and_an_auditor_holds_nothing(staffed: Plant) -> None:
    hold(staffed)
    with pytest.raises(DecisionRefused, match="cannot be put on hold"):
        hold(staffed, username="sup")
    with pytest.raises(PermissionDenied, match="aud is an auditor and may not hold"):
        hold(staffed, username="aud")


def test_an_automatic_hold_names_the_rule_and_the_system(staffed: Plant) -> None:
    with pytest.raises(InvalidInput, match="name the rule"):
        hold(staffed, username="system", reason="SPC signal")
    outcome = hold(
        staffed,
        username="system",
        reason="moisture 3 points above +2 sigma",
        rule="SPC Western Electric rule 2 on MOIST-1",
    )
    assert outcome.decision.decided_by == "system"
    assert outcome.decision.rule == "SPC Western Electric rule 2 on MOIST-1"
    assert outcome.decision.automatic
    with staffed.uow() as uow:
        rules = set(
            uow.session.scalars(
                select(AuditEntry.rule).where(
                    AuditEntry.username == "system", AuditEntry.rule.is_not(None)
                )
            )
        )
    assert rules == {"SPC Western Electric rule 2 on MOIST-1"}


def test_holding_with_descendants_holds_every_usable_lot_made_from_it(staffed: Plant) -> None:
    with staffed.uow() as uow:
        produce(
            uow,
            actor=staffed.actor,
            inputs=[InputSpec("FLOUR/F-1", Quantity.parse("60 kg"))],
            outputs=[OutputSpec("DOUGH", "D-1", Quantity.parse("60 kg"))],
        )
    with staffed.uow() as uow:
        produce(
            uow,
            actor=staffed.actor,
            inputs=[InputSpec("DOUGH/D-1", Quantity.parse("20 kg"))],
            outputs=[OutputSpec("COOKIE", "C-1", Quantity.parse("40 ea"))],
        )
    with staffed.uow() as uow:
        produce(
            uow,
            actor=staffed.actor,
            inputs=[InputSpec("DOUGH/D-1", Quantity.parse("30 kg"))],
            outputs=[OutputSpec("COOKIE", "C-2", Quantity.parse("60 ea"))],
        )
    with staffed.uow() as uow:
        ship(uow, actor=staffed.actor, customer="SHOP1", items=[PackItem("COOKIE/C-2", None)])
    outcome = hold(staffed, reason="aflatoxin above limit", descendants=True)
    assert {r.lot for r in outcome.descendants} == {"DOUGH/D-1", "COOKIE/C-1"}
    assert outcome.skipped == ("COOKIE/C-2 (shipped)",)
    for code in ("FLOUR/F-1", "DOUGH/D-1", "COOKIE/C-1"):
        assert lot_status(staffed, code) is LotStatus.ON_HOLD
    assert lot_status(staffed, "COOKIE/C-2") is LotStatus.SHIPPED
    with staffed.uow() as uow:
        (child,) = disp.decisions_of(uow, "COOKIE/C-1")
    assert child.reason == "aflatoxin above limit (made from FLOUR/F-1)"
    assert child.event_id != outcome.decision.event_id


def test_the_same_event_id_records_a_decision_once(staffed: Plant) -> None:
    event_id = uuid.uuid4()
    first = hold(staffed, event_id=event_id)
    again = hold(staffed, event_id=event_id)
    assert again.replayed
    assert again.decision == first.decision
    with staffed.uow() as uow:
        assert len(disp.decisions_of(uow, "FLOUR/F-1")) == 1


def test_history_shows_every_decision_and_a_changed_record_breaks_its_signature(
    staffed: Plant,
) -> None:
    hold(staffed)
    with staffed.uow() as uow:
        disp.release(
            uow, actor=as_user(staffed, "qm"), code="FLOUR/F-1", reason="ok", signed_by=qm_signs()
        )
    with staffed.uow() as uow:
        history = disp.decisions_of(uow, "FLOUR/F-1")
    assert [r.decision for r in history] == [Decision.HOLD, Decision.RELEASE]
    assert [r.status_after for r in history] == [LotStatus.ON_HOLD, LotStatus.RELEASED]
    assert history[1].signatures[0].valid
    # Someone drops the append-only trigger and rewrites the released decision's reason.
    with staffed.engine.begin() as connection:
        drop_triggers(connection, ("events",), drop_function=False)
        connection.execute(
            update(Event).where(Event.id == history[1].event_id).values(reason="not checked")
        )
    with staffed.uow() as uow:
        history = disp.decisions_of(uow, "FLOUR/F-1")
    assert not history[1].signatures[0].valid
    assert "RECORD CHANGED SINCE SIGNING" in history[1].signatures[0].line()


def test_decide_names_each_decision_and_refuses_an_unsigned_one(staffed: Plant) -> None:
    with staffed.uow() as uow, pytest.raises(SignatureRefused, match="needs an electronic"):
        disp.decide(
            uow,
            actor=as_user(staffed, "qm"),
            decision=Decision.REJECT,
            code="FLOUR/F-1",
            reason="x",
        )
    assert lot_status(staffed) is LotStatus.ACTIVE


def test_a_used_up_lot_is_held_through_the_lots_made_from_it(staffed: Plant) -> None:
    staffed.receive("F-3", qty="10 kg")
    with staffed.uow() as uow:
        produce(
            uow,
            actor=staffed.actor,
            inputs=[InputSpec("FLOUR/F-3", Quantity.parse("10 kg"))],
            outputs=[OutputSpec("DOUGH", "D-9", Quantity.parse("10 kg"))],
        )
    assert lot_status(staffed, "FLOUR/F-3") is LotStatus.CONSUMED
    with pytest.raises(LotClosed, match="CONSUMED") as refused:
        hold(staffed, code="FLOUR/F-3")
    assert "Hold with descendants" in refused.value.hint
    event_id = uuid.uuid4()
    outcome = hold(staffed, code="FLOUR/F-3", descendants=True, event_id=event_id)
    assert (outcome.decision.lot, outcome.decision.event_id) == ("DOUGH/D-9", event_id)
    assert outcome.decision.reason == "mould on bags (made from FLOUR/F-3)"
    assert outcome.descendants == ()
    assert lot_status(staffed, "FLOUR/F-3") is LotStatus.CONSUMED
    assert lot_status(staffed, "DOUGH/D-9") is LotStatus.ON_HOLD
    again = hold(staffed, code="FLOUR/F-3", descendants=True, event_id=event_id)
    assert again.replayed
    assert again.decision == outcome.decision


def test_two_screens_releasing_one_held_lot_at_once_release_it_once(staffed: Plant) -> None:
    hold(staffed)
    quality = as_user(staffed, "qm")
    start = threading.Barrier(2)
    outcomes: dict[int, str] = {}

    def screen(number: int) -> None:
        start.wait()
        try:
            with staffed.uow() as uow:
                disp.release(
                    uow,
                    actor=quality,
                    code="FLOUR/F-1",
                    reason=f"released from screen {number}",
                    signed_by=qm_signs(),
                )
            outcomes[number] = "done"
        except DecisionRefused as refused:
            outcomes[number] = refused.message

    threads = [threading.Thread(target=screen, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(outcomes.values()) == [
        "Lot FLOUR/F-1 is RELEASED and cannot be released.",
        "done",
    ]
    with staffed.uow() as uow:
        history = disp.decisions_of(uow, "FLOUR/F-1")
        signatures = uow.session.scalar(select(func.count()).select_from(Signature))
    assert [d.decision for d in history] == [Decision.HOLD, Decision.RELEASE]
    assert signatures == 1  # the refused screen's signature went with its transaction
