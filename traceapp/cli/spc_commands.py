"""`traceapp spc chart|capability|live`: control charts and capability from a CSV file, rules on a live channel."""

from __future__ import annotations

import argparse
import csv
import math
from collections.abc import Sequence
from pathlib import Path

from traceapp.cli.context import Context
from traceapp.cli.output import labelled, print_json, table
from traceapp.cli.parsing import Parsers, Subparsers
from traceapp.config import load_settings, settings_path
from traceapp.db.uow import UnitOfWork
from traceapp.domain.errors import InvalidInput
from traceapp.domain.sensors import from_micros
from traceapp.domain.spc import charts
from traceapp.domain.spc.capability import Capability, WithinSigma, capability
from traceapp.domain.spc.charts import LIMIT_ONLY, Chart, ChartSet, ChartType
from traceapp.domain.spc.rules import Rule, parse_rules
from traceapp.domain.timeutil import parse_time
from traceapp.services import spc_live

MONITORING_SECTION = "monitoring"  # settings.toml, shared with `sensors review`
HOLD_SETTING = "hold_on_spc_signal"  # [monitoring] hold_on_spc_signal = true: spc live holds
_ATTRIBUTE = {ChartType.P, ChartType.NP, ChartType.C, ChartType.U}
_WITH_SIZE = {ChartType.P, ChartType.NP, ChartType.U}
_SUBGROUPED = {ChartType.XBAR_R, ChartType.XBAR_S}

_CHART_EPILOG = """\
CSV: a header row, then one row per measurement (variables charts) or per sample (p, np, c, u).
  xbar-r, xbar-s   --value COL --subgroup COL   (rows with one subgroup label form a subgroup)
  imr              --value COL                  (one value per row)
  p, np, u         --value COL --size COL       (count and sample size per row)
  c                --value COL                  (count per row)
  ewma, cusum      --value COL [--subgroup COL] (single values, or subgroup means)
Limits come from the phase-I subgroups (--phase1, default all) and apply to every point;
--center/--sigma give standard values instead (p, np, c, u: --center only, the centre line).
Without --rules only points beyond a control limit are reported (rule "limit"); EWMA and
CUSUM report only that (their points are not independent, so run rules do not apply).
Points are numbered from 1 in the order of the subgroups (or rows).

examples:
  traceapp spc chart --type xbar-r --csv rings.csv --value diameter --subgroup sample --phase1 1-25 --json
  traceapp spc chart --type p --csv juice.csv --value defective --size n --rules we
  traceapp spc chart --type cusum --csv conc.csv --value x --center 10 --sigma 1 --k 0.5 --h 5
"""

_CAPABILITY_EPILOG = """\
Cp, Cpl, Cpu, Cpk and Cpm use the within-subgroup sigma (R-bar/d2 by default, s-bar/c4 with
--within stddev; single values: moving range MR-bar/1.128); Pp, Ppk the overall standard
deviation. Intervals: chi-square for Cp, Bissell's approximation for Cpk, n = number of values.
The target for Cpm defaults to the middle of the specification.

example:
  traceapp spc capability --csv rings.csv --value diameter --subgroup sample --lsl 73.95 --usl 74.05 --json
"""


_LIVE_EPILOG = """\
The channel's per-minute (or per-second) means in [--from, --to) form an individuals chart.
Limits: from a phase-I window (--phase1-from/--phase1-to) when given, else the channel's control
limits (centre halfway between them, sigma a sixth of their distance), else the window itself.
Each signal names its rule, time and value; with --hold every lot that went into or came out of
a step on the channel's equipment during a signal's window is held by the system, naming the
rule and the channel. A rerun holds nothing twice.

example:
  traceapp spc live --channel MIX1/temp --from 2026-11-30T10:00Z --to 2026-11-30T11:00Z --rules we --hold --json
"""


