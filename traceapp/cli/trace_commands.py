"""`traceapp trace CODE` and `traceapp trace --equipment E`: where a lot went, where it came from."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from traceapp.cli.context import Context
from traceapp.cli.output import NONE_SHOWN, jsonable, labelled, print_json, show, table
from traceapp.cli.parsing import Parsers, Subparsers
from traceapp.db.uow import UnitOfWork
from traceapp.domain.errors import InvalidInput
from traceapp.domain.quantity import Quantity
from traceapp.domain.timeutil import parse_time
from traceapp.domain.trace import AffectedParty, Direction, TracedLot, TraceResult
from traceapp.services.trace import trace, trace_equipment

_EPILOG = """\
examples:
  traceapp trace FLOUR/F-1                        everything made from the lot, to the customers
  traceapp trace 00312345000000000017 --direction backward     what a shipped pallet was made of
  traceapp trace FLOUR/F-1 --from 2026-03-01T00:00+01:00 --to 2026-03-08T00:00+01:00
  traceapp trace --equipment MIX1 --from 2026-03-02T06:00 --to 2026-03-02T14:00

Forward quantities are in the traced lot's unit: how much of it ended up in each lot, shipment and
customer. Backward quantities are in each input lot's own unit: how much of it went in. A "<="
marks an upper bound (a quantity was missing in the records, so the share could not be computed).
--from/--to narrow the shipments of a CODE trace; with --equipment they choose the lots that ran
on the equipment in that window. Times without an offset are taken in this machine's time zone."""


def register(sub: Subparsers, parsers: Parsers) -> None:
    p = parsers.add(
        sub,
        "trace",
        trace_command,
        help="trace a lot, container or supplier lot to customers and back to suppliers",
        epilog=_EPILOG,
    )
    p.add_argument(
        "code",
        metavar="CODE",
        nargs="?",
        help="a lot (PART/LOT, lot code, GS1 label), a container (SSCC or code) or a supplier lot",
    )
    p.add_argument(
        "--direction",
        choices=[d.value for d in Direction],
        default=None,
        help="forward: where it went; backward: where it came from; both (default for CODE)",
    )
    p.add_argument("--from", dest="since", metavar="ISO", help="start of the time window")
    p.add_argument("--to", dest="until", metavar="ISO", help="end of the time window")
    p.add_argument(
        "--equipment",
        metavar="CODE",
        help="trace every lot that ran on this equipment in the window",
    )


def trace_command(ctx: Context) -> int:
    args = ctx.args
    since = parse_time(args.since) if args.since else None
    until = parse_time(args.until) if args.until else None
    if args.equipment is not None:
        if args.code is not None:
            raise InvalidInput(
                "Give either a CODE or --equipment, not both.",
                hint="traceapp trace CODE …  or  traceapp trace --equipment E --from T1 --to T2",
            )
        if since is None or until is None:
            raise InvalidInput(
                "--equipment needs a time window.",
                hint="Add --from and --to, e.g. --from 2026-03-02T06:00 --to 2026-03-02T14:00.",
            )
        # An equipment trace asks where the lots that ran there went: forward unless told.
        direction = Direction(args.direction or Direction.FORWARD)
        with ctx.database() as engine, UnitOfWork(engine, write=False) as uow:
            result = trace_equipment(
                uow, equipment=args.equipment, since=since, until=until, direction=direction
            )
    else:
        if args.code is None:
            raise InvalidInput(
                "Nothing to trace.",
                hint="traceapp trace CODE …  or  traceapp trace --equipment E --from T1 --to T2",
            )
        direction = Direction(args.direction or Direction.BOTH)
        with ctx.database() as engine, UnitOfWork(engine, write=False) as uow:
            result = trace(uow, code=args.code, direction=direction, since=since, until=until)
    if ctx.json:
        print_json(_json(result, since, until))
    else:
        print(render(result, since, until))
    return 0


