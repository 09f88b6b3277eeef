"""Correct: declare an earlier event an error and record the corrective event that reverses it."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from traceapp.db.models import Container, ContainerContent, ErrorDeclaration, Event, Lot, Shipment
from traceapp.db.repositories import Repository
from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.errors import CorrectionRefused, InvalidInput, NotFound
from traceapp.domain.ids import new_uuid
from traceapp.domain.lots import LotStatus
from traceapp.domain.results import StepResult
from traceapp.domain.steps import ErrorReason, HandlingStep, ItemRole
from traceapp.services.recording import add_item, clean_text, new_event, record_once

REVERSIBLE = frozenset(
    {
        HandlingStep.RECEIVE,
        HandlingStep.PRODUCE,
        HandlingStep.PACK,
        HandlingStep.UNPACK,
        HandlingStep.SHIP,
    }
)


def correct(
    uow: UnitOfWork,
    *,
    actor: Actor,
    event: uuid.UUID,
    reason: str,
    event_id: uuid.UUID | None = None,
    event_time: datetime | None = None,
) -> StepResult:
    """Reverse an event that did not happen (a wrong scan): never an edit, never a deletion.

    To amend (right step, wrong data), correct the event and record the step again.
    """
    why = clean_text(reason, field="reason")
    if not why:
        raise InvalidInput(
            "A correction needs a reason.", hint="Say what was wrong, e.g. 'scanned the wrong lot'."
        )

    def apply() -> Event:
        repo = Repository(uow.session)
        old = repo.event(event)
        if old is None:
            raise NotFound(
                f"There is no event {event}.",
                hint="Nothing to undo: check the step in the lot's history.",
            )
        step = HandlingStep(old.step)
        if step not in REVERSIBLE:
            raise CorrectionRefused(
                f"A {step.value} step cannot be reversed automatically.",
                hint="Record the opposite step instead.",
            )
        if repo.declarations([old.id]):
            raise CorrectionRefused(
                f"Event {old.id} has already been corrected.",
                hint="Nothing more to undo for this step.",
            )
        corrective = new_event(
            uow,
            actor=actor,
            step=HandlingStep.CORRECT,
            event_id=event_id,
            event_time=event_time,
            reason=why,
            corrects_event_id=old.id,
        )
        _REVERSERS[step](uow, repo, old, corrective)
        uow.session.add(
            ErrorDeclaration(
                id=new_uuid(),
                event_id=old.id,
                declaration_time=corrective.event_time,
                reason=ErrorReason.DID_NOT_OCCUR.value,
                comment=why,
                user_id=actor.user_id,
                corrective_event_id=corrective.id,
            )
        )
        return corrective

    return record_once(
        uow, actor=actor, event_id=event_id, step=HandlingStep.CORRECT, apply=apply, reason=why
    )


def _refuse_if_used_later(repo: Repository, old: Event, lot_ids: list[uuid.UUID]) -> None:
    later = repo.later_events_touching_lots(lot_ids, old)
    if later:
        steps = ", ".join(sorted({f"{e.step} {e.id}" for e in later}))
        raise CorrectionRefused(
            "Later steps used what this event recorded: " + steps + ".",
            hint="Correct those later steps first, newest first.",
        )


def _reverse_receive(uow: UnitOfWork, repo: Repository, old: Event, corrective: Event) -> None:
    items = repo.event_items([old.id])
    lot_ids = [i.lot_id for i in items if i.lot_id]
    _refuse_if_used_later(repo, old, lot_ids)
    for lot_id in lot_ids:
        lot = repo.lot_row(lot_id, lock=True).lot
        lot.on_hand = Decimal(0)
        lot.status = LotStatus.VOIDED.value
        add_item(uow, corrective, ItemRole.OBSERVED, lot=lot)


def _reverse_produce(uow: UnitOfWork, repo: Repository, old: Event, corrective: Event) -> None:
    items = repo.event_items([old.id])
    outputs = [i for i in items if i.role == ItemRole.OUTPUT.value and i.lot_id]
    inputs = [i for i in items if i.role == ItemRole.INPUT.value and i.lot_id]
    _refuse_if_used_later(repo, old, [i.lot_id for i in outputs if i.lot_id])
    for item in outputs:
        lot: Lot = repo.lot_row(item.lot_id, lock=True).lot  # type: ignore[arg-type]
        made = item.quantity or Decimal(0)
        if lot.on_hand < made:
            raise CorrectionRefused(
                f"Output lot {lot.lot_code} no longer holds what this step made.",
                hint="Correct the later steps that used it first, newest first.",
            )
        lot.on_hand -= made
        lot.initial_quantity -= made
        if lot.created_event_id == old.id:
            lot.status = LotStatus.VOIDED.value
        add_item(uow, corrective, ItemRole.OBSERVED, lot=lot)
    for item in inputs:
        lot = repo.lot_row(item.lot_id, lock=True).lot  # type: ignore[arg-type]
        lot.on_hand += item.quantity or Decimal(0)
        if lot.status == LotStatus.CONSUMED.value:
            lot.status = LotStatus.ACTIVE.value
        add_item(uow, corrective, ItemRole.OBSERVED, lot=lot)
    for edge in repo.edges_of_event(old.id):
        edge.voided_by_event_id = corrective.id


def _reverse_pack(uow: UnitOfWork, repo: Repository, old: Event, corrective: Event) -> None:
    for content in repo.contents_packed_by(old.id):
        current = _current_row(repo, content)
        if current is None:
            raise CorrectionRefused(
                "Something packed by this step was unpacked since.",
                hint="Correct the unpack step first.",
            )
        _require_unshipped(uow, current)
        current.unpacked_at = corrective.event_time
        current.unpacked_event_id = corrective.id
    _mirror_items(uow, repo, old, corrective)


def _current_row(repo: Repository, content: ContainerContent) -> ContainerContent | None:
    """Where what a pack put in sits now: the row itself, or the row that a corrected unpack reopened."""
    while content.unpacked_at is not None:
        declaration = (
            repo.declarations([content.unpacked_event_id]).get(content.unpacked_event_id)
            if content.unpacked_event_id
            else None
        )
        if declaration is None or declaration.corrective_event_id is None:
            return None
        successor = next(
            (
                row
                for row in repo.contents_packed_by(declaration.corrective_event_id)
                if (row.container_id, row.lot_id, row.unit_id, row.child_container_id)
                == (
                    content.container_id,
                    content.lot_id,
                    content.unit_id,
                    content.child_container_id,
                )
            ),
            None,
        )
        if successor is None:
            return None
        content = successor
    return content


def _reverse_unpack(uow: UnitOfWork, repo: Repository, old: Event, corrective: Event) -> None:
    for content in repo.contents_unpacked_by(old.id):
        _require_unshipped(uow, content)
        uow.session.add(
            ContainerContent(
                id=new_uuid(),
                container_id=content.container_id,
                lot_id=content.lot_id,
                unit_id=content.unit_id,
                child_container_id=content.child_container_id,
                quantity=content.quantity,
                unit=content.unit,
                packed_at=corrective.event_time,
                packed_event_id=corrective.id,
            )
        )
    _mirror_items(uow, repo, old, corrective)


def _reverse_ship(uow: UnitOfWork, repo: Repository, old: Event, corrective: Event) -> None:
    shipment = uow.session.query(Shipment).filter(Shipment.event_id == old.id).one()
    shipment.voided_by_event_id = corrective.id
    for item in repo.event_items([old.id]):
        if item.container_id:
            _unship_container(uow, repo, uow.session.get_one(Container, item.container_id))
        elif item.lot_id:
            _restore_lot(repo, item.lot_id, item.quantity or Decimal(0))
    _mirror_items(uow, repo, old, corrective)


def _unship_container(uow: UnitOfWork, repo: Repository, top: Container) -> None:
    pending = [top]
    while pending:
        container = pending.pop()
        container.status = "open"
        for content in repo.open_contents(container.id):
            if content.lot_id and content.quantity is not None:
                _restore_lot(repo, content.lot_id, content.quantity)
            elif content.child_container_id:
                pending.append(uow.session.get_one(Container, content.child_container_id))


def _restore_lot(repo: Repository, lot_id: uuid.UUID, amount: Decimal) -> None:
    lot = repo.lot_row(lot_id, lock=True).lot
    lot.on_hand += amount
    if lot.status == LotStatus.SHIPPED.value:
        lot.status = LotStatus.ACTIVE.value


def _require_unshipped(uow: UnitOfWork, content: ContainerContent) -> None:
    container = uow.session.get_one(Container, content.container_id)
    if container.status == "shipped":
        raise CorrectionRefused(
            f"Container {container.code} has been shipped since.",
            hint="Correct the shipment first.",
        )


def _mirror_items(uow: UnitOfWork, repo: Repository, old: Event, corrective: Event) -> None:
    for item in repo.event_items([old.id]):
        lot = repo.lot_row(item.lot_id).lot if item.lot_id else None
        container = uow.session.get(Container, item.container_id) if item.container_id else None
        add_item(uow, corrective, ItemRole.OBSERVED, lot=lot, container=container)


_REVERSERS = {
    HandlingStep.RECEIVE: _reverse_receive,
    HandlingStep.PRODUCE: _reverse_produce,
    HandlingStep.PACK: _reverse_pack,
    HandlingStep.UNPACK: _reverse_unpack,
    HandlingStep.SHIP: _reverse_ship,
}
