"""`traceapp import KIND FILE [--dry-run]`: master data from CSV or XLSX, all of it or nothing."""

from __future__ import annotations

from pathlib import Path

from traceapp.cli.context import Context
from traceapp.cli.output import print_json, table
from traceapp.cli.parsing import Parsers, Subparsers
from traceapp.db.uow import UnitOfWork
from traceapp.domain.masterdata_rows import ImportReport
from traceapp.services.masterdata_import import ALL, import_master_data, read_sheets

EXIT_OK = 0
EXIT_PROBLEMS = 2  # as the runner's table: bad input, so nothing was written
KIND_CHOICES = ("products", "suppliers", "customers", "parties", "locations", "plans", ALL)

_EPILOG = """\
examples:
  traceapp import products products.csv --dry-run
  traceapp import suppliers suppliers.csv
  traceapp import all master_data.xlsx --json

FILE is a CSV (comma, semicolon or tab; UTF-8 with or without BOM, else Windows-1252) or an XLSX
workbook. `all` takes every sheet of a workbook by its name (products, suppliers, customers,
parties, locations, plans). Column names ignore case, spaces and '-'; docs/master_data.md lists
them. Numbers may use a decimal comma (12,5) but no thousands separators.

Every row is checked before anything is written; with any problem nothing is written and every
problem is listed by sheet, row and column (exit 2). --dry-run checks and counts without writing.
A record whose key (part number, party code, location code) exists is updated; a plan (product +
step) that differs from the active one becomes its next version, an equal one is left alone.
Products, parties and locations need an administrator or quality manager; plans too."""


def register(sub: Subparsers, parsers: Parsers) -> None:
    command = parsers.add(
        sub,
        "import",
        import_command,
        help="import master data from a CSV or XLSX file",
        epilog=_EPILOG,
    )
    command.add_argument("kind", metavar="KIND", choices=KIND_CHOICES, help=", ".join(KIND_CHOICES))
    command.add_argument("file", metavar="FILE", help="a .csv or .xlsx file")
    command.add_argument("--dry-run", action="store_true", help="check and count, write nothing")


def import_command(ctx: Context) -> int:
    args = ctx.args
    path = Path(args.file)
    sheets = read_sheets(path)  # before the login and the transaction: no lock waits on a disk
    with ctx.database() as engine:
        actor = ctx.login(engine)
        with UnitOfWork(engine) as uow:
            report = import_master_data(
                uow,
                actor=actor,
                kind=args.kind,
                sheets=sheets,
                source=path.name,
                dry_run=args.dry_run,
            )
    if ctx.json:
        print_json(report)
    else:
        _print(report)
    return EXIT_PROBLEMS if report.problems else EXIT_OK


def _print(report: ImportReport) -> None:
    if report.problems:
        print(f"{report.source}: {len(report.problems)} problem(s); nothing was written.")
        rows = [
            (p.sheet, "names" if p.row == 0 else p.row, p.column, p.message)
            for p in report.problems
        ]
        print(table(["SHEET", "ROW", "COLUMN", "PROBLEM"], rows))
        return
    counts = [
        (c.kind, c.created, c.updated, c.unchanged)
        for c in report.counts
        if c.created or c.updated or c.unchanged
    ]
    if not counts:
        print(f"{report.source}: no rows.")
        return
    print(table(["KIND", "CREATED", "UPDATED", "UNCHANGED"], counts))
    if report.dry_run:
        print("Dry run: nothing was written; these would be the changes.")
