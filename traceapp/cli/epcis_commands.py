"""`traceapp epcis export|import`: GS1 EPCIS 2.0 JSON-LD documents out of and into the database."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from traceapp.cli.context import Context
from traceapp.cli.output import labelled, print_json
from traceapp.cli.parsing import Parsers, Subparsers
from traceapp.db.uow import UnitOfWork
from traceapp.domain.epcis_identifiers import IdentifierStyle
from traceapp.domain.epcis_parse import load_document
from traceapp.domain.errors import InvalidInput, KnownError
from traceapp.domain.timeutil import parse_time
from traceapp.reports.epcis import dumps_document
from traceapp.services.epcis_export import export_document, may_export, plant_settings
from traceapp.services.epcis_import import DocumentImport, import_document, may_import

EXIT_OK = 0
EXIT_REFUSED = 2  # as the runner's table: a document refused, or an event in conflict

_EPILOG = """\
examples:
  traceapp epcis export --out plant.jsonld
  traceapp epcis export --from 2026-03-01T00:00+01:00 --to 2026-03-08T00:00+01:00 --out week.jsonld
  traceapp epcis export --lot FLOUR/F-1 --identifiers digital_link --out flour.jsonld
  traceapp epcis import supplier-a.jsonld supplier-b.jsonld --json

export writes every event (of one lot with --lot; with --from <= event time < --to) as one EPCIS
2.0 JSON-LD document. Identifiers are EPC URIs or GS1 Digital Link (--identifiers, else the plant
setting epcis.identifiers, else epc); objects without a GS1 key get https://<plant domain>/...
URIs (--domain, else the plant setting plant.domain). Exporting needs the export permission.

import stores each document in one transaction: a document with an error is refused whole (the
message names the JSON path of the field) and the others still import. An event already stored
(same eventID, or the same content where it has no eventID) is skipped as a duplicate; the same
eventID with other content is a conflict: reported, not applied. Identifiers that name nothing
here become external objects. Exit 0 when everything was applied or already there; 2 when a
document was refused or an event was in conflict. Importing needs a quality manager or an
administrator (it may add products for unknown GTINs)."""


def register(sub: Subparsers, parsers: Parsers) -> None:
    group = parsers.add(sub, "epcis", None, help="GS1 EPCIS 2.0 export and import", epilog=_EPILOG)
    actions = group.add_subparsers(dest="epcis_command", metavar="ACTION", required=True)
    export = parsers.add(
        actions,
        "export",
        export_command,
        help="write events as an EPCIS 2.0 JSON-LD document",
        epilog=_EPILOG,
    )
    export.add_argument("--from", dest="since", metavar="ISO", help="events at or after this")
    export.add_argument("--to", dest="until", metavar="ISO", help="events before this")
    export.add_argument("--lot", metavar="CODE", help="only the events of this lot")
    export.add_argument(
        "--identifiers",
        choices=[style.value for style in IdentifierStyle],
        help="EPC URIs or GS1 Digital Link (default: the plant setting, else epc)",
    )
    export.add_argument("--domain", metavar="NAME", help="plant domain for https:// identifiers")
    export.add_argument("--out", metavar="FILE", required=True, help="the document to write")
    imported = parsers.add(
        actions,
        "import",
        import_command,
        help="store the events of EPCIS 2.0 JSON-LD documents",
        epilog=_EPILOG,
    )
    imported.add_argument("files", metavar="FILE", nargs="+", help="EPCIS documents (.jsonld)")


def export_command(ctx: Context) -> int:
    args = ctx.args
    since = parse_time(args.since) if args.since else None
    until = parse_time(args.until) if args.until else None
    out = Path(args.out)
    with ctx.database() as engine:
        actor = ctx.login(engine)
        may_export(actor)
        with UnitOfWork(engine, write=False) as uow:
            settings = plant_settings(uow, style=args.identifiers, plant_domain=args.domain)
            document = export_document(
                uow, actor=actor, settings=settings, since=since, until=until, lot=args.lot
            )
    try:
        out.write_text(dumps_document(document), encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(
            f"Cannot write {out}: {exc.strerror or exc}.",
            hint="Pick a folder that exists and that you may write to.",
        ) from exc
    types = Counter(event.type.value for event in document.events)
    if ctx.json:
        print_json(
            {
                "file": str(out),
                "events": len(document.events),
                "types": dict(sorted(types.items())),
                "identifiers": settings.style.value,
                "plant_domain": settings.plant_domain,
            }
        )
    else:
        pairs: list[tuple[str, object]] = [("File", out), ("Events", len(document.events))]
        pairs += [(f"  {kind}", count) for kind, count in sorted(types.items())]
        print(labelled(pairs))
    return EXIT_OK


def import_command(ctx: Context) -> int:
    reports: list[dict[str, object]] = []
    refused = conflicts = 0
    with ctx.database() as engine:
        actor = ctx.login(engine)
        may_import(actor)  # refused before any file is read
        for name in ctx.args.files:
            path = Path(name)
            try:
                document = load_document(_read(path))
                with UnitOfWork(engine) as uow:
                    result = import_document(
                        uow,
                        actor=actor,
                        document=document,
                        name=path.name,
                        settings=plant_settings(uow),
                    )
            except InvalidInput as exc:  # EpcisFormatError among them: the JSON path named
                refused += 1
                reports.append(_refusal(name, exc))
                print(f"error: {name}: {exc.message}", file=sys.stderr)
                if exc.hint:
                    print(f"hint: {exc.hint}", file=sys.stderr)
                continue
            conflicts += len(result.conflicts)
            reports.append(_report(name, result))
            for conflict in result.conflicts:
                print(f"conflict: {name}: {conflict.path}: {conflict.message}", file=sys.stderr)
    totals = {
        key: sum(int(r.get(key, 0)) for r in reports)  # type: ignore[call-overload]
        for key in ("events", "objects", "duplicates")
    }
    if ctx.json:
        print_json({"documents": reports, **totals, "conflicts": conflicts, "refused": refused})
    else:
        for report in reports:
            state = "REFUSED" if "error" in report else "imported"
            print(f"{report['file']}: {state}")
        print(
            labelled(
                [
                    ("Events imported", totals["events"]),
                    ("External objects", totals["objects"]),
                    ("Duplicates skipped", totals["duplicates"]),
                    ("Conflicts", conflicts),
                    ("Documents refused", refused),
                ]
            )
        )
    return EXIT_REFUSED if refused or conflicts else EXIT_OK


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InvalidInput(
            f"Cannot read {path}: {exc.strerror or exc}.", hint="Check the file name."
        ) from exc


def _report(name: str, result: DocumentImport) -> dict[str, object]:
    return {
        "file": name,
        "events": result.events,
        "objects": result.objects,
        "duplicates": result.duplicates,
        "conflicts": [
            {"event_id": c.event_id, "path": c.path, "message": c.message} for c in result.conflicts
        ],
    }


def _refusal(name: str, error: KnownError) -> dict[str, object]:
    return {
        "file": name,
        "error": {
            "code": error.code,
            "message": error.message,
            "hint": error.hint,
            "path": getattr(error, "path", None),
        },
    }
