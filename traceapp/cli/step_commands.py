"""The handling steps from a terminal: receive, produce, pack, unpack, ship, move, correct."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from traceapp.cli.context import Context, parse_date, parse_uuid
from traceapp.cli.output import print_json, show, table
from traceapp.cli.parsing import Parsers, Subparsers, split_quantity, split_required_quantity
from traceapp.db.uow import UnitOfWork
from traceapp.domain.errors import InvalidInput
from traceapp.domain.quantity import Quantity
from traceapp.domain.results import StepResult
from traceapp.domain.timeutil import parse_time
from traceapp.services.corrections import correct
from traceapp.services.moving import move
from traceapp.services.packing import CONTAINER_KINDS, PackItem, pack, unpack
from traceapp.services.production import InputSpec, OutputSpec, produce
from traceapp.services.receiving import receive
from traceapp.services.shipping import ship

_ITEM_HELP = "a lot (PART/LOT or a unique lot code) or a container, with =QTY for part of a lot"


def register(sub: Subparsers, parsers: Parsers) -> None:
    p = parsers.add(sub, "receive", receive_command, step=True, help="receive a supplier's lot")
    p.add_argument("--supplier", required=True, metavar="CODE")
    p.add_argument("--supplier-lot", required=True, metavar="CODE", help="the supplier's lot code")
    p.add_argument("--product", required=True, metavar="PART")
    p.add_argument("--qty", required=True, metavar="QTY", help='e.g. "100 kg"')
    p.add_argument("--lot", metavar="CODE", help="our lot code (default: the supplier's)")
    p.add_argument("--expiry", metavar="YYYY-MM-DD")
    p.add_argument("--doc", metavar="REF", help="delivery note or other reference document")
    p.add_argument("--location", metavar="CODE", help="where the lot is put (default: the station)")

    p = parsers.add(
        sub,
        "produce",
        produce_command,
        step=True,
        help="consume input lots into output lots",
        epilog="example:\n  traceapp produce --input FLOUR/F-1=60kg --output DOUGH/D-1=58kg --equipment MIX1",
    )
    p.add_argument(
        "--input", action="extend", nargs="+", default=[], metavar="CODE=QTY", dest="inputs"
    )
    p.add_argument(
        "--output",
        action="extend",
        nargs="+",
        required=True,
        metavar="PART/LOT=QTY",
        dest="outputs",
    )
    p.add_argument("--equipment", metavar="CODE")
    p.add_argument("--start", metavar="ISO")
    p.add_argument("--end", metavar="ISO")

    p = parsers.add(
        sub, "pack", pack_command, step=True, help="pack lots or containers into a container"
    )
    p.add_argument("container", metavar="CONTAINER", help="code or SSCC; created on first use")
    p.add_argument("items", nargs="+", metavar="ITEM[=QTY]", help=_ITEM_HELP)
    p.add_argument("--kind", choices=CONTAINER_KINDS, default="case")

    p = parsers.add(
        sub, "unpack", unpack_command, step=True, help="take lots or containers out of a container"
    )
    p.add_argument("container", metavar="CONTAINER")
    p.add_argument("items", nargs="*", metavar="ITEM", help="what to take out (default: all)")

    p = parsers.add(sub, "ship", ship_command, step=True, help="ship to a customer")
    p.add_argument("--customer", required=True, metavar="CODE")
    p.add_argument("items", nargs="+", metavar="ITEM[=QTY]", help=_ITEM_HELP)
    p.add_argument("--doc", metavar="REF", help="delivery note or other reference document")

    p = parsers.add(sub, "move", move_command, step=True, help="move lots or containers")
    p.add_argument("--to", required=True, metavar="LOCATION")
    p.add_argument("items", nargs="+", metavar="ITEM")

    p = parsers.add(
        sub,
        "correct",
        correct_command,
        step=True,
        help="declare an event an error and reverse it",
        epilog="The event stays on record, marked as corrected; the reversal is a new event.",
    )
    p.add_argument("event", metavar="EVENT_ID")
    p.add_argument("--reason", required=True, help="what was wrong, e.g. 'scanned the wrong lot'")


def _pack_items(texts: list[str]) -> list[PackItem]:
    items = []
    for text in texts:
        code, amount = split_quantity(text, example="CASE-1 or FLOUR/F-1=20kg")
        items.append(PackItem(code, amount))
    return items


def _report(ctx: Context, result: StepResult) -> int:
    if ctx.json:
        print_json(result)
        return 0
    event = result.event
    when = show(event.event_time)
    if result.replayed:
        print(
            f"Already recorded: event {event.id} ({event.step.value}, {when}); nothing new saved."
        )
    else:
        print(f"Recorded {event.step.value} event {event.id} at {when}.")
    if result.lots:
        rows = [
            (lot.name, lot.product_name, lot.status, lot.on_hand, lot.location)
            for lot in result.lots
        ]
        print(table(["LOT", "PRODUCT", "STATUS", "ON HAND", "LOCATION"], rows, indent="  "))
    if result.containers:
        boxes = [(c.code, c.kind, c.status, c.parent_code, c.location) for c in result.containers]
        print(table(["CONTAINER", "KIND", "STATUS", "IN", "LOCATION"], boxes, indent="  "))
    return 0


def _record(ctx: Context, step: Callable[..., StepResult], **fields: Any) -> int:
    """Log in, run one handling step in a unit of work of its own, and report what it recorded."""
    # Read before the database opens: a malformed --event-id or --time costs no connection.
    event_id, event_time = ctx.event_id, ctx.event_time
    with ctx.database() as engine:
        actor = ctx.login(engine)
        with UnitOfWork(engine) as uow:
            result = step(uow, actor=actor, event_id=event_id, event_time=event_time, **fields)
    return _report(ctx, result)


def receive_command(ctx: Context) -> int:
    args = ctx.args
    quantity = Quantity.parse(args.qty)
    expiry = parse_date(args.expiry, what="expiry date") if args.expiry else None
    return _record(
        ctx,
        receive,
        supplier=args.supplier,
        supplier_lot_code=args.supplier_lot,
        product=args.product,
        quantity=quantity,
        lot_code=args.lot,
        expiry=expiry,
        reference_document=args.doc,
        location=args.location,
    )


def _output_spec(text: str) -> OutputSpec:
    example = "DOUGH/D-1=58kg"
    name, amount = split_required_quantity(text, example=example)
    part, _, lot = name.partition("/")
    if not part or not lot:
        raise InvalidInput(f"{text!r} is not PART/LOT=QTY.", hint=f"Write it as {example}.")
    return OutputSpec(part, lot, amount)


def produce_command(ctx: Context) -> int:
    args = ctx.args
    inputs = []
    for text in args.inputs:
        code, amount = split_required_quantity(text, example="FLOUR/F-1=60kg")
        inputs.append(InputSpec(code, amount))
    outputs = [_output_spec(text) for text in args.outputs]
    started = parse_time(args.start) if args.start else None
    ended = parse_time(args.end) if args.end else None
    return _record(
        ctx,
        produce,
        inputs=inputs,
        outputs=outputs,
        equipment=args.equipment,
        started_at=started,
        ended_at=ended,
    )


def pack_command(ctx: Context) -> int:
    args = ctx.args
    items = _pack_items(args.items)
    return _record(
        ctx,
        pack,
        container=args.container,
        items=items,
        kind=args.kind,
    )


def unpack_command(ctx: Context) -> int:
    args = ctx.args
    return _record(
        ctx,
        unpack,
        container=args.container,
        items=args.items,
    )


def ship_command(ctx: Context) -> int:
    args = ctx.args
    items = _pack_items(args.items)
    return _record(
        ctx,
        ship,
        customer=args.customer,
        items=items,
        reference_document=args.doc,
    )


def move_command(ctx: Context) -> int:
    args = ctx.args
    return _record(
        ctx,
        move,
        items=args.items,
        to=args.to,
    )


def correct_command(ctx: Context) -> int:
    args = ctx.args
    target = parse_uuid(args.event, what="event id")
    return _record(
        ctx,
        correct,
        event=target,
        reason=args.reason,
    )
