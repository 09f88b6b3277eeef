"""`traceapp user add|list|disable|passwd`: the people who may use TraceApp."""

from __future__ import annotations

import os

from traceapp.cli.context import Context, ask_new_password, interactive
from traceapp.cli.output import print_json, show, table
from traceapp.cli.parsing import Parsers, Subparsers
from traceapp.db.uow import UnitOfWork
from traceapp.domain.errors import InvalidInput
from traceapp.domain.permissions import Role
from traceapp.services import users

ENV_NEW_PIN = "TRACEAPP_NEW_PIN"
ROLES = tuple(role.value for role in Role if role is not Role.SYSTEM)


def register(sub: Subparsers, parsers: Parsers) -> None:
    group = parsers.add(
        sub,
        "user",
        None,
        help="add, list or disable users, or change a password (logged in)",
        epilog=(
            "A new password comes from $TRACEAPP_NEW_PASSWORD or is typed twice at the terminal;\n"
            "a badge's PIN from $TRACEAPP_NEW_PIN or typed twice. Adding and disabling users and\n"
            "setting another user's password needs an administrator."
        ),
    )
    user_sub = group.add_subparsers(dest="user_command", metavar="COMMAND", required=True)
    add = parsers.add(user_sub, "add", add_command, help="add a user (administrators)")
    add.add_argument("name", metavar="NAME", help="the login name: letters, digits, '.', '-', '_'")
    add.add_argument("--full-name", required=True, help="the name printed with signatures")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--badge", metavar="CODE", help="the badge code for badge + PIN login")
    parsers.add(user_sub, "list", list_command, help="list users")
    disable = parsers.add(
        user_sub, "disable", disable_command, help="disable a user who left (administrators)"
    )
    disable.add_argument("name", metavar="NAME")
    disable.add_argument("--reason", required=True)
    passwd = parsers.add(
        user_sub,
        "passwd",
        passwd_command,
        help="change your own password, or (administrators) another user's",
    )
    passwd.add_argument("name", metavar="NAME", nargs="?", help="whose password (default: yours)")


def _new_pin() -> str:
    value = os.environ.get(ENV_NEW_PIN)
    if value:
        return value
    if not interactive():
        raise InvalidInput(
            f"A badge needs a PIN: {ENV_NEW_PIN} is not set and there is no terminal to ask at.",
            hint=f"Set {ENV_NEW_PIN}, or run the command interactively.",
        )
    return ask_new_password("the badge (PIN, digits)")


def add_command(ctx: Context) -> int:
    args = ctx.args
    with ctx.database() as engine:
        actor = ctx.login(engine)
        password = ctx.new_password(args.name)
        pin = _new_pin() if args.badge is not None else None
        with UnitOfWork(engine) as uow:
            made = users.add_user(
                uow,
                actor=actor,
                username=args.name,
                full_name=args.full_name,
                role=args.role,
                password=password,
                badge=args.badge,
                pin=pin,
            )
    if ctx.json:
        print_json(made)
    else:
        print(f"Added user {made.username} ({show(made.full_name)}, {made.role}).")
    return 0


def list_command(ctx: Context) -> int:
    with ctx.database() as engine:
        actor = ctx.login(engine)
        with UnitOfWork(engine, write=False) as uow:
            found = users.list_users(uow, actor=actor)
    if ctx.json:
        print_json(found)
        return 0
    rows = [
        (
            person.username,
            person.full_name,
            person.role,
            "yes" if person.active else "no",
            "yes" if person.has_badge else "no",
            person.locked_until,
        )
        for person in found
    ]
    print(table(["USER", "NAME", "ROLE", "ACTIVE", "BADGE", "LOCKED UNTIL"], rows))
    return 0


def disable_command(ctx: Context) -> int:
    args = ctx.args
    with ctx.database() as engine:
        actor = ctx.login(engine)
        with UnitOfWork(engine) as uow:
            done = users.disable_user(uow, actor=actor, username=args.name, reason=args.reason)
    if ctx.json:
        print_json(done)
    else:
        print(f"Disabled user {done.username}: they can no longer log in.")
    return 0


def passwd_command(ctx: Context) -> int:
    args = ctx.args
    with ctx.database() as engine:
        actor = ctx.login(engine)
        whose = (args.name or actor.username).strip().lower()
        password = ctx.new_password(whose)
        with UnitOfWork(engine) as uow:
            users.change_password(uow, actor=actor, username=whose, new_password=password)
    if ctx.json:
        print_json({"username": whose, "changed": True})
    else:
        print(f"Password of {whose} changed.")
    return 0
