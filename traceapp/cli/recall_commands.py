"""`traceapp recall`: a recall drill from suspect lots, a supplier lot or equipment, with FSMA 204 export."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from traceapp.cli.context import Context
from traceapp.cli.output import NONE_SHOWN, labelled, show, table
from traceapp.cli.parsing import Parsers, Subparsers, add_sign_as
from traceapp.db.uow import UnitOfWork
from traceapp.domain.dispositions import DecisionSignature
from traceapp.domain.errors import InvalidInput
from traceapp.domain.quantity import Quantity
from traceapp.domain.recall import RecallResult
from traceapp.domain.timeutil import parse_time
from traceapp.services.recall import (
    RECALL_MEANINGS,
    HoldReport,
    hold_affected,
    may_export,
    quality_of,
    run_recall,
    sign_off,
)
from traceapp.services.signatures import Meaning, SignatureSummary

if TYPE_CHECKING:
    from traceapp.reports.recall_pdf import RecallQuality

DEFAULT_REASON = "recall drill"
_EPILOG = """\
examples:
  traceapp recall --supplier-lot SL-2417 --xlsx recall.xlsx --json
  traceapp recall --lot FLOUR/F-1 --lot SUGAR/S-3 --reason 'metal in sieve' --csv recall.csv
  traceapp recall --equipment MIX1 --from 2026-03-02T06:00+01:00 --to 2026-03-02T14:00+01:00
  traceapp recall --supplier-lot SL-2417 --sign-as qm --hold --pdf recall.pdf

The drill traces the suspect lots forward (every lot made from them, the shipments and the
customers to call, with how much of the suspect material each received) and backward (where they
came from), and lists the affected stock still on site. --xlsx/--csv write the FSMA 204 sortable
spreadsheet: one row per receiving, transformation and shipping event of the affected lots.
--json prints the recall result as canonical JSON (sorted keys, no whitespace): its SHA-256 is
what --sign-as signs. --pdf writes the recall report: cover, genealogy, affected lots, shipments
by customer, stock on site, and the signature (or NOT SIGNED), with the recall id, the SHA-256
and a QR code of the recall id on every page; --meaning says what the signature means. --hold
puts every affected lot still on site and usable on hold ("recall RC-...: REASON"), each on its
own: a lot that cannot be held is named with why, the others are still held. Writing a spreadsheet or the PDF needs the export permission (not operators)."""


def register(sub: Subparsers, parsers: Parsers) -> None:
    p = parsers.add(
        sub,
        "recall",
        recall_command,
        help="run a recall drill: affected lots, customers, stock on site, FSMA 204 spreadsheet",
        epilog=_EPILOG,
    )
    p.add_argument(
        "--lot", action="append", default=[], metavar="CODE", help="a suspect lot (repeatable)"
    )
    p.add_argument("--supplier-lot", metavar="CODE", help="a supplier's lot code")
    p.add_argument("--equipment", metavar="CODE", help="lots that ran on this equipment")
    p.add_argument("--from", dest="since", metavar="ISO", help="start of the equipment window")
    p.add_argument("--to", dest="until", metavar="ISO", help="end of the equipment window")
    p.add_argument("--reason", default=DEFAULT_REASON, help="why (default: %(default)s)")
    p.add_argument("--xlsx", metavar="FILE", help="write the FSMA 204 spreadsheet (XLSX)")
    p.add_argument("--csv", metavar="FILE", help="write the FSMA 204 spreadsheet (CSV)")
    p.add_argument(
        "--pdf", metavar="FILE", help="write the recall report PDF (signed with --sign-as)"
    )
    p.add_argument("--hold", action="store_true", help="hold every affected lot still on site")
    add_sign_as(p)
    p.add_argument(
        "--meaning",
        choices=[m.value for m in RECALL_MEANINGS],
        default=Meaning.APPROVED.value,
        help="what the --sign-as signature means (21 CFR 11.50; default: %(default)s)",
    )


def recall_command(ctx: Context) -> int:
    args = ctx.args
    since = parse_time(args.since) if args.since else None
    until = parse_time(args.until) if args.until else None
    if args.equipment is None and (since is not None or until is not None):
        raise InvalidInput("--from/--to go with --equipment.", hint="Add --equipment CODE.")
    # Imported here: openpyxl takes 0.2 s to import, which every other command would pay.
    from traceapp.reports.fsma204 import write_csv, write_xlsx

    files: list[tuple[Path, str]] = []
    if args.xlsx:
        files.append((Path(args.xlsx), "xlsx"))
    if args.csv:
        files.append((Path(args.csv), "csv"))
    with ctx.database() as engine:
        actor = ctx.login(engine)
        if files or args.pdf:
            may_export(actor)  # refused before the drill runs
        signing = args.sign_as is not None
        # Asked before any unit of work opens: no prompt waits inside a transaction.
        signer = ctx.signer() if signing else None
        with UnitOfWork(engine, write=False) as uow:
            result = run_recall(
                uow,
                actor=actor,
                reason=args.reason,
                lots=args.lot,
                supplier_lot=args.supplier_lot,
                equipment=args.equipment,
                since=since,
                until=until,
            )
            quality = quality_of(uow, result) if args.pdf else None
        digest = result.sha256()
        for path, kind in files:
            try:
                if kind == "xlsx":
                    write_xlsx(result, path, sha256=digest)
                else:
                    write_csv(result, path)
            except OSError as exc:
                raise InvalidInput(
                    f"Cannot write {path}: {exc.strerror or exc}.",
                    hint="Pick a folder that exists and that you may write to.",
                ) from exc
        signature: SignatureSummary | None = None
        if signer is not None:
            with UnitOfWork(engine) as uow:
                signature = sign_off(
                    uow,
                    result=result,
                    signer=signer[0],
                    password=signer[1],
                    meaning=Meaning(args.meaning),
                )
        if args.pdf:
            pdf = Path(args.pdf)
            _write_pdf(result, signature, pdf, digest, quality)
            files.append((pdf, "pdf"))
        held: HoldReport | None = None
        if args.hold:
            with UnitOfWork(engine) as uow:
                held = hold_affected(uow, actor=actor, result=result)
    if ctx.json:
        # Exactly the canonical JSON: its SHA-256 is the hash the signature and report bind.
        print(result.canonical_json())
        notes = [f"sha256: {digest}"]
        notes += [f"wrote {path}" for path, _ in files]
        if signature is not None:
            notes.append(signature.line())
        if held is not None:
            notes.append(
                f"held {len(held.held)} lots, skipped {len(held.skipped)}, "
                f"refused {len(held.refused)}"
            )
            notes += [f"NOT HELD {r.lot}: {r.why}" for r in held.refused]
        print("\n".join(notes), file=sys.stderr)
    else:
        print(render(result, digest, [path for path, _ in files], signature, held))
    return 0


def _write_pdf(
    result: RecallResult,
    signature: SignatureSummary | None,
    path: Path,
    digest: str,
    quality: RecallQuality | None,
) -> None:
    """The recall report, signed when the signature binds this result's hash."""
    from traceapp.reports.recall_pdf import render_recall_pdf  # reportlab: only when asked

    signed = (
        None
        if signature is None
        else DecisionSignature(
            printed_name=signature.printed_name,
            username=signature.username,
            signed_at=signature.signed_at,
            meaning=signature.meaning.value,
            valid=signature.record_hash == digest,
        )
    )
    try:
        render_recall_pdf(result, signed, path, sha256=digest, quality=quality)
    except OSError as exc:
        raise InvalidInput(
            f"Cannot write {path}: {exc.strerror or exc}.",
            hint="Pick a folder that exists and that you may write to.",
        ) from exc


