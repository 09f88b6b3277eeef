"""A station's outbox: a small SQLite file of its own where every confirmed scan waits for the server."""

from __future__ import annotations

import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from traceapp.domain.commands import OutboxCounts, OutboxItem, OutboxState, StepCommand
from traceapp.domain.errors import StorageUnavailable

OUTBOX_FILE = "outbox.sqlite"  # next to the station's settings, not in the plant database
BUSY_TIMEOUT_MS = 5_000
SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    step TEXT NOT NULL,
    body TEXT NOT NULL,
    queued_at TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    settled_at TEXT,
    reason TEXT,
    hint TEXT,
    note TEXT,
    last_error TEXT
);
CREATE INDEX IF NOT EXISTS outbox_state_seq ON outbox (state, seq);
CREATE TABLE IF NOT EXISTS cache (
    name TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    saved_at TEXT NOT NULL
);
"""
_COLUMNS = "seq, body, state, queued_at, attempts, reason, hint, note"


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _item(row: tuple[int, str, str, str, int, str | None, str | None, str | None]) -> OutboxItem:
    seq, body, state, queued_at, attempts, reason, hint, note = row
    return OutboxItem(
        seq=seq,
        command=StepCommand.from_json(body),
        state=state,
        queued_at=datetime.fromisoformat(queued_at),
        attempts=attempts,
        reason=reason,
        hint=hint,
        note=note,
    )


class Outbox:
    """Durable queue of step commands, in the order confirmed, plus a cache of master data.

    A queued command is committed with synchronous=FULL before `enqueue` returns: a scan the
    station has acknowledged survives a kill -9 and a power cut. Later writes (settling it, the
    master data copy) skip the fsync; see `_write`. One connection shared by the station's
    threads (the GUI's workers and the forwarder), serialised by a lock.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        try:
            self._db = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=5.0
            )
            self._db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            self._db.execute("PRAGMA journal_mode=WAL")
            # An acknowledged scan must survive a power cut: fsync the log when it is queued.
            self._db.execute("PRAGMA synchronous=FULL")
            self._synchronous = "FULL"
            self._db.executescript(SCHEMA)
        except sqlite3.Error as exc:
            raise StorageUnavailable(
                f"The station's outbox {self.path} cannot be opened: {exc}",
                hint="Check that the folder is writable and the disk is not full.",
            ) from exc

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _write(self, *, durable: bool = True) -> Iterator[sqlite3.Connection]:
        """One write transaction. `durable`: fsync the log at its commit (synchronous=FULL).

        Queuing a command needs that (it is what the operator is told is kept), and so does a
        person's review (send again, mark as settled). The forwarder's writes (a command
        settled, an attempt noted) and the master data copy commit with synchronous=NORMAL: in
        WAL mode that is still safe against the station's process being killed (the OS has the
        log) and never corrupts the file. A power cut may undo the last of them, which only
        means a delivered command is sent again (the server replays its event UUID; a refusal
        comes back as a conflict to review) or the copy is refreshed again. The log is a
        sequence: the next fsynced commit makes every earlier one durable too.
        """
        with self._lock:
            try:
                level = "FULL" if durable else "NORMAL"
                if level != self._synchronous:
                    self._db.execute(f"PRAGMA synchronous={level}")
                    self._synchronous = level
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                raise StorageUnavailable(
                    f"The station's outbox {self.path} cannot be written: {exc}",
                    hint="Nothing was acknowledged. Check the disk, then scan again.",
                ) from exc

    # The queue.
    def enqueue(self, command: StepCommand) -> int:
        """Store a command durably; the same event UUID twice is stored once. Returns its seq."""
        with self._write() as db:
            db.execute(
                "INSERT INTO outbox (id, step, body, queued_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (id) DO NOTHING",
                (str(command.id), command.step.value, command.to_json(), _now()),
            )
            row = db.execute("SELECT seq FROM outbox WHERE id = ?", (str(command.id),)).fetchone()
        return int(row[0])

    def pending(self, limit: int = 100) -> list[OutboxItem]:
        """The oldest commands still to be sent, in the order they were confirmed."""
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_COLUMNS} FROM outbox WHERE state = ? ORDER BY seq LIMIT ?",
                (OutboxState.PENDING, limit),
            ).fetchall()
        return [_item(row) for row in rows]

    def get(self, seq: int) -> OutboxItem | None:
        with self._lock:
            row = self._db.execute(
                f"SELECT {_COLUMNS} FROM outbox WHERE seq = ?", (seq,)
            ).fetchone()
        return _item(row) if row else None

    def state_of(self, event_id: uuid.UUID) -> str | None:
        with self._lock:
            row = self._db.execute(
                "SELECT state FROM outbox WHERE id = ?", (str(event_id),)
            ).fetchone()
        return str(row[0]) if row else None

    def counts(self) -> OutboxCounts:
        with self._lock:
            rows = dict(
                self._db.execute(
                    "SELECT state, count(*) FROM outbox WHERE state IN (?, ?) GROUP BY state",
                    (OutboxState.PENDING, OutboxState.CONFLICT),
                ).fetchall()
            )
        return OutboxCounts(
            pending=int(rows.get(OutboxState.PENDING, 0)),
            conflicts=int(rows.get(OutboxState.CONFLICT, 0)),
        )

    def items(self, *states: str) -> list[OutboxItem]:
        marks = ", ".join("?" for _ in states)
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_COLUMNS} FROM outbox WHERE state IN ({marks}) ORDER BY seq", states
            ).fetchall()
        return [_item(row) for row in rows]

    def settle(
        self, seq: int, state: str, *, reason: str | None = None, hint: str | None = None
    ) -> None:
        """A pending command's outcome: delivered, refused (shown at once) or a conflict."""
        with self._write(durable=False) as db:
            db.execute(
                "UPDATE outbox SET state = ?, settled_at = ?, reason = ?, hint = ?, "
                "attempts = attempts + 1 WHERE seq = ? AND state = ?",
                (state, _now(), reason, hint, seq, OutboxState.PENDING),
            )

    def note_attempt(self, seq: int, error: str) -> None:
        """A send that could not reach the server: the command stays first in line."""
        with self._write(durable=False) as db:
            db.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE seq = ?",
                (error[:2000], seq),
            )

    def retry(self, seq: int) -> None:
        """Send a conflict again (after its cause was cleared, e.g. the hold lifted)."""
        with self._write() as db:
            db.execute(
                "UPDATE outbox SET state = ?, settled_at = NULL WHERE seq = ? AND state = ?",
                (OutboxState.PENDING, seq, OutboxState.CONFLICT),
            )

    def mark_reviewed(self, seq: int, note: str) -> None:
        """A person settled a conflict by hand; the row and its reason stay."""
        with self._write() as db:
            db.execute(
                "UPDATE outbox SET state = ?, note = ?, settled_at = ? WHERE seq = ? AND state = ?",
                (OutboxState.REVIEWED, note, _now(), seq, OutboxState.CONFLICT),
            )

    def purge_delivered(self, before: datetime) -> int:
        """Forget steps the server recorded before `before` (the server has them); refusals,
        conflicts and settled conflicts stay."""
        with self._write(durable=False) as db:
            cursor = db.execute(
                "DELETE FROM outbox WHERE state = ? AND settled_at < ?",
                (OutboxState.DELIVERED, before.astimezone(UTC).isoformat()),
            )
        return int(cursor.rowcount)

    # Master data kept for working offline.
    def cache_put(self, name: str, body: str) -> None:
        with self._write(durable=False) as db:
            db.execute(
                "INSERT INTO cache (name, body, saved_at) VALUES (?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET body = excluded.body, saved_at = excluded.saved_at",
                (name, body, _now()),
            )

    def cache_get(self, name: str) -> tuple[str, datetime] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT body, saved_at FROM cache WHERE name = ?", (name,)
            ).fetchone()
        return (str(row[0]), datetime.fromisoformat(row[1])) if row else None

    def cache_names(self, prefix: str) -> list[str]:
        """The names of the kept entries that start with `prefix`."""
        with self._lock:
            rows = self._db.execute(
                "SELECT name FROM cache WHERE substr(name, 1, ?) = ? ORDER BY name",
                (len(prefix), prefix),
            ).fetchall()
        return [str(row[0]) for row in rows]

    def cache_delete(self, name: str) -> None:
        with self._write(durable=False) as db:
            db.execute("DELETE FROM cache WHERE name = ?", (name,))
