"""SPC on a live channel: run rules over its bucket means, and hold the lots made in a signal's window."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from traceapp.db import residence as places
from traceapp.db import sensors as store
from traceapp.db import trace as trace_queries
from traceapp.db.uow import UnitOfWork
from traceapp.domain.actor import SYSTEM_USERNAME, Actor
from traceapp.domain.dispositions import ALLOWED_FROM, Decision
from traceapp.domain.errors import InvalidInput, NotFound
from traceapp.domain.lots import LotStatus
from traceapp.domain.permissions import UseCase, require
from traceapp.domain.sensors import Channel, from_micros, to_micros
from traceapp.domain.spc.live import (
    Episode,
    LiveLimits,
    LiveSignal,
    episodes,
    limits_from_control,
    limits_from_phase1,
    signals,
)
from traceapp.domain.spc.rules import Rule
from traceapp.services import dispositions
from traceapp.services.masterdata import actor_for

WIDTHS_US = {"minute": 60_000_000, "second": 1_000_000}
RULE_PREFIX = "SPC"


@dataclass(frozen=True, slots=True)
class LiveHold:
    """A lot the evaluation held (or found already held for the same episode: `replayed`)."""

    lot: str
    rule: str
    replayed: bool


@dataclass(frozen=True, slots=True)
class LiveEvaluation:
    """One channel over one window: the limits used, every signal, and what was held."""

    channel: Channel
    width: str
    points: int
    limits: LiveLimits
    signals: tuple[LiveSignal, ...]
    episodes: tuple[Episode, ...]
    held: tuple[LiveHold, ...]
    not_held: tuple[str, ...]  # lots in a signal's window that could not be held, and why


def hold_rule(channel: Channel, rule: Rule) -> str:
    """What an automatic hold names: the SPC rule and the channel, e.g. 'SPC N1 on MIX1/temp'."""
    return f"{RULE_PREFIX} {rule.value} on {channel.key}"


def _split_key(key: str) -> tuple[str, str]:
    equipment, _, name = key.strip().partition("/")
    if not equipment or not name:
        raise InvalidInput(
            f"{key!r} does not name a channel.", hint="Write EQUIPMENT/CHANNEL, e.g. MIX1/temp."
        )
    return equipment, name


def evaluate(
    uow: UnitOfWork,
    *,
    actor: Actor,
    channel: str,
    start: datetime,
    end: datetime,
    rules: Sequence[Rule],
    width: str = "minute",
    phase1: tuple[datetime, datetime] | None = None,
    hold: bool = False,
) -> LiveEvaluation:
    """Apply `rules` to the channel's bucket means in [start, end) as an individuals chart.

    Limits: from the phase-I window when given, else the channel's control limits (centre
    halfway, sigma a sixth of their distance), else the window itself. With `hold`, every lot
    resident on the channel's equipment during a signal's window is held by the system, naming
    the rule and the channel; the hold event's id comes from lot, channel, rule and the episode's
    first signal, so a rerun replays it instead of holding twice.
    """
    require(actor.role, UseCase.READ, username=actor.username)
    if hold:
        require(actor.role, UseCase.HOLD, username=actor.username)
    width_us = WIDTHS_US.get(width)
    if width_us is None:
        raise InvalidInput(f"No aggregate {width!r}.", hint="Use minute or second.")
    if not start < end:
        raise InvalidInput("The window ends before it starts.", hint="Give --from before --to.")
    session = uow.session
    connection = session.connection()
    found = store.channel_by_key(connection, *_split_key(channel))
    buckets = store.aggregates_between(
        connection, found.id, to_micros(start), to_micros(end), width=width
    )
    times = [b.start_us for b in buckets]
    means = [b.mean for b in buckets]
    limits = _limits(connection, found, phase1, means, width)
    fired = signals(times, means, width_us=width_us, limits=limits, rules=rules)
    runs = episodes(fired)
    held: list[LiveHold] = []
    not_held: list[str] = []
    if hold and runs:
        held, not_held = _hold(uow, actor, found, runs)
    return LiveEvaluation(
        found, width, len(buckets), limits, fired, runs, tuple(held), tuple(not_held)
    )


def _limits(
    connection: Connection,
    channel: Channel,
    phase1: tuple[datetime, datetime] | None,
    means: Sequence[float],
    width: str,
) -> LiveLimits:
    if phase1 is not None:
        first, last = phase1
        base = store.aggregates_between(
            connection,
            channel.id,
            to_micros(first),
            to_micros(last),
            width=width,
        )
        if len(base) < 2:
            raise InvalidInput(
                f"Phase I has {len(base)} {width}(s) of {channel.key}; limits need at least 2.",
                hint="Pick a phase-I window with readings (20 or more buckets is the usual advice).",
            )
        return limits_from_phase1(
            [b.mean for b in base], f"phase I {first.isoformat()} to {last.isoformat()}"
        )
    control = limits_from_control(channel.limits.lcl, channel.limits.ucl)
    if control is not None:
        return control
    if len(means) < 2:
        raise NotFound(
            f"{channel.key} has {len(means)} {width}(s) of readings in the window and no "
            "control limits.",
            hint="Widen the window, give a phase-I window, or set the channel's control limits.",
        )
    return limits_from_phase1(means, "the window itself")


def _hold(
    uow: UnitOfWork, actor: Actor, channel: Channel, runs: Sequence[Episode]
) -> tuple[list[LiveHold], list[str]]:
    session = uow.session
    equipment = trace_queries.equipment_by_code(session, channel.equipment)
    if equipment is None:
        return [], [f"equipment {channel.equipment} is not a known location: no lots to hold"]
    system = dataclasses.replace(
        actor_for(uow, username=SYSTEM_USERNAME),
        station_id=actor.station_id,
        station_code=actor.station_code,
        utc_offset_minutes=actor.utc_offset_minutes,
    )
    held: list[LiveHold] = []
    not_held: list[str] = []
    done: set[str] = set()
    for run in runs:
        lots = trace_queries.lots_on_equipment(
            session, equipment.id, from_micros(run.start_us), from_micros(run.end_us)
        )
        names = places.lot_names(session, lots)
        rule = hold_rule(channel, run.rule)
        for lot_id in sorted(lots, key=lambda i: names[i][0]):
            name, status = names[lot_id]
            event_id = run.hold_event_id(channel.id, lot_id)
            if name in done:
                continue  # held for an earlier episode of this evaluation already
            if LotStatus(status) not in ALLOWED_FROM[Decision.HOLD] and not _held_by(
                uow, name, event_id
            ):
                not_held.append(f"{name}: {status.replace('_', ' ')}")
                continue
            outcome = dispositions.hold(
                uow,
                actor=system,
                code=name,
                reason=(
                    f"Made on {channel.equipment} while {channel.key} broke SPC rule "
                    f"{run.rule.value} ({from_micros(run.start_us).isoformat()} to "
                    f"{from_micros(run.end_us).isoformat()}), for review"
                ),
                rule=rule,
                event_id=event_id,
            )
            held.append(LiveHold(name, rule, outcome.replayed))
            done.add(name)
    return held, not_held


def _held_by(uow: UnitOfWork, name: str, event_id: object) -> bool:
    """True when this very hold was recorded before (a rerun): it is replayed, not refused."""
    return any(d.event_id == event_id for d in dispositions.decisions_of(uow, name))