def register(sub: Subparsers, parsers: Parsers) -> None:
    group = parsers.add(
        sub, "spc", None, help="statistical process control from a CSV file or a live channel"
    )
    spc_sub = group.add_subparsers(dest="spc_command", metavar="COMMAND", required=True)

    p = parsers.add(
        spc_sub,
        "chart",
        chart_command,
        help="control chart limits and violations",
        epilog=_CHART_EPILOG,
    )
    p.add_argument(
        "--type",
        required=True,
        choices=[kind.value for kind in ChartType],
        help="the chart",
    )
    _data_options(p)
    p.add_argument("--size", metavar="COL", help="sample size column (p, np, u charts)")
    p.add_argument("--center", type=float, metavar="X", help="standard centre instead of estimated")
    p.add_argument(
        "--sigma", type=float, metavar="S", help="standard process sigma instead of estimated"
    )
    p.add_argument(
        "--rules",
        metavar="SET",
        help="nelson, we (Western Electric), or a comma list such as N1,N2,WE3",
    )
    p.add_argument(
        "--lambda", dest="lam", type=float, default=0.2, metavar="LAMBDA", help="EWMA weight (0.2)"
    )
    p.add_argument(
        "--L", dest="width", type=float, default=3.0, metavar="L", help="EWMA limit width (3)"
    )
    p.add_argument("--k", type=float, default=0.5, help="CUSUM allowance in sigmas (0.5)")
    p.add_argument("--h", type=float, default=5.0, help="CUSUM decision interval in sigmas (5)")

    p = parsers.add(
        spc_sub,
        "capability",
        capability_command,
        help="process capability indices with confidence intervals",
        epilog=_CAPABILITY_EPILOG,
    )
    _data_options(p)
    p.add_argument(
        "--lsl", type=float, required=True, metavar="X", help="lower specification limit"
    )
    p.add_argument(
        "--usl", type=float, required=True, metavar="Y", help="upper specification limit"
    )
    p.add_argument(
        "--target", type=float, metavar="T", help="target for Cpm (default: mid-specification)"
    )
    p.add_argument(
        "--within",
        choices=[method.value for method in WithinSigma],
        default=WithinSigma.RANGE.value,
        help="within-subgroup sigma from the mean range or the mean standard deviation (range)",
    )
    p.add_argument(
        "--confidence", type=float, default=0.95, metavar="C", help="interval confidence (0.95)"
    )

    p = parsers.add(
        spc_sub,
        "live",
        live_command,
        help="run rules on a sensor channel's per-minute (or per-second) means; --hold holds lots",
        epilog=_LIVE_EPILOG,
    )
    p.add_argument("--channel", required=True, metavar="EQUIP/CHANNEL", help="e.g. MIX1/temp")
    p.add_argument("--from", dest="start", required=True, metavar="ISO", help="from (incl.)")
    p.add_argument("--to", dest="end", required=True, metavar="ISO", help="to (excl.)")
    p.add_argument(
        "--rules",
        metavar="SET",
        default="nelson",
        help="nelson (default), we, or a comma list such as N1,N2,WE3",
    )
    p.add_argument(
        "--width", choices=("minute", "second"), default="minute", help="bucket (minute)"
    )
    p.add_argument(
        "--phase1-from", metavar="ISO", help="phase-I window start (limits from its buckets)"
    )
    p.add_argument("--phase1-to", metavar="ISO", help="phase-I window end")
    choice = p.add_mutually_exclusive_group()
    choice.add_argument(
        "--hold",
        dest="hold",
        action="store_const",
        const=True,
        help="hold the lots on the channel's equipment during each signal's window, once "
        "(default: settings.toml [monitoring] hold_on_spc_signal)",
    )
    choice.add_argument("--no-hold", dest="hold", action="store_const", const=False)


def _data_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--csv", required=True, metavar="FILE", help="the CSV file (header row first)")
    p.add_argument("--value", required=True, metavar="COL", help="column of values (or counts)")
    p.add_argument("--subgroup", metavar="COL", help="column naming each row's subgroup")
    p.add_argument("--phase1", metavar="A-B", help="subgroups that set the limits, e.g. 1-25")


# --- reading ------------------------------------------------------------------------------------


def _read_rows(path: str, columns: Sequence[str]) -> list[dict[str, str]]:
    try:
        with Path(path).open(newline="", encoding="utf-8-sig") as stream:
            reader = csv.DictReader(stream)
            header = reader.fieldnames or []
            for column in columns:
                if column not in header:
                    raise InvalidInput(
                        f"{path} has no column {column!r} (columns: {', '.join(header) or 'none'}).",
                        hint="Name a column from the header row.",
                    )
            rows = list(reader)
    except OSError as exc:
        raise InvalidInput(
            f"Cannot read {path!r}: {exc.strerror or exc}.", hint="Check the file name."
        ) from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InvalidInput(
            f"{path} is not a readable CSV file: {exc}.", hint="Save it as UTF-8 CSV."
        ) from None
    if not rows:
        raise InvalidInput(f"{path} has no data rows.", hint="Give a header row and data rows.")
    return rows


def _number(row: dict[str, str], column: str, line: int) -> float:
    text = (row.get(column) or "").strip()
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise InvalidInput(
            f"Line {line}, column {column!r}: {text!r} is not a number.",
            hint="Give a plain number (decimal point, no units) in every row.",
        )
    return value


