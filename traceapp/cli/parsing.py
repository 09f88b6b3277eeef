"""Argument parsing shared by the command modules: global options and item syntax."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeAlias

from traceapp.cli.context import Context
from traceapp.domain.errors import InvalidInput
from traceapp.domain.quantity import Quantity

Handler = Callable[[Context], int]
# argparse names no public type for it; the alias is a string as the class is not generic at run time.
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def common_options() -> argparse.ArgumentParser:
    """Options every command takes, before or after the subcommand name."""
    # SUPPRESS keeps a subcommand's unset option from overwriting one given before it.
    common = argparse.ArgumentParser(add_help=False)
    group = common.add_argument_group("global options")
    group.add_argument(
        "--db",
        metavar="URL",
        default=argparse.SUPPRESS,
        help="database URL or SQLite file (else $TRACEAPP_DB, the settings file, the default file)",
    )
    group.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS,
        help="machine-readable JSON on stdout",
    )
    group.add_argument(
        "--station",
        metavar="CODE",
        default=argparse.SUPPRESS,
        help="the station (location code) where the step happens",
    )
    group.add_argument(
        "--user",
        metavar="NAME",
        default=argparse.SUPPRESS,
        help="log in as NAME for a command that changes data (else $TRACEAPP_USER); the password "
        "comes from $TRACEAPP_PASSWORD or is asked for",
    )
    return common


def add_sign_as(parser: argparse.ArgumentParser) -> None:
    """`--sign-as USER` for a decision a person answers for with an electronic signature."""
    parser.add_argument(
        "--sign-as",
        metavar="USER",
        help="sign as USER (default: the logged-in user); the password comes from "
        "$TRACEAPP_SIGN_PASSWORD or $TRACEAPP_PASSWORD, or is asked for",
    )


def changing_options() -> argparse.ArgumentParser:
    """Options of the handling steps, which record an event."""
    changing = argparse.ArgumentParser(add_help=False)
    group = changing.add_argument_group("event options")
    group.add_argument(
        "--event-id",
        metavar="UUID",
        help="the event's id; resubmitting the same id records the step only once",
    )
    group.add_argument(
        "--time", metavar="ISO", help="when it happened, e.g. 2026-03-01T08:00+01:00 (default: now)"
    )
    return changing


@dataclass(frozen=True)
class Parsers:
    common: argparse.ArgumentParser
    changing: argparse.ArgumentParser

    def add(
        self,
        sub: Subparsers,
        name: str,
        handler: Handler | None,
        *,
        help: str,
        step: bool = False,
        epilog: str | None = None,
    ) -> argparse.ArgumentParser:
        parents = [self.common, self.changing] if step else [self.common]
        parser: argparse.ArgumentParser = sub.add_parser(
            name,
            parents=parents,
            help=help,
            description=help[0].upper() + help[1:] + ".",
            epilog=epilog,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        if handler is not None:
            parser.set_defaults(handler=handler)
        return parser


def split_quantity(text: str, *, example: str) -> tuple[str, Quantity | None]:
    """'CODE=QTY' into the code and the parsed quantity; 'CODE' alone has none."""
    if "=" not in text:
        return text, None
    code, _, amount = text.rpartition("=")
    if not code.strip():
        raise InvalidInput(f"{text!r} names no lot or container.", hint=f"Write it as {example}.")
    return code.strip(), Quantity.parse(amount)


def split_required_quantity(text: str, *, example: str) -> tuple[str, Quantity]:
    """'CODE=QTY' where the quantity must be given."""
    code, amount = split_quantity(text, example=example)
    if amount is None:
        raise InvalidInput(f"{text!r} has no quantity.", hint=f"Write it as {example}.")
    return code, amount
