"""Run rules (Western Electric 1-4, Nelson 1-8) over a chart's points, as shared/standards/spc-rules.md states them."""

from __future__ import annotations

import enum
import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from traceapp.domain.errors import InvalidInput


class Rule(enum.Enum):
    """A run rule; the value is the name scripts use."""

    LIMIT = "limit"  # a point beyond a control limit: what every chart reports without --rules
    WE1 = "WE1"  # one point beyond 3 sigma (beyond a control limit)
    WE2 = "WE2"  # two of three consecutive points beyond 2 sigma, same side
    WE3 = "WE3"  # four of five consecutive points beyond 1 sigma, same side
    WE4 = "WE4"  # eight consecutive points on one side of the centre line
    N1 = "N1"  # one point beyond 3 sigma
    N2 = "N2"  # nine points in a row on the same side of the centre line
    N3 = "N3"  # six points in a row steadily increasing or decreasing
    N4 = "N4"  # fourteen points in a row alternating up and down
    N5 = "N5"  # two of three points in a row beyond 2 sigma, same side
    N6 = "N6"  # four of five points in a row beyond 1 sigma, same side
    N7 = "N7"  # fifteen points in a row within 1 sigma of the centre line
    N8 = "N8"  # eight points in a row beyond 1 sigma, some above and some below


WESTERN_ELECTRIC = (Rule.WE1, Rule.WE2, Rule.WE3, Rule.WE4)
NELSON = (Rule.N1, Rule.N2, Rule.N3, Rule.N4, Rule.N5, Rule.N6, Rule.N7, Rule.N8)
RULE_SETS = {"we": WESTERN_ELECTRIC, "nelson": NELSON}


def parse_rules(text: str) -> tuple[Rule, ...]:
    """'nelson', 'we', or a comma list of rule names such as 'N1,N2,WE3'."""
    cleaned = text.strip().lower()
    if cleaned in RULE_SETS:
        return RULE_SETS[cleaned]
    names = {rule.value.lower(): rule for rule in Rule}
    rules: list[Rule] = []
    for part in text.split(","):
        rule = names.get(part.strip().lower())
        if rule is None:
            raise InvalidInput(
                f"{part.strip()!r} is not a run rule.",
                hint="Use nelson, we, or a comma list of WE1-WE4 and N1-N8.",
            )
        rules.append(rule)
    return tuple(dict.fromkeys(rules))


@dataclass(frozen=True, slots=True)
class Violation:
    """A rule that fired, at the 1-based point that completed (or continued) its pattern."""

    rule: Rule
    point: int


@dataclass(frozen=True, slots=True)
class _Points:
    """Each point's distance from the centre line in units of the plotted statistic's sigma."""

    z: tuple[float, ...]
    values: tuple[float, ...]
    beyond_limits: tuple[bool, ...]


def _side(z: float) -> int:
    return 1 if z > 0 else -1 if z < 0 else 0


def _run(length: int, test: Callable[[Sequence[int]], bool]) -> Callable[[_Points], list[int]]:
    """Flag index i when the window of `length` points ending at i passes `test`."""

    def check(points: _Points) -> list[int]:
        indices = range(len(points.z))
        return [i for i in indices if i + 1 >= length and test(range(i + 1 - length, i + 1))]

    return check


def _rule1(points: _Points) -> list[int]:
    return [i for i, beyond in enumerate(points.beyond_limits) if beyond]


def _same_side(length: int) -> Callable[[_Points], list[int]]:
    def check(points: _Points) -> list[int]:
        # A point exactly on the centre line is on neither side: it breaks the run.
        return _run(length, lambda w: {_side(points.z[j]) for j in w} in ({1}, {-1}))(points)

    return check


def _k_of_m_beyond(k: int, m: int, sigmas: float) -> Callable[[_Points], list[int]]:
    # The flagged point is itself beyond, on the side the window counts: it completes the pattern.
    def check(points: _Points) -> list[int]:
        hits = []
        for i, z in enumerate(points.z):
            if abs(z) <= sigmas:
                continue
            side = _side(z)
            # At the start of the chart the window is shorter: two of the first two complete it.
            window = points.z[max(0, i + 1 - m) : i + 1]
            if sum(1 for w in window if _side(w) == side and abs(w) > sigmas) >= k:
                hits.append(i)
        return hits

    return check


def _trend(points: _Points) -> list[int]:
    values = points.values

    def steady(window: Sequence[int]) -> bool:
        steps = [values[j + 1] - values[j] for j in window[:-1]]
        return all(step > 0 for step in steps) or all(step < 0 for step in steps)

    return _run(6, steady)(points)


def _alternating(points: _Points) -> list[int]:
    values = points.values

    def alternates(window: Sequence[int]) -> bool:
        steps = [values[j + 1] - values[j] for j in window[:-1]]
        if any(step == 0 for step in steps):
            return False
        return all((a > 0) != (b > 0) for a, b in itertools.pairwise(steps))

    return _run(14, alternates)(points)


def _within_one(points: _Points) -> list[int]:
    return _run(15, lambda w: all(abs(points.z[j]) <= 1 for j in w))(points)


def _outside_one_both_sides(points: _Points) -> list[int]:
    def check(window: Sequence[int]) -> bool:
        zs = [points.z[j] for j in window]
        return all(abs(z) > 1 for z in zs) and any(z > 0 for z in zs) and any(z < 0 for z in zs)

    return _run(8, check)(points)


_CHECKS: dict[Rule, Callable[[_Points], list[int]]] = {
    Rule.LIMIT: _rule1,
    Rule.WE1: _rule1,
    Rule.WE2: _k_of_m_beyond(2, 3, 2.0),
    Rule.WE3: _k_of_m_beyond(4, 5, 1.0),
    Rule.WE4: _same_side(8),
    Rule.N1: _rule1,
    Rule.N2: _same_side(9),
    Rule.N3: _trend,
    Rule.N4: _alternating,
    Rule.N5: _k_of_m_beyond(2, 3, 2.0),
    Rule.N6: _k_of_m_beyond(4, 5, 1.0),
    Rule.N7: _within_one,
    Rule.N8: _outside_one_both_sides,
}


def evaluate(
    values: Sequence[float],
    *,
    center: float,
    sigma: Sequence[float],
    lcl: Sequence[float | None],
    ucl: Sequence[float | None],
    rules: Iterable[Rule],
) -> tuple[Violation, ...]:
    """Every (rule, point) where a selected rule fires, in point order then rule order.

    `sigma` is the plotted statistic's standard deviation at each point (the zone width);
    rule 1 compares with the chart's own limits (so a limit clipped at 0 flags nothing below it).
    A point exactly on a limit or zone boundary is not beyond it.
    """
    z = tuple((v - center) / s if s > 0 else 0.0 for v, s in zip(values, sigma, strict=True))
    beyond = tuple(
        (hi is not None and v > hi) or (lo is not None and v < lo)
        for v, lo, hi in zip(values, lcl, ucl, strict=True)
    )
    points = _Points(z=z, values=tuple(values), beyond_limits=beyond)
    selected = tuple(dict.fromkeys(rules))
    found = [Violation(rule, i + 1) for rule in selected for i in _CHECKS[rule](points)]
    order = {rule: position for position, rule in enumerate(selected)}
    return tuple(sorted(found, key=lambda v: (v.point, order[v.rule])))
