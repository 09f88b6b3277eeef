"""`traceapp monitor` (the headless sensor recorder), `traceapp sensors channel|export|gaps`, and
the process conditions of lots: `sensors conditions|review|import-logger`."""

from __future__ import annotations

import argparse
import csv
import json
import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from types import FrameType
from typing import TextIO, TypeVar

from traceapp.cli import live_spc_commands
from traceapp.cli.context import Context
from traceapp.cli.output import print_json, table
from traceapp.cli.parsing import Parsers, Subparsers
from traceapp.db.uow import UnitOfWork
from traceapp.domain.conditions import FlagResult
from traceapp.domain.errors import InvalidInput
from traceapp.domain.sensors import MICROS, Limits, from_micros, parse_time
from traceapp.domain.timeutil import parse_time as parse_instant
from traceapp.services import conditions, live_watch, sensors
from traceapp.services.recorder_service import hold_from_settings

T = TypeVar("T")
REVIEW_EVERY_S = (
    5.0  # the recorder reviews excursions and live SPC this often (services/live_watch)
)

_MONITOR_EPILOG = """\
Sources:
  mqtt://HOST[:PORT]/TOPIC      topics plant/<site>/<equipment>/<channel>, JSON payloads
                                {"value": 21.5, "unit": "degC", "time": "2026-11-30T12:00:00.123Z"}
  opc.tcp://HOST:PORT[/PATH]?node=NODEID@SITE/EQUIPMENT/CHANNEL[:UNIT][&node=…]
                                OPC UA: subscribes to each node, e.g. node=ns=2;i=2@plant1/oven3/temp:degC
  simulator://?channels=16&rate=100&seed=0
A channel heard for the first time is created (unit from the payload, expected period --period).
A channel silent for longer than its expected period gets a gap, closed by its next reading.
Every 5 s the lots made during an excursion outside the specification are flagged (and held
for review when settings.toml has [monitoring] hold_on_excursion = true, or with --hold), and
the channels with SPC enabled (traceapp sensors spc) are checked: signals become alarms.
One status line per --every seconds (default 60); connection changes and gaps as they happen.
Ctrl+C stops after writing what was received.

examples:
  traceapp monitor --source 'mqtt://127.0.0.1:1883/plant/#' --record
  traceapp monitor --source 'simulator://?channels=16&rate=100' --record --seconds 60
"""