def _counts(result: TraceResult) -> dict[str, int]:
    return {
        "lots": len(result.lots),
        "containers": len(result.containers),
        "shipments": len(result.shipments),
        "customers": len(result.customers),
        "suppliers": len(result.suppliers),
        **({"processed": len(result.processed)} if result.processed else {}),
    }


def _json(result: TraceResult, since: datetime | None, until: datetime | None) -> dict[str, Any]:
    data: dict[str, Any] = jsonable(result)
    data["window"] = {"from": jsonable(since), "to": jsonable(until)}
    data["counts"] = _counts(result)
    return data


def _quantity(quantity: Quantity | None, upper_bound: bool) -> str:
    if quantity is None:
        return NONE_SHOWN
    return f"<= {quantity}" if upper_bound else str(quantity)


def _contact(party: AffectedParty) -> str:
    parts = [p for p in (party.contact_name, party.contact_email, party.contact_phone) if p]
    return ", ".join(parts) or NONE_SHOWN


def _lot_row(lot: TracedLot) -> tuple[object, ...]:
    return (
        lot.depth,
        lot.name,
        lot.product_name,
        lot.status,
        _quantity(lot.quantity, lot.upper_bound),
        lot.on_hand,
    )


def render(result: TraceResult, since: datetime | None, until: datetime | None) -> str:
    """A person's view: what was asked, the counts, who to call, then the lots."""
    counts = _counts(result)
    window = None
    if since is not None or until is not None:
        window = f"{show(since)} to {show(until)}"
    summary = [
        ("Trace", f"{result.origin} ({result.direction.value})"),
        ("Started from", ", ".join(result.start) or "no lots"),
        ("Window", window),
        ("Unit", result.unit),
        ("Found", ", ".join(f"{n} {name}" for name, n in counts.items())),
        ("Took", f"{result.elapsed_ms:.1f} ms"),
    ]
    lines = [labelled([(label, value) for label, value in summary if value is not None])]
    rows: list[tuple[object, ...]]
    if result.processed:  # an equipment trace: what ran there, whether traced from or not
        rows = [
            (
                p.lot,
                "made there" if p.made else "went in",
                "whole lot (no quantity recorded)" if p.quantity is None else str(p.quantity),
            )
            for p in result.processed
        ]
        headers = ["LOT", "ON THE EQUIPMENT", "QUANTITY"]
        lines += ["", "Processed in the window", table(headers, rows, indent="  ")]
        lines += ["  The trace starts from the lots made there, with what was made in the window."]
    if result.customers:
        rows = [
            (
                c.code,
                c.name,
                _contact(c),
                _quantity(c.quantity, c.upper_bound),
                c.shipments,
                show(c.first_shipped),
                show(c.last_shipped),
            )
            for c in result.customers
        ]
        headers = ["CUSTOMER", "NAME", "CONTACT", "QUANTITY", "SHIPMENTS", "FIRST", "LAST"]
        lines += ["", "Customers to contact", table(headers, rows, indent="  ")]
    if result.shipments:
        rows = [
            (
                show(s.shipped_at),
                s.customer,
                s.reference_document,
                ", ".join(s.containers) or "loose",
                _quantity(s.quantity, s.upper_bound),
            )
            for s in result.shipments
        ]
        headers = ["SHIPPED", "CUSTOMER", "DOCUMENT", "CONTAINERS", "QUANTITY"]
        lines += ["", "Shipments", table(headers, rows, indent="  ")]
    if result.suppliers:
        rows = [(s.code, s.name, ", ".join(s.lots)) for s in result.suppliers]
        lines += ["", "Suppliers", table(["SUPPLIER", "NAME", "LOTS"], rows, indent="  ")]
    if result.lots:
        headers = ["DEPTH", "LOT", "PRODUCT", "STATUS", "QUANTITY", "ON HAND"]
        lines += ["", "Lots", table(headers, [_lot_row(lot) for lot in result.lots], indent="  ")]
    else:
        lines += ["", "No lots reached."]
    return "\n".join(lines)
