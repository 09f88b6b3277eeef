"""`traceapp sensors spc`: enable, change, disable or list SPC on live channels (the recorder evaluates them)."""

from __future__ import annotations

from traceapp.cli.context import Context
from traceapp.cli.output import print_json, table
from traceapp.cli.parsing import Parsers, Subparsers
from traceapp.db.uow import UnitOfWork
from traceapp.domain.errors import InvalidInput
from traceapp.domain.timeutil import parse_time
from traceapp.services import spc_live

_EPILOG = """\
The recorder (traceapp monitor --record, or the window's recorder) checks every channel with SPC
enabled every 5 s: the rules run over its last 600 complete per-second (or per-minute) means as an
individuals chart; a signal becomes an alarm on the Live monitor page (time, channel, rule), stored
once; signals whose windows touch extend the same alarm. With --hold, the lots PRODUCED on the
channel's equipment in an alarm's window are held by the system, naming the rule, once.

Limits: --phase1-from/--phase1-to (centre and sigma of that window's means), or --center and
--sigma, else the channel's control limits (LCL/UCL read as centre +- 3 sigma).

examples:
  traceapp sensors spc MIX1/temp --rules nelson --width second --hold
  traceapp sensors spc MIX1/temp --rules we --phase1-from 2026-11-30T08:00Z --phase1-to 2026-11-30T09:00Z
  traceapp sensors spc MIX1/temp --center 72 --sigma 0.4 --width minute
  traceapp sensors spc MIX1/temp --off
  traceapp sensors spc --list --json
"""


def register_sensors(sensors_sub: Subparsers, parsers: Parsers) -> None:
    """Add `spc` to the `traceapp sensors` commands."""
    spc = parsers.add(
        sensors_sub,
        "spc",
        spc_command,
        help="enable SPC on a live channel (rules, limits, hold); the recorder evaluates it",
        epilog=_EPILOG,
    )
    spc.add_argument("channel", nargs="?", metavar="EQUIPMENT/CHANNEL", help="e.g. MIX1/temp")
    spc.add_argument("--list", action="store_true", help="list the channels with an SPC setting")
    spc.add_argument("--off", action="store_true", help="disable SPC on the channel")
    spc.add_argument(
        "--rules", default="nelson", help="nelson, we, or a comma list such as N1,N2,WE3"
    )
    spc.add_argument(
        "--width", choices=("second", "minute"), default="second", help="the means the rules see"
    )
    spc.add_argument("--phase1-from", metavar="ISO", help="limits from this window's means")
    spc.add_argument("--phase1-to", metavar="ISO")
    spc.add_argument("--center", type=float, help="given centre (with --sigma)")
    spc.add_argument("--sigma", type=float, help="given sigma of one mean (with --center)")
    choice = spc.add_mutually_exclusive_group()
    choice.add_argument(
        "--hold", dest="hold", action="store_true", help="hold the lots made in a signal's window"
    )
    choice.add_argument("--no-hold", dest="hold", action="store_false")
    spc.set_defaults(hold=False)


def spc_command(ctx: Context) -> int:
    args = ctx.args
    if args.list:
        if args.channel or args.off:
            raise InvalidInput("--list takes no channel.", hint="traceapp sensors spc --list")
        return _list(ctx)
    if not args.channel:
        raise InvalidInput(
            "Name the channel.", hint="e.g. traceapp sensors spc MIX1/temp --rules nelson"
        )
    phase1 = None
    if args.phase1_from or args.phase1_to:
        if not (args.phase1_from and args.phase1_to):
            raise InvalidInput(
                "A phase-I window needs both ends.", hint="Give --phase1-from and --phase1-to."
            )
        phase1 = (parse_time(args.phase1_from), parse_time(args.phase1_to))
    with ctx.database() as engine:
        actor = ctx.login(engine)
        with UnitOfWork(engine) as uow:
            setting = spc_live.configure(
                uow,
                actor=actor,
                channel=args.channel,
                rules=args.rules,
                width=args.width,
                phase1=phase1,
                center=args.center,
                sigma=args.sigma,
                hold=args.hold,
                enabled=not args.off,
            )
    if ctx.json:
        print_json(_row(setting))
        return 0
    state = "enabled" if setting.enabled else "disabled"
    hold = "holds the lots made in a signal's window" if setting.hold else "does not hold lots"
    print(
        f"SPC {state} on {setting.channel.key}: rules {setting.rules} on {setting.width} means, "
        f"limits from {setting.limits_text}; {hold}."
    )
    return 0


def _list(ctx: Context) -> int:
    with ctx.database() as engine:
        actor = ctx.login(engine)
        with UnitOfWork(engine) as uow:
            found = spc_live.spc_settings(uow, actor=actor)
    if ctx.json:
        print_json([_row(s) for s in found])
        return 0
    if not found:
        print("No channel has SPC enabled.")
        return 0
    print(
        table(
            ("Channel", "State", "Rules", "Means", "Limits", "Hold", "Set by"),
            [
                (
                    s.channel.key,
                    "on" if s.enabled else "off",
                    s.rules,
                    s.width,
                    s.limits_text,
                    "yes" if s.hold else "no",
                    f"{s.set_by} {s.set_at:%Y-%m-%d %H:%M}Z",
                )
                for s in found
            ],
        )
    )
    return 0


def _row(setting: spc_live.SpcSetting) -> dict[str, object]:
    return {
        "channel": setting.channel.key,
        "enabled": setting.enabled,
        "rules": setting.rules,
        "width": setting.width,
        "limits": setting.limits_text,
        "phase1": None
        if setting.phase1 is None
        else [setting.phase1[0].isoformat(), setting.phase1[1].isoformat()],
        "center": setting.center,
        "sigma": setting.sigma,
        "hold": setting.hold,
        "set_by": setting.set_by,
        "set_at": setting.set_at.isoformat(),
    }
