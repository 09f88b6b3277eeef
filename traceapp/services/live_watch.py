"""The periodic review a recorder runs: condition review + live SPC evaluation of the channels that have SPC enabled, idempotent, each signal stored once.

`traceapp monitor --record` starts a LiveWatch: a thread that every few seconds flags (and by
setting holds) the lots made during an excursion outside the specification (services.conditions
.review), then runs each SPC-enabled channel's rules over its recent aggregates and stores the
signals as alarms the Live monitor lists (services.spc_live.watch), holding the lots made in a
signal's window when the channel's setting says so. The recorder's own thread never waits for
it, and a failed pass (the database away, another recorder held the lot first) is reported and
retried at the next one. Both parts are idempotent: a lot is flagged once per excursion and held
once per alarm, a signal is stored once, however many recorders run the review.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, OperationalError

from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import Actor
from traceapp.domain.errors import KnownError
from traceapp.services import conditions, spc_live

EVERY_S = 5.0  # seconds between passes


@dataclass(frozen=True, slots=True)
class PassResult:
    """What one pass did, as lines a recorder prints; `errors`: the parts that were postponed."""

    lines: tuple[str, ...]
    errors: tuple[str, ...]


def review_once(
    engine: Engine, actor: Actor, *, hold: bool, now: datetime | None = None
) -> PassResult:
    """One pass: the condition review (holding by `hold`), then live SPC on enabled channels
    (over the buckets complete at `now`, default the clock's now; tests give one)."""
    lines: list[str] = []
    errors: list[str] = []
    try:
        with UnitOfWork(engine) as uow:
            flags = conditions.review(uow, actor=actor, hold=hold)
        lines += [f"flagged {line}" for line in flags.flagged]
        lines += [f"held {name} for review (sensor excursion)" for name in flags.held]
    except (OperationalError, IntegrityError, KnownError) as exc:
        errors.append(f"review postponed: {exc}")
    try:
        with UnitOfWork(engine) as uow:
            found = spc_live.watch(uow, actor=actor, now=now)
        for note in found.alarms:
            what = "SPC alarm" if note.new else "SPC alarm continues"
            lines.append(
                f"{what}: {note.channel} rule {note.rule}, {note.signals} signal(s) since "
                f"{note.first_signal:%H:%M:%S}Z, last {note.last_signal:%H:%M:%S}Z"
            )
        lines += [f"held {h.lot} for review ({h.rule})" for h in found.held]
        lines += [f"not held {text}" for text in found.not_held]
        lines += [f"SPC not evaluated: {text}" for text in found.skipped]
    except (OperationalError, IntegrityError, KnownError) as exc:
        errors.append(f"live SPC postponed: {exc}")
    return PassResult(tuple(lines), tuple(errors))


class LiveWatch:
    """Runs `review_once` every `every_s` seconds in its own thread until `stop`."""

    def __init__(
        self,
        engine: Engine,
        actor: Actor,
        *,
        hold: bool,
        on_line: Callable[[str], None],
        every_s: float = EVERY_S,
    ) -> None:
        if not every_s > 0:
            raise ValueError("every_s must be positive")
        self._engine = engine
        self._actor = actor
        self._hold = hold
        self._on_line = on_line
        self._every_s = every_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.passes = 0

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("the watch runs already")
        self._thread = threading.Thread(target=self._run, name="live-watch", daemon=True)
        self._thread.start()

    def stop(self, *, final_pass: bool = True) -> None:
        """Stop the thread (after the pass it is in); then, with `final_pass`, one more pass for
        what the recorder's last batch closed."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if final_pass:
            self._pass()

    def _run(self) -> None:
        while not self._stop.wait(self._every_s):
            self._pass()

    def _pass(self) -> None:
        try:
            result = review_once(self._engine, self._actor, hold=self._hold)
        except Exception as exc:
            self._on_line(f"review failed: {type(exc).__name__}: {exc}")
            return
        self.passes += 1
        for line in (*result.lines, *result.errors):
            self._on_line(line)
