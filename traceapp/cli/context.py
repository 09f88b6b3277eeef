"""What every command needs: the parsed options, the resolved database, the acting user."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Engine

from traceapp.config import DatabaseSetting, resolve_database
from traceapp.db.engine import parse_url
from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.errors import AlreadyExists, InvalidInput, KnownError, StorageUnavailable
from traceapp.domain.timeutil import parse_time
from traceapp.services import users
from traceapp.services.database import open_database
from traceapp.services.signatures import Meaning, SignatureSummary, sign

ENV_USER = "TRACEAPP_USER"
ENV_PASSWORD = "TRACEAPP_PASSWORD"
ENV_ADMIN_PASSWORD = "TRACEAPP_ADMIN_PASSWORD"
ENV_NEW_PASSWORD = "TRACEAPP_NEW_PASSWORD"
ENV_SIGN_PASSWORD = "TRACEAPP_SIGN_PASSWORD"
LOGIN_HINT = (
    f"Pass --user NAME (the password is asked for), or set {ENV_USER} and {ENV_PASSWORD} "
    "for scripts."
)
NO_ADMIN_PASSWORD = (
    "This database has no administrator password yet. "
    f"Set {ENV_ADMIN_PASSWORD} (or run interactively) to create it."
)


class LoginRequired(KnownError):
    """The command changes data (or reads the audit trail) and nobody logged in."""

    code = "login_required"


def interactive() -> bool:
    """A person at a terminal who can be asked (a script or a test is not)."""
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def _env(name: str) -> str | None:
    value = os.environ.get(name)
    return value if value else None


def ask_new_password(what: str) -> str:
    """A new password typed twice at the terminal; refused when the two differ."""
    first = getpass.getpass(f"New password for {what}: ")
    second = getpass.getpass("Type it again: ")
    if first != second:
        raise InvalidInput("The two passwords differ.", hint="Nothing was changed; try again.")
    return first


@dataclass
class Context:
    args: argparse.Namespace
    _setting: DatabaseSetting | None = field(default=None, init=False)
    _actor: Actor | None = field(default=None, init=False)
    _typed: list[str] = field(default_factory=list, init=False)
    _signer: tuple[str, str] | None = field(default=None, init=False)

    @property
    def json(self) -> bool:
        return bool(getattr(self.args, "json", False))

    @property
    def station(self) -> str | None:
        station: str | None = getattr(self.args, "station", None)
        return station

    @property
    def explicit_db(self) -> str | None:
        """The `--db` value, when one was given on the command line."""
        db: str | None = getattr(self.args, "db", None)
        return db

    @property
    def setting(self) -> DatabaseSetting:
        if self._setting is None:
            self._setting = resolve_database(self.explicit_db)
        return self._setting

    @property
    def user(self) -> str | None:
        """The user named by --user, else $TRACEAPP_USER."""
        named: str | None = getattr(self.args, "user", None)
        return named or _env(ENV_USER)

    def secrets(self) -> list[str]:
        """Passwords that must never reach the terminal (scrubbed from error output)."""
        found = [text for text in self._typed if text]
        for name in (ENV_PASSWORD, ENV_ADMIN_PASSWORD, ENV_NEW_PASSWORD, ENV_SIGN_PASSWORD):
            value = _env(name)
            if value is not None and len(value) >= 4:
                found.append(value)
        if self._setting is None:
            return found
        try:
            password = parse_url(self._setting.url).password
        except InvalidInput:
            return found
        return [*found, str(password)] if password else found

    @contextmanager
    def database(self, url: str | None = None) -> Iterator[Engine]:
        """The migrated database (built-in users present), disposed when the command ends."""
        chosen = url or self.setting.url
        try:
            engine, _ = open_database(chosen)
        except (InvalidInput, StorageUnavailable) as exc:
            if url is None:
                exc.hint = f"{exc.hint} The URL came from {self.setting.describe()}.".strip()
            raise
        try:
            yield engine
        finally:
            engine.dispose()

    def actor(self, uow: UnitOfWork) -> Actor:
        """The logged-in user (see `login`). Prefer `login(engine)` before opening the unit of
        work that changes data, so no prompt waits while a write transaction is open."""
        return self.login(uow.engine)

    def login(self, engine: Engine) -> Actor:
        """Log in for real: --user or $TRACEAPP_USER, password from $TRACEAPP_PASSWORD or asked.

        A new database first gets its administrator password ($TRACEAPP_ADMIN_PASSWORD or asked
        twice). Without a terminal to ask at, a missing name or password is refused.
        """
        if self._actor is not None:
            return self._actor
        self.ensure_admin_password(engine)
        username = self.user
        if username is None:
            if not interactive():
                raise LoginRequired("This command needs a logged-in user.", hint=LOGIN_HINT)
            username = input("User: ").strip()
        password = self.password(f"Password for {username}: ", env=(ENV_PASSWORD,))
        with UnitOfWork(engine) as uow:
            self._actor = users.authenticate(
                uow, username=username, password=password, station=self.station
            )
        return self._actor

    def password(self, prompt: str, *, env: tuple[str, ...]) -> str:
        """A password from the first set variable of `env`, else asked at the terminal."""
        for name in env:
            value = _env(name)
            if value is not None:
                return value
        if not interactive():
            raise LoginRequired(
                f"No password given and no terminal to ask for it ({env[0]} is not set).",
                hint=LOGIN_HINT,
            )
        typed = getpass.getpass(prompt)
        self._typed.append(typed)
        return typed

    def new_password(self, what: str) -> str:
        """A password being set: $TRACEAPP_NEW_PASSWORD, else typed twice at the terminal."""
        value = _env(ENV_NEW_PASSWORD)
        if value is not None:
            return value
        if not interactive():
            raise InvalidInput(
                f"No new password for {what}: {ENV_NEW_PASSWORD} is not set and there is no "
                "terminal to ask at.",
                hint=f"Set {ENV_NEW_PASSWORD}, or run the command interactively.",
            )
        typed = ask_new_password(what)
        self._typed.append(typed)
        return typed

    def ensure_admin_password(self, engine: Engine) -> None:
        """First start: a new database's `admin` gets its password before anyone logs in."""
        with UnitOfWork(engine, write=False) as uow:
            if not users.admin_needs_password(uow):
                return
        password = _env(ENV_ADMIN_PASSWORD)
        if password is None:
            if not interactive():
                raise LoginRequired(
                    NO_ADMIN_PASSWORD, hint=f"For example: {ENV_ADMIN_PASSWORD}=... traceapp ..."
                )
            print(
                "This database has no administrator yet: choose the password of `admin`.",
                file=sys.stderr,
            )
            password = ask_new_password("admin")
            self._typed.append(password)
        with UnitOfWork(engine) as uow:
            try:
                users.set_first_admin_password(uow, password=password)
            except AlreadyExists:
                return  # another workstation set it a moment ago: log in as usual

    def signature(
        self,
        uow: UnitOfWork,
        *,
        meaning: Meaning,
        record_type: str,
        record_id: str,
        content: dict[str, object],
    ) -> SignatureSummary:
        """Sign a record as --sign-as USER (default: the logged-in user), with that user's
        password from $TRACEAPP_SIGN_PASSWORD, else $TRACEAPP_PASSWORD, else asked.

        For decisions a person answers for (release, reject, ...). Call `signer()` before
        opening the unit of work, so the prompt does not wait inside a transaction.
        """
        signer, password = self.signer()
        return sign(
            uow,
            signer=signer,
            password=password,
            meaning=meaning,
            record_type=record_type,
            record_id=record_id,
            content=content,
        )

    def signer(self) -> tuple[str, str]:
        """Who signs and the password they confirm it with (asked once per command)."""
        named: str | None = getattr(self.args, "sign_as", None)
        signer = named or self.user
        if signer is None:
            raise LoginRequired("A signature needs the signer's name.", hint="Pass --sign-as USER.")
        if self._signer is not None and self._signer[0] == signer:
            return self._signer
        password = self.password(
            f"Password of {signer} to sign: ", env=(ENV_SIGN_PASSWORD, ENV_PASSWORD)
        )
        self._signer = (signer, password)
        return signer, password

    @property
    def event_id(self) -> uuid.UUID | None:
        text: str | None = getattr(self.args, "event_id", None)
        return parse_uuid(text, what="event id") if text is not None else None

    @property
    def event_time(self) -> datetime | None:
        text: str | None = getattr(self.args, "time", None)
        return parse_time(text) if text is not None else None


def parse_uuid(text: str, *, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(text.strip())
    except ValueError:
        raise InvalidInput(
            f"{text!r} is not a valid {what}.",
            hint="Give a UUID such as 0b8c3d2e-6f1a-4c5e-9a7b-2d4e6f8a0c1e.",
        ) from None


def parse_date(text: str, *, what: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            f"{text!r} is not a valid {what}.", hint="Write it as YYYY-MM-DD."
        ) from None
