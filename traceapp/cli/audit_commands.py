"""`traceapp audit verify|show`: is the audit trail intact, and what does it say."""

from __future__ import annotations

import argparse

from traceapp.cli.context import Context
from traceapp.cli.output import print_json, table
from traceapp.cli.parsing import Parsers, Subparsers
from traceapp.db.uow import UnitOfWork
from traceapp.services import audit

EXIT_INTACT = 0
EXIT_BROKEN = 1
MAX_LIMIT = 100_000


def _limit(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= MAX_LIMIT:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_LIMIT}")
    return value


def register(sub: Subparsers, parsers: Parsers) -> None:
    group = parsers.add(
        sub, "audit", None, help="verify or show the audit trail (logged in, a role that reads it)"
    )
    audit_sub = group.add_subparsers(dest="audit_command", metavar="COMMAND", required=True)
    parsers.add(
        audit_sub,
        "verify",
        verify_command,
        help="walk the audit trail's hash chain and name the first entry changed behind the "
        "app's back",
        epilog=(
            "Exit status 0: intact. Exit status 1: broken; the first broken entry is named with\n"
            "how it broke (edited, deleted, inserted, head_moved)."
        ),
    )
    show_cmd = parsers.add(audit_sub, "show", show_command, help="show the newest audit entries")
    show_cmd.add_argument("--entity", metavar="TABLE", help="only entries of this table, e.g. lots")
    show_cmd.add_argument("--id", metavar="ID", dest="entity_id", help="only this record's entries")
    show_cmd.add_argument(
        "--limit", type=_limit, default=100, metavar="N", help="at most N entries (default 100)"
    )


def verify_command(ctx: Context) -> int:
    with ctx.database() as engine:
        actor = ctx.login(engine)
        with UnitOfWork(engine, write=False) as uow:
            verdict = audit.verify(uow, actor=actor)
    if ctx.json:
        print_json(verdict)
    elif verdict.intact:
        print(f"Audit trail intact: {verdict.entries} entries.")
    else:
        breach = verdict.breach.value if verdict.breach else "broken"
        print(
            f"Audit trail BROKEN: first broken entry: {verdict.first_broken_seq} ({breach}): "
            f"{verdict.detail}"
        )
    return EXIT_INTACT if verdict.intact else EXIT_BROKEN


def _change(old: str | None, new: str | None) -> str:
    if old is None and new is None:
        return ""
    return f"{old if old is not None else '-'} → {new if new is not None else '-'}"


def show_command(ctx: Context) -> int:
    args = ctx.args
    with ctx.database() as engine:
        actor = ctx.login(engine)
        with UnitOfWork(engine, write=False) as uow:
            lines = audit.show(
                uow, actor=actor, entity=args.entity, entity_id=args.entity_id, limit=args.limit
            )
    if ctx.json:
        print_json(lines)
        return 0
    if not lines:
        print("No audit entries match.")
        return 0
    rows = [
        (
            line.seq,
            line.recorded_at,
            line.username,
            line.station,
            line.action,
            line.entity,
            line.entity_id,
            line.reason or line.rule,
            _change(line.old_value, line.new_value),
        )
        for line in lines
    ]
    headers = ["SEQ", "TIME (UTC)", "USER", "STATION", "ACTION", "TABLE", "ID", "REASON", "CHANGE"]
    print(table(headers, rows))
    return 0
