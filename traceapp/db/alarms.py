"""Alarms of sensor channels and their acknowledgements; SPC settings of live channels.

An alarm is an excursion of a sensor channel, named by (channel, kind, start): the same key the
excursions table is unique on; or an SPC alarm (spc_alarms: one episode of one rule, kind
'spc-<rule>', start = its first signal). Acknowledgements are entries of the append-only audit
trail (no table of their own). Acknowledging one appends an audit entry `acknowledge` of entity
`sensor_alarm` with that key, chained like every other entry: who, when and at which station
answer for it, and it can never be changed or taken back. Reading which alarms are acknowledged
is one look-up of the indexed (entity, entity_id) columns.

Why not a table: the migration chain this would need (0008 after the lot-conditions 0007) was not
on main when this was designed; the audit trail already has the properties an acknowledgement
needs (append-only, who/when, tamper-evident). docs/live_monitor.md says what a table would add.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from traceapp.db import audit_log
from traceapp.db.audit_log import AuditContext
from traceapp.db.models import AuditEntry, SpcAlarm, SpcChannelSetting, User

ALARM_ENTITY = "sensor_alarm"
ACKNOWLEDGE_ACTION = "acknowledge"
_LOOKUP_CHUNK = 500  # keys per IN list: well below SQLite's bound-parameter limit


def alarm_key(channel_id: int, kind: str, start_us: int) -> str:
    """The key of an excursion as the audit trail names it, e.g. '12:spec:1764500000000000'."""
    return f"{channel_id}:{kind}:{start_us}"


@dataclass(frozen=True, slots=True)
class StoredAcknowledgement:
    key: str
    username: str
    at: datetime  # UTC
    station: str | None
    note: str | None


def append_acknowledgement(
    session: Session, acting: AuditContext, key: str, details: dict[str, object]
) -> None:
    """Append the acknowledgement of alarm `key` to the audit trail (in the session's transaction)."""
    audit_log._append(session, acting, [(ACKNOWLEDGE_ACTION, ALARM_ENTITY, key, None, details)])


def lock_audit(session: Session) -> None:
    """Take the audit head's row lock (PostgreSQL; SQLite writers are serialised anyway)."""
    audit_log.lock_head(session)


def acknowledgements(session: Session, keys: Iterable[str]) -> dict[str, StoredAcknowledgement]:
    """The first acknowledgement of each of `keys` that has one."""
    wanted = sorted(set(keys))
    found: dict[str, StoredAcknowledgement] = {}
    e = AuditEntry
    for start in range(0, len(wanted), _LOOKUP_CHUNK):
        rows = session.execute(
            select(e.entity_id, e.username, e.recorded_at, e.station, e.reason)
            .where(
                e.entity == ALARM_ENTITY,
                e.action == ACKNOWLEDGE_ACTION,
                e.entity_id.in_(wanted[start : start + _LOOKUP_CHUNK]),
            )
            .order_by(e.seq)
        )
        for key, username, at, station, note in rows:
            if key is None or key in found:
                continue
            moment = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
            found[key] = StoredAcknowledgement(key, username, moment, station, note)
    return found


# --- SPC on live channels: settings and the alarms their signals raised --------------------------


@dataclass(frozen=True, slots=True)
class StoredSpcSetting:
    channel_id: int
    rules: str
    width: str
    phase1_from_us: int | None
    phase1_to_us: int | None
    center: float | None
    sigma: float | None
    hold: bool
    enabled: bool
    set_by: str
    set_at: datetime


@dataclass(frozen=True, slots=True)
class StoredSpcAlarm:
    id: int
    channel_id: int
    rule: str
    first_signal_us: int
    last_signal_us: int
    window_start_us: int
    window_end_us: int
    signals: int
    worst: float
    center: float
    sigma: float
    limits_source: str

    @property
    def key(self) -> str:
        """Its key among the alarms: the kind is 'spc-<rule>', the start its first signal."""
        return alarm_key(self.channel_id, spc_kind(self.rule), self.first_signal_us)


def spc_kind(rule: str) -> str:
    return f"spc-{rule}"


def save_spc_setting(session: Session, setting: StoredSpcSetting, user_id: uuid.UUID) -> None:
    """Insert or replace a channel's SPC setting (an ORM row: the audit trail records the change)."""
    row = session.get(SpcChannelSetting, setting.channel_id)
    if row is None:
        row = SpcChannelSetting(channel_id=setting.channel_id)
        session.add(row)
    row.rules = setting.rules
    row.width = setting.width
    row.phase1_from_us = setting.phase1_from_us
    row.phase1_to_us = setting.phase1_to_us
    row.center = setting.center
    row.sigma = setting.sigma
    row.hold = setting.hold
    row.enabled = setting.enabled
    row.set_by = user_id
    row.set_at = setting.set_at


def spc_settings(session: Session, *, enabled_only: bool = False) -> list[StoredSpcSetting]:
    s = SpcChannelSetting
    query = select(s, User.username).join(User, User.id == s.set_by).order_by(s.channel_id)
    if enabled_only:
        query = query.where(s.enabled.is_(True))
    return [
        StoredSpcSetting(
            row.channel_id,
            row.rules,
            row.width,
            row.phase1_from_us,
            row.phase1_to_us,
            row.center,
            row.sigma,
            row.hold,
            row.enabled,
            username,
            _utc(row.set_at),
        )
        for row, username in session.execute(query)
    ]


def latest_spc_alarms(session: Session, channel_id: int) -> dict[str, StoredSpcAlarm]:
    """The newest alarm of each rule on the channel (the one a new signal may extend)."""
    a = SpcAlarm
    newest = (
        select(a.rule, func.max(a.first_signal_us).label("first"))
        .where(a.channel_id == channel_id)
        .group_by(a.rule)
        .subquery()
    )
    rows = session.scalars(
        select(a)
        .join(newest, and_(a.rule == newest.c.rule, a.first_signal_us == newest.c.first))
        .where(a.channel_id == channel_id)
    )
    return {row.rule: _stored(row) for row in rows}


def spc_alarms_between(
    session: Session, channel_ids: Sequence[int], start_us: int, end_us: int
) -> list[StoredSpcAlarm]:
    """SPC alarms of these channels whose window overlaps [start, end], newest first."""
    if not channel_ids:
        return []
    a = SpcAlarm
    rows = session.scalars(
        select(a)
        .where(
            a.channel_id.in_(list(channel_ids)),
            a.window_end_us >= start_us,
            a.first_signal_us <= end_us,
        )
        .order_by(a.first_signal_us.desc(), a.channel_id, a.rule)
    )
    return [_stored(row) for row in rows]


def spc_alarm(
    session: Session, channel_id: int, rule: str, first_signal_us: int
) -> StoredSpcAlarm | None:
    row = session.scalar(
        select(SpcAlarm).where(
            SpcAlarm.channel_id == channel_id,
            SpcAlarm.rule == rule,
            SpcAlarm.first_signal_us == first_signal_us,
        )
    )
    return None if row is None else _stored(row)


def add_spc_alarm(session: Session, alarm: StoredSpcAlarm, at: datetime) -> None:
    """A new alarm row (ORM: audited; the unique key refuses a second recorder's copy)."""
    session.add(
        SpcAlarm(
            channel_id=alarm.channel_id,
            rule=alarm.rule,
            first_signal_us=alarm.first_signal_us,
            last_signal_us=alarm.last_signal_us,
            window_start_us=alarm.window_start_us,
            window_end_us=alarm.window_end_us,
            signals=alarm.signals,
            worst=alarm.worst,
            center=alarm.center,
            sigma=alarm.sigma,
            limits_source=alarm.limits_source[:120],
            recorded_at=at,
        )
    )


def extend_spc_alarm(session: Session, alarm: StoredSpcAlarm) -> None:
    """Store a later signal of the same episode: last signal, window end, count, worst."""
    row = session.get(SpcAlarm, alarm.id)
    if row is None:
        raise LookupError(f"SPC alarm {alarm.id} is gone")
    row.last_signal_us = alarm.last_signal_us
    row.window_end_us = alarm.window_end_us
    row.signals = alarm.signals
    row.worst = alarm.worst


def _stored(row: SpcAlarm) -> StoredSpcAlarm:
    return StoredSpcAlarm(
        row.id, row.channel_id, row.rule, row.first_signal_us, row.last_signal_us,
        row.window_start_us, row.window_end_us, row.signals, row.worst, row.center, row.sigma,
        row.limits_source,
    )  # fmt: skip


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
