"""Live SPC signals: windows reach back over a rule's pattern; touching windows form one episode."""

from __future__ import annotations

import uuid

from traceapp.domain.spc.live import LiveLimits, episodes, limits_from_control, signals
from traceapp.domain.spc.rules import Rule

MINUTE = 60_000_000
LOT = uuid.UUID(int=7)


def test_control_limits_give_centre_and_sigma() -> None:
    limits = limits_from_control(40.0, 60.0)
    assert limits is not None
    assert (limits.center, round(limits.sigma, 6)) == (50.0, round(20 / 6, 6))
    assert limits_from_control(None, 60.0) is None


def test_a_run_of_nine_signals_rule_2_with_a_window_of_nine_points() -> None:
    values = [50.0] * 5 + [51.0] * 9 + [50.0] * 3
    times = [i * MINUTE for i in range(len(values))]
    found = signals(
        times, values, width_us=MINUTE, limits=LiveLimits(50.0, 2.0, "given"), rules=(Rule.N2,)
    )
    assert [(s.rule, s.time_us // MINUTE) for s in found] == [(Rule.N2, 13)]
    assert (found[0].window_start_us, found[0].window_end_us) == (5 * MINUTE, 14 * MINUTE)


def test_touching_windows_of_one_rule_are_one_episode_and_others_apart() -> None:
    values = [50.0] * 10 + [60.0, 60.0] + [50.0] * 10 + [60.0]
    times = [i * MINUTE for i in range(len(values))]
    found = signals(
        times, values, width_us=MINUTE, limits=LiveLimits(50.0, 2.0, "given"), rules=(Rule.N1,)
    )
    runs = episodes(found)
    assert [(e.start_us // MINUTE, e.end_us // MINUTE, e.signals) for e in runs] == [
        (10, 12, 2),
        (22, 23, 1),
    ]
    assert runs[0].hold_event_id(1, LOT) == runs[0].hold_event_id(1, LOT)
    assert runs[0].hold_event_id(1, LOT) != runs[1].hold_event_id(1, LOT)
