"""SPC on a live channel (SQLite and PostgreSQL): rules on per-minute means, lots in a signal's
window held by the system naming the rule, once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from traceapp.domain.errors import NotFound
from traceapp.domain.lots import LotStatus
from traceapp.domain.sensors import Limits, to_micros
from traceapp.domain.spc.rules import Rule, parse_rules
from traceapp.services import dispositions, lots, spc_live

from .conftest import Plant
from .sensor_plant import add_channel, make_on_mixer, write_readings

T0 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
END = T0 + timedelta(minutes=60)
LIMITS = Limits(lsl=20.0, usl=80.0, lcl=40.0, ucl=60.0)  # centre 50, sigma 3.33
HOT = (30, 33)  # minutes after T0 at 62 degC: beyond the upper control limit
RULES = parse_rules("N1,N5")


def _readings(plant: Plant) -> None:
    """A reading every 10 s for an hour, 50 degC with a little noise, 62 during HOT."""
    noise = np.random.default_rng(7).normal(0.0, 0.3, 360)
    write_readings(
        plant,
        [
            (T0 + timedelta(seconds=10 * i), 62.0 if HOT[0] <= i // 6 < HOT[1] else 50.0 + noise[i])
            for i in range(360)
        ],
    )


_make = make_on_mixer


@pytest.fixture
def mixer(plant: Plant) -> Plant:
    plant.receive("F-1")
    add_channel(plant, limits=LIMITS)
    _readings(plant)
    _make(plant, "D-HOT", T0 + timedelta(minutes=29), T0 + timedelta(minutes=34))
    _make(plant, "D-LATER", T0 + timedelta(minutes=45), T0 + timedelta(minutes=50))
    return plant


def _evaluate(plant: Plant, **options: object) -> spc_live.LiveEvaluation:
    with plant.uow() as uow:
        return spc_live.evaluate(
            uow,
            actor=plant.actor,
            channel="MIX1/temp",
            start=T0,
            end=END,
            rules=options.pop("rules", RULES),  # type: ignore[arg-type]
            **options,  # type: ignore[arg-type]
        )


def _status(plant: Plant, code: str) -> LotStatus:
    with plant.uow() as uow:
        return lots.lot_detail(uow, code).lot.status


def test_minutes_beyond_the_control_limit_signal_rule_1_without_holding(mixer: Plant) -> None:
    result = _evaluate(mixer)
    assert result.points == 60
    assert (result.limits.center, result.limits.source) == (50.0, "control limits")
    assert result.limits.ucl == pytest.approx(60.0)
    n1 = [s for s in result.signals if s.rule is Rule.N1]
    assert [s.time_us for s in n1] == [to_micros(T0 + timedelta(minutes=m)) for m in range(*HOT)]
    assert {s.value for s in n1} == {62.0}
    assert {s.rule for s in result.signals} == {Rule.N1, Rule.N5}
    assert result.held == ()
    assert _status(mixer, "DOUGH/D-HOT") is LotStatus.ACTIVE


def test_hold_stops_the_lots_made_in_the_signal_window_once(mixer: Plant) -> None:
    result = _evaluate(mixer, hold=True)
    held = {h.lot: h for h in result.held}
    # The dough made then; not the flour that went into the mixer then (an input, made
    # elsewhere: the signal says nothing about it), not the later dough.
    assert set(held) == {"DOUGH/D-HOT"}
    assert _status(mixer, "FLOUR/F-1") is LotStatus.ACTIVE
    assert held["DOUGH/D-HOT"].rule == "SPC N1 on MIX1/temp"
    assert not held["DOUGH/D-HOT"].replayed
    assert _status(mixer, "DOUGH/D-HOT") is LotStatus.ON_HOLD
    assert _status(mixer, "DOUGH/D-LATER") is LotStatus.ACTIVE
    with mixer.uow() as uow:
        (decision,) = dispositions.decisions_of(uow, "DOUGH/D-HOT")
    assert (decision.decision.value, decision.decided_by, decision.rule) == (
        "hold",
        "system",
        "SPC N1 on MIX1/temp",
    )
    assert "broke SPC rule N1" in decision.reason

    again = _evaluate(mixer, hold=True)
    assert {h.lot for h in again.held} == {"DOUGH/D-HOT"}
    assert all(h.replayed for h in again.held)
    with mixer.uow() as uow:
        assert len(dispositions.decisions_of(uow, "DOUGH/D-HOT")) == 1


def test_limits_from_a_phase1_window_of_the_channel(mixer: Plant) -> None:
    result = _evaluate(
        mixer, rules=(Rule.N1,), phase1=(T0, T0 + timedelta(minutes=20)), width="minute"
    )
    assert result.limits.source.startswith("phase I")
    assert result.limits.center == pytest.approx(50.0, abs=0.2)
    assert result.limits.sigma < 1.0  # the minute means vary far less than the control limits say
    assert {s.time_us for s in result.signals} >= {
        to_micros(T0 + timedelta(minutes=m)) for m in range(*HOT)
    }


def test_an_unknown_channel_is_not_found(mixer: Plant) -> None:
    with mixer.uow() as uow, pytest.raises(NotFound, match="no sensor channel MIX1/nope"):
        spc_live.evaluate(
            uow, actor=mixer.actor, channel="MIX1/nope", start=T0, end=END, rules=RULES
        )
