"""`traceapp label lot|container CODE...`: print lot, case and pallet labels as PDF, PNG or ZPL."""

from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from traceapp.cli.context import Context
from traceapp.cli.output import print_json
from traceapp.cli.parsing import Parsers, Subparsers
from traceapp.db.uow import UnitOfWork
from traceapp.domain.errors import InvalidInput
from traceapp.reports.labels import (
    A4_2X7,
    A4_3X8,
    LABEL_4X6,
    LABEL_50X25,
    LABEL_70X37,
    LABEL_99X38,
    LABEL_100X50,
    LabelContent,
    LabelSize,
    SheetLayout,
    Symbology,
    render_pdf,
    render_png,
    render_zpl,
)
from traceapp.reports.labels.png import SUPPORTED_DPI
from traceapp.services.labels import container_label, lot_label

# What people type: millimetres (inches for the 4×6 in shipping label); sheets by page and grid.
SIZES: dict[str, LabelSize | SheetLayout] = {
    "100x50": LABEL_100X50,
    "50x25": LABEL_50X25,
    "4x6": LABEL_4X6,
    "99x38": LABEL_99X38,
    "70x37": LABEL_70X37,
    "a4-2x7": A4_2X7,
    "a4-3x8": A4_3X8,
}
DEFAULT_SIZE = "100x50"
FORMATS = ("pdf", "png", "zpl")

_EPILOG = f"""\
sizes: {", ".join(f"{name} ({target.name})" for name, target in SIZES.items())}.
The A4 sheets (a4-…) are PDF only: labels fill the sheet row by row, --skip leaves used slots.

Several CODEs: a PDF has one label per page (or fills the sheets), a ZPL file holds one format per
label, and PNG writes one file per label, numbered: --out label.png gives label-1.png, label-2.png
… (a single label is written to label.png itself). Nothing is written when any label fails.

--symbology datamatrix (default) prints a GS1 Data Matrix for GS1 content (GTIN or SSCC) and a
plain Data Matrix for an internal code; qr prints a GS1 Digital Link (https://id.gs1.org/…) or
the plain internal code."""


@dataclass(frozen=True, slots=True)
class _Label:
    code: str  # as given on the command line
    content: LabelContent


def register(sub: Subparsers, parsers: Parsers) -> None:
    group = parsers.add(sub, "label", None, help="print lot, case and pallet labels")
    label_sub = group.add_subparsers(dest="label_command", metavar="COMMAND", required=True)
    p = parsers.add(
        label_sub,
        "lot",
        lot_command,
        help="labels for lots: GTIN, lot, expiry and quantity (or PART/LOT without GTIN)",
        epilog=_EPILOG,
    )
    p.add_argument(
        "codes",
        metavar="CODE",
        nargs="+",
        help="PART/LOT, a unique lot code, a scanned GS1 label or a bound code",
    )
    _output_options(p)
    p = parsers.add(
        label_sub,
        "container",
        container_command,
        help="labels for cases and pallets: SSCC, and GTIN + count when one product is inside",
        epilog=_EPILOG,
    )
    p.add_argument(
        "codes", metavar="CODE", nargs="+", help="SSCC, a container code or a scanned SSCC label"
    )
    _output_options(p)


def _output_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--out", metavar="FILE", type=Path, required=True, help="the file to write (.pdf .png .zpl)"
    )
    p.add_argument(
        "--format", choices=FORMATS, help="pdf, png or zpl (default: from the --out suffix)"
    )
    p.add_argument("--size", choices=list(SIZES), default=DEFAULT_SIZE, help="label or sheet size")
    p.add_argument(
        "--symbology",
        choices=[s.value for s in Symbology],
        default=Symbology.DATA_MATRIX.value,
        help="datamatrix (GS1 Data Matrix, default) or qr (GS1 Digital Link)",
    )
    p.add_argument(
        "--dpi",
        type=int,
        choices=SUPPORTED_DPI,
        help="printer resolution for png (default 300) and zpl (default 203)",
    )
    p.add_argument(
        "--skip",
        type=int,
        default=0,
        metavar="N",
        help="A4 sheets: slots already used on the first sheet, counted row by row",
    )


def lot_command(ctx: Context) -> int:
    return _print_labels(ctx, lot_label)


def container_command(ctx: Context) -> int:
    return _print_labels(ctx, container_label)


