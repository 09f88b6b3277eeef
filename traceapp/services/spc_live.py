"""SPC on a live channel: run rules over its bucket means, and hold the lots made in a signal's window."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from traceapp.db import alarms as alarm_store
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
from traceapp.domain.spc.rules import Rule, parse_rules
from traceapp.services import dispositions
from traceapp.services.masterdata import actor_for
from traceapp.services.recording import now_utc

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
    made (a produce step's output) on the channel's equipment during a signal's window is held
    by the system, naming the rule and the channel; the hold event's id comes from lot, channel, rule and the episode's
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
    uow: UnitOfWork,
    actor: Actor,
    channel: Channel,
    runs: Sequence[Episode],
    *,
    quiet: bool = False,
) -> tuple[list[LiveHold], list[str]]:
    """Hold the lots produced in each run's window. `quiet` (a re-check of alarms already
    handled): lots that cannot be held are passed over, neither looked up nor listed."""
    session = uow.session
    equipment = trace_queries.equipment_by_code(session, channel.equipment)
    if equipment is None:
        return [], [f"equipment {channel.equipment} is not a known location: no lots to hold"]
    system = _system(uow, actor)
    held: list[LiveHold] = []
    not_held: list[str] = []
    done: set[str] = set()
    for run in runs:
        # Outputs only: an input lot was made elsewhere, the signal says nothing about it.
        lots = places.lots_produced_on(
            session, equipment.id, from_micros(run.start_us), from_micros(run.end_us)
        )
        names = places.lot_names(session, lots)
        rule = hold_rule(channel, run.rule)
        for lot_id in sorted(lots, key=lambda i: names[i][0]):
            name, status = names[lot_id]
            event_id = run.hold_event_id(channel.id, lot_id)
            if name in done:
                continue  # held for an earlier episode of this evaluation already
            holdable = LotStatus(status) in ALLOWED_FROM[Decision.HOLD]
            if quiet and not holdable:
                continue
            if not holdable and not _held_by(uow, name, event_id):
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


# --- SPC enabled on a channel: evaluated by the recorder's periodic review (services/live_watch) --

WATCH_POINTS = 600  # buckets a review looks back over: 10 min of seconds, 10 h of minutes


@dataclass(frozen=True, slots=True)
class SpcSetting:
    """SPC on one channel: its rules, the aggregate, where the limits come from, hold or not."""

    channel: Channel
    rules: str  # nelson, we, or a comma list
    width: str  # second | minute
    phase1: tuple[datetime, datetime] | None
    center: float | None
    sigma: float | None
    hold: bool
    enabled: bool
    set_by: str
    set_at: datetime

    @property
    def limits_text(self) -> str:
        if self.phase1 is not None:
            return f"phase I {self.phase1[0].isoformat()} to {self.phase1[1].isoformat()}"
        if self.center is not None and self.sigma is not None:
            return f"centre {self.center:g}, sigma {self.sigma:g}"
        return "the channel's control limits"


@dataclass(frozen=True, slots=True)
class SpcAlarmNote:
    """A signal the review stored: a new alarm, or a later signal of an alarm already listed."""

    channel: str
    rule: str
    first_signal: datetime
    last_signal: datetime
    signals: int
    new: bool


@dataclass(frozen=True, slots=True)
class WatchResult:
    alarms: tuple[SpcAlarmNote, ...]
    held: tuple[LiveHold, ...]
    not_held: tuple[str, ...]
    skipped: tuple[str, ...]  # channels not evaluated, and why


def configure(
    uow: UnitOfWork,
    *,
    actor: Actor,
    channel: str,
    rules: str = "nelson",
    width: str = "second",
    phase1: tuple[datetime, datetime] | None = None,
    center: float | None = None,
    sigma: float | None = None,
    hold: bool = False,
    enabled: bool = True,
) -> SpcSetting:
    """Enable (or change, or with `enabled=False` disable) SPC on a live channel.

    The quality manager answers for it (as for an inspection plan's limits). Limits: a phase-I
    window, or a given centre and sigma, else the channel's control limits, which it must have.
    """
    require(actor.role, UseCase.MANAGE_PLANS, username=actor.username)
    parse_rules(rules)  # refused here, not at the first review
    if width not in WIDTHS_US:
        raise InvalidInput(f"No aggregate {width!r}.", hint="Use second or minute.")
    if (center is None) != (sigma is None):
        raise InvalidInput(
            "Give --center and --sigma together.", hint="e.g. --center 72 --sigma 0.4"
        )
    if sigma is not None and not sigma > 0:
        raise InvalidInput(f"Sigma {sigma:g} is not above zero.", hint="Give a positive sigma.")
    if phase1 is not None and center is not None:
        raise InvalidInput(
            "Give a phase-I window or a centre and sigma, not both.",
            hint="The phase-I window estimates the centre and sigma.",
        )
    if phase1 is not None and not phase1[0] < phase1[1]:
        raise InvalidInput("The phase-I window ends before it starts.", hint="Swap the times.")
    session = uow.session
    connection = session.connection()
    found = store.channel_by_key(connection, *_split_key(channel))
    if phase1 is not None:
        _limits(connection, found, phase1, (), width)  # refused now when it has too few buckets
    elif center is None and limits_from_control(found.limits.lcl, found.limits.ucl) is None:
        raise InvalidInput(
            f"{found.key} has no control limits to take the centre and sigma from.",
            hint="Give --phase1-from/--phase1-to or --center/--sigma, or set its LCL and UCL.",
        )
    uow.acting(actor, reason="SPC on a live channel")
    at = now_utc()
    alarm_store.save_spc_setting(
        session,
        alarm_store.StoredSpcSetting(
            found.id,
            rules.strip().lower(),
            width,
            None if phase1 is None else to_micros(phase1[0]),
            None if phase1 is None else to_micros(phase1[1]),
            center,
            sigma,
            hold,
            enabled,
            actor.username,
            at,
        ),
        actor.user_id,
    )
    uow.commit()
    return next(s for s in spc_settings(uow, actor=actor) if s.channel.id == found.id)


def spc_settings(uow: UnitOfWork, *, actor: Actor, enabled_only: bool = False) -> list[SpcSetting]:
    """The channels with an SPC setting, by channel."""
    require(actor.role, UseCase.READ, username=actor.username)
    return _settings(uow, enabled_only=enabled_only)


def _settings(uow: UnitOfWork, *, enabled_only: bool) -> list[SpcSetting]:
    connection = uow.session.connection()
    found = []
    for row in alarm_store.spc_settings(uow.session, enabled_only=enabled_only):
        phase1 = None
        if row.phase1_from_us is not None and row.phase1_to_us is not None:
            phase1 = (from_micros(row.phase1_from_us), from_micros(row.phase1_to_us))
        found.append(
            SpcSetting(
                store.find_channel(connection, row.channel_id),
                row.rules,
                row.width,
                phase1,
                row.center,
                row.sigma,
                row.hold,
                row.enabled,
                row.set_by,
                row.set_at,
            )
        )
    return found


def watch(uow: UnitOfWork, *, actor: Actor, now: datetime | None = None) -> WatchResult:
    """Run each enabled channel's rules over its last WATCH_POINTS complete buckets; store each
    signal once (a new alarm, or a later signal of the alarm whose window it touches); hold the
    lots made in the window of a new or extended alarm when its setting says so, and lots
    recorded later that were made in a recent alarm's window. Idempotent: signals up to an
    alarm's last one are known, holds replay by their event id.
    """
    require(actor.role, UseCase.READ, username=actor.username)
    moment = now if now is not None else now_utc()
    notes: list[SpcAlarmNote] = []
    held: list[LiveHold] = []
    not_held: list[str] = []
    skipped: list[str] = []
    for setting in _settings(uow, enabled_only=True):
        try:
            changed, channel_notes = _watch_channel(uow, actor, setting, moment)
        except (InvalidInput, NotFound) as exc:
            uow.rollback()
            skipped.append(f"{setting.channel.key}: {exc}")
            continue
        notes += channel_notes
        if not setting.hold:
            continue
        if changed:
            more_held, more_not = _hold(uow, actor, setting.channel, _runs(changed))
            held += [h for h in more_held if not h.replayed]
            not_held += more_not
        # A lot made in a recent alarm's window but recorded after it stopped growing: held now
        # (a lot held before, or released by a person, replays or is passed over).
        known = {(a.rule, a.first_signal_us) for a in changed}
        width_us = WIDTHS_US[setting.width]
        end_us = to_micros(moment) // width_us * width_us
        recent = [
            a
            for a in alarm_store.spc_alarms_between(
                uow.session, [setting.channel.id], end_us - WATCH_POINTS * width_us, end_us
            )
            if (a.rule, a.first_signal_us) not in known
        ]
        if recent:
            late, _ = _hold(uow, actor, setting.channel, _runs(recent), quiet=True)
            held += [h for h in late if not h.replayed]
    return WatchResult(tuple(notes), tuple(held), tuple(not_held), tuple(skipped))


def _runs(alarms: Sequence[alarm_store.StoredSpcAlarm]) -> list[Episode]:
    return [
        Episode(Rule(a.rule), a.window_start_us, a.window_end_us, a.first_signal_us, a.signals)
        for a in alarms
    ]


def _watch_channel(
    uow: UnitOfWork, actor: Actor, setting: SpcSetting, moment: datetime
) -> tuple[list[alarm_store.StoredSpcAlarm], list[SpcAlarmNote]]:
    session = uow.session
    connection = session.connection()
    channel = setting.channel
    width_us = WIDTHS_US[setting.width]
    end_us = to_micros(moment) // width_us * width_us  # the bucket still filling is left out
    start_us = end_us - WATCH_POINTS * width_us
    buckets = store.aggregates_between(
        connection, channel.id, start_us, end_us, width=setting.width
    )
    if not buckets:
        return [], []
    if setting.center is not None and setting.sigma is not None:
        limits = LiveLimits(setting.center, setting.sigma, setting.limits_text)
    else:
        limits = _limits(connection, channel, setting.phase1, (), setting.width)
    fired = signals(
        [b.start_us for b in buckets],
        [b.mean for b in buckets],
        width_us=width_us,
        limits=limits,
        rules=parse_rules(setting.rules),
    )
    if not fired:
        return [], []
    latest = alarm_store.latest_spc_alarms(session, channel.id)
    added: dict[tuple[str, int], alarm_store.StoredSpcAlarm] = {}
    extended: dict[int, alarm_store.StoredSpcAlarm] = {}
    for signal in fired:
        rule = signal.rule.value
        current = latest.get(rule)
        if current is not None and signal.time_us <= current.last_signal_us:
            continue  # stored by an earlier review
        worst = signal.value
        if current is not None and signal.window_start_us <= current.window_end_us:
            if abs(current.worst - limits.center) > abs(worst - limits.center):
                worst = current.worst
            current = dataclasses.replace(
                current,
                last_signal_us=signal.time_us,
                window_end_us=max(current.window_end_us, signal.window_end_us),
                signals=current.signals + 1,
                worst=worst,
            )
        else:
            current = alarm_store.StoredSpcAlarm(
                0, channel.id, rule, signal.time_us, signal.time_us, signal.window_start_us,
                signal.window_end_us, 1, worst, limits.center, limits.sigma, limits.source,
            )  # fmt: skip
        latest[rule] = current
        if current.id:
            extended[current.id] = current
        else:
            added[(rule, current.first_signal_us)] = current
    changed = list(added.values()) + list(extended.values())
    if not changed:
        return [], []
    system = _system(uow, actor)
    uow.acting(system, reason=f"live SPC review of {channel.key}")
    at = now_utc()
    for alarm in added.values():
        alarm_store.add_spc_alarm(session, alarm, at)
    for alarm in extended.values():
        alarm_store.extend_spc_alarm(session, alarm)
    uow.commit()
    notes = [
        SpcAlarmNote(
            channel.key,
            a.rule,
            from_micros(a.first_signal_us),
            from_micros(a.last_signal_us),
            a.signals,
            not a.id,
        )
        for a in changed
    ]
    return changed, notes


def _system(uow: UnitOfWork, actor: Actor) -> Actor:
    """TraceApp itself, at the reviewer's station: it stores the alarms and sets the holds."""
    return dataclasses.replace(
        actor_for(uow, username=SYSTEM_USERNAME),
        station_id=actor.station_id,
        station_code=actor.station_code,
        utc_offset_minutes=actor.utc_offset_minutes,
    )
