"""Build the parser, run one command, and turn errors into messages and exit codes."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import traceback
from collections.abc import Collection, Sequence

from sqlalchemy.exc import OperationalError

from traceapp import __version__
from traceapp.cli.context import Context, LoginRequired
from traceapp.cli.output import SafeStream, safe
from traceapp.cli.parsing import Parsers, changing_options, common_options
from traceapp.domain.errors import KnownError, NotFound, StorageError, StorageUnavailable
from traceapp.services.users import AccountLocked, LoginFailed

EXIT_OK = 0
EXIT_BROKEN = 1  # `audit verify`: the trail was tampered with (`code decode`: nothing found;
# `inspect`: recorded, and the lot failed)
EXIT_REFUSED = 2  # bad input or a refused action; argparse uses 2 for usage errors too
EXIT_NOT_FOUND = 3
EXIT_STORAGE = 4
EXIT_LOGIN = 5
EXIT_INTERNAL = 70  # EX_SOFTWARE from sysexits.h: a bug, with a traceback
EXIT_INTERRUPTED = 130

EPILOG = f"""\
exit codes:
  {EXIT_OK}    done
  {EXIT_BROKEN}    audit verify: the audit trail was changed behind the app's back; inspect: recorded,
       and the lot FAILED (nonconformance opened, lot on hold)
  {EXIT_REFUSED}    bad input or refused (wrong quantity, mass balance, lot not usable, usage error,
       your role may not do it)
  {EXIT_NOT_FOUND}    not found (unknown product, party, location, lot code or event)
  {EXIT_STORAGE}    the database cannot be reached, opened or refused the change
  {EXIT_LOGIN}    not logged in: no user or password given, wrong password, account locked,
       or a new database without its administrator password
  {EXIT_INTERNAL}   internal error (a bug: please report the traceback)
  {EXIT_INTERRUPTED}  interrupted (Ctrl-C)

With --json, results go to stdout as JSON: quantities as {{"value": "12.5", "unit": "kg"}}
(decimal strings), times in ISO 8601 with their UTC offset, ids as UUID strings. Errors go to
stderr and, with --json, also to stdout as {{"error": {{"code", "message", "hint"}}}}.

Logging in: every command that changes data (receive, produce, ..., product add, user add,
demo into a database that already has an administrator) runs as a user: --user NAME or
$TRACEAPP_USER, with the password from $TRACEAPP_PASSWORD or asked at the terminal. Reading
(lot, trace, code, label, db info, lists of master data) needs no login on a workstation;
`audit show` and `user list` do, and `audit verify` needs an auditor, supervisor, quality
manager or administrator. A new
database first needs the password of `admin`: from $TRACEAPP_ADMIN_PASSWORD, or asked twice at
the terminal; without either, nothing is created. New passwords (`user add`, `user passwd`)
come from $TRACEAPP_NEW_PASSWORD or are asked twice. Stored text is shown with control and
bidirectional-override characters escaped (\\u001b, \\u202e).

