"""Run rules on a sensor channel's per-second or per-minute means, as an individuals chart."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from traceapp.domain.errors import InvalidInput
from traceapp.domain.spc import charts
from traceapp.domain.spc.rules import Rule

# How many points a rule's pattern spans: the signal's window reaches back that far.
SPAN = {
    Rule.LIMIT: 1,
    Rule.WE1: 1,
    Rule.N1: 1,
    Rule.WE2: 3,
    Rule.N5: 3,
    Rule.WE3: 5,
    Rule.N6: 5,
    Rule.WE4: 8,
    Rule.N8: 8,
    Rule.N3: 6,
    Rule.N2: 9,
    Rule.N4: 14,
    Rule.N7: 15,
}
HOLD_NAMESPACE = uuid.UUID("6f1d7a52-5a0e-4f0c-9a51-0d6c5e2b7c31")  # SPC live holds' event ids


@dataclass(frozen=True, slots=True)
class LiveLimits:
    """Centre and sigma of single bucket means, and where they came from."""

    center: float
    sigma: float
    source: str  # "control limits", "phase I <from> to <to>", "the window itself"

    @property
    def lcl(self) -> float:
        return self.center - 3 * self.sigma

    @property
    def ucl(self) -> float:
        return self.center + 3 * self.sigma


@dataclass(frozen=True, slots=True)
class LiveSignal:
    """A rule that fired at one bucket: its time, the bucket mean, and the window it spans."""

    rule: Rule
    time_us: int
    value: float
    window_start_us: int
    window_end_us: int


@dataclass(frozen=True, slots=True)
class Episode:
    """Signals of one rule whose windows touch or overlap: the stretch lots are held for."""

    rule: Rule
    start_us: int
    end_us: int
    first_signal_us: int
    signals: int

    def hold_event_id(self, channel_id: int, lot_id: uuid.UUID) -> uuid.UUID:
        """The same hold event for the same lot, channel, rule and episode: a rerun replays it."""
        key = f"{channel_id}:{self.rule.value}:{self.first_signal_us}:{lot_id}"
        return uuid.uuid5(HOLD_NAMESPACE, key)


def limits_from_control(lcl: float | None, ucl: float | None) -> LiveLimits | None:
    """A channel's control limits read as centre ± 3 sigma; None unless both are set."""
    if lcl is None or ucl is None or not ucl > lcl:
        return None
    return LiveLimits((lcl + ucl) / 2, (ucl - lcl) / 6, "control limits")


def limits_from_phase1(values: Sequence[float], source: str) -> LiveLimits:
    """Centre and sigma (moving range / d2) of a phase-I stretch of bucket means."""
    chart = charts.individuals(values)
    if chart.sigma is None:  # individuals always estimates one; mypy does not know
        raise InvalidInput("Phase I gave no sigma.", hint="Pick a longer phase-I window.")
    return LiveLimits(chart.mean, chart.sigma, source)


def signals(
    times_us: Sequence[int],
    values: Sequence[float],
    *,
    width_us: int,
    limits: LiveLimits,
    rules: Sequence[Rule],
) -> tuple[LiveSignal, ...]:
    """Every rule violation over the bucket means, in time order."""
    if len(times_us) != len(values):
        raise InvalidInput("Times and values differ in number.", hint="This is a bug.")
    if len(values) < charts.MIN_PHASE1:
        return ()
    chart = charts.individuals(values, center=limits.center, sigma=limits.sigma).charts[0]
    found = chart.violations(rules or (Rule.LIMIT,))
    result = []
    for violation in found:
        index = violation.point - 1
        first = max(0, index - SPAN.get(violation.rule, 1) + 1)
        result.append(
            LiveSignal(
                rule=violation.rule,
                time_us=times_us[index],
                value=values[index],
                window_start_us=times_us[first],
                window_end_us=times_us[index] + width_us,
            )
        )
    return tuple(sorted(result, key=lambda s: (s.time_us, s.rule.value)))


def episodes(found: Sequence[LiveSignal]) -> tuple[Episode, ...]:
    """Signals merged per rule where their windows touch: one hold per lot per episode."""
    merged: list[Episode] = []
    for rule in dict.fromkeys(s.rule for s in found):
        current: Episode | None = None
        for s in sorted((s for s in found if s.rule is rule), key=lambda s: s.window_start_us):
            if current is not None and s.window_start_us <= current.end_us:
                current = Episode(
                    rule,
                    current.start_us,
                    max(current.end_us, s.window_end_us),
                    current.first_signal_us,
                    current.signals + 1,
                )
                continue
            if current is not None:
                merged.append(current)
            current = Episode(rule, s.window_start_us, s.window_end_us, s.time_us, 1)
        if current is not None:
            merged.append(current)
    # The first to fire names the hold; at one instant the rule listed first (N1 before N5).
    order = {rule: index for index, rule in enumerate(Rule)}
    return tuple(sorted(merged, key=lambda e: (e.first_signal_us, order[e.rule])))