def _quantity(quantity: Quantity | None, upper_bound: bool) -> str:
    if quantity is None:
        return NONE_SHOWN
    return f"<= {quantity}" if upper_bound else str(quantity)


def render(
    result: RecallResult,
    digest: str,
    files: list[Path],
    signature: SignatureSummary | None,
    held: HoldReport | None,
) -> str:
    """A person's view: the recall, the counts and drill time, who to call, what is still here."""
    totals = result.totals
    summary: list[tuple[str, object]] = [
        ("Recall", result.recall_id),
        ("Reason", result.reason),
        ("Suspect", "; ".join(f"{s.kind.value} {s.code}" for s in result.suspects)),
        ("Suspect lots", ", ".join(result.forward.start) or "none"),
        (
            "Affected",
            f"{totals.lots} lots, {totals.shipments} shipments, {totals.customers} customers, "
            f"{totals.lots_on_site} lots still on site",
        ),
        ("Shipped", _quantity(totals.shipped, totals.shipped_upper_bound)),
        ("FSMA 204 events", len(result.details()[0])),
        ("Drill time", f"{result.drill_ms:.1f} ms"),
        ("SHA-256", digest),
    ]
    lines = [labelled(summary)]
    customers = result.forward.customers
    rows: list[tuple[object, ...]]
    if customers:
        rows = [
            (
                c.code,
                c.name,
                ", ".join(p for p in (c.contact_name, c.contact_email, c.contact_phone) if p)
                or NONE_SHOWN,
                _quantity(c.quantity, c.upper_bound),
                c.shipments,
                show(c.last_shipped),
            )
            for c in customers
        ]
        headers = ["CUSTOMER", "NAME", "CONTACT", "QUANTITY", "SHIPMENTS", "LAST SHIPPED"]
        lines += ["", "Customers to contact", table(headers, rows, indent="  ")]
    else:
        lines += ["", "No affected material reached a customer."]
    if result.on_site:
        rows = [(s.lot, s.product_name, s.status, s.location, s.on_hand) for s in result.on_site]
        headers = ["LOT", "PRODUCT", "STATUS", "LOCATION", "ON HAND"]
        lines += ["", "Stock still on site", table(headers, rows, indent="  ")]
    else:
        lines += ["", "No affected stock is left on site."]
    if held is not None:
        lines += ["", f"Held {len(held.held)} lots: {', '.join(held.held) or 'none'}"]
        if held.skipped:
            lines.append(f"Not held (already stopped): {', '.join(held.skipped)}")
        for refusal in held.refused:
            lines.append(f"NOT HELD {refusal.lot}: {refusal.why}")
    for path in files:
        lines.append(f"Wrote {path}")
    if signature is not None:
        lines.append(f"Signed: {signature.line()}")
    return "\n".join(lines)