The database: --db URL, else $TRACEAPP_DB, else [database] url in the settings file
($TRACEAPP_CONFIG_DIR or the user config folder)/settings.toml, else traceapp.db in the user
data folder ($TRACEAPP_DATA_DIR overrides it).
"""


# Every command in the order `traceapp --help` lists them, with the module that registers it
# and its one-line help. main() imports only the module of the command given (its decoders,
# reports or sensor sources load for that command alone); the others stay one line of help.
# tests/cli/test_lazy_commands.py checks this table against what the modules register.
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("db", "db_commands", "migrate or describe the database"),
    ("product", "master_commands", "add or list products"),
    ("party", "master_commands", "add or list suppliers and customers"),
    ("location", "master_commands", "add or list sites, areas, stations, equipment"),
    ("receive", "step_commands", "receive a supplier's lot"),
    ("produce", "step_commands", "consume input lots into output lots"),
    ("pack", "step_commands", "pack lots or containers into a container"),
    ("unpack", "step_commands", "take lots or containers out of a container"),
    ("ship", "step_commands", "ship to a customer"),
    ("move", "step_commands", "move lots or containers"),
    ("correct", "step_commands", "declare an event an error and reverse it"),
    ("lot", "lot_commands", "show, list, hold, release or dispose of lots"),
    ("code", "code_commands", "read scanned codes"),
    (
        "trace",
        "trace_commands",
        "trace a lot, container or supplier lot to customers and back to suppliers",
    ),
    (
        "recall",
        "recall_commands",
        "run a recall drill: affected lots, customers, stock on site, FSMA 204 spreadsheet",
    ),
    ("label", "label_commands", "print lot, case and pallet labels"),
    (
        "demo",
        "demo_commands",
        "build a demo plant (products, suppliers, lots, production, shipments)",
    ),
    ("gui", "demo_commands", "open the desktop window"),
    ("user", "user_commands", "add, list or disable users, or change a password (logged in)"),
    ("audit", "audit_commands", "verify or show the audit trail (logged in, a role that reads it)"),
    ("spc", "spc_commands", "statistical process control from a CSV file or a live channel"),
    ("plan", "inspection_commands", "inspection plans: add a version, show them"),
    ("inspect", "inspection_commands", "record an inspection of a lot against its plan"),
    (
        "nonconformance",
        "nonconformance_commands",
        "nonconformances found by inspections: list, close",
    ),
    (
        "monitor",
        "sensor_commands",
        "record equipment sensor readings from MQTT, OPC UA or the simulator (headless)",
    ),
    ("sensors", "sensor_commands", "sensor channels and exports of their readings"),
    ("epcis", "epcis_commands", "GS1 EPCIS 2.0 export and import"),
    ("import", "import_commands", "import master data from a CSV or XLSX file"),
)


def build_parser(commands: Collection[str] | None = None) -> argparse.ArgumentParser:
    """The `traceapp` parser. `commands`: register only these commands' modules (the other
    commands are listed with their help but take no arguments); None: every module, as a
    script that wants the whole parser needs."""
    common = common_options()
    parsers = Parsers(common=common, changing=changing_options())
    parser = argparse.ArgumentParser(
        prog="traceapp",
        description="TraceApp: lot traceability for the factory floor, from a terminal.",
        epilog=EPILOG,
        parents=[common],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"traceapp {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    wanted = {module for name, module, _help in COMMANDS if commands is None or name in commands}
    registered: set[str] = set()
    for name, module, help_text in COMMANDS:
        if module not in wanted:
            # Listed in --help; its own options are parsed once the module is loaded.
            sub.add_parser(name, help=help_text, add_help=False)
        elif module not in registered:
            registered.add(module)
            importlib.import_module(f"traceapp.cli.{module}").register(sub, parsers)
    return parser


def parse(argv: Sequence[str] | None = None) -> tuple[argparse.ArgumentParser, argparse.Namespace]:
    """Parse the command line, importing only the module of the command it names."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    # First the outline (every command a name and a line of help): it answers --help and
    # --version and finds the command; then the command's own module parses the whole line.
    outline = build_parser(())
    found, _rest = outline.parse_known_args(arguments)
    command = getattr(found, "command", None)
    if command is None:
        return outline, outline.parse_args(arguments)
    parser = build_parser((command,))
    return parser, parser.parse_args(arguments)


def exit_code_for(error: KnownError) -> int:
    if isinstance(error, StorageUnavailable | StorageError):
        return EXIT_STORAGE
    if isinstance(error, NotFound):
        return EXIT_NOT_FOUND
    if isinstance(error, LoginRequired | LoginFailed | AccountLocked):
        return EXIT_LOGIN
    return EXIT_REFUSED


def _scrub(text: str, secrets: Sequence[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


def _report_error(ctx: Context, code: str, message: str, hint: str) -> None:
    secrets = ctx.secrets()
    message, hint = safe(_scrub(message, secrets)), safe(_scrub(hint, secrets))
    if ctx.json:
        error = {"code": code, "message": message, "hint": hint}
        print(json.dumps({"error": error}, ensure_ascii=False))
    print(f"error: {message}", file=sys.stderr)
    if hint:
        print(f"hint: {hint}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one `traceapp` command; returns the exit code (see the table in `--help`)."""
    parser, args = parse(argv)
    if getattr(args, "handler", None) is None:
        parser.print_help(sys.stderr)
        return EXIT_REFUSED
    ctx = Context(args)
    # Whatever a command prints, stored text cannot steer the terminal (escape sequences, bidi
    # overrides): the stream escapes them on the way out.
    real_stdout = sys.stdout
    sys.stdout = SafeStream(real_stdout)
    try:
        return _run(ctx, args)
    finally:
        sys.stdout = real_stdout


def _run(ctx: Context, args: argparse.Namespace) -> int:
    try:
        code: int = args.handler(ctx)
        sys.stdout.flush()
        return code
    except KnownError as exc:
        _report_error(ctx, exc.code, exc.message, exc.hint)
        return exit_code_for(exc)
    except OperationalError as exc:
        # The server went away mid-command: the outside world's fault, not a bug.
        _report_error(
            ctx,
            StorageUnavailable.code,
            f"The database connection failed: {exc.orig}",
            "Check the network or the database server, then try again.",
        )
        return EXIT_STORAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away; silence the flush Python would do at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:
        secrets = ctx.secrets()
        if ctx.json:
            error = {"code": "internal_error", "message": _scrub(str(exc), secrets), "hint": ""}
            print(json.dumps({"error": error}, ensure_ascii=False))
        print(f"internal error: {type(exc).__name__} (a bug; please report it)", file=sys.stderr)
        print(_scrub(traceback.format_exc(), secrets), file=sys.stderr, end="")
        return EXIT_INTERNAL
