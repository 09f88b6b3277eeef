"""`traceapp plan add|show`, `traceapp inspect` and `traceapp lot inspections`: quality checks."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

from traceapp.cli.context import Context
from traceapp.cli.output import print_json, show, table
from traceapp.cli.parsing import Parsers, Subparsers
from traceapp.db.uow import UnitOfWork
from traceapp.domain.errors import InvalidInput
from traceapp.domain.inspections import (
    Characteristic,
    CharacteristicKind,
    InspectionOutcome,
    InspectionRecord,
    PlanVersion,
    parse_number,
)
from traceapp.domain.timeutil import parse_time
from traceapp.services.inspections import (
    add_plan,
    inspections_of,
    nonconformances_of,
    plan_versions,
    record_inspection,
)

EXIT_FAILED = 1  # recorded, and the lot failed (it is on hold); 2 means nothing was recorded
CSV_COLUMNS = ("name", "kind", "nominal", "lsl", "usl", "unit", "decimals", "passing", "answers")
_CODE_HELP = "PART/LOT, a unique lot code, or a bound code"

CHAR_HELP = """\
characteristics, one --char each (in the order they are entered):
  NAME:variable:NOMINAL:LSL:USL:UNIT:DECIMALS   e.g. diameter:variable:12.00:11.90:12.10:mm:2
        leave LSL or USL empty for a one-sided limit (one of them is needed); NOMINAL and
        UNIT may be empty
  NAME:attribute:PASSING:ANSWERS                e.g. seal:attribute:ok:ok,leak,crease
        ANSWERS lists every allowed answer incl. defect codes; PASSING the one(s) that pass
  NAME:count:MAX                                e.g. blemishes:count:2 (at most 2 pass)

or a CSV file (--file, e.g. saved from a spreadsheet) with the header row
  name,kind,nominal,lsl,usl,unit,decimals,passing,answers
and one row per characteristic, cells empty where they do not apply; for a count the maximum
goes in the usl column. Answers in one cell are separated by commas (the spreadsheet quotes them).

Adding a plan for a product and step that has one makes a new version, which becomes the active
plan; inspections already made keep the version they used.

examples:
  traceapp plan add COOKIE --step final --sample-size 1 \\
      --char diameter:variable:12.00:11.90:12.10:mm:2 --char seal:attribute:ok:ok,leak,crease
  traceapp plan add COOKIE --step final --file cookie-final.csv
"""

INSPECT_EPILOG = """\
values: one --value NAME=VALUE per reading, as typed or sent by the gauge; with a sample size
above 1, give one --value per sample (--value diameter=12.01 --value diameter=12.03). Variables
are rounded half up to the plan's decimals and compared with the limits (limits pass); attribute
answers ignore case, spaces and accents, and ok/pass/good are the same answer.

exit codes: 0 the lot passed; 1 the inspection was recorded and FAILED: a nonconformance was
opened and the lot put on hold (the reasons are printed, and --json gives the whole record);
2 refused, nothing recorded (a numeric reading missing, an unknown answer, a value that is not
a number, your role may not inspect). A script can tell a failed lot from a typing error.

example:
  traceapp inspect COOKIE/L-17 --step final --value diameter=12.03 --value seal=ok
