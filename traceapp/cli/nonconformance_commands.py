"""`traceapp nonconformance list|close`: nonconformances found by inspections, closed with a signed disposition."""

from __future__ import annotations

import uuid

from traceapp.cli.context import Context
from traceapp.cli.output import print_json, show, table
from traceapp.cli.parsing import Parsers, Subparsers, add_sign_as
from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.errors import InvalidInput, NotFound
from traceapp.domain.nonconformances import NcDisposition, NonconformanceEntry
from traceapp.services import inspections
from traceapp.services.dispositions import SignedBy
from traceapp.services.signatures import Meaning

MIN_PREFIX = 8  # hex digits of an id prefix (the list shows 8)

_CLOSE_EPILOG = """\
The quality manager signs the closing (meaning 'approved' unless --meaning says otherwise); the
password comes from $TRACEAPP_SIGN_PASSWORD or $TRACEAPP_PASSWORD, or is asked for. The lot's
status does not change: release, reject or scrap it as a lot decision of its own.

example:
  traceapp nonconformance close 3f2a9c1e --disposition not_confirmed \\
      --reason 're-measured 13.2 %, the gauge was off' --sign-as qm
"""


def register(sub: Subparsers, parsers: Parsers) -> None:
    group = parsers.add(
        sub, "nonconformance", None, help="nonconformances found by inspections: list, close"
    )
    nc_sub = group.add_subparsers(dest="nc_command", metavar="COMMAND", required=True)
    listed = parsers.add(
        nc_sub, "list", list_command, help="nonconformances, open first, newest first"
    )
    listed.add_argument("--open", action="store_true", help="only the open ones")
    close = parsers.add(
        nc_sub,
        "close",
        close_command,
        help="close one with a disposition and a reason (signed)",
        epilog=_CLOSE_EPILOG,
    )
    close.add_argument("id", metavar="ID", help=f"its id, or the first {MIN_PREFIX}+ characters")
    close.add_argument(
        "--disposition",
        required=True,
        choices=[d.value for d in NcDisposition],
        help="what was decided",
    )
    close.add_argument("--reason", required=True, help="what was found and decided")
    close.add_argument(
        "--meaning",
        choices=[m.value for m in Meaning],
        help="what the signature means (default: approved)",
    )
    add_sign_as(close)


def list_command(ctx: Context) -> int:
    with ctx.database() as engine:
        actor = ctx.login(engine)
        with UnitOfWork(engine, write=False) as uow:
            found = inspections.nonconformance_list(uow, actor=actor, only_open=ctx.args.open)
    if ctx.json:
        print_json([_row(e) for e in found])
        return 0
    if not found:
        print("No open nonconformances." if ctx.args.open else "No nonconformances.")
        return 0
    print(
        table(
            ("Id", "Lot", "Opened", "Status", "Found", "Closing"),
            [
                (
                    str(e.id)[:MIN_PREFIX],
                    e.lot,
                    show(e.opened_at),
                    e.status,
                    e.description,
                    _closing(e),
                )
                for e in found
            ],
        )
    )
    return 0


def close_command(ctx: Context) -> int:
    args = ctx.args
    with ctx.database() as engine:
        actor = ctx.login(engine)
        with UnitOfWork(engine, write=False) as uow:
            target = _resolve(uow, actor, args.id)
        # Asked before the unit of work opens: no prompt waits inside a write transaction.
        signer, password = ctx.signer()
        meaning = Meaning(args.meaning) if args.meaning else None
        with UnitOfWork(engine) as uow:
            entry = inspections.close_nonconformance(
                uow,
                actor=actor,
                nonconformance=target,
                disposition=NcDisposition(args.disposition),
                reason=args.reason,
                signed_by=SignedBy(signer, password, meaning),
            )
    if ctx.json:
        print_json(_row(entry))
        return 0
    print(f"Closed the nonconformance of {entry.lot}: {_closing(entry)}.")
    if entry.signature:
        print(f"  {entry.signature}")
    return 0


def _resolve(uow: UnitOfWork, actor: Actor, text: str) -> uuid.UUID:
    """A full id, or a prefix of at least MIN_PREFIX characters naming one nonconformance."""
    cleaned = text.strip().lower()
    try:
        return uuid.UUID(cleaned)
    except ValueError:
        pass
    if len(cleaned) < MIN_PREFIX or any(c not in "0123456789abcdef-" for c in cleaned):
        raise InvalidInput(
            f"{text!r} is not a nonconformance id.",
            hint=f"Give its id or its first {MIN_PREFIX} characters as `nonconformance list` "
            "shows them.",
        )
    found = [
        e.id
        for e in inspections.nonconformance_list(uow, actor=actor, limit=10_000)
        if str(e.id).startswith(cleaned)
    ]
    if not found:
        raise NotFound(
            f"No nonconformance has an id starting {cleaned}.",
            hint="List them: traceapp nonconformance list --open",
        )
    if len(found) > 1:
        raise InvalidInput(
            f"{len(found)} nonconformances have an id starting {cleaned}.",
            hint="Give more characters of the id (or all of it: --json lists them).",
        )
    return found[0]


def _closing(e: NonconformanceEntry) -> str:
    if e.open or e.disposition is None:
        return "-"
    return f"{e.disposition.label} by {e.closed_by}: {e.close_reason}"


def _row(e: NonconformanceEntry) -> dict[str, object]:
    return {
        "id": str(e.id),
        "lot": e.lot,
        "inspection": None if e.inspection_id is None else str(e.inspection_id),
        "description": e.description,
        "status": e.status,
        "opened_at": e.opened_at.isoformat(),
        "closed_at": None if e.closed_at is None else e.closed_at.isoformat(),
        "closed_by": e.closed_by,
        "disposition": None if e.disposition is None else e.disposition.value,
        "reason": e.close_reason,
        "signature": e.signature,
    }
