"""SPC enabled on a live channel (SQLite and PostgreSQL): the recorder's periodic review stores
each signal once as an alarm the Live monitor lists and acknowledges, and by setting holds the
lots produced on the equipment in the signal's window, once."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from traceapp.db import alarms as alarm_store
from traceapp.db import sensors as store
from traceapp.domain.errors import AlreadyExists, InvalidInput, PermissionDenied
from traceapp.domain.lots import LotStatus
from traceapp.domain.permissions import Role
from traceapp.domain.sensors import to_micros
from traceapp.services import dispositions, live, live_watch, sensors, spc_live

from .conftest import Plant
from .sensor_plant import make_on_mixer
from .test_spc_live import END, HOT, T0, _status, mixer

__all__ = ["mixer"]  # the fixture, imported for these tests


def _enable(plant: Plant, **options: object) -> spc_live.SpcSetting:
    settings: dict[str, object] = {"rules": "N1", "width": "minute", "hold": True}
    settings.update(options)
    with plant.uow() as uow:
        return spc_live.configure(uow, actor=plant.actor, channel="MIX1/temp", **settings)  # type: ignore[arg-type]


def _watch(plant: Plant, minutes: float) -> spc_live.WatchResult:
    with plant.uow() as uow:
        return spc_live.watch(uow, actor=plant.actor, now=T0 + timedelta(minutes=minutes))


def _stored(plant: Plant) -> list[alarm_store.StoredSpcAlarm]:
    with plant.uow() as uow:
        channel = store.channel_by_key(uow.session.connection(), "MIX1", "temp")
        return alarm_store.spc_alarms_between(uow.session, [channel.id], 0, 2**62)


def test_a_signal_is_stored_once_as_an_alarm_and_holds_the_lot_made_then(mixer: Plant) -> None:
    setting = _enable(mixer)
    assert (setting.rules, setting.width, setting.hold) == ("n1", "minute", True)
    assert setting.limits_text == "the channel's control limits"

    first = _watch(mixer, 60)
    (note,) = first.alarms
    assert (note.channel, note.rule, note.signals, note.new) == ("MIX1/temp", "N1", 3, True)
    assert note.first_signal == T0 + timedelta(minutes=HOT[0])
    assert note.last_signal == T0 + timedelta(minutes=HOT[1] - 1)
    # The dough made on the mixer then; not the flour that went in (made elsewhere), not later dough
    assert [h.lot for h in first.held] == ["DOUGH/D-HOT"]
    assert first.held[0].rule == "SPC N1 on MIX1/temp"
    assert _status(mixer, "DOUGH/D-HOT") is LotStatus.ON_HOLD
    assert _status(mixer, "FLOUR/F-1") is LotStatus.ACTIVE
    assert _status(mixer, "DOUGH/D-LATER") is LotStatus.ACTIVE

    again = _watch(mixer, 60.5)
    assert (again.alarms, again.held, again.not_held) == ((), (), ())
    assert len(_stored(mixer)) == 1
    with mixer.uow() as uow:
        assert len(dispositions.decisions_of(uow, "DOUGH/D-HOT")) == 1


def test_a_later_signal_extends_the_alarm_it_touches(mixer: Plant) -> None:
    _enable(mixer, hold=False)
    # 31.5 minutes in: minute 30 is complete, minute 31 still filling (left out)
    (early,) = _watch(mixer, HOT[0] + 1.5).alarms
    assert (early.signals, early.new) == (1, True)
    (later,) = _watch(mixer, 60).alarms
    assert (later.signals, later.new, later.first_signal) == (3, False, early.first_signal)
    (stored,) = _stored(mixer)
    assert stored.last_signal_us == to_micros(T0 + timedelta(minutes=HOT[1] - 1))
    assert stored.worst == pytest.approx(62.0)
    assert _status(mixer, "DOUGH/D-HOT") is LotStatus.ACTIVE  # hold off in this setting


def test_the_live_monitor_lists_the_alarm_and_acknowledges_it_once(mixer: Plant) -> None:
    _enable(mixer, hold=False)
    _watch(mixer, 60)
    with mixer.uow() as uow:
        (channel,) = live.channels(uow, actor=mixer.actor)
        update = live.poll(
            uow,
            actor=mixer.actor,
            since_us={channel.id: to_micros(END)},
            now_us=to_micros(END),
            window_us=to_micros(END) - to_micros(T0),
        )
    assert update.alarms is not None
    spc = [a for a in update.alarms if a.rule is not None]
    assert [(a.kind_text, a.count, a.acknowledged) for a in spc] == [("SPC N1", 3, False)]
    alarm = spc[0]
    with mixer.uow() as uow:
        done = live.acknowledge(
            uow,
            actor=mixer.actor,
            channel_id=channel.id,
            kind=alarm.kind,
            start_us=alarm.start_us,
            rule=alarm.rule,
        )
    assert done.acknowledged_by == mixer.actor.username
    assert done.key == alarm.key
    with mixer.uow() as uow, pytest.raises(AlreadyExists, match="acknowledged by"):
        live.acknowledge(
            uow,
            actor=mixer.actor,
            channel_id=channel.id,
            kind=alarm.kind,
            start_us=alarm.start_us,
            rule=alarm.rule,
        )


def test_settings_are_checked_when_given_and_need_the_quality_manager(mixer: Plant) -> None:
    with pytest.raises(InvalidInput, match="not a run rule"):
        _enable(mixer, rules="N9")
    with pytest.raises(InvalidInput, match="together"):
        _enable(mixer, center=50.0)
    with pytest.raises(InvalidInput, match="limits need at least 2"):
        _enable(mixer, phase1=(END + timedelta(hours=1), END + timedelta(hours=2)))
    supervisor = dataclasses.replace(mixer.actor, role=Role.SUPERVISOR)
    with mixer.uow() as uow, pytest.raises(PermissionDenied):
        spc_live.configure(uow, actor=supervisor, channel="MIX1/temp", rules="we")
    # Given centre and sigma: a sigma of 1 puts the noise-free 50 degC well inside, 62 beyond
    setting = _enable(mixer, center=50.0, sigma=1.0, rules="we")
    assert setting.limits_text == "centre 50, sigma 1"
    assert {n.rule for n in _watch(mixer, 60).alarms} >= {"WE1"}


def test_a_channel_without_limits_is_refused_and_a_disabled_one_not_watched(mixer: Plant) -> None:
    with mixer.uow() as uow:
        sensors.add_channel(
            uow, actor=mixer.actor, site="plant1", equipment="MIX1", name="rpm",
            quantity="speed", unit="1/min",
        )  # fmt: skip
    with mixer.uow() as uow, pytest.raises(InvalidInput, match="no control limits"):
        spc_live.configure(uow, actor=mixer.actor, channel="MIX1/rpm")
    _enable(mixer, enabled=False)
    assert _watch(mixer, 60).alarms == ()


def test_the_recorder_pass_reports_the_alarm_and_the_hold(mixer: Plant) -> None:
    _enable(mixer)
    result = live_watch.review_once(mixer.engine, mixer.actor, hold=False, now=END)
    assert result.errors == ()
    assert result.lines == (
        "SPC alarm: MIX1/temp rule N1, 3 signal(s) since 10:30:00Z, last 10:32:00Z",
        "held DOUGH/D-HOT for review (SPC N1 on MIX1/temp)",
    )
    assert live_watch.review_once(mixer.engine, mixer.actor, hold=False, now=END).lines == ()
    lines: list[str] = []
    watch = live_watch.LiveWatch(mixer.engine, mixer.actor, hold=False, on_line=lines.append)
    watch.start()
    watch.stop()
    assert watch.passes == 1  # the final pass; the thread ended without waiting its 5 s
    assert not any("failed" in line or "postponed" in line for line in lines)


def test_a_lot_recorded_after_the_alarm_but_made_in_its_window_is_held_next_pass(
    mixer: Plant,
) -> None:
    _enable(mixer)
    assert [h.lot for h in _watch(mixer, 60).held] == ["DOUGH/D-HOT"]
    # Recorded late: made during the signals (minutes 31-32), entered after the alarm stopped
    make_on_mixer(mixer, "D-LATE-ENTRY", T0 + timedelta(minutes=31), T0 + timedelta(minutes=32))
    result = _watch(mixer, 60.5)
    assert result.alarms == ()
    assert [(h.lot, h.rule) for h in result.held] == [("DOUGH/D-LATE-ENTRY", "SPC N1 on MIX1/temp")]
    assert result.not_held == ()  # D-HOT, on hold already, is passed over quietly
    assert _status(mixer, "DOUGH/D-LATE-ENTRY") is LotStatus.ON_HOLD
    assert _watch(mixer, 61) == spc_live.WatchResult((), (), (), ())