"""


def register(sub: Subparsers, parsers: Parsers) -> None:
    group = parsers.add(sub, "plan", None, help="inspection plans: add a version, show them")
    plan_sub = group.add_subparsers(dest="plan_command", metavar="COMMAND", required=True)
    p = parsers.add(
        plan_sub,
        "add",
        add_command,
        help="add an inspection plan for a product at a step, or its next version",
        epilog=CHAR_HELP,
    )
    p.add_argument("product", metavar="PRODUCT", help="part number")
    p.add_argument("--step", required=True, help="where it is inspected, e.g. receive or final")
    p.add_argument("--char", action="append", default=[], metavar="SPEC", help="see below")
    p.add_argument("--file", metavar="CSV", help="characteristics from a CSV file (see below)")
    p.add_argument(
        "--sample-size", type=int, default=1, metavar="N", help="readings per lot (default 1)"
    )
    p = parsers.add(plan_sub, "show", show_command, help="a product's inspection plans")
    p.add_argument("product", metavar="PRODUCT", help="part number")
    p.add_argument("--step", help="only this step")
    p.add_argument("--all", action="store_true", help="every version, not only the active ones")
    p = parsers.add(
        sub,
        "inspect",
        inspect_command,
        help="record an inspection of a lot against its plan",
        epilog=INSPECT_EPILOG,
    )
    p.add_argument("code", metavar="LOT", help=_CODE_HELP)
    p.add_argument("--step", help="the plan's step (needed when the product has several)")
    p.add_argument("--value", action="append", default=[], metavar="NAME=VALUE", help="one reading")
    p.add_argument("--time", metavar="ISO", help="when it was inspected (default: now)")


def register_lot(lot_sub: Subparsers, parsers: Parsers) -> None:
    """`traceapp lot inspections CODE`, in the `lot` group."""
    p = parsers.add(
        lot_sub,
        "inspections",
        lot_inspections_command,
        help="a lot's inspections, their values and nonconformances",
    )
    p.add_argument("code", metavar="CODE", help=_CODE_HELP)


def parse_char(spec: str) -> Characteristic:
    """One --char SPEC (see CHAR_HELP)."""
    parts = spec.split(":")
    kind_text = parts[1].strip().casefold() if len(parts) > 1 else ""
    try:
        kind = CharacteristicKind(kind_text)
    except ValueError:
        raise InvalidInput(
            f"--char {spec!r}: the kind must be variable, attribute or count.",
            hint="e.g. diameter:variable:12.00:11.90:12.10:mm:2 (see traceapp plan add --help)",
        ) from None
    expected = {
        CharacteristicKind.VARIABLE: 7,
        CharacteristicKind.ATTRIBUTE: 4,
        CharacteristicKind.COUNT: 3,
    }[kind]
    if len(parts) != expected:
        raise InvalidInput(
            f"--char {spec!r}: a {kind.value} has {expected} parts separated by ':', "
            f"not {len(parts)}.",
            hint="See traceapp plan add --help.",
        )
    name = parts[0].strip()
    if kind is CharacteristicKind.VARIABLE:
        return _variable(name, *parts[2:])
    if kind is CharacteristicKind.ATTRIBUTE:
        return _attribute(name, parts[2], parts[3])
    return _count(name, parts[2])


def _optional(text: str, *, what: str) -> Decimal | None:
    return parse_number(text, what=what) if text.strip() else None


def _variable(
    name: str, nominal: str, lsl: str, usl: str, unit: str, decimals: str
) -> Characteristic:
    try:
        places = int(decimals.strip() or "0")
    except ValueError:
        raise InvalidInput(f"{name}: decimals must be a whole number, not {decimals!r}.") from None
    return Characteristic(
        name,
        CharacteristicKind.VARIABLE,
        nominal=_optional(nominal, what=f"{name} nominal"),
        lsl=_optional(lsl, what=f"{name} LSL"),
        usl=_optional(usl, what=f"{name} USL"),
        unit=unit.strip(),
        decimals=places,
    )


def _words(text: str) -> tuple[str, ...]:
    return tuple(word.strip() for word in text.split(",") if word.strip())


def _attribute(name: str, passing: str, answers: str) -> Characteristic:
    return Characteristic(
        name, CharacteristicKind.ATTRIBUTE, answers=_words(answers), passing=_words(passing)
    )


def _count(name: str, most: str) -> Characteristic:
    value = parse_number(most, what=f"{name} maximum")
    if value != value.to_integral_value():
        raise InvalidInput(f"{name}: the maximum count is a whole number, not {most}.")
    return Characteristic(name, CharacteristicKind.COUNT, max_count=int(value))


def read_csv(path: Path) -> list[Characteristic]:
    try:
        text = path.read_text(encoding="utf-8-sig")  # a spreadsheet's BOM is not a column name
    except OSError as exc:
        raise InvalidInput(f"{path} cannot be read: {exc.strerror}.") from exc
    dialect = csv.Sniffer().sniff(text.splitlines()[0] if text else ",", delimiters=",;\t")
    rows = list(csv.DictReader(text.splitlines(), dialect=dialect))
    if not rows:
        raise InvalidInput(f"{path} has no characteristics.", hint="One row per characteristic.")
    header = [h.strip().casefold() for h in rows[0]]
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        raise InvalidInput(
            f"{path} has no column {', '.join(missing)}.",
            hint=f"The header row is {','.join(CSV_COLUMNS)}.",
        )
    found = []
    for line, raw in enumerate(rows, start=2):
        row = {(k or "").strip().casefold(): (v or "").strip() for k, v in raw.items()}
        try:
            kind = CharacteristicKind(row["kind"].casefold())
        except ValueError:
            raise InvalidInput(
                f"{path} line {line}: the kind must be variable, attribute or count."
            ) from None
        if kind is CharacteristicKind.VARIABLE:
            found.append(
                _variable(
                    row["name"],
                    row["nominal"],
                    row["lsl"],
                    row["usl"],
                    row["unit"],
                    row["decimals"],
                )
            )
        elif kind is CharacteristicKind.ATTRIBUTE:
            found.append(_attribute(row["name"], row["passing"], row["answers"]))
        else:
            found.append(_count(row["name"], row["usl"]))
    return found


def add_command(ctx: Context) -> int:
    args = ctx.args
    characteristics = [parse_char(spec) for spec in args.char]
    if args.file:
        characteristics += read_csv(Path(args.file))
    if not characteristics:
        raise InvalidInput(
            "Name the characteristics: --char SPEC (one each) or --file CSV.",
            hint="See traceapp plan add --help.",
        )
    with ctx.database() as engine:
        actor = ctx.login(engine)
        with UnitOfWork(engine) as uow:
            plan = add_plan(
                uow,
                actor=actor,
                product=args.product,
                step=args.step,
                characteristics=characteristics,
                sample_size=args.sample_size,
            )
    if ctx.json:
        print_json(plan)
        return 0
    print(f"Added {plan.label} (now the active plan).")
    print(_render_plan(plan))
    return 0


def _render_plan(plan: PlanVersion) -> str:
    rows = [(c.name, c.kind.value, c.limits_text()) for c in plan.characteristics]
    return table(["CHARACTERISTIC", "KIND", "SPECIFICATION"], rows, indent="  ")


def show_command(ctx: Context) -> int:
    args = ctx.args
    with ctx.database() as engine, UnitOfWork(engine, write=False) as uow:
        plans = plan_versions(uow, product=args.product, step=args.step)
    if not args.all:
        plans = tuple(p for p in plans if p.active)
    if ctx.json:
        print_json(plans)
        return 0
    if not plans:
        print(f"{args.product} has no inspection plan{' at ' + args.step if args.step else ''}.")
        return 0
    for plan in plans:
        state = "active" if plan.active else "replaced"
        print(
            f"{plan.label} ({state}; sample size {plan.sample_size}; added by "
            f"{plan.created_by} on {show(plan.created_at.astimezone())})"
        )
        print(_render_plan(plan))
    return 0


def _values(texts: list[str]) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for text in texts:
        name, sep, value = text.partition("=")
        if not sep or not name.strip():
            raise InvalidInput(
                f"--value {text!r} is not NAME=VALUE.", hint="e.g. --value diameter=12.03"
            )
        values.setdefault(name.strip(), []).append(value)
    return values


def inspect_command(ctx: Context) -> int:
    args = ctx.args
    values = _values(args.value)
    moment = parse_time(args.time) if args.time else None
    with ctx.database() as engine:
        actor = ctx.login(engine)
        with UnitOfWork(engine) as uow:
            outcome = record_inspection(
                uow,
                actor=actor,
                code=args.code,
                values=values,
                step=args.step,
                inspected_at=moment,
            )
    code = EXIT_FAILED if outcome.inspection.result == "failed" else 0
    if ctx.json:
        print_json(outcome)
        return code
    _print_outcome(outcome)
    return code


def _print_outcome(outcome: InspectionOutcome) -> None:
    record = outcome.inspection
    print(
        f"Recorded inspection of {record.lot} by {record.plan} at {show(record.inspected_at)}: "
        f"{record.result.upper()}."
    )
    for check in record.failed:
        print(f"  {check.reason}")
    if outcome.nonconformance is not None:
        print(f"  Nonconformance opened: {outcome.nonconformance.id}")
    if outcome.hold_rule is not None:
        print(f"  Lot put on hold by the system (rule: {outcome.hold_rule}).")
    elif record.failed:
        status = outcome.lot_status.replace("_", " ")
        print(f"  The lot was already {status}; it stays so.")


def lot_inspections_command(ctx: Context) -> int:
    with ctx.database() as engine, UnitOfWork(engine, write=False) as uow:
        found = inspections_of(uow, ctx.args.code)
        ncs = nonconformances_of(uow, ctx.args.code)
    if ctx.json:
        print_json({"inspections": found, "nonconformances": ncs})
        return 0
    if not found and not ncs:
        print("No inspections of this lot.")
        return 0
    for record in found:
        _print_record(record)
    if ncs:
        print("Nonconformances:")
        rows = [(show(n.opened_at), n.status, n.description) for n in ncs]
        print(table(["OPENED", "STATUS", "DESCRIPTION"], rows, indent="  "))
    return 0


def _print_record(record: InspectionRecord) -> None:
    where = f" at {record.station}" if record.station else ""
    print(
        f"{show(record.inspected_at)}  {record.plan}  {record.result.upper()}  by "
        f"{record.inspector}{where}"
    )
    rows = [
        (c.characteristic, c.sample, c.entered, "pass" if c.passed else "FAIL", c.reason)
        for c in record.checks
    ]
    print(table(["CHARACTERISTIC", "SAMPLE", "ENTERED", "RESULT", "CHECK"], rows, indent="  "))
