"""`traceapp code parse|decode`: what a payload says, and which codes an image shows."""

from __future__ import annotations

from traceapp.cli.context import Context
from traceapp.cli.output import labelled, print_json
from traceapp.cli.parsing import Parsers, Subparsers
from traceapp.devices.decoding import LINEAR_FORMATS, MATRIX_FORMATS, DecodedCode, decode_image
from traceapp.domain.codes import normalize_separators, parse_code
from traceapp.domain.codes.errors import CodeError

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

    p = parsers.add(
        code_sub,
        "decode",
        decode_command,
        help="read the QR and Data Matrix codes in image files",
        epilog="Exit status: 0 when every image gave a code, 1 when one gave none, 2 when one is unreadable.",
    )
    p.add_argument("images", metavar="IMAGE", nargs="+", help="PNG, JPEG, WebP … files")
    p.add_argument(
        "--linear", action="store_true", help="also look for 1D barcodes (EAN, GS1-128 …)"
    )


EXIT_NOTHING_READ = 1


def decode_command(ctx: Context) -> int:
    formats = MATRIX_FORMATS | LINEAR_FORMATS if ctx.args.linear else MATRIX_FORMATS
    # Every file is read before anything is printed: an unreadable one stops the command whole.
    results = [(path, decode_image(path, formats=formats)) for path in ctx.args.images]
    report = [
        {"image": path, "codes": [_code_json(code) for code in codes]} for path, codes in results
    ]
    if ctx.json:
        print_json(report)
    else:
        for entry in report:
            print(f"{entry['image']}: {len(entry['codes']) or 'no'} code(s)")
            for code in entry["codes"]:
                kind = code["parsed"]["kind"] if code["parsed"] else "unparsed"
                print(
                    f"  {code['format']:<12} {code['symbology'] or '':<4} {kind:<20} {ascii(code['text'])[1:-1]}"
                )
    return EXIT_NOTHING_READ if any(not codes for _, codes in results) else 0


def _code_json(code: DecodedCode) -> dict[str, object]:
    try:
        parsed: dict[str, object] | None = dict(parse_code(code.scan_text).to_json_dict())
    except CodeError:
        parsed = None  # the symbol was read; its content is not a payload we recognise
    return {
        "format": code.format,
        "text": code.text,
        "symbology": code.symbology_identifier,
        "corners": [list(point) for point in code.corners],
        "decoder": code.decoder,
        "parsed": parsed,
    }


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