def _subgroups(rows: list[dict[str, str]], value: str, subgroup: str | None) -> list[list[float]]:
    """Values grouped by subgroup label in order of first appearance; one per row without labels."""
    if subgroup is None:
        return [[_number(row, value, line)] for line, row in enumerate(rows, start=2)]
    groups: dict[str, list[float]] = {}
    for line, row in enumerate(rows, start=2):
        label = (row.get(subgroup) or "").strip()
        if not label:
            raise InvalidInput(
                f"Line {line} has no subgroup in column {subgroup!r}.", hint="Label every row."
            )
        groups.setdefault(label, []).append(_number(row, value, line))
    return list(groups.values())


def _phase1(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    first, dash, last = text.partition("-")
    try:
        bounds = (int(first), int(last)) if dash else (int(first), int(first))
    except ValueError:
        raise InvalidInput(
            f"--phase1 {text!r} is not a range of subgroup numbers.", hint="Write it as 1-25."
        ) from None
    return bounds


# --- chart --------------------------------------------------------------------------------------


def _build_chart(ctx: Context) -> tuple[ChartSet, tuple[Rule, ...]]:
    args = ctx.args
    kind = ChartType(args.type)
    if kind in _WITH_SIZE and args.size is None:
        raise InvalidInput(
            f"A {kind.value} chart needs --size COL (the sample size of each row).",
            hint="Name the column of sample sizes.",
        )
    if kind not in _WITH_SIZE and args.size is not None:
        raise InvalidInput(
            f"A {kind.value} chart takes no --size.",
            hint="Leave --size out (it is for p, np and u charts).",
        )
    if kind in _SUBGROUPED and args.subgroup is None:
        raise InvalidInput(
            f"An {kind.value} chart needs --subgroup COL.",
            hint="Name the column that says which subgroup each row belongs to.",
        )
    if (kind in _ATTRIBUTE or kind is ChartType.IMR) and args.subgroup is not None:
        raise InvalidInput(
            f"A {kind.value} chart takes no --subgroup: each row is one point.",
            hint="Leave --subgroup out.",
        )
    columns = [c for c in (args.value, args.subgroup, args.size) if c is not None]
    rows = _read_rows(args.csv, columns)
    phase1 = _phase1(args.phase1)
    standard = {"phase1": phase1, "center": args.center, "sigma": args.sigma}
    rules: tuple[Rule, ...] = (Rule.LIMIT,)
    if args.rules is not None and kind not in LIMIT_ONLY:
        rules = parse_rules(args.rules)
    elif args.rules is not None:
        parse_rules(args.rules)  # a typo is still an error
    groups = _subgroups(rows, args.value, args.subgroup)
    if kind in _ATTRIBUTE:
        counts = [group[0] for group in groups]
        sizes = (
            None
            if args.size is None
            else [_number(row, args.size, line) for line, row in enumerate(rows, start=2)]
        )
        if kind is ChartType.P:
            assert sizes is not None
            return charts.p_chart(counts, sizes, **standard), rules
        if kind is ChartType.NP:
            assert sizes is not None
            return charts.np_chart(counts, sizes, **standard), rules
        if kind is ChartType.U:
            assert sizes is not None
            return charts.u_chart(counts, sizes, **standard), rules
        return charts.c_chart(counts, **standard), rules
    if kind is ChartType.XBAR_R:
        return charts.xbar_r(groups, **standard), rules
    if kind is ChartType.XBAR_S:
        return charts.xbar_s(groups, **standard), rules
    if kind is ChartType.IMR:
        return charts.individuals([group[0] for group in groups], **standard), rules
    if kind is ChartType.EWMA:
        return charts.ewma(groups, lam=args.lam, width=args.width, **standard), rules
    return charts.cusum(groups, k=args.k, h=args.h, **standard), rules


def _per_point(values: tuple[float | None, ...]) -> float | list[float | None] | None:
    """One number when a limit is the same at every point, else the list."""
    if len(set(values)) <= 1:
        return values[0] if values else None
    return list(values)


def _chart_json(chart: Chart, rules: Sequence[Rule]) -> dict[str, object]:
    return {
        "name": chart.name,
        "center": chart.center,
        "lcl": _per_point(chart.lcl),
        "ucl": _per_point(chart.ucl),
        "points": list(chart.points),
        "statistic": list(chart.statistic),
        "violations": [{"rule": v.rule.value, "point": v.point} for v in chart.violations(rules)],
    }


def chart_command(ctx: Context) -> int:
    result, rules = _build_chart(ctx)
    args = ctx.args
    parameters: dict[str, float] = {}
    if result.kind is ChartType.EWMA:
        parameters = {"lambda": args.lam, "L": args.width}
    elif result.kind is ChartType.CUSUM:
        assert result.sigma is not None
        sigma_x = result.sigma / math.sqrt(result.subgroup_size or 1)
        parameters = {"k": args.k, "h": args.h, "K": args.k * sigma_x, "H": args.h * sigma_x}
    report: dict[str, object] = {
        "type": result.kind.value,
        "phase1": {"first": result.phase1[0], "last": result.phase1[1]},
        "mean": result.mean,
        "sigma": result.sigma,
        "standard": {"center": result.standard_center, "sigma": result.standard_sigma},
        "subgroup_size": result.subgroup_size,
        "rules": [rule.value for rule in rules],
        "parameters": parameters,
        "charts": [_chart_json(chart, rules) for chart in result.charts],
    }
    report["violations"] = [
        {"chart": chart.name, "rule": v.rule.value, "point": v.point}
        for chart in result.charts
        for v in chart.violations(rules)
    ]
    if ctx.json:
        print_json(report)
        return 0
    _print_chart(result, rules, parameters)
    return 0


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.6g}"


