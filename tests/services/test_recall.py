"""Recall drills: the affected set, stock on site, FSMA 204 events, sign-off and holds."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from traceapp.domain.errors import InvalidInput, NotFound, PermissionDenied
from traceapp.domain.lots import LotStatus
from traceapp.domain.quantity import Quantity
from traceapp.domain.recall import CteKind, RecallIncomplete, RecallResult, SuspectKind
from traceapp.services import users
from traceapp.services.corrections import correct
from traceapp.services.dispositions import decisions_of, hold
from traceapp.services.lots import lot_detail
from traceapp.services.packing import PackItem, pack
from traceapp.services.production import InputSpec, OutputSpec, produce
from traceapp.services.recall import gather_details, hold_affected, run_drill, run_recall, sign_off
from traceapp.services.shipping import ship
from traceapp.services.signatures import Meaning, SignatureRefused, signatures_of

from .conftest import Plant

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
PASSWORD = "recall-pass-1"


def _at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def build_recall_plant(plant: Plant) -> None:
    """Supplier lot SL-9 (flour F-1) goes into dough D-1; D-1 into two cookie lots. C-1 is
    packed in a case shipped to SHOP1, 40 ea of C-2 ship loose to SHOP2 and 60 ea stay."""
    plant.receive("SL-9", "100 kg", lot_code="F-1", reference_document="DN-77", event_time=_at(0))
    plant.receive("SL-5", "100 kg", product="SUGAR", lot_code="S-1", event_time=_at(0))
    with plant.uow() as uow:
        produce(
            uow,
            actor=plant.actor,
            inputs=[
                InputSpec("FLOUR/F-1", Quantity.parse("40 kg")),
                InputSpec("SUGAR/S-1", Quantity.parse("10 kg")),
            ],
            outputs=[OutputSpec("DOUGH", "D-1", Quantity.parse("50 kg"))],
            equipment="MIX1",
            event_time=_at(1),
        )
    with plant.uow() as uow:
        produce(
            uow,
            actor=plant.actor,
            inputs=[InputSpec("DOUGH/D-1", Quantity.parse("50 kg"))],
            outputs=[
                OutputSpec("COOKIE", "C-1", Quantity.parse("100 ea")),
                OutputSpec("COOKIE", "C-2", Quantity.parse("100 ea")),
            ],
            event_time=_at(2),
        )
    with plant.uow() as uow:
        pack(
            uow,
            actor=plant.actor,
            container="CASE-1",
            kind="case",
            items=[PackItem("COOKIE/C-1")],
            event_time=_at(3),
        )
    with plant.uow() as uow:
        ship(
            uow,
            actor=plant.actor,
            customer="SHOP1",
            items=[PackItem("CASE-1")],
            reference_document="BOL-1",
            event_time=_at(4),
        )
    with plant.uow() as uow:
        ship(
            uow,
            actor=plant.actor,
            customer="SHOP2",
            items=[PackItem("COOKIE/C-2", Quantity.parse("40 ea"))],
            reference_document="BOL-2",
            event_time=_at(5),
        )


def _recall(plant: Plant, **kwargs: object) -> RecallResult:
    with plant.uow() as uow:
        return run_recall(uow, actor=plant.actor, reason="Salmonella at the mill", **kwargs)  # type: ignore[arg-type]


def test_a_supplier_lot_recall_finds_every_lot_customer_and_the_stock_left(plant: Plant) -> None:
    build_recall_plant(plant)
    result = _recall(plant, supplier_lot="SL-9")
    assert [s.kind for s in result.suspects] == [SuspectKind.SUPPLIER_LOT]
    assert {lot.name for lot in result.forward.lots} == {
        "FLOUR/F-1",
        "DOUGH/D-1",
        "COOKIE/C-1",
        "COOKIE/C-2",
    }
    assert {c.code for c in result.forward.customers} == {"SHOP1", "SHOP2"}
    on_site = {s.lot: s.on_hand for s in result.on_site}
    assert on_site == {
        "FLOUR/F-1": Quantity(Decimal(60), "kg"),
        "COOKIE/C-2": Quantity(Decimal(60), "ea"),
    }
    assert result.totals.lots == 4
    assert result.totals.customers == 2
    assert result.totals.shipments == 2
    assert result.totals.lots_on_site == 2
    # 40 kg of F-1 reached the cookies: half in C-1 (all shipped), 40 % of C-2's half shipped.
    assert result.totals.shipped == Quantity(Decimal(28), "kg")
    assert result.recall_id.startswith("RC-")
    assert result.run_by == plant.actor.username


def test_the_fsma_events_of_the_affected_lots_carry_their_key_data_elements(
    plant: Plant,
) -> None:
    build_recall_plant(plant)
    result = _recall(plant, lots=["FLOUR/F-1"])
    rows = [(e.cte, e.tlc, e.input_tlc, e.quantity, e.unit) for e in result.events]
    assert rows == [
        (CteKind.RECEIVING, "FLOUR/F-1", None, Decimal(100), "kg"),
        (CteKind.TRANSFORMATION, "DOUGH/D-1", "FLOUR/F-1", Decimal(50), "kg"),
        # every input of an affected output is a KDE of its transformation, suspect or not
        (CteKind.TRANSFORMATION, "DOUGH/D-1", "SUGAR/S-1", Decimal(50), "kg"),
        (CteKind.TRANSFORMATION, "COOKIE/C-1", "DOUGH/D-1", Decimal(100), "ea"),
        (CteKind.TRANSFORMATION, "COOKIE/C-2", "DOUGH/D-1", Decimal(100), "ea"),
        (CteKind.SHIPPING, "COOKIE/C-1", None, Decimal(100), "ea"),
        (CteKind.SHIPPING, "COOKIE/C-2", None, Decimal(40), "ea"),
    ]
    received = result.events[0]
    assert received.counterparty == "Northern Mill"
    assert received.reference_document == "DN-77"
    assert received.tlc_source_reference == "Northern Mill lot SL-9"
    assert received.occurred_at == _at(0)
    made = result.events[1]
    assert (made.input_quantity, made.input_unit) == (Decimal(40), "kg")
    shipped = result.events[-1]
    assert shipped.counterparty == "Shop 2"
    assert shipped.reference_document == "BOL-2"
    assert shipped.occurred_at.utcoffset() is not None


def test_canonical_json_is_stable_and_its_hash_is_what_is_signed(plant: Plant) -> None:
    build_recall_plant(plant)
    with plant.uow() as uow:
        users.add_user(
            uow, actor=plant.actor, username="qm", full_name="Quinn Manager",
            role="quality_manager", password=PASSWORD,
        )  # fmt: skip
    result = _recall(plant, supplier_lot="SL-9")
    text = result.canonical_json()
    assert text == result.canonical_json()
    parsed = json.loads(text)
    assert text == json.dumps(parsed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert parsed["recall_id"] == result.recall_id
    assert parsed["totals"]["shipped"]["unit"] == "kg"
    assert Decimal(parsed["totals"]["shipped"]["value"]) == 28
    assert parsed["run_at"].endswith("+00:00")
    with plant.uow() as uow:
        summary = sign_off(uow, result=result, signer="qm", password=PASSWORD)
    assert summary.record_hash == result.sha256()
    assert summary.meaning is Meaning.APPROVED
    assert summary.record_type == "recall"
    with plant.uow() as uow:
        stored = signatures_of(uow, record_type="recall", record_id=result.recall_id)
    assert [s.record_hash for s in stored] == [result.sha256()]
    with plant.uow() as uow, pytest.raises(SignatureRefused):
        sign_off(uow, result=result, signer="qm", password="wrong-password")
    # The signer says what the signature means (21 CFR 11.50); it is stored and returned.
    with plant.uow() as uow:
        reviewed = sign_off(
            uow, result=result, signer="qm", password=PASSWORD, meaning=Meaning.REVIEWED
        )
    assert reviewed.meaning is Meaning.REVIEWED
    with plant.uow() as uow:
        stored = signatures_of(uow, record_type="recall", record_id=result.recall_id)
    assert sorted(s.meaning.value for s in stored) == ["approved", "reviewed"]
    # A lot decision's meaning is not a recall report's; nothing is signed.
    with plant.uow() as uow, pytest.raises(InvalidInput, match="released"):
        sign_off(uow, result=result, signer="qm", password=PASSWORD, meaning=Meaning.RELEASED)
    with plant.uow() as uow:
        assert len(signatures_of(uow, record_type="recall", record_id=result.recall_id)) == 2


def test_the_drill_comes_first_and_its_events_after(plant: Plant) -> None:
    build_recall_plant(plant)
    with plant.uow() as uow:
        drill = run_drill(uow, actor=plant.actor, reason="mould", supplier_lot="SL-9")
    # The affected set, customers and stock on site are there; the events are not read yet.
    assert {c.code for c in drill.forward.customers} == {"SHOP1", "SHOP2"}
    assert drill.on_site
    assert drill.events is None
    assert not drill.complete
    # A drill result is not hashed, printed or signed: the hash binds the events.
    with pytest.raises(RecallIncomplete):
        drill.sha256()
    with plant.uow() as uow:
        full = gather_details(uow, drill)
    assert full.complete
    assert full.recall_id == drill.recall_id
    assert full.forward == drill.forward
    assert full.on_site == drill.on_site
    whole = _recall(plant, supplier_lot="SL-9")
    assert whole.events == full.events
    assert whole.excursions == full.excursions
    with plant.uow() as uow:
        assert gather_details(uow, full) is full


def test_hold_affected_holds_each_usable_lot_on_site_with_the_recall_id(plant: Plant) -> None:
    build_recall_plant(plant)
    result = _recall(plant, supplier_lot="SL-9")
    with plant.uow() as uow:
        report = hold_affected(uow, actor=plant.actor, result=result)
    assert set(report.held) == {"FLOUR/F-1", "COOKIE/C-2"}
    assert report.refused == ()
    assert report.not_tried == ()
    with plant.uow() as uow:
        for name in report.held:
            assert lot_detail(uow, name).lot.status is LotStatus.ON_HOLD
            assert [d.reason for d in decisions_of(uow, name)] == [
                f"recall {result.recall_id}: Salmonella at the mill"
            ]
    # Run again: nothing usable is left to hold; both are reported as skipped.
    again = _recall(plant, supplier_lot="SL-9")
    with plant.uow() as uow:
        second = hold_affected(uow, actor=plant.actor, result=again)
    assert second.held == ()
    assert len(second.skipped) == 2


def test_hold_affected_holds_every_lot_it_can_and_names_each_refusal(plant: Plant) -> None:
    build_recall_plant(plant)
    result = _recall(plant, supplier_lot="SL-9")
    assert [s.lot for s in result.on_site] == ["COOKIE/C-2", "FLOUR/F-1"]
    # Stopped by the caller (Cancel) before the first lot: every lot is named as not tried.
    with plant.uow() as uow:
        stopped = hold_affected(uow, actor=plant.actor, result=result, on_lot=lambda *_: False)
    assert stopped.held == ()
    assert stopped.not_tried == ("COOKIE/C-2", "FLOUR/F-1")
    with plant.uow() as uow:
        assert lot_detail(uow, "FLOUR/F-1").lot.status is LotStatus.ACTIVE
    # Someone else stops the cookies after the drill: the service refuses to hold them again.
    with plant.uow() as uow:
        hold(uow, actor=plant.actor, code="COOKIE/C-2", reason="found by the line")
    seen: list[tuple[int, int, str]] = []

    def on_lot(done: int, total: int, lot: str) -> bool:
        seen.append((done, total, lot))
        return True

    with plant.uow() as uow:
        report = hold_affected(uow, actor=plant.actor, result=result, reason="metal", on_lot=on_lot)
    # The refusal of the first lot did not stop the second.
    assert report.held == ("FLOUR/F-1",)
    (refusal,) = report.refused
    assert refusal.lot == "COOKIE/C-2"
    assert refusal.why.startswith("Lot COOKIE/C-2 is ON HOLD and cannot")
    assert seen == [(0, 2, "COOKIE/C-2"), (1, 2, "FLOUR/F-1")]
    with plant.uow() as uow:
        assert lot_detail(uow, "FLOUR/F-1").lot.status is LotStatus.ON_HOLD
        assert [d.reason for d in decisions_of(uow, "FLOUR/F-1")] == [
            f"recall {result.recall_id}: metal"
        ]


def test_a_recall_needs_one_start_and_a_reason(plant: Plant) -> None:
    build_recall_plant(plant)
    with pytest.raises(InvalidInput):
        _recall(plant)
    with pytest.raises(InvalidInput):
        _recall(plant, lots=["FLOUR/F-1"], supplier_lot="SL-9")
    with pytest.raises(NotFound):
        _recall(plant, supplier_lot="NO-SUCH")
    with plant.uow() as uow, pytest.raises(InvalidInput):
        run_recall(uow, actor=plant.actor, reason="  ", lots=["FLOUR/F-1"])


def test_an_equipment_window_recall_starts_from_what_was_made_on_it(plant: Plant) -> None:
    build_recall_plant(plant)
    result = _recall(plant, equipment="MIX1", since=_at(-1), until=_at(10))
    assert result.suspects[0].kind is SuspectKind.EQUIPMENT
    # The dough made on the mixer; the flour and sugar that went in are where it came from
    assert result.forward.start == ("DOUGH/D-1",)
    assert {lot.name for lot in result.forward.lots} == {"DOUGH/D-1", "COOKIE/C-1", "COOKIE/C-2"}
    assert {lot.name for lot in result.backward.lots} >= {"FLOUR/F-1", "SUGAR/S-1"}
    assert {c.code for c in result.forward.customers} == {"SHOP1", "SHOP2"}
    assert [(p.lot, p.made, str(p.quantity)) for p in result.processed] == [
        ("DOUGH/D-1", True, "50 kg"),
        ("FLOUR/F-1", False, "40 kg"),
        ("SUGAR/S-1", False, "10 kg"),
    ]
    with pytest.raises(NotFound):
        _recall(plant, equipment="MIX1", since=_at(20), until=_at(30))


def _mix(
    plant: Plant, inputs: list[tuple[str, str]], output: tuple[str, str], **when: object
) -> None:
    with plant.uow() as uow:
        produce(
            uow,
            actor=plant.actor,
            inputs=[InputSpec(code, Quantity.parse(qty)) for code, qty in inputs],
            outputs=[OutputSpec("DOUGH", output[0], Quantity.parse(output[1]))],
            equipment="MIX1",
            **when,  # type: ignore[arg-type]
        )


def test_an_equipment_recall_counts_what_ran_in_the_window_not_whole_lots(plant: Plant) -> None:
    """Flour F-1 fed three batches on the mixer, one of them in the window; dough D-1 was made in
    the window and topped up after it. An auditor expects the lots made in the window with what
    was made then, and only what was made from them: not the batches F-1 fed at other times,
    not F-1's stock left in the store, not the top-up counted as suspect."""
    plant.receive("SL-9", "100 kg", lot_code="F-1", event_time=_at(0))
    plant.receive("SL-5", "100 kg", product="SUGAR", lot_code="S-1", event_time=_at(0))
    _mix(
        plant, [("FLOUR/F-1", "40 kg"), ("SUGAR/S-1", "10 kg")], ("D-1", "50 kg"), event_time=_at(1)
    )
    # began before the window's end, ended after it: the batch is one mix, counted whole
    _mix(plant, [("SUGAR/S-1", "5 kg")], ("D-3", "5 kg"), started_at=_at(1.4), ended_at=_at(2))
    _mix(plant, [("FLOUR/F-1", "30 kg")], ("D-1", "30 kg"), event_time=_at(3))  # topped up
    _mix(plant, [("FLOUR/F-1", "20 kg")], ("D-2", "20 kg"), event_time=_at(3.5))
    with plant.uow() as uow:
        produce(
            uow,
            actor=plant.actor,
            inputs=[InputSpec("DOUGH/D-1", Quantity.parse("80 kg"))],
            outputs=[OutputSpec("COOKIE", "C-1", Quantity.parse("160 ea"))],
            event_time=_at(4),
        )
    result = _recall(plant, equipment="MIX1", since=_at(0.5), until=_at(1.5))
    assert set(result.forward.start) == {"DOUGH/D-1", "DOUGH/D-3"}
    suspect = {lot.name: lot.quantity for lot in result.forward.lots}
    assert set(suspect) == {"DOUGH/D-1", "DOUGH/D-3", "COOKIE/C-1"}  # not D-2, not F-1
    assert suspect["DOUGH/D-1"] == Quantity(Decimal(50), "kg")  # of its 80 kg
    assert suspect["DOUGH/D-3"] == Quantity(Decimal(5), "kg")
    assert suspect["COOKIE/C-1"] == Quantity(Decimal(50), "kg")  # all of D-1 went into it
    assert {s.lot for s in result.on_site} == {"DOUGH/D-3", "COOKIE/C-1"}  # F-1's 10 kg: no
    assert [(p.lot, p.made, str(p.quantity)) for p in result.processed] == [
        ("DOUGH/D-1", True, "50 kg"),
        ("DOUGH/D-3", True, "5 kg"),
        ("FLOUR/F-1", False, "40 kg"),
        ("SUGAR/S-1", False, "15 kg"),
    ]
    assert json.loads(result.canonical_json())["processed"][0] == {
        "lot": "DOUGH/D-1",
        "made": True,
        "quantity": {"unit": "kg", "value": "50"},
    }
    # A batch declared in error did not run on the mixer
    with plant.uow() as uow:
        (undone,) = [e.id for e in lot_detail(uow, "DOUGH/D-3").events if e.step == "produce"]
        correct(uow, actor=plant.actor, event=undone, reason="wrong mixer scanned")
    again = _recall(plant, equipment="MIX1", since=_at(0.5), until=_at(1.5))
    assert again.forward.start == ("DOUGH/D-1",)


def test_an_operator_may_run_a_drill_but_not_sign_it_off(plant: Plant) -> None:
    build_recall_plant(plant)
    with plant.uow() as uow:
        users.add_user(
            uow, actor=plant.actor, username="op", full_name="Olga Operator",
            role="operator", password=PASSWORD,
        )  # fmt: skip
    result = _recall(plant, supplier_lot="SL-9")
    with plant.uow() as uow, pytest.raises(PermissionDenied):
        sign_off(uow, result=result, signer="op", password=PASSWORD)
