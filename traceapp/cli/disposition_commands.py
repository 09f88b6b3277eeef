"""`traceapp lot hold|lift-hold|release|reject|rework|scrap|decisions|record`: lot dispositions."""

from __future__ import annotations

from pathlib import Path

from traceapp.cli.context import Context
from traceapp.cli.output import print_json, show, table
from traceapp.cli.parsing import Parsers, Subparsers, add_sign_as
from traceapp.db.uow import UnitOfWork
from traceapp.domain.conditions import LotConditions
from traceapp.domain.dispositions import Decision, DecisionOutcome, DecisionRecord
from traceapp.domain.errors import InvalidInput
from traceapp.reports.lot_record import render_lot_record
from traceapp.services.conditions import conditions_of_lots
from traceapp.services.dispositions import SignedBy, decide, decisions_of, lot_record
from traceapp.services.signatures import Meaning

SKIPPED_SHOWN = 10  # a raw lot may have hundreds of shipped descendants
_CODE_HELP = "PART/LOT, a unique lot code, or a bound code"
_SIGNED = {
    "lift-hold": (Decision.LIFT_HOLD, "lift a hold (signed); the lot returns to its status before"),
    "release": (Decision.RELEASE, "release a lot (signed)"),
    "reject": (Decision.REJECT, "reject a lot (signed)"),
    "rework": (
        Decision.REWORK,
        "send a lot to rework (signed); a quality manager releases it after",
    ),
    "scrap": (Decision.SCRAP, "scrap a lot (signed)"),
}


def register(lot_sub: Subparsers, parsers: Parsers) -> None:
    """Add the decision commands to the `lot` group."""
    p = parsers.add(
        lot_sub,
        "hold",
        hold_command,
        step=True,
        help="put a lot on hold, with a reason",
        epilog="example:\n  traceapp lot hold FLOUR/L2417 --reason 'mould on two bags' --descendants",
    )
    p.add_argument("code", metavar="CODE", help=_CODE_HELP)
    p.add_argument("--reason", required=True, help="what was found")
    p.add_argument(
        "--descendants",
        action="store_true",
        help="also hold every usable lot made from it (found by the forward trace)",
    )
    for name, (decision, text) in _SIGNED.items():
        p = parsers.add(
            lot_sub,
            name,
            signed_command,
            step=True,
            help=text,
            epilog=f"example:\n  traceapp lot {name} FLOUR/L2417 --reason 're-tested: moisture "
            "12 %' --sign-as qm",
        )
        p.set_defaults(decision=decision)
        p.add_argument("code", metavar="CODE", help=_CODE_HELP)
        p.add_argument("--reason", required=True, help="why, in a sentence")
        add_sign_as(p)
        p.add_argument(
            "--meaning",
            choices=[m.value for m in Meaning],
            help="what the signature means (default: released for a release, rejected for a "
            "reject, approved otherwise)",
        )
    p = parsers.add(
        lot_sub, "decisions", decisions_command, help="every decision on a lot, with signatures"
    )
    p.add_argument("code", metavar="CODE", help=_CODE_HELP)
    p = parsers.add(
        lot_sub, "record", record_command, help="the lot record (lot, decisions, events) as PDF"
    )
    p.add_argument("code", metavar="CODE", help=_CODE_HELP)
    p.add_argument("--pdf", required=True, metavar="FILE", help="where to write the PDF")


def hold_command(ctx: Context) -> int:
    args = ctx.args
    event_id, event_time = ctx.event_id, ctx.event_time
    with ctx.database() as engine:
        actor = ctx.login(engine)
        with UnitOfWork(engine) as uow:
            outcome = decide(
                uow,
                actor=actor,
                decision=Decision.HOLD,
                code=args.code,
                reason=args.reason,
                descendants=args.descendants,
                event_id=event_id,
                event_time=event_time,
            )
    return _report(ctx, outcome)


def signed_command(ctx: Context) -> int:
    args = ctx.args
    event_id, event_time = ctx.event_id, ctx.event_time
    with ctx.database() as engine:
        actor = ctx.login(engine)
        # Asked before the unit of work opens: no prompt waits inside a write transaction.
        signer, password = ctx.signer()
        meaning = Meaning(args.meaning) if args.meaning else None
        with UnitOfWork(engine) as uow:
            outcome = decide(
                uow,
                actor=actor,
                decision=args.decision,
                code=args.code,
                reason=args.reason,
                signed_by=SignedBy(signer, password, meaning),
                event_id=event_id,
                event_time=event_time,
            )
    return _report(ctx, outcome)


def _report(ctx: Context, outcome: DecisionOutcome) -> int:
    if ctx.json:
        print_json(outcome)
        return 0
    record = outcome.decision
    word = record.decision.value.replace("_", " ")
    if outcome.replayed:
        print(f"Already recorded: {word} of {record.lot} (event {record.event_id}); nothing new.")
    else:
        print(
            f"Recorded {word} of {record.lot} at {show(record.decided_at)} "
            f"(event {record.event_id}): {_status(record)}."
        )
    for signature in record.signatures:
        print(f"  {signature.line()}")
    for child in outcome.descendants:
        print(f"  Also held: {child.lot} (event {child.event_id})")
    for text in outcome.skipped[:SKIPPED_SHOWN]:
        print(f"  Not held: {text}")
    if len(outcome.skipped) > SKIPPED_SHOWN:
        rest = len(outcome.skipped) - SKIPPED_SHOWN
        print(f"  ... and {rest} more not held (--json lists them all)")
    return 0


def _status(record: DecisionRecord) -> str:
    before = record.status_before.value.replace("_", " ")
    after = record.status_after.value.replace("_", " ")
    return f"{before} -> {after}"


def decisions_command(ctx: Context) -> int:
    with ctx.database() as engine, UnitOfWork(engine, write=False) as uow:
        history = decisions_of(uow, ctx.args.code)
    if ctx.json:
        print_json(history)
        return 0
    if not history:
        print("No decisions on this lot.")
        return 0
    rows = []
    for record in history:
        by = record.decided_by + (f" (rule: {record.rule})" if record.rule else "")
        signed = "; ".join(s.line() for s in record.signatures) or "-"
        rows.append(
            (
                show(record.decided_at),
                record.decision.value,
                _status(record),
                by,
                record.reason,
                signed,
            )
        )
    print(table(["TIME", "DECISION", "STATUS", "BY", "REASON", "SIGNATURE"], rows))
    return 0


def record_command(ctx: Context) -> int:
    target = Path(ctx.args.pdf)
    if target.is_dir():
        raise InvalidInput(f"{target} is a folder.", hint="Name a file, e.g. lot.pdf.")
    with ctx.database() as engine, UnitOfWork(engine, write=False) as uow:
        record = lot_record(uow, ctx.args.code)
        # Reading needs no login on a workstation, so the record's conditions are read as the
        # record itself is: without an actor.
        lot = record.detail.lot
        found = conditions_of_lots(uow.session, [lot.id], windows=True).get(
            lot.id, LotConditions(lot.id, lot.name, (), (), ())
        )
    data = render_lot_record(record, found)
    try:
        target.write_bytes(data)
    except OSError as exc:
        raise InvalidInput(
            f"The PDF could not be written to {target}: {exc.strerror}.",
            hint="Pick a folder you may write to.",
        ) from exc
    if ctx.json:
        print_json({"lot": record.detail.lot.name, "pdf": str(target), "bytes": len(data)})
    else:
        print(f"Wrote the record of {record.detail.lot.name} to {target} ({len(data)} bytes).")
    return 0
