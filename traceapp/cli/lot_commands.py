"""`traceapp lot show` and `traceapp lot list`: a lot's record and the lots on file."""

from __future__ import annotations

import argparse

from traceapp.cli import disposition_commands, inspection_commands
from traceapp.cli.context import Context
from traceapp.cli.output import NONE_SHOWN, labelled, print_json, show, table
from traceapp.cli.parsing import Parsers, Subparsers
from traceapp.db.uow import UnitOfWork
from traceapp.domain.lots import LotStatus
from traceapp.domain.results import EventSummary, LotDetail
from traceapp.services.lots import list_lots, lot_detail

DEFAULT_LIST_LIMIT = 50
MAX_LIST_LIMIT = 10_000


def _limit(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= MAX_LIST_LIMIT:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_LIST_LIMIT}")
    return value


def register(sub: Subparsers, parsers: Parsers) -> None:
    group = parsers.add(sub, "lot", None, help="show, list, hold, release or dispose of lots")
    lot_sub = group.add_subparsers(dest="lot_command", metavar="COMMAND", required=True)
    p = parsers.add(
        lot_sub,
        "show",
        show_command,
        help="status, quantities, genealogy and history of one lot",
    )
    p.add_argument("code", metavar="CODE", help="PART/LOT, a unique lot code, or a bound code")
    p = parsers.add(lot_sub, "list", list_command, help="list lots, newest first")
    p.add_argument("--status", choices=[s.value for s in LotStatus])
    p.add_argument("--search", metavar="TEXT", help="part of a lot code, part number or name")
    p.add_argument("--limit", type=_limit, default=DEFAULT_LIST_LIMIT, metavar="N")
    disposition_commands.register(lot_sub, parsers)
    inspection_commands.register_lot(lot_sub, parsers)


def show_command(ctx: Context) -> int:
    with ctx.database() as engine, UnitOfWork(engine, write=False) as uow:
        detail = lot_detail(uow, ctx.args.code)
    if ctx.json:
        print_json(detail)
    else:
        print(_render_detail(detail))
    return 0


def _render_detail(detail: LotDetail) -> str:
    lot = detail.lot
    supplier = None
    if lot.supplier:
        supplier = f"{lot.supplier}, their lot {lot.supplier_lot_code or NONE_SHOWN}"
    lines = [
        labelled(
            [
                ("Lot", lot.name),
                ("Product", f"{lot.part_number} ({lot.product_name})"),
                ("Status", lot.status.value.replace("_", " ")),
                ("On hand", lot.on_hand),
                ("Initial", lot.initial),
                ("Origin", lot.origin.value),
                ("Supplier", supplier),
                ("Expiry", lot.expiry),
                ("Location", lot.location),
                ("Containers", ", ".join(detail.containers)),
            ]
        )
    ]
    for title, links in (("Made from", detail.parents), ("Went into", detail.children)):
        if links:
            edges = [(link.lot, link.quantity, link.event_id) for link in links]
            lines += ["", title, table(["LOT", "QUANTITY", "EVENT"], edges, indent="  ")]
    if detail.events:
        rows = [_event_row(event) for event in detail.events]
        headers = ["TIME", "STEP", "USER", "STATION", "DETAILS", "EVENT"]
        lines += ["", "Events", table(headers, rows, indent="  ")]
    return "\n".join(lines)


def _event_row(event: EventSummary) -> tuple[object, ...]:
    details = event.details()
    return (
        show(event.event_time),
        event.step,
        event.user,
        event.station,
        "; ".join(details),
        event.id,
    )


def list_command(ctx: Context) -> int:
    args = ctx.args
    with ctx.database() as engine, UnitOfWork(engine, write=False) as uow:
        lots = list_lots(uow, limit=args.limit, text=args.search, status=args.status)
    if ctx.json:
        print_json(lots)
        return 0
    if not lots:
        print("No lots match.")
        return 0
    rows = [
        (lot.name, lot.product_name, lot.status, lot.on_hand, lot.expiry, lot.location)
        for lot in lots
    ]
    print(table(["LOT", "PRODUCT", "STATUS", "ON HAND", "EXPIRY", "LOCATION"], rows))
    if len(lots) == args.limit:
        print(f"(first {args.limit}; narrow with --search or --status, or raise --limit)")
    return 0
