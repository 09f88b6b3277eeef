"""`traceapp code parse`: what a scanned payload says (GS1, Digital Link, RFID EPC, internal)."""

from __future__ import annotations

from traceapp.cli.context import Context
from traceapp.cli.output import labelled, print_json
from traceapp.cli.parsing import Parsers, Subparsers
from traceapp.domain.codes import normalize_separators, parse_code

_SEPARATOR_HELP = (
    "A GS separator can be typed as <GS> or ^] (or passed as a real \\x1d, e.g. $'\\x1d' in bash)."
)


def register(sub: Subparsers, parsers: Parsers) -> None:
    group = parsers.add(sub, "code", None, help="read scanned codes")
    code_sub = group.add_subparsers(dest="code_command", metavar="COMMAND", required=True)
    p = parsers.add(
        code_sub,
        "parse",
        parse_command,
        help="the fields a scanned payload carries",
        epilog=_SEPARATOR_HELP,
    )
    p.add_argument(
        "payload", metavar="PAYLOAD", help="GS1 string, Digital Link URI, EPC hex or URI, tag UID"
    )
    p.add_argument(
        "--company-prefix-length",
        type=int,
        metavar="N",
        help="GS1 company prefix length, to derive the EPC URI of a GS1 label (never guessed)",
    )


def parse_command(ctx: Context) -> int:
    payload = normalize_separators(ctx.args.payload)
    parsed = parse_code(payload, company_prefix_length=ctx.args.company_prefix_length)
    if ctx.json:
        print_json(parsed.to_json_dict())
        return 0
    shown = {
        key: value for key, value in parsed.to_json_dict().items() if value not in (None, {}, "")
    }
    pairs: list[tuple[str, object]] = []
    for key, value in shown.items():
        if key == "payload":
            value = ascii(parsed.payload)[1:-1]  # make GS and other invisible characters visible
        elif isinstance(value, dict):
            value = (
                f"{value['value']} {value['unit']}"
                if set(value) == {"value", "unit"}
                else ", ".join(f"({ai}) {text}" for ai, text in value.items())
            )
        pairs.append((key.replace("_", " "), value))
    print(labelled(pairs))
    return 0