def _print_chart(result: ChartSet, rules: Sequence[Rule], parameters: dict[str, float]) -> None:
    estimated = (
        "standard values" if result.standard_center or result.standard_sigma else "estimated"
    )
    pairs: list[tuple[str, object]] = [
        ("chart", result.kind.value),
        ("phase I", f"{result.phase1[0]}-{result.phase1[1]} ({estimated})"),
        ("mean", _fmt(result.mean)),
    ]
    if result.sigma is not None:
        pairs.append(("sigma", _fmt(result.sigma)))
    pairs.extend((name, _fmt(value)) for name, value in parameters.items())
    pairs.append(("rules", ", ".join(rule.value for rule in rules)))
    print(labelled(pairs))
    for chart in result.charts:
        violations = chart.violations(rules)
        flags: dict[int, list[str]] = {}
        for violation in violations:
            flags.setdefault(violation.point, []).append(violation.rule.value)
        lcl, ucl = _per_point(chart.lcl), _per_point(chart.ucl)
        print()
        print(
            f"{chart.name}: centre {_fmt(chart.center)}, "
            f"LCL {_fmt(lcl) if not isinstance(lcl, list) else 'per point'}, "
            f"UCL {_fmt(ucl) if not isinstance(ucl, list) else 'per point'}"
        )
        rows = [
            (point, _fmt(value), _fmt(low), _fmt(high), " ".join(flags.get(point, [])))
            for point, value, low, high in zip(
                chart.points, chart.statistic, chart.lcl, chart.ucl, strict=True
            )
        ]
        print(table(["point", chart.name, "LCL", "UCL", "violations"], rows, indent="  "))
        count = len(violations)
        print(f"  {count} violation(s)" if count else "  no violations")


# --- capability ---------------------------------------------------------------------------------


def _capability_json(result: Capability) -> dict[str, object]:
    return {
        "observations": result.observations,
        "subgroups": result.subgroups,
        "subgroup_size": result.subgroup_size,
        "phase1": {"first": result.phase1[0], "last": result.phase1[1]},
        "mean": result.mean,
        "sigma_within": result.sigma_within,
        "sigma_within_method": result.within_method.value,
        "sigma_overall": result.sigma_overall,
        "lsl": result.lsl,
        "usl": result.usl,
        "target": result.target,
        "cp": result.cp,
        "cpl": result.cpl,
        "cpu": result.cpu,
        "cpk": result.cpk,
        "cpm": result.cpm,
        "pp": result.pp,
        "ppl": result.ppl,
        "ppu": result.ppu,
        "ppk": result.ppk,
        "confidence": result.confidence,
        "cp_interval": {"low": result.cp_interval.low, "high": result.cp_interval.high},
        "cpk_interval": {"low": result.cpk_interval.low, "high": result.cpk_interval.high},
    }


