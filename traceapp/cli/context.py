"""What every command needs: the parsed options, the resolved database, the acting user."""

from __future__ import annotations

import argparse
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
from traceapp.domain.errors import InvalidInput, StorageUnavailable
from traceapp.domain.timeutil import parse_time
from traceapp.services.database import open_database
from traceapp.services.masterdata import actor_for


@dataclass
class Context:
    args: argparse.Namespace
    _setting: DatabaseSetting | None = field(default=None, init=False)

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

    def secrets(self) -> list[str]:
        """Passwords that must never reach the terminal (scrubbed from error output)."""
        if self._setting is None:
            return []
        try:
            password = parse_url(self._setting.url).password
        except InvalidInput:
            return []
        return [str(password)] if password else []

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
        # Everyone acts as the local admin until user management and logins land.
        return actor_for(uow, station=self.station)

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
