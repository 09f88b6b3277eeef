"""Step requests a station can store and send later, and the dispatcher that applies them."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, cast

from traceapp.db.models import User
from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.commands import JsonValue, StepCommand
from traceapp.domain.errors import InvalidInput, PermissionDenied
from traceapp.domain.ids import new_uuid
from traceapp.domain.quantity import Quantity, format_decimal
from traceapp.domain.results import StepResult
from traceapp.domain.steps import HandlingStep
from traceapp.services import station_cache
from traceapp.services.corrections import correct
from traceapp.services.moving import move
from traceapp.services.packing import PackItem, pack, unpack
from traceapp.services.production import InputSpec, OutputSpec, produce
from traceapp.services.receiving import receive
from traceapp.services.recording import begin_step, keep_loaded, station_time
from traceapp.services.shipping import ship


def _quantity(amount: Quantity | None) -> JsonValue:
    return None if amount is None else {"value": format_decimal(amount.value), "unit": amount.unit}


def _read_quantity(value: Any) -> Quantity | None:
    if value is None:
        return None
    return Quantity.of(str(value["value"]), str(value["unit"]))


def _date(value: date | None) -> JsonValue:
    return None if value is None else value.isoformat()


def _read_date(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(str(value))


def _read_time(value: Any) -> datetime | None:
    return None if value is None else datetime.fromisoformat(str(value))


@dataclass(frozen=True, slots=True)
class StepRequest:
    """What a form asks for, before it is known who confirms it and when.

    Called as `request(uow, actor)` it is applied at once (the direct path of a local station);
    `command(actor)` makes the storable command for the outbox. Either way the event UUID is the
    one made here, where the scan happened, so a retry cannot record the step twice.
    """

    id: uuid.UUID
    step: HandlingStep
    arguments: Mapping[str, JsonValue]

    def command(self, actor: Actor, *, event_time: datetime | None = None) -> StepCommand:
        return StepCommand(
            id=self.id,
            step=self.step,
            arguments=self.arguments,
            event_time=station_time(actor, event_time),
            actor=actor,
            station=actor.station_code,
        )

    def __call__(self, uow: UnitOfWork, actor: Actor) -> StepResult:
        return apply_command(uow, self.command(actor))


def _request(step: HandlingStep, arguments: dict[str, JsonValue]) -> StepRequest:
    return StepRequest(new_uuid(), step, arguments)


def receive_request(
    *,
    supplier: str,
    supplier_lot_code: str,
    product: str,
    quantity: Quantity,
    lot_code: str | None = None,
    expiry: date | None = None,
    reference_document: str | None = None,
    location: str | None = None,
) -> StepRequest:
    return _request(
        HandlingStep.RECEIVE,
        {
            "supplier": supplier,
            "supplier_lot_code": supplier_lot_code,
            "product": product,
            "quantity": _quantity(quantity),
            "lot_code": lot_code,
            "expiry": _date(expiry),
            "reference_document": reference_document,
            "location": location,
        },
    )


def produce_request(
    *,
    inputs: Sequence[InputSpec],
    outputs: Sequence[OutputSpec],
    equipment: str | None = None,
) -> StepRequest:
    return _request(
        HandlingStep.PRODUCE,
        {
            "inputs": [{"code": i.code, "quantity": _quantity(i.quantity)} for i in inputs],
            "outputs": [
                {
                    "product": o.product,
                    "lot_code": o.lot_code,
                    "quantity": _quantity(o.quantity),
                    "expiry": _date(o.expiry),
                }
                for o in outputs
            ],
            "equipment": equipment,
        },
    )


def _items(items: Sequence[PackItem]) -> JsonValue:
    return [{"code": item.code, "quantity": _quantity(item.quantity)} for item in items]


def _read_items(value: Any) -> list[PackItem]:
    return [PackItem(str(item["code"]), _read_quantity(item["quantity"])) for item in value]


def pack_request(*, container: str, items: Sequence[PackItem], kind: str = "case") -> StepRequest:
    return _request(
        HandlingStep.PACK, {"container": container, "items": _items(items), "kind": kind}
    )


def unpack_request(*, container: str, items: Sequence[str] = ()) -> StepRequest:
    return _request(HandlingStep.UNPACK, {"container": container, "items": list(items)})


def ship_request(
    *, customer: str, items: Sequence[PackItem], reference_document: str | None = None
) -> StepRequest:
    return _request(
        HandlingStep.SHIP,
        {"customer": customer, "items": _items(items), "reference_document": reference_document},
    )


def move_request(*, items: Sequence[str], to: str) -> StepRequest:
    return _request(HandlingStep.MOVE, {"items": list(items), "to": to})


def correct_request(*, event: uuid.UUID, reason: str) -> StepRequest:
    return _request(HandlingStep.CORRECT, {"event": str(event), "reason": reason})


def _apply_receive(uow: UnitOfWork, c: StepCommand, a: Mapping[str, Any]) -> StepResult:
    amount = _read_quantity(a["quantity"])
    if amount is None:
        raise InvalidInput(
            "A receipt needs its quantity.",
            hint="It is kept for review; record the receipt again with its quantity.",
        )
    return receive(
        uow,
        actor=c.actor,
        supplier=a["supplier"],
        supplier_lot_code=a["supplier_lot_code"],
        product=a["product"],
        quantity=amount,
        lot_code=a.get("lot_code"),
        expiry=_read_date(a.get("expiry")),
        reference_document=a.get("reference_document"),
        location=a.get("location"),
        event_id=c.id,
        event_time=c.event_time,
    )


def _apply_produce(uow: UnitOfWork, c: StepCommand, a: Mapping[str, Any]) -> StepResult:
    inputs = [
        InputSpec(str(i["code"]), cast(Quantity, _read_quantity(i["quantity"])))
        for i in a["inputs"]
    ]
    outputs = [
        OutputSpec(
            str(o["product"]),
            str(o["lot_code"]),
            cast(Quantity, _read_quantity(o["quantity"])),
            _read_date(o.get("expiry")),
        )
        for o in a["outputs"]
    ]
    return produce(
        uow,
        actor=c.actor,
        inputs=inputs,
        outputs=outputs,
        equipment=a.get("equipment"),
        started_at=_read_time(a.get("started_at")),
        ended_at=_read_time(a.get("ended_at")),
        event_id=c.id,
        event_time=c.event_time,
    )


def _apply_pack(uow: UnitOfWork, c: StepCommand, a: Mapping[str, Any]) -> StepResult:
    return pack(
        uow,
        actor=c.actor,
        container=a["container"],
        items=_read_items(a["items"]),
        kind=a.get("kind") or "case",
        event_id=c.id,
        event_time=c.event_time,
    )


def _apply_unpack(uow: UnitOfWork, c: StepCommand, a: Mapping[str, Any]) -> StepResult:
    return unpack(
        uow,
        actor=c.actor,
        container=a["container"],
        items=[str(code) for code in a.get("items") or ()],
        event_id=c.id,
        event_time=c.event_time,
    )


def _apply_ship(uow: UnitOfWork, c: StepCommand, a: Mapping[str, Any]) -> StepResult:
    return ship(
        uow,
        actor=c.actor,
        customer=a["customer"],
        items=_read_items(a["items"]),
        reference_document=a.get("reference_document"),
        event_id=c.id,
        event_time=c.event_time,
    )


def _apply_move(uow: UnitOfWork, c: StepCommand, a: Mapping[str, Any]) -> StepResult:
    return move(
        uow,
        actor=c.actor,
        items=[str(code) for code in a["items"]],
        to=a["to"],
        event_id=c.id,
        event_time=c.event_time,
    )


def _apply_correct(uow: UnitOfWork, c: StepCommand, a: Mapping[str, Any]) -> StepResult:
    return correct(
        uow,
        actor=c.actor,
        event=uuid.UUID(str(a["event"])),
        reason=a["reason"],
        event_id=c.id,
        event_time=c.event_time,
    )


_APPLY: dict[HandlingStep, Callable[[UnitOfWork, StepCommand, Mapping[str, Any]], StepResult]] = {
    HandlingStep.RECEIVE: _apply_receive,
    HandlingStep.PRODUCE: _apply_produce,
    HandlingStep.PACK: _apply_pack,
    HandlingStep.UNPACK: _apply_unpack,
    HandlingStep.SHIP: _apply_ship,
    HandlingStep.MOVE: _apply_move,
    HandlingStep.CORRECT: _apply_correct,
}

STORABLE_STEPS = frozenset(_APPLY)


def apply_command(uow: UnitOfWork, command: StepCommand) -> StepResult:
    """Record the command's step with the existing services (permission, audit, exactly once)."""
    handler = _APPLY.get(command.step)
    if handler is None:
        raise InvalidInput(
            f"A {command.step.value} step cannot be sent from a station's outbox.",
            hint="It is kept for review; record the step again at a station that is online.",
        )
    # The event UUID's lock and the master data version first: the user comes from the
    # station's copy when it still holds.
    recorded = begin_step(uow, command.id)
    command = _as_the_server_knows_the_user(uow, command, recorded=recorded)
    try:
        return handler(uow, command, command.arguments)
    except (KeyError, TypeError, AttributeError) as exc:
        raise InvalidInput(
            f"The stored {command.step.value} step is missing or mangles {exc}.",
            hint="It is kept for review; record the step again by hand if it happened.",
        ) from exc