def capability_command(ctx: Context) -> int:
    args = ctx.args
    if args.subgroup is None:
        raise InvalidInput(
            "Capability needs --subgroup COL (the within-subgroup sigma comes from it).",
            hint="Name the subgroup column; for single values give each row its own label.",
        )
    rows = _read_rows(args.csv, [args.value, args.subgroup])
    result = capability(
        _subgroups(rows, args.value, args.subgroup),
        lsl=args.lsl,
        usl=args.usl,
        target=args.target,
        phase1=_phase1(args.phase1),
        within=WithinSigma(args.within),
        confidence=args.confidence,
    )
    if ctx.json:
        print_json(_capability_json(result))
        return 0
    level = f"{result.confidence:.0%}"
    print(
        labelled(
            [
                (
                    "values",
                    f"{result.observations} in {result.subgroups} subgroups of {result.subgroup_size}",
                ),
                ("phase I", f"{result.phase1[0]}-{result.phase1[1]}"),
                ("mean", _fmt(result.mean)),
                (f"sigma within ({result.within_method.value})", _fmt(result.sigma_within)),
                ("sigma overall", _fmt(result.sigma_overall)),
                (
                    "LSL / target / USL",
                    f"{_fmt(result.lsl)} / {_fmt(result.target)} / {_fmt(result.usl)}",
                ),
            ]
        )
    )
    print()
    indices = [
        ("Cp", f"{result.cp:.4f}", f"{result.cp_interval.low:.4f} - {result.cp_interval.high:.4f}"),
        ("Cpl", f"{result.cpl:.4f}", ""),
        ("Cpu", f"{result.cpu:.4f}", ""),
        (
            "Cpk",
            f"{result.cpk:.4f}",
            f"{result.cpk_interval.low:.4f} - {result.cpk_interval.high:.4f}",
        ),
        ("Cpm", f"{result.cpm:.4f}", ""),
        ("Pp", f"{result.pp:.4f}", ""),
        ("Ppk", f"{result.ppk:.4f}", ""),
    ]
    print(table(["index", "value", f"{level} interval"], indices, indent="  "))
    return 0


# --- live channels ------------------------------------------------------------------------------


def live_command(ctx: Context) -> int:
    args = ctx.args
    rules = parse_rules(args.rules)
    start, end = parse_time(args.start), parse_time(args.end)
    phase1 = None
    if args.phase1_from or args.phase1_to:
        if not (args.phase1_from and args.phase1_to):
            raise InvalidInput(
                "A phase-I window needs both ends.", hint="Give --phase1-from and --phase1-to."
            )
        phase1 = (parse_time(args.phase1_from), parse_time(args.phase1_to))
    hold = _live_hold(args.hold)
    with ctx.database() as engine:
        actor = ctx.login(engine)
        with UnitOfWork(engine) as uow:
            result = spc_live.evaluate(
                uow,
                actor=actor,
                channel=args.channel,
                start=start,
                end=end,
                rules=rules,
                width=args.width,
                phase1=phase1,
                hold=hold,
            )
    limits = result.limits
    report: dict[str, object] = {
        "channel": result.channel.key,
        "unit": result.channel.unit,
        "width": result.width,
        "points": result.points,
        "rules": [rule.value for rule in rules],
        "limits": {
            "center": limits.center,
            "sigma": limits.sigma,
            "lcl": limits.lcl,
            "ucl": limits.ucl,
            "source": limits.source,
        },
        "alarm": bool(result.signals),
        "signals": [
            {
                "rule": s.rule.value,
                "time": _iso(s.time_us),
                "value": s.value,
                "window": {"from": _iso(s.window_start_us), "to": _iso(s.window_end_us)},
            }
            for s in result.signals
        ],
        "held": [h.lot for h in result.held if not h.replayed],
        "already_held": [h.lot for h in result.held if h.replayed],
        "not_held": list(result.not_held),
    }
    if ctx.json:
        print_json(report)
        return 0
    print(
        f"{result.channel.key}: {result.points} {result.width} means, centre {limits.center:.6g}, "
        f"limits {limits.lcl:.6g} to {limits.ucl:.6g} ({limits.source})"
    )
    if not result.signals:
        print("no signal")
    else:
        print(f"ALARM: {len(result.signals)} signal(s)")
        print(
            table(
                ["rule", "time", "value"],
                [[s.rule.value, _iso(s.time_us), f"{s.value:.6g}"] for s in result.signals],
            )
        )
    for entry in result.held:
        print(f"{'already held' if entry.replayed else 'held'} {entry.lot} ({entry.rule})")
    for line in result.not_held:
        print(f"not held {line}")
    return 0


def _live_hold(given: bool | None) -> bool:
    """--hold / --no-hold, else settings.toml `[monitoring] hold_on_spc_signal` (default false)."""
    if given is not None:
        return given
    path = settings_path()
    section = load_settings(path).get(MONITORING_SECTION, {})
    value = section.get(HOLD_SETTING, False) if isinstance(section, dict) else None
    if not isinstance(value, bool):
        raise InvalidInput(
            f"In the settings file {path}, [{MONITORING_SECTION}] {HOLD_SETTING} must be true "
            "or false.",
            hint=f"Write {HOLD_SETTING} = true (or false) under [{MONITORING_SECTION}].",
        )
    return value


def _iso(micros: int) -> str:
    return from_micros(micros).isoformat().replace("+00:00", "Z")
