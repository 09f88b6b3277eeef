"""A step's answer is built from what it just wrote; it must equal the answer read back."""

from __future__ import annotations

import dataclasses

from sqlalchemy import event

from tests.services.conftest import Plant
from traceapp.db.uow import UnitOfWork
from traceapp.domain.commands import StepCommand
from traceapp.domain.quantity import Quantity
from traceapp.domain.results import StepResult
from traceapp.services.packing import PackItem
from traceapp.services.production import InputSpec, OutputSpec
from traceapp.services.sync_commands import (
    StepRequest,
    apply_command,
    correct_request,
    move_request,
    pack_request,
    produce_request,
    receive_request,
    ship_request,
    unpack_request,
)


def _both(plant: Plant, request: StepRequest) -> tuple[StepResult, StepResult]:
    """The answer when recorded, and the answer of the same command sent again (read back)."""
    command: StepCommand = request.command(plant.actor)
    with UnitOfWork(plant.engine) as uow:
        first = apply_command(uow, command)
    with UnitOfWork(plant.engine) as uow:
        again = apply_command(uow, command)
    assert not first.replayed
    assert again.replayed
    return first, dataclasses.replace(again, replayed=False)


def _receipt(lot: str, qty: str, *, location: str | None = None) -> StepRequest:
    return receive_request(
        supplier="MILL",
        supplier_lot_code=lot,
        product="FLOUR",
        quantity=Quantity.parse(qty),
        location=location,
    )


def test_every_step_answers_what_is_stored(plant: Plant) -> None:
    requests = [
        _receipt("A-1", "100 kg"),
        _receipt("A-2", "50 kg", location="MIX1"),
        _receipt("A-3", "3 lb"),  # 1.36077711 kg: stored rounded, so read back
        receive_request(
            supplier="MILL",
            supplier_lot_code="S-1",
            product="SUGAR",
            quantity=Quantity.parse("9 kg"),
        ),
        move_request(items=["FLOUR/A-1"], to="MIX1"),
        produce_request(
            inputs=[
                InputSpec("FLOUR/A-1", Quantity.parse("40 kg")),
                InputSpec("SUGAR/S-1", Quantity.parse("2.5 kg")),
            ],
            outputs=[OutputSpec("DOUGH", "D-1", Quantity.parse("42.5 kg"))],
            equipment="MIX1",
        ),
        pack_request(container="CASE-1", items=[PackItem("DOUGH/D-1", Quantity.parse("20 kg"))]),
        pack_request(container="PAL-1", items=[PackItem("CASE-1")], kind="pallet"),
        move_request(items=["PAL-1", "FLOUR/A-2"], to="RCV1"),
        unpack_request(container="PAL-1", items=["CASE-1"]),
        ship_request(
            customer="SHOP1",
            items=[PackItem("CASE-1"), PackItem("FLOUR/A-2", Quantity.parse("5 kg"))],
            reference_document="DN-1",
        ),
    ]
    for request in requests:
        first, again = _both(plant, request)
        assert first == again, request.step
    # Undo (a correction) of the receipt of A-3, which nothing used since.
    undo = correct_request(event=requests[2].id, reason="scanned twice")
    first, again = _both(plant, undo)
    assert first == again


def test_a_receipt_reads_nothing_back_to_answer(plant: Plant) -> None:
    """The answer costs no reads of the event, its items or its lot (statements counted)."""
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(plant.engine, "before_cursor_execute", count)
    try:
        command = _receipt("C-1", "10 kg").command(plant.actor)
        with UnitOfWork(plant.engine) as uow:
            result = apply_command(uow, command)
    finally:
        event.remove(plant.engine, "before_cursor_execute", count)
    assert result.lots[0].name == "FLOUR/C-1"
    assert result.event.station == "RCV1"
    assert result.lots[0].supplier == "MILL"
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert not [s for s in reads if "FROM event_items" in s]
    assert not [s for s in reads if "FROM error_declarations" in s]
