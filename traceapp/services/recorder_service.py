"""The recorder child process the window starts for `[monitoring] sources`: records, prints its status as JSON lines.

    TRACEAPP_RECORDER_DB=URL python -m traceapp.services.recorder_service --source URL [...]

One `Recorder` per source, all into the database of TRACEAPP_RECORDER_DB (from the environment,
not the command line, so a server password does not show in the process list). Every second a
line on stdout: {"state": "running", "readings_per_s": ..., "written": ..., "backlog": ...,
"lag_s": ..., "sources": [{"url": ..., "state": ...}, ...]}; a failure is a last line
{"state": "failed", "error": "..."} and exit status 1 (2 for a bad source, database address or
settings file). SIGTERM (the window closing) stops the sources, writes what they gave, runs a
last review and exits 0.

It runs as the station's recording service, set up by whoever controls the settings file, not
as the person signed in to the window. Like `traceapp monitor --record` it writes readings (and
the channels it hears about) and every `--review-every` seconds (default 5) runs the same
periodic review (`live_watch`: lots made during an excursion flagged, and held when
`--hold` / `[monitoring] hold_on_excursion` says so; live SPC of the channels that have it
enabled). The review acts as the system user (TraceApp itself, role `system`): what it holds
names the rule that fired, as every automatic hold does. Each line of the review is printed as
{"event": "..."}.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from types import FrameType
from urllib.parse import urlsplit

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from traceapp.config import load_settings, settings_path
from traceapp.db.engine import make_engine
from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import SYSTEM_USERNAME, Actor
from traceapp.domain.errors import InvalidInput, KnownError
from traceapp.services.live_watch import EVERY_S, LiveWatch
from traceapp.services.masterdata import actor_for
from traceapp.services.sensors import Recorder

DB_VARIABLE = "TRACEAPP_RECORDER_DB"
STATUS_EVERY_S = 1.0
EXIT_FAILED = 1
EXIT_BAD_SETUP = 2
MONITORING_SECTION = "monitoring"  # settings.toml: [monitoring] hold_on_excursion = true


def _say(line: dict[str, object]) -> None:
    print(json.dumps(line), flush=True)


def masked_source(url: str) -> str:
    """A source URL as it was written (`plant/#` stays `plant/#`), its password, if any, as ***."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return "?"
    if password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return url.replace(parts.netloc, f"{parts.username or ''}:***@{host}", 1)


def _masked(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "?"


def hold_from_settings() -> bool:
    """`[monitoring] hold_on_excursion` of the settings file (default false), as the CLI reads it."""
    path = settings_path()
    section = load_settings(path).get(MONITORING_SECTION, {})
    value = section.get("hold_on_excursion", False) if isinstance(section, dict) else None
    if not isinstance(value, bool):
        raise InvalidInput(
            f"In the settings file {path}, [monitoring] hold_on_excursion must be true or false.",
            hint="Write hold_on_excursion = true (or false) under [monitoring].",
        )
    return value


def system_actor(engine: Engine) -> Actor:
    """TraceApp itself (role `system`): the review's holds are automatic ones naming their rule."""
    with UnitOfWork(engine, write=False) as uow:
        return actor_for(uow, username=SYSTEM_USERNAME)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--source", action="append", required=True, help="a sensor source URL")
    hold = parser.add_mutually_exclusive_group()
    hold.add_argument(
        "--hold",
        dest="hold",
        action="store_const",
        const=True,
        help="hold flagged lots for review (default: [monitoring] hold_on_excursion)",
    )
    hold.add_argument("--no-hold", dest="hold", action="store_const", const=False)
    parser.add_argument(
        "--review-every",
        type=float,
        default=EVERY_S,
        metavar="S",
        help=f"seconds between review passes (default {EVERY_S:g})",
    )
    args = parser.parse_args(argv)
    url = os.environ.get(DB_VARIABLE, "")
    if not url:
        _say({"state": "failed", "error": f"{DB_VARIABLE} is not set: no database to record to."})
        return EXIT_BAD_SETUP
    if not args.review_every > 0:
        _say({"state": "failed", "error": "--review-every must be positive (e.g. 5)."})
        return EXIT_BAD_SETUP
    stop = threading.Event()

    def stopping(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, stopping)
    signal.signal(signal.SIGINT, stopping)
    try:
        holding = hold_from_settings() if args.hold is None else bool(args.hold)
        engine = make_engine(url)
        recorders = [Recorder(engine, source) for source in args.source]
        watch = LiveWatch(
            engine,
            system_actor(engine),
            hold=holding,
            on_line=lambda line: _say({"event": line}),
            every_s=args.review_every,
        )
    except (KnownError, ArgumentError, OperationalError) as exc:
        text = f"{exc.message} {exc.hint}".strip() if isinstance(exc, KnownError) else str(exc)
        _say({"state": "failed", "error": text, "database": _masked(url)})
        return EXIT_BAD_SETUP
    for recorder in recorders:
        recorder.start()
    watch.start()
    parent = os.getppid()
    failure: BaseException | None = None
    try:
        while not stop.wait(STATUS_EVERY_S):
            if os.getppid() != parent:  # the window died without stopping us: stop too
                break
            statuses = [r.status() for r in recorders]
            _say(
                {
                    "state": "running",
                    "readings_per_s": round(sum(s.readings_per_s for s in statuses), 1),
                    "written": sum(s.written for s in statuses),
                    "channels": sum(s.channels for s in statuses),
                    "backlog": sum(s.backlog for s in statuses),
                    "lag_s": round(max(s.lag_s for s in statuses), 3),
                    "sources": [
                        {"url": masked_source(r.source_url), "state": s.state.value}
                        for r, s in zip(recorders, statuses, strict=True)
                    ],
                    "at": time.time(),
                }
            )
            failure = next((r.failed for r in recorders if r.failed is not None), None)
            if failure is not None:
                break
    finally:
        for recorder in recorders:
            try:
                recorder.stop()
            except BaseException as exc:  # the first failure is the one reported
                failure = failure or exc
        watch.stop()  # and one last pass: what the last batch closed
        engine.dispose()
    if failure is not None:
        text = (
            f"{failure.message} {failure.hint}".strip()
            if isinstance(failure, KnownError)
            else f"{type(failure).__name__}: {failure}"
        )
        _say({"state": "failed", "error": text})
        return EXIT_FAILED
    _say({"state": "stopped"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
