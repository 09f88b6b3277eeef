"""SPC on live channels: which channels are watched and how, and the alarms their signals raised.

A channel setting says which rules run on which aggregate, where the limits come from (a phase-I
window, or a given centre and sigma; else the channel's control limits) and whether a signal holds
the lots made in its window. An alarm row is one episode of one rule on one channel: signals whose
windows touch extend it (last signal, end, count), so a drift that breaks a run rule every second
is one alarm, not one a second. (channel, rule, first signal) is unique: the periodic review that
stores it runs again and again, and a second recorder finds the row instead of adding one.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from traceapp.db.base import Base


class SpcChannelSetting(Base):
    """SPC enabled on a channel: rules (nelson | we) on its per-second or per-minute means."""

    __tablename__ = "spc_channel_settings"

    channel_id: Mapped[int] = mapped_column(ForeignKey("sensor_channels.id"), primary_key=True)
    rules: Mapped[str] = mapped_column(String(64))  # nelson, we, or a list: N1,N2,WE3
    width: Mapped[str] = mapped_column(String(8))  # second | minute
    phase1_from_us: Mapped[int | None] = mapped_column(BigInteger)
    phase1_to_us: Mapped[int | None] = mapped_column(BigInteger)
    center: Mapped[float | None] = mapped_column(Float)
    sigma: Mapped[float | None] = mapped_column(Float)
    hold: Mapped[bool]
    enabled: Mapped[bool]
    set_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[datetime]


class SpcAlarm(Base):
    """One episode of one SPC rule on one live channel: the signals, their window, the worst mean."""

    __tablename__ = "spc_alarms"
    __table_args__ = (UniqueConstraint("channel_id", "rule", "first_signal_us"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("sensor_channels.id"), index=True)
    rule: Mapped[str] = mapped_column(String(8))
    first_signal_us: Mapped[int] = mapped_column(BigInteger)
    last_signal_us: Mapped[int] = mapped_column(BigInteger)
    window_start_us: Mapped[int] = mapped_column(BigInteger)
    window_end_us: Mapped[int] = mapped_column(BigInteger)
    signals: Mapped[int]
    worst: Mapped[float] = mapped_column(Float)
    center: Mapped[float] = mapped_column(Float)
    sigma: Mapped[float] = mapped_column(Float)
    limits_source: Mapped[str] = mapped_column(String(120))
    recorded_at: Mapped[datetime]
