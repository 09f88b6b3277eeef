"""Inspections on SQLite and PostgreSQL: plans versioned, values checked, a failure holds the lot."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from traceapp.db.base import Base
from traceapp.db.models import AuditEntry, AuditHead
from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.errors import (
    InvalidInput,
    LotNotUsable,
    NotFound,
    PermissionDenied,
    StorageError,
)
from traceapp.domain.inspections import (
    Characteristic,
    CharacteristicKind,
    InspectionOutcome,
    InspectionRefused,
)
from traceapp.domain.permissions import Role
from traceapp.domain.quantity import Quantity
from traceapp.services import dispositions, inspections, masterdata, users
from traceapp.services.packing import PackItem
from traceapp.services.shipping import ship

from .conftest import Plant

PASSWORD = "inspections-pass-1"
MOISTURE = Characteristic(
    "moisture",
    CharacteristicKind.VARIABLE,
    nominal=Decimal("12.0"),
    lsl=Decimal("10.0"),
    usl=Decimal("14.0"),
    unit="%",
    decimals=1,
)
LOOK = Characteristic(
    "look", CharacteristicKind.ATTRIBUTE, answers=("ok", "mould", "insects"), passing=("ok",)
)
STONES = Characteristic("stones", CharacteristicKind.COUNT, max_count=0)
GOOD = {"moisture": ["12.3"], "look": ["OK "], "stones": ["0"]}


def _actor(plant: Plant, username: str) -> Actor:
    with plant.uow() as uow:
        return masterdata.actor_for(uow, username=username, station="RCV1")


@pytest.fixture
def people(plant: Plant) -> dict[Role, Actor]:
    cast = {Role.QUALITY_MANAGER: "qm", Role.OPERATOR: "op", Role.AUDITOR: "aud"}
    for role, name in cast.items():
        with plant.uow() as uow:
            users.add_user(
                uow, actor=plant.actor, username=name, full_name=name, role=role, password=PASSWORD
            )
    return {role: _actor(plant, name) for role, name in cast.items()}


@pytest.fixture
def planned(plant: Plant, people: dict[Role, Actor]) -> Plant:
    with plant.uow() as uow:
        inspections.add_plan(
            uow,
            actor=people[Role.QUALITY_MANAGER],
            product="FLOUR",
            step="Receive",
            characteristics=[MOISTURE, LOOK, STONES],
        )
    plant.receive("F-1")
    return plant


def inspect(
    plant: Plant, actor: Actor, values: dict[str, list[str]], code: str = "FLOUR/F-1"
) -> InspectionOutcome:
    with plant.uow() as uow:
        return inspections.record_inspection(uow, actor=actor, code=code, values=values)


def snapshot(plant: Plant) -> tuple[dict[str, int], tuple[int, str] | None]:
    with UnitOfWork(plant.engine, write=False) as uow:
        counts = {
            t.name: uow.session.scalar(select(func.count()).select_from(t)) or 0
            for t in Base.metadata.sorted_tables
        }
        head = uow.session.get(AuditHead, 1)
        return counts, (head.seq, head.hash) if head else None


def test_a_failing_inspection_opens_a_nonconformance_and_holds_the_lot(
    planned: Plant, people: dict[Role, Actor]
) -> None:
    outcome = inspect(planned, people[Role.OPERATOR], {**GOOD, "moisture": ["16.04"]})
    assert outcome.inspection.result == "failed"
    assert [c.reason for c in outcome.inspection.failed] == [
        "moisture: 16.0 % is above the USL 14.0 %"
    ]
    assert outcome.lot_status == "on_hold"
    assert outcome.hold_rule == "inspection failed: moisture"
    assert outcome.nonconformance is not None
    assert outcome.nonconformance.status == "open"
    assert "16.0 % is above the USL 14.0 %" in outcome.nonconformance.description
    with planned.uow() as uow:
        decisions = dispositions.decisions_of(uow, "FLOUR/F-1")
        (nc,) = inspections.nonconformances_of(uow, "FLOUR/F-1")
        creators = dict(
            uow.session.execute(
                select(AuditEntry.entity, AuditEntry.username).where(
                    AuditEntry.action == "create",
                    AuditEntry.entity.in_(["inspections", "nonconformances", "events"]),
                )
            ).all()
        )
    (hold,) = [d for d in decisions if d.decision.value == "hold"]
    assert (hold.decided_by, hold.rule, hold.station) == (
        "system",
        "inspection failed: moisture",
        "RCV1",
    )
    assert "16.0 % is above the USL 14.0 %" in hold.reason
    assert nc.inspection_id == outcome.inspection.id
    # The inspector answers for the inspection and the nonconformance; the system for the hold.
    assert creators["inspections"] == "op"
    assert creators["nonconformances"] == "op"


def test_a_lot_held_by_a_failed_inspection_cannot_be_shipped(
    planned: Plant, people: dict[Role, Actor]
) -> None:
    inspect(planned, people[Role.OPERATOR], {**GOOD, "look": ["Mould"], "stones": ["2"]})
    with planned.uow() as uow, pytest.raises(LotNotUsable):
        ship(
            uow,
            actor=planned.actor,
            customer="SHOP1",
            items=[PackItem("FLOUR/F-1", Quantity.parse("1 kg"))],
        )


def test_a_passing_inspection_leaves_the_lot_shippable(
    planned: Plant, people: dict[Role, Actor]
) -> None:
    outcome = inspect(planned, people[Role.OPERATOR], GOOD)
    assert (outcome.inspection.result, outcome.lot_status) == ("passed", "active")
    assert outcome.nonconformance is None
    assert outcome.hold_rule is None
    with planned.uow() as uow:
        ship(
            uow,
            actor=planned.actor,
            customer="SHOP1",
            items=[PackItem("FLOUR/F-1", Quantity.parse("1 kg"))],
        )


def test_a_missing_numeric_reading_is_refused_and_nothing_is_recorded(
    planned: Plant, people: dict[Role, Actor]
) -> None:
    before = snapshot(planned)
    with pytest.raises(InspectionRefused, match="No reading for moisture"):
        inspect(planned, people[Role.OPERATOR], {"look": ["ok"], "stones": ["0"]})
    with pytest.raises(InspectionRefused, match="No reading for stones"):
        inspect(planned, people[Role.OPERATOR], {**GOOD, "stones": [" "]})
    assert snapshot(planned) == before


def test_attribute_answers_are_stored_in_the_plans_spelling_and_unknown_ones_refused(
    planned: Plant, people: dict[Role, Actor]
) -> None:
    outcome = inspect(planned, people[Role.OPERATOR], {**GOOD, "look": ["  pass"]})
    (look,) = [c for c in outcome.inspection.checks if c.characteristic == "look"]
    assert (look.entered, look.answer, look.passed) == ("pass", "ok", True)
    before = snapshot(planned)
    with pytest.raises(InspectionRefused) as refused:
        inspect(planned, people[Role.OPERATOR], {**GOOD, "look": ["dusty"]})
    assert refused.value.hint == "Answer one of: ok, mould, insects."
    assert snapshot(planned) == before


def test_an_inspection_keeps_the_plan_version_it_used(
    planned: Plant, people: dict[Role, Actor]
) -> None:
    first = inspect(planned, people[Role.OPERATOR], GOOD).inspection
    tighter = Characteristic(
        "moisture",
        CharacteristicKind.VARIABLE,
        lsl=Decimal("10.0"),
        usl=Decimal("12.0"),
        unit="%",
        decimals=1,
    )
    with planned.uow() as uow:
        v2 = inspections.add_plan(
            uow,
            actor=people[Role.QUALITY_MANAGER],
            product="FLOUR",
            step="receive",
            characteristics=[tighter, LOOK],
        )
    assert (v2.version, v2.active) == (2, True)
    planned.receive("F-2")
    second = inspect(
        planned, people[Role.OPERATOR], {"moisture": ["12.3"], "look": ["ok"]}, code="FLOUR/F-2"
    )
    assert (second.inspection.plan_version, second.inspection.result) == (2, "failed")
    with planned.uow() as uow:
        (kept,) = inspections.inspections_of(uow, "FLOUR/F-1")
        versions = inspections.plan_versions(uow, product="FLOUR", step="RECEIVE")
        active = inspections.plan_for_lot(uow, "FLOUR/F-1")
    assert kept == first
    assert (kept.plan, kept.plan_version, kept.result) == ("FLOUR @ receive v1", 1, "passed")
    assert [(p.version, p.active, len(p.characteristics)) for p in versions] == [
        (1, False, 3),
        (2, True, 2),
    ]
    assert active.id == v2.id


def test_permission_refusals_change_nothing(planned: Plant, people: dict[Role, Actor]) -> None:
    before = snapshot(planned)
    with planned.uow() as uow, pytest.raises(PermissionDenied, match="may not manage plans"):
        inspections.add_plan(
            uow,
            actor=people[Role.OPERATOR],
            product="FLOUR",
            step="receive",
            characteristics=[MOISTURE],
        )
    with pytest.raises(PermissionDenied, match="aud is an auditor and may not inspect"):
        inspect(planned, people[Role.AUDITOR], {**GOOD, "moisture": ["20"]})
    assert snapshot(planned) == before


def test_a_failed_inspection_of_a_lot_already_on_hold_opens_a_nonconformance_only(
    planned: Plant, people: dict[Role, Actor]
) -> None:
    with planned.uow() as uow:
        dispositions.hold(uow, actor=planned.actor, code="FLOUR/F-1", reason="wet pallet")
    outcome = inspect(planned, people[Role.OPERATOR], {**GOOD, "moisture": ["9.9"]})
    assert outcome.inspection.failed[0].reason == "moisture: 9.9 % is below the LSL 10.0 %"
    assert (outcome.lot_status, outcome.hold_rule) == ("on_hold", None)
    assert outcome.nonconformance is not None
    with planned.uow() as uow:
        assert len(dispositions.decisions_of(uow, "FLOUR/F-1")) == 1


def test_a_lot_without_a_plan_or_with_plans_at_several_steps_says_what_to_do(
    planned: Plant, people: dict[Role, Actor]
) -> None:
    planned.receive("S-1", product="SUGAR")
    with planned.uow() as uow, pytest.raises(NotFound, match="SUGAR has no inspection plan"):
        inspections.plan_for_lot(uow, "SUGAR/S-1")
    with planned.uow() as uow:
        inspections.add_plan(
            uow,
            actor=people[Role.QUALITY_MANAGER],
            product="FLOUR",
            step="store",
            characteristics=[LOOK],
        )
    with planned.uow() as uow, pytest.raises(InvalidInput, match="several steps: receive, store"):
        inspections.plan_for_lot(uow, "FLOUR/F-1")
    with planned.uow() as uow:
        outcome = inspections.record_inspection(
            uow,
            actor=people[Role.OPERATOR],
            code="FLOUR/F-1",
            values={"look": ["ok"]},
            step="Store",
        )
    assert (outcome.inspection.plan, outcome.inspection.result) == ("FLOUR @ store v1", "passed")


def test_a_plan_with_a_name_twice_is_refused(planned: Plant, people: dict[Role, Actor]) -> None:
    with planned.uow() as uow, pytest.raises(InvalidInput, match="names moisture more than once"):
        inspections.add_plan(
            uow,
            actor=people[Role.QUALITY_MANAGER],
            product="FLOUR",
            step="receive",
            characteristics=[MOISTURE, MOISTURE],
        )


def test_when_the_hold_fails_the_inspection_and_nonconformance_are_not_kept_either(
    planned: Plant, people: dict[Role, Actor], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused(*args: object, **kwargs: object) -> None:
        raise StorageError("The database refused the change: disk full")

    monkeypatch.setattr(dispositions, "hold", refused)
    before = snapshot(planned)
    with pytest.raises(StorageError):
        inspect(planned, people[Role.OPERATOR], {**GOOD, "moisture": ["16"]})
    assert snapshot(planned) == before
    monkeypatch.undo()
    inspect(planned, people[Role.OPERATOR], {**GOOD, "moisture": ["16"]})
    assert snapshot(planned) != before
