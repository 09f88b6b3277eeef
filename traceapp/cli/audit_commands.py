"""`traceapp audit verify|show`: is the audit trail intact, and what does it say."""

from __future__ import annotations

import argparse
import re

from sqlalchemy import select

from traceapp.cli.context import Context
from traceapp.cli.output import print_json, table
from traceapp.cli.parsing import Parsers, Subparsers
from traceapp.db.models import AuditEntry, AuditHead
from traceapp.db.uow import UnitOfWork
from traceapp.domain.audit import AuditVerdict, Breach
from traceapp.services import audit

EXIT_INTACT = 0
EXIT_BROKEN = 1
MAX_LIMIT = 100_000
_ANCHOR = re.compile(r"^\s*(\d+):([0-9a-f]{64})\s*$")


def _anchor(text: str) -> tuple[int, str]:
    found = _ANCHOR.match(text.lower())
    if found is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not SEQ:HASH (as `audit verify` prints it: 12:3f9a...)"
        )
    return int(found.group(1)), found.group(2)


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
    verify = parsers.add(
        audit_sub,
        "verify",
        verify_command,
        help="walk the audit trail's hash chain and name the first entry changed behind the "
        "app's back",
        epilog=(
            "Exit status 0: intact. Exit status 1: broken; the first broken entry is named with\n"
            "how it broke (edited, deleted, inserted, head_moved).\n\n"
            "The chain's anchor (the newest entry's number and hash) lives in the same database:\n"
            "someone who drops its guard trigger, deletes the newest entries and moves the anchor\n"
            "back leaves a chain that checks out. Keep the anchor line an intact run prints\n"
            "somewhere else (a report, a ticket) and pass it back with --anchor SEQ:HASH: the\n"
            "entry it names must still be there, unchanged."
        ),
    )
    verify.add_argument(
        "--anchor",
        type=_anchor,
        metavar="SEQ:HASH",
        help="an anchor printed by an earlier run, kept outside the database",
    )
    show_cmd = parsers.add(audit_sub, "show", show_command, help="show the newest audit entries")
    show_cmd.add_argument("--entity", metavar="TABLE", help="only entries of this table, e.g. lots")
    show_cmd.add_argument("--id", metavar="ID", dest="entity_id", help="only this record's entries")
    show_cmd.add_argument(
        "--limit", type=_limit, default=100, metavar="N", help="at most N entries (default 100)"
    )


def verify_command(ctx: Context) -> int:
    anchor: tuple[int, str] | None = ctx.args.anchor
    with ctx.database() as engine:
        actor = ctx.login(engine)
        with UnitOfWork(engine, write=False) as uow:
            verdict = audit.verify(uow, actor=actor)
            head = uow.session.execute(
                select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == audit.HEAD_ROW)
            ).first()
            if verdict.intact and anchor is not None:
                verdict = _check_anchor(uow, verdict, anchor)
    head_text = f"{head.seq}:{head.hash}" if head is not None and verdict.intact else None
    if ctx.json:
        print_json({**_fields(verdict), "anchor": head_text})
    elif verdict.intact:
        print(f"Audit trail intact: {verdict.entries} entries.")
        if head_text is not None:
            print(f"anchor: {head_text}  (keep it elsewhere; check later with --anchor)")
    else:
        breach = verdict.breach.value if verdict.breach else "broken"
        print(
            f"Audit trail BROKEN: first broken entry: {verdict.first_broken_seq} ({breach}): "
            f"{verdict.detail}"
        )
    return EXIT_INTACT if verdict.intact else EXIT_BROKEN


def _fields(verdict: AuditVerdict) -> dict[str, object]:
    return {
        "entries": verdict.entries,
        "intact": verdict.intact,
        "first_broken_seq": verdict.first_broken_seq,
        "breach": verdict.breach,
        "detail": verdict.detail,
    }


def _check_anchor(uow: UnitOfWork, verdict: AuditVerdict, anchor: tuple[int, str]) -> AuditVerdict:
    """An intact chain must still hold the entry an earlier run anchored outside the database."""
    seq, expected = anchor
    stored = uow.session.scalar(select(AuditEntry.hash).where(AuditEntry.seq == seq))
    if stored is None:
        first = min(seq, verdict.entries + 1)  # an intact chain numbers its entries 1..entries
        return AuditVerdict(
            verdict.entries,
            False,
            first,
            Breach.DELETED,
            f"entries {first}–{seq} are gone, though entry {seq} was anchored outside the "
            "database (the newest entries were deleted and the anchor moved back)",
        )
    if stored != expected:
        return AuditVerdict(
            verdict.entries,
            False,
            seq,
            Breach.EDITED,
            f"entry {seq} no longer has the hash anchored outside the database (the chain "
            "was rewritten from there on)",
        )
    return verdict


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