def _print_labels(ctx: Context, make: Callable[[UnitOfWork, str], LabelContent]) -> int:
    args = ctx.args
    fmt = _format(args)
    target = SIZES[args.size]
    _check_options(args, fmt, target)
    with ctx.database() as engine, UnitOfWork(engine, write=False) as uow:
        labels = [_Label(code, make(uow, code)) for code in args.codes]
    symbology = Symbology(args.symbology)
    # Every label is rendered before anything is written: a label that does not fit, or a field
    # GS1 refuses, leaves no half-written output behind.
    outputs = _render(labels, fmt, target, symbology, args)
    for path, data in outputs:
        _write(path, data)
    files = [str(path) for path, _ in outputs]
    if ctx.json:
        per_label = files if len(files) == len(labels) else [files[0]] * len(labels)
        print_json(
            {
                "file": files[0] if len(files) == 1 else None,
                "files": files,
                "format": fmt,
                "size": args.size,
                "symbology": symbology.value,
                "labels": [
                    _label_json(label, symbology, file)
                    for label, file in zip(labels, per_label, strict=True)
                ],
            }
        )
    else:
        count = f"{len(labels)} label{'s' if len(labels) != 1 else ''}"
        print(f"Wrote {count} ({fmt}, {target.name}) to {', '.join(files)}.")
    return 0


def _format(args: argparse.Namespace) -> str:
    if args.format:
        chosen: str = args.format
        return chosen
    out: Path = args.out
    suffix = out.suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise InvalidInput(
            f"Cannot tell the label format from {str(args.out)!r}.",
            hint="Name the file .pdf, .png or .zpl, or give --format.",
        )
    return suffix


def _check_options(args: argparse.Namespace, fmt: str, target: LabelSize | SheetLayout) -> None:
    if isinstance(target, SheetLayout) and fmt != "pdf":
        raise InvalidInput(
            f"The A4 sheet {args.size} is printed as PDF, not {fmt}.",
            hint="Write a .pdf, or pick a label size such as 100x50 for PNG and ZPL.",
        )
    if args.dpi is not None and fmt == "pdf":
        raise InvalidInput(
            "--dpi applies to PNG and ZPL; a PDF is vector and prints at any resolution.",
            hint="Leave out --dpi, or write a .png or .zpl.",
        )
    if args.skip and not isinstance(target, SheetLayout):
        raise InvalidInput(
            "--skip applies to A4 sheets only.",
            hint="Give --size a4-2x7 or a4-3x8, or drop --skip.",
        )
    if args.skip < 0:
        raise InvalidInput(f"--skip must be 0 or more, not {args.skip}.")
    folder = args.out.parent
    if not folder.is_dir():
        raise InvalidInput(
            f"The folder {str(folder)!r} does not exist.", hint="Create it, or write elsewhere."
        )


def _render(
    labels: Sequence[_Label],
    fmt: str,
    target: LabelSize | SheetLayout,
    symbology: Symbology,
    args: argparse.Namespace,
) -> list[tuple[Path, bytes]]:
    contents = [label.content for label in labels]
    out: Path = args.out
    if fmt == "pdf":
        title = "Labels " + ", ".join(label.code for label in labels[:3])
        return [
            (
                out,
                render_pdf(
                    contents, target, symbology=symbology, first_slot=args.skip, title=title
                ),
            )
        ]
    assert isinstance(target, LabelSize)  # sheets were refused for PNG and ZPL
    dpi = {} if args.dpi is None else {"dpi": args.dpi}
    if fmt == "zpl":
        # One ^XA…^XZ format per label: a Zebra printer prints a stream of them in order.
        text = "".join(
            render_zpl(content, target, symbology=symbology, **dpi) for content in contents
        )
        return [(out, text.encode())]
    images = [render_png(content, target, symbology=symbology, **dpi) for content in contents]
    if len(images) == 1:
        return [(out, images[0])]
    return [
        (out.with_name(f"{out.stem}-{number}{out.suffix}"), image)
        for number, image in enumerate(images, start=1)
    ]


def _write(path: Path, data: bytes) -> None:
    """Write through a temporary file, so a printer spool never picks up half a label file."""
    folder = path.parent
    temporary: str | None = None
    try:
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except OSError as exc:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
        raise InvalidInput(
            f"Cannot write {str(path)!r}: {exc.strerror or exc}.",
            hint="Check the path and that you may write there.",
        ) from None


def _label_json(label: _Label, symbology: Symbology, file: str) -> dict[str, object]:
    content = label.content
    gs1 = content.gs1
    return {
        "code": label.code,
        "file": file,
        "kind": content.kind.value,
        "part_number": content.part_number,
        "gtin": content.gtin,
        "lot": content.lot,
        "expiry": content.expiry,
        "sscc": content.sscc,
        "net_weight": content.net_weight,
        "count": content.count,
        "internal_code": content.internal_code,
        "gs1": gs1.bracketed if gs1 else None,  # the HRI: "(01)…(10)…"
        "payload": content.payload(symbology),
    }
