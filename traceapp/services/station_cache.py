"""Master data (products, parties, locations, users) a station process keeps between its steps.

A recorded step looks up the same few rows every time: its user, its station, the product and
the supplier of a receipt, the place of a move. Each lookup was a statement of its own. This
copy keeps them per process (per engine) and checks one number per step instead: plant_meta's
`master_data_version`, which database triggers bump in the transaction of any UPDATE or DELETE
of those tables (migration 0013), whoever makes it: another station, the app's admin pages,
an import, or someone at the SQL prompt.

The rule: a step reads the version in its first statement (with the check for its event UUID,
`Repository.step_start`). A row is served from the copy only when it was read under that same
version; otherwise it is read from the database and kept, tagged with the version the step
read. A row read after the version was read is at least as new as that version, so the copy
never answers older than the version the step saw; a change committed later bumps the version,
and the next step reads the rows again. New rows need no bump: the copy keeps no "not found".
Only step transactions (which never change master data) use the copy; any other transaction,
and a database without the counter, reads the database as before.

Rows are kept as their column values and handed to each session as a clean persistent row of
its own (no SQL), so no ORM object is shared between sessions or threads.
"""

from __future__ import annotations

import threading
import uuid
import weakref
from collections.abc import Iterable
from typing import Any, TypeVar

from sqlalchemy import Engine, inspect
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from traceapp.db.models import Location, Party, Product, User
from traceapp.db.repositories import Repository

Row = TypeVar("Row", Product, Party, Location, User)
# session.info key: (the transaction, its event UUID, already recorded?, master data version)
STEP_START = "traceapp_step_start"
# The code each kind of row is looked up by at a station.
CODE_COLUMN: dict[type[Any], str] = {
    Product: "part_number",
    Party: "code",
    Location: "code",
    User: "username",
}


class MasterCache:
    """Column values of master rows by id, each tagged with the version it was read under."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._newest: int | None = None
        self._rows: dict[tuple[type[Any], uuid.UUID], tuple[int, dict[str, Any]]] = {}
        self._codes: dict[tuple[type[Any], str], uuid.UUID] = {}

    def values(self, model: type[Any], key: uuid.UUID, version: int) -> dict[str, Any] | None:
        with self._lock:
            entry = self._rows.get((model, key))
        if entry is None or entry[0] != version:
            return None
        return entry[1]

    def id_of(self, model: type[Any], code: str) -> uuid.UUID | None:
        with self._lock:
            return self._codes.get((model, code))

    def keep(self, row: object, version: int) -> None:
        state = inspect(row)
        if state.expired_attributes:
            return  # not fully loaded: nothing reliable to keep
        values = {attr.key: attr.loaded_value for attr in state.attrs}
        model = type(row)
        with self._lock:
            if self._newest is None or version > self._newest:
                # Master data changed: what was kept before is stale for every later step.
                self._newest = version
                self._rows.clear()
                self._codes.clear()
            elif version < self._newest:
                return  # read by an older transaction than rows kept already
            key = values["id"]
            self._rows[(model, key)] = (version, values)
            self._codes[(model, str(values[CODE_COLUMN[model]]))] = key

    def clear(self) -> None:
        with self._lock:
            self._newest = None
            self._rows.clear()
            self._codes.clear()


_CACHES: weakref.WeakKeyDictionary[Engine, MasterCache] = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def cache_for(engine: Engine) -> MasterCache:
    """The process's copy for one database (engine)."""
    with _CACHES_LOCK:
        cache = _CACHES.get(engine)
        if cache is None:
            cache = _CACHES[engine] = MasterCache()
        return cache


def noted_step(session: Session, event_id: uuid.UUID | None) -> bool | None:
    """Whether this transaction found `event_id` recorded (`note_step`); None: not asked yet."""
    noted = session.info.get(STEP_START)
    if noted is not None and noted[0] is session.get_transaction() and noted[1] == event_id:
        return bool(noted[2])
    return None


def note_step(
    session: Session, event_id: uuid.UUID | None, *, exists: bool, version: int | None
) -> None:
    """Note what the step's first statement read, for this transaction only."""
    session.info[STEP_START] = (session.get_transaction(), event_id, exists, version)


def step_version(session: Session) -> int | None:
    """The version this transaction's step read; None outside a step (then nothing is cached)."""
    noted = session.info.get(STEP_START)
    if noted is None or noted[0] is not session.get_transaction():
        return None
    version: int | None = noted[3]
    return version


def _attach(session: Session, model: type[Row], values: dict[str, Any]) -> Row:
    """The row as a clean persistent object of `session` (the one it has, else a new one)."""
    present = session.identity_map.get(identity_key(model, values["id"]))
    if isinstance(present, model):
        return present
    row = model(**values)
    make_transient_to_detached(row)
    session.add(row)
    return row


def _engine(session: Session) -> Engine | None:
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else None


def by_id(session: Session, model: type[Row], key: uuid.UUID) -> Row | None:
    """The row from the copy when it holds under this step's version, else from the database."""
    version = step_version(session)
    engine = _engine(session)
    if version is None or engine is None:
        return session.get(model, key)
    cache = cache_for(engine)
    values = cache.values(model, key, version)
    if values is not None:
        return _attach(session, model, values)
    row = session.get(model, key)
    if row is not None:
        cache.keep(row, version)
    return row


def by_code(session: Session, model: type[Row], code: str, load: Any) -> Row | None:
    """The row with this code (`load()` reads it from the database on a miss)."""
    version = step_version(session)
    engine = _engine(session)
    if version is None or engine is None:
        found: Row | None = load()
        return found
    cache = cache_for(engine)
    key = cache.id_of(model, code)
    values = cache.values(model, key, version) if key is not None else None
    if values is not None:
        return _attach(session, model, values)
    row: Row | None = load()
    if row is not None:
        cache.keep(row, version)
    return row


def codes_by_id(
    session: Session, model: type[Party] | type[Location] | type[User], ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """Codes (usernames) of rows by id: this session's rows, the copy, then one query."""
    column = CODE_COLUMN[model]
    names: dict[uuid.UUID, str] = {}
    missing: set[uuid.UUID] = set()
    version = step_version(session)
    engine = _engine(session)
    cache = cache_for(engine) if version is not None and engine is not None else None
    for key in set(ids):
        row = session.identity_map.get(identity_key(model, key))
        if isinstance(row, model):
            names[key] = getattr(row, column)
            continue
        values = (
            cache.values(model, key, version) if cache is not None and version is not None else None
        )
        if values is not None:
            names[key] = values[column]
        else:
            missing.add(key)
    if missing:
        repo = Repository(session)
        if cache is not None and version is not None:
            for row in repo.rows_by_id(model, missing):
                cache.keep(row, version)
                names[row.id] = getattr(row, column)
        else:
            names.update(repo.names_by_id(model, missing))
    return names