def _as_the_server_knows_the_user(
    uow: UnitOfWork, command: StepCommand, *, recorded: bool
) -> StepCommand:
    """The command with its user's role as the server has it now; refused when the account was
    disabled meanwhile (a station may have let them in offline). A step already recorded is
    answered as before (a resend after a lost answer), whatever became of the account."""
    user = station_cache.by_id(uow.session, User, uuid.UUID(str(command.actor.user_id)))
    if user is not None and user.active:
        keep_loaded(uow.session, user)  # the step's answer names the user
        if user.role == command.actor.role:
            return command
        return replace(command, actor=replace(command.actor, role=user.role))
    if recorded:
        return command
    raise PermissionDenied(
        f"The account {command.actor.username} is disabled on the server, so its "
        f"{command.step.value} step is not recorded.",
        hint="It is kept for review: record the step again in the name of someone allowed to.",
    )


def _named(value: Any) -> str:
    if isinstance(value, dict) and "code" in value:
        amount = _read_quantity(value.get("quantity"))
        return f"{value['code']} {amount}" if amount is not None else str(value["code"])
    return str(value)


def describe_command(command: StepCommand) -> str:
    """The step in words, for the conflict list: 'receive FLOUR/L-1 25 kg from MILL'."""
    a: Mapping[str, Any] = command.arguments
    step = command.step
    try:
        if step is HandlingStep.RECEIVE:
            return (
                f"receive {a['product']}/{a.get('lot_code') or a['supplier_lot_code']} "
                f"{_read_quantity(a['quantity'])} from {a['supplier']}"
            )
        if step is HandlingStep.PRODUCE:
            made = ", ".join(f"{o['product']}/{o['lot_code']}" for o in a["outputs"])
            used = ", ".join(_named(i) for i in a["inputs"])
            return f"produce {made} from {used or 'nothing'}"
        if step is HandlingStep.PACK:
            return f"pack {', '.join(_named(i) for i in a['items'])} into {a['container']}"
        if step is HandlingStep.UNPACK:
            return f"unpack {a['container']}"
        if step is HandlingStep.SHIP:
            return f"ship {', '.join(_named(i) for i in a['items'])} to {a['customer']}"
        if step is HandlingStep.MOVE:
            return f"move {', '.join(str(i) for i in a['items'])} to {a['to']}"
        if step is HandlingStep.CORRECT:
            return f"undo event {a['event']}: {a['reason']}"
    except (KeyError, TypeError, ValueError):
        pass
    return step.value
