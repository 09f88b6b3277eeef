"""Produce: a transformation consumes quantities of input lots and makes output lots."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from traceapp.db.models import Event, Lot, LotEdge
from traceapp.db.repositories import LotRow, Repository
from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.errors import GenealogyCycle, InvalidInput, LotNotUsable
from traceapp.domain.ids import new_uuid
from traceapp.domain.lots import (
    USABLE_STATUSES,
    LotOrigin,
    LotStatus,
    clean_code,
    ensure_available,
    ensure_usable,
)
from traceapp.domain.quantity import SCALE, Quantity
from traceapp.domain.results import StepResult
from traceapp.domain.steps import HandlingStep, ItemRole
from traceapp.domain.timeutil import split_instant
from traceapp.services.recording import (
    add_item,
    lot_name,
    new_event,
    now_utc,
    positive,
    record_once,
    require_location,
    require_lot,
    require_product,
)


@dataclass(frozen=True, slots=True)
class InputSpec:
    """`code` names an existing lot; `quantity` is how much of it goes in."""

    code: str
    quantity: Quantity


@dataclass(frozen=True, slots=True)
class OutputSpec:
    """A lot made by the step; an existing lot of the same product is topped up."""

    product: str
    lot_code: str
    quantity: Quantity
    expiry: date | None = None


def produce(
    uow: UnitOfWork,
    *,
    actor: Actor,
    inputs: Sequence[InputSpec],
    outputs: Sequence[OutputSpec],
    equipment: str | None = None,
    started_at: datetime | None = None,
    ended_at: datetime | None = None,
    event_id: uuid.UUID | None = None,
    event_time: datetime | None = None,
) -> StepResult:
    """Consume inputs into outputs on a piece of equipment, writing the genealogy edges."""
    if not outputs:
        raise InvalidInput(
            "A production step needs at least one output lot.",
            hint="Scan or type the output's label.",
        )
    if started_at is not None and ended_at is not None and ended_at < started_at:
        raise InvalidInput(
            "The production ends before it starts.", hint="Check the start and end times."
        )
    for moment in (started_at, ended_at):
        if moment is not None:
            split_instant(moment)  # refuses naive times with a clear message

    def apply() -> Event:
        repo = Repository(uow.session)
        machine = require_location(repo, equipment, kinds=("equipment",)) if equipment else None
        consumed = _lock_inputs(repo, inputs)
        produced = _prepare_outputs(repo, outputs, consumed)
        event = new_event(
            uow,
            actor=actor,
            step=HandlingStep.PRODUCE,
            event_id=event_id,
            event_time=event_time or ended_at,
            equipment_id=machine.id if machine else None,
            started_at=started_at,
            ended_at=ended_at,
        )
        for row, amount in consumed:
            row.lot.on_hand = row.lot.on_hand - amount.value
            if row.lot.on_hand == 0:
                row.lot.status = LotStatus.CONSUMED.value
            add_item(uow, event, ItemRole.INPUT, lot=row.lot, amount=amount)
        output_lots = _write_outputs(
            uow, repo, event, produced, actor, machine.id if machine else None
        )
        _write_edges(uow, event, consumed, output_lots)
        return event

    return record_once(uow, actor=actor, event_id=event_id, step=HandlingStep.PRODUCE, apply=apply)


def _lock_inputs(repo: Repository, inputs: Sequence[InputSpec]) -> list[tuple[LotRow, Quantity]]:
    """Lock the input lots (all at once, in id order) and check status and mass balance."""
    named = [(require_lot(repo, spec.code).lot.id, spec) for spec in inputs]
    rows = repo.lot_rows((lot_id for lot_id, _ in named), lock=True)
    totals: dict[uuid.UUID, tuple[LotRow, Quantity]] = {}
    for lot_id, spec in named:
        row = rows[lot_id]
        name = lot_name(row)
        ensure_usable(name, LotStatus(row.lot.status), step="produce")
        amount = positive(spec.quantity.to(row.lot.unit), what=name)
        if lot_id in totals:
            amount = totals[lot_id][1] + amount  # the same lot scanned twice adds up
        totals[lot_id] = (row, amount)
    for row, amount in totals.values():
        available = Quantity(row.lot.on_hand - repo.open_packed_total(row.lot.id), row.lot.unit)
        ensure_available(lot_name(row), available, amount)
    return list(totals.values())


@dataclass(slots=True)
class _Output:
    spec: OutputSpec
    amount: Quantity
    product_id: uuid.UUID
    existing: Lot | None


def _prepare_outputs(
    repo: Repository, outputs: Sequence[OutputSpec], consumed: list[tuple[LotRow, Quantity]]
) -> list[_Output]:
    prepared: list[_Output] = []
    names: set[tuple[str, str]] = set()
    input_ids = [row.lot.id for row, _ in consumed]
    for spec in outputs:
        product = require_product(repo, spec.product)
        code = clean_code(spec.lot_code)
        if (product.part_number, code) in names:
            raise InvalidInput(
                f"Output lot {product.part_number}/{code} is listed twice.",
                hint="Delete the second line.",
            )
        names.add((product.part_number, code))
        amount = positive(spec.quantity.to(product.unit), what=f"{product.part_number}/{code}")
        existing_rows = repo.lots_by_code(code, product.part_number, lock=True)
        existing = existing_rows[0].lot if existing_rows else None
        if existing is not None:
            name = f"{product.part_number}/{code}"
            if LotStatus(existing.status) not in USABLE_STATUSES:
                raise LotNotUsable(
                    f"Lot {name} is {existing.status.upper()}; nothing can be added to it.",
                    hint="Give the output a new lot code.",
                )
            if existing.id in input_ids:
                raise GenealogyCycle(
                    f"Lot {name} cannot be both an input and an output of one step.",
                    hint="Give the output a new lot code.",
                )
        prepared.append(
            _Output(
                OutputSpec(product.part_number, code, amount, spec.expiry),
                amount,
                product.id,
                existing,
            )
        )
    existing_ids = {o.existing.id for o in prepared if o.existing is not None}
    if existing_ids:
        upstream = repo.ancestors(input_ids)
        looped = existing_ids & upstream
        if looped:
            names_looped = ", ".join(sorted(lot_name(repo.lot_row(i)) for i in looped))
            raise GenealogyCycle(
                f"Lot {names_looped} is already upstream of the inputs; it cannot also be made from them.",
                hint="Give the output a new lot code.",
            )
    return prepared


def _write_outputs(
    uow: UnitOfWork,
    repo: Repository,
    event: Event,
    produced: list[_Output],
    actor: Actor,
    machine_id: uuid.UUID | None,
) -> list[tuple[Lot, Quantity]]:
    written: list[tuple[Lot, Quantity]] = []
    for output in produced:
        lot = output.existing
        if lot is None:
            product = repo.get_product(output.product_id)
            expiry = output.spec.expiry
            if expiry is None and product.shelf_life_days:
                expiry = event.event_time.date() + timedelta(days=product.shelf_life_days)
            lot = Lot(
                id=new_uuid(),
                product_id=output.product_id,
                lot_code=output.spec.lot_code,
                unit=output.amount.unit,
                initial_quantity=output.amount.value,
                on_hand=output.amount.value,
                status=LotStatus.ACTIVE.value,
                origin=LotOrigin.PRODUCED.value,
                expiry=expiry,
                location_id=machine_id or actor.station_id,
                created_event_id=event.id,
                created_at=now_utc(),
            )
            uow.session.add(lot)
            uow.session.flush()
        else:
            lot.on_hand = lot.on_hand + output.amount.value
            lot.initial_quantity = lot.initial_quantity + output.amount.value
        add_item(uow, event, ItemRole.OUTPUT, lot=lot, amount=output.amount)
        written.append((lot, output.amount))
    return written


def _write_edges(
    uow: UnitOfWork,
    event: Event,
    consumed: list[tuple[LotRow, Quantity]],
    outputs: list[tuple[Lot, Quantity]],
) -> None:
    """One edge per input x output, carrying the input quantity split by each output's share."""
    first = outputs[0][1]
    comparable = all(made.dimension == first.dimension for _, made in outputs)
    # Outputs whose units don't add up (kg and ea) each get the full input as an upper bound.
    total = (
        sum((made.to(first.unit).value for _, made in outputs), Decimal(0))
        if comparable
        else Decimal(0)
    )
    for row, used in consumed:
        for lot, made in outputs:
            share = used.value * made.to(first.unit).value / total if total else used.value
            uow.session.add(
                LotEdge(
                    id=new_uuid(),
                    parent_lot_id=row.lot.id,
                    child_lot_id=lot.id,
                    quantity=share.quantize(SCALE),
                    unit=used.unit,
                    event_id=event.id,
                )
            )