def register(sub: Subparsers, parsers: Parsers) -> None:
    monitor = parsers.add(
        sub,
        "monitor",
        monitor_command,
        help="record equipment sensor readings from MQTT, OPC UA or the simulator (headless)",
        epilog=_MONITOR_EPILOG,
    )
    monitor.add_argument("--source", required=True, metavar="URL", help="where readings come from")
    monitor.add_argument(
        "--record", action="store_true", help="write the readings to the database (required)"
    )
    monitor.add_argument("--seconds", type=float, metavar="N", help="stop after N seconds")
    monitor.add_argument(
        "--every", type=float, default=60.0, metavar="S", help="seconds between status lines"
    )
    monitor.add_argument(
        "--period",
        type=float,
        default=sensors.DEFAULT_PERIOD_US / MICROS,
        metavar="S",
        help="expected period of new channels in seconds (longer silence is a gap; default 5)",
    )
    _hold_options(monitor)
    monitor.add_argument(
        "--retention-days",
        type=float,
        metavar="D",
        help="delete raw readings older than D days (aggregates stay); default: keep all",
    )

    group = parsers.add(sub, "sensors", None, help="sensor channels and exports of their readings")
    sensors_sub = group.add_subparsers(dest="sensors_command", metavar="COMMAND", required=True)
    live_spc_commands.register_sensors(sensors_sub, parsers)
    channel = parsers.add(sensors_sub, "channel", None, help="add or list sensor channels")
    channel_sub = channel.add_subparsers(dest="channel_command", metavar="COMMAND", required=True)
    add = parsers.add(channel_sub, "add", channel_add_command, help="add a channel (master data)")
    add.add_argument("key", metavar="EQUIPMENT/CHANNEL", help="e.g. oven3/temp")
    add.add_argument("--site", required=True, help="the site level of its MQTT topic")
    add.add_argument("--unit", required=True, help="e.g. degC")
    add.add_argument("--quantity", default="", help="what it measures (default: the channel name)")
    for limit in ("lsl", "usl", "lcl", "ucl"):
        add.add_argument(f"--{limit}", type=float, help=f"{limit.upper()} limit")
    add.add_argument(
        "--period", type=float, default=5.0, metavar="S", help="expected period in seconds"
    )
    parsers.add(channel_sub, "list", channel_list_command, help="list sensor channels")

    gaps = parsers.add(
        sensors_sub,
        "gaps",
        gaps_command,
        help="list one channel's gaps (silences) and excursions (runs outside its limits)",
    )
    gaps.add_argument("--channel", required=True, metavar="EQUIPMENT/CHANNEL")
    gaps.add_argument("--from", dest="start", metavar="ISO", help="from (default: the beginning)")
    gaps.add_argument("--to", dest="end", metavar="ISO", help="to (default: now)")

    shown = parsers.add(
        sensors_sub,
        "conditions",
        conditions_command,
        help="a lot's process conditions: where it was, the channels there, excursions",
    )
    shown.add_argument("lot", metavar="LOT", help="PART/LOT, a lot code or a scanned label")

    review = parsers.add(
        sensors_sub,
        "review",
        review_command,
        help="flag (and by setting hold) lots made or shipped during an excursion",
        epilog="Idempotent: a lot is flagged once per excursion. The recorder (traceapp monitor)\n"
        "runs it every 5 s; run it by hand after recording steps late.",
    )
    review.add_argument(
        "--since", metavar="ISO", help="re-check steps from this time (default: the last 2 days)"
    )
    _hold_options(review)

    logger = parsers.add(
        sensors_sub,
        "import-logger",
        import_logger_command,
        help="import a transit logger's CSV and bind it to a shipment (cold chain)",
        epilog="The file: a header time,<quantity>[,...] then one line per reading, e.g.\n"
        "  time,temperature,humidity\n  2026-11-30T12:00:00Z,4.1,61\n"
        "example:\n  traceapp sensors import-logger trip.csv --shipment DN-7 --logger LG-42 "
        "--unit temperature=degC --usl temperature=8",
    )
    logger.add_argument("file", metavar="FILE", help="CSV file (- for stdin)")
    logger.add_argument("--shipment", required=True, metavar="REF", help="its reference document")
    logger.add_argument("--logger", required=True, metavar="ID", help="the logger's id")
    for option in ("unit", "lsl", "usl", "lcl", "ucl"):
        logger.add_argument(
            f"--{option}",
            action="append",
            default=[],
            metavar="QUANTITY=VALUE",
            help=f"{option.upper() if option != 'unit' else 'unit'} of a column (repeatable)",
        )
    _hold_options(logger)

    bind = parsers.add(
        sensors_sub,
        "bind-logger",
        bind_logger_command,
        help="bind a recorded channel (a logger over MQTT) to a shipment for a time window",
        epilog="example:\n  traceapp sensors bind-logger --shipment DN-7 --channel LG-42/temp "
        "--from 2026-11-30T12:00Z --to 2026-11-30T18:00Z",
    )
    bind.add_argument("--shipment", required=True, metavar="REF", help="its reference document")
    bind.add_argument("--channel", required=True, metavar="EQUIPMENT/CHANNEL")
    bind.add_argument("--from", dest="start", required=True, metavar="ISO", help="from (incl.)")
    bind.add_argument("--to", dest="end", required=True, metavar="ISO", help="to (incl.)")
    _hold_options(bind)

    export = parsers.add(
        sensors_sub,
        "export",
        export_command,
        help="export one channel's readings (or aggregates) of a time window as CSV",
        epilog="example:\n  traceapp sensors export --channel oven3/temp "
        "--from 2026-11-30T12:00Z --to 2026-11-30T13:00Z --csv readings.csv",
    )
    export.add_argument("--channel", required=True, metavar="EQUIPMENT/CHANNEL")
    export.add_argument("--from", dest="start", required=True, metavar="ISO", help="from (incl.)")
    export.add_argument("--to", dest="end", required=True, metavar="ISO", help="to (excl.)")
    export.add_argument(
        "--csv", nargs="?", const="-", metavar="FILE", help="write CSV (to FILE, or stdout)"
    )
    export.add_argument("--aggregate", choices=("second", "minute"), help="aggregates, not raw")


def _iso(micros: int) -> str:
    return from_micros(micros).isoformat(timespec="microseconds").replace("+00:00", "Z")


@contextmanager
def _term_as_interrupt() -> Iterator[None]:
    """SIGTERM (a service manager stopping us) ends the recorder like Ctrl+C: after a flush.

    SIGINT is set too: a process started in the background by a non-interactive shell inherits
    SIGINT ignored, and Python then installs no Ctrl+C handler, so `kill -INT` did nothing."""

    def interrupt(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous_term = signal.signal(signal.SIGTERM, interrupt)
    previous_int = signal.signal(signal.SIGINT, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous_term)
        signal.signal(signal.SIGINT, previous_int)


def monitor_command(ctx: Context) -> int:
    args = ctx.args
    if not args.record:
        raise InvalidInput(
            "The command line records only.",
            hint="Add --record; the live charts are on the Live monitor page of the window.",
        )
    if args.period <= 0 or args.every <= 0:
        raise InvalidInput("--period and --every must be positive.", hint="e.g. --period 5")
    retention = None
    if args.retention_days is not None:
        if args.retention_days <= 0:
            raise InvalidInput("--retention-days must be positive.", hint="e.g. 30")
        retention = round(args.retention_days * 86_400 * MICROS)

    def event(line: str) -> None:
        if ctx.json:
            print(json.dumps({"event": line}), flush=True)
        else:
            print(f"{time.strftime('%H:%M:%S')}  {line}", flush=True)

    hold = _hold(ctx)
    with ctx.database() as engine:
        actor = ctx.login(engine)
        sensors.may_record(actor)
        recorder = sensors.Recorder(
            engine,
            args.source,
            retention_us=retention,
            default_period_us=round(args.period * MICROS),
            on_event=event,
        )
        # Condition review + live SPC of SPC-enabled channels, in a thread of its own
        watch = live_watch.LiveWatch(
            engine, actor, hold=hold, on_line=event, every_s=REVIEW_EVERY_S
        )
        started = time.monotonic()
        recorder.start()
        watch.start()
        try:
            with _term_as_interrupt():
                next_status = started + args.every
                while recorder.failed is None:
                    now = time.monotonic()
                    if args.seconds is not None and now - started >= args.seconds:
                        break
                    if now >= next_status:
                        _print_status(ctx, recorder.status())
                        next_status += args.every
                    time.sleep(0.1)
        except KeyboardInterrupt:
            event("stopping: writing what was received")
        finally:
            recorder.stop()
            watch.stop()  # and one last pass: what the last batch closed
        status = recorder.status()
    _print_status(ctx, status, final=True)
    return 0


def _print_status(ctx: Context, status: sensors.RecorderStatus, *, final: bool = False) -> None:
    if ctx.json:
        print(json.dumps({"status": asdict(status), "final": final}, default=str), flush=True)
        return
    rate = "" if final else f"{status.readings_per_s:,.0f} readings/s  "
    print(
        f"{time.strftime('%H:%M:%S')}  {'done: ' if final else ''}{rate}"
        f"{status.written:,} written  {status.channels} channels  "
        f"{status.open_gaps} open gaps ({status.gaps_recorded} recorded)  "
        f"source {status.state.value}  {status.bad_messages} bad messages"
        + (f"  {status.dropped} dropped" if status.dropped else "")
        + (
            f"  {status.backlog:,} waiting (oldest {status.lag_s:.1f} s)"
            if status.backlog and not final
            else ""
        ),
        flush=True,
    )


def channel_add_command(ctx: Context) -> int:
    args = ctx.args
    equipment, _, name = args.key.partition("/")
    limits = Limits(args.lsl, args.usl, args.lcl, args.ucl)
    if args.period <= 0:
        raise InvalidInput("--period must be positive.", hint="e.g. --period 5")
    with ctx.database() as engine:
        actor = ctx.login(engine)
        with UnitOfWork(engine) as uow:
            channel = sensors.add_channel(
                uow,
                actor=actor,
                site=args.site,
                equipment=equipment,
                name=name,
                quantity=args.quantity,
                unit=args.unit,
                limits=limits,
                expected_period_us=round(args.period * MICROS),
            )
    if ctx.json:
        print_json(channel)
    else:
        print(f"added channel {channel.site}/{channel.key} ({channel.unit})")
    return 0


def channel_list_command(ctx: Context) -> int:
    with ctx.database() as engine:
        actor = ctx.login(engine)
        with UnitOfWork(engine, write=False) as uow:
            found = sensors.list_channels(uow, actor=actor)
    if ctx.json:
        print_json(found)
        return 0
    rows = [
        (c.site, c.key, c.quantity, c.unit, c.limits.lsl, c.limits.usl, c.limits.lcl,
         c.limits.ucl, c.expected_period_us / MICROS)
        for c in found
    ]  # fmt: skip
    headers = ("site", "channel", "quantity", "unit", "LSL", "USL", "LCL", "UCL", "period s")
    print(table(headers, rows))
    return 0


def export_command(ctx: Context) -> int:
    args = ctx.args
    start, end = parse_time(args.start), parse_time(args.end)
    with ctx.database() as engine:
        actor = ctx.login(engine)
        with UnitOfWork(engine, write=False) as uow:
            result = sensors.export_readings(
                uow, actor=actor, channel=args.channel, start_us=start, end_us=end,
                aggregate=args.aggregate,
            )  # fmt: skip
    if args.csv is None and ctx.json:
        print_json(result)
        return 0
    if args.csv in (None, "-"):
        _write_csv(sys.stdout, result)
    else:
        with open(args.csv, "w", newline="", encoding="utf-8") as out:
            _write_csv(out, result)
        count = len(result.aggregates) if args.aggregate else len(result.readings)
        print(f"wrote {count} rows to {args.csv}", file=sys.stderr)
    return 0


def _write_csv(out: TextIO, result: sensors.ReadingExport) -> None:
    writer = csv.writer(out, lineterminator="\n")
    unit = result.channel.unit
    if result.aggregate is not None:
        writer.writerow(["start", "minimum", "mean", "maximum", "count", "unit"])
        for a in result.aggregates:
            writer.writerow([_iso(a.start_us), a.minimum, a.mean, a.maximum, a.count, unit])
    else:
        writer.writerow(["time", "value", "unit"])
        for time_us, value in result.readings:
            writer.writerow([_iso(time_us), value, unit])


def gaps_command(ctx: Context) -> int:
    args = ctx.args
    start = parse_time(args.start) if args.start else 0
    end = parse_time(args.end) if args.end else time.time_ns() // 1000
    with ctx.database() as engine:
        actor = ctx.login(engine)
        with UnitOfWork(engine, write=False) as uow:
            found = sensors.gaps_and_excursions(
                uow, actor=actor, channel=args.channel, start_us=start, end_us=end
            )
    if ctx.json:
        print_json(found)
        return 0
    print(f"gaps of {found.channel.key} (expected a reading every "
          f"{found.channel.expected_period_us / MICROS:g} s):")  # fmt: skip
    rows = [
        (_iso(g.start_us), "still silent" if g.end_us is None else _iso(g.end_us),
         "" if g.end_us is None else f"{(g.end_us - g.start_us) / MICROS:.1f}")
        for g in found.gaps
    ]  # fmt: skip
    print(
        table(("last reading", "next reading", "silent s"), rows, indent="  ") if rows else "  none"
    )
    print("excursions:")
    found_runs = [
        (e.kind.value, _iso(e.start_us), _iso(e.end_us), e.worst, e.count,
         "yes" if e.open else "no")
        for e in found.excursions
    ]  # fmt: skip
    headers = ("limits", "first outside", "last outside", "worst", "readings", "ongoing")
    print(table(headers, found_runs, indent="  ") if found_runs else "  none")
    return 0


# --- process conditions of lots -------------------------------------------------------------------


def _hold_options(parser: argparse.ArgumentParser) -> None:
    choice = parser.add_mutually_exclusive_group()
    choice.add_argument(
        "--hold",
        dest="hold",
        action="store_const",
        const=True,
        help="hold flagged lots for review (default: [monitoring] hold_on_excursion)",
    )
    choice.add_argument("--no-hold", dest="hold", action="store_const", const=False)


def _hold(ctx: Context) -> bool:
    """--hold / --no-hold, else settings.toml `[monitoring] hold_on_excursion` (default false)."""
    if ctx.args.hold is not None:
        return bool(ctx.args.hold)
    return hold_from_settings()


def conditions_command(ctx: Context) -> int:
    with ctx.database() as engine:
        actor = ctx.login(engine)
        with UnitOfWork(engine, write=False) as uow:
            found = conditions.lot_conditions(uow, actor=actor, code=ctx.args.lot)
    if ctx.json:
        print_json(
            {
                "lot": found.lot,
                "flagged": found.flagged,
                "residences": [
                    {"kind": r.kind.value, "place": r.place, "since": r.since, "until": r.until}
                    for r in found.residences
                ],
                "channels": sorted({w.channel.key for w in found.windows}),
                "excursions": [
                    {
                        "channel": e.channel.key,
                        "kind": e.kind.value,
                        "place": e.residence.label,
                        "start": _iso(e.start_us),
                        "end": _iso(e.end_us),
                        "worst": e.worst,
                        "limit": e.limit,
                        "unit": e.channel.unit,
                        "open": e.open,
                    }
                    for e in found.excursions
                ],
            }
        )
        return 0
    print(f"{found.lot}: {'FLAGGED' if found.flagged else 'not flagged'}")
    if not found.residences:
        print("  no monitored equipment or logger recorded for this lot")
        return 0
    for residence in found.residences:
        channels = sorted({w.channel.key for w in found.windows if w.residence == residence})
        print(
            f"  {residence.label}: {residence.since.isoformat()} to "
            f"{residence.until.isoformat()}  channels: {', '.join(channels) or 'none'}"
        )
    for excursion in sorted(found.excursions, key=lambda e: not e.flags):  # spec first
        kind = "SPEC" if excursion.flags else "control"
        print(f"  {kind:8} {excursion.describe()}")
    return 0


def review_command(ctx: Context) -> int:
    since = parse_instant(ctx.args.since) if ctx.args.since else None
    hold = _hold(ctx)
    with ctx.database() as engine:
        actor = ctx.login(engine)
        with UnitOfWork(engine) as uow:
            result = conditions.review(uow, actor=actor, hold=hold, since=since)
    _print_review(ctx, result)
    return 0


def _print_review(ctx: Context, result: FlagResult) -> None:
    if ctx.json:
        print_json({"flagged": list(result.flagged), "held": list(result.held)})
        return
    for line in result.flagged:
        print(f"flagged {line}")
    for name in result.held:
        print(f"held {name} for review")
    if not result.flagged:
        print("no lot newly flagged")


def _pairs(values: list[str], option: str, convert: Callable[[str], T]) -> dict[str, T]:
    found: dict[str, T] = {}
    for text in values:
        name, sep, value = text.partition("=")
        try:
            if not sep or not name.strip():
                raise ValueError
            found[name.strip()] = convert(value.strip())
        except ValueError:
            raise InvalidInput(
                f"--{option} {text!r} is not QUANTITY=VALUE.", hint=f"e.g. --{option} temperature=8"
            ) from None
    return found


def import_logger_command(ctx: Context) -> int:
    args = ctx.args
    if args.file == "-":
        text = sys.stdin.read()
    else:
        try:
            with open(args.file, encoding="utf-8") as source:
                text = source.read()
        except OSError as exc:
            raise InvalidInput(
                f"The logger file {args.file} cannot be read: {exc.strerror or exc}.",
                hint="Check the path.",
            ) from None
    units = _pairs(args.unit, "unit", str)
    bounds = {
        name: _pairs(getattr(args, name), name, float) for name in ("lsl", "usl", "lcl", "ucl")
    }
    quantities = set().union(*(b.keys() for b in bounds.values()))
    limits = {
        q: Limits(*(bounds[name].get(q) for name in ("lsl", "usl", "lcl", "ucl")))
        for q in quantities
    }
    hold = _hold(ctx)
    with ctx.database() as engine:
        actor = ctx.login(engine)
        with UnitOfWork(engine) as uow:
            result = conditions.import_logger(
                uow,
                actor=actor,
                shipment=args.shipment,
                logger=args.logger,
                text=text,
                units=units,
                limits=limits,
                hold=hold,
            )
    if ctx.json:
        print_json(
            {
                "shipment": result.shipment,
                "channels": [c.key for c in result.channels],
                "readings": result.readings,
                "from": _iso(result.start_us),
                "to": _iso(result.end_us),
                "flagged": list(result.review.flagged),
                "held": list(result.review.held),
            }
        )
        return 0
    print(
        f"imported {result.readings} readings of {', '.join(c.key for c in result.channels)} "
        f"from {_iso(result.start_us)} to {_iso(result.end_us)}, bound to shipment {result.shipment}"
    )
    _print_review(ctx, result.review)
    return 0


def bind_logger_command(ctx: Context) -> int:
    args = ctx.args
    start, end = parse_time(args.start), parse_time(args.end)
    hold = _hold(ctx)
    with ctx.database() as engine:
        actor = ctx.login(engine)
        with UnitOfWork(engine) as uow:
            result = conditions.bind_logger(
                uow, actor=actor, shipment=args.shipment, channel=args.channel,
                start_us=start, end_us=end, hold=hold,
            )  # fmt: skip
    if ctx.json:
        print_json(
            {
                "shipment": result.shipment,
                "channel": result.channel.key,
                "from": _iso(result.start_us),
                "to": _iso(result.end_us),
                "flagged": list(result.review.flagged),
                "held": list(result.review.held),
            }
        )
        return 0
    print(
        f"bound {result.channel.key} to shipment {result.shipment} from {_iso(result.start_us)} "
        f"to {_iso(result.end_us)}"
    )
    _print_review(ctx, result.review)
    return 0
